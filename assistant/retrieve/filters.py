"""The ``where=`` filter: which chunks a search may return, by their document's metadata."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..index.metadata import DocumentFilter
from ..index.snapshot import IndexSnapshot
from ..schema import FILE_TYPES, KINDS

FILTER_KEYS = ("source", "file_type", "kind", "language", "date_from", "date_to")
_GLOB = re.compile(r"[*?\[]")  # a source pattern, not a file name (``fnmatch``)


def parse_where(where: Mapping[str, Any] | None) -> DocumentFilter | None:
    """The ``where=`` mapping as a ``DocumentFilter``; ``None`` when there is no filter.

    Keys: ``source`` (path, glob pattern or list of them), ``kind``/``file_type``
    ("pdf", "md", "txt" or a list), ``language`` (the document's ISO code, "ko", "en", or a
    list), ``date_from`` and ``date_to`` (ISO dates, inclusive;
    documents without a date are excluded when a date bound is given).

    Raises:
        ValueError: an unknown key or file type.
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
    kinds = {FILE_TYPES.get("." + k.lower().lstrip("."), k.lower().lstrip(".")) for k in kinds} if kinds else set()
    if kinds - set(KINDS):
        raise ValueError(f"unknown file type(s) {sorted(kinds - set(KINDS))}; use {', '.join(KINDS)}")
    langs = where.get("language")
    langs = {langs.lower()} if isinstance(langs, str) else ({x.lower() for x in langs} if langs else set())
    lo, hi = where.get("date_from"), where.get("date_to")
    return DocumentFilter(
        sources=tuple(sources or ()),
        kinds=frozenset(kinds),
        languages=frozenset(langs),
        date_from=str(lo)[:10] if lo else None,
        date_to=str(hi)[:10] if hi else None,
    )


def allowed_ids(snap: IndexSnapshot, where: Mapping[str, Any] | DocumentFilter | None) -> set[int] | None:
    """Chunk ids whose document matches the ``where`` filter; ``None`` when no filter."""
    flt = where if isinstance(where, DocumentFilter) else parse_where(where)
    if flt is None:
        return None
    docs = snap.documents
    if flt.sources and not any(_GLOB.search(s) for s in flt.sources):
        # named files (a question's named source, a UI pick): look them up instead of testing every document
        recs = [docs[s] for s in dict.fromkeys(flt.sources) if s in docs]
    else:
        recs = docs.values()
    out: set[int] = set()
    for rec in recs:
        if flt.matches(rec):
            out.update(rec.chunk_ids)
    return out
