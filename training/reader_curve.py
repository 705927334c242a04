"""The development metric against training steps: does more training still pay?

    .venv/bin/python -m training.reader_curve build/reader-v2 --init assistant/models/reader/model.onnx

Every ``step-N.pt`` snapshot a training run kept (``--snapshot-every``), and the weights it started
from (``--init``, counted as step 0), is exported to ONNX in a scratch folder and read over the
small development sets of ``benchmarks/decision_fit.py`` (seed questions, cooperation questions,
near-miss pairs). Per snapshot: the mean balanced accuracy of the reader's probability alone (its
threshold chosen on the same sets) and with the fitted decision (probability + checks), both
in-sample on development data, so only their trend over steps means anything. Writes
``<run>/curve.json`` and prints a Markdown table for the model card.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
from pathlib import Path

from assistant.answer.reader import Reader
from benchmarks import decision_fit
from training.export_reader import export_onnx

SMALL_SETS = ["seeds", "cooperation", "near-miss dev"]


def evaluate(onnx_path: Path, tokenizer: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(onnx_path, folder / "model.onnx")
        shutil.copy(tokenizer, folder / "tokenizer.json")
        (folder / "reader.json").write_text(json.dumps({"threshold": 0.5, "max_length": 256}))
        data = decision_fit.featurize(decision_fit.collect(Reader(folder), SMALL_SETS))
    cols = list(range(len(decision_fit.FEATURES)))
    coef, bias = decision_fit.fit(data, cols)
    _, with_checks, by_set = decision_fit.choose_threshold(data, cols, coef, bias)
    _, alone = decision_fit.probability_only(data)
    return {"probability_only": alone, "with_checks": with_checks, "by_set": by_set}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a training run folder (training.train_reader --out)")
    ap.add_argument("--init", type=Path, help="the ONNX model the run started from (step 0)")
    args = ap.parse_args(argv)
    tokenizer = args.run / "tokenizer.json"
    if not tokenizer.is_file():
        from training.train_reader import base_model_path

        tokenizer = base_model_path() / "tokenizer.json"
    rows = []
    if args.init:
        rows.append({"step": 0, **evaluate(args.init, tokenizer)})
    snapshots = sorted(args.run.glob("step-*.pt"), key=lambda p: int(re.findall(r"\d+", p.stem)[0]))
    for snap in snapshots:
        with tempfile.TemporaryDirectory() as tmp:
            onnx_path = Path(tmp) / "model.onnx"
            export_onnx(snap, onnx_path)
            rows.append({"step": int(re.findall(r"\d+", snap.stem)[0]), **evaluate(onnx_path, tokenizer)})
        print(json.dumps(rows[-1]), flush=True)
    (args.run / "curve.json").write_text(json.dumps(rows, indent=1) + "\n")
    print("| step | probability only | probability + checks |\n|---|---|---|")
    for r in rows:
        print(f"| {r['step']} | {r['probability_only']:.3f} | {r['with_checks']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
