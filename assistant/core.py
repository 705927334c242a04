"""``Assistant``: the one object the CLI, the UI and Python users talk to.

It owns the live index snapshot, keeps it current with the corpus folder, and hands queries
to the retriever and the answerer. Updates build a new snapshot and swap the reference, so
a query running during an update sees the old index or the new one, never a mix.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Mapping, Sequence

from .config import DEFAULT_CORPUS_DIR, DEFAULT_INDEX_DIR, Settings
from .embedding import Embedder
from .index_store import IndexError_, IndexSnapshot, load_snapshot
from .indexing import Indexer, ProgressFn
from .retrieval import FusionSettings, Retriever
from .types import Answer, IndexReport, Passage

log = logging.getLogger(__name__)


class Assistant:
    """Question answering with citations over a folder of documents.

    Args:
        corpus_dir: the documents (``.txt``, ``.md``, ``.pdf``; searched recursively).
        index_dir: where the index is stored.
        auto_update: build or update the index now if it is missing or stale; with
            ``False`` only what is on disk is loaded (an empty index if nothing yet).
        settings: model and chunking settings.
        llm_url: base URL of an OpenAI-compatible chat server; answers are extractive if unset.
        llm_model: model name to request from that server.
        show_progress: print progress bars while indexing.
    """

    def __init__(
        self,
        corpus_dir: str | Path = DEFAULT_CORPUS_DIR,
        index_dir: str | Path = DEFAULT_INDEX_DIR,
        auto_update: bool = True,
        settings: Settings | None = None,
        llm_url: str | None = None,
        llm_model: str | None = None,
        llm_timeout: float | None = None,
        show_progress: bool = False,
    ):
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = Path(index_dir)
        self.settings = settings or Settings()
        self.embedder = Embedder.shared(self.settings.model_name)
        self.fusion = FusionSettings()
        self.show_progress = show_progress
        self.llm_url = llm_url
        self.llm_model = llm_model
        self.llm_timeout = llm_timeout
        self.last_report: IndexReport | None = None
        self._update_lock = threading.Lock()
        self._snapshot: IndexSnapshot | None = None
        self.load_error: str | None = None
        if auto_update:
            self.update_index()
        else:
            self._load()

    # ------------------------------------------------------------------ index

    def _load(self) -> None:
        try:
            snap = load_snapshot(self.index_dir, self.settings.identity())
        except IndexError_ as e:
            self.load_error = f"index at {self.index_dir} not used: {e}; run `assistant index` to rebuild it"
            log.warning(self.load_error)
            snap = None
        self._snapshot = snap

    @property
    def snapshot(self) -> IndexSnapshot:
        """The live index (an empty one until something is indexed)."""
        if self._snapshot is None:
            self._snapshot = IndexSnapshot.empty(self.settings.identity(), self.embedder.dimension)
        return self._snapshot

    def update_index(self, rebuild: bool = False, progress: ProgressFn | None = None) -> IndexReport:
        """Embed new and changed files, drop deleted ones, and swap in the new index.

        Returns:
            IndexReport: ``added``, ``updated``, ``removed``, ``unchanged`` and ``skipped``
            (``(source, reason)`` for every file that was not indexed).
        """
        with self._update_lock:
            indexer = Indexer(self.corpus_dir, self.index_dir, self.settings, self.embedder)
            report, snap = indexer.run(rebuild=rebuild, progress=progress, show_progress=self.show_progress)
            self._snapshot = snap
            self.load_error = None
            self.last_report = report
            return report

    def reload(self) -> None:
        """Pick up an index that another process updated."""
        self._load()

    # ------------------------------------------------------------------ queries

    def search(self, query: str, k: int = 5, where: Mapping[str, Any] | None = None) -> list[Passage]:
        """Return the ``k`` passages that best match ``query``, best first.

        Args:
            query: a question or keywords.
            k: number of passages.
            where: optional filter: ``source`` (path or glob), ``file_type``, ``date_from``,
                ``date_to`` (ISO dates).
        """
        return self.retriever().run(query, k, where)

    @property
    def reader(self):
        """The trained reader (loaded on first use, shared per process)."""
        from .reader import Reader

        return Reader.shared()

    def retriever(self) -> Retriever:
        """A retriever bound to the current snapshot (cheap; one per query)."""
        return Retriever(self.snapshot, self.embedder, self.fusion)

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None, k: int = 8, where: Mapping[str, Any] | None = None) -> Answer:
        """Answer ``question`` from the documents, citing each claim; see ``answering``."""
        from .answering import answer_question

        return answer_question(self, question, history=history, k=k, where=where)

    # ------------------------------------------------------------------ info

    def documents(self) -> list[dict[str, Any]]:
        """The indexed documents, for listings (title, file, pages, chunks, date indexed)."""
        out = []
        for src, rec in sorted(self.snapshot.documents.items()):
            out.append(
                {
                    "source": src,
                    "title": rec.title,
                    "kind": rec.kind,
                    "pages": rec.pages,
                    "chunks": len(rec.chunk_ids),
                    "date": rec.date,
                    "indexed_at": rec.indexed_at,
                }
            )
        return out

    def stats(self) -> dict[str, int]:
        snap = self.snapshot
        return {"documents": len(snap.documents), "chunks": len(snap.chunks)}
