"""The PDF worker starts whatever the caller's ``__main__`` is, and a worker that cannot start
fails the run instead of being reported as the reason every PDF was skipped."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from assistant.errors import PdfWorkerError
from assistant.ingest.pdf_worker import PdfReaderProcess

from conftest import BUNDLED, MULTIPAGE_PDF, ROOT, needs_shared

SCRIPT = """
import json, sys
from assistant import Assistant
bot = Assistant(sys.argv[1], sys.argv[2])
print(json.dumps({"added": bot.last_report.added, "skipped": bot.last_report.skipped}))
"""


def _folder(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(MULTIPAGE_PDF, corpus / "paper.pdf")
    shutil.copy(next(BUNDLED.glob("2023-12-09*.md")), corpus / "dialogue.md")
    return corpus


@needs_shared(MULTIPAGE_PDF)
@pytest.mark.parametrize("how", ["stdin", "-c"])
def test_a_script_on_stdin_or_dash_c_indexes_pdfs(tmp_path, how):
    corpus = _folder(tmp_path)
    args = [str(corpus), str(tmp_path / "index")]
    if how == "stdin":  # `python - <<EOF`: __main__.__file__ is "<stdin>", which spawn cannot re-run
        run = subprocess.run([sys.executable, "-", *args], input=SCRIPT, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    else:
        run = subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["skipped"] == []
    assert report["added"] == ["dialogue.md", "paper.pdf"]


@needs_shared(MULTIPAGE_PDF)
def test_a_worker_that_cannot_start_fails_the_run_and_keeps_the_index(tmp_path, monkeypatch):
    from assistant import Assistant

    corpus = _folder(tmp_path)
    bot = Assistant(corpus, tmp_path / "index")
    before = sorted(d["source"] for d in bot.documents())
    shutil.copy(MULTIPAGE_PDF, corpus / "second.pdf")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    with pytest.raises(PdfWorkerError, match="cannot start the PDF worker"):
        bot.update_index()
    monkeypatch.undo()
    again = Assistant(corpus, tmp_path / "index", auto_update=False)
    assert sorted(d["source"] for d in again.documents()) == before
    assert sorted(d["source"] for d in bot.documents()) == before


def test_a_worker_that_dies_on_start_is_an_error_of_the_run(tmp_path, monkeypatch):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'simulated broken interpreter' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    worker = PdfReaderProcess(timeout_s=5)
    with pytest.raises(PdfWorkerError, match="simulated broken interpreter"):
        worker.read(ROOT / "README.md")
    worker.close()
