"""Sentence boundaries: one splitter for chunking, quoting and the keyword evidence.

Every quote the assistant shows is one or more whole sentences as this splitter cuts them, and
the index stores the spans it finds (``ChunkSettings.sentence_rules`` is its version).
"""

from __future__ import annotations

import re

from .dates import MONTH_NUMBERS
from .headings import LIST_OR_HEADING, is_headline

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace, or at a
# line break that is structural (see ``_line_break_ends_sentence``): hard-wrapped Markdown
# and PDF text break lines mid-sentence. A regular expression keeps this fast (the splitter
# runs on every page of every PDF); the abbreviation guard below handles "U.S.", "Nov. 15",
# "Dr. Kim", "e.g.".
# A match only starts at the beginning of a run of punctuation: otherwise a long run with no
# space after it ("....." x 100k) is re-scanned from every position, which is quadratic.
# Korean sentences end the same way (…밝혔다. / …했습니까?), their quotes closing with 」』》.
_BOUNDARY = re.compile(r"""(?<![.!?])[.!?]+["'”’)\]」』》]*(?=\s)|\n""")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "vs",
    "etc",
    "inc",
    "ltd",
    "co",
    "corp",
    "no",
    "nos",
    "vol",
    "fig",
    "figs",
    "gen",
    "gov",
    "sen",
    "rep",
    "rev",
    "dept",
    "univ",
    "approx",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "mt",
    "ft",
    "u.s",
    "u.k",
    "e.g",
    "i.e",
    "al",
    "cf",
    "p",
    "pp",
}
# the day of a date wrapped onto the next line ("... on August" / "25. Notably"), not a numbered item
_DAY = re.compile(r"\d{1,2}(?:st|nd|rd|th)?[.,]?(?:\s|$)")
_MONTH_AT_END = re.compile(r"\b(?:" + "|".join(m.capitalize() for m in sorted(MONTH_NUMBERS, key=len, reverse=True)) + r")\.?$")
_SHORT_LINE = 45  # characters: a shorter line without closing punctuation is a heading or a label
# the word before a dot; it must start the token: in "5G and 6G." the "G" is no initial
_WORD_BEFORE = re.compile(r"(?<![\w.])([A-Za-z](?:[A-Za-z.]*[A-Za-z])?)\.?$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the '.' at ``dot`` ends an abbreviation rather than a sentence."""
    m = _WORD_BEFORE.search(text, max(0, dot - 12), dot + 1)
    if not m:
        return False
    word = m.group(1).lower()
    if word in _ABBREVIATIONS:
        return True
    if len(word) == 1:  # initials: "J. Biden", "U.S."
        return True
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))  # "u.s", "e.g"


def _line_break_ends_sentence(text: str, nl: int, end: int) -> bool:
    """Whether the line break at ``nl`` ends a sentence rather than wrapping one.

    It does before a blank line (a paragraph), before a list item or Markdown heading (but not before the
    day of a date wrapped after its month: "... on August" / "25."), and
    after a short line such as a title ("Legal working age") or a Title Case headline ("The
    1st Korea-US ... Dialogue Held") when the next line starts like a sentence. A long line
    followed by more text is a wrapped sentence, whose quote must stay whole.
    """
    rest = text[nl + 1 : end]
    nxt = rest.lstrip(" \t")
    line_start = text.rfind("\n", 0, nl) + 1
    line = text[line_start:nl].strip()
    if _DAY.match(rest) and _MONTH_AT_END.search(line):
        return False  # "... first meeting in Washington on August\n25. Notably, ...": a wrapped date, no list item
    if not nxt or nxt[0] in "\r\n" or LIST_OR_HEADING.match(rest):
        return True
    if not line or line.startswith("#") or line.endswith(":") or line.endswith("|"):
        return True
    if nxt[0].islower():
        return False
    if len(line) < _SHORT_LINE:
        return True
    if _wraps_on(text, line_start):  # the line itself continues a sentence: no headline starts mid-sentence
        return False
    # an indented line or a list item's first line wraps on below: not a headline
    return text[line_start] not in " \t" and not LIST_OR_HEADING.match(text, line_start) and is_headline(line)


def _wraps_on(text: str, line_start: int) -> bool:
    """Whether the line starting at ``line_start`` continues the line before it: that line is long, in
    the same paragraph, ends mid-sentence and is no headline itself ("... signing of a Memorandum of" before
    "Cooperation between Japan's National Institute of Advanced Industrial", which is no headline either)."""
    if line_start < 2 or text[line_start - 1] != "\n":
        return False
    prev_start = text.rfind("\n", 0, line_start - 1) + 1
    prev = text[prev_start : line_start - 1].strip()
    return len(prev) >= _SHORT_LINE and not prev.startswith("#") and not re.search(r"""[.!?:;|"'”’)\]]$""", prev) and not is_headline(prev)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences in ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cur = start
    for m in _BOUNDARY.finditer(text, start, end):
        cut = m.end()
        if text[m.start()] == "\n" and not _line_break_ends_sentence(text, m.start(), end):
            continue
        if text[m.start()] == ".":
            nxt = text[cut : cut + 3].lstrip()
            if _is_abbreviation(text, m.start()):
                continue  # "U.S. officials", "Nov. 15", "Dr. Kim"
            if nxt[:1].islower():  # "approx. three", "No. of" – not a new sentence
                continue
        _append_trimmed(text, cur, cut, spans)
        cur = cut
    _append_trimmed(text, cur, end, spans)
    return spans


def _append_trimmed(text: str, a: int, b: int, out: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        out.append((a, b))
