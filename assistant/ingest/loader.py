"""Turn a file into a ``Document``, or into a one-line reason why it cannot be read.

Text files are decoded (UTF-8, UTF-16 with BOM, else a detected legacy encoding) and Markdown
front matter becomes metadata (``text_files``); PDFs are read page by page with pypdf in a
separate worker process (``pdf``, ``pdf_worker``).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import LoadError
from ..schema import Document
from ..settings import LoadSettings
from ..text.language import detect_language
from .pdf import ocr_available, pdf_document
from .pdf_worker import PdfReaderProcess
from .text_files import load_text_file


class DocumentLoader:
    """Loads any supported file; reuse one instance across a build to keep the PDF worker warm."""

    def __init__(self, settings: LoadSettings | None = None, ocr: bool | None = None):
        self.settings = settings or LoadSettings()
        # OCR scanned pages when Tesseract is installed (and the settings allow it)
        self.ocr = ocr_available(self.settings.ocr_enabled) if ocr is None else ocr
        self._pdf: PdfReaderProcess | None = None

    def load(self, path: Path, source: str) -> Document:
        """Return the Document, or raise ``LoadError`` with the reason the file is skipped.

        Its ``language`` is the front matter's, else detected from its text (``text.language``).
        """
        doc = self._load(path, source)
        if not doc.language:
            doc.language = detect_language(doc.text)
        return doc

    def _load(self, path: Path, source: str) -> Document:
        try:
            size = path.stat().st_size
        except OSError as e:
            raise LoadError(f"cannot read file: {e.strerror or e}") from None
        if size == 0:
            raise LoadError("empty file (0 bytes)")
        if size > self.settings.max_file_bytes:
            raise LoadError(
                f"file too large ({size / 1e6:.0f} MB > limit {self.settings.max_file_bytes / 1e6:.0f} MB; set ASSISTANT_MAX_FILE_MB to raise it)"
            )
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            return self._load_pdf(path, source)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise LoadError(f"cannot read file: {e.strerror or e}") from None
        if data.startswith(b"%PDF-"):
            raise LoadError(f"file is a PDF but named '{path.suffix}'; rename it to .pdf")
        return load_text_file(path, source, data)

    def _load_pdf(self, path: Path, source: str) -> Document:
        with open(path, "rb") as f:
            head = f.read(1024)
        if self._pdf is None:
            self._pdf = PdfReaderProcess(
                timeout_s=self.settings.pdf_timeout_s,
                mem_limit_bytes=self.settings.pdf_memory_mb * 1024 * 1024,
                ocr=self.ocr,
                ocr_max_pages=self.settings.ocr_max_pages,
            )
        if b"%PDF-" not in head:
            if head.startswith((b"MZ", b"\x7fELF", b"PK\x03\x04")):
                raise LoadError("not a PDF: the file is an executable or archive with a .pdf name")
            # A corrupted first line ("UPDF-1.3", junk bytes) does not stop pypdf, which reads
            # from the cross-reference table at the end: try it, and only then give up.
            try:
                texts, meta = self._pdf.read(path)
            except LoadError as e:
                if "password" in str(e) or "longer than" in str(e):
                    raise
                raise LoadError("damaged PDF: no %PDF- header (not a PDF, or its start is corrupted)") from None
            return pdf_document(path, source, texts, meta)
        texts, meta = self._pdf.read(path)
        return pdf_document(path, source, texts, meta)

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
            self._pdf = None

    def __enter__(self) -> DocumentLoader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def load_document(path: str | Path, root: str | Path | None = None, settings: LoadSettings | None = None) -> Document:
    """Load one file (convenience wrapper); ``root`` makes ``source`` relative to it."""
    path = Path(path)
    source = path.relative_to(root).as_posix() if root else path.name
    with DocumentLoader(settings) as loader:
        return loader.load(path, source)
