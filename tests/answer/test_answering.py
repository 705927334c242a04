"""Cited answers on the bundled corpus: correctness, honest refusals, verifiable quotes, follow-ups."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import time

import pytest

from assistant.evaluate import CitationChecker, evaluate, parse_questions, read_jsonl
from assistant.text.headings import is_heading
from assistant.text.sentences import split_sentences

from conftest import ROOT

QUESTIONS = ROOT / "benchmarks" / "questions" / "seed_questions.jsonl"


@pytest.fixture(scope="module")
def seed_eval(seed_bot):
    return evaluate(seed_bot, parse_questions(read_jsonl(QUESTIONS)))


def test_seed_questions_answered_correctly_with_the_right_source(seed_eval):
    m = seed_eval["metrics"]
    wrong = [r for r in seed_eval["rows"] if r["answerable"] and not r.get("correct")]
    assert m["answerable"] >= 30
    # The reader's level on these questions is 25/30 (the aim is 27/30; see docs/answering.md).
    assert m["answer_correct"] >= 0.80, json.dumps(wrong, indent=1)[:3000]


def test_unanswerable_seed_questions_are_refused(seed_eval):
    m = seed_eval["metrics"]
    answered = [r for r in seed_eval["rows"] if not r["answerable"] and r["grounded"]]
    assert m["unanswerable"] >= 6
    # 5 of 7 today (the aim is 6 of 7; see docs/answering.md)
    assert m["unanswerable_refused"] >= 5 / 7, answered


def test_every_citation_is_verbatim_document_text(seed_eval):
    assert seed_eval["metrics"]["citations"] > 20  # enough quotes for the check to mean something
    assert seed_eval["metrics"]["citation_validity"] == 1.0


def test_answer_shape(seed_bot):
    ans = seed_bot.ask("How much will be invested in bioeconomy research?")
    assert ans.grounded and "$10 million" in ans.text and "[1]" in ans.text
    assert ans.answerer == "reader" and ans.confidence >= seed_bot.reader.decision.threshold
    assert 1 <= len(ans.citations) <= seed_bot.settings.reader.citations
    c = ans.citations[0]
    assert c.n == 1 and c.title and c.source.endswith(".md") and c.page is None
    assert c.quote in c.context and c.context_start <= c.start
    checker = CitationChecker(seed_bot.corpus_dir)
    assert all(checker.valid(c.source, c.start, c.end, c.quote) for c in ans.citations)
    # the short answer is the reader's span, inside the first quote, at its document offsets
    assert "$10 million" in ans.short and len(ans.short.split()) <= 6
    assert c.start <= c.answer_start < c.answer_end <= c.end
    assert c.quote[c.answer_start - c.start : c.answer_end - c.start] == ans.short
    # Markers only refer to existing citations.
    assert {int(n) for n in re.findall(r"\[(\d+)\]", ans.text)} == {c.n for c in ans.citations}


def test_refusal_says_so_plainly(seed_bot):
    ans = seed_bot.ask("What is the capital of Australia?")
    assert not ans.grounded and not ans.citations and ans.short is None
    assert "do not answer" in ans.text


@pytest.mark.parametrize(
    "question",
    [
        # on topic, but the passages hold no such figure: the reader finds no answer span
        "How many students will the IIE exchange program send to the United States?",
        # the research institutes' 5 trillion won budget is another entity's
        "What is the budget of the new AI safety research institute?",
        # a near miss: the right company, another plant
        "How much did Samsung agree to invest in its Texas chip plant?",
    ],
)
def test_on_topic_passages_without_the_answer_are_refused(seed_bot, question):
    ans = seed_bot.ask(question)
    assert not ans.grounded and not ans.citations, ans.text
    assert "do not answer" in ans.text and ans.related


def test_a_long_sentence_that_holds_the_answer_is_answered(seed_bot):
    # a long sentence listing next year's plans: its cosine to the question is low
    ans = seed_bot.ask("What national committees will the government launch next year?")
    assert ans.grounded and "quantum and biotech" in ans.text


@pytest.mark.xfail(
    strict=True, reason="known reader miss: the quantum question is answered with the battery sentence of the same passage (docs/answering.md)"
)
def test_follow_up_uses_the_conversation(seed_bot):
    first = "Which institutes will cooperate on next-generation quantum computer research?"
    a1 = seed_bot.ask(first)
    assert a1.grounded and "NIST" in a1.text
    a2 = seed_bot.ask("And what about batteries?", history=[(first, a1.text)])
    assert a2.grounded
    assert "batter" in a2.text.lower()


def test_a_follow_up_is_about_its_new_topic(seed_bot):
    """ "And what about semiconductors?" asks how much money goes to semiconductors: the
    bioeconomy sentence must not answer it again, and since no document gives a semiconductor
    amount, the honest answer is a refusal (or a semiconductor sentence with an amount)."""
    first = "How much money will go to bioeconomy research?"
    a1 = seed_bot.ask(first)
    assert a1.grounded and "$10 million" in a1.short
    a2 = seed_bot.ask("And what about semiconductors?", history=[(first, a1.text)])
    if a2.grounded:
        assert "semiconductor" in a2.citations[0].quote.lower() and "$10 million" not in (a2.short or "")
        assert a2.short and re.search(r"[$₩]|\bwon\b|dollars", a2.short), a2.text
    else:
        assert "do not answer" in a2.text


def test_no_repeated_facts(seed_bot):
    ans = seed_bot.ask("Who co-chaired the Korea-U.S. technology dialogue in Seoul?")
    quotes = [" ".join(c.quote.split()) for c in ans.citations]
    assert len(quotes) == len(set(quotes))
    assert ans.text.count("co-chaired") <= 1


def test_ask_latency(seed_bot):
    qs = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]
    seed_bot.ask(qs[0])  # warm-up
    times = []
    for q in qs:
        t = time.perf_counter()
        seed_bot.ask(q)
        times.append(time.perf_counter() - t)
    # A generous bound here (the CI machine is shared); benchmarks/reader_bench.py reports the real figure.
    assert statistics.median(times) < 1.0


def test_cli_ask_json(tmp_path, corpus):
    idx = tmp_path / "idx"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "ask",
            "Who co-chaired the technology dialogue in Seoul?",
            "--json",
            "--corpus",
            str(corpus),
            "--index",
            str(idx),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {"text", "grounded", "citations"} <= out.keys()
    assert out["grounded"] and "Sullivan" in out["text"] and out["short"]
    c = out["citations"][0]
    assert {"n", "source", "title", "page", "quote", "start", "end", "score", "answer_start", "answer_end"} <= c.keys()
    assert c["start"] <= c["answer_start"] < c["answer_end"] <= c["end"]


def test_module_level_ask(monkeypatch, seed_bot):
    import assistant

    monkeypatch.setattr(assistant, "_default", seed_bot)
    assert assistant.ask("Which Korean agency signed an MOU with Stanford?").grounded


@pytest.mark.parametrize(
    "text, before, after, heading",
    [
        ("Legal working age", "", "\n", True),
        ("## Science and Technology", "\n", "\n", True),
        ("**<u>Technology and Innovation</u>**", "\n", "\n", True),
        ("The minimum age is 14.", "\n", "\n", False),  # a sentence, even on its own line
        ("-   $2.5 billion for 5G", "\n", "\n", False),  # a list item can be the answer
        ("Legal working age", ".", " ", False),  # not a line of its own
        ("The 1st Korea-US Dialogue Held\nExploring Cooperation on Chips", "", "\n", True),  # ordinals are not data
    ],
)
def test_headings_are_not_quoted_as_answers(text, before, after, heading):
    assert is_heading(text, before, after) is heading


def test_a_short_line_with_figures_is_data_not_a_heading():
    assert is_heading("2017 Monster Energy NASCAR Cup Series", "", "\n")
    assert not is_heading("Net revenue $ 1,234 $ 1,100", "\n", "\n")


def test_headline_lines_end_their_own_sentence():
    """A news page's headline and subtitle (no full stops) are not part of the quoted sentence."""
    text = "Dialogue Held in Seoul\n$10 Million Support for Bioeconomy Research\nSouth Korea and the United States agreed on the 9th to expand joint research."
    i, j = split_sentences(text)[-1]
    assert text[i:j].startswith("South Korea and the United States agreed")
    for wrapped in (
        "The two sides agreed to expand\njoint research next year.",  # a hard-wrapped sentence
        "-   Nuclear Consultative Group (NCG): The United States and the ROK\n    launched an NCG.",
        "We, National Security Advisor Jake Sullivan, National Security Advisor\nAkiba Takeo, met.",
        "National Security Council And The Korea Research Institute of\nStandards and Science signed it.",
        "-   The Korea Institute Of Science And Technology Evaluation And Planning\n    Will Lead It.",  # a list item's wrap
    ):
        assert split_sentences(wrapped) == [(0, len(wrapped))]


def test_a_bare_paragraph_number_is_never_quoted():
    """ "18." standing before a paragraph is a sentence to the splitter, and the reader may pick its figure as
    the answer to "how many jobs ...?"."""
    from assistant.answer.quotes import quotable_sentences
    from assistant.index.sentences import SentenceVectors
    from assistant.schema import Passage

    text = "The plant will serve growing markets.\n\n18.\u00a0\u00a0 President Biden and Prime Minister Modi met.\n(b) They agreed."
    p = Passage(source="a.md", title="A", page=None, text=text, start=0, end=len(text), score=1.0)
    quoted = [text[a:b] for a, b in quotable_sentences(SentenceVectors.empty(384), p)]
    assert "18." not in quoted and "The plant will serve growing markets." in quoted


def test_a_read_without_an_answer_span_cannot_answer():
    """A passage whose sentences are all headings gives the reader nowhere to put a span."""
    from assistant.answer.quotes import Read, compose
    from assistant.schema import Passage

    p = Passage(source="a.md", title="T", page=None, text="Legal working age", start=0, end=17, score=1.0)
    text, cites, short = compose([Read(p, 0, [], probability=0.99)], threshold=0.7)
    assert (text, cites, short) == ("", [], "")
