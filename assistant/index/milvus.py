"""``MilvusStore``: chunk vectors and their document metadata in a Milvus collection.

The same code talks to Milvus Lite (a local ``.db`` file, the default: ``<index>/milvus.db``)
and to a Milvus standalone or distributed server (``http(s)://host:19530`` plus a token),
through the official client ``pymilvus`` (``pip install -e ".[milvus]"``).

One collection holds every row ever written for an index folder; what a snapshot may see
is its **view**: the chunk ids of its manifest. A view is ``low <= id < high`` minus the ids it
removed, which is exactly the filter every search sends, so a query sees the rows of its own
snapshot even while an update writes the next one:

* an update copies the live view, **upserts** new chunks under new ids (ids only grow, so
  no live row is overwritten) and records removals without deleting anything;
* the new snapshot is saved and swapped in (``index.snapshot``), naming its view;
* ``commit`` then deletes the rows no view can reach: the removed ids, and everything outside
  ``[low, high)`` (rows of a build that was killed, or of the index before a full rebuild).

A build killed at any point leaves the old snapshot live with all its rows; the next update
overwrites or deletes what the killed one wrote, so it converges with no duplicate and no lost
document (``tests/index/test_milvus_store.py`` kills real builds). The keyword index and the
sentence vectors stay in the snapshot folder (``docs/milvus.md`` says why and what it costs).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import IndexCorrupt, StoreUnavailable
from ..settings import StoreSettings
from .metadata import NO_PAGE, DocumentFilter

log = logging.getLogger(__name__)

VECTOR = "vector"
TEXT_FIELDS = {"source": 4096, "kind": 16, "language": 16, "date": 10}
WRITE_BATCH = 2000  # rows per upsert: ~3 MB of 384-d vectors, far below gRPC's 64 MB message limit
ID_LIST_MAX = 16_384  # ids written into one filter expression; larger sets are filtered after the search
MAX_LIMIT = 16_384  # Milvus's largest top-k
MILVUS_EXTRA = 'ASSISTANT_STORE=milvus needs the Milvus client: pip install -e ".[milvus]"'
# how stale a bounded read may be: Milvus's default ``common.gracefulTime`` (5 s), plus a margin
BOUNDED_STALENESS_S = 6.0


# ---------------------------------------------------------------------- where the collection is


@dataclass(frozen=True)
class MilvusTarget:
    """Which collection, on which Milvus, and how to search it (from ``StoreSettings``)."""

    uri: str
    collection: str = "assistant_chunks"
    token: str | None = None
    index_type: str = "AUTOINDEX"
    consistency: str = "auto"

    def __post_init__(self):
        if self.consistency == "auto":  # strong on Lite; bounded on a server (``MilvusStore.settle``)
            object.__setattr__(self, "consistency", "strong" if self.is_lite else "bounded")

    @classmethod
    def from_settings(cls, config: StoreSettings, index_dir: Path) -> MilvusTarget:
        uri = config.milvus_uri or str(Path(index_dir) / "milvus.db")
        if not _is_server(uri):
            uri = str(Path(uri).expanduser().resolve())
            if not uri.endswith(".db"):
                raise StoreUnavailable(f"a Milvus Lite file name must end in .db (ASSISTANT_MILVUS_URI={config.milvus_uri!r})")
        return cls(uri, config.milvus_collection, config.milvus_token, config.milvus_index.upper(), config.milvus_consistency.lower())

    @property
    def is_lite(self) -> bool:
        return not _is_server(self.uri)

    def same_collection(self, other: MilvusTarget) -> bool:
        return (self.uri, self.collection) == (other.uri, other.collection)

    def search_params(self, limit: int, nprobe: int = 0) -> dict:
        """Index-specific search parameters (HNSW's candidate list must be at least ``limit``)."""
        if self.index_type in ("HNSW", "HNSW_SQ", "AUTOINDEX"):  # AUTOINDEX is HNSW on Lite and on 2.3 servers
            return {"metric_type": "IP", "params": {"ef": max(64, limit)}}
        if self.index_type.startswith("IVF"):
            return {"metric_type": "IP", "params": {"nprobe": nprobe or 32}}
        return {"metric_type": "IP"}


def _is_server(uri: str) -> bool:
    return "://" in uri


# ---------------------------------------------------------------------- one client per process


_CLIENTS: dict[tuple[str, str | None], object] = {}
_LOADED: set[tuple[str, str]] = set()  # (uri, collection) loaded for search on this process's connection
_LOCK = threading.Lock()


def client_for(target: MilvusTarget):
    """The process's ``MilvusClient`` for ``target`` (Milvus Lite allows one process per file).

    Raises:
        StoreUnavailable: ``pymilvus`` is not installed, the server cannot be reached, or the
            Lite file is open in another process.
    """
    key = (target.uri, target.token)
    with _LOCK:
        client = _CLIENTS.get(key)
        if client is not None:
            return client
        try:
            from pymilvus import MilvusClient
        except ImportError:
            raise StoreUnavailable(MILVUS_EXTRA) from None
        if target.is_lite:
            Path(target.uri).parent.mkdir(parents=True, exist_ok=True)
            if _lite_locked(Path(target.uri)):
                raise StoreUnavailable(
                    f"cannot open Milvus Lite file {target.uri}: another process has it open "
                    "(Milvus Lite serves one process per file: stop it, or run a Milvus server; see docs/milvus.md)"
                )
        # Milvus Lite runs in this process: no keep-alive pings (its gRPC server answers a client pinging
        # every 10 s, pymilvus's default for real servers, with "too_many_pings" and a reconnect)
        options = {"grpc_options": {"grpc.keepalive_time_ms": 2**31 - 1, "grpc.keepalive_permit_without_calls": False}} if target.is_lite else {}
        try:
            client = MilvusClient(uri=target.uri, token=target.token or "", timeout=30, **options)
        except Exception as e:
            detail = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
            raise StoreUnavailable(f"cannot open Milvus at {target.uri}: {detail}") from None
        _CLIENTS[key] = client
        return client


def _lite_locked(path: Path) -> bool:
    """Whether another process holds the Milvus Lite folder's lock (``<file>.db/LOCK``)."""
    try:
        import fcntl

        if not (path / "LOCK").is_file():
            return False
        with open(path / "LOCK", "a+b") as f:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    except (ImportError, OSError):
        return False
    return False


def close_clients() -> None:
    """Close every Milvus connection of this process and stop its Milvus Lite engines (so another
    process may open their files)."""
    with _LOCK:
        items = list(_CLIENTS.items())
        _CLIENTS.clear()
        _LOADED.clear()
    for (uri, _), client in items:
        try:
            client.close()
        except Exception:  # a connection that is already gone
            pass
        if not _is_server(uri):
            try:
                from milvus_lite import server_manager_instance

                server_manager_instance.release_server(uri)
            except Exception:
                log.debug("could not stop Milvus Lite for %s", uri, exc_info=True)


def ensure_collection(target: MilvusTarget, dimension: int, drop: bool = False) -> None:
    """Create the collection (schema, vector and scalar indexes) unless it exists, and load it.

    ``drop`` empties it first: a full build into a collection no live snapshot can be using.
    """
    client = client_for(target)
    name = target.collection
    if client.has_collection(name):
        if drop:
            client.drop_collection(name)
        else:
            _check_dimension(client, name, dimension)
            client.load_collection(name)
            _LOADED.add((target.uri, name))
            return
    from pymilvus import DataType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field(VECTOR, DataType.FLOAT_VECTOR, dim=int(dimension))
    for field, length in TEXT_FIELDS.items():
        schema.add_field(field, DataType.VARCHAR, max_length=length)
    schema.add_field("page", DataType.INT64)
    index = client.prepare_index_params()
    params = {"M": 16, "efConstruction": 200} if target.index_type in ("HNSW", "HNSW_SQ") else {}
    index.add_index(field_name=VECTOR, index_type=target.index_type, metric_type="IP", params=params)
    client.create_collection(name, schema=schema, index_params=index, consistency_level=target.consistency.capitalize())
    client.release_collection(name)  # scalar indexes are added to a released collection (Milvus 2.3 requires it)
    for field in SCALAR_INDEXED:
        _add_scalar_index(client, target, name, field)
    client.load_collection(name)
    _LOADED.add((target.uri, name))


# what where= filters test for equality: an index on each makes those filters cheap at scale
SCALAR_INDEXED = ("source", "kind", "language")
# the scalar index types to try for a text field, best first: INVERTED (Milvus 2.4+, Milvus Lite), Trie (2.3)
SCALAR_INDEX_TYPES = ("INVERTED", "Trie")
_SCALAR_CHOICE: dict[str, str | None] = {}  # per server uri: the type that server accepted


def _server_version(client) -> str:
    """The server's version string ("v2.3.5-lite", "v2.4.10"); "" when it does not say."""
    try:
        return str(client.get_server_version() or "")
    except Exception:
        return ""


def _add_scalar_index(client, target: MilvusTarget, collection: str, field: str) -> None:
    """Index a text field with the best type the server has; a server with none keeps the field unindexed
    (filters still work, by scanning). The choice is logged once per server."""
    from pymilvus import MilvusException

    known = _SCALAR_CHOICE.get(target.uri, "")
    if known is None:
        return
    candidates = [known] if known else list(SCALAR_INDEX_TYPES)
    if not known and _server_version(client).startswith("v2.3"):
        candidates = ["Trie"]  # 2.3 has no INVERTED: do not make it refuse (pymilvus logs every refusal as an error)
    for kind in candidates:
        params = client.prepare_index_params()
        params.add_index(field_name=field, index_type=kind)
        try:
            client.create_index(collection, params)
        except MilvusException as e:
            log.debug("Milvus at %s refused a %s index on %s: %s", target.uri, kind, field, e)
            continue
        if target.uri not in _SCALAR_CHOICE:
            _SCALAR_CHOICE[target.uri] = kind
            log.info(
                "Milvus at %s: %s indexes on %s (the first scalar index type it accepts of %s)",
                target.uri,
                kind,
                ", ".join(SCALAR_INDEXED),
                SCALAR_INDEX_TYPES,
            )
        return
    _SCALAR_CHOICE[target.uri] = None
    log.warning(
        "Milvus at %s accepts none of %s on text fields: filters on %s scan instead", target.uri, SCALAR_INDEX_TYPES, ", ".join(SCALAR_INDEXED)
    )


def loaded_client(target: MilvusTarget):
    """``client_for(target)`` with the collection loaded for search (once per connection)."""
    client = client_for(target)
    if (target.uri, target.collection) not in _LOADED:
        client.load_collection(target.collection)
        _LOADED.add((target.uri, target.collection))
    return client


def _check_dimension(client, name: str, dimension: int) -> None:
    """Raise ``IndexCorrupt`` unless the collection's vectors have ``dimension`` components."""
    fields = client.describe_collection(name).get("fields", [])
    dim = next((int(f.get("params", {}).get("dim", 0)) for f in fields if f.get("name") == VECTOR), None)
    if dim != dimension:
        raise IndexCorrupt(f"Milvus collection {name!r} holds {dim}-d vectors, the index needs {dimension}-d")


# ---------------------------------------------------------------------- filters


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a double-quoted string with \\ and \" escaped


def filter_expression(flt: DocumentFilter) -> str | None:
    """``flt`` as a Milvus boolean expression over the metadata fields, or ``None`` when it
    cannot be said exactly (a glob with ``[...]``, or a literal ``%``/``_`` next to a wildcard:
    Milvus ``like`` has no escape), and the caller filters by chunk ids instead."""
    parts = []
    if flt.sources:
        alts = []
        for s in flt.sources:
            if not any(ch in s for ch in "*?["):
                alts.append(f"source == {_quote(s)}")
                continue
            if "[" in s or "%" in s or "_" in s:
                return None
            alts.append(f"source like {_quote(s.replace('*', '%').replace('?', '_'))}")
        parts.append("(" + " or ".join(alts) + ")")
    if flt.kinds:
        parts.append(f"kind in {json.dumps(sorted(flt.kinds))}")
    if flt.languages:
        parts.append(f"language in {json.dumps(sorted(flt.languages))}")
    if flt.date_from or flt.date_to:
        parts.append('date != ""')
        if flt.date_from:
            parts.append(f"date >= {_quote(flt.date_from)}")
        if flt.date_to:
            parts.append(f"date <= {_quote(flt.date_to)}")
    return " and ".join(parts) if parts else None


def _id_list(ids: Iterable[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


# ---------------------------------------------------------------------- the store


class MilvusStore:
    """A snapshot's view of a Milvus collection; implements ``VectorStore``.

    Args:
        target: the collection.
        dimension: vector size.
        ids: the chunk ids this view holds.
        removed: ids removed from the view whose rows are deleted at ``commit``.
        low: the smallest id a row of this view may have (rows below it belong to an older build).
    """

    backend = "milvus"
    file_name = "vectors.milvus.npz"

    def __init__(self, target: MilvusTarget, dimension: int, ids: np.ndarray | None = None, removed: Iterable[int] = (), low: int = 0):
        self.target = target
        self.dimension = int(dimension)
        self._ids = np.unique(np.asarray(ids if ids is not None else [], dtype="int64"))
        self._removed = set(int(i) for i in removed)
        self.low = int(low)
        self._dirty = False  # written or removed since loaded: commit has work to do
        self._last_write = 0.0  # time.monotonic() of this view's last upsert

    # ------------------------------------------------------------------ construction

    @classmethod
    def fresh(cls, target: MilvusTarget, dimension: int, previous=None) -> MilvusStore:
        """An empty view for a full build. If the live index's store is this collection, its rows
        stay searchable until the swap (new ids start above them; ``commit`` drops them); otherwise
        the collection is emptied: nothing live can be reading it."""
        if isinstance(previous, MilvusStore) and previous.target.same_collection(target) and previous.dimension == dimension:
            ensure_collection(target, dimension)
            store = cls(target, dimension, low=max(previous.high, previous.low))
        else:
            ensure_collection(target, dimension, drop=True)
            store = cls(target, dimension)
        store._dirty = True
        return store

    @property
    def client(self):
        return loaded_client(self.target)

    @property
    def high(self) -> int:
        """One past the largest id of the view: rows at or above it are not the view's."""
        return int(self._ids[-1]) + 1 if len(self._ids) else self.low

    @property
    def first_id(self) -> int:
        """The smallest id a new chunk of this view may get."""
        return self.high

    # ------------------------------------------------------------------ VectorStore

    def add(self, ids: np.ndarray, vectors: np.ndarray, metadata: Sequence[dict] | None = None) -> None:
        vectors = np.ascontiguousarray(vectors, dtype="float32")
        ids = np.ascontiguousarray(ids, dtype="int64")
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension or len(ids) != len(vectors):
            raise ValueError(f"expected ({len(ids)}, {self.dimension}) vectors, got {vectors.shape}")
        if metadata is not None and len(metadata) != len(ids):
            raise ValueError(f"{len(metadata)} metadata rows for {len(ids)} vectors")
        if not len(ids):
            return
        if len(ids) and int(ids.min()) < self.low:
            raise ValueError(f"id {int(ids.min())} is below this view's first id {self.low}")
        blank = {"source": "", "kind": "", "language": "", "date": "", "page": NO_PAGE}
        for a in range(0, len(ids), WRITE_BATCH):
            rows = []
            for j in range(a, min(a + WRITE_BATCH, len(ids))):
                meta = metadata[j] if metadata is not None else blank
                row = {"id": int(ids[j]), VECTOR: vectors[j].tolist(), "page": int(meta.get("page", NO_PAGE))}
                for field, length in TEXT_FIELDS.items():
                    row[field] = str(meta.get(field) or "")[:length]
                rows.append(row)
            self.client.upsert(self.target.collection, rows)
            self._last_write = time.monotonic()
        self._ids = np.union1d(self._ids, ids)
        self._removed.difference_update(int(i) for i in ids)
        self._dirty = True

    def remove(self, ids: Iterable[int]) -> int:
        """Take ids out of the view; their rows are deleted at ``commit`` (the live snapshot may still read them)."""
        arr = np.unique(np.fromiter(ids, dtype="int64"))
        present = arr[np.isin(arr, self._ids, assume_unique=True)]
        if len(present):
            self._ids = np.setdiff1d(self._ids, present, assume_unique=True)
            self._removed.update(int(i) for i in present)
            self._dirty = True
        return int(len(present))

    def search(
        self, queries: np.ndarray, k: int, allowed: Iterable[int] | None = None, where: DocumentFilter | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype="float32")
        n = len(queries)
        k = max(1, min(int(k), len(self))) if len(self) else 1
        empty = (np.full((n, k), -np.inf, dtype="float32"), np.full((n, k), -1, dtype="int64"))
        if not len(self):
            return empty
        expr = [self._view_expression()]
        keep = None  # ids to filter by after the search, when they could not go into the expression
        condition = filter_expression(where) if where is not None else None
        if condition is not None:
            expr.append(f"({condition})")
        elif allowed is not None:
            sel = np.unique(np.fromiter(allowed, dtype="int64"))
            sel = sel[np.isin(sel, self._ids, assume_unique=True)]
            if not len(sel):
                return empty
            if len(sel) <= ID_LIST_MAX:
                expr.append(f"id in {_id_list(sel)}")
            else:
                keep = sel
        margin = len(self._removed) if len(self._removed) > ID_LIST_MAX else 0
        limit = min(MAX_LIMIT, k + margin + (k if keep is not None else 0))
        hits = self.client.search(
            self.target.collection,
            data=queries.tolist(),
            limit=limit,
            filter=" and ".join(expr),
            output_fields=["id"],
            search_params=self.target.search_params(limit),
            consistency_level=self._read_level(),
        )
        scores, out = empty[0].copy(), empty[1].copy()
        for r, row in enumerate(hits):
            got = [(float(h["distance"]), int(h["id"])) for h in row]
            if got:
                ids = np.array([i for _, i in got], dtype="int64")
                ok = self._holds(ids) & (np.isin(ids, keep) if keep is not None else True)
                got = [g for g, good in zip(got, ok) if good][:k]
            for j, (s, i) in enumerate(got):
                scores[r, j], out[r, j] = s, i
        return scores, out

    def _holds(self, ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` are in the view (binary search: the view's ids are sorted; ``np.isin``
        would sort a million ids for every query)."""
        if not len(self._ids):
            return np.zeros(len(ids), dtype=bool)
        pos = np.minimum(np.searchsorted(self._ids, ids), len(self._ids) - 1)
        return self._ids[pos] == ids

    def _view_expression(self) -> str:
        expr = f"id >= {self.low} and id < {self.high}"
        if self._removed and len(self._removed) <= ID_LIST_MAX:
            expr += f" and id not in {_id_list(sorted(self._removed))}"
        return expr

    def vectors(self, ids: Iterable[int]) -> np.ndarray:
        arr = np.fromiter(ids, dtype="int64")
        if not len(arr):
            return np.zeros((0, self.dimension), dtype="float32")
        found: dict[int, list[float]] = {}
        uniq = np.unique(arr)
        for a in range(0, len(uniq), ID_LIST_MAX):
            part = [int(i) for i in uniq[a : a + ID_LIST_MAX]]
            for row in self.client.get(self.target.collection, ids=part, output_fields=[VECTOR]):
                found[int(row["id"])] = row[VECTOR]
        missing = [int(i) for i in uniq if int(i) not in found]
        if missing and self.target.consistency != "strong":  # written moments ago: a strong read sees them
            for a in range(0, len(missing), ID_LIST_MAX):
                for row in self.client.get(
                    self.target.collection, ids=missing[a : a + ID_LIST_MAX], output_fields=[VECTOR], consistency_level="Strong"
                ):
                    found[int(row["id"])] = row[VECTOR]
            missing = [int(i) for i in uniq if int(i) not in found]
        if missing:
            raise IndexCorrupt(f"Milvus collection {self.target.collection!r} lacks {len(missing)} vectors of the index (e.g. id {missing[0]})")
        return np.array([found[int(i)] for i in arr], dtype="float32")

    def ids(self) -> np.ndarray:
        return self._ids.copy()

    def __len__(self) -> int:
        return int(len(self._ids))

    def copy(self) -> MilvusStore:
        """A view to edit while queries read this one (rows are shared; the views differ)."""
        return MilvusStore(self.target, self.dimension, self._ids.copy(), self._removed, self.low)

    # ------------------------------------------------------------------ lifecycle

    def _read_level(self) -> str:
        """The consistency of this view's reads: strong for a while after it wrote (it reads its own writes
        at once, as on Lite), else the target's."""
        if self.target.consistency != "strong" and self._last_write and time.monotonic() - self._last_write < BOUNDED_STALENESS_S:
            return "Strong"
        return self.target.consistency.capitalize()

    def settle(self) -> None:
        """Wait until every search of any process sees this view's rows (called before the view goes live).

        A strong read always does; a bounded one may lag its writes by the server's staleness bound, so
        the snapshot naming new rows is only saved once that much time has passed since the last upsert:
        the first question after an update then finds them, without every search paying a strong read's
        wait (about 0.4 s per search on a 2.3 server, ``docs/milvus.md``)."""
        if self.target.consistency == "strong" or not self._last_write:
            return
        wait = self._last_write + BOUNDED_STALENESS_S - time.monotonic()
        if wait > 0:
            log.info("waiting %.1f s for Milvus's bounded reads to see the new rows", wait)
            time.sleep(wait)

    def commit(self) -> None:
        """Delete the rows no view reaches any more (called once this view is live); idempotent."""
        if not self._dirty and not self._removed:
            return
        client, name = self.client, self.target.collection
        removed = sorted(self._removed)
        for a in range(0, len(removed), ID_LIST_MAX):
            client.delete(name, ids=removed[a : a + ID_LIST_MAX])
        if self._dirty:
            client.delete(name, filter=f"id < {self.low} or id >= {self.high}")
        self._removed.clear()
        self._dirty = False

    def count(self) -> int:
        """Rows in the whole collection (every view's, and any a killed build left)."""
        res = self.client.query(self.target.collection, filter="", output_fields=["count(*)"], consistency_level="Strong")
        return int(res[0]["count(*)"])

    # ------------------------------------------------------------------ persistence

    def save(self, path: Path) -> None:
        """The view only (ids, pending removals, where the collection is); never the token."""
        path = Path(path)
        uri = self.target.uri
        index_dir = _index_dir_of(path)
        if self.target.is_lite and index_dir is not None:
            try:  # inside the index folder: stored relative, so the folder can move
                uri = "index:" + os.path.relpath(uri, index_dir)
            except ValueError:
                pass
        meta = {
            "backend": self.backend,
            "uri": uri,
            "collection": self.target.collection,
            "index_type": self.target.index_type,
            "consistency": self.target.consistency,
            "dimension": self.dimension,
            "low": self.low,
        }
        with open(path, "wb") as f:
            np.savez(f, ids=self._ids, removed=np.array(sorted(self._removed), dtype="int64"), meta=np.array(json.dumps(meta)))

    @classmethod
    def load(cls, path: Path, config: StoreSettings | None = None) -> MilvusStore:
        """Open a saved view and check the collection still holds it.

        Raises:
            IndexCorrupt: the collection is missing, of another dimension, or has fewer rows than the view.
            StoreUnavailable: Milvus cannot be reached.
        """
        path = Path(path)
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            ids, removed = data["ids"], data["removed"]
        uri = meta["uri"]
        if uri.startswith("index:"):
            index_dir = _index_dir_of(path) or path.parent
            uri = str((index_dir / uri[len("index:") :]).resolve())
        config = config or StoreSettings()
        target = MilvusTarget(uri, meta["collection"], config.milvus_token, meta["index_type"], config.milvus_consistency.lower())
        store = cls(target, int(meta["dimension"]), ids, removed.tolist(), int(meta["low"]))
        client = client_for(target)
        if not client.has_collection(target.collection):
            raise IndexCorrupt(f"Milvus collection {target.collection!r} at {uri} is gone")
        _check_dimension(client, target.collection, store.dimension)
        if store.count() < len(store):
            raise IndexCorrupt(f"Milvus collection {target.collection!r} has fewer rows than the index has chunks ({len(store)})")
        return store


def _index_dir_of(path: Path) -> Path | None:
    """``<index>/snapshots/<name>/vectors.milvus.npz`` -> ``<index>`` (None elsewhere, e.g. in tests)."""
    parts = Path(path).resolve().parts
    if len(parts) >= 4 and parts[-3] == "snapshots":
        return Path(*parts[:-3])
    return None


__all__ = ["MilvusStore", "MilvusTarget", "client_for", "close_clients", "ensure_collection", "filter_expression"]
