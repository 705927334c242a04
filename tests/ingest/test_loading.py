"""Loaders: text, Markdown front matter, real PDFs (multi-page, encrypted, corrupt, scanned), bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import LoadError
from assistant.ingest.loader import load_document
from assistant.ingest.scan import scan_corpus
from assistant.settings import LoadSettings

from conftest import (
    AES_EMPTY_PASSWORD_PDF,
    CORRUPT_PDF,
    EMPTY_PASSWORD_PDF,
    MULTIPAGE_PDF,
    PASSWORD_PDF,
    SCANNED_PDF,
    SEEDS,
)


def load(path: Path, **kw):
    return load_document(path, path.parent, **kw)


def test_txt_keeps_text_verbatim(tmp_path):
    src = next(SEEDS.glob("000_*.txt"))
    doc = load(src)
    assert doc.text == src.read_text(encoding="utf-8").replace("\r\n", "\n")
    assert doc.title.startswith("The 1st Korea-US Next-Generation")
    assert doc.pages[0].number is None and doc.kind == "txt"


def test_markdown_front_matter_becomes_metadata(tmp_path):
    f = tmp_path / "2021-05-21-note.md"
    f.write_text('---\ntitle: "Joint Statement"\ndate: 2021-05-21\nsource_url: https://example.org/x\n---\n# Heading\n\nBody text here.\n')
    doc = load(f)
    assert doc.title == "Joint Statement"
    assert doc.date == "2021-05-21"
    assert doc.source_url == "https://example.org/x"
    assert "title:" not in doc.text and doc.text.startswith("# Heading")


def test_markdown_without_front_matter_uses_heading_and_file_date(tmp_path):
    f = tmp_path / "2022-05-20-x.md"
    f.write_text("# The Real Title\n\nSome text.\n")
    doc = load(f)
    assert doc.title == "The Real Title" and doc.date == "2022-05-20"


def test_multipage_pdf_keeps_pages():
    doc = load(MULTIPAGE_PDF)
    assert doc.kind == "pdf" and len(doc.pages) == 4
    assert [p.number for p in doc.pages] == [1, 2, 3, 4]
    for p in doc.pages:
        assert 0 <= p.start <= p.end <= len(doc.text)
    assert all(doc.text[p.start : p.end].strip() for p in doc.pages)


@pytest.mark.parametrize("pdf", [EMPTY_PASSWORD_PDF, AES_EMPTY_PASSWORD_PDF])
def test_pdf_encrypted_with_empty_password_is_read(pdf):
    doc = load(pdf)
    assert doc.text.strip()


@pytest.mark.parametrize(
    "pdf, reason",
    [
        (PASSWORD_PDF, "password-protected"),
        (CORRUPT_PDF, "damaged PDF"),
        (SCANNED_PDF, "no text layer"),
    ],
)
def test_unreadable_pdfs_give_the_real_reason(pdf, reason):
    with pytest.raises(LoadError, match=reason):
        load(pdf)


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"   \n\t\n", "empty file"),
        ("frontonly.md", b"---\ntitle: x\n---\n", "empty file"),
        ("binary.txt", bytes(range(256)) * 10, "binary"),
        ("fake.pdf", b"MZ\x90\x00" + b"\x00" * 100, "executable"),
        ("notpdf.pdf", b"hello, not a pdf", "not a PDF"),
        ("truncated.pdf", b"%PDF-1.4\n1 0 obj\n<<", "damaged PDF"),
        ("bad-utf16.txt", b"\xff\xfe\x00\xd8", "encoding"),
    ],
)
def test_bad_files_are_refused_with_a_reason(tmp_path, name, data, reason):
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(LoadError, match=reason):
        load(f)


def test_legacy_encoding_is_decoded(tmp_path):
    f = tmp_path / "latin.txt"
    f.write_bytes("Séoul coopération scientifique, déjà signée à l'été.\n".encode("cp1252") * 20)
    assert "coopération" in load(f).text


def test_huge_file_is_refused(tmp_path):
    f = tmp_path / "huge.txt"
    f.write_bytes(b"a" * 2048)
    settings = LoadSettings(max_file_mb=1 / 1024)  # 1 KiB
    with pytest.raises(LoadError, match="too large"):
        load(f, settings=settings)


def test_pdf_timeout_abandons_the_file_and_recovers(tmp_path):
    """A stalled read (a FIFO that never delivers data) is abandoned; the next file still loads."""
    import os

    from assistant.ingest.pdf_worker import PdfReaderProcess

    fifo = tmp_path / "stall.pdf"
    os.mkfifo(fifo)
    with PdfReaderProcess(timeout_s=1.0) as reader:
        with pytest.raises(LoadError, match="longer than"):
            reader.read(fifo)
        texts, meta = reader.read(MULTIPAGE_PDF)
        assert len(texts) == 4 and meta["pages"] == 4


def test_scan_corpus_reports_unsupported_and_honours_ignore(tmp_path):
    (tmp_path / "a.txt").write_text("hello world")
    (tmp_path / "b.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "README.md").write_text("# readme")
    (tmp_path / ".hidden.txt").write_text("secret")
    (tmp_path / ".assistantignore").write_text("README.md\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.md").write_text("# c")
    files, skipped = scan_corpus(tmp_path)
    assert [f.source for f in files] == ["a.txt", "sub/c.md"]
    assert skipped and skipped[0][0] == "b.docx" and "unsupported" in skipped[0][1]
