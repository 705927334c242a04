"""Lists found inside a sentence, and several-part answers joined into one reply with honest gaps."""

from __future__ import annotations

from assistant.answer.lists import sentence_lists
from assistant.answer.parts import combine_parts
from assistant.schema import Answer, Citation


def _items(sentence):
    return [[sentence[a:b] for a, b in run] for run in sentence_lists(sentence)]


def test_items_after_a_cue():
    s = "We agree to cooperate in priority sectors such as semiconductors, eco-friendly EV batteries, strategic and critical materials, and pharmaceuticals."
    assert _items(s) == [["semiconductors", "eco-friendly EV batteries", "strategic and critical materials", "pharmaceuticals"]]


def test_items_after_a_preposition_and_parentheses_kept_whole():
    s = "The United States will reduce its tariffs on automobiles, auto parts, timber (and lumber, raw), and wood derivatives to 15 percent."
    assert _items(s) == [["automobiles", "auto parts", "timber (and lumber, raw)", "wood derivatives"]]


def test_a_list_of_clauses_is_no_list():
    assert _items("President Biden, who arrived on Friday, met the minister, and they talked.") == []
    assert _items("The minister met the president, and they talked.") == []


def _cite(n, start):
    return Citation(n=n, source="a.md", title="A", page=None, quote=f"quote {start}", start=start, end=start + 7, score=0.9)


def test_parts_numbered_across_and_missing_part_said():
    first = Answer("quote 0 [1]", [_cite(1, 0)], short="$25 billion", confidence=0.9)
    second = Answer("The documents do not answer this question.", grounded=False, confidence=0.1)
    third = Answer("quote 50 [1]", [_cite(1, 50)], short="2030", confidence=0.8)
    ans = combine_parts("q", ["How much?", "How many students?", "By when?"], [first, second, third])
    assert ans.grounded and [c.n for c in ans.citations] == [1, 2]
    assert [p.grounded for p in ans.parts] == [True, False, True]
    assert ans.parts[1].text == 'The documents do not answer this part: "How many students?"'
    assert ans.parts[2].text == "quote 50 [2]" and ans.parts[2].citations == [2]
    assert ans.short == "$25 billion; 2030" and ans.confidence == 0.8


def test_a_sentence_two_parts_quote_is_cited_once():
    a = Answer("quote 0 [1]", [_cite(1, 0)], short="$2.75 billion", confidence=0.9)
    b = Answer("quote 0 [1]", [_cite(1, 0)], short="5,000", confidence=0.9)
    ans = combine_parts("q", ["How much?", "How many jobs?"], [a, b])
    assert len(ans.citations) == 1
    assert ans.parts[1].text == "5,000 [1]"


def test_no_part_answered_is_a_refusal():
    no = Answer("The documents do not answer this question.", grounded=False, confidence=0.2)
    ans = combine_parts("How much, and when?", ["How much?", "When?"], [no, no])
    assert not ans.grounded and not ans.parts and not ans.citations


def test_a_part_whose_quote_lacks_its_own_words_is_missing():
    """The second part read over the first part's sentence gets a figure of that sentence: not an answer."""
    quote = "Boeing has announced a $100 million investment on infrastructure and programs to train pilots in India, supporting India's need for 31,000 new pilots."
    cite = Citation(
        n=1, source="a.md", title="Joint Statement from the United States and India", page=None, quote=quote, start=0, end=len(quote), score=0.9
    )
    parts = [
        "How much is Boeing investing in infrastructure and programs to train pilots in India?",
        "How many of India's future pilots will be trained in the United States under it?",
    ]
    first = Answer(f"{quote} [1]", [cite], short="$100 million", confidence=0.95)
    second = Answer(f"{quote} [1]", [cite], short="31,000", confidence=0.9)
    ans = combine_parts(" and ".join(parts), parts, [first, second])
    assert [p.grounded for p in ans.parts] == [True, False]
    assert ans.parts[1].text.startswith("The documents do not answer this part") and ans.short == "$100 million"


def test_the_rok_is_korea_when_a_part_is_checked():
    from assistant.answer.parts import supported

    quote = "This is part of the ROK's pledge of additional assistance on top of its $100 million contribution to Ukraine last year."
    cite = Citation(n=1, source="a.md", title="A", page=None, quote=quote, start=0, end=len(quote), score=0.9)
    part = "How much had Korea contributed to Ukraine the year before?"
    assert supported(part, ["To which USAID initiative does its foreign ministry plan to contribute?"], Answer(quote, [cite]))


def test_a_span_outside_any_list_is_not_replaced_by_another_sentences_list():
    from assistant.answer.lists import find_list
    from assistant.answer.quotes import Read
    from assistant.schema import Passage
    from assistant.text.sentences import split_sentences

    text = (
        "At Stanford, Minister Bang met professors in bio and robotics. "
        "During the meeting, Minister Bang laid out three measures: increase support for joint R&D; open industrial R&D to overseas "
        "researchers; and establish a cooperation center at Stanford and other universities."
    )
    p = Passage(source="a.md", title="Minister Bang at Stanford", page=None, text=text, start=0, end=len(text), score=1.0)
    a = text.index("bio and robotics")
    r = Read(p, 0, split_sentences(text), probability=0.9, start=a, end=a + len("bio and robotics"))
    question = "Which fields of professors did Minister Bang meet at Stanford during the meeting?"
    assert find_list(r, question) is not None  # some list covers the question's words ...
    assert find_list(r, question, near_span=True) is None  # ... but not where the reader found the answer


def test_the_words_of_the_named_source_are_not_what_a_part_asks():
    """ "... noted in the October 2023 U.S.-Australia statement" picks the document; the quote need not repeat it."""
    from assistant.answer.parts import own_words, supported

    quote = "The NSF and CSIRO have committed a combined $6.2 million in grants to AI research."
    cite = Citation(
        n=1, source="a.md", title="United States-Australia Joint Leaders Statement", page=None, quote=quote, start=0, end=len(quote), score=0.9
    )
    part = "How much in combined grants supports the NSF-CSIRO AI partnership noted in the October 2023 U.S.-Australia statement?"
    other = ["How many research projects will those grants fund?"]
    source = "the NSF-CSIRO AI partnership noted in the October 2023 U.S.-Australia statement"
    assert {"note", "statement", "australia"} <= own_words(part, other)  # without the source they count
    assert supported(part, other, Answer(quote, [cite]), source)
    assert not {"note", "statement", "australia", "octob", "2023"} & own_words(part, other, source)
    # a year or a month is an anchor (the anchor check reads it), never a part's own word
    assert not {"octob", "2025"} & own_words("How much did Amazon invest during the October 2025 state visit?", ["Where will it build?"])


def _list_read(question_span: str, probability: float):
    from assistant.answer.quotes import Read
    from assistant.schema import Passage
    from assistant.text.sentences import split_sentences

    text = (
        "The two leaders met in Seoul. "
        "They agreed to expand collaboration between NIH and the Ministry of Health and Welfare on research-hospital cooperation, "
        "including cell and gene therapies, treatments for rare diseases, and diagnostic devices."
    )
    p = Passage(source="a.md", title="Joint Fact Sheet", page=None, text=text, start=0, end=len(text), score=1.0)
    a = text.index(question_span)
    return Read(p, 0, split_sentences(text), probability=probability, start=a, end=a + len(question_span), score=probability)


def test_a_doubted_read_whose_span_is_a_lists_items_answers_a_list_question():
    """The reader's probability is low for a long answer: a span among a list's items may answer from LIST_SCORE."""
    from assistant.answer.lists import LIST_SCORE, answer_list

    question = "Which fields will the two agencies focus on?"  # covers too little of the sentence to answer by coverage
    r = _list_read("cell and gene therapies, treatments for rare diseases, and diagnostic devices", LIST_SCORE + 0.05)
    listed = answer_list([r], question, threshold=0.7)
    assert listed is not None and listed.items == ["cell and gene therapies", "treatments for rare diseases", "diagnostic devices"]
    assert r.score == 0.7  # raised to the threshold: it answers
    low = _list_read("cell and gene therapies, treatments for rare diseases, and diagnostic devices", LIST_SCORE - 0.05)
    assert answer_list([low], question, threshold=0.7) is None


def test_a_list_that_names_the_asked_kind_itself_does_not_answer_below_the_threshold():
    """ "Which specific rare diseases ...?": "treatments for rare diseases" is the category, not its members (a near miss)."""
    from assistant.answer.lists import LIST_SCORE, answer_list, names_the_category

    question = "Which specific rare diseases will NIH and the health ministry target in the research-hospital cooperation?"
    r = _list_read("diagnostic devices", LIST_SCORE + 0.1)
    assert names_the_category(question, ["cell and gene therapies", "treatments for rare diseases", "diagnostic devices"])
    assert answer_list([r], question, threshold=0.7) is None
    assert not names_the_category(
        "Which critical and emerging technologies did they agree to protect?", ["semiconductors", "quantum technology", "biotechnology"]
    )


def test_a_list_whose_asked_members_are_an_unnamed_item_does_not_answer():
    """ "Which Japanese companies ...?" over "... funded by NVIDIA, Arm, Amazon, Microsoft, and a consortium of Japanese
    companies": the reader is sure, but the Japanese companies are never named (a near miss)."""
    from assistant.answer.lists import answer_list, names_the_category
    from assistant.answer.quotes import Read
    from assistant.schema import Passage
    from assistant.text.sentences import split_sentences

    text = "The partnerships go ahead with funding from NVIDIA, Arm, Amazon, Microsoft, and a consortium of Japanese companies."
    p = Passage(source="a.md", title="U.S.-Japan Joint Leaders Statement", page=None, text=text, start=0, end=len(text), score=1.0)
    a = text.index("NVIDIA")
    r = Read(p, 0, split_sentences(text), probability=0.95, start=a, end=text.index(", and a"), score=0.9)
    assert answer_list([r], "Which Japanese companies make up the consortium that co-funds the partnerships?", threshold=0.7) is None
    assert r.score == 0.0
    # members closed by "and other ...": the list answers
    assert not names_the_category("Which Korean companies will invest?", ["Samsung", "SK", "Hyundai", "other Korean companies"])


def test_a_nationality_is_its_country_and_during_places_a_part_in_time():
    from assistant.answer.parts import own_words

    own = own_words("Which Japanese institute signed it during the visit?", ["How much funding is attached to it?"])
    assert "japan" in own and "dure" not in own and "during" not in own


def test_a_quote_that_points_back_brings_the_sentence_it_points_at():
    """ "... committed $2.5 billion to this effort": what the effort is stands in the sentence before."""
    from assistant.answer.parts import supported

    context = (
        "Strengthen competitiveness in 5G and 6G networks by encouraging investments in secure networks. "
        "The United States has committed $2.5 billion to this effort, and the ROK has committed $1 billion."
    )
    quote = context[context.index("The United States") :]
    start = 100 + context.index(quote)
    cite = Citation(
        n=1, source="a.md", title="A", page=None, quote=quote, start=start, end=start + len(quote), score=0.9, context=context, context_start=100
    )
    part = "How much had the United States and the ROK each committed to secure 5G and 6G networks?"
    other = ["How many Open RAN test sites will that money fund?"]
    assert supported(part, other, Answer(quote, [cite]))
    # the same quote with no pointer back does not borrow the sentence before it
    plain = quote.replace("to this effort", "to networks research")
    cite2 = Citation(
        n=1, source="a.md", title="A", page=None, quote=plain, start=start, end=start + len(plain), score=0.9, context=context, context_start=100
    )
    assert not supported("How much has the United States committed to secure 5G and 6G mobile standards?", other, Answer(plain, [cite2]))
