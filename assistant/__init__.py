"""A document Q&A assistant that answers with citations, offline.

    from assistant import Assistant
    bot = Assistant(corpus_dir="docs_corpus", index_dir="index")
    bot.search("bioeconomy research funding", k=5)
    bot.ask("How much will be invested in bioeconomy research?")

The package has one folder per stage, and data flows one way through them::

    ingest/    files -> documents -> chunks      (scan, loaders, PDF worker, chunking)
    encode/    chunks -> vectors                 (the packaged MiniLM encoder, ONNX or PyTorch)
    index/     vectors -> index                  (vector stores, BM25, sentences, snapshots, builder)
    retrieve/  index -> passages                 (hybrid retrieval, filters)
    answer/    passages -> cited answer          (the trained reader, quotes, follow-ups, LLM)
    evaluate/  measurements                      (``assistant eval``)
    app/       CLI, chat UI, uploads

``settings.py`` (every tunable), ``schema.py`` (the typed records), ``errors.py`` and ``text/``
(sentences, keywords, headings, dates: shared by the stages) sit below them; ``core.Assistant``
wires the stages together. Heavy libraries (torch, faiss, gradio) are imported lazily, so
``import assistant`` and the CLI's ``--help`` stay fast.
"""

from __future__ import annotations

import os

# Models come from installed packages only; never let a library reach for a model hub.
# Set before anything imports transformers or huggingface_hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

from typing import TYPE_CHECKING, Any  # noqa: E402

from .schema import Answer, Citation, Document, IndexReport, Passage  # noqa: E402
from .settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from .core import Assistant

__all__ = ["Assistant", "Answer", "Citation", "Document", "IndexReport", "Passage", "Settings", "search", "ask", "default_assistant"]
__version__ = "0.1.0"

_default: Assistant | None = None


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from .core import Assistant

        return Assistant
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")


def default_assistant() -> Assistant:
    """The shared assistant over the default folders (``docs_corpus/``, ``index/``)."""
    global _default
    if _default is None:
        from .core import Assistant

        _default = Assistant()
    return _default


def search(query: str, k: int = 5, **kwargs: Any) -> list[Passage]:
    """Search the default corpus; see ``Assistant.search``."""
    return default_assistant().search(query, k=k, **kwargs)


def ask(question: str, history: list[tuple[str, str]] | None = None, **kwargs: Any) -> Answer:
    """Ask the default corpus; see ``Assistant.ask``."""
    return default_assistant().ask(question, history=history, **kwargs)
