"""Korean files: language in the metadata, Korean PDFs, chunks that keep their language."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest import Chunker, DocumentLoader
from assistant.ingest.scan import has_korean_text_file, scan_corpus
from assistant.settings import ChunkSettings

KOREAN_PDF = Path(__file__).resolve().parent.parent / "data" / "korean_press_release.pdf"
KOREAN_SCAN = KOREAN_PDF.with_name("korean_scanned.pdf")


def test_a_korean_pdf_is_read_page_by_page_with_its_language():
    with DocumentLoader() as loader:
        doc = loader.load(KOREAN_PDF, "korean_press_release.pdf")
    assert doc.kind == "pdf" and doc.language == "ko"
    assert [p.number for p in doc.pages] == [1, 2]
    first = doc.text[doc.pages[0].start : doc.pages[0].end]
    assert "3월 14일 대전에서 한미 양자기술 공동연구센터 개소식을 열었다" in first
    assert "김서연 박사" in doc.text[doc.pages[1].start : doc.pages[1].end]


def test_front_matter_language_wins_over_detection(tmp_path: Path):
    (tmp_path / "a.md").write_text("---\ntitle: Notes\nlanguage: ko\n---\nEnglish notes about a Korean release.\n", encoding="utf-8")
    with DocumentLoader() as loader:
        assert loader.load(tmp_path / "a.md", "a.md").language == "ko"


def test_text_files_get_their_detected_language(tmp_path: Path):
    (tmp_path / "ko.txt").write_text("과학기술정보통신부는 미국 국립과학재단과 공동연구를 확대하기로 했다.", encoding="utf-8")
    (tmp_path / "euc.txt").write_bytes("우주항공청은 미 항공우주국과 아르테미스 연구 협정을 체결했다.".encode("euc-kr"))
    (tmp_path / "en.txt").write_text("The two sides agreed to expand joint research in quantum science.", encoding="utf-8")
    with DocumentLoader() as loader:
        langs = {n: loader.load(tmp_path / n, n).language for n in ("ko.txt", "euc.txt", "en.txt")}
    assert langs == {"ko.txt": "ko", "euc.txt": "ko", "en.txt": "en"}


def test_the_corpus_sniff_finds_korean_text_files(tmp_path: Path):
    (tmp_path / "en.md").write_text("# Fact sheet\n\nThe United States and Korea signed an MOU.\n", encoding="utf-8")
    files, _ = scan_corpus(tmp_path)
    assert not has_korean_text_file(files)
    (tmp_path / "ko.md").write_bytes(
        ("# 보도자료\n\n" + "한미 양국은 인공지능 협력을 강화하기로 했다. " * 2000).encode("utf-8")
    )  # cut mid-character at 20 kB
    files, _ = scan_corpus(tmp_path)
    assert has_korean_text_file(files)


def test_chunks_carry_their_own_language(embedder, tmp_path: Path):
    text = (
        "The MOU covers quantum research and the exchange of young researchers. " * 6
        + "\n\n"
        + "한미 양국은 양자 분야 공동연구를 확대하기로 합의했다. " * 40
    )
    (tmp_path / "mixed.txt").write_text(text, encoding="utf-8")
    with DocumentLoader() as loader:
        doc = loader.load(tmp_path / "mixed.txt", "mixed.txt")
    chunks = Chunker(embedder.token_offsets, ChunkSettings(max_tokens=64, overlap_tokens=0)).run(doc)
    assert doc.language == "ko"
    assert chunks[0].language == "en" and chunks[-1].language == "ko"


def _tesseract_korean() -> bool:
    from assistant.ingest.pdf import ocr_available, ocr_languages

    return ocr_available() and ocr_languages().startswith("kor")


@pytest.mark.skipif(not _tesseract_korean(), reason="Tesseract with Korean data not installed (apt-get install tesseract-ocr-kor)")
def test_a_scanned_korean_pdf_is_read_by_ocr():
    with DocumentLoader() as loader:
        doc = loader.load(KOREAN_SCAN, "korean_scanned.pdf")
    assert doc.language == "ko" and doc.pages[0].ocr
    flat = "".join(doc.text.split())  # OCR's spacing varies; its words are what is searched
    for phrase in ("공동연구센터", "3월14일대전에서", "2천억원이투입된다", "양자컴퓨팅,양자통신,양자센서", "공동학술대회를개최하기로"):
        assert phrase in flat
