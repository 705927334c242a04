"""What a question says about which document it wants: title and file-name words, names, dates."""

from __future__ import annotations

import re

import numpy as np

from ..index.snapshot import IndexSnapshot
from ..text.dates import file_name_year
from ..text.keywords import tokenize
from .evidence import QueryTerms


class DocumentMeta:
    """Per-snapshot document metadata for matching: title + file name + date words, and IDF."""

    def __init__(self, snap: IndexSnapshot):
        self.words: dict[str, frozenset[str]] = {}
        self.dates: dict[str, tuple[str, int]] = {}  # (year, month) from the document's date
        self.file_years: dict[str, tuple[str, int]] = {}  # (year, 0) from a lone year in an undated file's name
        df: dict[str, int] = {}
        for src, rec in snap.documents.items():
            stem = re.sub(r"\.[A-Za-z0-9]+$", "", src.rsplit("/", 1)[-1])
            if rec.date:
                self.dates[src] = (rec.date[:4], int(rec.date[5:7] or 0))
            elif (year := file_name_year(stem)) is not None:
                self.file_years[src] = (year, 0)
            text = f"{rec.title} {re.sub(r'[_]+', ' ', stem)} {rec.date or ''}"
            words = frozenset(tokenize(text))
            self.words[src] = words
            for w in words:
                df[w] = df.get(w, 0) + 1
        n = max(1, len(self.words))
        self.idf = {w: float(np.log(1.0 + (n - c + 0.5) / (c + 0.5))) for w, c in df.items()}
        self.max_idf = max(self.idf.values(), default=1.0)

    def score(self, terms: QueryTerms, src: str) -> float:
        """Share of the query's keyword weight (chunk IDF × document IDF) in the document's metadata."""
        words = self.words.get(src)
        if not words or not terms.tokens:
            return 0.0
        num = den = 0.0
        for t, w in zip(terms.tokens, terms.weights):
            wd = w * self.idf.get(t, 0.0)
            den += w * self.max_idf
            if t in words:
                num += wd
        return num / den if den > 0 else 0.0

    def named(self, names: set[str], src: str) -> float:
        """How specifically the query names the document: the document-IDF of the rarest name
        of the query in its title or file name, relative to the rarest possible ("Boeing" in a
        question about ``BOEING_2022_10K.pdf``)."""
        words = self.words.get(src)
        if not words or len(self.words) < 2:
            return 0.0
        return max((self.idf.get(t, 0.0) for t in names if t in words), default=0.0) / self.max_idf


def query_names(query: str) -> set[str]:
    """Stemmed words the query writes as names: capitalised or all-caps, not first in it."""
    words = re.findall(r"[\w'&.-]+", query)
    return set(tokenize(" ".join(w for w in words[1:] if w[:1].isupper())))
