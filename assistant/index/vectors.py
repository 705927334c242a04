"""Dense vector storage behind a small interface: FAISS files, or a Milvus collection.

Retrieval only talks to ``VectorStore``. Three backends implement it, all checked by the
shared contract tests in ``tests/index/test_vector_store_contract.py``:

* ``FaissStore``: exact search (``IndexIDMap2(IndexFlatIP)``), the default;
* ``IVFStore``: approximate search (``IndexIVFFlat``, or float16 / PQ lists to save memory)
  for large collections; recall@10 vs exact is measured in ``benchmarks/speed.py``;
* ``MilvusStore`` (``index.milvus``, ``ASSISTANT_STORE=milvus``): vectors and their document
  metadata in a Milvus collection (Milvus Lite file or server), filters run in the engine.

``choose_store`` (called by the builder before a snapshot is saved) picks the backend from
``StoreSettings`` and the size of the collection, moving the vectors when the backend changed
(no re-embedding); ``load_store`` opens whichever one a snapshot holds.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..settings import StoreSettings
from .metadata import DocumentFilter

_QUERY_THREADS: int | None = None


def set_query_threads(n: int) -> None:
    """OpenMP threads FAISS uses per query (``StoreSettings.faiss_threads``; process-wide).

    Queries arrive one at a time; on a busy 2-core machine FAISS's OpenMP threads spin
    against other processes and a 10k-vector exact search took 48 ms with 2 threads vs
    0.3 ms with one (measured in benchmarks/speed.py's run). Training uses all cores.
    """
    global _QUERY_THREADS
    _QUERY_THREADS = max(1, int(n))
    import faiss

    faiss.omp_set_num_threads(_QUERY_THREADS)


def _faiss():
    """``faiss``, limited to one query thread unless ``set_query_threads`` said otherwise."""
    import faiss

    if _QUERY_THREADS is None:
        set_query_threads(StoreSettings().faiss_threads)
    return faiss


@runtime_checkable
class VectorStore(Protocol):
    """Stores unit vectors under stable int64 ids and finds the nearest by inner product."""

    dimension: int
    file_name: str  # what the store is saved as inside a snapshot folder

    def add(self, ids: np.ndarray, vectors: np.ndarray, metadata: Sequence[dict] | None = None) -> None:
        """Store ``vectors`` under ``ids``; ``metadata`` (``metadata.chunk_metadata`` per row) is
        kept by stores that filter in their engine and ignored by the others."""
        ...

    def remove(self, ids: Iterable[int]) -> int: ...

    def search(
        self, queries: np.ndarray, k: int, allowed: Iterable[int] | None = None, where: DocumentFilter | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (scores, ids), each (n_queries, k); missing results have id -1.

        ``allowed`` (the chunk ids matching ``where``) restricts the search; a store that keeps
        metadata may evaluate ``where`` itself instead."""
        ...

    def vectors(self, ids: Iterable[int]) -> np.ndarray: ...

    def ids(self) -> np.ndarray: ...

    def __len__(self) -> int: ...

    def copy(self) -> VectorStore:
        """An independent copy: an update edits the copy while queries read the original."""
        ...

    def save(self, path: Path) -> None: ...

    @classmethod
    def load(cls, path: Path, config: StoreSettings | None = None) -> VectorStore: ...

    def commit(self) -> None:
        """Called once the snapshot holding this store is live: a shared store (Milvus) deletes
        what no live snapshot can reach any more. File stores have nothing to do."""
        ...


def _batch(ids, vectors, dimension: int) -> tuple[np.ndarray, np.ndarray]:
    """Ids and vectors as contiguous int64/float32 arrays, checked against the store's dimension."""
    vectors = np.ascontiguousarray(vectors, dtype="float32")
    ids = np.ascontiguousarray(ids, dtype="int64")
    if vectors.ndim != 2 or vectors.shape[1] != dimension or len(ids) != len(vectors):
        raise ValueError(f"expected ({len(ids)}, {dimension}) vectors, got {vectors.shape}")
    return ids, vectors


class _FaissFile:
    """Persistence and copying shared by the FAISS backends: one FAISS index file each."""

    _index: object
    dimension: int
    file_name = "vectors.faiss"

    def commit(self) -> None:
        """Nothing to do: the snapshot folder holds this store's own file."""

    def save(self, path: Path) -> None:
        _faiss().write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, config: StoreSettings | None = None) -> VectorStore:
        """Open a saved store as whichever backend wrote it (``load_store``)."""
        store = load_store(path, config)
        if not isinstance(store, cls):
            raise ValueError(f"{path} holds a {type(store).__name__}, not a {cls.__name__}")
        return store

    def copy(self):
        return type(self)(self.dimension, _faiss().clone_index(self._index))

    def vectors(self, ids: Iterable[int]) -> np.ndarray:
        """The stored vectors of ``ids`` (reconstructed from the codes for lossy storage)."""
        arr = np.fromiter(ids, dtype="int64")
        if not len(arr):
            return np.zeros((0, self.dimension), dtype="float32")
        return self._index.reconstruct_batch(arr)


class FaissStore(_FaissFile):
    """Exact inner-product search (``IndexFlatIP``) wrapped in ``IndexIDMap2`` for stable ids.

    Exact search over a few hundred thousand 384-d vectors takes a few milliseconds on
    two cores, which is the scale of a document collection on one machine.
    """

    def __init__(self, dimension: int, index=None):
        faiss = _faiss()

        self.dimension = int(dimension)
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))

    def add(self, ids: np.ndarray, vectors: np.ndarray, metadata: Sequence[dict] | None = None) -> None:
        ids, vectors = _batch(ids, vectors, self.dimension)
        if len(ids):
            self._index.add_with_ids(vectors, ids)

    def remove(self, ids: Iterable[int]) -> int:
        faiss = _faiss()

        arr = np.fromiter(ids, dtype="int64")
        if not len(arr):
            return 0
        return int(self._index.remove_ids(faiss.IDSelectorBatch(arr)))

    def search(
        self, queries: np.ndarray, k: int, allowed: Iterable[int] | None = None, where: DocumentFilter | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        faiss = _faiss()

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

    def ids(self) -> np.ndarray:
        faiss = _faiss()

        return faiss.vector_to_array(self._index.id_map).astype("int64")

    def __len__(self) -> int:
        return int(self._index.ntotal)


# ---------------------------------------------------------------------- approximate search


def ivf_lists_for(n: int) -> int:
    """Number of IVF lists for ``n`` vectors: ~sqrt(n), a power of two, at most n/39.

    (4·sqrt(n) scans fewer vectors per query but k-means and list assignment cost 4x more
    on a 2-core machine; sqrt(n) met the latency targets, see benchmarks/speed.py.)
    """
    if n <= 0:
        return 1
    target = math.sqrt(n)
    nlist = 1 << max(0, int(round(math.log2(max(1.0, target)))))
    while nlist > 1 and nlist * 39 > n:
        nlist //= 2
    return max(1, nlist)


def default_nprobe(nlist: int) -> int:
    """Lists visited per query: an eighth of them, at most 64.

    Lists hold ~1,000 vectors each at 1M, so every probe costs more as the index grows;
    measured at 1M (benchmarks/results/speed-1m.json), 64 of 1,024 lists keep recall@10 at
    0.997 in 5.1 ms where 128 gave 0.998 in 9.8 ms. At 100k (256 lists) it stays 32: 0.993.
    """
    return max(1, min(nlist, max(16, min(nlist // 8, 64))))


class IVFStore(_FaissFile):
    """Approximate inner-product search: FAISS ``IndexIVF`` (flat, float16 or PQ lists).

    Ids are the chunk ids themselves (IVF stores them, so no id map); a hash-table direct
    map makes ``vectors(ids)`` and ``remove`` work by id. A query visits ``nprobe`` of the
    ``nlist`` lists; ``allowed`` filters run inside FAISS, and a filter that leaves few
    vectors (or starves the probed lists) is answered by exact search over those vectors.
    """

    EXACT_FILTER_MAX = 20_000  # allowed sets up to this size are scored exactly

    def __init__(self, dimension: int, index=None, nprobe: int = 0):
        self.dimension = int(dimension)
        self._index = index
        self._version = 0  # bumped by add/remove; invalidates the cached id list
        self._ids_cache: tuple[int, np.ndarray] | None = None
        if index is not None:
            self._finish(nprobe)

    # ------------------------------------------------------------------ construction

    @classmethod
    def build(
        cls,
        ids: np.ndarray,
        vectors: np.ndarray,
        storage: str = "float32",
        nlist: int | None = None,
        nprobe: int = 0,
        train_size: int | None = None,
        seed: int = 1234,
    ) -> IVFStore:
        """Train the coarse quantiser (and PQ codebooks) on a sample of ``vectors`` and add them."""
        faiss = _faiss()

        vectors = np.ascontiguousarray(vectors, dtype="float32")
        ids = np.ascontiguousarray(ids, dtype="int64")
        n, d = vectors.shape
        nlist = int(nlist or ivf_lists_for(n))
        quantizer = faiss.IndexFlatIP(d)
        if storage in ("float32", "flat"):
            index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
        elif storage in ("float16", "fp16"):
            index = faiss.IndexIVFScalarQuantizer(quantizer, d, nlist, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        elif storage == "pq":
            m = d // 8 if d % 8 == 0 else next(k for k in (32, 24, 16, 8, 4, 2, 1) if d % k == 0)  # 8 dims per byte
            index = faiss.IndexIVFPQ(quantizer, d, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
        else:
            raise ValueError(f"unknown vector storage {storage!r}: use float32, float16 or pq")
        index.own_fields = True
        quantizer.this.disown()
        train_size = train_size or min(n, max(nlist * 64, 20_000 if storage == "pq" else 0))
        rng = np.random.default_rng(seed)
        sample = vectors if train_size >= n else vectors[np.sort(rng.choice(n, train_size, replace=False))]
        if storage == "pq" and len(sample) < 256:
            raise ValueError("PQ storage needs at least 256 vectors to train")
        index.cp.seed = seed
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        try:
            index.train(sample)
            store = cls(d, index, nprobe)
            store.add(ids, vectors)
        finally:
            faiss.omp_set_num_threads(threads)
        return store

    def _finish(self, nprobe: int = 0) -> None:
        faiss = _faiss()

        ivf = self._index if isinstance(self._index, faiss.IndexIVF) else faiss.extract_index_ivf(self._index)
        if ivf.direct_map.type != faiss.DirectMap.Hashtable:
            ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        if nprobe:
            ivf.nprobe = int(nprobe)
        elif ivf.nprobe <= 1 and ivf.nlist > 1:
            ivf.nprobe = default_nprobe(ivf.nlist)
        self._ivf = ivf

    @property
    def nlist(self) -> int:
        return int(self._ivf.nlist)

    @property
    def nprobe(self) -> int:
        return int(self._ivf.nprobe)

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        self._ivf.nprobe = max(1, min(int(value), self.nlist))

    @property
    def storage(self) -> str:
        faiss = _faiss()

        if isinstance(self._ivf, faiss.IndexIVFPQ):
            return "pq"
        if isinstance(self._ivf, faiss.IndexIVFScalarQuantizer):
            return "float16"
        return "float32"

    # ------------------------------------------------------------------ VectorStore

    def add(self, ids: np.ndarray, vectors: np.ndarray, metadata: Sequence[dict] | None = None) -> None:
        ids, vectors = _batch(ids, vectors, self.dimension)
        if len(ids):
            self._version += 1
            self._index.add_with_ids(vectors, ids)

    def remove(self, ids: Iterable[int]) -> int:
        faiss = _faiss()

        arr = np.fromiter(ids, dtype="int64")
        if not len(arr):
            return 0
        self._version += 1
        # the hash-table direct map removes by an explicit id array, ignoring absent ids
        return int(self._index.remove_ids(faiss.IDSelectorArray(len(arr), faiss.swig_ptr(arr))))

    def search(
        self, queries: np.ndarray, k: int, allowed: Iterable[int] | None = None, where: DocumentFilter | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        faiss = _faiss()

        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype="float32")
        n = len(queries)
        k = max(1, min(int(k), len(self))) if len(self) else 1
        empty = (np.full((n, k), -np.inf, dtype="float32"), np.full((n, k), -1, dtype="int64"))
        if len(self) == 0:
            return empty
        if allowed is None:
            return self._index.search(queries, k)
        sel = np.unique(np.fromiter(allowed, dtype="int64"))
        if not len(sel):
            return empty
        if len(sel) <= self.EXACT_FILTER_MAX:
            return self._exact(queries, k, sel)
        params = faiss.SearchParametersIVF(sel=faiss.IDSelectorBatch(sel), nprobe=self.nprobe)
        scores, out = self._index.search(queries, k, params=params)
        if (out < 0).any():  # the probed lists held too few allowed vectors
            return self._exact(queries, k, sel)
        return scores, out

    def _exact(self, queries: np.ndarray, k: int, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        present = sel[self._present(sel)]
        n = len(queries)
        scores = np.full((n, k), -np.inf, dtype="float32")
        ids = np.full((n, k), -1, dtype="int64")
        if not len(present):
            return scores, ids
        sims = queries @ self.vectors(present).T
        kk = min(k, len(present))
        top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        for r in range(n):
            order = top[r][np.argsort(-sims[r, top[r]], kind="stable")]
            scores[r, :kk] = sims[r, order]
            ids[r, :kk] = present[order]
        return scores, ids

    def _present(self, ids: np.ndarray) -> np.ndarray:
        return np.isin(ids, self.ids(), assume_unique=True)

    def ids(self) -> np.ndarray:
        if self._ids_cache is None or self._ids_cache[0] != self._version:
            self._ids_cache = (self._version, self._list_ids())
        return self._ids_cache[1]

    def _list_ids(self) -> np.ndarray:
        faiss = _faiss()

        invlists = self._ivf.invlists
        parts = []
        for lst in range(self.nlist):
            size = invlists.list_size(lst)
            if size:
                parts.append(faiss.rev_swig_ptr(invlists.get_ids(lst), size).copy())
        return np.sort(np.concatenate(parts)).astype("int64") if parts else np.zeros(0, dtype="int64")

    def __len__(self) -> int:
        return int(self._index.ntotal) if self._index is not None else 0

    def copy(self) -> IVFStore:
        return IVFStore(self.dimension, _faiss().clone_index(self._index), self.nprobe)


# ---------------------------------------------------------------------- factory

MetadataFn = Callable[[np.ndarray], list[dict]]
"""Chunk ids -> their ``chunk_metadata``: what a store that filters in its engine is given when
vectors move into it."""


def load_store(path: Path, config: StoreSettings | None = None) -> VectorStore:
    """Open a saved store, whichever backend wrote it (older snapshots are all ``flat``).

    ``config`` supplies what a saved Milvus store does not keep on disk (the token)."""
    path = Path(path)
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic == b"PK\x03\x04":  # a zip (.npz): a Milvus store's descriptor
        from .milvus import MilvusStore

        return MilvusStore.load(path, config)
    faiss = _faiss()

    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexIDMap2) or not isinstance(index, faiss.IndexIVF):
        return FaissStore(index.d, index)
    return IVFStore(index.d, index)


def backend_name(store) -> str:
    if isinstance(store, IVFStore):
        return "ivf"
    return "flat" if isinstance(store, FaissStore) else getattr(store, "backend", type(store).__name__)


def empty_store(dimension: int, config: StoreSettings, index_dir: Path, previous: VectorStore | None = None) -> VectorStore:
    """A new, empty store of the configured backend for a full (re)build.

    ``previous`` is the live index's store, which keeps answering until the new snapshot is live."""
    if config.backend == "milvus":
        from .milvus import MilvusStore, MilvusTarget

        return MilvusStore.fresh(MilvusTarget.from_settings(config, index_dir), dimension, previous)
    return FaissStore(dimension)


def _move(src, dst, metadata: MetadataFn | None = None, batch: int = 4096):
    """Copy every vector of ``src`` into ``dst`` under the same ids (in batches: bounded memory); returns ``dst``."""
    ids = src.ids()
    for a in range(0, len(ids), batch):
        part = ids[a : a + batch]
        dst.add(part, src.vectors(part), metadata(part) if metadata else None)
    return dst


def store_matches(store, config: StoreSettings, index_dir: Path) -> bool:
    """Whether ``store`` is of the configured backend (and, for Milvus, in the configured collection)."""
    if config.backend == "milvus":
        from .milvus import MilvusStore, MilvusTarget

        return isinstance(store, MilvusStore) and store.target.same_collection(MilvusTarget.from_settings(config, index_dir))
    return isinstance(store, (FaissStore, IVFStore))


def choose_store(store, config: StoreSettings | None = None, index_dir: Path | None = None, metadata: MetadataFn | None = None):
    """The backend ``store`` should have: returns it, or the same vectors (same ids) moved.

    FAISS: exact search until ``config.ann_min_vectors``; IVF from there, rebuilt (retrained) when
    the collection has grown or shrunk 4x since training, or when the storage setting
    changed; back to exact below half the threshold. Milvus (``config.backend``): the vectors
    move into the configured collection, with ``metadata(ids)``, and back to FAISS when the
    setting goes back. Called before each snapshot is saved.
    """
    config = config or StoreSettings()
    if config.backend == "milvus":
        from .milvus import MilvusStore, MilvusTarget

        target = MilvusTarget.from_settings(config, Path(index_dir or "."))
        if isinstance(store, MilvusStore) and store.target.same_collection(target):
            return store
        return _move(store, MilvusStore.fresh(target, store.dimension, store), metadata)
    if not isinstance(store, (FaissStore, IVFStore)):  # back from a database to files
        store = _move(store, FaissStore(store.dimension))
    n = len(store)
    want_ann = config.ann_min_vectors > 0 and n >= config.ann_min_vectors
    if isinstance(store, IVFStore):
        if config.ann_min_vectors <= 0 or n < config.ann_min_vectors // 2:
            ids = store.ids()
            flat = FaissStore(store.dimension)
            flat.add(ids, store.vectors(ids))
            return flat
        ideal = ivf_lists_for(n)
        if store.storage == config.storage and store.nlist / 4 <= ideal <= store.nlist * 4:
            if config.nprobe and store.nprobe != config.nprobe:
                store.nprobe = config.nprobe
            return store
        ids = store.ids()
        return IVFStore.build(ids, store.vectors(ids), config.storage, nprobe=config.nprobe)
    if want_ann:
        ids = store.ids()
        return IVFStore.build(ids, store.vectors(ids), config.storage, nprobe=config.nprobe)
    return store
