"""Hybrid retrieval: dense (FAISS) and keyword (BM25) candidates, fused into one ranking.

Dense search understands paraphrase; BM25 keeps names, acronyms, numbers and years sharp.
Each retriever proposes candidates, every candidate gets both scores, and the scores are
normalised and combined with weights chosen by measurement (see ``benchmarks/``).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from .embedding import Embedder
from .index_store import IndexSnapshot
from .types import Passage


@dataclass(frozen=True)
class FusionSettings:
    """How dense and keyword scores combine (weights tuned on development data only)."""

    dense_weight: float = 0.5
    lexical_weight: float = 0.5
    candidates: int = 50  # taken from each retriever before fusion
    mode: str = "hybrid"  # "hybrid", "dense" or "bm25" (for benchmarks)


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
        qv = query_vector if query_vector is not None else self.embedder.encode([query])[0]

        cand: dict[int, None] = {}
        if f.mode != "bm25":
            _, ids = snap.vectors.search(qv[None, :], n_cand, allowed)
            cand.update((int(i), None) for i in ids[0] if i >= 0)
        lex = snap.lexical.scores(query) if f.mode != "dense" else np.zeros(0)
        if len(lex):
            lex_ids = snap.lexical.chunk_ids
            if allowed is not None:
                mask = np.isin(lex_ids, np.fromiter(allowed, dtype="int64"))
                lex = np.where(mask, lex, 0.0)
            top = np.argsort(-lex)[:n_cand]
            cand.update((int(lex_ids[r]), None) for r in top if lex[r] > 0)
        if not cand:
            return []
        ids = np.fromiter(cand, dtype="int64")
        dense = snap.vectors.vectors(ids) @ qv
        if len(lex):
            rows = [snap.lexical.row_of(i) for i in ids]
            bm = np.array([lex[r] if r is not None else 0.0 for r in rows], dtype="float32")
        else:
            bm = np.zeros(len(ids), dtype="float32")
        score = self._fuse(dense, bm)
        order = np.argsort(-score)[:k]
        out = []
        for j in order:
            c = snap.chunks[int(ids[j])]
            rec = snap.documents.get(c.source)
            out.append(Passage(c.source, c.title, c.page, c.text, c.start, c.end, float(score[j]), c.id, rec.date if rec else None))
        return out

    def _fuse(self, dense: np.ndarray, bm: np.ndarray) -> np.ndarray:
        f = self.fusion
        if f.mode == "dense":
            return dense.astype("float32")
        bm_max = float(bm.max()) if len(bm) else 0.0
        bm_norm = bm / bm_max if bm_max > 0 else bm
        if f.mode == "bm25":
            return bm_norm.astype("float32")
        return (f.dense_weight * dense + f.lexical_weight * bm_norm).astype("float32")
