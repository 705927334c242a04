"""Headings: the one place that decides whether a line is a title, a section heading or a headline.

Two stages ask. The sentence splitter asks whether a line break ends a sentence (it does after a
headline); the answerer asks whether a sentence is a heading, because headings echo the
question's topic ("Legal working age") without answering it, so they are context, never the
quoted answer.
"""

from __future__ import annotations

import re

from .dates import ORDINAL, YEAR_WORD
from .language import is_korean

HEADING_MAX_WORDS = 12  # a longer line is prose, however it is capitalised
KOREAN_HEADING_MAX_WORDS = 25  # Korean words (어절) carry their particles: fewer per line
SMALL_WORDS = frozenset("a an and as at by for in of on or the to vs via with from".split())
# a list item or Markdown heading starts the line: "- ", "* ", "3. ", "b) ", "## ", and the
# bullets of Korean press releases: "○ ", "□ ", "▲ ", "※ ", "ㅇ "
LIST_OR_HEADING = re.compile(r"[ \t]*(?:[-*•+▪●◦○□■▲▶◇◆※⦁·ㅇ]|\d{1,3}[.)]|[a-z][.)]|#{1,6})[ \t]")
_TERMINAL = re.compile(r"[.!?:;。][\"'”’)\]」』》]*$")
_BULLET = re.compile(r"^\s*([-*•+]|\d+[.)])\s")
# a finite verb or an infinitive in lower case: the line says something, it does not name a topic
# ("The minister visited Washington to discuss quantum research" is a sentence without its period)
_PROSE = re.compile(
    r"\b(is|are|was|were|be|been|being|will|would|can|could|may|might|shall|should|must|has|have|had|does|did|do|says|said|"
    r"[a-z]{3,}ed)\b|\bto [a-z]{3,}\b"
)
HEADLINE_WITH_FIGURES_MIN_WORDS = 6  # "$10 Million Support for Research Cooperation ..."; not "Total Revenue 1,234"


def is_headline(line: str) -> bool:
    """A news headline or subtitle: Title Case, at most ``HEADING_MAX_WORDS`` words, no closing
    punctuation, not a list of names ("We, National Security Advisor Jake Sullivan, ...") and
    not a wrapped line of one ("... the Korea Research Institute of")."""
    words = line.split()
    if len(words) > HEADING_MAX_WORDS or line.count(",") > 1 or line[-1] in ".!?;," or words[-1].lower() in SMALL_WORDS:
        return False
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", line) if w.lower() not in SMALL_WORDS]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def is_heading(text: str, before: str, after: str) -> bool:
    """A title or section heading: a short line of its own that names a topic rather than says something.

    ``before``/``after`` are the characters around the sentence ("" at a passage edge). A line is
    not a heading merely because it lacks a closing period: a one-line note or an unpunctuated
    bullet item ("- $2.5 billion for 5G") is prose. A heading is a Markdown heading, a Title Case
    headline (figures and all: "$10 Million Support for Research Cooperation in the Bioeconomy
    Sector"), or a short line without figures and without a verb ("Legal working age").
    """
    line = text.strip()
    if line.startswith("#"):
        return True
    if _TERMINAL.search(line) or _BULLET.match(line):
        return False
    on_its_own = before in ("", "\n") and after in ("", "\n")
    if not on_its_own:
        return False
    if is_korean(line) and not LIST_OR_HEADING.match(text) and len(line.split()) <= KOREAN_HEADING_MAX_WORDS:
        # a Korean sentence ends with punctuation (…했다.); a line of its own without any is a
        # headline or a byline ("[정상회의] 한미일 ... 합의", "입력 2021.05.28 (00:04)"), figures or not
        return True
    words = line.split()
    if len(words) > HEADING_MAX_WORDS:
        return False
    # a table row or label with figures ("Net revenue $ 1,234") carries data; years and
    # ordinals ("The 1st ... Dialogue Held") do not
    figures = bool(re.search(r"\d", ORDINAL.sub("", YEAR_WORD.sub("", line))))
    if all(is_headline(part) for part in line.splitlines() if part.strip()):
        return not figures or len(words) >= HEADLINE_WITH_FIGURES_MIN_WORDS
    return not figures and not _PROSE.search(line)
