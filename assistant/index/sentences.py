"""Sentence spans and vectors for every chunk, computed at index time.

The answerer picks sentences to quote. Their vectors are pooled from the chunk's own
forward pass (``Embedder.encode_with_spans``), stored here as float16, and looked up by
chunk id, so answering a question needs no model call beyond embedding the question.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np


class SentenceVectors:
    """Rows of (chunk id, start, end) in document offsets, with a unit vector each."""

    def __init__(self, chunk_ids: np.ndarray, starts: np.ndarray, ends: np.ndarray, vectors: np.ndarray):
        self.chunk_ids = np.asarray(chunk_ids, dtype="int64")
        self.starts = np.asarray(starts, dtype="int64")
        self.ends = np.asarray(ends, dtype="int64")
        self.vectors = np.asarray(vectors, dtype="float16")
        self._rows: dict[int, slice] | None = None

    @classmethod
    def empty(cls, dimension: int) -> SentenceVectors:
        z = np.zeros(0, dtype="int64")
        return cls(z, z, z, np.zeros((0, dimension), dtype="float16"))

    @classmethod
    def concat(cls, parts: Iterable[SentenceVectors], dimension: int) -> SentenceVectors:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty(dimension)
        return cls(
            np.concatenate([p.chunk_ids for p in parts]),
            np.concatenate([p.starts for p in parts]),
            np.concatenate([p.ends for p in parts]),
            np.concatenate([p.vectors for p in parts]),
        )

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def _index(self) -> dict[int, slice]:
        if self._rows is None:
            rows: dict[int, slice] = {}
            if len(self.chunk_ids):
                order_ok = bool(np.all(np.diff(self.chunk_ids) >= 0))
                if not order_ok:  # keep each chunk's rows contiguous
                    o = np.argsort(self.chunk_ids, kind="stable")
                    self.chunk_ids, self.starts, self.ends, self.vectors = self.chunk_ids[o], self.starts[o], self.ends[o], self.vectors[o]
                ids, first, counts = np.unique(self.chunk_ids, return_index=True, return_counts=True)
                rows = {int(i): slice(int(f), int(f + c)) for i, f, c in zip(ids, first, counts)}
            self._rows = rows
        return self._rows

    def for_chunk(self, chunk_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(starts, ends, float32 vectors) of one chunk's sentences; empty if unknown."""
        sl = self._index().get(int(chunk_id))
        if sl is None:
            return self.starts[:0], self.ends[:0], self.vectors[:0].astype("float32")
        return self.starts[sl], self.ends[sl], self.vectors[sl].astype("float32")

    def chunk_id_set(self) -> set[int]:
        return set(self._index())

    def subset(self, keep: set[int]) -> SentenceVectors:
        mask = np.isin(self.chunk_ids, np.fromiter(keep, dtype="int64", count=len(keep)))
        return SentenceVectors(self.chunk_ids[mask], self.starts[mask], self.ends[mask], self.vectors[mask])

    def save(self, path: Path) -> None:
        with open(path, "wb") as f:
            np.savez(f, chunk_ids=self.chunk_ids, starts=self.starts, ends=self.ends, vectors=self.vectors)

    @classmethod
    def load(cls, path: Path) -> SentenceVectors:
        with np.load(path) as z:
            return cls(z["chunk_ids"], z["starts"], z["ends"], z["vectors"])
