"""Analyst questions end to end: a whole list, a named source, two parts, and a part the documents lack.

Real components: the shipped reader, the real encoder and index, over the seeds and two of the
cooperation documents in ``../shared/eval/cooperation_docs``.
"""

from __future__ import annotations

import shutil

import pytest

from assistant import Assistant

from conftest import SHARED, needs_shared

COOP = SHARED / "eval" / "cooperation_docs" / "korea_us"
JOINT_2021 = "2021-05-21-u-s-rok-leaders-joint-statement.md"
FACT_2025 = "2025-11-13-joint-fact-sheet-on-president-donald-j-trumps-meeting-with-president-lee-jae-myung.md"

pytestmark = needs_shared(COOP)


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    base = tmp_path_factory.mktemp("analyst")
    corpus = base / "corpus"
    corpus.mkdir()
    for name in (JOINT_2021, FACT_2025):
        shutil.copy(COOP / name, corpus / name)
    for p in (SHARED / "corpus" / "seeds").glob("*.txt"):
        shutil.copy(p, corpus / p.name)
    return Assistant(corpus, base / "index")


def test_a_list_question_gets_every_item(bot):
    ans = bot.ask(
        "In the May 2021 Biden-Moon joint statement, which priority sectors did the two presidents name when agreeing to make their supply chains more resilient?"
    )
    assert ans.grounded and ans.citations[0].source == JOINT_2021
    assert ans.items == ["semiconductors", "eco-friendly EV batteries", "strategic and critical materials", "pharmaceuticals"]
    assert all(item in ans.citations[0].quote.replace("\n", " ") for item in ans.items)


def test_two_parts_each_answered_with_its_citation(bot):
    ans = bot.ask("How much will Korea spend on U.S. military equipment, and by what year?")
    assert ans.grounded and len(ans.parts) == 2
    assert [p.grounded for p in ans.parts] == [True, True]
    assert "$25 billion" in ans.parts[0].text and "2030" in ans.parts[1].text
    assert all(p.citations and set(p.citations) <= {c.n for c in ans.citations} for p in ans.parts)


def test_a_part_the_documents_lack_is_said_to_be_missing(bot):
    ans = bot.ask(
        "In the November 2025 Trump-Lee joint fact sheet, how much did Korea commit to spend on U.S. military equipment purchases, and how many fighter jets will it buy?"
    )
    assert ans.grounded and [p.grounded for p in ans.parts] == [True, False]
    assert ans.citations[0].source == FACT_2025 and "$25 billion" in ans.parts[0].text
    assert ans.parts[1].text.startswith("The documents do not answer this part") and "fighter jets" in ans.parts[1].text
    assert "do not answer this part" in ans.text


def test_context_then_question_reads_the_asked_clause(bot):
    ans = bot.ask(
        "The Asia Business Daily reported on the first Korea-U.S. next-generation technologies dialogue. "
        "According to that report, how much support will go to research cooperation in the bioeconomy sector?"
    )
    assert ans.grounded and "10 million" in (ans.short or "")
    assert "next-generation" in ans.citations[0].source or "dialogue" in ans.citations[0].title.lower()
