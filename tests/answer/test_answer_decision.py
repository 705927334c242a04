"""The answer decision on the cases that showed what it must check (the reader issue's regressions).

Real components throughout: the shipped reader and its fitted decision, the real encoder and index,
over the seed texts as the plain ``.txt`` files in ``../shared/corpus/seeds`` and small documents
written here.
"""

from __future__ import annotations

import re
import shutil

import pytest

from assistant import Assistant

from conftest import SEEDS, needs_shared


@pytest.fixture(scope="module")
def seed_texts(tmp_path_factory):
    """An assistant over the three seed texts as plain text files: no front matter, headline lines first."""
    base = tmp_path_factory.mktemp("seedtxt")
    corpus = base / "corpus"
    corpus.mkdir()
    for p in sorted(SEEDS.glob("*.txt")):
        shutil.copy(p, corpus / p.name)
    return Assistant(corpus, base / "index")


@needs_shared(SEEDS)
def test_a_headline_is_never_quoted_as_the_answer(seed_texts):
    """ "$10 Million Support for Research Cooperation in the Bioeconomy Sector" is a headline; the
    quantum question has no amount in the documents."""
    ans = seed_texts.ask("How much support goes to quantum research cooperation?")
    assert not any(c.quote.startswith("$10 Million Support") for c in ans.citations)
    assert not ans.grounded, ans.text


@needs_shared(SEEDS)
@pytest.mark.parametrize(
    "question",
    [
        "What is the annual budget of the battery research MOU?",
        "How much will the U.S. spend on the pharmaceutical supply chain channel?",
        "What is the total budget of the AI working group?",
    ],
)
def test_a_budget_the_documents_do_not_give_is_refused(seed_texts, question):
    """The entity is in the documents, its budget is not: another amount must not stand in for it."""
    ans = seed_texts.ask(question)
    assert not ans.grounded, f"{ans.short!r} from {ans.text}"


@needs_shared(SEEDS)
def test_the_short_answer_names_the_side_asked_about(seed_texts):
    """One sentence lists both sides: "On the Korean side, ... participated, while on the U.S. side, ... attended"."""
    ans = seed_texts.ask("Who attended from the U.S. side?")
    assert ans.grounded and ans.short, ans.text
    assert "Ministry" not in ans.short  # the Korean side's ministries
    assert re.search(r"Department of State|Department of Energy|National Science Foundation|OSTP|OPPR", ans.short)


@needs_shared(SEEDS)
def test_a_follow_up_about_another_topic_does_not_borrow_an_unrelated_span(seed_texts):
    """After the bioeconomy amount, "And what about semiconductors?" asks for an amount for
    semiconductors, which no document gives: a list of plans naming "angstrom-level
    semiconductors" is not that amount."""
    first = "How much will be invested in bioeconomy research?"
    a1 = seed_texts.ask(first)
    assert a1.grounded and "$10 million" in a1.short
    a2 = seed_texts.ask("And what about semiconductors?", history=[(first, a1.text)])
    assert not a2.short or "$" in a2.short or "won" in a2.short, a2.text
    assert "angstrom" not in (a2.short or "")


def test_a_one_line_note_without_a_period_answers(tmp_path):
    """A sentence is not a heading because it lacks its closing period."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("The science minister visited Washington in May 2024 to discuss quantum research", encoding="utf-8")
    ans = Assistant(corpus, tmp_path / "index").ask("Where did the science minister go in May 2024?")
    assert ans.grounded and ans.short == "Washington", ans.text


def test_unpunctuated_bullet_items_answer(tmp_path):
    """Fact sheets list their commitments as bullet items without periods."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "fact-sheet.md").write_text(
        "---\ntitle: Fact Sheet: Health Security Partnership\n---\n"
        "# Fact Sheet: Health Security Partnership\n\n"
        "The two governments announced the following commitments:\n\n"
        "- The Republic of Korea will contribute $200 million to the Global Health Security Agenda\n"
        "- The United States will train 500 public health workers in the Indo-Pacific region\n"
        "- Both sides will hold a health security dialogue in the fall\n",
        encoding="utf-8",
    )
    bot = Assistant(corpus, tmp_path / "index")
    ans = bot.ask("How much will Korea contribute to the Global Health Security Agenda?")
    assert ans.grounded and "$200 million" in (ans.short or ""), ans.text
    assert "The Republic of Korea will contribute" in ans.citations[0].quote


def test_the_short_answer_names_the_agency_not_the_agreement(seed_bot):
    """ "Which Korean agency signed an MOU with Stanford?": the span must be the agency's name,
    not "memorandum of understanding" (the question's MOU in other words)."""
    ans = seed_bot.ask("Which Korean agency signed an MOU with Stanford?")
    assert ans.grounded and ans.short == "Korea Institute for Advancement of Technology", ans.short


def test_a_subject_of_several_names_is_answered_whole(seed_bot):
    """ "Who co-chaired the dialogue in Seoul?": the sentence's subject is "Cho Tae-yong, Director of
    the National Security Office, and Jake Sullivan": both co-chairs, not the last name alone."""
    ans = seed_bot.ask("Who co-chaired the dialogue in Seoul?")
    assert ans.grounded and ans.short.startswith("Cho Tae-yong") and "Jake Sullivan" in ans.short, ans.short
