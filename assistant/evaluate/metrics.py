"""``assistant eval``'s measurements: retrieval recall, answer correctness, refusals, citation
validity and latency, over any object with ``search``, ``ask`` and ``corpus_dir`` (an ``Assistant``).

Citation validity re-reads each cited document with the loader and checks that the quote is
exactly ``text[start:end]``; answer support counts a quote as supporting when most of its words
are in one of ClapNQ's gold sentences.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from ..errors import LoadError
from ..ingest import DocumentLoader
from ..schema import Answer, Passage
from .questions import EvalQuestion


class QA(Protocol):
    """What ``evaluate`` needs of the system under test."""

    corpus_dir: Path

    def search(self, query: str, k: int = 5) -> list[Passage]: ...

    def ask(self, question: str) -> Answer: ...


def _norm(s: str) -> str:
    return " ".join(re.sub(r"[^\w$%.]+", " ", s.lower()).split())


def contains_all(text: str, needles: Iterable[str]) -> bool:
    t = _norm(text)
    return all(_norm(n) in t for n in needles)


def _tokens(s: str) -> set[str]:
    return set(re.findall(r"\w+", s.lower()))


def supports(quote: str, supporting: list[str], min_overlap: float = 0.6) -> bool:
    """A quoted sentence supports the gold answer if most of its words are in a gold sentence."""
    q = _tokens(quote)
    if not q:
        return False
    return any(len(q & _tokens(s)) / len(q) >= min_overlap for s in supporting)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    i = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[i]


class CitationChecker:
    """Re-reads each cited document with the loader and checks ``text[start:end] == quote``."""

    def __init__(self, corpus: Path):
        self.corpus = corpus
        self._texts: dict[str, str | None] = {}
        self._loader = DocumentLoader()

    def valid(self, source: str, start: int, end: int, quote: str) -> bool:
        if source not in self._texts:
            try:
                self._texts[source] = self._loader.load(self.corpus / source, source).text
            except (LoadError, OSError):
                self._texts[source] = None
        text = self._texts[source]
        return text is not None and text[start:end] == quote

    def close(self) -> None:
        self._loader.close()


def is_gold(source: str, gold: str | list[str] | None) -> bool:
    """Whether a cited or retrieved source is (one of) the question's gold document(s)."""
    if gold is None:
        return True
    golds = [gold] if isinstance(gold, str) else gold
    return any(source == g or source.endswith("/" + g) for g in golds)


def evaluate(bot: QA, questions: Sequence[EvalQuestion], k: int = 5, progress: bool = False) -> dict[str, Any]:
    """Run every question through ``search`` and ``ask``; return the metrics and per-question rows."""
    checker = CitationChecker(bot.corpus_dir)
    r1 = r5 = mrr = 0.0
    n_ret = 0
    ans_ok = refused_ok = false_refusals = answered = gold_cited = correct = 0
    support_hits = support_total = 0
    cites_total = cites_valid = 0
    latencies: list[float] = []
    rows = []
    it = questions
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(questions, desc="Evaluating", unit="q")
    for q in it:
        row: dict[str, Any] = {"id": q.id, "question": q.question, "answerable": q.answerable}
        if q.gold_source:
            hits = bot.search(q.question, k=k)
            sources = [h.source for h in hits]
            rank = next((i + 1 for i, s in enumerate(sources) if is_gold(s, q.gold_source)), None)
            n_ret += 1
            r1 += rank == 1
            r5 += rank is not None and rank <= 5
            mrr += 1.0 / rank if rank else 0.0
            row["gold_rank"] = rank
        t0 = time.perf_counter()
        ans = bot.ask(q.question)
        latencies.append(time.perf_counter() - t0)
        row.update(grounded=ans.grounded, text=ans.text, short=ans.short, confidence=ans.confidence, cited=[c.source for c in ans.citations])
        for c in ans.citations:
            cites_total += 1
            cites_valid += checker.valid(c.source, c.start, c.end, c.quote)
        if q.answerable:
            if ans.grounded:
                ans_ok += 1
                answered += 1
                cited_gold = any(is_gold(c.source, q.gold_source) for c in ans.citations)
                gold_cited += cited_gold
                if q.answer_contains:
                    ok = cited_gold and contains_all(ans.text, q.answer_contains)
                    correct += ok
                    row["correct"] = ok
                if q.supporting:
                    for c in ans.citations:
                        support_total += 1
                        support_hits += supports(c.quote, q.supporting)
            else:
                false_refusals += 1
        else:
            refused_ok += not ans.grounded
        rows.append(row)
    checker.close()
    n = len(questions)
    n_ans = sum(q.answerable for q in questions)
    n_unans = n - n_ans
    n_contains = sum(1 for q in questions if q.answerable and q.answer_contains)
    metrics = {
        "questions": n,
        "answerable": n_ans,
        "unanswerable": n_unans,
        "retrieval_recall@1": r1 / n_ret if n_ret else None,
        "retrieval_recall@5": r5 / n_ret if n_ret else None,
        "retrieval_mrr": mrr / n_ret if n_ret else None,
        "refusal_accuracy": (ans_ok + refused_ok) / n if n else None,
        "answered_rate": ans_ok / n_ans if n_ans else None,
        "unanswerable_refused": refused_ok / n_unans if n_unans else None,
        "false_refusals": false_refusals,
        "gold_cited_when_answered": gold_cited / answered if answered else None,
        "answer_correct": correct / n_contains if n_contains else None,
        "answer_support": support_hits / support_total if support_total else None,
        "citation_validity": cites_valid / cites_total if cites_total else None,
        "citations": cites_total,
        "ask_latency_p50_ms": 1000 * statistics.median(latencies) if latencies else None,
        "ask_latency_p95_ms": 1000 * percentile(latencies, 95) if latencies else None,
    }
    return {"metrics": metrics, "rows": rows}


def format_metrics(m: dict[str, Any]) -> str:
    lines = []
    for key, val in m.items():
        if val is None:
            continue
        if isinstance(val, float):
            val = f"{val:.1f}" if key.endswith("_ms") else f"{val:.3f}"
        lines.append(f"{key:28s} {val}")
    return "\n".join(lines)
