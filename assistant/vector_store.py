"""Dense vector storage behind a small interface, with FAISS as the backend.

Retrieval only talks to ``VectorStore``; a different engine (an ANN index, a distributed
vector database) is a second class with the same five operations, checked by the contract
tests in ``tests/test_vector_store_contract.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class VectorStore(Protocol):
    """Stores unit vectors under stable int64 ids and finds the nearest by inner product."""

    dimension: int

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: Iterable[int]) -> int: ...

    def search(self, queries: np.ndarray, k: int, allowed: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return (scores, ids), each (n_queries, k); missing results have id -1."""
        ...

    def vectors(self, ids: Iterable[int]) -> np.ndarray: ...

    def ids(self) -> np.ndarray: ...

    def __len__(self) -> int: ...

    def save(self, path: Path) -> None: ...

    @classmethod
    def load(cls, path: Path) -> "VectorStore": ...


class FaissStore:
    """Exact inner-product search (``IndexFlatIP``) wrapped in ``IndexIDMap2`` for stable ids.

    Exact search over a few hundred thousand 384-d vectors takes a few milliseconds on
    two cores, which is the scale of a document collection on one machine.
    """

    def __init__(self, dimension: int, index=None):
        import faiss

        self.dimension = int(dimension)
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype="float32")
        ids = np.ascontiguousarray(ids, dtype="int64")
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension or len(ids) != len(vectors):
            raise ValueError(f"expected ({len(ids)}, {self.dimension}) vectors, got {vectors.shape}")
        if len(ids):
            self._index.add_with_ids(vectors, ids)

    def remove(self, ids: Iterable[int]) -> int:
        import faiss

        arr = np.fromiter(ids, dtype="int64")
        if not len(arr):
            return 0
        return int(self._index.remove_ids(faiss.IDSelectorBatch(arr)))

    def search(self, queries: np.ndarray, k: int, allowed: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype="float32")
        k = max(1, min(int(k), len(self))) if len(self) else 1
        if len(self) == 0:
            n = len(queries)
            return np.full((n, k), -np.inf, dtype="float32"), np.full((n, k), -1, dtype="int64")
        params = None
        if allowed is not None:
            sel = np.fromiter(allowed, dtype="int64")
            if not len(sel):
                n = len(queries)
                return np.full((n, k), -np.inf, dtype="float32"), np.full((n, k), -1, dtype="int64")
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(sel))
        scores, ids = self._index.search(queries, k, params=params)
        return scores, ids

    def vectors(self, ids: Iterable[int]) -> np.ndarray:
        arr = np.fromiter(ids, dtype="int64")
        if not len(arr):
            return np.zeros((0, self.dimension), dtype="float32")
        return self._index.reconstruct_batch(arr)

    def ids(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self._index.id_map).astype("int64")

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> "FaissStore":
        import faiss

        index = faiss.read_index(str(path))
        return cls(index.d, index)
