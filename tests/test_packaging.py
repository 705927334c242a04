"""The installed package carries everything it needs and answers exactly like the checkout.

The wheel is built from ``pyproject.toml``, installed into a fresh virtual environment, and asked
a question by a script on standard input, over a folder with a PDF and a Markdown file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import BUNDLED, MULTIPAGE_PDF, ROOT, needs_shared

SCRIPT = """
import json, sys
import assistant
from assistant import Assistant
bot = Assistant(sys.argv[1], sys.argv[2])
out = {"package": assistant.__file__, "skipped": bot.last_report.skipped, "added": bot.last_report.added}
for q in ("How much will be invested in bioeconomy research?", "How many penguins live in Antarctica?"):
    out[q] = bot.ask(q).to_dict()
print(json.dumps(out))
"""


def _wheel(out: Path) -> Path:
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    [wheel] = out.glob("*.whl")
    return wheel


def _ask(python: str, corpus: Path, index: Path, cwd: Path) -> dict:
    run = subprocess.run([python, "-", str(corpus), str(index)], input=SCRIPT, capture_output=True, text=True, timeout=600, cwd=cwd)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_wheel_ships_the_reader_model(tmp_path):
    names = set(zipfile.ZipFile(_wheel(tmp_path)).namelist())
    for f in ("model.onnx", "tokenizer.json", "reader.json", "MODEL_CARD.md"):
        assert f"assistant/models/reader/{f}" in names, f
    for stage in ("ingest", "encode", "index", "retrieve", "answer", "evaluate", "app", "text"):
        assert f"assistant/{stage}/__init__.py" in names, stage


@pytest.mark.slow
@needs_shared(MULTIPAGE_PDF)
def test_the_installed_wheel_answers_like_the_checkout(tmp_path):
    wheel = _wheel(tmp_path / "dist")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    pip = subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr[-2000:]
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True)
    purelib = Path(site.stdout.strip())
    # the dependencies (torch, faiss, ...) come from this environment, as a plain path entry: its
    # .pth files, among them the checkout's editable install, are not run, so only the wheel's
    # copy of the package can be imported
    (purelib / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(MULTIPAGE_PDF, corpus / "paper.pdf")
    shutil.copy(next(BUNDLED.glob("2023-12-09*.md")), corpus / "dialogue.md")
    work = tmp_path / "elsewhere"
    work.mkdir()

    installed = _ask(python, corpus, tmp_path / "index-wheel", work)
    assert installed["package"].startswith(str(purelib)), installed["package"]
    assert installed["skipped"] == [] and installed["added"] == ["dialogue.md", "paper.pdf"]
    checkout = _ask(sys.executable, corpus, tmp_path / "index-checkout", ROOT)
    assert checkout["package"].startswith(str(ROOT))
    for q in ("How much will be invested in bioeconomy research?", "How many penguins live in Antarctica?"):
        assert installed[q] == checkout[q], q
    assert installed["How much will be invested in bioeconomy research?"]["grounded"]
    helped = subprocess.run([str(venv / "bin" / "assistant"), "--help"], capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "index" in helped.stdout
    assert not installed["How many penguins live in Antarctica?"]["grounded"]
