"""Cited answers: pick the sentences that answer the question, cite each, or refuse honestly.

The default answerer is extractive: it scores the *sentences* inside the retrieved passages
(dense similarity to the question, coverage of the question's keywords, the passage's own
rank) and answers with the best one to three, each followed by ``[n]``. Quotes are exact
document text, so every citation can be checked. When the best evidence is weak the answer
is ``grounded=False`` and says the documents do not answer the question, instead of guessing.
Whether the evidence answers at all is decided in ``refusal.py``; what kind of answer a
question wants ("when" → a date) in ``answer_types.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from .answer_types import KIND_NAMES, TYPE_BONUS, AnswerKind
from .lexical import tokenize
from .refusal import is_answerable, refusal_features
from .types import Answer, Citation, Passage

if TYPE_CHECKING:
    from .core import Assistant

NOT_FOUND = "The documents do not answer this question."

_FOLLOW_UP = re.compile(
    r"^\s*(and|but|also|what about|how about|and what|what of|same for|then|so)\b|\b(it|its|they|them|their|this|that|these|those|he|she|his|her)\b",
    re.I,
)


@dataclass
class Evidence:
    """A candidate sentence with where it sits and how well it answers."""

    passage: Passage
    start: int  # offsets in the document
    end: int
    text: str
    dense: float = 0.0
    coverage: float = 0.0
    score: float = 0.0
    rank: int = 0  # rank of its passage
    kind: float = 0.5  # holds the kind of answer asked for (``AnswerKind.held_by``): 1, 0, or 0.5 if untyped


# ------------------------------------------------------------------ query building


def retrieval_query(question: str, history: Sequence[tuple[str, str]] | None) -> str:
    """The text to retrieve with: a follow-up borrows the previous question's words.

    "And what about batteries?" alone matches nothing useful; joined with the previous
    question ("How much will be invested in bioeconomy research?") it asks about investment
    in batteries.
    """
    if not history:
        return question
    prev_q = next((q for q, _ in reversed(history) if q and q.strip()), "")
    if not prev_q:
        return question
    words = re.findall(r"\w+", question)
    if len(words) <= 6 or _FOLLOW_UP.search(question):
        return f"{question} {prev_q}"
    return question


# ------------------------------------------------------------------ sentence scoring


_TERMINAL = re.compile(r"[.!?:;][\"'”’)\]]*$")
_BULLET = re.compile(r"^\s*([-*•+]|\d+[.)])\s")
_YEAR = re.compile(r"\b(1[5-9]|20)\d\d\b")
_ORDINAL = re.compile(r"\b\d+(st|nd|rd|th)\b", re.I)


def is_heading(text: str, before: str, after: str) -> bool:
    """A title or section heading: a short line of its own with no closing punctuation.

    Headings echo the question's topic ("Legal working age") without answering it, so they
    are context, never the quoted answer. ``before``/``after`` are the characters around the
    sentence ("" at a passage edge); list items ("- $2.5 billion for 5G") are not headings.
    """
    line = text.strip()
    if line.startswith("#"):
        return True
    if _TERMINAL.search(line) or _BULLET.match(line) or len(line.split()) > 12:
        return False
    # a table row or label with figures ("Net revenue $ 1,234") carries data; years and
    # ordinals ("The 1st ... Dialogue Held") do not
    if re.search(r"\d", _ORDINAL.sub("", _YEAR.sub("", line))):
        return False
    return before in ("", "\n") and after in ("", "\n")



def candidate_sentences(bot: "Assistant", passages: Sequence[Passage], max_passages: int = 5) -> tuple[list[Evidence], np.ndarray]:
    """Sentences of the top passages, each once (overlapping chunks repeat sentences), with
    their vectors from the index (pooled at index time: no model call here). Headings are
    left out: they name the topic, they do not answer."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Evidence] = []
    vecs: list[np.ndarray] = []
    sentences = bot.snapshot.sentences
    for rank, p in enumerate(passages[:max_passages]):
        starts, ends, v = sentences.for_chunk(p.chunk_id)
        for a, b, vec in zip(starts.tolist(), ends.tolist(), v):
            key = (p.source, a, b)
            if key in seen or not (p.start <= a < b <= p.end):
                continue
            seen.add(key)
            i, j = a - p.start, b - p.start
            before, after = p.text[:i].rstrip(" \t")[-1:], p.text[j:].lstrip(" \t")[:1]
            if is_heading(p.text[i:j], before, after):
                continue
            out.append(Evidence(p, a, b, p.text[i:j], rank=rank))
            vecs.append(vec)
    return out, (np.vstack(vecs) if vecs else np.zeros((0, 1), dtype="float32"))


def score_evidence(weights: Mapping[str, float], qvec: np.ndarray, cands: list[Evidence], vecs: np.ndarray, question: str = "") -> None:
    """Fill ``dense``, ``coverage`` and ``score`` of each candidate sentence.

    ``weights`` are the question's term weights (``term_weights``). A sentence that holds the
    kind of answer ``question`` asks for (a date for "when", an amount for "how much money",
    a new name for "who") gets ``TYPE_BONUS``: the sentence that restates the question's topic
    without the figure is the usual wrong pick.
    """
    if not cands:
        return
    dense = vecs @ qvec
    total = sum(weights.values()) or 1.0
    asked = AnswerKind.of(question)
    for e, d in zip(cands, dense):
        terms = set(tokenize(e.text))
        if e.rank == 0:
            terms |= set(tokenize(e.passage.title))
        e.dense = float(d)
        e.coverage = sum(w for t, w in weights.items() if t in terms) / total
        brevity = -0.08 if len(e.text.split()) < 5 else 0.0
        e.score = 0.55 * e.dense + 0.35 * e.coverage + 0.10 * (1.0 / (1 + e.rank)) + brevity
        if asked.kind is not None:
            e.kind = asked.held_by(e.text)
            e.score += TYPE_BONUS * e.kind


def term_weights(bot: "Assistant", text: str) -> dict[str, float]:
    """IDF weight of each content term of ``text``; 0 for a term the corpus never uses."""
    terms = list(dict.fromkeys(tokenize(text)))
    if not terms:
        return {}
    lex = bot.snapshot.lexical
    idf = lex.idf(terms) if len(lex) else np.ones(len(terms))
    return {t: float(w) for t, w in zip(terms, idf)}


# ------------------------------------------------------------------ composing


def _near_duplicate(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    if not ta or not tb:
        return a.strip() == b.strip()
    return len(ta & tb) / min(len(ta), len(tb)) >= 0.7


def select_sentences(cands: list[Evidence], max_sentences: int = 3, margin: float = 0.08) -> list[Evidence]:
    """The best sentence, plus up to two more that are nearly as good and add something new."""
    ranked = sorted(cands, key=lambda e: e.score, reverse=True)
    if not ranked:
        return []
    chosen = [ranked[0]]
    for e in ranked[1:]:
        if len(chosen) >= max_sentences or e.score < ranked[0].score - margin:
            break
        if any(_near_duplicate(e.text, c.text) for c in chosen):
            continue
        if any(e.passage.source == c.passage.source and not (e.end <= c.start or e.start >= c.end) for c in chosen):
            continue
        chosen.append(e)
    return chosen


def _one_line(text: str) -> str:
    return " ".join(text.split())


def build_citations(chosen: list[Evidence]) -> list[Citation]:
    cites = []
    for n, e in enumerate(chosen, 1):
        p = e.passage
        cites.append(
            Citation(
                n=n,
                source=p.source,
                title=p.title,
                page=p.page,
                quote=e.text,
                start=e.start,
                end=e.end,
                score=round(e.score, 4),
                context=p.text,
                context_start=p.start,
            )
        )
    return cites


@dataclass
class EvidenceSet:
    """Everything the answerers and the refusal calibration need for one question."""

    query: str
    passages: list[Passage]
    candidates: list[Evidence]
    best: Evidence | None
    features: dict[str, float]


def gather_evidence(
    bot: "Assistant",
    question: str,
    history: Sequence[tuple[str, str]] | None = None,
    k: int = 8,
    where: Mapping[str, Any] | None = None,
) -> EvidenceSet:
    """Retrieve passages for the question and score their sentences."""
    query = retrieval_query(question, history)
    qvec = bot.embedder.encode([query])[0]
    passages = bot.retriever().run(query, k=k, where=where, query_vector=qvec)
    cands, vecs = candidate_sentences(bot, passages)
    if not cands:
        return EvidenceSet(query, passages, cands, None, {})
    if query == question:
        weights = term_weights(bot, question)
        score_evidence(weights, qvec, cands, vecs, question)
        best = max(cands, key=lambda e: e.score)
        return EvidenceSet(query, passages, cands, best, refusal_features(bot, question, weights, qvec, best, cands, passages))
    # A follow-up: the conversation finds the passages, but the sentence to quote is the one
    # about what is asked now ("And what about batteries?" -> the battery sentence) ...
    focus = qvec + bot.embedder.encode([question])[0]
    score_evidence(term_weights(bot, question), focus / max(float(np.linalg.norm(focus)), 1e-12), cands, vecs, question)
    best = cands.index(max(cands, key=lambda e: e.score))
    # ... while whether it answers is judged on the whole question the conversation asks
    # ("which institutes ... quantum" + "and batteries?"): the bare words are too short to judge.
    judged = [replace(e) for e in cands]
    weights = term_weights(bot, query)
    score_evidence(weights, qvec, judged, vecs, query)
    features = refusal_features(bot, query, weights, qvec, judged[best], judged, passages)
    return EvidenceSet(query, passages, cands, cands[best], features)


def extractive_answer(
    bot: "Assistant",
    question: str,
    history: Sequence[tuple[str, str]] | None = None,
    k: int = 8,
    where: Mapping[str, Any] | None = None,
) -> tuple[Answer, list[Passage]]:
    """The offline answer, and the passages it was drawn from (the LLM answerer reuses them)."""
    ev = gather_evidence(bot, question, history, k, where)
    if ev.best is None:
        return Answer(NOT_FOUND + " No passage in the indexed documents matches it.", grounded=False), ev.passages
    if not is_answerable(ev.features):
        text = NOT_FOUND + " The closest passages are listed as related, but they do not contain the answer."
        return Answer(text, grounded=False, related=ev.passages[:3]), ev.passages
    chosen = select_sentences(ev.candidates)
    if chosen[0].kind == 0.0:  # 0.5 when the question asks for no particular kind
        # "How many students ...?" led by a sentence with no number is not answered (a "two
        # countries" in a runner-up sentence does not make it one)
        text = NOT_FOUND + f" The closest passages are on topic but give no {KIND_NAMES[AnswerKind.of(question).kind]}; they are listed as related."
        return Answer(text, grounded=False, related=ev.passages[:3]), ev.passages
    cites = build_citations(chosen)
    text = " ".join(f"{_one_line(e.text)} [{c.n}]" for e, c in zip(chosen, cites))
    return Answer(text, cites, grounded=True), ev.passages


def answer_question(
    bot: "Assistant",
    question: str,
    history: Sequence[tuple[str, str]] | None = None,
    k: int = 8,
    where: Mapping[str, Any] | None = None,
) -> Answer:
    """Answer with the LLM when one is configured (checked, with fallback), else extractively."""
    if not question or not question.strip():
        return Answer("Please ask a question.", grounded=False)
    ans, passages = extractive_answer(bot, question, history, k, where)
    if bot.llm_url and passages:
        from .llm import llm_answer

        return llm_answer(bot, question, history, passages, fallback=ans)
    return ans
