"""The VectorStore contract (``VectorStoreContract``), run against every backend (exact FAISS, IVF float32/float16/PQ).

Whatever engine holds the vectors, retrieval relies on the same behaviour: stable int64 ids,
add/remove by id, nearest by inner product with an optional ``allowed`` id filter,
reconstruction by id, and a save/load round trip that changes nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant.index.vectors import FaissStore, IVFStore, VectorStore, backend_name, choose_store, load_store
from assistant.settings import Settings, StoreSettings

DIM = 32
N = 3000


def _data(n=N, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((30, DIM)).astype("float32")
    x = centers[rng.integers(0, 30, n)] + 0.3 * rng.standard_normal((n, DIM)).astype("float32")
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ids = np.arange(n, dtype="int64") * 7 + 11  # stable, non-contiguous ids
    return ids, x


def _flat(ids, x):
    s = FaissStore(DIM)
    s.add(ids, x)
    return s


# how close a reconstructed vector / a score must be: exact storage vs lossy codes
TOL = {"flat": 1e-6, "ivf-float32": 1e-6, "ivf-float16": 1e-3, "ivf-pq": 0.5, "milvus": 1e-6}


class VectorStoreContract:
    """What every ``VectorStore`` must do. A backend's tests subclass this and say how to build
    the backend (``make``); a new backend (a vector database) gets the whole contract for free."""

    name = "flat"  # the key into TOL (how lossy the backend's storage is)

    def make(self, ids, x) -> VectorStore:
        raise NotImplementedError

    @pytest.fixture(scope="class")
    def _saved(self, tmp_path_factory):
        """Each backend is built once per class; every test gets a fresh copy loaded from disk."""
        ids, x = _data()
        path = tmp_path_factory.mktemp("stores") / f"{self.name}.faiss"
        self.make(ids, x).save(path)
        return path, ids, x

    @pytest.fixture
    def made(self, _saved):
        path, ids, x = _saved
        return self.name, load_store(path), ids, x

    def test_is_a_vector_store(self, made):
        _, store, ids, _ = made
        assert isinstance(store, VectorStore)
        assert store.dimension == DIM
        assert len(store) == len(ids)
        assert sorted(store.ids().tolist()) == sorted(ids.tolist())

    def test_search_finds_itself(self, made):
        name, store, ids, x = made
        scores, found = store.search(x[:20], 5)
        assert scores.shape == found.shape == (20, 5)
        if name != "ivf-pq":  # PQ codes are approximate: the query's own vector need not rank first
            assert (found[:, 0] == ids[:20]).all()
        assert (np.diff(scores, axis=1) <= 1e-5).all(), "scores sorted best first"
        assert set(found.ravel().tolist()) <= set(ids.tolist())

    def test_approximate_recall_vs_exact(self, made):
        name, store, ids, x = made
        q = _data(50, seed=5)[1]
        _, exact = _flat(ids, x).search(q, 10)
        _, got = store.search(q, 10)
        recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, got)])
        assert recall >= (0.5 if name == "ivf-pq" else 0.9)

    def test_remove_by_stable_id(self, made):
        _, store, ids, x = made
        gone = ids[:10]
        assert store.remove(gone.tolist()) == 10
        assert store.remove([]) == 0
        assert store.remove([123456789]) == 0  # absent ids are ignored
        assert len(store) == len(ids) - 10
        assert not set(gone.tolist()) & set(store.ids().tolist())
        _, found = store.search(x[:10], 10)
        assert not set(gone.tolist()) & set(found.ravel().tolist())
        # ids keep their meaning after a removal: other vectors reconstruct unchanged
        np.testing.assert_allclose(store.vectors(ids[10:15]), x[10:15], atol=TOL[made[0]] if made[0] != "ivf-pq" else 1.0)

    def test_add_after_remove_reuses_nothing(self, made):
        _, store, ids, x = made
        store.remove(ids[:5].tolist())
        new_ids = np.array([10**9, 10**9 + 1], dtype="int64")
        store.add(new_ids, x[:2])
        assert len(store) == len(ids) - 3
        _, found = store.search(x[:1], 1)
        if made[0] != "ivf-pq":
            assert found[0, 0] == new_ids[0]

    def test_allowed_filter(self, made):
        name, store, ids, x = made
        allowed = ids[100:140]
        scores, found = store.search(x[:3], 10, allowed=allowed.tolist())
        assert set(found.ravel().tolist()) <= set(allowed.tolist())
        assert (found >= 0).all()
        # the filtered answer is the exact top-10 within the allowed set (up to code precision)
        sims = x[:3] @ x[100:140].T
        best = allowed[np.argsort(-sims, axis=1)[:, 0]]
        if name != "ivf-pq":
            assert (found[:, 0] == best).all()
        empty_scores, empty_ids = store.search(x[:1], 5, allowed=[])
        assert (empty_ids == -1).all()
        one = store.search(x[:1], 5, allowed=[int(ids[7])])[1]
        assert one[0, 0] == ids[7] and (one[0, 1:] == -1).all()

    def test_allowed_filter_large_set(self, made):
        """A filter too large for the exact path still returns only allowed ids, k of them."""
        _, store, ids, x = made
        allowed = ids[::2]
        old = IVFStore.EXACT_FILTER_MAX
        IVFStore.EXACT_FILTER_MAX = 10
        try:
            _, found = store.search(x[:5], 10, allowed=allowed.tolist())
        finally:
            IVFStore.EXACT_FILTER_MAX = old
        assert set(found.ravel().tolist()) <= set(allowed.tolist())
        assert (found >= 0).all()

    def test_vectors_reconstruct(self, made):
        name, store, ids, x = made
        got = store.vectors(ids[[3, 1, 2]].tolist())
        assert got.shape == (3, DIM) and got.dtype == np.float32
        if name != "ivf-pq":
            np.testing.assert_allclose(got, x[[3, 1, 2]], atol=TOL[name])
        else:
            assert (np.sum(got * x[[3, 1, 2]], axis=1) > 0.7).all()
        assert store.vectors([]).shape == (0, DIM)

    def test_k_larger_than_store_and_empty_query_set(self, made):
        _, store, ids, x = made
        scores, found = store.search(x[:2], len(ids) + 50)
        assert found.shape[1] == len(ids)

    def test_save_load_round_trip(self, made, tmp_path):
        name, store, ids, x = made
        store.remove(ids[:3].tolist())
        path = tmp_path / "vectors.faiss"
        store.save(path)
        again = load_store(path)
        assert type(again) is type(store)
        assert backend_name(again) == backend_name(store)
        assert len(again) == len(store)
        assert sorted(again.ids().tolist()) == sorted(store.ids().tolist())
        q = x[10:15]
        np.testing.assert_array_equal(again.search(q, 5)[1], store.search(q, 5)[1])
        np.testing.assert_allclose(again.vectors(ids[5:8]), store.vectors(ids[5:8]), atol=1e-6)
        if isinstance(store, IVFStore):
            assert again.nprobe == store.nprobe and again.storage == store.storage
        # removal still works on a loaded store (the id map is rebuilt on load)
        assert again.remove([int(ids[5])]) == 1

    def test_bad_shapes_rejected(self, made):
        _, store, ids, x = made
        with pytest.raises(ValueError):
            store.add(np.array([1, 2], dtype="int64"), x[:3])
        with pytest.raises(ValueError):
            store.add(np.array([1], dtype="int64"), np.zeros((1, DIM + 1), "float32"))

    def test_copy_is_independent(self, made):
        """An update edits a copy while queries read the live store."""
        _, store, ids, x = made
        twin = store.copy()
        assert twin.remove(ids[:5]) == 5
        assert len(store) == len(ids) and len(twin) == len(ids) - 5
        assert sorted(store.ids().tolist()) == sorted(ids.tolist())


class TestFaissStore(VectorStoreContract):
    name = "flat"

    def make(self, ids, x):
        return _flat(ids, x)


class TestIVFFloat32(VectorStoreContract):
    name = "ivf-float32"

    def make(self, ids, x):
        return IVFStore.build(ids, x, "float32", nprobe=16)


class TestIVFFloat16(VectorStoreContract):
    name = "ivf-float16"

    def make(self, ids, x):
        return IVFStore.build(ids, x, "float16", nprobe=16)


class TestIVFPQ(VectorStoreContract):
    name = "ivf-pq"

    def make(self, ids, x):
        return IVFStore.build(ids, x, "pq", nprobe=16)


def test_empty_flat_store():
    s = FaissStore(DIM)
    scores, found = s.search(np.zeros((1, DIM), "float32"), 3)
    assert (found == -1).all() and len(s) == 0 and s.ids().shape == (0,)


def test_factory_switches_by_size():
    ids, x = _data()
    flat = _flat(ids, x)
    assert choose_store(flat, StoreSettings(ann_min_vectors=10_000)) is flat
    assert choose_store(flat, StoreSettings(ann_min_vectors=0)) is flat
    ivf = choose_store(flat, StoreSettings(ann_min_vectors=1000))
    assert isinstance(ivf, IVFStore) and len(ivf) == len(ids)
    np.testing.assert_allclose(ivf.vectors(ids[:4]), x[:4], atol=1e-6)
    # same size, same settings: kept as is; storage change: rebuilt; shrunk below half: exact again
    assert choose_store(ivf, StoreSettings(ann_min_vectors=1000)) is ivf
    half = choose_store(ivf, StoreSettings(ann_min_vectors=1000, storage="float16"))
    assert isinstance(half, IVFStore) and half.storage == "float16"
    back = choose_store(ivf, StoreSettings(ann_min_vectors=10_000))
    assert isinstance(back, FaissStore) and sorted(back.ids().tolist()) == sorted(ids.tolist())


def test_store_settings_from_env():
    env = {"ASSISTANT_ANN_MIN_VECTORS": "123", "ASSISTANT_VECTOR_STORAGE": "Float16", "ASSISTANT_ANN_NPROBE": "7"}
    assert Settings.from_env(env).store == StoreSettings(123, "float16", 7)


def _sentences(chunks):
    """One sentence per chunk (the whole chunk), with a unit vector."""
    from assistant.index.sentences import SentenceVectors

    ids = np.array(sorted(chunks), dtype="int64")
    v = np.zeros((len(ids), DIM), dtype="float32")
    v[:, 0] = 1
    return SentenceVectors(ids, np.zeros(len(ids)), np.ones(len(ids)), v)


def test_snapshot_with_ann_backend_round_trips(tmp_path, monkeypatch):
    """An index large enough for ANN is saved as IVF and loads back as IVF (index_store)."""
    from assistant.index.lexical import LexicalIndex
    from assistant.index.snapshot import IndexSnapshot, load_snapshot, save_snapshot
    from assistant.schema import Chunk, DocumentRecord

    ids, x = _data(1200)
    ids = np.arange(1200, dtype="int64")
    chunks = {int(i): Chunk(id=int(i), source="a.txt", title="a", page=None, start=0, end=1, text=f"chunk {i}") for i in ids}
    rec = DocumentRecord("a.txt", 1, 0.0, "", "a", "txt", [int(i) for i in ids])
    vectors = choose_store(_flat(ids, x), StoreSettings(ann_min_vectors=1000))  # what the builder does
    snap = IndexSnapshot(
        {"m": 1},
        DIM,
        {"a.txt": rec},
        chunks,
        vectors,
        LexicalIndex.build(list(map(int, ids)), [c.text for c in chunks.values()]),
        _sentences(chunks),
        1200,
    )
    save_snapshot(tmp_path, snap)
    assert isinstance(snap.vectors, IVFStore)
    again = load_snapshot(tmp_path, {"m": 1})
    assert isinstance(again.vectors, IVFStore) and len(again.vectors) == 1200


@pytest.fixture(scope="module")
def milvus_lite(tmp_path_factory):
    """A Milvus Lite file for this module (the ``milvus`` extra; CI installs it)."""
    from conftest import require_milvus

    require_milvus()
    from assistant.index.milvus import close_clients

    yield tmp_path_factory.mktemp("milvus") / "contract.db"
    close_clients()


class TestMilvusStore(VectorStoreContract):
    """The same contract on a Milvus Lite collection (HNSW via AUTOINDEX, as a new index gets)."""

    name = "milvus"

    @pytest.fixture(scope="class")
    def _saved(self, tmp_path_factory, milvus_lite):
        from assistant.index.milvus import MilvusStore, MilvusTarget

        ids, x = _data()
        path = tmp_path_factory.mktemp("stores") / "vectors.milvus.npz"
        store = MilvusStore.fresh(MilvusTarget(str(milvus_lite), "contract"), DIM)
        store.add(ids, x)
        store.commit()
        store.save(path)
        return path, ids, x


class TestMilvusServerStore(VectorStoreContract):
    """The same contract on a collection of a real Milvus standalone server (2.3: Trie scalar indexes,
    AUTOINDEX chosen by the server)."""

    name = "milvus"

    @pytest.fixture(scope="class")
    def _saved(self, tmp_path_factory, milvus_server):
        from assistant.index.milvus import MilvusStore, MilvusTarget

        ids, x = _data()
        path = tmp_path_factory.mktemp("stores") / "vectors.milvus.npz"
        store = MilvusStore.fresh(MilvusTarget(milvus_server, "contract"), DIM)
        store.add(ids, x)
        store.commit()
        store.save(path)
        return path, ids, x
