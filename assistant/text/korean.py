"""Korean words as keywords: morphemes from Kiwi, so particles and endings do not block a match.

A Korean word (어절) carries its particles and endings: 협력을, 협력은, 협력하기로 are one
noun, 협력, with three different tails. Whitespace words would never match each other, so
every word with Hangul in it is cut by Kiwi (``kiwipiepy``, whose model ships on PyPI as
``kiwipiepy-model``) and only its content morphemes become keywords: nouns, numbers, roots,
foreign words and the stems of verbs and adjectives. Particles (J…), endings (E…),
suffixes (XS…), pronouns and symbols are dropped, and so are the few content morphemes
that every press release uses (하, 있, 밝히 "said", …), as English stopwords are.

A number stays joined to its counter as well as alone ("4월" → ``4``, ``4월``; "1억" →
``1``, ``1억``), so "4월 11일" matches as a date rather than as two loose numbers.

Words are cut one at a time and cached: the same word always gives the same morphemes on
the document side and the question side, which is what keyword matching needs, and a
corpus repeats its words so the cache makes a second pass nearly free.
"""

from __future__ import annotations

import threading
from functools import lru_cache

# Kiwi part-of-speech tags (the Sejong tag set) kept as keywords; "VV-R"/"VV-I" (regular and
# irregular conjugation) count as "VV".
CONTENT_TAGS = frozenset({"NNG", "NNP", "NNB", "NR", "SL", "SN", "SH", "XR", "VV", "VA"})
_COUNTER_TAGS = frozenset({"NNB", "NNG", "NR"})
# content morphemes too common to tell passages apart (the Korean counterpart of stopwords)
# (dependent nouns, NNB, are kept for units such as 달러 and 원; the rest of them are here)
STOPWORDS = frozenset(
    """하 있 되 없 않 같 보 위하 대하 통하 따르 관하 밝히 말하 전하 이 그 것 수 등 및 중 때 경우 관련 가지 오 가
    바 데 뿐 줄 만 지 측 간 내 번 차 개 명 건 곳 년 월 일 분 대 개월 가량 여""".split()
)
# morphemes that make a question without saying what is asked (dropped from questions only)
QUESTION_WORDS = frozenset("무엇 언제 어디 누구 얼마 몇 어떤 어떻 어느 무슨 왜 알리 궁금 알 설명".split())

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def kiwi():
    """The Kiwi analyser, loaded once per process (about a second; its model is ~90 MB on disk)."""
    from kiwipiepy import Kiwi

    return Kiwi()


@lru_cache(maxsize=500_000)
def morphemes(word: str) -> tuple[str, ...]:
    """Content morphemes of one word, lower-cased, in order (see the module doc)."""
    with _LOCK:  # Kiwi's analyser is not documented as thread-safe
        tokens = kiwi().tokenize(word)
    out: list[str] = []
    for i, t in enumerate(tokens):
        tag = t.tag.split("-")[0]
        if tag not in CONTENT_TAGS:
            continue
        form = t.form.lower()
        if tag == "SN" and i + 1 < len(tokens):
            nxt = tokens[i + 1]
            if nxt.tag.split("-")[0] in _COUNTER_TAGS and nxt.start == t.start + t.len:
                out.append(form)
                out.append(form + nxt.form)
                continue
        if form in STOPWORDS:
            continue
        out.append(form)
    return tuple(out)
