"""The reader measured: SQuAD 2.0 held-out articles, and whole-assistant answers on every question set.

    .venv/bin/python -m benchmarks.reader_bench                 # everything (about 15 min on 2 cores)
    .venv/bin/python -m benchmarks.reader_bench --only squad    # one part: squad | answers | speed
    .venv/bin/python -m benchmarks.reader_bench --calibrate     # choose the answer threshold on dev data

* ``squad``: the shipped reader on the SQuAD 2.0 dev articles it was not trained on
  (``training/data.py:split_squad2``), one question + its paragraph at a time, answered when
  the reader's probability clears the shipped threshold; scored by the official
  ``evaluate-v2.0.py`` (EM, F1, HasAns, NoAns).
* ``answers``: ``assistant eval`` metrics for the seed questions, both blind seed sets, the
  cooperation questions, their holdout, the blind cooperation set and ClapNQ test, with the
  reader and the earlier similarity answerer side by side in the same run (the latter from its
  own commit, see ``benchmarks/baseline.py``; ``--no-baseline`` skips it).
* ``speed``: ``ask()`` p50/p95 with the default k on the seed corpus, word pieces the reader
  scores per question, reader time per passage.
* ``--calibrate``: the threshold that maximises mean balanced accuracy (answered answerable +
  refused unanswerable) over the development sets only — ClapNQ dev, ``benchmarks/questions/seed_questions.jsonl``
  and ``benchmarks/questions/coop_questions.jsonl`` — written into ``reader.json``.

Results go to ``benchmarks/results/reader.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import assistant  # noqa: F401  (offline environment)
from assistant.answer.reader import MODEL_DIR, Reader
from assistant.core import Assistant
from assistant.evaluate import clapnq_corpus, evaluate, parse_questions, read_jsonl
from assistant.settings import Settings
from benchmarks.retrieval_bench import CACHE, coop_corpus

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CLAPNQ = SHARED / "eval" / "clapnq"
SQUAD2 = SHARED / "train" / "squad2.0-dev"
QUESTIONS = ROOT / "benchmarks" / "questions"
RESULTS = ROOT / "benchmarks" / "results" / "reader.json"

SEEDS = ("seeds", ROOT / "benchmarks" / "questions" / "seed_questions.jsonl")
SETS = [
    SEEDS,
    ("seed blind", QUESTIONS / "seed_questions_blind.jsonl"),
    ("seed blind 2", QUESTIONS / "seed_questions_blind2.jsonl"),
    ("cooperation", QUESTIONS / "coop_questions.jsonl"),
    ("cooperation holdout", QUESTIONS / "coop_questions_holdout.jsonl"),
    ("cooperation blind", QUESTIONS / "coop_questions_blind.jsonl"),
    ("ClapNQ test", CLAPNQ / "test.jsonl"),
]
DEV_SETS = [SEEDS, ("cooperation", QUESTIONS / "coop_questions.jsonl"), ("ClapNQ dev", CLAPNQ / "dev.jsonl")]


def _corpus(path: Path) -> tuple[str, Path]:
    """(name, folder) of the corpus a question set is asked over."""
    if path.parent == CLAPNQ:
        return "clapnq", clapnq_corpus(CLAPNQ / "passages.jsonl", Settings.from_env().cache_dir)
    if path.name.startswith("coop"):
        return "coop", coop_corpus()
    return "seeds", ROOT / "docs_corpus"


def _bot(path: Path) -> Assistant:
    name, corpus = _corpus(path)
    return Assistant(corpus, CACHE / "indexes" / f"{name}-assistant")


# --------------------------------------------------------------------------- SQuAD 2.0


def squad(reader: Reader, articles: int | None = None) -> dict:
    """The official scorer over the held-out articles (the first ``articles`` of them, if given)."""
    from training.data import split_squad2

    _, heldout = split_squad2()
    data = json.loads((SQUAD2 / "dev-v2.0.reconstructed.json").read_text())
    kept = [a for a in data["data"] if a["title"] in set(heldout)][:articles]
    preds, probs = {}, {}
    t0 = time.perf_counter()
    n = 0
    for art in kept:
        for p in art["paragraphs"]:
            for q in p["qas"]:
                [r] = reader.read(q["question"], [p["context"]])
                probs[q["id"]] = r.probability
                preds[q["id"]] = p["context"][r.start : r.end] if r.probability >= reader.threshold and r.start >= 0 else ""
                n += 1
    seconds = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        gold = Path(tmp) / "gold.json"
        gold.write_text(json.dumps({"version": "v2.0", "data": kept}))
        pred = Path(tmp) / "pred.json"
        pred.write_text(json.dumps(preds))
        out = subprocess.run([sys.executable, str(SQUAD2 / "evaluate-v2.0.py"), str(gold), str(pred)], capture_output=True, text=True, check=True)
    scores = json.loads(out.stdout)
    return {
        "articles": len(kept),
        "questions": n,
        "threshold": reader.threshold,
        "exact": scores["exact"],
        "f1": scores["f1"],
        "HasAns_exact": scores.get("HasAns_exact"),
        "HasAns_f1": scores.get("HasAns_f1"),
        "NoAns_accuracy": scores.get("NoAns_exact"),
        "ms_per_question": 1000 * seconds / max(1, n),
    }


# --------------------------------------------------------------------------- answers


def answers(with_baseline: bool = True) -> dict:
    from benchmarks import baseline

    out: dict = {}
    for name, path in SETS:
        if not path.is_file():
            print(f"  {name}: {path} missing, skipped", file=sys.stderr)
            continue
        qs = parse_questions(read_jsonl(path))
        out[name] = {}
        runs = [("reader", lambda: _bot(path))]
        if with_baseline:  # after the reader's run, on the same index (indexing did not change)
            cname, corpus = _corpus(path)
            runs.append(("similarity", lambda: baseline.run(corpus, CACHE / "indexes" / f"{cname}-assistant", qs, CACHE)))
        for answerer, make in runs:
            try:
                bot = make()
            except baseline.BaselineUnavailable as e:
                print(f"  baseline unavailable: {e}", file=sys.stderr)
                continue
            res = evaluate(bot, qs)
            if answerer == "similarity":
                baseline.fix_latency(res["metrics"], bot)
            out[name][answerer] = res["metrics"]
            out[name][answerer + "_rows"] = [r for r in res["rows"] if r.get("answerable") != (r.get("grounded") and r.get("correct", True))]
            print(
                f"  {name:22s} {answerer:10s} " + " ".join(f"{k}={v:.3f}" for k, v in res["metrics"].items() if k in KEYS and v is not None),
                file=sys.stderr,
            )
    return out


KEYS = (
    "answer_correct",
    "answered_rate",
    "unanswerable_refused",
    "refusal_accuracy",
    "gold_cited_when_answered",
    "answer_support",
    "citation_validity",
    "ask_latency_p50_ms",
    "ask_latency_p95_ms",
)


# --------------------------------------------------------------------------- speed


def speed(rounds: int = 3) -> dict:
    bot = _bot(SEEDS[1])
    qs = [q.question for q in parse_questions(read_jsonl(SEEDS[1]))]
    bot.ask(qs[0])  # load the reader
    reader = bot.reader
    times, tokens, pieces, reader_s = [], [], [], []
    for _ in range(rounds):
        for q in qs:
            before = dict(reader.stats)
            t0 = time.perf_counter()
            bot.ask(q)
            times.append(time.perf_counter() - t0)
            tokens.append(reader.stats["tokens"] - before["tokens"])
            pieces.append(reader.stats["pieces"] - before["pieces"])
            reader_s.append(reader.stats["seconds"] - before["seconds"])
    t = np.array(times) * 1000
    return {
        "questions": len(times),
        "k": 8,
        "reader_passages": bot.settings.reader.passages,
        "ask_p50_ms": float(np.percentile(t, 50)),
        "ask_p95_ms": float(np.percentile(t, 95)),
        "reader_tokens_per_question": float(np.mean(tokens)),
        "reader_texts_per_question": float(np.mean(pieces)),
        "reader_ms_per_text": float(1000 * np.sum(reader_s) / max(1, np.sum(pieces))),
        "reader_ms_per_question_p50": float(np.percentile(np.array(reader_s) * 1000, 50)),
    }


def cold_ask() -> float:
    """Seconds for ``assistant ask`` in a fresh process on the already-built seed index."""
    exe = Path(sys.executable).with_name("assistant")
    t0 = time.perf_counter()
    subprocess.run(
        [str(exe), "ask", "--index", str(CACHE / "indexes" / "seeds-assistant"), "How much will be invested in bioeconomy research?"],
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- calibration


def calibrate(write: bool) -> dict:
    """Choose the threshold on development data from each question's best reader probability."""
    per_set = {}
    for name, path in DEV_SETS:
        qs = parse_questions(read_jsonl(path))
        bot = _bot(path)
        per_set[name] = [(bot.ask(q.question).confidence or 0.0, q.answerable) for q in qs]

    def balanced(t: float, rows) -> float:
        pos = [p >= t for p, a in rows if a]
        neg = [p < t for p, a in rows if not a]
        return (np.mean(pos) + np.mean(neg)) / 2

    grid = np.round(np.linspace(0.05, 0.95, 91), 3)
    scores = {float(t): float(np.mean([balanced(t, rows) for rows in per_set.values()])) for t in grid}
    best = max(scores.items(), key=lambda kv: (round(kv[1], 4), kv[0]))[0]
    report = {"threshold": best, "objective": scores[best], "by_set": {n: balanced(best, rows) for n, rows in per_set.items()}}
    print(json.dumps(report, indent=1))
    if write:
        cfg_path = MODEL_DIR / "reader.json"
        cfg = json.loads(cfg_path.read_text())
        cfg["threshold"] = best
        cfg["threshold_chosen_on"] = {"sets": [n for n, _ in DEV_SETS], "objective": "mean balanced accuracy", **report}
        cfg_path.write_text(json.dumps(cfg, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote threshold {best} into {cfg_path}")
    return report


def table(results: dict) -> str:
    lines = []
    if "squad" in results:
        s = results["squad"]
        lines.append(
            f"SQuAD 2.0 dev, {s['articles']} held-out articles ({s['questions']} q): EM {s['exact']:.1f} F1 {s['f1']:.1f} "
            f"HasAns EM {s['HasAns_exact']:.1f} F1 {s['HasAns_f1']:.1f} NoAns acc {s['NoAns_accuracy']:.1f} ({s['ms_per_question']:.0f} ms/q)"
        )
    for name, by in results.get("answers", {}).items():
        for answerer in ("similarity", "reader"):
            m = by.get(answerer)
            if m:
                lines.append(f"{name:22s} {answerer:10s} " + "  ".join(f"{k}={m[k]:.3f}" for k in KEYS if m.get(k) is not None))
    if "speed" in results:
        lines.append("speed: " + json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in results["speed"].items()}))
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("squad", "answers", "speed"))
    ap.add_argument("--calibrate", action="store_true", help="choose the threshold on dev data and write it into reader.json")
    ap.add_argument("--no-write", action="store_true", help="with --calibrate: only report")
    ap.add_argument("--no-baseline", action="store_true", help="skip the similarity answerer's side-by-side run")
    ap.add_argument("--squad-articles", type=int, help="score only this many held-out SQuAD articles (a smoke run)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results file (default: %(default)s)")
    args = ap.parse_args(argv)
    if args.calibrate:
        calibrate(write=not args.no_write)
        return 0
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    if args.only in (None, "squad"):
        results["squad"] = squad(Reader.shared(), args.squad_articles)
    if args.only in (None, "answers"):
        results["answers"] = answers(with_baseline=not args.no_baseline)
    if args.only in (None, "speed"):
        results["speed"] = speed()
        results["speed"]["cold_ask_s"] = cold_ask()
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
