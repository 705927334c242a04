"""What kind of answer a question asks for, and whether a sentence holds one.

"When" wants a date, "how many" or "what share" a figure, "how much money" or "what is the
budget of" an amount of money, "who" a name the question does not already use. The
answerer uses it twice: a sentence holding the asked-for kind scores a little higher
(``TYPE_BONUS``), and an answer led by a sentence without it is refused
(``answering.extractive_answer``).

    kind = AnswerKind.of("When will the channel open?")    # kind.kind == "date"
    kind.held_by("It opens early next year.")               # 1.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")

_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|dozen|half|percent)\b", re.I)
_DATE = re.compile(
    r"\b(1\d{3}|20\d\d)s?\b|\b(" + "|".join(MONTHS) + r"|century|decade)\b"
    # news style: "Nov. 15", "Sept 3", "early next year" (not "on the 9th": too often an
    # aside, and "the 1st dialogue" is no date)
    r"|\b(" + "|".join(m[:3] for m in MONTHS if m != "may") + r"|sept)\.?\s+\d{1,2}\b|\b(next|last|this) (year|month|week)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+)*")
# "How much money / funding / investment", "what is the budget of", "what did they pay": the
# answer is an amount of money, not any number (nor a sentence that only names the budget).
_MONEY_QUESTION = re.compile(
    r"\bhow much\b.*\b(money|fund\w*|invest\w*|cost\w*|pay\w*|paid|budget\w*|spen[dt]\w*|commit\w*|pledg\w*|pric\w*|worth|revenue\w*|earn\w*|dollars?|won)\b"
    r"|\bwhat(?: is|'s| was| are| were| will be)? the (size of the |total )?(budget|cost|price|funding|investment|value)\b"
    r"|\bwhat did\b.*\b(pay|spend|cost)\b",
    re.I,
)
_MONEY = re.compile(r"[$€£¥₩]|\b(dollars?|won|euros?|yen|million|billion|trillion)\b", re.I)
_QTYPES = [  # first match wins
    (re.compile(r"\b(when|what year|which year|what date|what time|how long ago|since when)\b", re.I), "date"),
    (re.compile(r"\b(how (many|much|long|old|far|big|large|often|tall|high)|what (percentage|percent|number|amount|share|proportion|fraction)|at what age)\b", re.I), "number"),
    (re.compile(r"\b(who|whom|whose)\b", re.I), "name"),
    (re.compile(r"\bwhere\b", re.I), "place"),
]
_WHEN_WHO_WHERE = re.compile(r"\b(when|who|where)\b", re.I)  # a money question asking these wants a date, payer, place
KIND_NAMES = {"date": "date", "number": "figure", "money": "figure", "name": "name", "place": "place"}
TYPE_BONUS = 0.1  # sentence score added when a sentence holds the kind of answer asked for (ClapNQ dev: top-1 support 0.667 -> 0.687)


@dataclass(frozen=True)
class AnswerKind:
    """The kind of answer one question asks for; worked out once, then tested on many sentences."""

    kind: str | None  # "date", "number", "money", "name", "place", or None when untyped
    question_words: frozenset[str]  # lower-cased: a "who" answer must name someone new

    @classmethod
    def of(cls, question: str) -> "AnswerKind":
        kind = next((k for pattern, k in _QTYPES if pattern.search(question)), None)
        if _MONEY_QUESTION.search(question) and (kind in (None, "number") or not _WHEN_WHO_WHERE.search(question)):
            kind = "money"
        return cls(kind, frozenset(w.lower() for w in re.findall(r"\w+", question)))

    def held_by(self, sentence: str) -> float:
        """1 if the sentence holds the kind of thing asked for, 0 if not, 0.5 if untyped."""
        if self.kind is None:
            return 0.5
        if self.kind == "date":
            return float(bool(_DATE.search(sentence)))
        if self.kind == "money":
            return float(bool(_MONEY.search(sentence)))
        if self.kind == "number":
            return float(bool(_NUMBER.search(sentence)))
        for m in _NAME.finditer(sentence):
            if m.start() == 0 and " " not in m.group(0):
                continue  # a capitalised first word is not a name
            if any(w.lower() not in self.question_words for w in re.findall(r"\w+", m.group(0))):
                return 1.0
        return 0.0


def type_match(question: str, sentence: str) -> float:
    """``AnswerKind.of(question).held_by(sentence)``, for one sentence."""
    return AnswerKind.of(question).held_by(sentence)
