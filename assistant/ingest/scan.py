"""Find the indexable files of a corpus folder, and name the ones left out for their type."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import LoadError
from ..schema import FILE_TYPES, kind_of
from ..text.language import KOREAN_SHARE, hangul_share

IGNORE_FILE = ".assistantignore"


@dataclass(frozen=True)
class CorpusFile:
    """A file found in the corpus folder."""

    path: Path
    source: str  # relative to the corpus root, forward slashes


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
            if kind_of(path.suffix) is None:
                kinds = ", ".join(FILE_TYPES)
                skipped.append((source, f"unsupported file type '{path.suffix or name}' (supported: {kinds})"))
                continue
            found.append(CorpusFile(path, source))
    found.sort(key=lambda f: f.source)
    return found, skipped


SNIFF_BYTES = 20_000


def has_korean_text_file(files: list[CorpusFile]) -> bool:
    """Whether a text or Markdown file among ``files`` is Korean, from its first 20 kB.

    Cheap enough to run before every build (no PDF is opened: a Korean PDF is noticed when the
    builder reads it, see ``errors.NeedsMultilingual``)."""
    from .text_files import decode_text

    for f in files:
        if kind_of(f.path.suffix) not in ("txt", "md"):
            continue
        try:
            with open(f.path, "rb") as fh:
                head = fh.read(SNIFF_BYTES)
        except OSError:
            continue
        text = _decode_head(head, decode_text)
        if text is None:
            continue
        if hangul_share(text) >= KOREAN_SHARE:
            return True
    return False


def _decode_head(head: bytes, decode) -> str | None:
    """Decode the first bytes of a file (UTF-8, UTF-16 with BOM, or a detected legacy encoding
    such as EUC-KR), allowing for a character cut in two at the end."""
    for cut in range(4):
        try:
            return decode(head[: len(head) - cut])
        except LoadError:
            continue
    return None
