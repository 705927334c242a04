"""Write tests/data/korean_press_release.pdf, a two-page Korean PDF with a real text layer, and
tests/data/korean_scanned.pdf, its first page as a scan (an image, no text layer; for OCR).

Rendered by Chromium (Playwright, Debian's /usr/bin/chromium) from the HTML below with a CJK
font (Debian's fonts-noto-cjk), as a ministry's release would be printed. The text is written
for the tests (no third-party content); the facts in it are what tests/ingest/test_korean_pdf.py asks.

    .venv/bin/python scripts/make_korean_pdf.py
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "korean_press_release.pdf"
SCANNED = OUT.with_name("korean_scanned.pdf")

PAGE1 = """
<h1>한미 양자기술 공동연구센터 개소</h1>
<p>과학기술정보통신부는 3월 14일 대전에서 한미 양자기술 공동연구센터 개소식을 열었다고 밝혔다.</p>
<p>센터는 양국 연구기관이 함께 운영하며, 앞으로 5년간 총 2천억 원이 투입된다.</p>
<p>○ 개소식에는 양국 정부 관계자와 연구자 120여 명이 참석하였다.</p>
<p>○ 센터는 양자컴퓨팅, 양자통신, 양자센서 등 세 분야의 공동연구를 우선 추진한다.</p>
"""
PAGE2 = """
<h2>향후 계획</h2>
<p>양측은 올해 하반기에 연구자 30명을 서로 파견하고, 매년 한 차례 공동 학술대회를 개최하기로 합의했다.</p>
<p>센터장은 김서연 박사가 맡는다.</p>
"""
HTML = f"""<!doctype html><html lang="ko"><head><meta charset="utf-8">
<style>body {{ font-family: 'Noto Sans CJK KR', sans-serif; font-size: 14pt; line-height: 1.6; }}
.page {{ page-break-after: always; }}</style></head>
<body><div class="page">{PAGE1}</div><div>{PAGE2}</div></body></html>"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.set_content(HTML)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(OUT), format="A4")
        # a 300-dpi-like scan: three device pixels per CSS pixel (Tesseract reads small Hangul badly)
        scan = browser.new_page(device_scale_factor=3, viewport={"width": 900, "height": 600})
        scan.set_content(HTML.replace('<div class="page">', '<div class="page" style="padding: 24px">'))
        png = scan.screenshot(clip={"x": 0, "y": 0, "width": 900, "height": 560})
        browser.close()
    import io

    from PIL import Image

    Image.open(io.BytesIO(png)).convert("L").save(SCANNED, "PDF", resolution=300.0)
    for p in (OUT, SCANNED):
        print(p, p.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
