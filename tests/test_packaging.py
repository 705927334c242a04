"""The installed package carries everything it needs: the wheel holds the reader model."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_the_wheel_ships_the_reader_model(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("model.onnx", "tokenizer.json", "reader.json", "MODEL_CARD.md"):
        assert f"assistant/models/reader/{f}" in names, f
