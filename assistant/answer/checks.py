"""Checks of what was asked against what a read found: cheap to compute, hard to learn from little data.

The reader's probability says "this passage is about the question"; it does not reliably say "this
passage gives the asked detail" (``../shared/notes/near-misses.md``: 0.82-0.98 for near misses and
answerable twins alike). What separates a near miss is usually one constraint the quote lacks or
contradicts, so the decision (``decision.py``) combines the probability with three checks:

* ``type_match``: the span holds the kind of answer asked for. "How many jobs" wants a count (not
  a money amount, not a year), "how much ... invest" an amount of money, "when" a date, "who" a
  name the question does not already use, "where" a place.
* ``anchor_match``: the years and ordinals the question pins the event down with ("the *second*
  dialogue", "in *2024*") occur around the quote (the sentence before it, the document's title and
  date). "Who chaired the second dialogue?" over a text about the first one fails here.
* ``coverage``: the share of the question's keywords in the quoted sentence, the sentence before it
  and the document title: "the budget of the *AI working group*" answered from a sentence about
  research institutes' budgets covers little of the question.

``reason_match`` tells whether a quote gives what a why or how question asks for (a reason, a
method); the quote is widened to the neighbouring sentence that does (``quotes.widen``). As a fourth
input to the decision it lowered the cross-validated objective (0.716 → 0.696; as a veto 0.707), so
the decision does not use it.

    checks = run_checks(question, span, quote, before, title, date)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text.dates import QUERY_YEAR
from ..text.keywords import tokenize

ORDINAL_WORDS = {w: n for n, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth".split(), 1)}
_ORDINAL = re.compile(r"\b(" + "|".join(ORDINAL_WORDS) + r")\b|\b(\d{1,2})(?:st|nd|rd|th)\b", re.I)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|dozen|half|percent)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(1\d{3}|20\d\d)s?\b|\b(january|february|march|april|may|june|july|august|september|october|november|december|century|decade)\b"
    r"|\b(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?\s+\d{1,2}\b|\b(next|last|this|the same) (year|month|week|day)\b"
    r"|\b(on the \d{1,2}(st|nd|rd|th))\b|\b(today|yesterday|tomorrow|soon|early|late|mid)\b|\b(spring|summer|autumn|fall|winter)\b",
    re.I,
)
# how often: "biennial", "every two years", "twice a year", "on a regular basis"
_FREQUENCY = re.compile(
    r"\b(annual(ly)?|biennial(ly)?|bi-?annual(ly)?|triennial(ly)?|yearly|monthly|weekly|daily|quarterly|regular(ly)?|periodic(ally)?|"
    r"every|once|twice|thrice|times|each|per|routine(ly)?|recurring|ongoing)\b",
    re.I,
)
_MONEY = re.compile(r"[$€£¥₩]|\b(dollars?|won|euros?|yen|usd|krw)\b", re.I)
_NAME = re.compile(r"\b[A-Z][\w.'’&-]*(?:\s+(?:of|the|and|for|on)?\s*[A-Z][\w.'’&-]*)*")

_MONEY_QUESTION = re.compile(
    r"\bhow much\b(?:\s+\S+){0,4}?\s+(money|fund\w*|invest\w*|cost\w*|pay\w*|paid|budget\w*|spen[dt]\w*|commit\w*|pledg\w*|pric\w*|worth|revenue\w*|earn\w*|"
    r"dollars?|won|support\w*|grant\w*|financ\w*|allocat\w*|contribut\w*|provid\w*)\b"
    r"|\bwhat(?: is|'s| was| are| were| will be)? (?:the |its |their )?(size of the |total |annual |combined |overall )?(?:dollar |monetary )?"
    r"(budget|cost|price|funding|investment|value)\b"
    r"|\bhow much (money|funding|investment)\b|\bwhat did\b.*\b(pay|spend|cost)\b",
    re.I,
)
# places that have names: "which country", "which U.S. states" (not "where", answered by "at the headquarters")
_NAMED_PLACES = "city|cities|country|countries|state|states|province|county"
_NAMED_PLACE = re.compile(r"\b(what|which) (?:[\w.'’-]+ ){0,2}?(" + _NAMED_PLACES + r")\b", re.I)
_NAME_OF = re.compile(r"\bwhat(?: is| was| are| were|'s)? (?:the |its |their )?names? of\b", re.I)
_QUESTION_KINDS = [
    (re.compile(r"\b(what|which) (exact )?(date|day)\b", re.I), "day"),
    # "when" asks only when a verb follows ("When did ...?", "by when will ...?"); "when agreeing to ...",
    # "When the fact sheet raised ..., which areas ...?" only set the scene
    (
        re.compile(
            r"\bwhen(?=\s+(?:did|does|do|is|are|was|were|will|would|has|have|had|can|could|should|must)\b|\s*\?)|\b(what year|which year|what month|which month)\b",
            re.I,
        ),
        "date",
    ),
    (re.compile(r"\bhow many\b|\bwhat (number|percentage|percent|share|proportion|fraction) of\b|\bat what age\b", re.I), "count"),
    (re.compile(r"\bhow often\b|\bhow frequently\b", re.I), "frequency"),
    (re.compile(r"\bhow (much|long|old|far|big|large|tall|high)\b|\bwhat (percentage|percent|amount|share)\b", re.I), "number"),
    (re.compile(r"\b(who|whom|whose)\b|" + _NAME_OF.pattern, re.I), "name"),
    (
        re.compile(
            r"\bwhere\b|\b(what|which) (?:[\w.'’-]+ ){0,2}?(" + _NAMED_PLACES + r"|region|town|place|location|site|port)\b",
            re.I,
        ),
        "place",
    ),
]
_PARTS = re.compile(r",?\s+and\s+(?=(?:what|when|where|who|which|how|by when|in what|at what)\b)", re.I)
_MONEY_COUNT = re.compile(r"\bhow many (dollars|won|yen|euros)\b", re.I)
_DAY = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b"
    r"|\b(on )?the \d{1,2}(st|nd|rd|th)\b|\b\d{4}-\d\d-\d\d\b|\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow)\b",
    re.I,
)
_YEARS = re.compile(r"^\s*(1\d{3}|20\d\d)s?(\s*[-–]\s*(1\d{3}|20\d\d|\d\d))?\s*$")
_WHY_HOW = re.compile(r"^\s*(why|how (do|does|did|will|would|can|could|is|are|was|were)\b)", re.I)
# a rank or a change, not a place or an amount: "Where does the U.S. rank ...?", "By how much will it rise?"
_UNTYPED = re.compile(r"\bwhere\b.*\b(rank|stand)s?\b|\bby how much\b", re.I)


@dataclass(frozen=True)
class Checks:
    """The checks of one read, each in [0, 1] (0.5: the question gives nothing to check)."""

    type_match: float
    anchor_match: float
    coverage: float


def answer_kind(question: str) -> str | None:
    """What the question asks for: "date", "money", "count", "frequency", "number", "name", "place", or None."""
    if _WHY_HOW.match(question) or _UNTYPED.search(question):
        return None  # a reason or a method, a rank or a change: any span shape can hold it
    if _MONEY_COUNT.search(question):
        return "money"
    if _MONEY_QUESTION.search(question) and not re.search(r"\b(when|who|where|how many)\b", question, re.I):
        return "money"
    for pattern, kind in _QUESTION_KINDS:
        if pattern.search(question):
            return kind
    return None


# "Which Korean agency ...?", "What company ...?": the answer is a proper name even without "who"
_NAMED_THING = re.compile(
    r"\b(which|what)\s+(\w+\s+)?(agency|agencies|institute|institutes|institution|ministry|ministries|department|company|companies|firm|"
    r"organi[sz]ation|university|universities|official|minister|leader|person|laboratory|lab|body|country|countries|city|state)\b",
    re.I,
)


def _abbreviates(text: str, m: re.Match) -> bool:
    """Whether the name ``m`` is an abbreviation in parentheses of the words before it: "maintenance, repair,
    and overhaul (MRO)" names no one, however capitalised."""
    if not (text[m.start() - 1 : m.start()] == "(" and text[m.end() : m.end() + 1] == ")" and m.group(0).isalpha() and m.group(0).isupper()):
        return False
    letters = m.group(0).lower()
    before = [w for w in re.findall(r"[A-Za-z][\w'’-]*", text[: m.start() - 1]) if w.lower() not in ("and", "of", "the", "for", "on", "in", "to")]
    initials = "".join(w[0].lower() for w in before[-len(letters) :])
    return initials == letters


def _spelled_out(name: str, acronyms: set[str]) -> bool:
    """Whether ``name`` spells out an acronym the question uses: "National Institute of Standards and
    Technology" for "NIST" (a leading "U.S." aside)."""
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z][\w'’-]*", name) if w[0].isupper() and w not in ("U", "S"))
    return len(initials) >= 2 and initials.upper() in acronyms


# capitalised words that name no one: a sentence's opening pronoun or determiner ("They also agreed ...")
_NO_NAME = frozenset("they them their we our us it its he him his she her this these that those the a an there here i you your".split())


def names_in(text: str, question: str) -> list[tuple[int, int]]:
    """Character ranges of the proper names in ``text`` that the question does not already use: its
    capitalised words ("U.S.-flagged" names nothing new after "U.S."), or an acronym of it ("NIST" in the
    question, "National Institute of Standards and Technology" in the text); an abbreviation of the words
    before it is no name."""
    q_words = {w.lower() for w in re.findall(r"\w+", question)}
    acronyms = set(re.findall(r"\b[A-Z]{2,}\b", question))
    return [
        (m.start(), m.end())
        for m in _NAME.finditer(text)
        if any(w.lower() not in q_words for w in re.findall(r"\w+", m.group(0)) if not w.islower())
        and m.group(0).lower() not in _NO_NAME
        and not _abbreviates(text, m)
        and not _spelled_out(m.group(0), acronyms)
    ]


def wants_name(question: str) -> bool:
    """Whether the answer is a proper name: "who", "where", "which agency", "what company"."""
    return answer_kind(question) in ("name", "place") or bool(_NAMED_THING.search(question))


def type_match(question: str, span: str, after: str = "") -> float:
    """1 if the answer span holds the kind of thing the question asks for, 0 if not, 0.5 if untyped.

    ``after`` is the text right after the span: "200 billion" is an amount of money when "won" follows.
    A question of several parts ("How much ..., and by when?") is matched by any of its parts.
    """
    parts = _PARTS.split(question)
    if len(parts) > 1:
        return max(type_match(part, span, after) for part in parts)
    kind = answer_kind(question)
    if kind is None or not span.strip():
        return 0.5
    if kind == "day":
        return float(bool(_DAY.search(span)))
    if kind == "date":
        return float(bool(_DATE.search(span)))
    if kind == "money":
        return float(bool(_MONEY.search(span) or _MONEY.match(after.lstrip()[:8])) and bool(_NUMBER.search(span)))
    if kind == "count":
        # a count of things: a figure that is neither an amount of money nor a bare year, nor a count of
        # something else ("How many universities ...?" answered by "40,000 students")
        figure = bool(_NUMBER.search(span)) and not _MONEY.search(span) and not _YEARS.match(span)
        return float(figure and counts_what_was_asked(question, span, after))
    if kind == "frequency":
        return float(bool(_FREQUENCY.search(f"{span} {after}")))
    if kind == "number":
        return float(bool(_NUMBER.search(span)))
    # "who" and "where": a name the question does not already use; a bare figure or date is the
    # wrong kind; a common noun ("pharmaceutical companies", "research institutes") may be right
    if names_in(span, question):
        return 1.0
    if kind == "place" and _NAMED_PLACE.search(question):
        return 0.0  # "which country", "which U.S. states": a place with a name, and the span names none
    if kind == "name" and _NAME_OF.search(question):
        return 0.0  # "What is the name of the cubesat?" answered by "rideshare"
    q_words = {w.lower() for w in re.findall(r"\w+", question)}
    words = re.findall(r"[^\W\d_]+", span)
    if not words or all(w.lower() in q_words or w.lower() in _NO_NAME for w in words) or (_NUMBER.search(span) and len(words) <= 2):
        return 0.0  # the question's own words, a pronoun ("Where will it be held?" by "They"), or a bare figure
    return 0.5


_HOW_MANY = re.compile(r"\bhow many\s+((?:[\w.'’-]+\s+){0,3}[\w.'’-]+)", re.I)
_PLURAL = re.compile(r"^[a-z][a-z-]{2,}s$")
# asked nouns that any counted noun may be ("how many people" is answered by "120 experts")
_ANY_NOUN = frozenset(tokenize("people persons individuals participants attendees members things items units times"))


def counts_what_was_asked(question: str, span: str, after: str) -> bool:
    """False when the span's figure counts a thing other than the one asked for: the first plural noun
    within three words after the figure ("40,000 *students*") is not among the question's words after
    "how many" ("how many Japanese and Korean *universities*"). A figure followed by no plural noun
    ("about 300 attended") or by the asked noun ("135,000 American jobs") passes, and so does any noun
    when people or things in general are counted ("how many people" by "about 120 experts")."""
    asked = _HOW_MANY.search(question)
    if not asked:
        return True
    wanted = set(tokenize(asked.group(1)))
    text = f"{span} {after}"
    figure = list(_NUMBER.finditer(text))
    if not wanted or wanted & _ANY_NOUN or not figure:
        return True
    following = re.findall(r"[A-Za-z][\w-]*", text[figure[-1].end() :])[:3]
    for word in following:
        if word[0].islower() and _PLURAL.match(word) and not _NUMBER.fullmatch(word):
            return bool(set(tokenize(" ".join(following))) & wanted)
    return True


def anchors(question: str) -> list[str]:
    """What pins the asked event down in time or sequence: the years and ordinals of the question
    ("the *second* summit", "in *2024*"). Names are not anchors: a passage names the countries and
    agencies of its topic whatever detail it gives, so their presence separates nothing."""
    out = [f"year:{y}" for y in QUERY_YEAR.findall(question)]
    out += sorted(_ordinals(question))
    return out


def _ordinals(text: str) -> set[str]:
    found = set()
    for m in _ORDINAL.finditer(text):
        found.add(f"ordinal:{ORDINAL_WORDS.get((m.group(1) or '').lower()) or int(m.group(2))}")
    return found


def anchor_match(question: str, context: str) -> float:
    """Share of the question's anchors found in the context (1.0 when it has none)."""
    wanted = anchors(question)
    if not wanted:
        return 1.0
    have = _ordinals(context) | {f"year:{y}" for y in QUERY_YEAR.findall(context)}
    return sum(a in have for a in wanted) / len(wanted)


# the words that ask rather than name ("how much", "which"): never in the answer's sentence
_ASKING = frozenset(tokenize("how much many what which who whom whose when where why"))


def coverage(question: str, text: str) -> float:
    """Share of the question's keywords in the text (1.0 for a question without keywords)."""
    q = set(tokenize(question)) - _ASKING
    if not q:
        return 1.0
    return len(q & set(tokenize(text))) / len(q)


# a reason or a purpose: a purpose clause after a comma or a sentence's opening "To <verb> ...", the
# verbs that announce one, causal conjunctions
_REASON = re.compile(
    r"(?:^|[,;:\u2014\u2013]\s*|\s-\s)(?:in order |so as )?to\s+[a-z]+"
    r"|\b(?:aim(?:ed|s|ing)?|designed|intended|meant|seek(?:s|ing)?|sought|work(?:s|ing)?|in order|so as|order) to\b|\baim(?:ed|s|ing)? at\b"
    r"|\b(?:in commemoration of|in hono(?:u)?r of|to commemorate|to mark|symboli[cz]\w*)\b|,\s*which\s+(?:would|will|could|can)\s+[a-z]+"
    r"|\b(?:because|since|due to|owing to|as a result of|given that|in light of|in response to|in view of|so that|to this end|"
    r"for (?:the purpose|the sake) of|with (?:the|a) (?:goal|aim|view|purpose) (?:of|to)|the (?:goal|aim|purpose|objective) (?:is|was|of)|"
    r"to (?:address|ensure|help|promote|support|prevent|counter|combat|reduce|protect|strengthen|advance|enhance|boost|improve|"
    r"accelerate|expand|facilitate|foster|deter|respond|meet|tackle|secure|build|deepen|learn)\b)",
    re.I,
)
# a method: the means a thing is done by
_METHOD = re.compile(
    r"\b(?:through|via|by (?:means of |way of )?[a-z]+ing|using|including|with the help of|by establishing|by creating|"
    r"would (?:leverage|use|allow|enable|let)|will (?:leverage|use|allow|enable|let)|(?:^|\.\s+)(?:this|it|they|these) (?:would|will) [a-z]+)\b",
    re.I,
)


def asks_reason(question: str) -> str | None:
    """Whether the question asks "why" (a reason or a purpose) or "how" (a method); None for other questions."""
    m = _WHY_HOW.match(question)
    if not m:
        return None
    return "why" if m.group(1).lower().startswith("why") else "how"


def gives_reason(text: str) -> bool:
    """Whether the text gives a reason or a purpose ("to this end", "because", "aimed at", ", which would ...")."""
    return bool(_REASON.search(text))


def gives_means(text: str) -> bool:
    """Whether the text gives a means or a method ("through", "by establishing", "using")."""
    return bool(_METHOD.search(text))


def reason_match(question: str, quote: str) -> float:
    """1 if the quote gives what a why/how question asks for (a reason, a method), 0 if not, 0.5 for other questions."""
    kind = asks_reason(question)
    if kind is None:
        return 0.5
    # a method answers "how"; so does a purpose ("meant to work ... to screen checked baggage")
    return float(gives_reason(quote) or (kind == "how" and gives_means(quote)))


def run_checks(question: str, span: str, quote: str, before: str, title: str, date: str | None = None) -> Checks:
    """All checks of one read: ``span`` is the answer span, ``quote`` its sentence(s), ``before``
    the sentence before them, ``title`` and ``date`` the document's (a year the question names may
    be the document's own: "the May 2021 fact sheet")."""
    local = f"{title}\n{date or ''}\n{before}\n{quote}"
    at = quote.find(span)
    after = quote[at + len(span) : at + len(span) + 20] if at >= 0 and span else ""
    return Checks(
        type_match=type_match(question, span, after),
        anchor_match=anchor_match(question, local),
        coverage=coverage(question, local),
    )
