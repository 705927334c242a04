"""The documentation matches the repository: links resolve, cited sections exist, the README is a front door."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)?(?:#([^)\s]+))?\)")
PATH = re.compile(r"`((?:assistant|benchmarks|tests|training|docs|scripts)/[\w./-]+)`")


def anchors(md: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    out = set()
    for line in md.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return out


def headings(md: Path) -> set[str]:
    return {line.lstrip("#").strip() for line in md.read_text(encoding="utf-8").splitlines() if line.startswith("#")}


@pytest.mark.parametrize("md", DOCS, ids=lambda p: p.name)
def test_links_and_paths_resolve(md):
    text = md.read_text(encoding="utf-8")
    for target, anchor in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        dest = (md.parent / target).resolve() if target else md
        assert dest.exists(), f"{md.name}: link to missing {target}"
        if anchor and dest.suffix == ".md":
            assert anchor in anchors(dest), f"{md.name}: no section #{anchor} in {dest.name}"
    for path in PATH.findall(text):
        assert (ROOT / path.rstrip(".")).exists(), f"{md.name} names {path}, which does not exist"


def test_sections_the_code_cites_exist():
    """Code and tests that send the reader to a README or docs section ("see the README,
    "Chat UI and API"") point at a heading that exists."""
    cite = re.compile(r"(README|docs/[\w-]+\.md)[^\"\n]{0,12}\"([A-Z][^\"]{2,60})\"")
    files = [*ROOT.glob("assistant/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("benchmarks/*.py")]
    for f in (f for f in files if f.name != "test_docs.py"):
        for doc, section in cite.findall(f.read_text(encoding="utf-8")):
            md = ROOT / ("README.md" if doc == "README" else doc)
            assert section in headings(md), f"{f.relative_to(ROOT)} cites {doc} section {section!r}, which does not exist"


def test_readme_is_a_front_door():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    for must in ("scripts/run.sh", "scripts/test.sh", "docs/images/chat.png"):
        assert must in text, must
    assert (ROOT / "docs" / "images" / "chat.png").is_file()
    for doc in ("architecture", "retrieval", "answering", "evaluation", "performance", "robustness"):
        assert (ROOT / "docs" / f"{doc}.md").is_file(), doc


def test_no_file_dates_its_content_by_work_rounds():
    words = re.compile(r"\b(round \d+|session \d+|this session|previous session|last session)\b", re.I)
    files = [
        *DOCS,
        *ROOT.glob("assistant/**/*.py"),
        *ROOT.glob("tests/**/*.py"),
        *ROOT.glob("benchmarks/*.py"),
        *ROOT.glob("training/*.py"),
        ROOT / "assistant" / "models" / "reader" / "MODEL_CARD.md",
    ]
    for f in (f for f in files if f.name != "test_docs.py"):
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            assert not words.search(line), f"{f.relative_to(ROOT)}:{n}: {line.strip()}"
