"""Analyst questions, scored by kind: lists, named sources, context-then-question, why, how, several parts.

    .venv/bin/python -m benchmarks.analyst_bench                 # the development set (tune on this)
    .venv/bin/python -m benchmarks.analyst_bench --set blind5    # the blind set: run once, at the end

Questions are asked over the seeds + cooperation documents (``benchmarks.retrieval_bench.coop_corpus``).
What counts as right, by kind:

* ``list``, ``named-source``, ``context``, ``why``, ``how``, ``multi-part``: answered, citing the gold
  document (every part's gold document for a multi-part question), with every answer word in the
  answer text: every item of a list, every part of a multi-part question;
* ``multi-part-partial``: the part the documents give is answered as above, and the answer says that
  the other part is not in the documents (``Answer.parts``): never half an answer presented as whole;
* ``near-miss``: refused.

Also reported: citation validity (every quote is exact document text) and ``ask()`` p50/p95.
Results go to ``benchmarks/results/analyst.json`` under the set's name.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

import assistant  # noqa: F401  (offline environment)
from assistant.core import Assistant
from assistant.evaluate import read_jsonl
from assistant.evaluate.metrics import CitationChecker, contains_all, is_gold, percentile
from assistant.schema import Answer
from benchmarks.retrieval_bench import CACHE, coop_corpus

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "benchmarks" / "questions"
# "blind" to "blind4" were each run once and are spent (development data since); "blind5" (40 questions, the
# same kinds, written before the changes it measures) is the next final run
SETS = {
    "dev": QUESTIONS / "analyst_dev.jsonl",
    "blind": QUESTIONS / "analyst_questions_blind.jsonl",
    "blind2": QUESTIONS / "analyst_questions_blind2.jsonl",
    "blind3": QUESTIONS / "analyst_questions_blind3.jsonl",
    "blind4": QUESTIONS / "analyst_questions_blind4.jsonl",
    "blind5": QUESTIONS / "analyst_questions_blind5.jsonl",
}
RESULTS = ROOT / "benchmarks" / "results" / "analyst.json"


def _answer_text(ans: Answer) -> str:
    """Everything the user reads: the answer, the short answer and each part's."""
    parts = [ans.text, ans.short or "", *ans.items]
    parts += [f"{p.text} {p.short or ''}" for p in ans.parts]
    return " ".join(parts)


def _cites_gold(ans: Answer, gold) -> bool:
    golds = gold if isinstance(gold, list) else [gold]
    cited = [c.source for c in ans.citations]
    return all(any(is_gold(s, g) for s in cited) for g in golds)


def judge(row: dict, ans: Answer) -> bool:
    """Whether ``ans`` is right for the question ``row`` (see the module docstring)."""
    kind = row["kind"]
    if kind == "near-miss":
        return not ans.grounded
    if not ans.grounded:
        return False
    if kind == "multi-part-partial":
        given = [p for p in row["parts"] if p.get("answered")]
        missing = [p for p in row["parts"] if not p.get("answered")]
        said_missing = len([p for p in ans.parts if not p.grounded]) >= len(missing)
        return said_missing and all(_cites_gold(ans, p["gold_doc"]) and contains_all(_answer_text(ans), p["answer_words"]) for p in given)
    return _cites_gold(ans, row["gold_doc"]) and contains_all(_answer_text(ans), row["answer_words"])


def run(name: str) -> dict:
    rows = read_jsonl(SETS[name])
    corpus = coop_corpus()
    bot = Assistant(corpus, CACHE / "indexes" / "coop-assistant")
    checker = CitationChecker(corpus)
    bot.ask("warm up: who co-chaired the dialogue?")
    by_kind: dict[str, list[bool]] = defaultdict(list)
    latencies, out_rows = [], []
    valid = total = 0
    for row in rows:
        t0 = time.perf_counter()
        ans = bot.ask(row["question"])
        latencies.append(time.perf_counter() - t0)
        ok = judge(row, ans)
        by_kind[row["kind"]].append(ok)
        for c in ans.citations:
            total += 1
            valid += checker.valid(c.source, c.start, c.end, c.quote)
        out_rows.append(
            {
                "id": row["id"],
                "kind": row["kind"],
                "right": ok,
                "grounded": ans.grounded,
                "short": ans.short,
                "parts": [{"question": p.question, "grounded": p.grounded, "short": p.short} for p in ans.parts],
                "cited": sorted({c.source for c in ans.citations}),
                "text": ans.text[:400],
            }
        )
    checker.close()
    kinds = {k: {"right": sum(v) / len(v), "n": len(v)} for k, v in sorted(by_kind.items())}
    answerable = [ok for k, v in by_kind.items() if k != "near-miss" for ok in v]
    return {
        "questions": len(rows),
        "right": sum(r["right"] for r in out_rows) / len(rows),
        "answerable_right": sum(answerable) / len(answerable),
        "near_miss_refused": kinds.get("near-miss", {}).get("right"),
        "by_kind": kinds,
        "citation_validity": valid / total if total else None,
        "ask_p50_ms": 1000 * statistics.median(latencies),
        "ask_p95_ms": 1000 * percentile(latencies, 95),
        "rows": out_rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=sorted(SETS), default="dev")
    ap.add_argument("--label", default=None, help="store the run under this name (default: the set's)")
    args = ap.parse_args()
    res = run(args.set)
    for r in res["rows"]:
        print(
            f"{'ok ' if r['right'] else 'XX '} {r['id']:5s} {r['kind']:19s} {'ans' if r['grounded'] else 'ref'} {r['short']!s:.60} | {r['text'][:110]}"
        )
    print(json.dumps({k: v for k, v in res.items() if k != "rows"}, indent=1))
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    old[args.label or args.set] = res
    RESULTS.write_text(json.dumps(old, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
