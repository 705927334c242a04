"""Sentence-level evidence: which sentences of a passage answer the query, and how well.

Used twice: retrieval re-ranks candidate chunks by their best sentence (a chunk whose
single sentence holds the query's rare words beats one that mentions them far apart), and
answering can pick the sentences to quote with the same scores.

    from assistant.evidence import score_sentences
    for s in score_sentences(query, passage.text, lexical=snap.lexical, embedder=embedder):
        s.start, s.end, s.score          # offsets into ``passage.text``, best first

Scores are in [0, 1]: ``lexical`` is the share of the query's keyword weight (BM25 IDF of
its stemmed words) found in the sentence; ``dense`` is the cosine between the sentence and
the query embeddings (only when an embedder is given); ``score`` combines them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .chunking import split_sentences
from .lexical import LexicalIndex, query_tokens, tokenize


@dataclass(frozen=True)
class SentenceScore:
    start: int  # offsets into the text that was scored
    end: int
    lexical: float
    dense: float | None
    score: float


@dataclass(frozen=True)
class QueryTerms:
    """A query's distinct stemmed keywords and their weights (IDF, normalised to sum 1)."""

    tokens: tuple[str, ...]
    weights: np.ndarray

    @classmethod
    def of(cls, query: str, lexical: LexicalIndex | None = None, drop: frozenset[str] | set[str] = frozenset()) -> "QueryTerms":
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
        for u in units[i:i + window]:
            words |= u[2]
        best_pair = max(best_pair, terms.coverage(words))
    return max(single), best_pair


def score_sentences(
    query: str,
    text: str,
    lexical: LexicalIndex | None = None,
    embedder=None,
    query_vector: np.ndarray | None = None,
    dense_weight: float = 0.5,
) -> list[SentenceScore]:
    """Score every sentence of ``text`` against ``query``; best first.

    Args:
        query: the question.
        text: a passage (e.g. ``Passage.text``); offsets in the result index into it.
        lexical: the snapshot's ``LexicalIndex`` for corpus IDF weights (uniform without it).
        embedder: an ``Embedder``; when given, sentences are also scored by cosine similarity
            (costs one encoder call over the sentences).
        query_vector: the query's embedding, if already computed.
        dense_weight: share of the dense score in ``score`` when both are available.
    """
    units = sentence_units(text)
    if not units:
        return []
    terms = QueryTerms.of(query, lexical)
    lex = [terms.coverage(u[2]) for u in units]
    dense: list[float | None] = [None] * len(units)
    if embedder is not None:
        qv = query_vector if query_vector is not None else embedder.encode([query])[0]
        sv = embedder.encode([text[a:b] for a, b, _ in units])
        dense = [float(x) for x in sv @ qv]
    out = []
    for (a, b, _), lx, dn in zip(units, lex, dense):
        score = lx if dn is None else (1 - dense_weight) * lx + dense_weight * max(0.0, dn)
        out.append(SentenceScore(a, b, round(lx, 4), None if dn is None else round(dn, 4), score))
    out.sort(key=lambda s: -s.score)
    return out
