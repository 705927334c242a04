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
