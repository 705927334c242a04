"""The errors the assistant raises, in one place; each message is one line a user can act on.

``AssistantError`` is the common base, so a caller can catch everything the assistant reports
by design while real bugs still surface as ordinary exceptions.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""


class LoadError(AssistantError):
    """A file that cannot be indexed; ``str(err)`` is the reason shown next to its name."""


class PdfWorkerError(AssistantError):
    """The PDF worker process cannot start: an error of the whole run, not of one file."""


class IndexCorrupt(AssistantError):
    """The index on disk is damaged or does not match the settings; ``str`` says why."""


class StoreUnavailable(AssistantError):
    """The configured vector store cannot be used: its client is not installed, the server
    cannot be reached, or a Milvus Lite file is open in another process."""


class StaleTokenizer(AssistantError, ValueError):
    """The keyword index was built by another tokenizer version: rebuild BM25 (only)."""


class NeedsMultilingual(AssistantError):
    """A Korean document turned up in a build with the English encoder chosen by ``auto``:
    the builder stops before writing anything and the caller rebuilds with the multilingual one."""

    def __init__(self, source: str):
        super().__init__(f"{source} is Korean: the index needs the multilingual encoder")
        self.source = source


class ReaderError(AssistantError, RuntimeError):
    """The reader model is missing, damaged or cannot be run."""


class LLMError(AssistantError):
    """The LLM server failed (unreachable, timeout, malformed reply)."""


class UploadError(AssistantError, ValueError):
    """An upload was refused; the message says why, in words a user understands."""


__all__ = [
    "AssistantError",
    "LoadError",
    "PdfWorkerError",
    "NeedsMultilingual",
    "IndexCorrupt",
    "StoreUnavailable",
    "StaleTokenizer",
    "ReaderError",
    "LLMError",
    "UploadError",
]
