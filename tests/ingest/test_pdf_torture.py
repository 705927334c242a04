"""The PDF torture set: 303 real PDFs (../shared/eval/pdfs/, described by manifest.csv).

Every file must finish within the per-file time limit; every ``text_ok`` file is indexed; every
other file is indexed (where text can be recovered) or skipped with a reason naming its real cause.
Peak memory of the process plus its PDF worker stays bounded.

Two tests: the loader stage over all 303 files (fast: pypdf only), and a real end-to-end
``assistant index`` run (model, FAISS, BM25) over a sample of every category.
"""

from __future__ import annotations

import collections
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from assistant.errors import LoadError
from assistant.ingest.loader import DocumentLoader
from assistant.ingest.pdf import ocr_available
from assistant.settings import LoadSettings

from conftest import PDFS, ROOT, needs_shared

MANIFEST = PDFS / "manifest.csv"
pytestmark = [needs_shared(MANIFEST)]

PER_FILE_LIMIT_S = 60.0  # the per-file time limit (the production default); unloaded, the slowest file takes ~4 s
PEAK_RSS_LIMIT = 1.5 * 1024**3  # growth of the test process (loader) + the PDF worker, whatever ran before
INDEX_PEAK_RSS_LIMIT = 3 * 1024**3  # whole `assistant index` process tree (torch + model + worker)

SCANNED = "no text layer — scanned?"

# What a skipped file's reason must start with, per manifest category (None: must be indexed).
EXPECTED: dict[str, tuple[str, ...] | None] = {
    "text_ok": None,
    "encrypted_opens_with_empty_password": None,
    "encrypted_needs_password": ("password-protected",),
    "no_extractable_text": (SCANNED,),
    "encrypted_opens_with_empty_password_no_text": (SCANNED,),
    "malformed_open_error": ("damaged PDF",),
    "malformed_page_error": ("damaged PDF",),
    "empty_file": ("empty file",),
}


# Files that cannot yield text: the password is unknown, or there are no bytes at all.
MUST_SKIP = {"encrypted_needs_password", "empty_file"}


def manifest_rows() -> list[dict[str, str]]:
    with open(MANIFEST, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class PeakRss:
    """Samples the RSS of a process and all its children (the PDF worker) in a thread."""

    def __init__(self, pid: int | None = None, interval: float = 0.05):
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                total = self.proc.memory_info().rss
                for c in self.proc.children(recursive=True):
                    try:
                        total += c.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self.base = self.proc.memory_info().rss  # what earlier tests left loaded in this process
        self._thread.start()
        return self

    @property
    def growth(self) -> int:
        return self.peak - self.base

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def check_outcome(category: str, outcome: str, source: str) -> str | None:
    """Return a failure message if ``outcome`` ("indexed" or a skip reason) is wrong for ``category``."""
    expected = EXPECTED.get(category)
    if category not in EXPECTED:
        return f"{source}: unknown category {category!r}"
    if outcome == "indexed":
        if category not in MUST_SKIP:
            return None  # recovered text (or OCR text of a scan) is welcome
        return f"{source} ({category}) was indexed, expected a skip ({expected[0]})"
    if expected is None:
        return f"{source} ({category}) was skipped: {outcome}"
    if not outcome.startswith(expected):
        return f"{source} ({category}) skipped with the wrong reason: {outcome!r} (expected {expected[0]!r}…)"
    if category in ("no_extractable_text", "encrypted_opens_with_empty_password_no_text") and "Tesseract" not in outcome and "OCR" not in outcome:
        return f"{source}: a scanned PDF's reason should say how to enable OCR: {outcome!r}"
    return None


def summarise(results: list[tuple[str, str, str, float]]) -> dict:
    per_cat: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for _src, cat, outcome, _secs in results:
        per_cat[cat]["indexed" if outcome == "indexed" else "skipped"] += 1
    slow = max(results, key=lambda r: r[3])
    return {"per_category": {c: dict(v) for c, v in sorted(per_cat.items())}, "slowest": (slow[0], round(slow[3], 2))}


@pytest.mark.slow
def test_every_pdf_is_loaded_or_skipped_with_its_real_cause(capsys):
    """Loader stage over all 303 PDFs, one warm worker, per-file time limit, bounded memory."""
    rows = manifest_rows()
    assert len(rows) >= 300
    results: list[tuple[str, str, str, float]] = []
    failures: list[str] = []
    t0 = time.perf_counter()
    # text layer only (OCR of scanned pages is tested below on a few files: it costs seconds a page)
    with PeakRss() as mem, DocumentLoader(LoadSettings(pdf_timeout_s=PER_FILE_LIMIT_S), ocr=False) as loader:
        for row in rows:
            path = PDFS / row["path"]
            t = time.perf_counter()
            try:
                doc = loader.load(path, row["path"])
            except LoadError as e:
                outcome = str(e)
            else:
                outcome = "indexed"
                assert doc.text.strip(), row["path"]
                assert [p.number for p in doc.pages] == list(range(1, len(doc.pages) + 1))
                assert all(0 <= p.start <= p.end <= len(doc.text) for p in doc.pages)
            secs = time.perf_counter() - t
            results.append((row["path"], row["category"], outcome, secs))
            if "longer than" in outcome:
                failures.append(f"{row['path']} ({row['category']}) hit the time limit")
            elif msg := check_outcome(row["category"], outcome, row["path"]):
                failures.append(msg)
    total = time.perf_counter() - t0
    summary = summarise(results)
    summary.update(files=len(rows), seconds=round(total, 1), peak_rss_growth_mb=round(mem.growth / 2**20))
    with capsys.disabled():
        print("\nPDF torture set (loader stage):", json.dumps(summary, indent=1))
    assert not failures, "\n".join(failures)
    assert summary["slowest"][1] < PER_FILE_LIMIT_S
    assert mem.growth < PEAK_RSS_LIMIT, f"peak RSS growth {mem.growth / 2**20:.0f} MB"
    # the manifest's counts for the categories that must all be indexed
    counts = summary["per_category"]
    assert counts["text_ok"] == {"indexed": sum(r["category"] == "text_ok" for r in rows)}


def torture_sample(rows: list[dict[str, str]], per_category: int = 4, seed: int = 6) -> list[dict[str, str]]:
    """A few files of every category (the smallest text_ok files keep embedding time down)."""
    rng = random.Random(seed)
    by_cat: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for r in rows:
        by_cat[r["category"]].append(r)
    sample: list[dict[str, str]] = []
    for cat, items in sorted(by_cat.items()):
        n = per_category
        if cat == "text_ok":  # ten real documents of modest size keep embedding time down
            items = [r for r in items if 500 <= int(r["chars_extracted"] or 0) <= 30_000]
            n = 10
        sample += rng.sample(items, min(n, len(items)))
    return sample


@pytest.mark.slow
def test_index_command_over_a_torture_sample(tmp_path, capsys):
    """``assistant index`` end to end (real model, FAISS, BM25) over every category; bounded memory."""
    rows = torture_sample(manifest_rows())
    corpus = tmp_path / "corpus"
    for r in rows:
        dst = corpus / r["path"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PDFS / r["path"], dst)
    index = tmp_path / "index"
    cmd = [sys.executable, "-m", "assistant", "index", "--corpus", str(corpus), "--index", str(index), "--json"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ASSISTANT_PDF_TIMEOUT_S": str(PER_FILE_LIMIT_S), "ASSISTANT_OCR": "0"},
    )
    with PeakRss(proc.pid, interval=0.1) as mem:
        out, err = proc.communicate(timeout=600)
    secs = time.perf_counter() - t0
    assert proc.returncode == 0, err[-3000:]
    report = json.loads(out)
    skipped = {s: reason for s, reason in report["skipped"]}
    indexed = set(report["added"])
    failures = []
    for r in rows:
        outcome = "indexed" if r["path"] in indexed else skipped.get(r["path"], "missing from the report")
        if msg := check_outcome(r["category"], outcome, r["path"]):
            failures.append(msg)
    with capsys.disabled():
        print(
            f"\nassistant index over {len(rows)} torture PDFs: {len(indexed)} indexed, {len(skipped)} skipped, "
            f"{report['total_chunks']} chunks, {secs:.1f}s, peak RSS (process + worker) {mem.peak / 2**20:.0f} MB"
        )
    assert not failures, "\n".join(failures)
    assert mem.peak < INDEX_PEAK_RSS_LIMIT, f"peak RSS {mem.peak / 2**20:.0f} MB"

    from assistant import Assistant

    bot = Assistant(corpus, index, auto_update=False)
    bot.snapshot.check()
    assert len(bot.snapshot.documents) == len(indexed)
    hits = bot.search("the", k=3)
    assert hits and all(h.source in indexed for h in hits)


SCAN_FR = "ocrmypdf_resources/tests__resources__francais.pdf"  # one scanned page (French pangram)
SCAN_MIXED = "pypdf_resources/resources__encrypted_doc_no_id.pdf"  # 3 pages, only page 2 has an image
BLANK = "ocrmypdf_resources/tests__resources__trivial.pdf"  # one page, nothing on it


def test_scanned_pdf_without_ocr_says_how_to_enable_it():
    with DocumentLoader(ocr=False) as loader, pytest.raises(LoadError, match="no text layer — scanned.*install Tesseract OCR"):
        loader.load(PDFS / SCAN_FR, SCAN_FR)


@pytest.mark.slow
@pytest.mark.skipif(not ocr_available(), reason="Tesseract OCR is not installed (apt-get install tesseract-ocr)")
def test_scanned_pages_are_ocrd_indexed_and_marked(tmp_path):
    from assistant import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for src in (SCAN_FR, SCAN_MIXED, BLANK):
        shutil.copyfile(PDFS / src, corpus / Path(src).name)
    bot = Assistant(corpus, tmp_path / "index")
    report = bot.last_report
    fr, mixed, blank = (Path(s).name for s in (SCAN_FR, SCAN_MIXED, BLANK))
    assert sorted(report.added) == sorted([fr, mixed]), report.summary()
    reasons = dict(report.skipped)
    assert reasons[blank].startswith("no text layer — scanned?") and "OCR found no readable text" in reasons[blank]
    docs = bot.snapshot.documents
    assert docs[fr].ocr_pages == [1] and docs[mixed].ocr_pages == [2]
    hits = bot.search("whisky juge blond", k=1)
    assert hits and hits[0].source == fr and "whisky" in hits[0].text.lower()
    with DocumentLoader() as loader:
        doc = loader.load(corpus / mixed, mixed)
    assert [p.ocr for p in doc.pages] == [False, True, False]


@pytest.mark.skipif(not ocr_available(), reason="Tesseract OCR is not installed")
def test_jbig2_scan_reason_names_the_missing_decoder():
    src = "ocrmypdf_resources/tests__resources__jbig2.pdf"
    if shutil.which("jbig2dec"):
        pytest.skip("jbig2dec is installed: the page is OCR'd")
    with DocumentLoader() as loader, pytest.raises(LoadError, match="no text layer — scanned.*jbig2dec"):
        loader.load(PDFS / src, src)
