"""From reader verdicts to quotes: whole sentences of exact document text, with ``[n]`` after each.

The reader picks an answer span; the quote is the whole sentence (or sentences) around it, as
stored at index time, so ``document_text[start:end] == quote`` always holds. Headings are never
quoted (``text.headings``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..index.sentences import SentenceVectors
from ..schema import Citation, Passage
from ..text.headings import is_heading
from ..text.keywords import tokenize
from ..text.sentences import split_sentences
from .reader import Reader

NEAR_DUPLICATE = 0.7  # share of the shorter quote's keywords in the other: the same fact twice


def _near_duplicate(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    if not ta or not tb:
        return a.strip() == b.strip()
    return len(ta & tb) / min(len(ta), len(tb)) >= NEAR_DUPLICATE


def _one_line(text: str) -> str:
    return " ".join(text.split())


def quotable_sentences(sentences: SentenceVectors, p: Passage) -> list[tuple[int, int]]:
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


def read_passages(reader: Reader, sentences: SentenceVectors, question: str, passages: Sequence[Passage], topic: set[str], n_read: int) -> list[Read]:
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
            if topic & set(tokenize(p.text[a - p.start : b - p.start])):
                lo = quotable[max(0, n - 1)][0]
                reads.append(Read(p, lo, [(a, b)]))
    if not reads:
        return []
    texts = [r.passage.text[r.offset - r.passage.start : (r.sentences[-1][1] if topic else r.passage.end) - r.passage.start] for r in reads]
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
        text = r.passage.text[a - r.passage.start : b - r.passage.start]
        if any(c.passage.source == r.passage.source and not (b <= ca or a >= cb) for c, ca, cb, _ in chosen):
            continue
        if any(_near_duplicate(text, ct) for *_, ct in chosen):
            continue
        chosen.append((r, a, b, text))
    cites = [
        Citation(
            n=n,
            source=r.passage.source,
            title=r.passage.title,
            page=r.passage.page,
            quote=text,
            start=a,
            end=b,
            score=round(r.probability, 4),
            context=r.passage.text,
            context_start=r.passage.start,
            answer_start=r.start,
            answer_end=r.end,
        )
        for n, (r, a, b, text) in enumerate(chosen, 1)
    ]
    answer_text = " ".join(f"{_one_line(c.quote)} [{c.n}]" for c in cites)
    short = ""
    if chosen:
        lead = chosen[0][0]
        short = lead.passage.text[lead.start - lead.passage.start : lead.end - lead.passage.start]
        if short.strip() == chosen[0][3].strip():
            short = ""  # the span is the whole quote (the Korean selector picks sentences): nothing shorter to show
    return answer_text, cites, short
