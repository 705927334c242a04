"""Web-page furniture: menus, breadcrumbs, share buttons and footers saved along with an article's text.

A page saved as text keeps its navigation ("Skip Menu", "Main Content Menu", "home TOPICS구분선Industry",
"• Print", "• facebook") and footers ("This post was originally published on here", "© 2024 ... All rights
reserved"). They are not document content: such a line is kept in the text (every offset stays exact) but
is never quoted, never shown as a passage's text, not indexed as keywords, and blanked out of what the
encoder embeds (``blank_furniture``: spaces of the same length, so sentence offsets hold).

A line is furniture when it is short, has no closing punctuation, and is made mostly of the words web pages
use for their controls (at least one of them a word no sentence of an article consists of, like "menu" or
"facebook"); or when it is a short footer line ("originally published", "all rights reserved", "copyright").
"""

from __future__ import annotations

import re

MAX_WORDS = 8  # a longer line is prose, or at least not a menu
MAX_FOOTER_WORDS = 14

# words that name a page's controls, never an article's topic
_CONTROL = frozenset(
    """menu skip navigation nav breadcrumb sitemap print facebook twitter linkedin instagram youtube kakao kakaotalk
    naver band whatsapp telegram pinterest reddit email e-mail share tweet login logout signin signup subscribe
    newsletter rss cookie cookies 구분선 메뉴 바로가기 본문 인쇄 공유 페이스북 트위터 카카오톡 목록""".split()
)
# words that menus use along with them (and prose uses too: they never make a line furniture alone)
_COMMON = frozenset(
    """main content home topics topic top back next previous prev list search site map language english korean
    한국어 영문 font size sign log in up to of us all go more close open the and page""".split()
)
_FOOTER = re.compile(r"\b(originally published|all rights reserved|copyright|©|무단 ?전재|재배포 금지)", re.I)
_BULLET = re.compile(r"^[\s\-*•+▪●◦·|>›»/]+")
_TERMINAL = re.compile(r"[.!?。][\"'”’)\]]*$")
_SCRIPT_RUN = re.compile(r"[\uac00-\ud7a3]+|[A-Za-z]+(?:-[A-Za-z]+)?")


def is_furniture(line: str) -> bool:
    """Whether one line of a saved web page is navigation, a share button or a footer (see the module)."""
    text = _BULLET.sub("", line.strip())
    if not text:
        return False
    words = [w.lower() for w in _SCRIPT_RUN.findall(text)]  # "TOPICS구분선Industry" is three words
    if not words:
        return False
    if _FOOTER.search(text) and len(text.split()) <= MAX_FOOTER_WORDS:
        return True
    if len(text.split()) > MAX_WORDS or _TERMINAL.search(text):
        return False
    control = sum(w in _CONTROL for w in words)
    return control >= 1 and control + sum(w in _COMMON for w in words) >= 0.75 * len(words)


def _may_hold_furniture(text: str) -> bool:
    low = text.lower()
    return any(w in low for w in ("menu", "print", "share", "skip", "facebook", "twitter", "copyright", "published", "©", "구분선"))


def blank_furniture(text: str) -> str:
    """``text`` with each furniture line's characters replaced by spaces: what the encoder embeds.

    The length and every line break stay, so the sentence spans embedded in the same pass keep their offsets."""
    if not _may_hold_furniture(text):
        return text
    return "\n".join(" " * len(line) if is_furniture(line) else line for line in text.split("\n"))


def without_furniture(text: str) -> str:
    """``text`` with its furniture lines left out (for keywords and display; never for offsets)."""
    if not _may_hold_furniture(text):
        return text  # the common case: nothing to look at line by line
    return "\n".join(line for line in text.split("\n") if not is_furniture(line))
