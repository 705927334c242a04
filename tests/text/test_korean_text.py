"""Korean text: language, morphemes as keywords, sentence boundaries."""

from __future__ import annotations

import pytest

from assistant.text.keywords import TOKENIZER_VERSION, query_tokens, tokenize
from assistant.text.korean import morphemes
from assistant.text.language import detect_language, hangul_share
from assistant.text.sentences import split_sentences

RELEASE = (
    "외교부(장관 조태열)와 과학기술정보통신부(장관 이종호)는 4월 11일(목) 「한-미 AI 워킹그룹」이 공식 출범하였다고 밝혔다. "
    "이번 회의에서는 양국이 1억 달러 규모의 공동연구를 추진하기로 합의했다.\n\n"
    "○ 양측은 차기 회의를 워싱턴에서 개최하기로 하였다."
)


@pytest.mark.parametrize(
    "text,lang",
    [
        (RELEASE, "ko"),
        ("과기정통부는 NSF, NASA, NIST와 AI·양자 분야 협력을 논의했다.", "ko"),  # English names do not make it English
        ("The United States and the Republic of Korea signed a memorandum on quantum research.", "en"),
        ("Les États-Unis et la Corée ont signé un accord sur la recherche quantique et spatiale.", "fr"),
        ("2024", "en"),  # nothing to tell: the default analysers
    ],
)
def test_language_is_detected(text, lang):
    assert detect_language(text) == lang


def test_hangul_share_counts_letters_only():
    assert hangul_share("협력 2024 !!!") == 1.0
    assert hangul_share("") == 0.0
    assert 0.4 < hangul_share("한미 AI") < 0.6


def test_particles_and_endings_do_not_block_a_match():
    # the same noun with three different tails is one keyword
    for word in ("협력을", "협력은", "협력하기로"):
        assert "협력" in morphemes(word)
    assert morphemes("출범하였다") == ("출범",)
    # and the whole pipeline sees it: a question's keywords occur in the document's
    doc = set(tokenize(RELEASE))
    q = query_tokens("한미 AI 워킹그룹은 언제 출범했나요?")
    assert {"ai", "워킹", "그룹", "출범"} <= set(q) and set(q) <= doc | {"한미"}
    assert "언제" not in q  # a question word, dropped like "when"


def test_numbers_keep_their_counters():
    toks = tokenize("4월 11일 1억 달러")
    assert {"4월", "11일", "1억", "달러"} <= set(toks)
    assert {"4", "11", "1"} <= set(toks)


def test_punctuation_next_to_a_particle_is_not_a_word():
    # "이종호)는": the particle after the bracket must not become a verb ("늘")
    assert "늘" not in tokenize("(장관 이종호)는")
    assert "이종호" in tokenize("(장관 이종호)는")


def test_english_analysis_is_unchanged():
    # the English side of the tokenizer (version 4 behaviour) is untouched by the Korean one
    assert TOKENIZER_VERSION == 6
    assert tokenize("NASA's three MOUs on 5G cost $2.5 billion (60%) in FY2022.") == [
        "nasa",
        "three",
        "mous",
        "5g",
        "cost",
        "2.5",
        "billion",
        "60",
        "percent",
        "fy2022",
        "mou",
        "2022",
    ]


def test_mixed_text_gets_both_analysers():
    toks = tokenize("The MOU was signed. 양해각서를 체결했다.")
    assert "mou" in toks and "sign" in toks and "양해" in toks and "체결" in toks


def test_korean_sentences_and_bullets_split():
    spans = [RELEASE[a:b] for a, b in split_sentences(RELEASE)]
    assert spans[0].endswith("밝혔다.")
    assert spans[1].startswith("이번 회의에서는") and spans[1].endswith("합의했다.")
    assert spans[2].startswith("○ 양측은")
    assert len(spans) == 3


def test_korean_quote_marks_close_a_sentence():
    text = "그는 「협력을 강화하겠다.」 이어서 회의가 열렸다."
    assert [text[a:b] for a, b in split_sentences(text)] == ["그는 「협력을 강화하겠다.」", "이어서 회의가 열렸다."]


def test_wrapped_korean_line_stays_one_sentence():
    text = "과학기술정보통신부는 한미 양국이 인공지능과 양자 분야의 공동연구를 확대하고 연구자 교류를\n늘리기로 합의했다고 밝혔다."
    assert len(split_sentences(text)) == 1


def test_a_hangul_word_in_english_text_stays_whole_without_kiwi(monkeypatch):
    """A web page's navigation crumb ("TOPICS구분선Industry") in an English document is one word; Kiwi
    (a second or more to load) is never called for it."""
    from assistant.text import korean

    monkeypatch.setattr(korean, "morphemes", lambda w: (_ for _ in ()).throw(AssertionError("Kiwi called")))
    words = tokenize("Skip Menu Main Content Menu home TOPICS구분선Industry Print facebook Parts and materials technology")
    assert "구분선" in words and "industri" in words
