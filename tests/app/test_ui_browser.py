"""The chat UI in a real browser: Playwright drives Debian's headless Chromium against the real server.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium`` (``scripts/test.sh``
installs it); without it these tests are skipped. Screenshots go to the test's temporary folder.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_ui import ARCTIC_DOC, ARCTIC_Q, ARCTIC_WORD, DIALOGUE, Q_DIALOGUE, Server

from conftest import CORRUPT_PDF, needs_shared

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed (apt-get install chromium)"),
]

TIMEOUT_MS = 180_000  # the machine is shared and slow; generous


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("ui_browser_server"))
    try:
        yield srv.wait()
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(server.url, timeout=TIMEOUT_MS)
    pg.wait_for_selector("#question textarea")
    yield pg
    ctx.close()


def ask(page, question: str, expect: str) -> float:
    """Type a question, press Ask, wait until the Sources panel shows ``expect``; return the seconds taken."""
    page.get_by_role("tab", name="Chat").click()
    page.fill("#question textarea", question)
    t0 = time.perf_counter()
    page.click("#ask-button")
    page.wait_for_function(
        """([q, expect]) => {
            const chat = document.querySelector('#chat');
            const src = document.querySelector('#sources');
            return chat && src && chat.innerText.includes(q) && !src.innerText.includes('Searching')
                && src.innerText.includes(expect);
        }""",
        arg=[question, expect],
        timeout=TIMEOUT_MS,
    )
    return time.perf_counter() - t0


def upload(page, path: Path) -> str:
    """Upload a file on the Documents tab and return the status text once indexing has finished."""
    page.get_by_role("tab", name="Documents").click()
    page.set_input_files("#upload-files input[type=file]", str(path))
    page.wait_for_function("stem => document.querySelector('#upload-files').innerText.includes(stem)", arg=path.stem, timeout=TIMEOUT_MS)
    page.click("#upload-button")
    page.wait_for_function(  # every status line names its file
        "name => { const t = document.querySelector('#upload-status').innerText; return /[✓✗]/.test(t) && t.includes(name); }",
        arg=path.name,
        timeout=TIMEOUT_MS,
    )
    return page.inner_text("#upload-status")


def test_ask_and_see_the_cited_source(page, server, tmp_path, browser):
    header = page.inner_text("#corpus-header")
    assert "3 documents" in header and "passages" in header
    assert "Who co-chaired the dialogue in Seoul?" in page.content()  # example questions on first load
    seconds = ask(page, Q_DIALOGUE, DIALOGUE)
    print(f"\nbrowser: question to answer in {seconds:.2f}s")
    chat = page.inner_text("#chat")
    assert "[1]" in chat and "Sullivan" in chat
    card = page.locator("#sources .src-card").first
    assert "Next-Generation Core and Emerging Technologies Dialogue" in card.inner_text()  # title
    assert DIALOGUE in card.inner_text()  # file name
    mark = card.locator("mark").inner_text()
    assert "Jake Sullivan" in mark and "co-chaired" in mark  # the quote, highlighted
    assert "Answer found" in page.inner_text("#sources")
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)

    # a follow-up in the same conversation
    ask(page, "And who else attended?", "")
    assert page.inner_text("#chat").count("[1]") >= 1

    # another user has a separate conversation
    other = browser.new_context().new_page()
    other.goto(server.url, timeout=TIMEOUT_MS)
    other.wait_for_selector("#question textarea", timeout=TIMEOUT_MS)
    assert "Sullivan" not in other.inner_text("#chat")
    other.context.close()

    # a question the documents do not answer
    ask(page, "What is the recipe for kimchi stew?", "Not found in the documents")
    assert page.locator("#sources .src-card.related").count() >= 1
    page.screenshot(path=str(tmp_path / "not_found.png"), full_page=True)


def test_upload_a_document_then_ask_about_it(page, tmp_path):
    doc = tmp_path / "arctic_pact.md"
    doc.write_text(ARCTIC_DOC)
    status = upload(page, doc)
    assert "✓" in status and "arctic_pact.md" in status, status
    assert "4 documents" in page.inner_text("#corpus-header")
    assert "arctic_pact.md" in page.inner_text("#documents-table")
    ask(page, ARCTIC_Q, "arctic_pact.md")
    assert ARCTIC_WORD in page.inner_text("#chat") and "[1]" in page.inner_text("#chat")
    assert "Answer found" in page.inner_text("#sources")
    assert "Arctic ice research pact" in page.inner_text("#sources")
    page.screenshot(path=str(tmp_path / "uploaded.png"), full_page=True)


@needs_shared(CORRUPT_PDF)
def test_corrupt_pdf_upload_is_refused_clearly(page, server, tmp_path):
    bad = tmp_path / "broken_report.pdf"
    bad.write_bytes(CORRUPT_PDF.read_bytes())
    before = sorted(p.name for p in server.corpus.iterdir())
    status = upload(page, bad)
    assert "✗" in status and "broken_report.pdf" in status and "could not be indexed" in status, status
    assert sorted(p.name for p in server.corpus.iterdir()) == before
    assert page.locator("#upload-status .upload-err").is_visible()
    page.screenshot(path=str(tmp_path / "corrupt_pdf.png"), full_page=True)

    exe = tmp_path / "setup.pdf"
    exe.write_bytes(b"MZ\x90\x00\x03" + b"\x00" * 300)
    status = upload(page, exe)
    assert "✗" in status and "not a PDF" in status, status
    assert sorted(p.name for p in server.corpus.iterdir()) == before


def test_document_markup_never_executes(page, tmp_path):
    doc = tmp_path / "lighthouse.md"
    doc.write_text(
        "# Quantum Lighthouse note\n\n"
        "The Quantum Lighthouse project <script>window.__xss=1</script> in Daejeon received 12 billion won "
        '<img src=x onerror="window.__xss=2"> for photonic quantum research ${window.__xss=3} {{constructor}}.\n'
        "The project links Korean and U.S. laboratories working on quantum sensors.\n"
        "Its first joint workshop is planned for the autumn in Daejeon.\n"
        "Researchers will publish their results openly.\n"
    )
    status = upload(page, doc)
    assert "✓" in status, status
    # the passage is shown whether it is cited or offered as related
    ask(page, "How much did the Quantum Lighthouse project in Daejeon receive?", "lighthouse.md")
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__xss") == "undefined"
    sources = page.inner_text("#sources")
    assert "<script>window.__xss=1</script>" in sources  # shown as text
    assert page.locator("#sources script").count() == 0 and page.locator("#sources img").count() == 0
    assert page.locator("#chat script").count() == 0 and page.locator("#chat img[src='x']").count() == 0
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    page.screenshot(path=str(tmp_path / "markup.png"), full_page=True)


def test_a_list_answer_and_a_two_part_answer(page, tmp_path):
    # a list: every item, shown as a bulleted list above the quoted sentence
    ask(page, "In which advanced technology fields did South Korea and the United States agree to expand joint research support?", DIALOGUE)
    bubble = page.locator("#chat .message").last
    items = [li.inner_text().strip() for li in bubble.locator("li").all()]
    assert items[:5] == ["semiconductors", "quantum", "bio", "batteries", "artificial intelligence (AI)"], items
    page.screenshot(path=str(tmp_path / "list_answer.png"), full_page=True)

    # two parts: each with its short answer and its citation, in the order asked
    ask(page, "How much support will go to research cooperation in the bioeconomy sector, and who co-chaired the dialogue?", DIALOGUE)
    bubble = page.locator("#chat .message").last
    parts = [li.inner_text() for li in bubble.locator("ol > li").all()]
    assert len(parts) == 2, bubble.inner_text()
    assert "$10 million" in parts[0] and "[1]" in parts[0]
    assert "Jake Sullivan" in parts[1] and "[" in parts[1]
    page.screenshot(path=str(tmp_path / "two_part_answer.png"), full_page=True)
