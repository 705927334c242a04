"""What kind of answer a question asks for, and whether a sentence holds one.

"When" wants a date, "how many" or "what share" a figure, "how much money" or "what is the
budget of" an amount of money, "who" a name the question does not already use. The
answerer uses it twice: a sentence holding the asked-for kind scores a little higher
(``TYPE_BONUS``), and an answer led by a sentence without it is refused
(``answering.extractive_answer``).

    question_type("When will the channel open?")                       # "date"
    type_match("When will it open?", "It opens early next year.")      # 1.0
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|dozen|half|percent)\b", re.I)
_DATE = re.compile(
    r"\b(1\d{3}|20\d\d)s?\b|\b(january|february|march|april|may|june|july|august|september|october|november|december|century|decade)\b"
    # news style: "Nov. 15", "Sept 3", "early next year" (not "on the 9th": too often an
    # aside, and "the 1st dialogue" is no date)
    r"|\b(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?\s+\d{1,2}\b|\b(next|last|this) (year|month|week)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+)*")
_QTYPES = [
    (re.compile(r"\b(when|what year|which year|what date|what time|how long ago|since when)\b", re.I), "date"),
    (re.compile(r"\b(how (many|much|long|old|far|big|large|often|tall|high)|what (percentage|percent|number|amount|share|proportion|fraction)|at what age)\b", re.I), "number"),
    (re.compile(r"\b(who|whom|whose)\b", re.I), "name"),
    (re.compile(r"\bwhere\b", re.I), "place"),
]


# "How much money / funding / investment", "what is the budget of", "what did they pay": the
# answer is an amount of money, not any number (nor a sentence that only names the budget).
_MONEY_QUESTION = re.compile(
    r"\bhow much\b.*\b(money|fund\w*|invest\w*|cost\w*|pay\w*|paid|budget\w*|spen[dt]\w*|commit\w*|pledg\w*|pric\w*|worth|revenue\w*|earn\w*|dollars?|won)\b"
    r"|\bwhat(?: is|'s| was| are| were| will be)? the (size of the |total )?(budget|cost|price|funding|investment|value)\b"
    r"|\bwhat did\b.*\b(pay|spend|cost)\b",
    re.I,
)
_MONEY = re.compile(r"[$€£¥₩]|\b(dollars?|won|euros?|yen|million|billion|trillion)\b", re.I)
KIND_NAMES = {"date": "date", "number": "figure", "name": "name", "place": "place"}
TYPE_BONUS = 0.1  # sentence score added when a sentence holds the kind of answer asked for (ClapNQ dev: top-1 support 0.667 -> 0.687)


def question_type(question: str) -> str | None:
    """"date", "number" (an amount of money counts), "name", "place", or None when untyped."""
    if _MONEY_QUESTION.search(question) and not re.search(r"\b(when|who|where)\b", question, re.I):
        return "number"
    for pattern, kind in _QTYPES:
        if pattern.search(question):
            return kind
    return None


def type_match(question: str, sentence: str) -> float:
    """1 if the sentence holds the kind of thing the question asks for, 0 if not, 0.5 if unknown."""
    kind = question_type(question)
    if kind is None:
        return 0.5
    if kind == "date":
        return float(bool(_DATE.search(sentence)))
    if kind == "number":
        if _MONEY_QUESTION.search(question):
            return float(bool(_MONEY.search(sentence)))
        return float(bool(_NUMBER.search(sentence)))
    q_words = {w.lower() for w in re.findall(r"\w+", question)}
    for m in _NAME.finditer(sentence):
        if m.start() == 0 and " " not in m.group(0):
            continue  # a capitalised first word is not a name
        if any(w.lower() not in q_words for w in re.findall(r"\w+", m.group(0))):
            return 1.0
    return 0.0
