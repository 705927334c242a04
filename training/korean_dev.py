"""The Korean development questions run through the whole assistant: the multilingual reader's threshold.

The multilingual reader (``training/train_reader.py --multilingual``) chooses its answer threshold here, on
``benchmarks/questions/korean_questions.jsonl`` and ``korean_questions_en.jsonl`` over the 30 Korean
documents of ``../shared/eval/korean/docs`` (never on the blind set)::

    .venv/bin/python -m training.korean_dev      # prints the curve, writes the threshold
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.settings import PROJECT_ROOT

KO_DOCS = PROJECT_ROOT.parent / "shared" / "eval" / "korean" / "docs"
QUESTIONS = PROJECT_ROOT / "benchmarks" / "questions"
DEV_SETS = ("korean_questions.jsonl", "korean_questions_en.jsonl")


def dev_assistant() -> tuple[object, Callable[[], None]]:
    """An assistant over a temporary copy of the Korean documents, and how to remove it."""
    from assistant import Assistant

    base = Path(tempfile.mkdtemp(prefix="korean-dev-"))
    corpus = base / "corpus"
    corpus.mkdir()
    for p in KO_DOCS.glob("*.md"):
        shutil.copy(p, corpus / p.name)
    return Assistant(corpus_dir=corpus, index_dir=base / "index"), lambda: shutil.rmtree(base, ignore_errors=True)


def scored_rows(bot, name: str) -> list[tuple[float, bool, bool]]:
    """(confidence, answerable, answered correctly if answered) per question of one dev set."""
    from assistant.evaluate import evaluate, parse_questions, read_jsonl

    rows = evaluate(bot, parse_questions(read_jsonl(QUESTIONS / name)))["rows"]
    return [(r.get("confidence") or 0.0, bool(r["answerable"]), bool(r.get("correct"))) for r in rows]


def curve(scored, t: float) -> tuple[float, float, float]:
    """(answered correctly, answered wrongly) of the answerable, refused of the unanswerable, at t."""
    pos = [s for s in scored if s[1]]
    neg = [s for s in scored if not s[1]]
    ok = sum(c >= t and right for c, _, right in pos) / max(1, len(pos))
    wrong = sum(c >= t and not right for c, _, right in pos) / max(1, len(pos))
    return ok, wrong, sum(c < t for c, _, _ in neg) / max(1, len(neg))


def best_threshold(scored) -> tuple[float, float]:
    """The threshold maximising the mean of answered-correctly and unanswerable-refused, and that mean."""
    grid = np.round(np.arange(0.05, 0.99, 0.01), 2)

    def bal(t):
        ok, _, ref = curve(scored, t)
        return (ok + ref) / 2

    t = float(max(grid, key=lambda t: (bal(t), -t)))
    return t, round(bal(t), 3)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.parse_args(argv)
    from assistant.answer import multilingual_reader

    bot, cleanup = dev_assistant()
    try:
        # the shared reader the assistant answers with: answer everything, decide afterwards
        bot.korean_reader.threshold = 0.01
        out, scores = {}, {}
        for name in DEV_SETS:
            scored = scores[name] = scored_rows(bot, name)
            for t in (0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
                ok, wrong, ref = curve(scored, t)
                print(f"{name} t={t:.2f}: correct {ok:.3f}, wrong {wrong:.3f}, unanswerable refused {ref:.3f}")
            out[name] = best_threshold(scored)
            print(f"{name}: best {out[name]}")
        # one threshold for both directions (the cross-encoder reads the pair, whatever its languages)
        both = scores[DEV_SETS[0]] + scores[DEV_SETS[1]]
        t, bal = best_threshold(both)
        path = multilingual_reader.MODEL_DIR / "reader.json"
        cfg = json.loads(path.read_text(encoding="utf-8"))
        cfg["threshold"] = t
        cfg["calibration"] = {"on": [f"benchmarks/questions/{n}" for n in DEV_SETS], "balanced": bal, "per_set": out}
        path.write_text(json.dumps(cfg, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"threshold {t} (balanced {bal}) written to {path}")
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
