"""The ``where=`` filter: which chunks a search may return, by their document's metadata."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from ..index.snapshot import IndexSnapshot
from ..schema import FILE_TYPES, KINDS

FILTER_KEYS = ("source", "file_type", "kind", "language", "date_from", "date_to")


def allowed_ids(snap: IndexSnapshot, where: Mapping[str, Any] | None) -> set[int] | None:
    """Chunk ids whose document matches the ``where`` filter; ``None`` when no filter.

    Keys: ``source`` (path, glob pattern or list of them), ``kind``/``file_type``
    ("pdf", "md", "txt" or a list), ``language`` (the document's ISO code, "ko", "en", or a
    list), ``date_from`` and ``date_to`` (ISO dates, inclusive;
    documents without a date are excluded when a date bound is given).
    """
    if not where:
        return None
    unknown = set(where) - set(FILTER_KEYS)
    if unknown:
        raise ValueError(f"unknown filter key(s) {sorted(unknown)}; use {', '.join(FILTER_KEYS)}")
    sources = where.get("source")
    if isinstance(sources, str):
        sources = [sources]
    kinds = where.get("kind") or where.get("file_type")
    if isinstance(kinds, str):
        kinds = [kinds]
    # "md", ".md", "markdown" and "MD" all name the kind "md" (schema.FILE_TYPES)
    kinds = {FILE_TYPES.get("." + k.lower().lstrip("."), k.lower().lstrip(".")) for k in kinds} if kinds else None
    if kinds and kinds - set(KINDS):
        raise ValueError(f"unknown file type(s) {sorted(kinds - set(KINDS))}; use {', '.join(KINDS)}")
    langs = where.get("language")
    langs = {langs.lower()} if isinstance(langs, str) else ({x.lower() for x in langs} if langs else None)
    lo, hi = where.get("date_from"), where.get("date_to")
    out: set[int] = set()
    for src, rec in snap.documents.items():
        if sources and not any(src == s or fnmatch.fnmatch(src, s) for s in sources):
            continue
        if kinds and rec.kind not in kinds:
            continue
        if langs and rec.language not in langs:
            continue
        if lo or hi:
            if not rec.date:
                continue
            if lo and rec.date < str(lo)[:10]:
                continue
            if hi and rec.date > str(hi)[:10]:
                continue
        out.update(rec.chunk_ids)
    return out
