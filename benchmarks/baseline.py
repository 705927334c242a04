"""Earlier answerers, each run from its own commit, for side-by-side figures.

* ``similarity`` (``COMMIT``): sentence scores from cosine, keyword coverage and hand-set weights,
  a four-feature logistic refusal and answer-type rules; deleted when the trained reader replaced it.
* ``reader v1`` (``READER_V1``): the first trained reader (one CPU epoch) deciding on its
  probability alone; replaced by the reader trained further with near-miss negatives and the
  decision that checks what was asked.

To keep measuring them in the same run as the current answerer, this module checks the commit
out into a git worktree, asks it every question in a subprocess (its package first on
``PYTHONPATH``) and replays its answers into ``assistant.evaluate.evaluate``, so all are scored by
the same code. Needs the repository's history (``git``); without it the baselines are skipped.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from assistant.evaluate import EvalQuestion
from assistant.evaluate.metrics import percentile
from assistant.schema import Answer, Citation, Passage

ROOT = Path(__file__).resolve().parents[1]
COMMIT = "1e162ee"  # "Answer kind worked out once per question ...": the last commit before the reader
READER_V1 = "ef49dab"  # the last commit with the one-epoch reader and its probability threshold
BASELINES = {"similarity": COMMIT, "reader v1": READER_V1}

_ASK = r"""
import json, sys, time
from assistant import Assistant
corpus, index = sys.argv[1], sys.argv[2]
bot = Assistant(corpus, index)
for line in sys.stdin:
    q = json.loads(line)
    hits = [h.to_dict() for h in bot.search(q["question"], k=5)] if q["retrieve"] else []
    t0 = time.perf_counter()
    ans = bot.ask(q["question"])
    seconds = time.perf_counter() - t0
    print(json.dumps({"question": q["question"], "hits": hits, "answer": ans.to_dict(), "seconds": seconds}), flush=True)
"""


class BaselineUnavailable(RuntimeError):
    pass


def worktree(cache: Path, commit: str = COMMIT) -> Path:
    """A checkout of a baseline commit under ``cache`` (made once)."""
    path = cache / f"baseline-{commit}"
    if (path / "assistant" / "__init__.py").is_file():
        return path
    try:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-f", "--detach", str(path), commit], check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as e:
        raise BaselineUnavailable(f"cannot check out {commit}: {getattr(e, 'stderr', e)}") from e
    return path


class ReplayBot:
    """Looks like an ``Assistant`` to ``evaluate``: answers and hits recorded from the baseline."""

    def __init__(self, corpus_dir: Path, records: list[dict]):
        self.corpus_dir = corpus_dir
        self._by_q = {r["question"]: r for r in records}
        self.seconds = [r["seconds"] for r in records]

    def search(self, query: str, k: int = 5, where=None) -> list[Passage]:
        return [Passage(**h) for h in self._by_q[query]["hits"][:k]]

    def ask(self, question: str, history=None, **kw) -> Answer:
        d = dict(self._by_q[question]["answer"])
        d["citations"] = [Citation(**c) for c in d.get("citations", [])]
        d["related"] = [Passage(**p) for p in d.get("related", [])]
        return Answer(**{k: v for k, v in d.items() if k in Answer.__dataclass_fields__})


def run(corpus: Path, index: Path, questions: list[EvalQuestion], cache: Path, commit: str = COMMIT) -> ReplayBot:
    """Ask the baseline at ``commit`` every question over ``corpus`` (its own index at ``index``)."""
    wt = worktree(cache, commit)
    env = {**os.environ, "PYTHONPATH": str(wt)}
    stdin = "".join(json.dumps({"question": q.question, "retrieve": bool(q.gold_source)}) + "\n" for q in questions)
    out = subprocess.run([sys.executable, "-c", _ASK, str(corpus), str(index)], input=stdin, capture_output=True, text=True, cwd=wt, env=env)
    if out.returncode != 0:
        raise BaselineUnavailable(out.stderr[-2000:])
    return ReplayBot(corpus, [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")])


def fix_latency(metrics: dict, bot: ReplayBot) -> dict:
    """``evaluate`` timed the replay; report the baseline's own ``ask()`` times instead."""
    metrics["ask_latency_p50_ms"] = 1000 * statistics.median(bot.seconds) if bot.seconds else None
    metrics["ask_latency_p95_ms"] = 1000 * percentile(bot.seconds, 95) if bot.seconds else None
    return metrics
