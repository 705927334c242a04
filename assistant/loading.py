"""Turn files into ``Document`` records, or into a one-line reason why they cannot be read.

Text files are decoded (UTF-8, UTF-16 with BOM, else a detected legacy encoding); Markdown
front matter becomes metadata; PDFs are read page by page with pypdf in a separate worker
process, so a pathological file can be abandoned after a time limit instead of stalling the
build, and cannot exhaust the caller's memory.
"""

from __future__ import annotations

import fnmatch
import logging
import multiprocessing as mp
import os
import re
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from .config import SUPPORTED_SUFFIXES, Settings
from .types import Document, Page

log = logging.getLogger(__name__)

IGNORE_FILE = ".assistantignore"
PAGE_SEPARATOR = "\n\n"
_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_DATE_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)-([01]\d)-([0-3]\d)(?!\d)")


class LoadError(Exception):
    """A file that cannot be indexed; ``str(err)`` is the one-line reason shown to the user."""


@dataclass(frozen=True)
class CorpusFile:
    """A file found in the corpus folder."""

    path: Path
    source: str  # relative to the corpus root, forward slashes


# --------------------------------------------------------------------------- corpus scanning


def _ignore_patterns(root: Path) -> list[str]:
    f = root / IGNORE_FILE
    if not f.is_file():
        return []
    lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def scan_corpus(root: Path) -> tuple[list[CorpusFile], list[tuple[str, str]]]:
    """List indexable files under ``root`` (sorted) and the files skipped for their type.

    Hidden files and folders and paths matching ``.assistantignore`` patterns are left out
    silently: they were excluded on purpose.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {root}")
    patterns = _ignore_patterns(root)
    found: list[CorpusFile] = []
    skipped: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            source = path.relative_to(root).as_posix()
            if any(fnmatch.fnmatch(source, p) or fnmatch.fnmatch(name, p) for p in patterns):
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                kinds = ", ".join(SUPPORTED_SUFFIXES)
                skipped.append((source, f"unsupported file type '{path.suffix or name}' (supported: {kinds})"))
                continue
            found.append(CorpusFile(path, source))
    found.sort(key=lambda f: f.source)
    return found, skipped


# --------------------------------------------------------------------------- text files


def decode_text(data: bytes) -> str:
    """Decode bytes as text, or raise ``LoadError`` for binary or undecodable content."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise LoadError(f"unreadable encoding: broken UTF-16 ({e.reason})") from None
    if b"\x00" in data[:8192]:
        raise LoadError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only needed for legacy encodings

    best = from_bytes(data[:1_000_000]).best()
    if best is None:
        raise LoadError("unreadable encoding: not UTF-8 and no other text encoding fits")
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise LoadError(f"unreadable encoding: not UTF-8, and {best.encoding} fails too") from None
    if _control_ratio(text) > 0.05:
        raise LoadError("binary file, not text")
    return text


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / len(sample)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _parse_front_matter(text: str) -> tuple[dict, str]:
    """Split YAML front matter from a Markdown body; malformed YAML is kept as text."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    import yaml

    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError):
        # e.g. "date: 2024-13-45" (PyYAML raises ValueError), "[[[[..." nested too deeply
        return {}, text
    if not isinstance(meta, dict):
        return {}, text
    return meta, text[m.end() :]


def _first_line_title(text: str) -> str | None:
    m = _MD_HEADING.search(text[:5000])
    if m:
        return m.group(1).strip()
    for line in text.splitlines()[:20]:
        line = line.strip()
        if 3 <= len(line) <= 200:
            return line
    return None


_ISO_DATE = re.compile(r"(?:19|20|21)\d\d-[01]\d-[0-3]\d")


def _date_from(value: object, name: str) -> str | None:
    """An ISO date from front matter, else from the file name; anything else is not a date."""
    if value is not None:
        v = str(value).strip()[:10]
        if _ISO_DATE.fullmatch(v):
            return v
    m = _DATE_IN_NAME.search(name)
    return "-".join(m.groups()) if m else None


def load_text_file(path: Path, source: str, data: bytes) -> Document:
    """Build a Document from a .txt or .md file's bytes."""
    text = _normalise_newlines(decode_text(data))
    kind = "md" if path.suffix.lower() in (".md", ".markdown") else "txt"
    meta: dict = {}
    if kind == "md":
        meta, text = _parse_front_matter(text)
    if not text.strip():
        raise LoadError("empty file (no text)" if not meta else "empty file (front matter only, no text)")
    title = str(meta.get("title") or "").strip() or _first_line_title(text) or path.stem
    title = " ".join(title.split())[:200]
    return Document(
        source=source,
        text=text,
        pages=[Page(None, 0, len(text))],
        title=title,
        date=_date_from(meta.get("date"), path.name),
        source_url=(str(meta["source_url"]) if meta.get("source_url") else None),
        kind=kind,
    )


# --------------------------------------------------------------------------- PDF files


# --------------------------------------------------------------------------- OCR (optional)

OCR_MIN_SIDE = 32  # images smaller than this hold no readable text
OCR_MAX_SIDE = 4000  # larger scans are downsampled first (time and memory)
OCR_PAGE_TIMEOUT_S = 60.0
OCR_MAX_PAGES = int(os.environ.get("ASSISTANT_OCR_MAX_PAGES", "200"))  # per document


def ocr_available() -> bool:
    """True when scanned pages can be OCR'd: a ``tesseract`` binary on PATH and ``ASSISTANT_OCR`` not 0."""
    import shutil

    if os.environ.get("ASSISTANT_OCR", "auto").strip().lower() in ("0", "no", "off", "false"):
        return False
    return shutil.which("tesseract") is not None


def _ocr_page(page, problems: list[str] | None = None) -> str:
    """OCR the images of one page with Tesseract (largest first); '' when nothing is readable.

    Images that cannot be decoded for want of a helper program are noted in ``problems``.
    """
    import io
    import subprocess

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
            run = subprocess.run(
                ["tesseract", "stdin", "stdout", "-l", "eng"],
                input=buf.getvalue(), capture_output=True, timeout=OCR_PAGE_TIMEOUT_S, check=False,
                env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # one thread: the indexer runs alongside
            )
        except (OSError, ValueError, subprocess.SubprocessError):
            continue
        t = run.stdout.decode("utf-8", "replace").strip()
        if run.returncode == 0 and sum(ch.isalnum() for ch in t) >= 3:
            texts.append(t)
    return "\n\n".join(texts)


def extract_pdf_pages(path: str, ocr: bool = False, progress=None) -> tuple[list[str], dict]:
    """Read every page's text with pypdf; raise ``LoadError`` naming the real cause.

    With ``ocr``, pages without a text layer (up to ``OCR_MAX_PAGES``) are OCR'd (Tesseract)
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
        raise LoadError(f"damaged PDF: {_short(e)}") from None
    except Exception as e:  # pypdf raises many kinds on malformed input
        raise LoadError(f"damaged PDF: {type(e).__name__}: {_short(e)}") from None
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except Exception as e:
            if "cryptography" in str(e).lower():
                raise LoadError("encrypted PDF needs the 'cryptography' package (pip install cryptography)") from None
            raise LoadError(f"password-protected PDF ({_short(e)})") from None
        if not ok:
            raise LoadError("password-protected PDF (cannot be opened without its password)")
    try:
        pages = reader.pages
        n = len(pages)
    except FileNotDecryptedError:
        raise LoadError("password-protected PDF (cannot be opened without its password)") from None
    except Exception as e:
        raise LoadError(f"damaged PDF: cannot read its page tree ({_short(e)})") from None
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
            first_error = first_error or f"page {i + 1}: {_short(e)}"
            t = ""
        texts.append(_clean_pdf_text(t))
    ocr_pages: list[int] = []
    problems: list[str] = []
    if ocr and not (errors == n):
        blank = [i for i, t in enumerate(texts) if not t.strip()]
        for i in blank[:OCR_MAX_PAGES]:
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
    t = _normalise_newlines(t).replace("\x00", "")
    # Lone surrogates from broken font maps cannot be encoded later; replace them.
    return t.encode("utf-8", "replace").decode("utf-8")


def _short(e: BaseException) -> str:
    s = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return s[:160]


def _pdf_worker(conn, mem_limit: int, ocr: bool = False) -> None:  # pragma: no cover - runs in the child process
    if mem_limit:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))
        except (ValueError, OSError):
            pass
    import pypdf  # noqa: F401  (imported before "ready": start-up time is not charged to a file's time limit)

    conn.send(("ready", None))
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        if path is None:
            return
        try:
            conn.send(("ok", extract_pdf_pages(path, ocr=ocr, progress=lambda page: conn.send(("progress", page)))))
        except LoadError as e:
            conn.send(("error", str(e)))
        except MemoryError:
            conn.send(("error", "damaged PDF: reading it needs too much memory"))
        except RecursionError:
            conn.send(("error", "damaged PDF: its structure is nested too deeply"))
        except Exception as e:
            conn.send(("error", f"damaged PDF: {type(e).__name__}: {_short(e)}"))


STARTUP_TIMEOUT_S = 120.0
STARVED_LIMIT_FACTOR = 4  # wall-clock limit for a PDF whose reader is starved of CPU, in multiples of the timeout


class PdfReaderProcess:
    """A long-lived child process that extracts PDF text, restarted when a file stalls it.

    Why a process: pypdf is pure Python and some malformed files loop for minutes or
    allocate gigabytes; a thread cannot be stopped, a process can.
    """

    def __init__(self, timeout_s: float = 60.0, mem_limit_bytes: int = 4 * 1024**3, ocr: bool = False):
        self.timeout_s = timeout_s
        self.mem_limit = mem_limit_bytes
        self.ocr = ocr
        self._ctx = mp.get_context("spawn")  # never fork a process holding torch threads
        self._proc = None
        self._conn = None

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_pdf_worker, args=(child, self.mem_limit, self.ocr), daemon=True)
        try:
            proc.start()
        finally:
            child.close()
        self._proc, self._conn = proc, parent
        # Wait for the worker to import pypdf; a slow start (busy machine) must not count
        # against the first file's time limit.
        ok = False
        try:
            ok = parent.poll(max(STARTUP_TIMEOUT_S, self.timeout_s)) and parent.recv()[0] == "ready"
        except (EOFError, OSError):
            ok = False
        if not ok:
            self.close(kill=True)
            raise LoadError("PDF reader process failed to start")

    def read(self, path: Path) -> tuple[list[str], dict]:
        if self._proc is None or not self._proc.is_alive():
            self._start()
        assert self._conn is not None
        cpu0, started = self._cpu_seconds(), time.monotonic()
        self._conn.send(str(path))
        while True:
            # restarted by each OCR'd page's heartbeat
            if not self._conn.poll(self.timeout_s) and not self._starved(cpu0, started):
                self.close(kill=True)
                raise LoadError(f"PDF took longer than {self.timeout_s:g}s to read; abandoned (damaged or pathological?)")
            try:
                status, payload = self._conn.recv()
            except (EOFError, OSError):
                self.close(kill=True)
                raise LoadError("damaged PDF: the reader crashed on it") from None
            if status != "progress":
                break
        if status == "error":
            raise LoadError(payload)
        return payload

    def _cpu_seconds(self) -> float:
        try:
            import psutil

            t = psutil.Process(self._proc.pid).cpu_times()
            return t.user + t.system
        except Exception:  # gone, or no psutil: wall time alone decides
            return 0.0

    def _starved(self, cpu0: float, started: float) -> bool:
        """True if the worker is runnable but has had under ``timeout_s`` of CPU for this file.

        Why: the indexer embeds while the worker reads the next PDF, and on a busy 2-core
        machine a large but healthy PDF got under half a core and hit the wall-clock limit.
        Such a file gets up to ``STARVED_LIMIT_FACTOR`` times the limit; a pathological one
        (spinning on CPU) or a stalled one (sleeping) is still abandoned at the limit.
        """
        if time.monotonic() - started >= STARVED_LIMIT_FACTOR * self.timeout_s:
            return False
        try:
            import psutil

            running = psutil.Process(self._proc.pid).status() == psutil.STATUS_RUNNING
        except Exception:
            return False
        return running and self._cpu_seconds() - cpu0 < self.timeout_s

    def close(self, kill: bool = False) -> None:
        if self._proc is None:
            return
        try:
            if kill or self._conn is None:
                self._proc.kill()
            else:
                self._conn.send(None)
            self._proc.join(timeout=5)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(timeout=5)
        except (OSError, BrokenPipeError, ValueError):
            pass
        finally:
            if self._conn is not None:
                self._conn.close()
            self._proc = None
            self._conn = None

    def __enter__(self) -> "PdfReaderProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
    title = meta.get("title") or _first_line_title(text) or path.stem
    if len(title) > 200:
        title = title[:200]
    return Document(source, text, pages, title, date=_date_from(None, path.name), kind="pdf")


# --------------------------------------------------------------------------- entry point


class DocumentLoader:
    """Loads any supported file; reuse one instance across a build to keep the PDF worker warm."""

    def __init__(self, settings: Settings | None = None, ocr: bool | None = None):
        self.settings = settings or Settings()
        self.ocr = ocr_available() if ocr is None else ocr  # OCR scanned pages when Tesseract is installed
        self._pdf: PdfReaderProcess | None = None

    def load(self, path: Path, source: str) -> Document:
        """Return the Document, or raise ``LoadError`` with the reason the file is skipped."""
        try:
            size = path.stat().st_size
        except OSError as e:
            raise LoadError(f"cannot read file: {e.strerror or e}") from None
        if size == 0:
            raise LoadError("empty file (0 bytes)")
        if size > self.settings.max_file_bytes:
            raise LoadError(
                f"file too large ({size / 1e6:.0f} MB > limit {self.settings.max_file_bytes / 1e6:.0f} MB; "
                "set ASSISTANT_MAX_FILE_MB to raise it)"
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
            self._pdf = PdfReaderProcess(timeout_s=self.settings.pdf_timeout_s, ocr=self.ocr)
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

    def __enter__(self) -> "DocumentLoader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def load_document(path: str | Path, root: str | Path | None = None, settings: Settings | None = None) -> Document:
    """Load one file (convenience wrapper); ``root`` makes ``source`` relative to it."""
    path = Path(path)
    source = path.relative_to(root).as_posix() if root else path.name
    with DocumentLoader(settings) as loader:
        return loader.load(path, source)
