"""The shared text analysis: sentences, headings, keywords and dates (one implementation each)."""

from __future__ import annotations

import pytest

from assistant.text.dates import document_date, file_name_year, query_dates
from assistant.text.headings import is_heading, is_headline
from assistant.text.keywords import query_tokens, tokenize
from assistant.text.sentences import split_sentences


def _sentences(text):
    return [text[a:b] for a, b in split_sentences(text)]


def test_sentences_keep_abbreviations_and_initials_whole():
    text = "U.S. officials met Dr. Kim on Nov. 15 in Seoul. They signed an MOU. Next steps follow!"
    assert _sentences(text) == ["U.S. officials met Dr. Kim on Nov. 15 in Seoul.", "They signed an MOU.", "Next steps follow!"]


def test_a_headline_line_ends_a_sentence_but_a_wrapped_line_does_not():
    text = "The 1st Korea-US Dialogue Held\nThe two sides met in Seoul on Friday and agreed to\ncooperate on quantum research."
    assert _sentences(text) == [
        "The 1st Korea-US Dialogue Held",
        "The two sides met in Seoul on Friday and agreed to\ncooperate on quantum research.",
    ]


def test_a_title_case_line_inside_a_wrapped_sentence_is_no_headline():
    """A hard-wrapped name ("Japan's National Institute of Advanced Industrial / Science and Technology") would
    read as a Title Case headline; it continues the line before, which ends mid-sentence."""
    text = (
        "We also celebrate the signing of a Memorandum of\n"
        "Cooperation between Japan's National Institute of Advanced Industrial\n"
        "Science and Technology (AIST) and the U.S. National Institute of\n"
        "Standards and Technology (NIST) as a first step."
    )
    assert _sentences(text) == [text]
    # the day of a date wrapped after its month is no numbered item
    date = "It follows the two leaders' first meeting in Washington on August\n25. Notably, it is the first time."
    assert _sentences(date) == ["It follows the two leaders' first meeting in Washington on August\n25.", "Notably, it is the first time."]
    # two title lines in a row stay two titles
    titles = (
        "Exploring Cooperation for the Korea-US Established 'Semiconductor Technology Center'\n$10 Million Support for Research\nThe two sides met."
    )
    assert len(_sentences(titles)) == 3


@pytest.mark.parametrize(
    "line,heading",
    [
        ("Legal working age", True),
        ("## Funding", True),
        ("- $2.5 billion for 5G", False),
        ("Net revenue $ 1,234", False),
        ("The ministry will invest $10 million.", False),
        ("The 1st Korea-US Dialogue Held", True),
        # a headline carrying a figure is still a headline (the seed page's third title line)
        ("$10 Million Support for Research Cooperation in the Bioeconomy Sector", True),
        ("Parts and materials technology development", True),  # a section label: no verb
        # a line is not a heading merely because it lacks its closing period
        ("The science minister visited Washington in May 2024 to discuss quantum research", False),
        ("Korea will host the AI summit next year", False),
        ("$2.5 billion for secure 5G and 6G networks", False),  # an unpunctuated fact-sheet bullet's text
        ("Total Revenue 1,234", False),  # a short table row with figures is data
    ],
)
def test_headings(line, heading):
    assert is_heading(line, "", "") is heading


@pytest.mark.parametrize(
    "item",
    [
        "- Korea and the U.S. will launch a quantum working group",
        "• The two sides agreed to expand joint research support",
        "3) NIST and KRISS to cooperate on quantum computing",
    ],
)
def test_unpunctuated_bullet_items_are_not_headings(item):
    assert not is_heading(item, "\n", "\n")


def test_a_headline_is_title_case_and_short():
    assert is_headline("Korea and U.S. Sign Quantum Pact")
    assert not is_headline("the ministry said on Friday that it")


def test_keywords_match_names_numbers_and_percent_as_people_type_them():
    assert set(tokenize("Cho Tae-yong")) >= {"tae", "yong", "taeyong"}
    assert "3000" in tokenize("3,000 researchers") and "percent" in tokenize("60%")
    assert "2022" in tokenize("FY2022 budget") and "nasa" in tokenize("NASA's plan")
    assert "what" not in query_tokens("What did NASA say?") and query_tokens("what") == tokenize("what")


def test_dates():
    assert query_dates("What did the May 2021 summit say?") == ({"2021"}, {5})
    assert query_dates("What may the 2021 summit say?") == ({"2021"}, set())
    assert query_dates("It costs $2021.") == (set(), set())
    assert document_date("2024-05-21", "x.md") == "2024-05-21"
    assert document_date(None, "2023-12-09_dialogue.md") == "2023-12-09"
    assert document_date("yesterday", "notes.md") is None
    assert file_name_year("3M_2018_10K") == "2018" and file_name_year("A_2018_2019") is None
