"""Take the README's screenshot of the chat: ``.venv/bin/python scripts/screenshot.py``.

Starts ``assistant serve`` on the bundled corpus (its own temporary index), asks one question in
Debian's headless Chromium through Playwright and writes ``docs/images/chat.png``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "How much will be invested in bioeconomy research?"


def main() -> int:
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = Path(tempfile.mkdtemp())
    shutil.copytree(ROOT / "docs_corpus", tmp / "corpus")
    cmd = [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--corpus", str(tmp / "corpus"), "--index", str(tmp / "index")]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 820})
            page.goto(url)
            page.wait_for_selector("#question textarea")
            page.fill("#question textarea", QUESTION)
            page.click("#ask-button")
            page.wait_for_function("() => document.querySelector('#sources').innerText.includes('$10 million')", timeout=120_000)
            time.sleep(1)
            out = ROOT / "docs" / "images" / "chat.png"
            page.screenshot(path=str(out))
            browser.close()
        print(f"wrote {out}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
