"""What a store keeps beside each vector, and the document filter that can run on it.

FAISS keeps ids and vectors only, so ``where=`` filters become an id list computed from the
manifest (``retrieve.filters``). A vector database keeps each chunk's document metadata
(``chunk_metadata``) and evaluates the same ``DocumentFilter`` inside its engine
(``index.milvus``); both must select the same chunks, which the Milvus tests check.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from ..schema import Chunk, DocumentRecord

NO_PAGE = -1  # a chunk of a file without pages (.txt, .md)


@dataclass(frozen=True)
class DocumentFilter:
    """A parsed ``where=`` filter on a chunk's document.

    Attributes:
        sources: paths or ``fnmatch`` glob patterns; a document matches any of them (empty: all).
        kinds: document kinds ("pdf", "md", "txt"); empty: all.
        languages: ISO codes ("en", "ko"); empty: all.
        date_from: ISO date, inclusive; undated documents never match a date bound.
        date_to: ISO date, inclusive.
    """

    sources: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    date_from: str | None = None
    date_to: str | None = None

    def matches(self, rec: DocumentRecord) -> bool:
        if self.sources and not any(rec.source == s or fnmatch.fnmatchcase(rec.source, s) for s in self.sources):
            return False
        if self.kinds and rec.kind not in self.kinds:
            return False
        if self.languages and rec.language not in self.languages:
            return False
        if self.date_from or self.date_to:
            if not rec.date:
                return False
            if self.date_from and rec.date < self.date_from:
                return False
            if self.date_to and rec.date > self.date_to:
                return False
        return True


def chunk_metadata(chunk: Chunk, record: DocumentRecord | None) -> dict:
    """The fields a filtering store keeps per vector (strings are never ``None``: "" instead)."""
    return {
        "source": chunk.source,
        "kind": record.kind if record else "",
        "language": (record.language if record else None) or chunk.language or "",
        "date": (record.date if record else None) or "",
        "page": chunk.page if chunk.page is not None else NO_PAGE,
    }


__all__ = ["DocumentFilter", "chunk_metadata", "NO_PAGE"]
