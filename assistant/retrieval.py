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

Weights were chosen by measurement on the development questions (cooperation set, ClapNQ
dev) and checked on held-out sets; see ``benchmarks/retrieval_bench.py`` and README.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from .embedding import Embedder
from .evidence import QueryTerms, best_window_coverage, sentence_units
from .index_store import IndexSnapshot
from .lexical import tokenize
from .types import Passage


@dataclass(frozen=True)
class FusionSettings:
    """How the retrieval signals combine (weights tuned on development data only)."""

    mode: str = "hybrid"  # "hybrid", "dense" or "bm25" (single retrievers, for benchmarks)
    candidates: int = 50  # taken from each retriever before fusion
    dense_weight: float = 1.0  # z-normalised cosine
    lexical_weight: float = 0.5  # z-normalised BM25
    sentence_weight: float = 2.0  # best sentence / sentence-pair keyword coverage, [0, 1]; 1.0 -> 2.0 when word
    # pairs joined BM25: within one document the answer chunk is the one whose sentence holds the rare words
    meta_weight: float = 1.0  # title / file name / date keyword coverage, [0, 1]
    date_weight: float = 2.5  # document dated in a year (and month) the query names
    rerank: int = 40  # fused candidates that get sentence-level scoring
    sentence_dense_weight: float = 0.0  # best sentence cosine (stored sentence vectors; off: no gain on ClapNQ dev)
    doc_weight: float = 0.0  # bonus from the document's second-best candidate chunk
    name_weight: float = 0.5  # the query names the document ("Boeing", BOEING_2022_10K.pdf): its rarest name there, [0, 1]
    file_year: bool = True  # an undated document is dated by a year in its file name ("3M_2018_10K.pdf")
    per_page: int = 1  # at most this many results from one page of a paged document (PDF); 0: no limit


_YEAR = re.compile(r"(?<![\d$])((?:19|20)\d\d)(?![\d,.]\d)")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
_MONTHS = {m: i + 1 for i, m in enumerate(MONTHS)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH_STEMS = frozenset(tokenize(" ".join(_MONTHS)))
_FILE_YEAR = re.compile(r"(?<![^\W_])((?:19|20)\d\d)(?![0-9])")  # "3M_2018_10K", "AMCOR_2023Q2"; not inside "a2019f"
_MONTH_WORD = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?", re.I)


def query_dates(query: str) -> tuple[set[str], set[int]]:
    """Years ("2021") and months (5 for "May") named in a query."""
    years = set(_YEAR.findall(query))
    months = {_MONTHS[m.group(1).lower()] for m in _MONTH_WORD.finditer(query)} if years else set()
    if "may" in query.lower() and not re.search(r"\bMay\b", query):
        months.discard(5)  # the modal verb "may", not the month
    return years, months


def allowed_ids(snap: IndexSnapshot, where: Mapping[str, Any] | None) -> set[int] | None:
    """Chunk ids whose document matches the ``where`` filter; ``None`` when no filter.

    Keys: ``source`` (path, glob pattern or list of them), ``kind``/``file_type``
    ("pdf", "md", "txt" or a list), ``date_from`` and ``date_to`` (ISO dates, inclusive;
    documents without a date are excluded when a date bound is given).
    """
    if not where:
        return None
    unknown = set(where) - {"source", "kind", "file_type", "date_from", "date_to"}
    if unknown:
        raise ValueError(f"unknown filter key(s) {sorted(unknown)}; use source, file_type, date_from, date_to")
    sources = where.get("source")
    if isinstance(sources, str):
        sources = [sources]
    kinds = where.get("kind") or where.get("file_type")
    if isinstance(kinds, str):
        kinds = [kinds]
    kinds = {k.lower().lstrip(".") for k in kinds} if kinds else None
    if kinds and "markdown" in kinds:
        kinds.add("md")
    lo, hi = where.get("date_from"), where.get("date_to")
    out: set[int] = set()
    for src, rec in snap.documents.items():
        if sources and not any(src == s or fnmatch.fnmatch(src, s) for s in sources):
            continue
        if kinds and rec.kind not in kinds:
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


class _DocMeta:
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
            elif len(set(years := _FILE_YEAR.findall(stem))) == 1:
                self.file_years[src] = (years[0], 0)
            text = f"{rec.title} {re.sub(r'[_]+', ' ', stem)} {rec.date or ''}"
            words = frozenset(tokenize(text))
            self.words[src] = words
            for w in words:
                df[w] = df.get(w, 0) + 1
        n = max(1, len(self.words))
        self.idf = {w: float(np.log(1.0 + (n - c + 0.5) / (c + 0.5))) for w, c in df.items()}
        self.max_idf = max(self.idf.values(), default=1.0)
        self.key = (id(snap.documents), len(snap.documents))

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


def _cache(snap: IndexSnapshot) -> dict:
    """Per-snapshot caches (sentence units per chunk, document metadata), kept on its BM25 index."""
    lex = snap.lexical
    c = getattr(lex, "_retrieval_cache", None)
    if c is None:
        c = {"units": {}, "meta": None}
        lex._retrieval_cache = c
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
        return np.argpartition(scores, len(scores) - n)[len(scores) - n:]
    nz = np.flatnonzero(positive)
    return nz[np.argpartition(scores[nz], m - n)[m - n:]]


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

    def run(self, query: str, k: int = 5, where: Mapping[str, Any] | None = None, query_vector: np.ndarray | None = None) -> list[Passage]:
        """Return up to ``k`` passages, best first."""
        snap = self.snap
        if not query or not query.strip() or not snap.chunks or k <= 0:
            return []
        allowed = allowed_ids(snap, where)
        if allowed is not None and not allowed:
            return []
        f = self.fusion
        n_cand = max(f.candidates, 2 * k)

        cand: dict[int, None] = {}
        qv = None
        if f.mode != "bm25":
            qv = query_vector if query_vector is not None else self.embedder.encode([query])[0]
            _, ids = snap.vectors.search(qv[None, :], n_cand, allowed)
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
            out.append(Passage(c.source, c.title, c.page, c.text, c.start, c.end, float(score[j]), c.id, rec.date if rec else None))
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
        score = f.dense_weight * _z(dense.astype("float64")) + f.lexical_weight * _z(bm.astype("float64"))
        cache = _cache(snap)
        years, months = query_dates(query)
        # A year or month the query names is matched against document dates (below), not
        # as a word the passage must contain.
        date_words = set(years) | ({w for w in tokenize(query) if w in _MONTH_STEMS} if years else set())
        terms = QueryTerms.of(query, snap.lexical, drop=date_words)
        sources = [snap.chunks[int(i)].source for i in ids]

        if f.meta_weight or f.date_weight or f.name_weight:
            meta = cache["meta"]
            if meta is None or meta.key != (id(snap.documents), len(snap.documents)):
                meta = cache["meta"] = _DocMeta(snap)
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
            units = cache["units"]
            for j in top:
                cid = int(ids[j])
                u = units.get(cid)
                if u is None:
                    u = units[cid] = sentence_units(snap.chunks[cid].text)
                one, two = best_window_coverage(terms, u)
                score[j] += f.sentence_weight * (0.5 * one + 0.5 * two)
                if f.sentence_dense_weight:
                    # sentence vectors were pooled at index time (sentence_store): no encoding here
                    svecs = snap.sentences.for_chunk(cid)[2]
                    if len(svecs):
                        score[j] += f.sentence_dense_weight * float((svecs @ qv).max())
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
