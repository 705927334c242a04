"""Text and Markdown files: decode the bytes, read the front matter, find a title and a date."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import LoadError
from ..schema import Document, Page, kind_of
from ..text.dates import document_date

_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)


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


def normalise_newlines(text: str) -> str:
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


def first_line_title(text: str) -> str | None:
    m = _MD_HEADING.search(text[:5000])
    if m:
        return m.group(1).strip()
    for line in text.splitlines()[:20]:
        line = line.strip()
        if 3 <= len(line) <= 200:
            return line
    return None


def load_text_file(path: Path, source: str, data: bytes) -> Document:
    """Build a Document from a .txt or .md file's bytes."""
    text = normalise_newlines(decode_text(data))
    kind = "md" if kind_of(path.suffix) == "md" else "txt"
    meta: dict = {}
    if kind == "md":
        meta, text = _parse_front_matter(text)
    if not text.strip():
        raise LoadError("empty file (no text)" if not meta else "empty file (front matter only, no text)")
    title = str(meta.get("title") or "").strip() or first_line_title(text) or path.stem
    title = " ".join(title.split())[:200]
    return Document(
        source=source,
        text=text,
        pages=[Page(None, 0, len(text))],
        title=title,
        date=document_date(meta.get("date"), path.name),
        source_url=(str(meta["source_url"]) if meta.get("source_url") else None),
        kind=kind,
        language=_front_matter_language(meta),
        publisher=_front_matter_publisher(meta),
    )


def _front_matter_publisher(meta: dict) -> str | None:
    """Who published the document: ``publisher``, ``source`` (a name, not a URL), ``site_name`` or ``author``."""
    for key in ("publisher", "source", "site_name", "author"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip() and "://" not in value:
            return " ".join(value.split())[:200]
    return None


def _front_matter_language(meta: dict) -> str | None:
    """``language: ko`` (or ``lang:``) from the front matter, as a lower-case ISO code."""
    lang = meta.get("language") or meta.get("lang")
    return str(lang).strip().lower()[:2] or None if lang else None
