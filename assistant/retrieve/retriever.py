"""Hybrid retrieval: dense (FAISS) and keyword (BM25) candidates, fused into one ranking.

Dense search understands paraphrase; BM25 keeps names, acronyms, numbers and years sharp.
On a corpus where every document talks about the same thing (the cooperation documents)
BM25 is the stronger signal; on general questions over varied passages (ClapNQ) dense is.
The fusion keeps both by scoring every candidate on six normalised features:

1. ``dense``  — cosine of query and chunk embeddings, z-normalised over the candidates;
2. ``bm25``   — BM25 of the chunk (its text plus its document's title and date; words, word
   pairs and the corpus's acronym definitions, see ``lexical``), z-normalised;
3. ``sentence`` — sentence-level evidence (``evidence.best_window_coverage``): the share of
   the query's keyword weight found in the chunk's best sentence / pair of sentences;
4. ``meta``   — how much of the query's keyword weight the document's *title, file name and
   date* account for (a question naming "3M" and "2018" prefers ``3M_2018_10K.pdf``);
5. ``name``   — a word the query capitalises is a rare word of the document's title or file
   name ("Boeing" -> ``BOEING_2022_10K.pdf``);
6. ``date``   — the query names a year (and month) and the document is dated then: "the May
   2021 summit" prefers the 2021 statement over the 2022 one (an undated document by a lone
   year in its file name).

The final list holds at most one chunk per PDF page: another page is new evidence, the next
chunk of the same page mostly is not.

Weights (``FusionSettings``) were chosen by measurement on the development questions
(cooperation set, ClapNQ dev) and checked on held-out sets; see docs/retrieval.md.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..encode import Embedder
from ..index.snapshot import IndexSnapshot
from ..schema import Passage
from ..settings import FusionSettings
from ..text.dates import MONTH_NUMBERS, query_dates
from ..text.keywords import tokenize
from ..text.language import KOREAN, is_korean
from .documents import DocumentMeta, query_names
from .evidence import QueryTerms, best_window_coverage, sentence_units
from .filters import allowed_ids, parse_where
from .sources import SourceIndex

_MONTH_STEMS = frozenset(tokenize(" ".join(MONTH_NUMBERS)))


class _SnapshotCache:
    """What retrieval derives from one snapshot once: sentence units per chunk, document metadata,
    the documents' descriptions (built at the first question that names a source)."""

    def __init__(self, snap: IndexSnapshot):
        self.units: dict[int, list] = {}
        self.meta = DocumentMeta(snap)
        self._snap = weakref.ref(snap)
        self._sources: SourceIndex | None = None

    @property
    def sources(self) -> SourceIndex:
        if self._sources is None:
            self._sources = SourceIndex(self._snap().documents)
        return self._sources


# keyed by the snapshot object itself: dropped with it, and never shared by two index versions
_CACHES: weakref.WeakKeyDictionary[IndexSnapshot, _SnapshotCache] = weakref.WeakKeyDictionary()


def _cache(snap: IndexSnapshot) -> _SnapshotCache:
    c = _CACHES.get(snap)
    if c is None:
        c = _CACHES[snap] = _SnapshotCache(snap)
    return c


def _top_positive(scores: np.ndarray, n: int) -> np.ndarray:
    """Rows of the ``n`` highest positive scores, unordered.

    Only chunks sharing a word with the query score above zero; when they are few (the
    usual case), selecting among them instead of the whole array takes ~2 ms instead of
    ~8 ms on a 1M-chunk index.
    """
    positive = scores > 0
    m = int(np.count_nonzero(positive))
    if m <= n:
        return np.flatnonzero(positive)
    if m > len(scores) // 4:
        return np.argpartition(scores, len(scores) - n)[len(scores) - n :]
    nz = np.flatnonzero(positive)
    return nz[np.argpartition(scores[nz], m - n)[m - n :]]


def _z(x: np.ndarray) -> np.ndarray:
    if len(x) < 2:
        return np.zeros_like(x)
    sd = float(x.std())
    return (x - float(x.mean())) / sd if sd > 1e-9 else np.zeros_like(x)


class Retriever:
    """Finds the chunks that best match a query in one index snapshot."""

    def __init__(self, snapshot: IndexSnapshot, embedder: Embedder, fusion: FusionSettings | None = None):
        self.snap = snapshot
        self.embedder = embedder
        self.fusion = fusion or FusionSettings()

    def named_documents(self, phrase: str | None) -> list[str]:
        """The documents of this snapshot that ``phrase`` ("the May 2021 fact sheet") names, best first."""
        return _cache(self.snap).sources.named(phrase)

    def run(self, query: str, k: int = 5, where: Mapping[str, Any] | None = None, query_vector: np.ndarray | None = None) -> list[Passage]:
        """Return up to ``k`` passages, best first."""
        snap = self.snap
        if not query or not query.strip() or not snap.chunks or k <= 0:
            return []
        flt = parse_where(where)
        allowed = allowed_ids(snap, flt)  # BM25 is local: it always filters by these ids
        if allowed is not None and not allowed:
            return []
        f = self.fusion
        n_cand = max(f.candidates, 2 * k)

        cand: dict[int, None] = {}
        qv = None
        if f.mode != "bm25":
            qv = query_vector if query_vector is not None else self.embedder.encode_queries([query])[0]
            # a store that keeps metadata (Milvus) runs the filter in its engine; FAISS uses the ids
            _, ids = snap.vectors.search(qv[None, :], n_cand, allowed, where=flt)
            cand.update((int(i), None) for i in ids[0] if i >= 0)
        lex = snap.lexical.scores(snap.lexical.query_terms(query)) if f.mode != "dense" else np.zeros(0)
        if len(lex):
            lex_ids = snap.lexical.chunk_ids
            if allowed is not None:
                mask = np.isin(lex_ids, np.fromiter(allowed, dtype="int64"))
                lex = np.where(mask, lex, 0.0)
            cand.update((int(lex_ids[r]), None) for r in _top_positive(lex, n_cand))
        if not cand:
            return []
        ids = np.fromiter(cand, dtype="int64")
        if len(lex):
            rows = [snap.lexical.row_of(i) for i in ids]
            bm = np.array([lex[r] if r is not None else 0.0 for r in rows], dtype="float32")
        else:
            bm = np.zeros(len(ids), dtype="float32")

        if f.mode == "dense":
            score = snap.vectors.vectors(ids) @ qv
        elif f.mode == "bm25":
            score = bm
        else:
            dense = snap.vectors.vectors(ids) @ qv
            score = self._fuse(query, qv, ids, dense, bm)
        order = np.argsort(-score, kind="stable")
        if f.per_page:
            order = self._page_diverse(ids, order, k)
        out = []
        for j in order[:k]:
            c = snap.chunks[int(ids[j])]
            rec = snap.documents.get(c.source)
            out.append(Passage(c.source, c.title, c.page, c.text, c.start, c.end, float(score[j]), c.id, rec.date if rec else None, c.language))
        return out

    def _page_diverse(self, ids: np.ndarray, order: np.ndarray, k: int) -> list[int]:
        """The first ``k`` of ``order`` with at most ``per_page`` chunks per PDF page; the
        chunks held back follow, in order. Neighbouring chunks of one page repeat each other's
        evidence; a different page is a different piece of evidence."""
        taken: dict[tuple[str, int], int] = {}
        head: list[int] = []
        rest: list[int] = []
        for n, j in enumerate(order.tolist()):
            if len(head) == k:
                return head + rest + order[n:].tolist()
            c = self.snap.chunks[int(ids[j])]
            if c.page is not None:
                key = (c.source, c.page)
                if taken.get(key, 0) >= self.fusion.per_page:
                    rest.append(j)
                    continue
                taken[key] = taken.get(key, 0) + 1
            head.append(j)
        return head + rest

    # ------------------------------------------------------------------ fusion

    def _fuse(self, query: str, qv: np.ndarray, ids: np.ndarray, dense: np.ndarray, bm: np.ndarray) -> np.ndarray:
        f, snap = self.fusion, self.snap
        # a passage in another language than the question (English over Korean) shares only names and
        # numbers with it: its best sentence's cosine counts too (FusionSettings.cross_lingual_sentence_dense)
        q_korean = is_korean(query)
        cross = np.array([(snap.chunks[int(i)].language == KOREAN) != q_korean for i in ids], dtype=bool)
        score = f.dense_weight * _z(dense.astype("float64")) + f.lexical_weight * _z(bm.astype("float64"))
        years, months = query_dates(query)
        # A year or month the query names is matched against document dates (below), not
        # as a word the passage must contain.
        date_words = set(years) | ({w for w in tokenize(query) if w in _MONTH_STEMS} if years else set())
        terms = QueryTerms.of(query, snap.lexical, drop=date_words)
        sources = [snap.chunks[int(i)].source for i in ids]

        if f.meta_weight or f.date_weight or f.name_weight:
            meta = _cache(snap).meta
            per_doc: dict[str, float] = {}
            names = query_names(query) if f.name_weight else set()
            for src in set(sources):
                s = f.meta_weight * meta.score(terms, src) if f.meta_weight else 0.0
                if f.name_weight:
                    s += f.name_weight * meta.named(names, src)
                year, month = meta.dates.get(src) or (meta.file_years.get(src) if f.file_year else None) or ("", 0)
                if year in years:
                    s += f.date_weight * (1.0 if not months or month in months else 0.75)
                per_doc[src] = s
            score = score + np.array([per_doc[s] for s in sources])

        if f.sentence_weight and terms.tokens:
            top = np.argsort(-score)[: f.rerank]
            units = _cache(snap).units
            for j in top:
                cid = int(ids[j])
                u = units.get(cid)
                if u is None:
                    u = units[cid] = sentence_units(snap.chunks[cid].text)
                one, two = best_window_coverage(terms, u)
                score[j] += f.sentence_weight * (0.5 * one + 0.5 * two)
                sdw = f.sentence_dense_weight + (f.cross_lingual_sentence_dense if cross[j] else 0.0)
                if sdw:
                    # sentence vectors were pooled at index time (sentence_store): no encoding here
                    svecs = snap.sentences.for_chunk(cid)[2]
                    if len(svecs):
                        score[j] += sdw * float((svecs @ qv).max())
            # candidates outside the re-ranked head cannot overtake it
            rest = np.ones(len(score), dtype=bool)
            rest[top] = False
            if rest.any() and len(top):
                score[rest] = np.minimum(score[rest], score[top].min() - 1e-6)
        if f.doc_weight:
            best: dict[str, list[float]] = {}
            for sc, src in zip(score, sources):
                best.setdefault(src, []).append(float(sc))
            second = {s: sorted(v)[-2] if len(v) > 1 else None for s, v in best.items()}
            lo = float(score.min())
            score = score + f.doc_weight * np.array([(second[s] - lo) if second[s] is not None else 0.0 for s in sources])
        return score.astype("float32")
