"""``assistant eval``'s definitions: question formats, correctness, support, citation validity."""

from __future__ import annotations

from assistant.evaluate import CitationChecker, parse_questions
from assistant.evaluate.metrics import contains_all, is_gold, percentile, supports


def test_the_three_question_formats():
    clap, ours, coop = parse_questions(
        [
            {"id": "c1", "question": "q?", "answerable": True, "gold_passage": "p7", "supporting_sentences": ["s"]},
            {"question": "q?", "answer_contains": ["$10 million"], "source": "a.md"},
            {"id": "u1", "question": "q?", "gold_doc": None, "answer_words": [], "kind": "unanswerable"},
        ]
    )
    assert clap.answerable and clap.gold_source == "p7.txt" and clap.supporting == ["s"]
    assert ours.answerable and ours.answer_contains == ["$10 million"] and ours.gold_source == "a.md"
    assert not coop.answerable and coop.id == "u1"


def test_correctness_support_and_gold_documents():
    assert contains_all("It is at least $10 million.", ["$10 Million"]) and not contains_all("ten million", ["$10 million"])
    assert supports("The NSF agreed to support research.", ["The U.S. NSF agreed to support research cooperation."])
    assert not supports("Something else entirely.", ["The NSF agreed."])
    assert is_gold("press/2024/a.md", "a.md") and is_gold("b.md", ["a.md", "b.md"]) and not is_gold("xa.md", "a.md")
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) in (2.0, 3.0) and percentile([], 95) == 0.0


def test_citation_validity_rereads_the_document(tmp_path):
    (tmp_path / "a.md").write_text("# Title\n\nThe ministry invests $10 million.\n")
    text = (tmp_path / "a.md").read_text()
    quote = "The ministry invests $10 million."
    start = text.index(quote)
    checker = CitationChecker(tmp_path)
    try:
        assert checker.valid("a.md", start, start + len(quote), quote)
        assert not checker.valid("a.md", start, start + len(quote), quote.replace("10", "20"))
        assert not checker.valid("missing.md", 0, 3, "abc")
    finally:
        checker.close()
