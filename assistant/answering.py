"""Cited answers: the reader decides whether and where the retrieved passages answer.

The trained reader (``reader.py``) reads the question together with each of the top retrieved
passages and gives the probability that the passage answers it and the answer span. The answer
quotes the whole sentence around the best span, exactly as it stands in the document, with
``[n]`` after it; ``Answer.short`` is the span itself. When no passage clears the reader's
threshold (chosen on development data, stored with the model) the answer says the documents do
not answer the question, with the closest passages as related, instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .chunking import split_sentences
from .lexical import tokenize
from .retrieval import Retriever
from .types import Answer, Citation, Passage

if TYPE_CHECKING:
    from .core import Assistant

NOT_FOUND = "The documents do not answer this question."

_FOLLOW_UP = re.compile(
    r"^\s*(and|but|also|what about|how about|and what|what of|same for|then|so)\b|\b(it|its|they|them|their|this|that|these|those|he|she|his|her)\b",
    re.I,
)


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


# ------------------------------------------------------------------ headings


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



# ------------------------------------------------------------------ composing


def _near_duplicate(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    if not ta or not tb:
        return a.strip() == b.strip()
    return len(ta & tb) / min(len(ta), len(tb)) >= 0.7


def _one_line(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------ the reader


def quotable_sentences(sentences, p: Passage) -> list[tuple[int, int]]:
    """(start, end) document offsets of the passage's sentences, headings left out.

    Sentence spans come from the index (split at index time); the answer span the reader
    picks must lie inside one of them, so a quote is always whole sentences of document text.
    """
    starts, ends, _ = sentences.for_chunk(p.chunk_id) if p.chunk_id >= 0 else ((), (), None)
    spans = list(zip(list(starts), list(ends))) or [(p.start + a, p.start + b) for a, b in split_sentences(p.text)]
    out = []
    for a, b in spans:
        a, b = int(a), int(b)
        if not (p.start <= a < b <= p.end):
            continue
        i, j = a - p.start, b - p.start
        before, after = p.text[:i].rstrip(" \t")[-1:], p.text[j:].lstrip(" \t")[:1]
        if not is_heading(p.text[i:j], before, after):
            out.append((a, b))
    return out


@dataclass
class Read:
    """The reader's verdict on one text it read: a passage, or a window of one."""

    passage: Passage
    offset: int  # document offset of the text read
    sentences: list[tuple[int, int]]  # quotable sentences in it (document offsets)
    probability: float = 0.0
    start: int = -1  # the answer span, document offsets
    end: int = -1

    def quote(self) -> tuple[int, int]:
        """Whole sentences around the answer span."""
        inside = [(a, b) for a, b in self.sentences if a < self.end and b > self.start]
        return (inside[0][0], inside[-1][1]) if inside else (self.start, self.end)


def _follow_up_topic(question: str, history: Sequence[tuple[str, str]] | None) -> tuple[str, set[str]]:
    """For a follow-up, the question the reader reads and the words of its new topic.

    "And what about semiconductors?" after "How much money will go to bioeconomy research?"
    is read as the two joined, and only sentences that name the new topic ("semiconductor")
    may answer it: the previous answer's sentence must not answer the new question.
    """
    query = retrieval_query(question, history)
    if query == question:
        return question, set()
    prev = query[len(question):].strip()
    new = set(tokenize(question)) - set(tokenize(prev))
    return f"{prev} {question}", new


def read_passages(reader, sentences, question: str, passages: Sequence[Passage], topic: set[str], n_read: int) -> list[Read]:
    """Run the reader over the top passages (or, for a follow-up, the windows naming its topic)."""
    reads: list[Read] = []
    for p in passages[:n_read]:
        quotable = quotable_sentences(sentences, p)
        if not quotable:
            continue
        if not topic:
            reads.append(Read(p, p.start, quotable))
            continue
        for n, (a, b) in enumerate(quotable):
            if topic & set(tokenize(p.text[a - p.start:b - p.start])):
                lo = quotable[max(0, n - 1)][0]
                reads.append(Read(p, lo, [(a, b)]))
    if not reads:
        return []
    texts = [r.passage.text[r.offset - r.passage.start:(r.sentences[-1][1] if topic else r.passage.end) - r.passage.start] for r in reads]
    allowed = [[(a - r.offset, b - r.offset) for a, b in r.sentences] for r in reads]
    for r, got in zip(reads, reader.read(question, texts, allowed)):
        r.probability = got.probability
        if got.start >= 0:
            r.start, r.end = r.offset + got.start, r.offset + got.end
    return reads


def compose(reads: list[Read], threshold: float, max_citations: int = 2, margin: float = 0.15) -> tuple[str, list[Citation], str]:
    """The answer text, its citations and the short answer, from the reads above the threshold.

    The most probable read leads; another that clears the threshold too, nearly as probable and
    quoting other text, is added (two facts in two sentences)."""
    ranked = sorted((r for r in reads if r.probability >= threshold and r.start >= 0), key=lambda r: -r.probability)
    chosen: list[tuple[Read, int, int, str]] = []  # read, quote start, end, quote text
    for r in ranked:
        if len(chosen) >= max_citations or r.probability < ranked[0].probability - margin:
            break
        a, b = r.quote()
        text = r.passage.text[a - r.passage.start:b - r.passage.start]
        if any(c.passage.source == r.passage.source and not (b <= ca or a >= cb) for c, ca, cb, _ in chosen):
            continue
        if any(_near_duplicate(text, ct) for *_, ct in chosen):
            continue
        chosen.append((r, a, b, text))
    cites = [
        Citation(n=n, source=r.passage.source, title=r.passage.title, page=r.passage.page, quote=text, start=a, end=b,
                 score=round(r.probability, 4), context=r.passage.text, context_start=r.passage.start,
                 answer_start=r.start, answer_end=r.end)
        for n, (r, a, b, text) in enumerate(chosen, 1)
    ]
    answer_text = " ".join(f"{_one_line(c.quote)} [{c.n}]" for c in cites)
    short = ""
    if chosen:
        lead = chosen[0][0]
        short = lead.passage.text[lead.start - lead.passage.start:lead.end - lead.passage.start]
    return answer_text, cites, short


def reader_answer(
    bot: "Assistant",
    question: str,
    history: Sequence[tuple[str, str]] | None = None,
    k: int = 8,
    where: Mapping[str, Any] | None = None,
) -> tuple[Answer, list[Passage]]:
    """Retrieve, let the reader read the best passages, answer from its most probable span or refuse."""
    snap = bot.snapshot  # one snapshot for the whole question, even if an update swaps it meanwhile
    query = retrieval_query(question, history)
    qvec = bot.embedder.encode([query])[0]
    passages = Retriever(snap, bot.embedder, bot.fusion).run(query, k=k, where=where, query_vector=qvec)
    if not passages:
        return Answer(NOT_FOUND + " No passage in the indexed documents matches it.", grounded=False), passages
    reader = bot.reader
    read_q, topic = _follow_up_topic(question, history)
    reads = read_passages(reader, snap.sentences, read_q, passages, topic, bot.settings.reader_passages)
    if topic and not any(r.probability >= reader.threshold and r.start >= 0 for r in reads):
        reads = read_passages(reader, snap.sentences, read_q, passages, set(), bot.settings.reader_passages)
    # only a read with an answer span can answer (a passage whose sentences are all headings has none)
    best = max((r.probability for r in reads if r.start >= 0), default=0.0)
    if best < reader.threshold:
        text = NOT_FOUND + " The closest passages are listed as related, but they do not contain the answer."
        return Answer(text, grounded=False, related=passages[:3], confidence=round(best, 4)), passages
    text, cites, short = compose(reads, reader.threshold, bot.settings.reader_citations)
    return Answer(text, cites, grounded=True, short=short, confidence=round(best, 4)), passages


def answer_question(
    bot: "Assistant",
    question: str,
    history: Sequence[tuple[str, str]] | None = None,
    k: int = 8,
    where: Mapping[str, Any] | None = None,
) -> Answer:
    """Answer with the LLM when one is configured (checked, with fallback), else with the reader."""
    if not question or not question.strip():
        return Answer("Please ask a question.", grounded=False)
    ans, passages = reader_answer(bot, question, history, k, where)
    if bot.llm_url and passages:
        from .llm import llm_answer

        return llm_answer(bot, question, history, passages, fallback=ans)
    return ans
