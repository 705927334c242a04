"""From reader verdicts to quotes: whole sentences of exact document text, with ``[n]`` after each.

The reader picks an answer span; the quote is the whole sentence (or sentences) around it, as
stored at index time, so ``document_text[start:end] == quote`` always holds. Headings are never
quoted (``text.headings``), nor a saved web page's menus and footers (``text.furniture``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..index.sentences import SentenceVectors
from ..schema import Citation, Passage
from ..text.furniture import is_furniture
from ..text.headings import LIST_OR_HEADING, is_heading
from ..text.keywords import tokenize
from ..text.sentences import split_sentences
from .checks import Checks, asks_reason, coverage, names_in, reason_match, run_checks, wants_name
from .reader import Reader

NEAR_DUPLICATE = 0.7  # share of the shorter quote's keywords in the other: the same fact twice


def _near_duplicate(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    if not ta or not tb:
        return a.strip() == b.strip()
    return len(ta & tb) / min(len(ta), len(tb)) >= NEAR_DUPLICATE


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _bare_marker(sentence: str) -> bool:
    """A list marker standing as a sentence of its own ("18." before "President Biden and ...")."""
    return bool(LIST_OR_HEADING.fullmatch(sentence.strip() + " "))


def quotable_sentences(sentences: SentenceVectors, p: Passage) -> list[tuple[int, int]]:
    """(start, end) document offsets of the passage's sentences, headings and bare paragraph numbers left out.

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
        if not is_heading(p.text[i:j], before, after) and not is_furniture(p.text[i:j]) and not _bare_marker(p.text[i:j]):
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
    score: float | None = None  # the decision's probability that this read answers (``decision``)
    widened: tuple[int, int] | None = None  # the quote taken with a neighbouring sentence (``widen``)

    @property
    def confidence(self) -> float:
        """The decision's score where there is one, else the reader's probability."""
        return self.probability if self.score is None else self.score

    def text(self, a: int, b: int) -> str:
        """Document text [a, b) of this read's passage."""
        return self.passage.text[a - self.passage.start : b - self.passage.start]

    def before(self) -> str:
        """The quotable sentence before the quote ("" when the quote opens the passage)."""
        a, _ = self.quote()
        prev = [(x, y) for x, y in self.sentences if y <= a]
        return self.text(*prev[-1]) if prev else ""

    def check_args(self, question: str) -> tuple:
        """What ``checks.run_checks`` reads of this read: span, quote, the sentence before, title, date."""
        a, b = self.quote()
        return (question, self.text(self.start, self.end), self.text(a, b), self.before(), self.passage.title, self.passage.date)

    def checks(self, question: str) -> Checks:
        """What was asked against what this read found (``checks``)."""
        return run_checks(*self.check_args(question))

    def quote(self) -> tuple[int, int]:
        """Whole sentences around the answer span."""
        if self.widened:
            return self.widened
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


def focused_reads(reader: Reader, sentences: SentenceVectors, question: str, passages: Sequence[Passage], topic: set[str], n_read: int) -> list[Read]:
    """``read_passages``, then each answer span moved to the clause the question is about (``refocus``):
    the reads the decision scores, at question time and when it is fitted (``benchmarks/decision_fit.py``)."""
    reads = read_passages(reader, sentences, question, passages, topic, n_read)
    for r in reads:
        refocus(reader, question, r)
        widen(question, r)
    return reads


# a sentence that gives the reason for the one before it ("To this end, the ROK pledges ..."), or the
# one after it that goes on about the same thing ("This pilot would leverage transit time ...")
_REFERS_BACK = re.compile(
    r"^\W*(to (this|that) end|for (this|that|these) reasons?|therefore|thus|accordingly|as a result|consequently|in (this|that) regard|"
    r"this is why|that is why|hence)\b",
    re.I,
)
_GOES_ON = re.compile(
    r"^\W*(this|these|that|those|it|they|such|under (it|this|these|the \w+)|the (objective|goal|aim|purpose|idea|intent|intention) (is|was|would be|will be))\b",
    re.I,
)


def widen(question: str, r: Read) -> None:
    """For a why or how question, take the neighbouring sentence into the quote when it, not the
    answer's sentence, gives the reason or the method.

    The reason often stands before the sentence naming the event ("We recognize the importance of
    addressing the root causes of migration ... To this end, the ROK pledges to increase ..."), the
    method after it ("... a first of its kind baggage screening pilot program ... This pilot would
    leverage transit time to rescreen checked baggage"); quoting the one sentence answers neither.
    """
    if r.start < 0 or asks_reason(question) is None:
        return
    a, b = r.quote()
    inside = [n for n, (x, y) in enumerate(r.sentences) if x < b and y > a]
    if not inside:
        return
    first, last = inside[0], inside[-1]
    prev = r.sentences[first - 1] if first > 0 else None
    nxt = r.sentences[last + 1] if last + 1 < len(r.sentences) else None
    if prev and _REFERS_BACK.match(r.text(a, b)):
        a = prev[0]  # "To this end, ...": the reason is the sentence before
    elif nxt and _REFERS_BACK.match(r.text(*nxt)):
        b = nxt[1]  # this sentence is the reason for the next one
    elif nxt and _GOES_ON.match(r.text(*nxt)) and reason_match(question, r.text(*nxt)) == 1.0:
        b = nxt[1]  # the next sentence goes on to say how or why
    if (a, b) != r.quote():
        r.widened = (a, b)


# where one sentence gives two sides or two parties: "On the Korean side, A, B and C participated,
# while on the U.S. side, D and E attended."
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?=(?:while|whereas|but|and on|and in|and for)\b)")


def refocus(reader: Reader, question: str, r: Read) -> None:
    """Move the answer span to the clause of its sentence that the question is about.

    The reader may pick the right sentence but the wrong side of it ("Who attended from the U.S.
    side?" answered with a Korean ministry from the sentence's first clause). When another clause
    covers more of the question's keywords than the span's clause, the span is read again inside
    that clause only.
    """
    if r.start < 0:
        return
    a, b = r.quote()
    quote = r.text(a, b)
    cuts = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(quote)] + [len(quote)]
    clauses = [(a + x, a + y) for x, y in zip(cuts, cuts[1:]) if y > x]
    if len(clauses) < 2:
        return
    cover = [coverage(question, r.text(x, y)) for x, y in clauses]
    mine = next((n for n, (x, y) in enumerate(clauses) if x <= r.start < y), 0)
    best = max(range(len(clauses)), key=lambda n: cover[n])
    if cover[best] <= cover[mine]:
        return
    x, y = clauses[best]
    [got] = reader.read(question, [r.text(x, y)])
    if got.start >= 0:
        r.start, r.end = x + got.start, x + got.end


def retype(reader: Reader, question: str, r: Read) -> None:
    """Make the short answer a name when a name is asked for.

    "Which Korean agency signed an MOU with Stanford?" read over "... the Korea Institute for
    Advancement of Technology signed a memorandum of understanding ..." may get the span
    "memorandum of understanding"; when the question wants a proper name and the span holds none
    the question does not already use, the span is read again among the quote's names only.
    """
    if r.start < 0 or not wants_name(question):
        return
    a, b = r.quote()
    if not names_in(r.text(r.start, r.end), question):
        ranges = names_in(r.text(a, b), question)
        if not ranges:
            return
        [got] = reader.read(question, [r.text(a, b)], [ranges])
        if got.start < 0:
            return
        r.start, r.end = a + got.start, a + got.end
    _join_coordinated_names(question, r, a)


# what may stand between the names of one subject: "Cho Tae-yong, Director of the National Security
# Office, and Jake Sullivan": commas, "and", and the "of the" inside a title
_BETWEEN_NAMES = re.compile(r"(?:[\s,]|\bthe\b|\bof\b)*\band\b(?:[\s,]|\bthe\b|\bof\b|\band\b)*")


def _join_coordinated_names(question: str, r: Read, quote_start: int) -> None:
    """A name that ends a list of names ("A, ..., and B co-chaired ...") answers with the whole list:
    the span starts at the clause's first name when only names, commas and "and" come before it."""
    left = r.text(quote_start, r.start)
    clause = max(left.rfind(". "), left.rfind("; "), left.rfind(": "))
    clause = clause + 2 if clause >= 0 else 0
    ranges = names_in(left[clause:], question)
    if not ranges:
        return
    rest, at = [], clause
    for x, y in ranges:
        rest.append(left[at : clause + x])
        at = clause + y
    rest.append(left[at:])
    if ranges[0][0] == len(left[clause:]) - len(left[clause:].lstrip()) and _BETWEEN_NAMES.fullmatch("".join(rest[1:])):
        r.start = quote_start + clause + ranges[0][0]


def compose(reads: list[Read], threshold: float, max_citations: int = 2, margin: float = 0.15) -> tuple[str, list[Citation], str]:
    """The answer text, its citations and the short answer, from the reads above the threshold.

    The most probable read leads; another that clears the threshold too, nearly as probable and
    quoting other text, is added (two facts in two sentences)."""
    ranked = sorted((r for r in reads if r.confidence >= threshold and r.start >= 0), key=lambda r: -r.confidence)
    chosen: list[tuple[Read, int, int, str]] = []  # read, quote start, end, quote text
    for r in ranked:
        if len(chosen) >= max_citations or r.confidence < ranked[0].confidence - margin:
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
            score=round(r.confidence, 4),
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
