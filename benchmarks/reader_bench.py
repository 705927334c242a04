"""The reader measured: SQuAD 2.0 held-out articles, and whole-assistant answers on every question set.

    .venv/bin/python -m benchmarks.reader_bench                 # everything (about 15 min on 2 cores)
    .venv/bin/python -m benchmarks.reader_bench --only squad    # one part: squad | answers | speed
    .venv/bin/python -m benchmarks.reader_bench --calibrate     # choose the answer threshold on dev data

* ``squad``: the shipped reader on the SQuAD 2.0 dev articles it was not trained on
  (``training/data.py:split_squad2``), one question + its paragraph at a time, answered when
  the answer decision says so (and, for comparison, when the reader's probability alone clears
  its threshold); scored by the official ``evaluate-v2.0.py`` (EM, F1, HasAns, NoAns).
* ``answers``: ``assistant eval`` metrics for the seed questions, both blind seed sets, the
  cooperation questions, their holdout and blind sets, the near-miss pairs, the analyst blind set
  and ClapNQ test, with the current answerer and the earlier ones side by side in the same run:
  the first trained reader (``reader v1``) and the similarity answerer, each from its own commit
  (``benchmarks/baseline.py``; ``--no-baseline`` skips them).
* ``speed``: ``ask()`` p50/p95 with the default k on the seed corpus, word pieces the reader
  scores per question, reader time per passage.
* ``--calibrate``: ``benchmarks/decision_fit.py``: the reader's threshold and the answer decision
  (probability + checks), fitted on the development sets only — the seed and cooperation
  questions, the near-miss pairs and ClapNQ dev — and written into ``reader.json``.

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
from assistant.answer.checks import Checks, run_checks
from assistant.answer.reader import Reader
from assistant.core import Assistant
from assistant.evaluate import clapnq_corpus, evaluate, parse_questions, read_jsonl
from assistant.settings import Settings
from assistant.text.sentences import split_sentences
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
    ("near-miss dev", QUESTIONS / "near_miss_dev.jsonl"),
    ("analyst blind", QUESTIONS / "analyst_blind.jsonl"),
    ("ClapNQ test", CLAPNQ / "test.jsonl"),
]
DEV_SETS = [SEEDS, ("cooperation", QUESTIONS / "coop_questions.jsonl"), ("ClapNQ dev", CLAPNQ / "dev.jsonl")]


def _corpus(path: Path) -> tuple[str, Path]:
    """(name, folder) of the corpus a question set is asked over."""
    if path.parent == CLAPNQ:
        return "clapnq", clapnq_corpus(CLAPNQ / "passages.jsonl", Settings.from_env().cache_dir)
    if path.name.startswith(("coop", "near_miss", "analyst")):
        return "coop", coop_corpus()
    return "seeds", ROOT / "docs_corpus"


def _bot(path: Path) -> Assistant:
    name, corpus = _corpus(path)
    return Assistant(corpus, CACHE / "indexes" / f"{name}-assistant")


# --------------------------------------------------------------------------- SQuAD 2.0


def _squad_checks(question: str, context: str, start: int, end: int) -> Checks:
    """The decision's checks on a SQuAD paragraph: the span's sentence, the one before, no title."""
    sents = split_sentences(context) or [(0, len(context))]
    n = next((i for i, (a, b) in enumerate(sents) if a <= start < b), len(sents) - 1)
    before = context[sents[n - 1][0] : sents[n - 1][1]] if n else ""
    return run_checks(question, context[start:end], context[sents[n][0] : sents[n][1]], before, "")


def _score(kept: list[dict], preds: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        gold = Path(tmp) / "gold.json"
        gold.write_text(json.dumps({"version": "v2.0", "data": kept}))
        pred = Path(tmp) / "pred.json"
        pred.write_text(json.dumps(preds))
        out = subprocess.run([sys.executable, str(SQUAD2 / "evaluate-v2.0.py"), str(gold), str(pred)], capture_output=True, text=True, check=True)
    scores = json.loads(out.stdout)
    return {
        "exact": scores["exact"],
        "f1": scores["f1"],
        "HasAns_exact": scores.get("HasAns_exact"),
        "HasAns_f1": scores.get("HasAns_f1"),
        "NoAns_accuracy": scores.get("NoAns_exact"),
    }


def squad(reader: Reader, articles: int | None = None) -> dict:
    """The official scorer over the held-out articles (the first ``articles`` of them, if given):
    answered when the decision the assistant uses says so (``decision``), and — for comparison —
    when the reader's probability alone clears its threshold (``probability_only``)."""
    from training.data import split_squad2

    _, heldout = split_squad2()
    data = json.loads((SQUAD2 / "dev-v2.0.reconstructed.json").read_text())
    kept = [a for a in data["data"] if a["title"] in set(heldout)][:articles]
    decide = reader.decision
    preds, alone = {}, {}
    t0 = time.perf_counter()
    n = 0
    for art in kept:
        for p in art["paragraphs"]:
            for q in p["qas"]:
                [r] = reader.read(q["question"], [p["context"]])
                span = p["context"][r.start : r.end] if r.start >= 0 else ""
                alone[q["id"]] = span if r.probability >= reader.threshold else ""
                ok = r.start >= 0 and decide.score(r.probability, _squad_checks(q["question"], p["context"], r.start, r.end)) >= decide.threshold
                preds[q["id"]] = span if ok else ""
                n += 1
    seconds = time.perf_counter() - t0
    return {
        "articles": len(kept),
        "questions": n,
        "threshold": decide.threshold,
        **_score(kept, preds),
        "probability_only": {"threshold": reader.threshold, **_score(kept, alone)},
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
            for label, commit in baseline.BASELINES.items():
                runs.append((label, lambda commit=commit: baseline.run(corpus, CACHE / "indexes" / f"{cname}-assistant", qs, CACHE, commit)))
        for answerer, make in runs:
            try:
                bot = make()
            except baseline.BaselineUnavailable as e:
                print(f"  baseline unavailable: {e}", file=sys.stderr)
                continue
            res = evaluate(bot, qs)
            if answerer in baseline.BASELINES:
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
    """The reader's own threshold and the answer decision, both chosen on development data only
    (``benchmarks/decision_fit.py``)."""
    from benchmarks import decision_fit

    return decision_fit.run(Reader.shared(), write)


def table(results: dict) -> str:
    lines = []
    if "squad" in results:
        s = results["squad"]
        lines.append(
            f"SQuAD 2.0 dev, {s['articles']} held-out articles ({s['questions']} q): EM {s['exact']:.1f} F1 {s['f1']:.1f} "
            f"HasAns EM {s['HasAns_exact']:.1f} F1 {s['HasAns_f1']:.1f} NoAns acc {s['NoAns_accuracy']:.1f} ({s['ms_per_question']:.0f} ms/q)"
        )
        if "probability_only" in s:
            po = s["probability_only"]
            lines.append(
                f"  probability alone (threshold {po['threshold']}): EM {po['exact']:.1f} F1 {po['f1']:.1f} NoAns acc {po['NoAns_accuracy']:.1f}"
            )
    for name, by in results.get("answers", {}).items():
        for answerer in ("similarity", "reader v1", "reader"):
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
