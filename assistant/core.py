"""``Assistant``: the one object the CLI, the UI and Python users talk to; wiring only.

It holds the settings, the encoder, the reader and the live index snapshot, and passes each
stage the data it needs: the builder gets the folders and settings, the retriever a snapshot
and the encoder, the answerer the retrieved passages and that same snapshot's sentences.
Updates build a new snapshot and swap the reference, so a question (which takes the
reference once) sees the old index or the new one, never a mix.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .answer import answer_passages, multilingual_reader, retrieval_query
from .answer.messages import ENGLISH_INDEX_KO
from .answer.multilingual_reader import needs_korean_reader
from .answer.parts import combine_parts
from .answer.reader import Reader
from .encode import Embedder
from .errors import IndexCorrupt, NeedsMultilingual, StoreUnavailable
from .index import Indexer, IndexSnapshot, load_snapshot
from .index.builder import ProgressFn
from .index.snapshot import current_name
from .index.vectors import set_query_threads
from .ingest import scan_corpus
from .ingest.scan import has_korean_text_file
from .retrieve import Retriever
from .schema import Answer, IndexReport, Passage
from .settings import AUTO_MODEL, MODEL_NAME, MULTILINGUAL_MODEL, Settings
from .text.asking import Asked, parse_question, reading_form
from .text.language import is_korean

log = logging.getLogger(__name__)


class Assistant:
    """Question answering with citations over a folder of documents.

    Args:
        corpus_dir: the documents (``.txt``, ``.md``, ``.pdf``; searched recursively);
            default ``settings.corpus_dir``.
        index_dir: where the index is stored; default ``settings.index_dir``.
        auto_update: build or update the index now if it is missing or stale; with
            ``False`` only what is on disk is loaded (an empty index if nothing yet).
        settings: everything tunable; default ``Settings.from_env()``.
        llm_url: base URL of an OpenAI-compatible chat server (overrides ``settings.llm.url``);
            answers are extractive if unset.
        llm_model: model name to request from that server.
        llm_timeout: seconds to wait for it.
        show_progress: print progress bars while indexing.
    """

    def __init__(
        self,
        corpus_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        auto_update: bool = True,
        settings: Settings | None = None,
        llm_url: str | None = None,
        llm_model: str | None = None,
        llm_timeout: float | None = None,
        show_progress: bool = False,
    ):
        settings = settings or Settings.from_env()
        if corpus_dir is not None:
            settings = replace(settings, corpus_dir=Path(corpus_dir))
        if index_dir is not None:
            settings = replace(settings, index_dir=Path(index_dir))
        llm = {k: v for k, v in (("url", llm_url), ("model", llm_model), ("timeout_s", llm_timeout)) if v is not None}
        if llm:
            settings = replace(settings, llm=replace(settings.llm, **llm))
        self.settings = settings
        self._embedder: Embedder | None = None  # set: this encoder always (see the ``embedder`` setter)
        set_query_threads(settings.store.faiss_threads)
        self.show_progress = show_progress
        self.last_report: IndexReport | None = None
        self.load_error: str | None = None
        self._update_lock = threading.Lock()
        self._snapshot: IndexSnapshot | None = None
        self._polled = time.monotonic()
        if auto_update:
            self.update_index()
        else:
            self._load()

    @property
    def corpus_dir(self) -> Path:
        return self.settings.corpus_dir

    @property
    def index_dir(self) -> Path:
        return self.settings.index_dir

    # ------------------------------------------------------------------ index

    # ------------------------------------------------------------------ the encoder

    @property
    def auto_encoder(self) -> bool:
        return self.settings.encoder.model_name == AUTO_MODEL

    def _model_for(self, snap: IndexSnapshot | None) -> str:
        """The encoder an index was built with (``auto``: English until it holds Korean)."""
        if not self.auto_encoder:
            return self.settings.encoder.model_name
        model = snap.identity.get("model") if snap is not None else None
        return model if model in (MODEL_NAME, MULTILINGUAL_MODEL) else MODEL_NAME

    def encoder_for(self, snap: IndexSnapshot) -> Embedder:
        """The encoder whose vectors ``snap`` holds: queries must be embedded by the same model."""
        if self._embedder is not None:
            return self._embedder
        return Embedder.from_settings(self.settings, self._model_for(snap))

    @property
    def embedder(self) -> Embedder:
        """The encoder of the live index."""
        return self.encoder_for(self.snapshot)

    @embedder.setter
    def embedder(self, encoder: Embedder) -> None:
        """Use this encoder for building and searching (no automatic choice): tests, custom models."""
        self._embedder = encoder

    def _accepted_identities(self) -> dict | list[dict]:
        if self.auto_encoder:
            return [self.settings.identity(MODEL_NAME), self.settings.identity(MULTILINGUAL_MODEL)]
        return self.settings.identity()

    def _model_to_build(self, files) -> str:
        """``auto``: multilingual when the index already is or a new or changed text file is Korean
        (a file the English index holds unchanged was read then: it is not Korean)."""
        if not self.auto_encoder:
            return self.settings.encoder.model_name
        if self._model_for(self._snapshot) == MULTILINGUAL_MODEL:
            return MULTILINGUAL_MODEL
        known = self._snapshot.documents if self._snapshot is not None else {}

        def unchanged(f) -> bool:
            rec = known.get(f.source)
            try:
                st = f.path.stat()
            except OSError:
                return False
            return rec is not None and rec.size == st.st_size and rec.mtime == st.st_mtime

        return MULTILINGUAL_MODEL if has_korean_text_file([f for f in files if not unchanged(f)]) else MODEL_NAME

    # ------------------------------------------------------------------ index

    def _load(self) -> None:
        try:
            snap = load_snapshot(self.index_dir, self._accepted_identities(), self.settings.store)
        except IndexCorrupt as e:
            self.load_error = f"index at {self.index_dir} not used: {e}; run `assistant index` to rebuild it"
            log.warning(self.load_error)
            snap = None
        self._snapshot = snap

    @property
    def snapshot(self) -> IndexSnapshot:
        """The live index (an empty one until something is indexed)."""
        snap = self._snapshot
        if snap is None:
            enc = self._embedder or Embedder.from_settings(self.settings, self._model_for(None))
            snap = self._snapshot = IndexSnapshot.empty(self.settings.identity(enc.model_name), enc.dimension)
        return snap

    def update_index(self, rebuild: bool = False, progress: ProgressFn | None = None) -> IndexReport:
        """Embed new and changed files, drop deleted ones, and swap in the new index.

        Returns:
            IndexReport: ``added``, ``updated``, ``removed``, ``unchanged`` and ``skipped``
            (``(source, reason)`` for every file that was not indexed).

        Raises:
            PdfWorkerError: PDFs cannot be read at all (the worker does not start); the index
                is left as it was.
        """
        with self._update_lock:
            if self._embedder is not None:
                indexer = Indexer(self.corpus_dir, self.index_dir, self.settings, self._embedder)
            else:
                files = scan_corpus(self.corpus_dir)[0] if self.corpus_dir.is_dir() else []
                model = self._model_to_build(files)
                indexer = Indexer(
                    self.corpus_dir,
                    self.index_dir,
                    self.settings,
                    Embedder.from_settings(self.settings, model),
                    stop_on_korean=self.auto_encoder and model == MODEL_NAME,
                )
            try:
                report, snap = indexer.run(rebuild=rebuild, progress=progress, show_progress=self.show_progress)
            except NeedsMultilingual as e:  # a Korean PDF: nothing was written; rebuild with the multilingual encoder
                indexer = Indexer(self.corpus_dir, self.index_dir, self.settings, Embedder.from_settings(self.settings, MULTILINGUAL_MODEL))
                report, snap = indexer.run(rebuild=rebuild, progress=progress, show_progress=self.show_progress)
                report.rebuilt = True
                report.rebuild_reason = f"{e.source} is Korean: switched to the multilingual encoder ({MULTILINGUAL_MODEL})"
            self._snapshot = snap
            self.load_error = None
            self.last_report = report
            return report

    def reload(self) -> None:
        """Pick up an index that another process updated."""
        self._load()

    def _poll(self) -> None:
        """Every ``server.index_poll_s`` seconds, load the live index if another process swapped in
        a newer one (one small file read; never while this process is updating)."""
        every = self.settings.server.index_poll_s
        now = time.monotonic()
        if every <= 0 or now - self._polled < every:
            return
        self._polled = now
        name = current_name(self.index_dir)
        if name and (self._snapshot is None or name != self._snapshot.name) and self._update_lock.acquire(blocking=False):
            try:
                snap = load_snapshot(self.index_dir, self._accepted_identities(), self.settings.store)
                if snap is not None:
                    log.info("loaded index %s, which another process updated", name)
                    self._snapshot, self.load_error = snap, None
            except (IndexCorrupt, StoreUnavailable) as e:  # keep answering from the index already loaded
                log.warning("index %s not loaded (%s); still using %s", name, e, self._snapshot.name if self._snapshot else "none")
            finally:
                self._update_lock.release()

    def close(self) -> None:
        """Release the vector store's connections (a Milvus Lite file can then be opened by
        another process). The assistant reconnects if it is used again."""
        from .index.milvus import close_clients

        close_clients()

    # ------------------------------------------------------------------ queries

    @property
    def reader(self) -> Reader:
        """The trained reader (loaded on first use, shared per process)."""
        return Reader.from_settings(self.settings)

    @property
    def korean_reader(self) -> Reader:
        """The multilingual reader (Korean and cross-lingual questions), assembled on first use."""
        return multilingual_reader.shared_reader(self.settings.cache_dir, self.settings.encoder.threads)

    def retriever(self, snapshot: IndexSnapshot | None = None) -> Retriever:
        """A retriever bound to ``snapshot`` (default: the current one; cheap, one per query)."""
        snap = snapshot or self.snapshot
        return Retriever(snap, self.encoder_for(snap), self.settings.retrieval)

    def search(self, query: str, k: int = 5, where: Mapping[str, Any] | None = None) -> list[Passage]:
        """Return the ``k`` passages that best match ``query``, best first.

        Args:
            query: a question or keywords.
            k: number of passages.
            where: optional filter: ``source`` (path or glob), ``file_type``, ``date_from``,
                ``date_to`` (ISO dates).
        """
        self._poll()
        return self.retriever().run(query, k, where)

    def ask(
        self, question: str, history: Sequence[tuple[str, str]] | None = None, k: int | None = None, where: Mapping[str, Any] | None = None
    ) -> Answer:
        """Answer ``question`` from the documents, citing each claim, or say they do not answer it.

        Args:
            question: the question.
            history: earlier (question, answer) turns, so follow-ups ("and in 2023?") work.
            k: passages to retrieve (default ``settings.reader.k``).
            where: the same filter as ``search``.
        """
        self._poll()
        snap = self.snapshot  # one snapshot for the whole question, even if an update swaps it meanwhile
        if not question or not question.strip():
            return answer_passages(question, [], snap.sentences, self.reader, self.settings, history)
        asked = parse_question(question)
        answers = [self._answer_part(part, asked, snap, history, k, where) for part in asked.parts]
        read = [reading_form(p) for p in asked.parts]
        ans = answers[0] if len(answers) == 1 else combine_parts(question, read, answers, [asked.source_of(p) for p in asked.parts])
        if not ans.grounded and is_korean(question) and snap.identity.get("model") == MODEL_NAME:
            ans.note = ENGLISH_INDEX_KO  # say why, and what would let Korean questions find English text
        return ans

    def passages_for(
        self,
        part: str,
        asked: Asked,
        snap: IndexSnapshot,
        history: Sequence[tuple[str, str]] | None = None,
        k: int | None = None,
        where: Mapping[str, Any] | None = None,
    ) -> list[Passage]:
        """The passages one asked question is read over: retrieved with the part and the source it names,
        the named document's best passages first (``retrieve.sources``). The decision is fitted on the
        same passages (``benchmarks/decision_fit.py``)."""
        k = k or self.settings.reader.k
        source = asked.source_of(part)
        text = asked.retrieval_text(part)
        query = retrieval_query(f"{text} {source}" if source and source.lower() not in text.lower() else text, history)
        retriever = self.retriever(snap)
        passages = retriever.run(query, k, where)
        named = retriever.named_documents(source) if not (where and where.get("source")) else []
        if named:
            own = retriever.run(query, k, {**(where or {}), "source": named})[: self.settings.reader.passages]
            seen = {p.chunk_id for p in own}
            passages = own + [p for p in passages if p.chunk_id not in seen]
        return passages

    def _answer_part(
        self, part: str, asked: Asked, snap: IndexSnapshot, history: Sequence[tuple[str, str]] | None, k: int | None, where: Mapping[str, Any] | None
    ) -> Answer:
        """Retrieve for one asked question (preferring the document it names) and answer it."""
        passages = self.passages_for(part, asked, snap, history, k, where)
        # the English reader cannot read Hangul: a Korean question or a Korean best passage goes to the multilingual one
        languages = [p.language for p in passages[: self.settings.reader.passages]]
        reader = self.korean_reader if needs_korean_reader(part, languages) else self.reader
        return answer_passages(reading_form(part), passages, snap.sentences, reader, self.settings, history)

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
                    "language": rec.language,
                    "indexed_at": rec.indexed_at,
                }
            )
        return out

    def stats(self) -> dict[str, int]:
        snap = self.snapshot
        return {"documents": len(snap.documents), "chunks": len(snap.chunks)}
