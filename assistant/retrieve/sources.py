"""Which indexed documents a question names as its source ("according to the May 2021 fact sheet").

A question that names its source should be answered from that document, not from the one whose
wording matches best. A document is described by what the index keeps of it: its title, publisher,
date, web address and file name. The named phrase matches a document when most of its words are
found there and the years and months it gives agree with the document's date.

    sources = named_documents("the White House fact sheet on the state visit", snapshot.documents)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

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
    ("bidenwhitehouse.archives.gov" holds "white" and "house"); cached, so a question naming a source
    tokenizes each document's description once per process, not once per question."""
    text = " ".join([title, publisher, source.replace("-", " ").replace("_", " "), url.replace("/", " ").replace("-", " ")])
    return frozenset(tokenize(text)), re.sub(r"[^a-z0-9]", "", text.lower())


def source_match(phrase: str, rec: DocumentRecord) -> float:
    """Share of the phrase's words found in the document's description, 0 when its date disagrees."""
    years = set(_YEAR.findall(phrase))
    months = {m.lower() for m in _MONTH.findall(phrase)}
    doc_year, doc_month = (rec.date or "")[:4], (rec.date or "")[5:7]
    if years and doc_year and doc_year not in years:
        return 0.0
    if months and doc_month.isdigit() and _MONTHS[int(doc_month) - 1] not in months:
        return 0.0
    words = [w for w in dict.fromkeys(tokenize(_YEAR.sub(" ", _MONTH.sub(" ", phrase)))) if w not in _GENERIC]
    if not words:
        return 0.0 if not (years or months) or not rec.date else 0.5
    found, squashed = _profile(rec)
    hits = sum(w in found or (len(w) >= 4 and w in squashed) for w in words)
    return hits / len(words)


def named_documents(phrase: str | None, documents: Mapping[str, DocumentRecord]) -> list[str]:
    """The documents ``phrase`` names, best first: those within reach of the best match, when it is
    clear enough (``MIN_MATCH``); empty when the phrase names no indexed document."""
    if not phrase:
        return []
    scored = sorted(((source_match(phrase, rec), src) for src, rec in documents.items()), reverse=True)
    if not scored or scored[0][0] < MIN_MATCH:
        return []
    best = scored[0][0]
    return [src for s, src in scored if s >= best - 1e-9][:3]
