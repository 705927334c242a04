"""Code-switched training questions (``training/code_switch.py``): the passage and its answer span are
untouched, only question words change language, and only through the lexicon."""

from __future__ import annotations

import random

import pytest

from training.code_switch import Lexicon, english_words

LEX = Lexicon(
    en_ko={"university": "대학", "founded": "설립", "investment": "투자"}, ko_en={"대학": "university", "설립": "founding", "투자": "investment"}
)


def test_an_english_question_gets_a_korean_question_word_and_korean_nouns():
    q = LEX.to_korean("Who founded the university?", random.Random(0), switch=1.0)
    assert q == "누구 설립 the 대학?"
    assert LEX.to_korean("How many students attend?", random.Random(0), switch=1.0) is None  # one word switched: not enough


def test_a_korean_question_keeps_its_particles_around_the_english_nouns():
    pytest.importorskip("kiwipiepy")
    q = LEX.to_english("이 대학을 설립한 사람은 누구인가?", random.Random(0), switch=1.0)
    assert q == "이 university을 founding한 사람은 누구인가?"
    assert LEX.to_english("그는 누구인가?", random.Random(0), switch=1.0) is None


def test_english_vocabulary_leaves_out_question_words_and_rare_words():
    words = english_words(["Who founded the university?", "When was the university founded?", "What is a zither?"], min_count=2)
    assert words == ["founded", "university"]
