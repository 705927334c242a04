"""The on-disk index: a manifest, the FAISS vectors and the BM25 index, swapped in atomically.

Layout under the index folder::

    CURRENT                 name of the live snapshot (replaced atomically)
    snapshots/<name>/       manifest.json, vectors.faiss (or vectors.milvus.npz: the snapshot's
                            view of a Milvus collection, see ``milvus``), lexical/, sentences.npz
    .lock                   held by the one process updating the index

A new snapshot is written into a temporary folder, fsynced, renamed, and only then named
in ``CURRENT``; a build killed at any moment leaves the previous snapshot live. Readers
load whatever ``CURRENT`` names, so they see the old index or the new one, never a mix.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import IndexCorrupt, StaleTokenizer, StoreUnavailable
from ..files import fsync_dir
from ..schema import Chunk, DocumentRecord
from ..settings import StoreSettings
from .lexical import LexicalIndex, lexical_text
from .sentences import SentenceVectors
from .vectors import FaissStore, VectorStore, load_store

FORMAT_VERSION = 2  # 2: per-chunk sentence vectors (sentences.npz)
CURRENT = "CURRENT"
SNAPSHOTS = "snapshots"
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
VECTOR_FILES = (VECTORS, "vectors.milvus.npz")  # whichever the store wrote (``VectorStore.file_name``)
LEXICAL = "lexical"
SENTENCES = "sentences.npz"
KEEP_SNAPSHOTS = 2  # the live one and its predecessor, for readers that are mid-load


@dataclass(eq=False)
class IndexSnapshot:
    """Everything a query needs, loaded in memory.

    A snapshot is never changed once it is live: an update builds a new one and the
    ``Assistant`` swaps the reference, so a question holding a snapshot reads one index version.
    (Compared by identity, so per-snapshot caches can be keyed by it.)
    """

    identity: dict[str, Any]
    dimension: int
    documents: dict[str, DocumentRecord]
    chunks: dict[int, Chunk]
    vectors: VectorStore  # FaissStore (exact) or IVFStore (approximate), see vector_store.choose_store
    lexical: LexicalIndex
    sentences: SentenceVectors
    next_id: int = 0
    name: str = ""

    @classmethod
    def empty(cls, identity: dict[str, Any], dimension: int) -> IndexSnapshot:
        return cls(identity, dimension, {}, {}, FaissStore(dimension), LexicalIndex.build([], []), SentenceVectors.empty(dimension), 0)

    def check(self) -> None:
        """Raise ``IndexCorrupt`` unless manifest, FAISS and BM25 agree on every chunk id."""
        ids = set(int(i) for i in self.vectors.ids())
        chunk_ids = set(self.chunks)
        if ids != chunk_ids:
            raise IndexCorrupt(
                f"manifest and vectors disagree ({len(chunk_ids)} chunks in manifest, {len(ids)} vectors, {len(ids ^ chunk_ids)} ids differ)"
            )
        doc_ids = {i for d in self.documents.values() for i in d.chunk_ids}
        if doc_ids != chunk_ids:
            raise IndexCorrupt("manifest documents and chunks disagree")
        if set(int(i) for i in self.lexical.chunk_ids) != chunk_ids:
            raise IndexCorrupt("keyword index and manifest disagree")
        if self.sentences.chunk_id_set() != chunk_ids:
            raise IndexCorrupt("sentence vectors and manifest disagree")
        if self.vectors.dimension != self.dimension:
            raise IndexCorrupt(f"vector dimension {self.vectors.dimension} != manifest {self.dimension}")


def _fsync_tree(path: Path) -> None:
    for p in sorted(path.rglob("*")):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    for p in sorted([path, *[q for q in path.rglob("*") if q.is_dir()]]):
        fsync_dir(p)


def save_snapshot(index_dir: Path, snap: IndexSnapshot) -> str:
    """Write ``snap`` as a new snapshot and make it live atomically; returns its name.

    ``snap`` itself is not changed (the builder chooses its vector backend beforehand).
    """
    index_dir = Path(index_dir)
    root = index_dir / SNAPSHOTS
    root.mkdir(parents=True, exist_ok=True)
    # Names sort in creation order (``prune`` keeps the newest), even within one second.
    now = time.time_ns()
    name = time.strftime("%Y%m%dT%H%M%S", time.localtime(now / 1e9)) + f".{now % 10**9:09d}-" + uuid.uuid4().hex[:8]
    tmp = root / f".tmp-{name}"
    tmp.mkdir()
    manifest = {
        "format": FORMAT_VERSION,
        "identity": snap.identity,
        "dimension": snap.dimension,
        "next_id": snap.next_id,
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "documents": {s: d.__dict__ for s, d in sorted(snap.documents.items())},
        "chunks": [c.to_dict() for c in sorted(snap.chunks.values(), key=lambda c: c.id)],
    }
    with open(tmp / MANIFEST, "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, separators=(",", ":"))
    snap.vectors.save(tmp / snap.vectors.file_name)
    snap.lexical.save(tmp / LEXICAL)
    snap.sentences.save(tmp / SENTENCES)
    _fsync_tree(tmp)
    final = root / name
    os.replace(tmp, final)
    fsync_dir(root)
    pointer = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
    with open(pointer, "w", encoding="utf-8") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(pointer, index_dir / CURRENT)
    fsync_dir(index_dir)
    prune(index_dir)
    return name


def prune(index_dir: Path) -> None:
    """Delete leftovers of interrupted builds and all but the newest snapshots."""
    root = Path(index_dir) / SNAPSHOTS
    live = current_name(index_dir)
    if not root.is_dir():
        return
    for p in root.glob(".tmp-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in Path(index_dir).glob(f".{CURRENT}.*.tmp"):
        p.unlink(missing_ok=True)
    snaps = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    keep = {p.name for p in snaps[-KEEP_SNAPSHOTS:]} | ({live} if live else set())
    for p in snaps:
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)


def current_name(index_dir: Path) -> str | None:
    try:
        name = (Path(index_dir) / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name or None


def load_snapshot(
    index_dir: Path, identity: dict[str, Any] | list[dict[str, Any]] | None = None, store: StoreSettings | None = None
) -> IndexSnapshot | None:
    """Load the live snapshot; ``None`` if there is none yet.

    ``identity`` is what the index must have been built with, or a list of acceptable ones
    (the automatic encoder choice accepts either model). ``store`` gives what a Milvus view
    needs to reconnect (its token); the view itself says which collection it is.

    Raises:
        IndexCorrupt: the files are corrupt, inconsistent, or were built with other settings
            than ``identity`` (the caller rebuilds; it never uses such an index silently).
    """
    for _attempt in range(3):  # a concurrent update may prune the snapshot we were about to read
        name = current_name(index_dir)
        if name is None:
            return None
        folder = Path(index_dir) / SNAPSHOTS / name
        if not folder.is_dir():
            if current_name(index_dir) != name:
                continue
            raise IndexCorrupt(f"index pointer names a missing snapshot ({name})")
        try:
            return _load_folder(folder, identity, name, store)
        except FileNotFoundError:
            if current_name(index_dir) != name:
                continue
            raise IndexCorrupt(f"snapshot {name} is incomplete") from None
        except IndexCorrupt:
            # A concurrent update may have swapped the pointer and pruned this snapshot while
            # we read it (FAISS then reports an unreadable file, not a missing one): retry.
            if current_name(index_dir) != name:
                continue
            raise
    raise IndexCorrupt("the index kept changing while being loaded")


def _load_folder(folder: Path, identity: dict[str, Any] | list[dict[str, Any]] | None, name: str, store: StoreSettings | None) -> IndexSnapshot:
    try:
        with open(folder / MANIFEST, encoding="utf-8") as f:
            m = json.load(f)
    except FileNotFoundError:
        raise
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as e:
        raise IndexCorrupt(f"manifest is unreadable ({e})") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT_VERSION:
        raise IndexCorrupt(f"manifest format {m.get('format') if isinstance(m, dict) else '?'} is not {FORMAT_VERSION}")
    accepted = identity if isinstance(identity, list) else [identity]
    if identity is not None and m.get("identity") not in accepted:
        raise IndexCorrupt(f"settings changed (index built with {m.get('identity')}, now {identity})")
    try:
        chunks = {int(c["id"]): Chunk(**c) for c in m["chunks"]}
        documents = {s: DocumentRecord(**d) for s, d in m["documents"].items()}
        dimension = int(m["dimension"])
        next_id = int(m["next_id"])
    except (KeyError, TypeError, ValueError) as e:
        raise IndexCorrupt(f"manifest is malformed ({e})") from None
    vector_file = next((folder / f for f in VECTOR_FILES if (folder / f).is_file()), folder / VECTORS)
    vectors = _read_part("vector file is", lambda p: load_store(p, store), vector_file)
    try:
        lexical = _read_part("keyword index is", LexicalIndex.load, folder / LEXICAL)
    except _StaleKeywords:
        lexical = rebuild_lexical(chunks, documents)
    sentences = _read_part("sentence vectors are", SentenceVectors.load, folder / SENTENCES)
    snap = IndexSnapshot(m["identity"], dimension, documents, chunks, vectors, lexical, sentences, next_id, name)
    snap.check()
    return snap


class _StaleKeywords(Exception):
    """The keyword index is intact but was built by another tokenizer version."""


def rebuild_lexical(chunks: dict[int, Chunk], documents: dict[str, DocumentRecord]) -> LexicalIndex:
    """BM25 rebuilt from the manifest's chunk texts, in memory.

    Why: a new keyword tokenizer only changes BM25; re-embedding every chunk for it (what
    an unreadable snapshot leads to) costs minutes, tokenising costs a second. The next
    index update persists the rebuilt index.
    """
    ordered = sorted(chunks.values(), key=lambda c: c.id)
    dates = {s: d.date for s, d in documents.items()}
    return LexicalIndex.build([c.id for c in ordered], [lexical_text(c, dates.get(c.source)) for c in ordered])


def _read_part(what: str, load, path: Path):
    """Load one file of a snapshot; a damaged file becomes ``IndexCorrupt`` (missing stays
    ``FileNotFoundError`` so the caller can retry a snapshot pruned mid-load)."""
    try:
        return load(path)
    except FileNotFoundError:
        raise
    except StaleTokenizer as e:
        raise _StaleKeywords(str(e)) from None
    except (IndexCorrupt, StoreUnavailable):
        raise  # already one line a user can act on (a Milvus view whose collection is gone or unreachable)
    except Exception as e:  # faiss raises RuntimeError on truncated files, numpy ValueError, ...
        detail = str(e).splitlines()[0][:120] if str(e).strip() else type(e).__name__
        raise IndexCorrupt(f"{what} unreadable ({detail})") from None
