"""Web-page furniture (menus, share buttons, footers) kept in the text but never quoted, shown or indexed."""

from __future__ import annotations

import pytest

from assistant.text.furniture import is_furniture, without_furniture

from conftest import BUNDLED

TRADE_PAGE = BUNDLED / "2023-11-17_trade-minister-stanford-meeting-and-joint-rnd-mous.md"


@pytest.mark.parametrize(
    "line",
    [
        "Skip Menu",
        "Main Content Menu",
        "home TOPICS구분선Industry",
        "  • Print",
        "  • facebook",
        "This post was originally published on here",
        "© 2024 Yonhap. All rights reserved.",
    ],
)
def test_menus_share_buttons_and_footers(line):
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "Parts and materials technology development",  # a section label: a heading, not furniture
        "Korean and U.S. institutions join hands for technology cooperation in advanced industries 2023-11-17",
        "Print media covered the summit.",
        "Share this article with your colleagues before the meeting.",
        "establish mechanisms to rapidly share information on disruptions to",  # a wrapped line of prose
        "Menu of options for the ministers",
        "- Cyber Cooperation Working Group",
        "Home",
    ],
)
def test_article_lines_are_not_furniture(line):
    assert not is_furniture(line)


def test_the_seed_page_loses_its_navigation_and_nothing_else():
    text = TRADE_PAGE.read_text(encoding="utf-8").split("---", 2)[2]
    kept = without_furniture(text)
    assert "Skip Menu" not in kept and "facebook" not in kept and "구분선" not in kept
    assert "originally published" not in without_furniture("Prose.\nThis post was originally published on here\n")
    body = [line for line in text.split("\n") if line.strip() and not is_furniture(line)]
    assert body[0] == "Parts and materials technology development"
    assert sum(len(line) for line in body) > 0.95 * sum(len(line) for line in text.split("\n") if line.strip())


def test_the_seed_page_is_never_quoted_or_shown_from_its_menu(seed_bot):
    """The bundled trade ministry page starts with its navigation; no answer quotes it, and the passage a
    refusal shows as related does not open with it."""
    ans = seed_bot.ask("What did the trade minister discuss at Stanford?")
    assert ans.grounded
    for c in ans.citations:
        assert not any(is_furniture(line) for line in c.quote.split("\n"))
    from assistant.app.ui import related_card

    hits = seed_bot.search("Skip Menu Main Content Menu print facebook", 3)
    for p in hits:
        card = related_card(p)
        assert "Skip Menu" not in card and "facebook" not in card


def test_the_encoder_sees_the_page_without_its_navigation_and_every_offset_holds():
    from assistant.index.builder import embedding_text
    from assistant.schema import Chunk
    from assistant.settings import Settings
    from assistant.text.furniture import blank_furniture

    text = TRADE_PAGE.read_text(encoding="utf-8").split("---", 2)[2]
    blanked = blank_furniture(text)
    assert len(blanked) == len(text) and blanked.count("\n") == text.count("\n")
    assert "Skip Menu" not in blanked and "facebook" not in blanked and "구분선" not in blanked
    start = text.index("Parts and materials technology development")
    assert blanked[start:] == text[start:]  # the article itself is untouched, character for character
    chunk = Chunk(id=1, source="trade.md", title="Trade", page=None, text=text, start=0, end=len(text))
    seen = embedding_text(chunk, Settings())
    assert seen.endswith(blanked) and "Skip Menu" not in seen
