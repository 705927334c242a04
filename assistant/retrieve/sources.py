"""Which indexed documents a question names as its source ("according to the May 2021 fact sheet").

A question that names its source should be answered from that document, not from the one whose
wording matches best. A document is described by what the index keeps of it: its title, publisher,
date, web address and file name. The named phrase matches a document when most of its words are
found there and the years and months it gives agree with the document's date.

    sources = SourceIndex(snapshot.documents).named("the White House fact sheet on the state visit")
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from ..schema import DocumentRecord
from ..text.keywords import tokenize

MIN_MATCH = 0.6  # share of the phrase's words a document must show to be the one named

_MONTHS = "january february march april may june july august september october november december".split()
_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r")\b", re.I)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
# words every source phrase may carry that say nothing about which document it is
_GENERIC = frozenset(tokenize("according text itself same issued report reported said release"))


def _profile(rec: DocumentRecord) -> tuple[frozenset[str], str]:
    return _described(rec.title or "", rec.publisher or "", rec.source, rec.source_url or "")


@lru_cache(maxsize=65_536)
def _described(title: str, publisher: str, source: str, url: str) -> tuple[frozenset[str], str]:
    """The document's words (title, publisher, file name, address) and the same text squashed
    ("bidenwhitehouse.archives.gov" holds "white" and "house"); cached, so the next snapshot's
    ``SourceIndex`` does not tokenize the unchanged documents again."""
    text = " ".join([title, publisher, source.replace("-", " ").replace("_", " "), url.replace("/", " ").replace("-", " ")])
    return frozenset(tokenize(text)), re.sub(r"[^a-z0-9]", "", text.lower())


@lru_cache(maxsize=1024)
def _phrase(phrase: str) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """The phrase's years, months and other words; cached, as ``source_match`` is asked once per document."""
    years = frozenset(_YEAR.findall(phrase))
    months = frozenset(m.lower() for m in _MONTH.findall(phrase))
    words = tuple(w for w in dict.fromkeys(tokenize(_YEAR.sub(" ", _MONTH.sub(" ", phrase)))) if w not in _GENERIC)
    return years, months, words


def _date_agrees(years: frozenset[str], months: frozenset[str], rec: DocumentRecord) -> bool:
    """False when the phrase's year or month contradicts the document's date."""
    doc_year, doc_month = (rec.date or "")[:4], (rec.date or "")[5:7]
    if years and doc_year and doc_year not in years:
        return False
    return not (months and doc_month.isdigit() and _MONTHS[int(doc_month) - 1] not in months)


def source_match(phrase: str, rec: DocumentRecord) -> float:
    """Share of the phrase's words found in the document's description, 0 when its date disagrees."""
    years, months, words = _phrase(phrase)
    if not _date_agrees(years, months, rec):
        return 0.0
    if not words:
        return 0.0 if not (years or months) or not rec.date else 0.5
    found, squashed = _profile(rec)
    hits = sum(w in found or (len(w) >= 4 and w in squashed) for w in words)
    return hits / len(words)


class SourceIndex:
    """The documents' descriptions indexed once per snapshot (``Retriever`` keeps one): naming a source
    then costs array operations instead of a pass over every document in Python, which took 0.5–3 s per
    question at 1M chunks (61k documents). Same result as scoring each document with ``source_match``."""

    def __init__(self, documents: Mapping[str, DocumentRecord]):
        self.sources = list(documents)
        records = list(documents.values())
        by_word: dict[str, list[int]] = defaultdict(list)
        squashed = []
        for i, rec in enumerate(records):
            found, text = _profile(rec)
            for w in found:
                by_word[w].append(i)
            squashed.append(text)
        self.by_word = {w: np.array(ids, dtype="int64") for w, ids in by_word.items()}
        self.text = "|".join(squashed)  # squashed descriptions hold only a-z and 0-9
        self.starts = np.cumsum([0] + [len(t) + 1 for t in squashed[:-1]], dtype="int64")
        self.year = np.array([int(r.date[:4]) if (r.date or "")[:4].isdigit() else 0 for r in records], dtype="int64")
        self.month = np.array([int(r.date[5:7]) if (r.date or "")[5:7].isdigit() else 0 for r in records], dtype="int64")

    def _inside(self, word: str) -> np.ndarray:
        """The documents whose squashed description contains ``word``."""
        at = np.array([m.start() for m in re.finditer(re.escape(word), self.text)], dtype="int64")
        return np.searchsorted(self.starts, at, side="right") - 1

    def named(self, phrase: str | None) -> list[str]:
        """The documents ``phrase`` names, best first: those within reach of the best match, when it is
        clear enough (``MIN_MATCH``); empty when the phrase names no indexed document."""
        if not phrase or not self.sources:
            return []
        years, months, words = _phrase(phrase)
        if not words:  # a date alone scores at most 0.5 < MIN_MATCH: it names no document
            return []
        hits = np.zeros(len(self.sources), dtype="int64")
        for w in words:
            docs = self.by_word.get(w, np.zeros(0, dtype="int64"))
            if len(w) >= 4:
                docs = np.union1d(docs, self._inside(w))
            hits[docs] += 1
        agrees = np.ones(len(hits), dtype=bool)  # the date check of ``source_match``, on every document at once
        if years:
            agrees &= (self.year == 0) | np.isin(self.year, [int(y) for y in years])
        if months:
            agrees &= (self.month == 0) | np.isin(self.month, [_MONTHS.index(m) + 1 for m in months])
        hits[~agrees] = 0
        best = int(hits.max())
        if best / len(words) < MIN_MATCH:
            return []
        return sorted((self.sources[i] for i in np.flatnonzero(hits == best)), reverse=True)[:3]


def named_documents(phrase: str | None, documents: Mapping[str, DocumentRecord]) -> list[str]:
    """The documents ``phrase`` names, best first (``SourceIndex.named``; build the index once to ask often)."""
    return SourceIndex(documents).named(phrase)
