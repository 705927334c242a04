"""List answers: "Which sectors ...?" is answered with every item, not with the sentence's first one.

Two shapes of list are read, both exact document text:

* inside one sentence: "... in priority sectors, including semiconductors, eco-friendly EV batteries,
  strategic and critical materials, and pharmaceuticals." (three or more items, commas, a final
  "and"/"or");
* a lead-in and the bullet items after it: "Major investments include:" then "- Hyundai ...",
  "- SK ...": the quote runs from the lead-in through the last item.

The reader often gives a list question a low probability (its answer is long, its training answers
short), so below the threshold a list may still answer, when it agrees with the question's years and
ordinals: the list whose items hold the reader's span, when the decision's score reaches ``LIST_SCORE``,
else the list sentence that covers the question best (``LIST_COVERAGE``; both chosen on the analyst
development sets). A sentence without a list never answers this way, so a near miss ("Which companies
belong to the association?" over a text that names none) is still refused, and neither does a list one of
whose items is the asked kind itself ("Which specific rare diseases ...?" over "... treatments for rare
diseases, and diagnostic devices": ``names_the_category``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text.asking import asked_things
from ..text.keywords import tokenize
from .checks import anchor_match, coverage
from .quotes import Read

LIST_COVERAGE = 0.75  # share of the question's keywords the list sentence (with its title) must hold
LIST_SCORE = 0.5  # the decision's score that lets a read whose span is a list's items answer a list question
MAX_ITEM_WORDS = 12

_PAREN = re.compile(r"\([^()]*\)")
# where the items start: the last cue before them ("including", "such as", "include:", ":")
_CUE = re.compile(r"(?:\binclud(?:e|es|ed|ing)\b:?|\bsuch as\b|\bnamely\b|\bparticularly(?: related to| in| on)?\b|:|—|–)\s*", re.I)
_LAST_ITEM_END = re.compile(r"[.;:!?]|\s+(?:to|that|which|who|where|while|because|so that|in order to|as well as|among others)\s", re.I)
_PREPOSITION = re.compile(r"\b(?:on|in|for|of|to|across|with|into|from|about|between|among)\s+", re.I)
# an item is a noun phrase: one that opens with a pronoun or a relative word is a clause
_CLAUSE_START = re.compile(r"(?:who|which|that|they|we|it|he|she|i|you|there|this|these|those|while|but)\b", re.I)
_AND = re.compile(r"\s*(?:and|or)\s", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•●▪◦]|\d{1,2}[.)]|\(?[a-z]\))\s+", re.M)


@dataclass
class Listed:
    """A list found in a read: the quote (document offsets, lead-in through the last item) and its items."""

    read: Read
    start: int
    end: int
    items: list[str]
    first: int  # document offsets of the first item's start and the last item's end: the short answer
    last: int
    cover: float = 0.0  # the question's keywords in the list, its lead-in and title (``checks.coverage``)


def _mask_parens(text: str) -> str:
    """Parentheses blanked out (same length), so "(e.g., offshore wind)" splits no item."""
    return _PAREN.sub(lambda m: " " * len(m.group(0)), text)


def sentence_lists(sentence: str) -> list[list[tuple[int, int]]]:
    """Every list inside one sentence: for each, the (start, end) of its items (three or more)."""
    masked = _mask_parens(sentence)
    semi = _semicolon_list(sentence, masked)
    if semi:
        return [semi]
    commas = [m.start() for m in re.finditer(r",", masked)]
    if len(commas) < 2:
        return []
    bounds = [0] + [c + 1 for c in commas] + [len(sentence)]
    segs = [(bounds[i], (commas[i] if i < len(commas) else len(sentence))) for i in range(len(bounds) - 1)]
    # each list ends with the segment that opens with "and"/"or", cut where its clause ends
    lasts = [i for i, (a, b) in enumerate(segs) if i >= 2 and re.match(r"\s*(?:and|or)\s", masked[a:b])]
    return [run for run in (_run(sentence, masked, segs, last) for last in lasts) if run]


def _semicolon_list(sentence: str, masked: str) -> list[tuple[int, int]]:
    """Items after a colon, separated by semicolons: "three measures: increase ...; open ...; and set up ..."."""
    colon = masked.find(":")
    if colon < 0 or masked.count(";", colon) < 2:
        return []
    cuts = [colon] + [colon + m.start() for m in re.finditer(";", masked[colon:])] + [len(sentence.rstrip().rstrip("."))]
    ranges = []
    for x, y in zip(cuts, cuts[1:]):
        x += 1
        lead = _AND.match(sentence[x:y])
        ranges.append(_trim(sentence, x + (lead.end() if lead else 0), y))
    return [r for r in ranges if r[0] < r[1]] if len(ranges) >= 3 else []


def _run(sentence: str, masked: str, segs: list[tuple[int, int]], last: int) -> list[tuple[int, int]]:
    """The items of the list that ends with segment ``last`` ([] if it is no list)."""
    a, b = segs[last]
    seg = sentence[a:b]
    cut = _LAST_ITEM_END.search(_mask_parens(seg), pos=len(seg) - len(seg.lstrip()) + 4)
    seg = seg[: cut.start()] if cut else seg
    lead = re.match(r"\s*(?:and|or)\s+", seg)
    tail = (a + lead.end(), a + len(seg.rstrip()))
    # walk back over the items to the segment that opens the list: the one holding a cue ("including",
    # ":"), a long one, a clause ("which trained ...") or the end of an earlier list ("and ...")
    first = last - 1
    while first > 0:
        seg = masked[segs[first][0] : segs[first][1]]
        if _CUE.search(seg) or len(seg.split()) > MAX_ITEM_WORDS or _AND.match(seg) or _CLAUSE_START.match(seg.strip()):
            break
        first -= 1
    x, y = segs[first]
    seg = masked[x:y]
    cues = list(_CUE.finditer(seg))
    if _AND.match(seg):
        first += 1
        x, y = segs[first]
    elif cues:
        x += cues[-1].end()
    elif len(seg.split()) > 4 or _CLAUSE_START.match(seg.strip()):
        # the item is the segment's last words after a preposition: "tariffs on [automobiles]",
        # "for [Federated States of Micronesia]" (the earliest preposition leaving at most four words)
        prep = next((m for m in _PREPOSITION.finditer(seg) if len(seg[m.end() :].split()) <= 4), None)
        if prep is None:
            return []
        x += prep.end()
    ranges = [(x, y)] + segs[first + 1 : last] + [tail]
    ranges = [_trim(sentence, a, b) for a, b in ranges]
    if len(ranges) < 3 or any(a >= b or len(sentence[a:b].split()) > MAX_ITEM_WORDS or _CLAUSE_START.match(sentence[a:b]) for a, b in ranges):
        return []
    return ranges


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _bullet_items(r: Read, n: int) -> list[tuple[int, int]]:
    """The bullet items (document offsets) after a lead-in sentence ``r.sentences[n]`` that ends in ":"."""
    a, b = r.sentences[n]
    if not r.text(a, b).rstrip().endswith(":"):
        return []
    items, end = [], b
    for x, y in r.sentences[n + 1 :]:
        line = r.text(end, x).split("\n")
        if len(line) < 2 or not _BULLET.match(line[-1] + r.text(x, y)):
            break
        bullet = _BULLET.match(r.text(x, y))
        items.append((x + (bullet.end() if bullet else 0), y))
        end = y
    return items


def find_list(r: Read, question: str, near_span: bool = False) -> Listed | None:
    """The list in this read's passage that best answers ``question``: the one holding the reader's
    span if it is one, else the list sentence that covers the question best (``LIST_COVERAGE``).

    ``near_span``: only a list in the span's own sentence, or bulleted after it. A read that answers
    with a span outside any list ("professors in bio and robotics") is not overridden by another
    sentence's list that merely shares the question's words."""
    title = f"{r.passage.title}\n{r.passage.date or ''}"
    best: tuple[float, Listed] | None = None
    for n, (a, b) in enumerate(r.sentences):
        if near_span and r.start >= 0 and not a <= r.start < b:
            continue
        bullets = _bullet_items(r, n)
        runs = [bullets] if bullets else [[(a + x, a + y) for x, y in run] for run in sentence_lists(r.text(a, b))]
        if not runs:
            continue
        # the list holding the reader's span, else the longest
        ranges = next((run for run in runs if run[0][0] <= r.start < run[-1][1]), max(runs, key=len))
        end = max(b, ranges[-1][1])
        before = r.text(*r.sentences[n - 1]) if n else ""
        context = f"{title}\n{before}\n{r.text(a, end)}"
        if anchor_match(question, context) < 1.0:
            continue
        cover = coverage(question, context)
        holds_span = r.start >= 0 and ranges[0][0] <= r.start < ranges[-1][1]
        rank = cover + (1.0 if holds_span else 0.0)
        if (holds_span or cover >= LIST_COVERAGE) and (best is None or rank > best[0]):
            items = [" ".join(r.text(x, y).split()).rstrip(".;") for x, y in ranges]
            best = (rank, Listed(r, a, end, items, ranges[0][0], ranges[-1][1], cover))
    return best[1] if best else None


def names_the_category(question: str, items: list[str]) -> bool:
    """Whether an item is the asked kind of thing itself, not one of its members: "Which specific rare
    diseases ...?" over "cell and gene therapies, treatments for rare diseases, and diagnostic devices"
    (an item holds the asked noun and another of the asked words). Such a list says what the cooperation
    covers, not which ones were asked for."""
    asked = tokenize(asked_things(question))
    if len(asked) < 2:
        return False
    head, others = asked[-1], set(asked[:-1])
    # "... and other Korean companies" closes a list of members; "a consortium of Japanese companies" is no member
    members = [item for item in items if not re.match(r"\s*(?:and\s+)?(?:other|more|many)\b", item, re.I)]
    return any(head in words and others & words for words in (set(tokenize(item)) for item in members))


def answer_list(reads: list[Read], question: str, threshold: float) -> Listed | None:
    """For a list question: the list that answers, its read's span widened to every item.

    The list in the most confident answering read is taken; when no read answers, the list that
    covers the question best may (``LIST_COVERAGE``), its read's score raised to the threshold.
    """
    answering = sorted((r for r in reads if r.start >= 0 and r.confidence >= threshold), key=lambda r: -r.confidence)
    x = find_list(answering[0], question, near_span=True) if answering else None
    if x is not None and x.first <= x.read.start < x.last and names_the_category(question, x.items):
        x.read.score = 0.0  # "which Japanese companies" over "NVIDIA, Arm, ... and a consortium of Japanese companies"
        answering = answering[1:]
        x = find_list(answering[0], question, near_span=True) if answering else None
    found = [x] if x is not None else []
    if not answering:
        # the reader doubts a long answer: a read whose span lies among a list's items may answer below
        # the threshold (``LIST_SCORE``), else the list sentence that covers the question best
        doubted = sorted((r for r in reads if r.start >= 0 and r.confidence >= LIST_SCORE), key=lambda r: -r.confidence)
        found = [
            x
            for x in (find_list(r, question, near_span=True) for r in doubted[:1])
            if x is not None and x.first <= x.read.start < x.last and not names_the_category(question, x.items)
        ]
    if not answering and not found:
        found = sorted(
            (
                x
                for x in (find_list(r, question) for r in reads)
                if x is not None and x.cover >= LIST_COVERAGE and not names_the_category(question, x.items)
            ),
            key=lambda x: -x.cover,
        )
    if not found:
        return None
    listed = found[0]
    r = listed.read
    r.start, r.end = listed.first, listed.last
    r.score = max(r.confidence, threshold)
    return listed
