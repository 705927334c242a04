"""Bring the index in line with the corpus folder: embed what is new or changed, drop what is gone.

Unchanged files (same size and mtime, or same content hash) are never re-read or
re-embedded. A change of model or chunking settings, or an unreadable index, triggers a full
rebuild, announced in one line. Only one process updates an index at a time (a file lock);
the result is written as a new snapshot and swapped in atomically (see ``snapshot``).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from ..encode import Embedder
from ..errors import IndexCorrupt, LoadError, NeedsMultilingual, PdfWorkerError
from ..files import file_sha256
from ..ingest import Chunker, CorpusFile, DocumentLoader, scan_corpus
from ..schema import Chunk, Document, DocumentRecord, IndexReport
from ..settings import Settings
from ..text.furniture import blank_furniture
from ..text.language import KOREAN
from ..text.sentences import split_sentences
from .lexical import LexicalIndex, lexical_text
from .metadata import chunk_metadata
from .sentences import SentenceVectors
from .snapshot import IndexSnapshot, load_snapshot, prune, save_snapshot
from .vectors import FaissStore, choose_store, empty_store, store_matches

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], None]
"""Called with (fraction done, message); the UI turns it into a progress bar."""

EMBED_BATCH_CHUNKS = 256  # chunks embedded together; bounds memory while streaming a corpus
READ_AHEAD_DOCS = 2  # documents read and chunked in the background while earlier ones are embedded
LOCK_NAME = ".lock"

T = TypeVar("T")
R = TypeVar("R")


def embedding_text(chunk: Chunk, settings: Settings) -> str:
    """What the encoder sees: the title gives a chunk its document's context; a saved web page's menus
    and footers are blanked out (``text.furniture``), keeping every offset."""
    text = blank_furniture(chunk.text)
    if settings.chunking.title_in_embedding and chunk.title and not chunk.text.startswith(chunk.title):
        return f"{chunk.title}\n{text}"
    return text


def index_lock(index_dir: Path, timeout: float = 600.0):
    """Inter-process lock serialising index updates (``filelock`` handles stale locks)."""
    from filelock import FileLock

    Path(index_dir).mkdir(parents=True, exist_ok=True)
    return FileLock(str(Path(index_dir) / LOCK_NAME), timeout=timeout)


def read_ahead(read: Callable[[T], R], items: Iterable[T], depth: int = READ_AHEAD_DOCS) -> Iterator[tuple[T, Future[R]]]:
    """Yield ``(item, future of read(item))`` in order, with up to ``depth`` items read ahead.

    Why: PDF text is extracted in a worker process and the main process then waits; reading
    the next documents in one background thread while the caller embeds the current ones
    overlaps the two. One thread keeps the order (and so chunk ids) deterministic; the window
    bounds memory to ``depth + 1`` documents. ``future.result()`` re-raises a read's error,
    so the caller reports it exactly as if it had read the file itself. Stopping early
    cancels what has not started and waits for the read in progress.
    """
    window: deque[tuple[T, Future[R]]] = deque()
    it = iter(items)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as pool:
        try:
            for item in it:
                window.append((item, pool.submit(read, item)))
                if len(window) > depth:
                    yield window.popleft()
            while window:
                yield window.popleft()
        finally:
            for _, fut in window:
                fut.cancel()


@dataclass
class _Pending:
    record: DocumentRecord
    chunks: list[Chunk]


class Indexer:
    """Runs one incremental update of ``index_dir`` from ``corpus_dir``.

    Args:
        corpus_dir: folder of documents (searched recursively).
        index_dir: folder holding the index snapshots.
        settings: loading, chunking, encoder and store settings (the chunking and model
            identity is stored in the manifest).
        embedder: shared encoder; loaded lazily, only if something needs embedding.
        stop_on_korean: raise ``NeedsMultilingual`` (before anything is written) when a Korean
            document is read: set when the encoder was chosen automatically as the English one.
    """

    def __init__(
        self,
        corpus_dir: Path,
        index_dir: Path,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        stop_on_korean: bool = False,
    ):
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = Path(index_dir)
        self.settings = settings or Settings()
        self.embedder = embedder or Embedder.from_settings(self.settings)
        self.stop_on_korean = stop_on_korean

    def run(self, rebuild: bool = False, progress: ProgressFn | None = None, show_progress: bool = False) -> tuple[IndexReport, IndexSnapshot]:
        """Update the index on disk; returns the report and the new live snapshot.

        Raises:
            PdfWorkerError: the PDF worker cannot start; nothing is written, the index stays as it was.
        """
        t0 = time.perf_counter()
        with index_lock(self.index_dir):
            report = IndexReport()
            identity = self.settings.identity(self.embedder.model_name)  # the model ``auto`` resolved to
            old: IndexSnapshot | None = None
            live: IndexSnapshot | None = None  # the live index, kept answering during a full rebuild
            # (a FAISS rebuild never reads it: its files are replaced as a whole)
            if not (rebuild and self.settings.store.backend == "faiss"):
                try:
                    live = load_snapshot(self.index_dir, store=self.settings.store)
                except IndexCorrupt as e:
                    report.rebuild_reason = f"the existing index is unusable ({e})"
            if rebuild:
                report.rebuild_reason = "requested (--rebuild)"
            elif live is not None and live.identity != identity:
                report.rebuild_reason = "model or chunking settings changed since the index was built"
            elif not report.rebuild_reason:
                old = live
            if report.rebuild_reason:
                report.rebuilt = True
                log.warning("Full rebuild: %s", report.rebuild_reason)
            snap = self._update(old, live, identity, report, progress, show_progress)
        report.total_chunks = len(snap.chunks)
        report.seconds = time.perf_counter() - t0
        return report, snap

    # ------------------------------------------------------------------ internals

    def _update(
        self,
        old: IndexSnapshot | None,
        live: IndexSnapshot | None,
        identity: dict,
        report: IndexReport,
        progress: ProgressFn | None,
        show_progress: bool,
    ) -> IndexSnapshot:
        files, report.skipped = scan_corpus(self.corpus_dir)
        old_docs = dict(old.documents) if old else {}
        keep: dict[str, DocumentRecord] = {}
        todo: list[tuple[CorpusFile, str, object]] = []  # (file, sha, stat)
        for f in files:
            try:
                st = f.path.stat()
            except OSError as e:
                report.skipped.append((f.source, f"cannot read file: {e.strerror or e}"))
                continue
            rec = old_docs.get(f.source)
            if rec and rec.size == st.st_size and rec.mtime == st.st_mtime:
                keep[f.source] = rec
                continue
            try:
                sha = file_sha256(f.path) if st.st_size <= self.settings.loading.max_file_bytes else ""
            except OSError as e:
                report.skipped.append((f.source, f"cannot read file: {e.strerror or e}"))
                continue
            if rec and sha and rec.sha256 == sha:
                keep[f.source] = replace(rec, mtime=st.st_mtime, size=st.st_size)
                continue
            todo.append((f, sha, st))
        present = {f.source for f in files}
        report.removed = sorted(s for s in old_docs if s not in present)
        report.unchanged = sorted(keep)

        if old is not None and not todo and not report.removed and store_matches(old.vectors, self.settings.store, self.index_dir):
            # Nothing to embed or drop: keep the live snapshot; persist new mtimes so the
            # next call does not hash those files again.
            if any(old_docs[s].mtime != r.mtime for s, r in keep.items()):
                fresh = replace(old, documents=keep)
                old = replace(fresh, name=save_snapshot(self.index_dir, fresh))
            else:
                prune(self.index_dir)  # leftovers of a build killed earlier
            old.vectors.commit()  # deletions a killed update had left pending (a no-op for FAISS)
            report.skipped.sort()
            return old

        # Start from the old snapshot minus removed/changed documents.
        dim = old.dimension if old else None
        chunks: dict[int, Chunk] = {}
        if old:
            stale = [i for s, r in old_docs.items() if s not in keep for i in r.chunk_ids]
            # the live snapshot's store is being searched meanwhile: edit a copy
            store = old.vectors.copy()
            store.remove(stale)
            chunks = {cid: c for s, r in keep.items() for cid in r.chunk_ids for c in (old.chunks[cid],)}
            next_id = old.next_id
            sentence_parts = [old.sentences.subset(set(chunks))]
        else:
            store = None
            next_id = 0
            sentence_parts = []
            if self.settings.store.backend != "faiss":
                # a database store is created now: a full build into the live index's collection
                # takes ids above the live ones, which keep answering until the swap
                store = empty_store(self.embedder.dimension, self.settings.store, self.index_dir, live.vectors if live else None)
                next_id = store.first_id

        pending: list[_Pending] = []
        pending_chunks = 0
        chunker = Chunker(self.embedder.token_offsets, self.settings.chunking)
        bar = _progress_bar(len(todo), show_progress)
        loader = DocumentLoader(self.settings.loading)

        def read(item: tuple[CorpusFile, str, object]) -> tuple[Document, list[Chunk]]:
            doc = loader.load(item[0].path, item[0].source)
            if self.stop_on_korean and doc.language == KOREAN:
                raise NeedsMultilingual(doc.source)
            return doc, chunker.run(doc, 0)  # ids are assigned in order below

        # closed in reverse order: the read-ahead thread stops before the PDF worker does
        with loader, closing(read_ahead(read, todo, READ_AHEAD_DOCS)) as docs:
            for i, ((f, sha, st), loaded) in enumerate(docs):
                if progress:
                    progress(i / max(1, len(todo)), f"reading {f.source}")
                bar.set_postfix_str(f.source[-40:], refresh=False)
                try:
                    doc, doc_chunks = loaded.result()
                    doc_chunks = [replace(c, id=c.id + next_id) for c in doc_chunks]
                except (PdfWorkerError, NeedsMultilingual):
                    raise  # the run stops and the live index stays as it was
                except Exception as e:  # one hostile file must never abort the whole build
                    if isinstance(e, LoadError):
                        reason = str(e)
                    else:
                        log.exception("unexpected error reading %s", f.source)
                        first = str(e).strip().splitlines()[0][:160] if str(e).strip() else ""
                        reason = f"could not be read (unexpected {type(e).__name__}{': ' + first if first else ''})"
                    if f.source in old_docs:
                        reason += " (its previous version was removed from the index)"
                    report.skipped.append((f.source, reason))
                    bar.update(1)
                    continue
                next_id += len(doc_chunks)
                record = _record(doc, sha, st, doc_chunks)
                pending.append(_Pending(record, doc_chunks))
                pending_chunks += len(doc_chunks)
                (report.updated if f.source in old_docs else report.added).append(f.source)
                if pending_chunks >= EMBED_BATCH_CHUNKS:
                    store = self._flush(pending, store, chunks, keep, report, sentence_parts)
                    pending, pending_chunks = [], 0
                bar.update(1)
            store = self._flush(pending, store, chunks, keep, report, sentence_parts)
        bar.close()
        if progress:
            progress(1.0, "saving index")

        if store is None:  # nothing was ever embedded: an empty index still records its settings
            dim = dim or self.embedder.dimension
            store = FaissStore(dim)

        def metadata(ids: np.ndarray) -> list[dict]:
            return [chunk_metadata(chunks[int(i)], keep.get(chunks[int(i)].source)) for i in ids]

        # exact or ANN by size, or into / out of Milvus when the setting changed (same vectors, same ids)
        store = choose_store(store, self.settings.store, self.index_dir, metadata)
        dates = {s: r.date for s, r in keep.items()}
        ordered = sorted(chunks.values(), key=lambda c: c.id)
        lexical = LexicalIndex.build([c.id for c in ordered], [lexical_text(c, dates.get(c.source)) for c in ordered])
        sentences = SentenceVectors.concat(sentence_parts, store.dimension)
        snap = IndexSnapshot(identity, store.dimension, keep, chunks, store, lexical, sentences, next_id)
        snap.check()
        if hasattr(store, "settle"):
            store.settle()  # a Milvus server's bounded reads see the new rows before the snapshot names them
        snap = replace(snap, name=save_snapshot(self.index_dir, snap))
        store.commit()  # the new snapshot is live: rows only the old one could reach go (Milvus)
        report.added.sort()
        report.updated.sort()
        report.skipped.sort()
        return snap

    def _flush(
        self,
        pending: list[_Pending],
        store,
        chunks: dict[int, Chunk],
        keep: dict[str, DocumentRecord],
        report: IndexReport,
        sentence_parts: list[SentenceVectors],
    ):
        """Embed the pending chunks (and, from the same pass, their sentences) and add them."""
        if not pending:
            return store
        new_chunks = [c for p in pending for c in p.chunks]
        if new_chunks:
            texts, spans, rows = [], [], []
            for c in new_chunks:
                text = embedding_text(c, self.settings)
                shift = len(text) - len(c.text)  # the title prefix, if any
                sents = split_sentences(c.text) or [(0, len(c.text))]
                texts.append(text)
                spans.append([(a + shift, b + shift) for a, b in sents])
                rows.extend((c.id, c.start + a, c.start + b) for a, b in sents)
            vecs, span_vecs = self.embedder.encode_with_spans(texts, spans, batch_size=self.settings.encoder.batch_size)
            if store is None:
                store = FaissStore(vecs.shape[1])
            records = {p.record.source: p.record for p in pending}
            meta = [chunk_metadata(c, records.get(c.source)) for c in new_chunks]
            store.add(np.array([c.id for c in new_chunks], dtype="int64"), vecs, meta)
            r = np.array(rows, dtype="int64")
            sentence_parts.append(SentenceVectors(r[:, 0], r[:, 1], r[:, 2], np.vstack(span_vecs)))
            report.chunks_embedded += len(new_chunks)
        for p in pending:
            keep[p.record.source] = p.record
            for c in p.chunks:
                chunks[c.id] = c
        return store


def _record(doc: Document, sha: str, st, chunks: list[Chunk]) -> DocumentRecord:
    return DocumentRecord(
        source=doc.source,
        size=st.st_size,
        mtime=st.st_mtime,
        sha256=sha,
        title=doc.title,
        kind=doc.kind,
        chunk_ids=[c.id for c in chunks],
        pages=len(doc.pages) if doc.kind == "pdf" else None,
        date=doc.date,
        language=doc.language or "en",
        source_url=doc.source_url,
        publisher=doc.publisher,
        indexed_at=time.strftime("%Y-%m-%d %H:%M:%S"),
        text_length=len(doc.text),
        ocr_pages=[p.number for p in doc.pages if p.ocr and p.number is not None],
    )


class _NullBar:
    def update(self, n: int = 1) -> None: ...

    def set_postfix_str(self, s: str, refresh: bool = True) -> None: ...

    def close(self) -> None: ...


def _progress_bar(total: int, show: bool):
    if not show or total < 2:
        return _NullBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="file", desc="Indexing", dynamic_ncols=True)


__all__ = ["Indexer", "index_lock", "embedding_text", "read_ahead"]
