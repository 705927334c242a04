"""The checks of what was asked against what a read found, and the decision that combines them."""

from __future__ import annotations

import pytest

from assistant.answer.checks import Checks, anchor_match, answer_kind, counts_what_was_asked, coverage, names_in, run_checks, type_match, wants_name
from assistant.answer.decision import FEATURES, Decision, feature_vector


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How much will be invested in bioeconomy research?", "money"),
        ("What is the total budget of the AI working group?", "money"),
        ("How many jobs is Amazon's investment expected to create?", "count"),
        ("When will the channel be launched?", "date"),
        ("On which exact day in May 2023 was the meeting held?", "day"),
        ("How many dollars did Seoul commit to COVAX?", "money"),
        ("Which country chairs the network?", "place"),
        ("Who co-chaired the dialogue?", "name"),
        ("Where was the dialogue held?", "place"),
        ("Why is the minister worried about the new administration?", None),
        ("By how much will support for joint R&D rise next year?", None),
        ("Where does the United States rank among foreign investors?", None),
        ("How much did the new process cut the waiting time for E-2 investor visas?", "number"),
        ("How will the two countries cooperate on quantum research?", None),
        ("How often is the development dialogue held?", "frequency"),
    ],
)
def test_answer_kind(question, kind):
    assert answer_kind(question) == kind


def test_the_span_must_hold_the_kind_asked_for():
    assert type_match("How much support goes to quantum research?", "$10 million") == 1.0
    assert type_match("How much support goes to quantum research?", "9th") == 0.0
    # a count of jobs is neither an amount of money nor a year
    assert type_match("How many jobs will it create?", "2031") == 0.0
    assert type_match("How many jobs will it create?", "$5 billion") == 0.0
    assert type_match("How many jobs will it create?", "1,500 jobs") == 1.0
    assert type_match("When will it open?", "early next year") == 1.0
    assert type_match("On which exact day in May was it held?", "May") == 0.0
    assert type_match("On which exact day in May was it held?", "May 15") == 1.0
    assert type_match("How many volunteers served?", "1966-1981") == 0.0
    assert type_match("How much will Amazon invest in Korea, and by when?", "$5 billion") == 1.0  # either part
    assert type_match("How much do the institutes earn from technology transfer?", "200 billion", after=" won a year") == 1.0
    assert type_match("Who attended from the U.S. side?", "the Department of State") == 1.0
    assert type_match("Who attended from the U.S. side?", "the U.S. side") == 0.0  # only the question's own words
    assert type_match("Who will sit at the table?", "$10 million") == 0.0  # a figure is no one
    assert type_match("Who will sit at the table?", "governments and pharmaceutical companies") == 0.5  # may be right
    assert type_match("What did they agree on?", "joint research") == 0.5  # untyped


def test_anchors_are_the_years_and_ordinals_of_the_question():
    text = "The 1st Korea-U.S. Next-Generation Dialogue was held in Seoul in 2023, co-chaired by Jake Sullivan."
    assert anchor_match("Who co-chaired the first dialogue in Seoul?", text) == 1.0
    assert anchor_match("Who co-chaired the second dialogue in Seoul?", text) == 0.0
    assert anchor_match("Who co-chaired the dialogue in 2024?", text) == 0.0
    assert anchor_match("Who co-chaired the 1st dialogue in 2023?", text) == 1.0
    assert anchor_match("who co-chaired it?", text) == 1.0  # nothing to pin down


def test_coverage_is_the_share_of_question_keywords():
    assert coverage("budget of the AI working group", "an annual budget of 5 trillion won") < 0.5
    assert coverage("bioeconomy research support", "support research cooperation in the bioeconomy sector") == 1.0


def test_run_checks_reads_span_quote_and_surroundings():
    c = run_checks(
        "How much will be invested in bioeconomy research?",
        "$10 million",
        "They agreed to support research cooperation in the bioeconomy sector with at least $10 million.",
        "In the bio field, the two sides set out their plans.",
        "The 1st Korea-US Dialogue Held",
        "2023-12-09",
    )
    assert c == Checks(type_match=1.0, anchor_match=1.0, coverage=c.coverage) and c.coverage > 0.5


def test_a_decision_without_a_model_is_the_reader_probability_and_threshold():
    d = Decision.from_config({"threshold": 0.7}, 0.7)
    assert d.threshold == 0.7 and d.score(0.83, Checks(0.0, 0.0, 0.0)) == 0.83


def test_a_fitted_decision_weighs_the_checks():
    cfg = {"decision": {"weights": {"logit": 1.0, "anchor_match": 3.0, "coverage": 3.0}, "bias": -6.0, "threshold": 0.5, "type_veto": True}}
    d = Decision.from_config(cfg, 0.7)
    good, wrong_type = Checks(1.0, 1.0, 1.0), Checks(0.0, 1.0, 1.0)
    assert d.score(0.9, good) > d.threshold and d.score(0.9, wrong_type) == 0.0  # the span of the wrong kind is vetoed
    second_round, off_topic = Checks(1.0, 0.0, 1.0), Checks(1.0, 1.0, 0.2)
    assert d.score(0.9, second_round) < d.threshold and d.score(0.9, off_topic) < d.threshold
    assert len(feature_vector(0.9, good)) == len(FEATURES)


def test_a_name_is_wanted_for_who_where_and_which_agency():
    assert wants_name("Which Korean agency signed an MOU with Stanford?")
    assert wants_name("Who co-chaired the dialogue?") and wants_name("Where was it held?")
    assert not wants_name("How much will be invested?")
    quote = "the Korea Institute for Advancement of Technology signed a memorandum of understanding with Stanford."
    found = [quote[a:b] for a, b in names_in(quote, "Which Korean agency signed an MOU with Stanford?")]
    assert found == ["Korea Institute for Advancement of Technology"]  # "Stanford" is the question's own word


def test_a_direction_threshold_stands_for_the_common_one():
    from assistant.answer.decision import Decision

    d = Decision(0.71, directions={"ko-en": 0.51})
    assert abs(d.score(0.51, None, "ko-en") - 0.71) < 1e-6  # at its direction's threshold: at the common one
    assert d.score(0.6, None, "ko-en") > 0.71 > d.score(0.45, None, "ko-en")
    assert d.score(0.6, None, "ko-ko") == 0.6  # no threshold of its own: the probability itself


def test_why_wants_a_reason_and_how_a_method():
    from assistant.answer.checks import reason_match

    why = "Why did the two countries set up a cyber-working group?"
    assert reason_match(why, "They set up a cyber-working group, to learn from past cybercrime events.") == 1.0
    assert reason_match(why, "The dialogue was launched because supply chains proved fragile.") == 1.0
    assert reason_match(why, "The two countries set up a cyber-working group in May.") == 0.0
    how = "How will the working group go about its work?"
    assert reason_match(how, "It will work through sharing intelligence on cryptocurrency use.") == 1.0
    assert reason_match(how, "The working group was set up in August.") == 0.0
    assert reason_match("Who chairs the working group?", "anything") == 0.5


def _read(text: str, span: str):
    from assistant.answer.quotes import Read
    from assistant.schema import Passage
    from assistant.text.sentences import split_sentences

    p = Passage(source="a.md", title="T", page=None, text=text, start=0, end=len(text), score=1.0)
    a = text.index(span)
    return Read(p, 0, split_sentences(text), probability=0.5, start=a, end=a + len(span))


def test_the_quote_takes_the_sentence_that_gives_the_reason_or_the_method():
    from assistant.answer.quotes import widen

    reason = "We recognize the importance of addressing the root causes of migration from Central America."
    event = "To this end, the ROK pledges to increase its funding for the Northern Triangle countries to $220 million."
    r = _read(f"{reason} {event}", "$220 million")
    widen("Why did Korea raise its funding for the Northern Triangle countries?", r)
    assert r.text(*r.quote()) == f"{reason} {event}"

    r = _read(f"{reason} {event}", "root causes of migration")  # the reason's own sentence, the event after it
    widen("Why did Korea raise its funding for the Northern Triangle countries?", r)
    assert r.text(*r.quote()) == f"{reason} {event}"

    pilot = "We will start a baggage screening pilot between the two agencies."
    method = "The objective is to leverage transit time to screen checked baggage before arrival."
    other = "Trade grew in 2020."
    r = _read(f"{pilot} {method} {other}", "baggage screening pilot")
    widen("How is the baggage screening pilot meant to work?", r)
    assert r.text(*r.quote()) == f"{pilot} {method}"

    r = _read(f"{pilot} {method} {other}", "baggage screening pilot")
    widen("Who runs the baggage screening pilot?", r)  # not a why or how question: one sentence
    assert r.text(*r.quote()) == pilot


def test_a_count_of_something_else_is_the_wrong_kind():
    """A near miss: the passage counts students, the question asks for universities."""
    q = "How many Japanese and Korean universities take part in IBM's new quantum workforce program?"
    assert type_match(q, "40,000", " students over the next decade") == 0.0
    assert type_match("How many jobs will the purchase support?", "135,000", " American jobs.") == 1.0
    assert type_match("How many people attended the forum?", "about 300", " attended the forum") == 1.0
    assert counts_what_was_asked("How many aircraft did Korean Air order?", "103", " Boeing aircraft")
    assert type_match("How many U.S. jobs will the expansion create?", "3,000", " jobs in the United States.") == 1.0
    assert type_match("About how many people attended the signing?", "approximately 120", " experts of both countries") == 1.0


def test_how_often_wants_a_frequency_not_a_figure():
    """ "Biennial" has no digit, yet it is the answer; a bare amount is not."""
    question = "How often is the senior-level development dialogue held?"
    assert type_match(question, "biennial") == 1.0
    assert type_match(question, "twice", after=" a year") == 1.0
    assert type_match(question, "every two years") == 1.0
    assert type_match(question, "$6.2 million") == 0.0
    assert type_match(question, "in Seoul") == 0.0


def test_a_why_question_is_answered_by_a_reason_or_not_at_all():
    """The near miss: a sentence that names the event and goes on about something else. The answerable twin:
    a purpose clause the reader doubts."""
    from assistant.answer.reasons import WHY_SCORE, adjust_why, span_is_reason

    text = "The ROK Air Force selected L3Harris to develop its new aircraft in a $2.3 billion deal that will support over 6,000 American jobs."
    r = _read(text, "will support over 6,000 American jobs")
    r.score = 0.86
    adjust_why([r], "Why did the ROK Air Force choose L3Harris over other bidders?", threshold=0.71)
    assert r.score == 0.0  # no reason given: vetoed

    text = "The two Presidents will direct their National Security Councils to launch an Economic Security Dialogue to align the policy approaches of the two governments."
    r = _read(text, "align the policy approaches of the two governments")  # the reader left the "to" out
    assert span_is_reason(r)
    r.score = WHY_SCORE + 0.05
    adjust_why([r], "Why did the two Presidents launch an economic security dialogue?", threshold=0.71)
    assert r.score == 0.71  # the reason itself, doubted by the reader: it answers
    ensure = text.replace("to align the policy approaches of the two governments", "to ensure that their policies align")
    r = _read(ensure, "Economic Security Dialogue")
    r.score = WHY_SCORE + 0.05
    adjust_why([r], "Why did the two Presidents launch an economic security dialogue?", threshold=0.71)
    assert r.score == WHY_SCORE + 0.05  # a reason stands in the quote, but the span is not it: unchanged

    # a means or a consequence that is the rationale is a reason too; other questions are left alone
    r = _read("Making these investments will help lower costs by making our supply chains more resilient.", "making our supply chains more resilient")
    r.score = 0.8
    adjust_why([r], "Why would the investments help lower costs?", threshold=0.71)
    assert r.score == 0.8
    r = _read("He backed the request to add Australia as a domestic source, which would\nstreamline collaboration.", "streamline collaboration")
    r.score = 0.8
    adjust_why([r], "Why did he back the request?", threshold=0.71)
    assert r.score == 0.8
    r = _read(text, "Economic Security Dialogue")
    r.score = 0.8
    adjust_why([r], "What will the two Presidents launch?", threshold=0.71)
    assert r.score == 0.8
    # a name is a who, never a why, however well the quote goes on to give a reason
    backed = "Prime Minister Albanese backed the request to add Australia as a domestic source, which would streamline collaboration."
    r = _read(backed, "Prime Minister Albanese")
    r.score = 0.8
    adjust_why([r], "Why did Congress reject the request to add Australia as a domestic source?", threshold=0.71)
    assert r.score == 0.0


def test_a_named_place_is_asked_by_which_country_or_state_and_an_abbreviation_names_no_one():
    """ "In which U.S. states ...?" over "... maintenance, repair, and overhaul (MRO), shipyard automation, and new
    construction of U.S.-flagged vessels" (a near miss): the span names no state, so it is of the wrong kind."""
    question = "In which U.S. states will Samsung Heavy Industries and Vigor Marine Group carry out their overhaul cooperation?"
    assert answer_kind(question) == "place"
    span = "naval vessel maintenance, repair, and overhaul (MRO), shipyard automation, and new construction of U.S.-flagged vessels"
    assert names_in(span, question) == []
    assert type_match(question, span) == 0.0
    assert type_match(question, "Alabama and Washington") == 1.0
    assert type_match("Where will the center be set up?", "at the headquarters") == 0.5  # "where" may be a common noun
    # an abbreviation of proper names is part of a name, and still counts
    assert names_in("the Korea Institute for Advancement of Technology (KIAT)", "Which agency signed it?") == [(4, 49)]


def test_a_name_that_spells_out_the_questions_acronym_is_the_questions_own():
    """ "Which Japanese institute signed the memorandum with NIST?": NIST spelled out is not the answer."""
    question = "Which Japanese institute signed the Memorandum of Cooperation with NIST?"
    assert names_in("the U.S. National Institute of Standards and Technology", question) == []
    text = "Japan's National Institute of Advanced Industrial Science and Technology"
    assert names_in(text, question)  # another institute: a name the question does not use


def test_a_pronoun_names_no_one_a_name_of_wants_a_name_and_a_dollar_value_is_money():
    """Near misses whose span is of the wrong kind: "Where will the dialogue be held?" answered "They" (the
    sentence gives only its timing), "What is the name of the cubesat?" answered "rideshare", "What is the total
    dollar value of the LNG agreements?" answered "3.3 million tons"."""
    assert names_in("They", "Where will the trilateral dialogue be held?") == []
    assert type_match("Where will the trilateral dialogue be held?", "They") == 0.0
    assert type_match("Where will the center be set up?", "at the headquarters") == 0.5  # a common noun may be a place
    assert answer_kind("What is the name of the Korean cubesat on Artemis II?") == "name"
    assert type_match("What is the name of the Korean cubesat on Artemis II?", "rideshare") == 0.0
    assert type_match("What is the name of the trilateral exercise?", "Freedom Edge") == 1.0
    assert answer_kind("What is the total dollar value of the LNG purchase agreements?") == "money"
    assert type_match("What is the total dollar value of the LNG purchase agreements?", "3.3 million tons") == 0.0
    assert type_match("What is the total dollar value of the LNG purchase agreements?", "$12 billion") == 1.0
