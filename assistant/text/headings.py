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
    """A title or section heading: a short line of its own with no closing punctuation.

    ``before``/``after`` are the characters around the sentence ("" at a passage edge); list
    items ("- $2.5 billion for 5G") and lines carrying figures are not headings.
    """
    line = text.strip()
    if line.startswith("#"):
        return True
    if _TERMINAL.search(line) or _BULLET.match(line):
        return False
    if is_korean(line) and not LIST_OR_HEADING.match(text) and len(line.split()) <= KOREAN_HEADING_MAX_WORDS:
        # a Korean sentence ends with punctuation (…했다.); a line of its own without any is a
        # headline or a byline ("[정상회의] 한미일 ... 합의", "입력 2021.05.28 (00:04)"), figures or not
        return before in ("", "\n") and after in ("", "\n")
    if len(line.split()) > HEADING_MAX_WORDS:
        return False
    # a table row or label with figures ("Net revenue $ 1,234") carries data; years and
    # ordinals ("The 1st ... Dialogue Held") do not
    if re.search(r"\d", ORDINAL.sub("", YEAR_WORD.sub("", line))):
        return False
    return before in ("", "\n") and after in ("", "\n")
