"""Korean in the real UI: a Korean PDF uploaded in the browser, asked in Korean, rendered with real glyphs.

Debian's Chromium with Debian's fonts-noto-cjk (both installed by ``scripts/test.sh``): without
a CJK font, Hangul would draw as empty boxes, which the glyph check below catches.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ui import Server
from test_ui_browser import CHROMIUM, TIMEOUT_MS, ask, upload

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed (apt-get install chromium)"),
]

KOREAN_PDF = Path(__file__).resolve().parent.parent / "data" / "korean_press_release.pdf"

# Width of a Hangul string in the chat's font against the width of characters no font has
# (drawn as the "missing glyph" box): equal widths mean the page shows boxes, not Korean.
GLYPH_CHECK = """() => {
    const el = document.querySelector('#chat');
    const font = getComputedStyle(el).fontSize + ' ' + getComputedStyle(el).fontFamily;
    const c = document.createElement('canvas').getContext('2d');
    c.font = font;
    const width = s => c.measureText(s).width;
    return [width('한국어 문서'), width('\\u{10FFFD}\\u{10FFFD}\\u{10FFFD} \\u{10FFFD}\\u{10FFFD}'), font];
}"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    srv = Server(tmp_path_factory.mktemp("ui_korean_server")).wait()
    try:
        with sync_api.sync_playwright() as p:
            b = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            )
            pg = b.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            pg.set_default_timeout(TIMEOUT_MS)
            pg.goto(srv.url, timeout=TIMEOUT_MS)
            pg.wait_for_selector("#question textarea")
            yield pg
            b.close()
    finally:
        srv.stop()


def test_a_korean_pdf_uploaded_and_asked_in_korean(page, tmp_path):
    status = upload(page, KOREAN_PDF)
    assert "✓" in status and KOREAN_PDF.name in status
    ask(page, "센터장은 누가 맡나요?", "김서연")
    chat = page.inner_text("#chat")
    assert "센터장은 김서연 박사가 맡는다." in chat
    card = page.locator("#sources .src-card").first
    assert KOREAN_PDF.name in card.inner_text() and "p. 2" in card.inner_text()
    assert "김서연" in card.locator("mark").inner_text()  # the Korean quote, highlighted
    hangul, missing, font = page.evaluate(GLYPH_CHECK)
    assert hangul != missing, f"Hangul draws as missing-glyph boxes in {font!r}: no CJK font"
    page.screenshot(path=str(tmp_path / "korean.png"), full_page=True)


@pytest.mark.xfail(
    strict=True,
    reason="known miss of the answer decision: over the English seeds + this PDF the question is answered from the "
    "seeds' battery sentence (reader 0.52, keyword coverage 0.75 lifts it to 0.77; docs/answering.md)",
)
def test_an_english_question_over_the_korean_pdf_shows_the_korean_passage(page):
    """An English question over the Korean document (uploaded by the test above; the page and its
    server are shared by this module): the Korean passage is in the sources panel (cited, with the
    answer saying the quote is untranslated, or listed as related to a refusal)."""
    ask(page, "Who will head the joint research center?", "")
    page.wait_for_function("() => !document.querySelector('#sources').innerText.includes('Searching')", timeout=TIMEOUT_MS)
    assert "김서연" in page.inner_text("#sources")
    last = page.inner_text("#chat").split("Who will head the joint research center?")[-1]
    assert "untranslated" in last or "do not answer" in last
