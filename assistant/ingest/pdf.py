"""PDF text, page by page, with pypdf (and Tesseract OCR for scanned pages when installed).

``extract_pdf_pages`` runs inside the PDF worker process (``pdf_worker``); ``pdf_document``
joins the page texts into one ``Document`` whose pages know their offsets.
"""

from __future__ import annotations

import functools
import logging
import os
import subprocess
from pathlib import Path

from ..errors import LoadError
from ..schema import Document, Page
from ..text.dates import document_date
from ..text.language import KOREAN_SHARE, hangul_share
from .text_files import first_line_title, normalise_newlines

PAGE_SEPARATOR = "\n\n"
OCR_MIN_SIDE = 32  # images smaller than this hold no readable text
OCR_MAX_SIDE = 4000  # larger scans are downsampled first (time and memory)
OCR_PAGE_TIMEOUT_S = 60.0


@functools.lru_cache(maxsize=1)
def ocr_languages() -> str:
    """Tesseract's language argument: Korean and English when its Korean data is installed
    (Debian's tesseract-ocr-kor), else English."""
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, timeout=20, check=False).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return "eng"
    return "kor+eng" if "kor" in out.split() else "eng"


def ocr_available(enabled: bool = True) -> bool:
    """True when scanned pages can be OCR'd: ``enabled`` (``LoadSettings.ocr``) and a ``tesseract`` binary on PATH."""
    import shutil

    return enabled and shutil.which("tesseract") is not None


def _ocr_page(page, problems: list[str] | None = None) -> str:
    """OCR the images of one page with Tesseract (largest first); '' when nothing is readable.

    Images that cannot be decoded for want of a helper program are noted in ``problems``.
    """
    import io

    images = []
    try:
        n_images = len(page.images)
    except Exception:
        return ""
    for k in range(min(n_images, 50)):
        try:
            img = page.images[k].image  # pypdf decodes here
        except Exception as e:  # undecodable (JBIG2 without jbig2dec, decompression bombs, bad data)
            if problems is not None and "jbig2dec" in str(e):
                problems.append("its JBIG2 images need jbig2dec to be OCR'd (apt-get install jbig2dec)")
            continue
        if img is not None and min(img.size) >= OCR_MIN_SIDE:
            images.append(img)
    texts = []
    for img in sorted(images, key=lambda i: -(i.size[0] * i.size[1]))[:4]:
        try:
            if max(img.size) > OCR_MAX_SIDE:
                img.thumbnail((OCR_MAX_SIDE, OCR_MAX_SIDE))
            if img.mode not in ("1", "L", "RGB"):
                img = img.convert("RGB")
            buf = io.BytesIO()
            img.save(buf, format="PNG")
            t = _tesseract(buf.getvalue())
            # Tesseract's automatic layout analysis loses most lines of a Korean page; reading it as
            # one column (page segmentation mode 4) keeps them (tests/ingest/test_korean.py)
            if t and hangul_share(t) >= KOREAN_SHARE:
                column = _tesseract(buf.getvalue(), "--psm", "4")
                if sum(ch.isalnum() for ch in column) > sum(ch.isalnum() for ch in t):
                    t = column
        except (OSError, ValueError, subprocess.SubprocessError):
            continue
        if sum(ch.isalnum() for ch in t) >= 3:
            texts.append(t)
    return "\n\n".join(texts)


def _tesseract(png: bytes, *options: str) -> str:
    """Tesseract's text for one image ('' when it fails)."""
    run = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", ocr_languages(), *options],
        input=png,
        capture_output=True,
        timeout=OCR_PAGE_TIMEOUT_S,
        check=False,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # one thread: the indexer runs alongside
    )
    return run.stdout.decode("utf-8", "replace").strip() if run.returncode == 0 else ""


def extract_pdf_pages(path: str, ocr: bool = False, progress=None, ocr_max_pages: int = 200) -> tuple[list[str], dict]:
    """Read every page's text with pypdf; raise ``LoadError`` naming the real cause.

    With ``ocr``, pages without a text layer (up to ``ocr_max_pages``) are OCR'd (Tesseract)
    from their images and listed in ``meta["ocr_pages"]``; ``progress(page)`` is called after
    each, so the caller's time limit applies per OCR'd page rather than to the whole scan.
    Runs inside the PDF worker process. Returns (page texts, metadata).
    """
    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        reader = pypdf.PdfReader(path, strict=False)
    except FileNotDecryptedError:
        raise LoadError("password-protected PDF (cannot be opened without its password)") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, AssertionError) as e:
        raise LoadError(f"damaged PDF: {short_reason(e)}") from None
    except Exception as e:  # pypdf raises many kinds on malformed input
        raise LoadError(f"damaged PDF: {type(e).__name__}: {short_reason(e)}") from None
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except Exception as e:
            if "cryptography" in str(e).lower():
                raise LoadError("encrypted PDF needs the 'cryptography' package (pip install cryptography)") from None
            raise LoadError(f"password-protected PDF ({short_reason(e)})") from None
        if not ok:
            raise LoadError("password-protected PDF (cannot be opened without its password)")
    try:
        pages = reader.pages
        n = len(pages)
    except FileNotDecryptedError:
        raise LoadError("password-protected PDF (cannot be opened without its password)") from None
    except Exception as e:
        raise LoadError(f"damaged PDF: cannot read its page tree ({short_reason(e)})") from None
    if n == 0:
        raise LoadError("damaged PDF: it has no pages")
    texts: list[str] = []
    errors = 0
    first_error = ""
    for i in range(n):
        try:
            t = pages[i].extract_text() or ""
        except FileNotDecryptedError:
            raise LoadError("password-protected PDF (cannot be opened without its password)") from None
        except Exception as e:
            errors += 1
            first_error = first_error or f"page {i + 1}: {short_reason(e)}"
            t = ""
        texts.append(_clean_pdf_text(t))
    ocr_pages: list[int] = []
    problems: list[str] = []
    if ocr and not (errors == n):
        blank = [i for i, t in enumerate(texts) if not t.strip()]
        for i in blank[:ocr_max_pages]:
            try:
                o = _clean_pdf_text(_ocr_page(pages[i], problems))
            except Exception:  # a broken page's images: no OCR for that page
                o = ""
            if o.strip():
                texts[i] = o
                ocr_pages.append(i + 1)
            if progress is not None:
                progress(i + 1)
    if not any(t.strip() for t in texts):
        if errors == n:
            raise LoadError(f"damaged PDF: no page could be read ({first_error})")
        if not ocr:
            how = "install Tesseract OCR to index scanned pages"
        elif problems:
            how = problems[0]
        else:
            how = "OCR found no readable text in its images"
        raise LoadError(f"no text layer — scanned? ({n} page{'s' if n != 1 else ''} without extractable text; {how})")
    meta: dict = {"pages": n, "page_errors": errors, "ocr_pages": ocr_pages}
    try:
        info = reader.metadata
        if info and info.title and str(info.title).strip():
            meta["title"] = str(info.title).strip()
    except Exception:
        pass
    return texts, meta


def _clean_pdf_text(t: str) -> str:
    t = normalise_newlines(t).replace("\x00", "")
    # Lone surrogates from broken font maps cannot be encoded later; replace them.
    return t.encode("utf-8", "replace").decode("utf-8")


def short_reason(e: BaseException) -> str:
    s = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return s[:160]


def pdf_document(path: Path, source: str, page_texts: list[str], meta: dict) -> Document:
    """Join page texts into one Document whose pages know their offsets."""
    parts: list[str] = []
    pages: list[Page] = []
    pos = 0
    ocr_pages = set(meta.get("ocr_pages") or ())
    for i, t in enumerate(page_texts):
        if i:
            parts.append(PAGE_SEPARATOR)
            pos += len(PAGE_SEPARATOR)
        pages.append(Page(i + 1, pos, pos + len(t), ocr=(i + 1) in ocr_pages))
        parts.append(t)
        pos += len(t)
    text = "".join(parts)
    title = meta.get("title") or first_line_title(text) or path.stem
    if len(title) > 200:
        title = title[:200]
    return Document(source, text, pages, title, date=document_date(None, path.name), kind="pdf")
