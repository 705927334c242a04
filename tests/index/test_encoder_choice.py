"""The automatic encoder: English for an English folder, multilingual once Korean turns up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.settings import MODEL_NAME, MULTILINGUAL_MODEL

KOREAN_PDF = Path(__file__).resolve().parent.parent / "data" / "korean_press_release.pdf"
EN = "# Fact sheet\n\nThe United States and the Republic of Korea signed a memorandum on quantum research in Seoul.\n"
KO = "# 보도자료\n\n우주항공청은 10월 30일 미 항공우주국(NASA)과 아르테미스 연구 협정을 체결했다고 밝혔다.\n"


@pytest.fixture()
def folders(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "en.md").write_text(EN, encoding="utf-8")
    return corpus, tmp_path / "index"


def test_an_english_folder_keeps_the_english_encoder(folders):
    corpus, index = folders
    bot = Assistant(corpus_dir=corpus, index_dir=index)
    assert bot.snapshot.identity["model"] == MODEL_NAME and bot.embedder.model_name == MODEL_NAME


def test_a_korean_text_file_switches_to_the_multilingual_encoder(folders):
    corpus, index = folders
    bot = Assistant(corpus_dir=corpus, index_dir=index)
    (corpus / "ko.md").write_text(KO, encoding="utf-8")
    report = bot.update_index()
    assert report.rebuilt and sorted(report.added) == ["en.md", "ko.md"]
    assert bot.snapshot.identity["model"] == MULTILINGUAL_MODEL
    # Korean and English questions find the Korean document; English still finds English
    assert bot.search("아르테미스 협정은 언제 체결했나요?", k=1)[0].source == "ko.md"
    assert bot.search("When did the space agency sign the Artemis research agreement with NASA?", k=1)[0].source == "ko.md"
    assert bot.search("quantum memorandum signed in Seoul", k=1)[0].source == "en.md"
    # a later process opens the multilingual index with the multilingual encoder, unchanged
    again = Assistant(corpus_dir=corpus, index_dir=index, auto_update=False)
    assert again.embedder.model_name == MULTILINGUAL_MODEL and again.stats() == bot.stats()
    assert not again.update_index().changed


def test_a_korean_pdf_is_noticed_while_building(folders):
    corpus, index = folders
    shutil.copy(KOREAN_PDF, corpus / "release.pdf")  # no Korean text file: only reading the PDF tells
    bot = Assistant(corpus_dir=corpus, index_dir=index)
    report = bot.last_report
    assert bot.snapshot.identity["model"] == MULTILINGUAL_MODEL
    assert "release.pdf is Korean" in report.rebuild_reason and sorted(report.added) == ["en.md", "release.pdf"]
    [hit] = bot.search("공동연구센터 개소식은 어디에서 열렸나요?", k=1)
    assert hit.source == "release.pdf" and hit.page == 1 and hit.language == "ko"


def test_where_language_filters_by_document_language(folders):
    corpus, index = folders
    (corpus / "ko.md").write_text(KO, encoding="utf-8")
    bot = Assistant(corpus_dir=corpus, index_dir=index)
    assert {p.source for p in bot.search("Artemis NASA quantum", k=5, where={"language": "ko"})} == {"ko.md"}
    assert {p.source for p in bot.search("Artemis NASA quantum", k=5, where={"language": ["en"]})} == {"en.md"}
    assert bot.search("Artemis", where={"language": "fr"}) == []
    docs = {d["source"]: d["language"] for d in bot.documents()}
    assert docs == {"en.md": "en", "ko.md": "ko"}


def test_a_fixed_model_is_never_switched(folders, monkeypatch):
    corpus, index = folders
    (corpus / "ko.md").write_text(KO, encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", MODEL_NAME)
    bot = Assistant(corpus_dir=corpus, index_dir=index)
    assert bot.snapshot.identity["model"] == MODEL_NAME
    assert bot.search("아르테미스", k=1)[0].source == "ko.md"  # Korean keywords still match (morphemes)
