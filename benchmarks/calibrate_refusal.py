"""Fit the refusal model (logistic regression over evidence features) on ClapNQ dev.

    .venv/bin/python -m benchmarks.calibrate_refusal            # fit on dev, report dev and test
    .venv/bin/python -m benchmarks.calibrate_refusal --no-write # only report

Writes ``assistant/refusal_calibration.json``. Only ``dev`` is used for fitting and for the
threshold; ``test`` is reported, never tuned on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import assistant  # noqa: F401  (offline environment)
from assistant.answering import CALIBRATION_FILE, gather_evidence
from assistant.core import Assistant
from assistant.evaluation import clapnq_corpus, read_jsonl

CLAPNQ = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "clapnq"
FEATURES = ["best_dense", "best_coverage", "max_dense", "max_coverage", "top_score", "dense_margin", "type_match", "type_match_top3", "missing_rare", "unseen_terms", "novelty"]


def features_for(bot: Assistant, rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    X, y = [], []
    for r in rows:
        ev = gather_evidence(bot, r["question"])
        X.append([ev.features.get(f, 0.0) for f in FEATURES])
        y.append(1.0 if r["answerable"] else 0.0)
    return np.array(X), np.array(y)


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 5000, lr: float = 0.5):
    """Plain gradient descent on standardised features; returns weights in raw feature units."""
    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z = (X - mu) / sd
    w = np.zeros(Z.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        g = p - y
        w -= lr * (Z.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    return w / sd, b - float((w / sd) @ mu)


def accuracy(p: np.ndarray, y: np.ndarray, t: float) -> float:
    return float(((p >= t) == (y == 1)).mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    corpus = clapnq_corpus(CLAPNQ / "passages.jsonl")
    bot = Assistant(corpus, corpus.parent / "index")
    Xd, yd = features_for(bot, read_jsonl(CLAPNQ / "dev.jsonl"))
    Xt, yt = features_for(bot, read_jsonl(CLAPNQ / "test.jsonl"))
    w, b = fit_logistic(Xd, yd)
    pd = 1 / (1 + np.exp(-(Xd @ w + b)))
    thresholds = np.linspace(0.2, 0.8, 61)
    accs = [accuracy(pd, yd, t) for t in thresholds]
    t_best = float(thresholds[int(np.argmax(accs))])
    pt = 1 / (1 + np.exp(-(Xt @ w + b)))
    print(f"dev  refusal accuracy {max(accs):.3f} at threshold {t_best:.2f} (n={len(yd)})")
    print(f"test refusal accuracy {accuracy(pt, yt, t_best):.3f} (n={len(yt)})")
    for name, wi in zip(FEATURES, w):
        print(f"  {name:14s} {wi:+.3f}")
    if not args.no_write:
        cal = {
            "weights": dict(zip(FEATURES, map(float, w))),
            "bias": float(b),
            "threshold": t_best,
            "fitted_on": "ClapNQ dev",
            "dev_accuracy": max(accs),
        }
        Path(CALIBRATION_FILE).write_text(json.dumps(cal, indent=2) + "\n")
        print(f"wrote {CALIBRATION_FILE}")


if __name__ == "__main__":
    main()
