"""Fit the answer decision (``assistant/answer/decision.py``) on development data, with an ablation.

    .venv/bin/python -m benchmarks.decision_fit                 # fit, report, write into reader.json
    .venv/bin/python -m benchmarks.decision_fit --no-write      # only report
    .venv/bin/python -m benchmarks.decision_fit --reader DIR    # another exported reader (its reader.json)

For every question of the development sets (``DEV_SETS``: the seed questions, the cooperation
questions, the near-miss development pairs, the analyst development set and ClapNQ dev — never a
held-out or blind set) the assistant retrieves as it does at question time (``Assistant.passages_for``:
the asked clause, the named document first) and the reader reads the top passages with the asked
clause. A question of several parts is left out: its answer words belong to different reads. Each read
becomes one row: the decision's features (``decision.FEATURES``) and a label, 1 when the read
would be a right answer (an answerable question, a gold document, the answer words inside the
quote) and 0 otherwise.

A logistic regression (scikit-learn) is fitted on the rows, each set weighing the same and each
class within it too; the threshold on its score then maximises the mean over the sets of the
balanced question-level accuracy: an answerable question counts when its best-scored read clears
the threshold and is right, an unanswerable one when no read clears it. The ablation refits with
each feature left out under 5-fold cross-validation by question, so its figures are out of sample.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import assistant  # noqa: F401  (offline environment)
from assistant.answer.checks import run_checks
from assistant.answer.decision import FEATURES, feature_vector
from assistant.answer.quotes import focused_reads
from assistant.answer.reader import MODEL_DIR, Reader
from assistant.core import Assistant
from assistant.evaluate import parse_questions, read_jsonl
from assistant.evaluate.metrics import contains_all, is_gold
from assistant.text.asking import parse_question, reading_form

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "benchmarks" / "questions"
CLAPNQ = ROOT.parent / "shared" / "eval" / "clapnq"
DEV_SETS = [
    ("seeds", QUESTIONS / "seed_questions.jsonl"),
    ("cooperation", QUESTIONS / "coop_questions.jsonl"),
    ("near-miss dev", QUESTIONS / "near_miss_dev.jsonl"),
    ("analyst dev", QUESTIONS / "analyst_dev.jsonl"),
    ("ClapNQ dev", CLAPNQ / "dev.jsonl"),
]


def question_rows(bot: Assistant, reader: Reader, path: Path) -> list[dict]:
    """Per question of ``path``: whether it is answerable and its reads' features and labels."""
    snap = bot.snapshot
    settings = bot.settings.reader
    out = []
    for q in parse_questions(read_jsonl(path)):
        asked = parse_question(q.question)
        if len(asked.parts) > 1:  # each part has its own answer: the question's answer words label no one read
            continue
        passages = bot.passages_for(asked.parts[0], asked, snap)
        part = reading_form(asked.parts[0])  # what the reader reads at question time
        rows = []
        for r in focused_reads(reader, snap.sentences, part, passages, set(), settings.passages):
            if r.start < 0:
                continue
            a, b = r.quote()
            right = (
                q.answerable and is_gold(r.passage.source, q.gold_source) and (not q.answer_contains or contains_all(r.text(a, b), q.answer_contains))
            )
            rows.append(
                {
                    "p": r.probability,
                    "y": int(right),
                    # what the checks read, so that a change to them is measured without reading again
                    "check": list(r.check_args(part)),
                    "source": r.passage.source,
                }
            )
        out.append({"question": q.question, "answerable": q.answerable, "reads": rows})
    return out


def featurize(data: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Each read's features (``x``) and type veto (``veto``) from its probability and the checks as they are now."""
    for rows in data.values():
        for q in rows:
            for r in q["reads"]:
                checks = run_checks(*r["check"])
                r["x"] = feature_vector(r["p"], checks)
                r["veto"] = checks.type_match == 0.0
    return data


def collect(reader: Reader, only: list[str] | None = None) -> dict[str, list[dict]]:
    from benchmarks.reader_bench import _bot

    data = {}
    for name, path in DEV_SETS:
        if only and name not in only:
            continue
        data[name] = question_rows(_bot(path), reader, path)
        print(f"  {name}: {len(data[name])} questions", file=sys.stderr)
    return data


def _matrix(data: dict[str, list[dict]], cols: list[int], veto: bool):
    xs, ys, ws = [], [], []
    for rows in data.values():
        reads = [r for q in rows for r in q["reads"] if not (veto and r["veto"])]
        if not reads:
            continue
        y = np.array([r["y"] for r in reads])
        pos, neg = max(1, y.sum()), max(1, len(y) - y.sum())
        xs.append(np.array([[r["x"][c] for c in cols] for r in reads]))
        ys.append(y)
        ws.append(np.where(y == 1, 0.5 / pos, 0.5 / neg))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def fit(data: dict[str, list[dict]], cols: list[int], veto: bool = True) -> tuple[np.ndarray, float]:
    """Weights over the feature columns ``cols`` and the bias (fitted on the reads the veto leaves)."""
    from sklearn.linear_model import LogisticRegression

    x, y, w = _matrix(data, cols, veto)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y, sample_weight=w * len(y))
    return model.coef_[0], float(model.intercept_[0])


def _best_scores(rows: list[dict], cols: list[int], coef, bias, veto: bool = True) -> list[tuple[float, int, bool]]:
    """Per question: (best read's score, its label, answerable)."""
    out = []
    for q in rows:
        best, label = 0.0, 0
        for r in q["reads"]:
            if veto and r["veto"]:
                continue
            s = 1 / (1 + np.exp(-(bias + float(np.dot(coef, [r["x"][c] for c in cols])))))
            if s > best:
                best, label = s, r["y"]
        out.append((best, label, q["answerable"]))
    return out


def balanced(scored: list[tuple[float, int, bool]], t: float) -> float:
    pos = [s >= t and y == 1 for s, y, a in scored if a]
    neg = [s < t for s, y, a in scored if not a]
    parts = [float(np.mean(v)) for v in (pos, neg) if v]
    return float(np.mean(parts)) if parts else 0.0


def choose_threshold(data: dict[str, list[dict]], cols: list[int], coef, bias, veto: bool = True) -> tuple[float, float, dict]:
    scored = {n: _best_scores(rows, cols, coef, bias, veto) for n, rows in data.items()}
    grid = np.round(np.linspace(0.05, 0.95, 91), 3)
    objective = {float(t): float(np.mean([balanced(s, t) for s in scored.values()])) for t in grid}
    t = max(objective.items(), key=lambda kv: (round(kv[1], 4), -abs(kv[0] - 0.5)))[0]
    return t, objective[t], {n: balanced(s, t) for n, s in scored.items()}


def cross_validated(data: dict[str, list[dict]], cols: list[int], veto: bool = True, folds: int = 5, seed: int = 13) -> float:
    """Mean balanced accuracy over the sets, out of sample (fit and threshold on the other folds)."""
    rng = np.random.default_rng(seed)
    assign = {n: rng.permutation(len(rows)) % folds for n, rows in data.items()}
    per_fold = []
    for f in range(folds):
        train = {n: [q for q, a in zip(rows, assign[n]) if a != f] for n, rows in data.items()}
        test = {n: [q for q, a in zip(rows, assign[n]) if a == f] for n, rows in data.items()}
        coef, bias = fit(train, cols, veto)
        t, _, _ = choose_threshold(train, cols, coef, bias, veto)
        per_fold.append(np.mean([balanced(_best_scores(rows, cols, coef, bias, veto), t) for rows in test.values() if rows]))
    return float(np.mean(per_fold))


def probability_only(data: dict[str, list[dict]]) -> tuple[float, float]:
    """The reader's probability alone (weight 1 on its logit), its threshold chosen the same way."""
    t, objective, _ = choose_threshold(data, [0], np.array([1.0]), 0.0, veto=False)
    return t, objective


def ablate(data: dict[str, list[dict]]) -> dict[str, float]:
    """Out-of-sample objective (5-fold by question) of the decision with parts left out."""
    cols = list(range(len(FEATURES)))
    out = {"probability only": cross_validated(data, [0], veto=False), "all features (and the type veto)": cross_validated(data, cols)}
    out["probability + type veto"] = cross_validated(data, [0])
    out["without the type veto"] = cross_validated(data, cols, veto=False)
    for c in cols[1:]:
        out[f"without {FEATURES[c]}"] = cross_validated(data, [k for k in cols if k != c])
        out[f"probability + {FEATURES[c]}"] = cross_validated(data, [0, c], veto=False)
    return out


def run(reader: Reader, write: bool, save: Path | None = None, load: Path | None = None) -> dict:
    data = json.loads(load.read_text()) if load else collect(reader)
    if save:
        save.write_text(json.dumps(data, ensure_ascii=False))
    featurize(data)
    all_cols = list(range(len(FEATURES)))
    coef, bias = fit(data, all_cols)
    t, objective, by_set = choose_threshold(data, all_cols, coef, bias)
    p_t, p_obj = probability_only(data)
    ablation = ablate(data)
    report = {
        "weights": {f: round(float(w), 4) for f, w in zip(FEATURES, coef)},
        "bias": round(bias, 4),
        "threshold": t,
        "objective": objective,
        "by_set": by_set,
        "probability_only": {"threshold": p_t, "objective": p_obj},
        "ablation_cv5": ablation,
        "sets": [n for n, _ in DEV_SETS],
        "questions": {n: len(rows) for n, rows in data.items()},
    }
    print(json.dumps(report, indent=1))
    if write:
        cfg_path = reader.model_dir / "reader.json"
        cfg = json.loads(cfg_path.read_text())
        cfg["threshold"] = p_t  # the reader's probability alone: SQuAD figures, follow-up re-reads, LLM quotes
        cfg["threshold_chosen_on"] = {"sets": report["sets"], "objective": "mean balanced accuracy", "value": p_obj}
        cfg["decision"] = {
            "features": list(FEATURES),
            "type_veto": True,
            "weights": report["weights"],
            "bias": report["bias"],
            "threshold": t,
            "fitted_on": {k: report[k] for k in ("sets", "questions", "objective", "by_set", "probability_only", "ablation_cv5")},
        }
        cfg_path.write_text(json.dumps(cfg, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote the decision into {cfg_path}", file=sys.stderr)
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reader", type=Path, default=MODEL_DIR, help="exported reader folder (default: the packaged one)")
    ap.add_argument("--no-write", action="store_true", help="only report")
    ap.add_argument("--save", type=Path, help="also write the collected reads (features, labels, spans) to this JSON file")
    ap.add_argument("--load", type=Path, help="fit on reads saved by --save instead of reading again")
    ap.add_argument("--collect-only", nargs="*", metavar="SET", help="with --save: only collect these sets, then stop")
    args = ap.parse_args(argv)
    if args.collect_only is not None:
        args.save.write_text(json.dumps(collect(Reader.shared(args.reader), args.collect_only or None), ensure_ascii=False))
        return 0
    run(Reader.shared(args.reader), write=not args.no_write, save=args.save, load=args.load)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
