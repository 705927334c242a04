"""Chunker: exact offsets on every chunk, the model's token limit, overlap, sentence splitting."""

from __future__ import annotations

import pytest

from assistant.ingest.chunking import Chunker
from assistant.ingest.loader import load_document
from assistant.settings import ChunkSettings
from assistant.text.sentences import split_sentences

from conftest import BUNDLED, EVAL, MULTIPAGE_PDF, SEEDS

COOP = EVAL / "cooperation_docs"


def all_docs():
    paths = sorted(SEEDS.glob("*.txt")) + sorted(BUNDLED.glob("*.md"))
    paths += sorted(COOP.rglob("*.md"))
    paths.append(MULTIPAGE_PDF)
    return [p for p in paths if p.name != "README.md"]


@pytest.fixture(scope="module")
def chunker(embedder):
    return Chunker(embedder.token_offsets, ChunkSettings())


@pytest.mark.parametrize("path", all_docs(), ids=lambda p: p.name[:40])
def test_offsets_round_trip_and_fit_the_model(path, chunker, embedder):
    doc = load_document(path, path.parent)
    chunks = chunker.run(doc)
    assert chunks, "every readable document yields chunks"
    limit = ChunkSettings().max_tokens
    covered = set()
    for c in chunks:
        assert c.text == doc.text[c.start : c.end]
        assert c.text.strip() == c.text and c.text
        assert embedder.count_tokens(c.text) <= limit
        covered.update(range(c.start, c.end))
        if c.page is not None:
            page = doc.pages[c.page - 1]
            assert page.start <= c.start and c.end <= page.end
    # Every non-space character of the document is in some chunk.
    missing = [i for i, ch in enumerate(doc.text) if not ch.isspace() and i not in covered]
    assert not missing


def test_consecutive_chunks_overlap(chunker):
    doc = load_document(next(COOP.rglob("2023-04-26-leaders-joint-statement*.md")))
    chunks = chunker.run(doc)
    assert len(chunks) > 3
    overlaps = sum(1 for a, b in zip(chunks, chunks[1:]) if b.start < a.end)
    assert overlaps >= len(chunks) // 2


def test_long_sentence_is_split_below_the_limit(embedder):
    text = " ".join(f"word{i}" for i in range(3000))
    from assistant.schema import Document, Page

    doc = Document("x.txt", text, [Page(None, 0, len(text))], "x")
    chunks = Chunker(embedder.token_offsets, ChunkSettings(max_tokens=100, overlap_tokens=0)).run(doc)
    assert len(chunks) > 10
    assert all(embedder.count_tokens(c.text) <= 100 for c in chunks)
    assert all(c.text == text[c.start : c.end] for c in chunks)


def test_ids_are_sequential_from_next_id(chunker):
    doc = load_document(MULTIPAGE_PDF)
    chunks = chunker.run(doc, next_id=100)
    assert [c.id for c in chunks] == list(range(100, 100 + len(chunks)))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The U.S. National Institute agreed. Korea joined.", ["The U.S. National Institute agreed.", "Korea joined."]),
        ("Held on Nov. 15 in Seoul. Then more.", ["Held on Nov. 15 in Seoul.", "Then more."]),
        ("He said, “Yes.” She left.", ["He said, “Yes.”", "She left."]),
        ("calendar year . Any change", ["calendar year .", "Any change"]),
        ("Line one\nLine two", ["Line one", "Line two"]),
        # a hard-wrapped sentence stays whole; a paragraph, list item or heading line ends one
        (
            "The United States and the Republic of Korea pledge to strengthen\nour alliance today. Next.",
            ["The United States and the Republic of Korea pledge to strengthen\nour alliance today.", "Next."],
        ),
        ("Legal working age\nThe minimum age is 14.", ["Legal working age", "The minimum age is 14."]),
        (
            "The two sides agree to cooperate on\n-   semiconductors\n-   batteries",
            ["The two sides agree to cooperate on", "-   semiconductors", "-   batteries"],
        ),
        ("First paragraph without a stop\n\nSecond paragraph", ["First paragraph without a stop", "Second paragraph"]),
        ("## Science and Technology\nWe will deepen our cooperation.", ["## Science and Technology", "We will deepen our cooperation."]),
        ("Costs $10.5 million. Done!", ["Costs $10.5 million.", "Done!"]),
        # "6G." ends a sentence: a letter after a digit is no initial ("J. Biden")
        (
            "Standards like 5G and 6G.\nOn the Korean side, ministries took part.",
            ["Standards like 5G and 6G.", "On the Korean side, ministries took part."],
        ),
        ("Led by J. Biden and the U.S. Navy. Done.", ["Led by J. Biden and the U.S. Navy.", "Done."]),
    ],
)
def test_sentence_splitter(text, expected):
    assert [text[a:b] for a, b in split_sentences(text)] == expected
