"""Sentence-level keyword evidence: how much of a query's keyword weight one sentence holds.

Retrieval re-ranks candidate chunks by their best sentence (a chunk whose single sentence
holds the query's rare words beats one that mentions them far apart). Coverage is in [0, 1]:
the share of the query's keyword weight (BM25 IDF of its stemmed words) found in the sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..index.lexical import LexicalIndex
from ..text.keywords import query_tokens, tokenize
from ..text.sentences import split_sentences


@dataclass(frozen=True)
class QueryTerms:
    """A query's distinct stemmed keywords and their weights (IDF, normalised to sum 1)."""

    tokens: tuple[str, ...]
    weights: np.ndarray

    @classmethod
    def of(cls, query: str, lexical: LexicalIndex | None = None, drop: frozenset[str] | set[str] = frozenset()) -> QueryTerms:
        toks = tuple(t for t in dict.fromkeys(query_tokens(query)) if t not in drop)
        if not toks:
            return cls((), np.zeros(0, dtype="float32"))
        w = lexical.idf(toks) if lexical is not None and len(lexical) else np.ones(len(toks), dtype="float32")
        if lexical is not None and len(lexical):
            # unseen words carry no evidence in this corpus
            keep = w > 0
            toks, w = tuple(t for t, k in zip(toks, keep) if k), w[keep]
        s = float(w.sum())
        return cls(toks, (w / s).astype("float32") if s > 0 else w)

    def coverage(self, words: set[str] | frozenset[str]) -> float:
        """Share of the query's keyword weight present in ``words``."""
        if not self.tokens:
            return 0.0
        return float(sum(w for t, w in zip(self.tokens, self.weights) if t in words))


def sentence_units(text: str) -> list[tuple[int, int, frozenset[str]]]:
    """(start, end, stemmed words) of each sentence of ``text``."""
    return [(a, b, frozenset(tokenize(text[a:b]))) for a, b in split_sentences(text)]


def best_window_coverage(terms: QueryTerms, units: Sequence[tuple[int, int, frozenset[str]]], window: int = 2) -> tuple[float, float]:
    """(best single-sentence coverage, best coverage of ``window`` adjacent sentences)."""
    if not units or not terms.tokens:
        return 0.0, 0.0
    single = [terms.coverage(u[2]) for u in units]
    best_pair = max(single)
    for i in range(len(units) - 1):
        words = set()
        for u in units[i : i + window]:
            words |= u[2]
        best_pair = max(best_pair, terms.coverage(words))
    return max(single), best_pair
