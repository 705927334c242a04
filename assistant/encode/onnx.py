"""The encoder's ONNX engine: a one-time fp32 export of the packaged weights, run by ONNX Runtime.

A process that finds the export cached never imports torch, transformers or
sentence-transformers, so a cold query is answered seconds sooner. The export is keyed by the
weights it came from and written atomically; ``onnx_session`` is also the reader's engine.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

ONNX_EXPORT_VERSION = 1  # bump when the export recipe changes (invalidates cached files)


def read_json(path: Path) -> dict:
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


def onnx_path(weights: Path, cache_dir: Path) -> Path:
    """Where the fp32 ONNX export of the weights in ``weights`` is cached (may not exist yet)."""
    return Path(cache_dir) / "onnx" / f"{weights.parent.name}-{weights.name}-{_model_key(weights)}" / "model.onnx"


def export_onnx(weights: Path, dest: Path) -> Path:
    """Export the transformer to ONNX (fp32) from local weights; atomic, cached, offline.

    Needs torch, transformers and the ``onnx`` package (only for this one-time step).
    """
    dest = Path(dest)
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

        model = AutoModel.from_pretrained(str(weights)).eval()

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
                _Hidden(model),
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
                opset_version=17,
                dynamo=False,
            )
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
        log.info("exported %s to %s", weights, dest)
    return dest


def onnx_session(path: Path, threads: int = 0):
    """An ONNX Runtime CPU session with full graph optimisation; ``threads`` caps its threads
    (``EncoderSettings.threads``, for the encoder's and the reader's sessions alike; 0 = all cores)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        so.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


class OnnxEncoder:
    """ONNX Runtime session + ``tokenizers``: the model's forward pass, mean pooling, normalisation."""

    def __init__(self, model_dir: Path, onnx_file: Path, max_seq_length: int, threads: int = 0):
        from tokenizers import Tokenizer

        self.session = onnx_session(onnx_file, threads)
        self.tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tok.enable_truncation(max_seq_length)
        # BERT's "[PAD]", XLM-R's "<pad>" (the multilingual model); masked out either way
        pad = next((t for t in ("[PAD]", "<pad>") if self.tok.token_to_id(t) is not None), "[PAD]")
        pad_id = self.tok.token_to_id(pad)
        self.tok.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token=pad)
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
        return normalise(mean_pool(hidden, mask))


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[..., None].astype(np.float32)
    return (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)


def normalise(v: np.ndarray) -> np.ndarray:
    return (v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)).astype("float32")


def pool_spans(
    hidden: np.ndarray, mask: np.ndarray, offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]], fallback: np.ndarray
) -> np.ndarray:
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
    return normalise(out)
