"""Taking analyst questions apart: the asked clause, the named source, the context, the parts, lists."""

from __future__ import annotations

import pytest

from assistant.text.asking import asks_for_list, named_source, parse_question, split_parts


def test_lead_in_naming_the_source_is_not_read():
    a = parse_question(
        "According to the White House fact sheet on Yoon's April 2023 state visit, how large an investment does Samsung's plant represent?"
    )
    assert a.source == "the White House fact sheet on Yoon's April 2023 state visit"
    assert a.clause == "How large an investment does Samsung's plant represent?"
    assert a.parts == [a.clause]


def test_context_sentences_only_identify_the_event():
    a = parse_question(
        "After Camp David, the State Department planned a youth summit in Busan in early 2024. "
        "According to the leaders' November 2024 joint statement, in which country will the 2025 Youth Summit be held?"
    )
    assert a.context.startswith("After Camp David")
    assert a.clause == "In which country will the 2025 Youth Summit be held?"
    assert a.source == "the leaders' November 2024 joint statement"


def test_a_source_named_in_the_context_resolves_that_report():
    a = parse_question("The Asia Business Daily reported on the first dialogue. According to that report, which institute signed the MOU?")
    assert a.source == "The Asia Business Daily"
    assert a.clause == "Which institute signed the MOU?"


@pytest.mark.parametrize(
    "clause, parts",
    [
        (
            "How much did Korea commit to spend on military equipment purchases, and by what year?",
            [
                "How much did Korea commit to spend on military equipment purchases?",
                "By what year did Korea commit to spend on military equipment purchases?",
            ],
        ),
        (
            "How much had Korea contributed to Ukraine, and to which USAID initiative does its ministry plan to contribute?",
            ["How much had Korea contributed to Ukraine?", "To which USAID initiative does its ministry plan to contribute?"],
        ),
        ("Which agencies signed the research and development agreement?", ["Which agencies signed the research and development agreement?"]),
        (
            "When and where was the second meeting of the dialogue held?",
            ["When was the second meeting of the dialogue held?", "Where was the second meeting of the dialogue held?"],
        ),
    ],
)
def test_parts(clause, parts):
    assert split_parts(clause) == parts


def test_each_part_keeps_the_source_it_names():
    a = parse_question(
        "How many jobs did the White House say Korean Air's purchase would support, and how many jobs did the 2023 Biden-Modi statement say Air India's deal would support?"
    )
    assert len(a.parts) == 2
    assert a.source_of(a.parts[0]) is None
    assert a.source_of(a.parts[1]) == "the 2023 Biden-Modi statement"


@pytest.mark.parametrize(
    "question, listing",
    [
        ("Which priority sectors did the two presidents name when agreeing to cooperate?", True),
        ("What four tasks does the fact sheet assign to the working group?", True),
        ("What areas will the shipbuilding working group cover?", True),
        ("Which kinds of next-generation secondary batteries were singled out?", True),
        ("Which agency signed the MOU?", False),
        ("What is the budget of the program?", False),
        ("How many jobs will it create?", False),
        ("What does the process involve?", False),
    ],
)
def test_list_questions(question, listing):
    assert asks_for_list(question) is listing


def test_no_source_in_a_plain_question():
    assert named_source("How much will be invested in bioeconomy research?") is None


def test_a_pointer_to_the_context_is_read_as_what_the_context_described():
    a = parse_question(
        "In April 2024 Biden and Kishida said they would build on an announcement to pursue trilateral cooperation with Japan on "
        "unmanned aerial systems. According to the U.S.-Australia statement from that visit, what does that cooperation aim to do?"
    )
    assert a.clause == "What does the cooperation with Japan on unmanned aerial systems aim to do?"
    b = parse_question("Seoul agreed to implement the bio-foundry MOU between LBNL and KRIBB. Which goals does that MOU support?")
    assert b.clause == "Which goals does the bio-foundry MOU between LBNL and KRIBB support?"
    # a pointer inside a proper name is left alone
    c = parse_question("The minister attended the APEC summit meetings. In what capacity was India invited to attend that APEC Summit?")
    assert c.clause.endswith("that APEC Summit?")


def test_the_same_visit_takes_the_context_date():
    a = parse_question(
        "The April 2023 state-visit fact sheet said the ROK planned to host a round in Busan. "
        "In the joint statement from the same visit, at which regional forum did the two nations commit to cooperate?"
    )
    assert a.source == "the joint statement from the same visit (April 2023)"


@pytest.mark.parametrize(
    "part, read",
    [
        (
            "How many U.S. jobs did the White House say Korean Air's October 2025 Boeing purchase would support?",
            "How many U.S. jobs would Korean Air's October 2025 Boeing purchase support?",
        ),
        ("How did Yoon say at Goddard that future KASA-NASA cooperation should begin?", "How should future KASA-NASA cooperation begin?"),
        (
            "How does the Technology Prosperity Deal MOU say the two sides will identify threats to the research enterprise?",
            "How will the two sides identify threats to the research enterprise?",
        ),
        # no modal in the reported clause: left as asked, so that it stays a question
        ("What did the United States say it anticipated with the new agency?", "What did the United States say it anticipated with the new agency?"),
        (
            "Which strategic fields does the same report describe as areas of competition?",
            "Which strategic fields does the same report describe as areas of competition?",
        ),
        ("How many jobs will the plant create?", "How many jobs will the plant create?"),
    ],
)
def test_the_reader_reads_the_clause_inside_a_reporting_frame(part, read):
    from assistant.text.asking import reading_form

    assert reading_form(part) == read


def test_a_later_part_that_points_back_is_retrieved_with_the_first_part():
    asked = parse_question("What is the budget of the U.S.-Australia cyber pilot initiative, and which country will host it first?")
    first, second = asked.parts
    assert asked.retrieval_text(first) == first
    assert asked.retrieval_text(second) == f"{second} {first}"  # "it": the pilot initiative
    plain = parse_question("How much will Amazon invest in Korea, and how many jobs will the plant in Ohio create?")
    assert plain.retrieval_text(plain.parts[1]) == plain.parts[1]


def test_the_same_statement_takes_the_date_of_the_context_when_the_context_names_no_source():
    asked = parse_question(
        "At their May 2022 summit, Biden welcomed Korea's decision to join the FIRST program. "
        "In the same joint statement, what did the two presidents say the energy supply chains would include?"
    )
    assert asked.source == "the same joint statement (May 2022)"


def test_a_question_after_a_semicolon_is_asked_and_the_clause_before_it_is_context():
    a = parse_question(
        "When Biden hosted Albanese in October 2023, they welcomed a $3 billion Microsoft investment in Australia. "
        "Six months later Biden and Kishida welcomed a Microsoft investment in Japan; how large was that one?"
    )
    assert a.parts == ["How large was the Microsoft investment in Japan?"]
    assert a.context.endswith("welcomed a Microsoft investment in Japan")
    b = parse_question(
        "Less than a year later the two governments concluded the U.S.-Korea Technology Prosperity Deal; "
        "according to the MOU's text, when does it become operative?"
    )
    assert b.parts == ["When does the U.S.-Korea Technology Prosperity Deal become operative?"]
    assert b.source == "the MOU's text"
    # a semicolon inside the asked question stays: what follows it is not a question of its own
    c = parse_question("Which agencies signed the MOU; the ministry and which institute?")
    assert c.context == ""
    # "it" and "that one" stand for the thing the context ends with, never for a phrase after a preposition
    d = parse_question("Korea opened a new center for research in the Pacific. When did it open?")
    assert d.parts == ["When did the new center for research in the Pacific open?"]


def test_a_document_noun_after_a_verb_names_no_source():
    q = "Which development finance institutions from the three countries were signing an MOU at Camp David in August 2023?"
    assert parse_question(q).source is None
