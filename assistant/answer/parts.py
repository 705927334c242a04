"""Several questions in one ("How much ..., and by what year?"): one answer per part, then one reply.

Each part is retrieved and read on its own (``Assistant.ask``); this module joins the part answers
into one ``Answer`` whose citations are numbered across the parts and whose ``parts`` say, part by
part, what was found — so a reply that answers one part and not the other says so, and is never
half an answer presented as whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ..schema import Answer, AnswerPart, Citation
from ..text.dates import MONTHS
from ..text.keywords import QUESTION_WORDS, tokenize
from ..text.sentences import split_sentences
from .messages import NOT_IN_RELATED, for_question, part_not_found

_MARK = re.compile(r"\[(\d+)\]")
# question words, and words that place a part in time relative to the rest ("the year before", "later"):
# they point at the context, not at what the quote must say
_ASKING = frozenset(tokenize(" ".join(QUESTION_WORDS) + " year years month day time before after during later earlier previous next ago same then"))
OWN_WORDS_FOUND = 0.5  # share of a part's own keywords its quotes must hold
# a quote that points back at the sentence before it: "The United States has committed $2.5 billion to *this effort*"
_POINTS_BACK = re.compile(r"\b(?:this|these|such)\s+(?!(?:is|was|are|were|will|would|has|have|had|can|could)\b)[a-z]{3,}", re.I)
_WHEN = re.compile(r"\b(?:1\d{3}|20\d\d|" + "|".join(MONTHS) + r")\b", re.I)


# countries as the documents write them ("the ROK", "Korean", "American", "Japan's" for "Japanese")
_ALIASES = {
    "rok": "korea",
    "korean": "korea",
    "america": "us",
    "american": "us",
    "usa": "us",
    "japanes": "japan",  # stemmed
    "indian": "india",
    "australian": "australia",
    "chines": "china",
}


def _words(text: str) -> set[str]:
    return {_ALIASES.get(w, w) for w in tokenize(text)}


def own_words(part: str, others: Sequence[str], source: str | None = None) -> set[str]:
    """The keywords of ``part`` that no other part of the question has: what only this part asks about.
    The words of the source it names ("the October 2023 U.S.-Australia statement") pick the document, not
    the asked detail, and so do its years and months ("during Trump's *October 2025* state visit": the anchor
    check reads those), so they are not its own."""
    theirs = {w for o in others for w in _words(o)}
    return _words(part) - theirs - _ASKING - (_words(source) if source else set()) - _words(" ".join(_WHEN.findall(part)))


def supported(part: str, others: Sequence[str], ans: Answer, source: str | None = None) -> bool:
    """Whether a part's answer quotes what the part itself asks about.

    Two parts are often read over the same sentence: "How much is Boeing investing in training pilots in
    India, and how many of India's future pilots will be trained in the United States?" gets "31,000" for
    the second part from "... supporting India's need for 31,000 new pilots" — a figure of the first part's
    sentence, not the asked one. When a part has two or more keywords of its own ("trained", "United
    States", "future") and its quotes hold fewer than half of them, it is not answered. Only the quotes
    count: the sentence before a quote often names the other part's subject ("Centrus, KHNP and POSCO
    agreed ..." before "LS Group pledged to invest $3 billion ..."), unless the quote points back at it
    ("... committed $2.5 billion to this effort" after the sentence on secure 5G and 6G networks)."""
    own = own_words(part, others, source)
    if len(own) < 2:
        return True
    quoted = {w for c in ans.citations for w in _words(c.quote + " " + _pointed_at(c))}
    return len(own & quoted) >= OWN_WORDS_FOUND * len(own)


def _pointed_at(c: Citation) -> str:
    """The sentence before the quote when the quote points back at it ("... to *this effort*"), else ""."""
    if not _POINTS_BACK.search(c.quote) or not c.context:
        return ""
    before = c.context[: max(0, c.start - c.context_start)]
    spans = split_sentences(before)
    return before[spans[-1][0] : spans[-1][1]] if spans else ""


def combine_parts(question: str, parts: Sequence[str], answers: Sequence[Answer], sources: Sequence[str | None] = ()) -> Answer:
    """One answer from the answers to each part, in the order asked.

    The citations of every part are numbered in one sequence; a part the documents do not answer is
    said to be missing in its place. When no part is answered the reply is the usual refusal.
    ``sources``: per part, the source it names (``Asked.source_of``), if any.
    """
    sources = list(sources) or [None] * len(parts)
    # a part whose quotes lack what it asks about is missing, whatever the reader scored
    answers = [
        a if not a.grounded or supported(part, [o for o in parts if o is not part], a, source) else replace(a, grounded=False)
        for part, a, source in zip(parts, answers, sources)
    ]
    if not any(a.grounded for a in answers):
        related = list({p.chunk_id: p for a in answers for p in a.related}.values())[:3]
        return Answer(for_question(NOT_IN_RELATED, question), grounded=False, related=related, confidence=max((a.confidence or 0.0) for a in answers))
    citations, out_parts, lines = [], [], []
    for part, ans in zip(parts, answers):
        if not ans.grounded:
            text = part_not_found(part)
            out_parts.append(AnswerPart(question=part, text=text, grounded=False))
            lines.append(text)
            continue
        renumber, repeated = {}, []
        for c in ans.citations:
            same = next((old for old in citations if (old.source, old.start, old.end) == (c.source, c.start, c.end)), None)
            if same is not None:  # an earlier part quoted this sentence: cite it again, do not repeat it
                renumber[c.n] = same.n
                repeated.append(same.n)
                continue
            renumber[c.n] = len(citations) + 1
            citations.append(replace(c, n=renumber[c.n]))
        text = _MARK.sub(lambda m: f"[{renumber.get(int(m.group(1)), m.group(1))}]", ans.text)
        if repeated and len(repeated) == len(ans.citations) and ans.short:
            text = f"{' '.join(ans.short.split())} [{repeated[0]}]"
        out_parts.append(AnswerPart(question=part, text=text, grounded=True, citations=list(renumber.values()), short=ans.short))
        lines.append(text)
    answered = [a for a in answers if a.grounded]
    shorts = [p.short for p in out_parts if p.grounded and p.short]
    notes = list(dict.fromkeys(a.note for a in answered if a.note))
    return Answer(
        text="\n".join(lines),
        citations=citations,
        grounded=True,
        short="; ".join(shorts) or None,
        confidence=min(a.confidence or 0.0 for a in answered),
        parts=out_parts,
        note=" ".join(notes) or None,
        answerer=answered[0].answerer,
    )
