"""Settings with sensible defaults; environment variables override them for deployments.

The chunking and model settings are written into the index manifest: when they change,
the index is rebuilt instead of mixing vectors made under different settings.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

# The repository's own folders, used when the assistant runs from a checkout.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS_DIR = Path(os.environ.get("ASSISTANT_CORPUS_DIR", PROJECT_ROOT / "docs_corpus"))
DEFAULT_INDEX_DIR = Path(os.environ.get("ASSISTANT_INDEX_DIR", PROJECT_ROOT / "index"))

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".pdf")

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class ChunkSettings:
    """How documents are cut; part of the index identity."""

    max_tokens: int = 200  # word pieces per chunk, below MiniLM's 256-token window (with [CLS]/[SEP])
    overlap_tokens: int = 40  # sentences carried over from the previous chunk, up to this many tokens
    title_in_embedding: bool = True  # prefix the document title to the text the encoder sees
    sentence_rules: int = 4  # version of chunking.split_sentences: stored sentence spans depend on it

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Settings:
    """Everything tunable in one place."""

    model_name: str = MODEL_NAME
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    max_file_bytes: int = int(os.environ.get("ASSISTANT_MAX_FILE_MB", "200")) * 1024 * 1024
    pdf_timeout_s: float = float(os.environ.get("ASSISTANT_PDF_TIMEOUT_S", "60"))
    embed_batch_size: int = 32
    reader_passages: int = 2  # top retrieved passages the reader reads (2 of 1–8 measured best on dev data)
    reader_citations: int = 2  # at most this many quoted sentences per answer

    def identity(self) -> dict:
        """What the stored vectors depend on; a mismatch forces a full rebuild."""
        return {"model": self.model_name, "chunking": self.chunking.to_dict()}
