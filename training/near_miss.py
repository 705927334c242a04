"""Near-miss negatives: the entity is in the text, the asked detail is not.

SQuAD 2.0's adversarial unanswerable questions are what teach a reader this, and only 3,102 of
them are in ``../shared/train``. These functions make the same kind from SQuAD 1.1, whose
questions are all answerable, by changing what the question asks while the text stays:

* ``swap_anchor``: a year, number, ordinal or proper name that the question shares with the
  answer's sentence is replaced by one the text does not contain ("in 1905" -> "in 1911", "the
  first" -> "the third", "Warsaw" -> "Lisbon"). The text now describes another year, round or
  entity than the one asked about: the traps ``../shared/notes/near-misses.md`` lists as ordinal
  or year, and the entity the detail belongs to.
* ``drop_answer``: the sentences around the answer without the answer's own sentence(s): the
  topic and its entities are all there, the asked detail is not.

Each returns ``None`` when the question offers nothing to change, so callers can skip it.
"""

from __future__ import annotations

import random
import re

ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
_ORDINAL = re.compile(r"\b(" + "|".join(ORDINALS) + r")\b", re.I)
_YEAR = re.compile(r"\b(1[5-9]\d\d|20[0-3]\d)\b")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w.])")
# a run of Capitalised words (allowing "of", "the", "and" inside): "University of Chicago"
_NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:(?:of|the|and|de|du|von|van)\s+)*[A-Z][\w'’.-]*)*")
_QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how in on at during after before by for the a an did does do is are was were".split()
)


def name_spans(question: str) -> list[str]:
    """Proper-name spans of a question, the question's opening word and lone question words left out."""
    out = []
    for m in _NAME.finditer(question):
        span = m.group(0).rstrip(".")
        words = span.split()
        while words and words[0].lower() in _QUESTION_WORDS:
            words = words[1:]
        if words and not (len(words) == 1 and len(words[0]) < 3):
            out.append(" ".join(words))
    return out


def _in(text: str, s: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(s.lower()) + r"(?!\w)", text.lower()) is not None


def swap_anchor(question: str, text: str, names: list[str], rng: random.Random) -> str | None:
    """The question with one anchor it shares with ``text`` changed to a value ``text`` lacks.

    Args:
        question: an answerable question.
        text: the sentence(s) that answer it.
        names: proper names from other articles, to swap a name with.
        rng: the caller's random source.
    """
    choices: list[tuple[int, int, str]] = []  # (start, end, replacement)
    for m in _YEAR.finditer(question):
        if _in(text, m.group(0)):
            year = int(m.group(0))
            new = [y for y in range(year - 15, year + 16) if y != year and not _in(text, str(y))]
            if new:
                choices.append((m.start(), m.end(), str(rng.choice(new))))
    for m in _ORDINAL.finditer(question):
        if _in(text, m.group(0)):
            new = [o for o in ORDINALS if not _in(text, o)]
            if new:
                rep = rng.choice(new)
                choices.append((m.start(), m.end(), rep.capitalize() if m.group(0)[0].isupper() else rep))
    for m in _NUMBER.finditer(question):
        if not _YEAR.fullmatch(m.group(0)) and _in(text, m.group(0)):
            value = float(m.group(0).replace(",", ""))
            for _ in range(10):
                cand = value * rng.choice([0.5, 2, 3, 1.5, 0.25, 10]) if value > 3 else value + rng.randint(2, 9)
                rep = f"{int(cand):,}" if "," in m.group(0) else (f"{cand:g}" if "." in m.group(0) else str(int(cand)))
                if rep != m.group(0) and not _in(text, rep):
                    choices.append((m.start(), m.end(), rep))
                    break
    for span in name_spans(question):
        if _in(text, span) and names:
            for _ in range(10):
                rep = rng.choice(names)
                if rep.lower() != span.lower() and not _in(text, rep) and not _in(question, rep):
                    at = question.find(span)
                    choices.append((at, at + len(span), rep))
                    break
    if not choices:
        return None
    a, b, rep = rng.choice(choices)
    return question[:a] + rep + question[b:]


def drop_answer(context: str, sents: list[tuple[int, int]], i: int, j: int, answer: str, rng: random.Random) -> str | None:
    """The sentences next to the answer's (``sents[i..j]``) without it: one or two before, one or
    two after, joined as one text. ``None`` when the answer text is still in it, or nothing is left."""
    before = sents[max(0, i - rng.randint(1, 2)) : i]
    after = sents[j + 1 : j + 1 + rng.randint(1, 2)]
    parts = [context[a:b] for a, b in before + after]
    text = " ".join(parts)
    if not text or answer.lower() in text.lower():
        return None
    return text
