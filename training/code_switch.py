"""Code-switched questions: cross-lingual training signal without translation data.

No Korean–English question-answering pairs or translation model can be had here (``../shared/train``
README). What can be had is a word lexicon: the multilingual encoder the reader starts from
(multilingual-e5-small) puts a Korean noun and its English counterpart close together ("투자" and
"investment": 0.94; "배터리" and "battery": 0.94), so mutual nearest neighbours between an English and
a Korean vocabulary, above a similarity floor, give word pairs (bilingual lexicon induction). A question
in one language with some of its words switched to the other, over the same passage, teaches the reader
to match question words to passage words across the languages; the passage and its answer span are
untouched, so every label stays exact.

* an English SQuAD question over its English passage gets Korean nouns and a Korean question word
  ("Who founded the university?" → "누구 founded the 대학?"): the ko→en direction;
* a Korean KorQuAD question over its Korean passage gets English nouns ("이 대학을 설립한 사람은 누구인가?"
  → "이 university를 설립한 사람은 누구인가?"): the en→ko direction.

    lex = Lexicon.build(english_words, korean_words)        # cached in build/lexicon-*.json
    switched = lex.to_korean("Who founded the university?", rng)
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.data import _STOP

FLOOR = 0.90  # cosine floor for a word pair: about 4 in 5 right above it, far fewer at 0.88 (e5 puts unrelated words at 0.80-0.88)
SWITCH = 0.7  # chance that a word with a lexicon entry is switched
CACHE = Path(__file__).resolve().parents[1] / "build"

_EN_WORD = re.compile(r"[A-Za-z][A-Za-z\-]+")
# the English question word, and the Korean one it becomes (the Korean wh-word stands where the English one was)
_WH = [
    (re.compile(r"^\s*how many\b", re.I), "몇"),
    (re.compile(r"^\s*how much\b", re.I), "얼마"),
    (re.compile(r"^\s*who(m|se)?\b", re.I), "누구"),
    (re.compile(r"^\s*when\b", re.I), "언제"),
    (re.compile(r"^\s*where\b", re.I), "어디"),
    (re.compile(r"^\s*why\b", re.I), "왜"),
    (re.compile(r"^\s*how\b", re.I), "어떻게"),
    (re.compile(r"^\s*which\b", re.I), "어느"),
    (re.compile(r"^\s*what\b", re.I), "무엇"),
]
_EN_STOP = _STOP | frozenset("has have had not".split())  # the training data's question stopwords, and auxiliaries


def english_words(questions: Iterable[str], min_count: int = 2) -> list[str]:
    """Lower-cased content words of English questions that occur at least ``min_count`` times."""
    counts = Counter(w.lower() for q in questions for w in _EN_WORD.findall(q) if w.lower() not in _EN_STOP and len(w) > 2)
    return sorted(w for w, n in counts.items() if n >= min_count)


def korean_nouns(texts: Iterable[str], min_count: int = 2) -> list[str]:
    """Korean nouns (Kiwi's NNG/NNP, two syllables or more) of ``texts`` that occur at least ``min_count`` times."""
    from assistant.text.korean import kiwi

    counts: Counter[str] = Counter()
    for t in texts:
        counts.update(tok.form for tok in kiwi().tokenize(t) if tok.tag in ("NNG", "NNP") and len(tok.form) >= 2)
    return sorted(w for w, n in counts.items() if n >= min_count)


@dataclass
class Lexicon:
    """Word pairs both ways: ``en_ko["investment"] == "투자"`` and ``ko_en["투자"] == "investment"``."""

    en_ko: dict[str, str]
    ko_en: dict[str, str]

    @classmethod
    def build(cls, en: list[str], ko: list[str], floor: float = FLOOR, cache: Path = CACHE) -> Lexicon:
        """Mutual nearest neighbours between the two vocabularies under the multilingual encoder."""
        key = hashlib.sha256(json.dumps([en, ko, floor]).encode()).hexdigest()[:12]
        path = cache / f"lexicon-{key}.json"
        if path.is_file():
            pairs = json.loads(path.read_text(encoding="utf-8"))
        else:
            pairs = induce(en, ko, floor)
            cache.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(pairs, ensure_ascii=False), encoding="utf-8")
        return cls({e: k for e, k, _ in pairs}, {k: e for e, k, _ in pairs})

    def to_korean(self, question: str, rng: random.Random, switch: float = SWITCH) -> str | None:
        """An English question with its question word and some nouns in Korean; None if nothing switched."""
        out, n = question, 0
        for pattern, ko in _WH:
            if pattern.match(out):
                out, n = pattern.sub(ko, out, count=1), 1
                break

        def sub(m: re.Match) -> str:
            nonlocal n
            ko = self.en_ko.get(m.group(0).lower())
            if ko and rng.random() < switch:
                n += 1
                return ko
            return m.group(0)

        out = _EN_WORD.sub(sub, out)
        return out if n >= 2 else None

    def to_english(self, question: str, rng: random.Random, switch: float = SWITCH) -> str | None:
        """A Korean question with some nouns in English (particles and endings stay); None if nothing switched."""
        from assistant.text.korean import kiwi

        cuts = []
        for tok in kiwi().tokenize(question):
            en = self.ko_en.get(tok.form) if tok.tag in ("NNG", "NNP") else None
            if en and rng.random() < switch:
                cuts.append((tok.start, tok.start + tok.len, en))
        if not cuts:
            return None
        out, last = [], 0
        for a, b, en in cuts:
            out += [question[last:a], en]
            last = b
        return "".join(out) + question[last:]


def induce(en: list[str], ko: list[str], floor: float = FLOOR) -> list[tuple[str, str, float]]:
    """(English word, Korean word, cosine) for each mutual nearest neighbour pair above ``floor``."""
    from assistant.encode.embedder import Embedder
    from assistant.settings import MULTILINGUAL_MODEL, Settings

    enc = Embedder.from_settings(Settings(), MULTILINGUAL_MODEL)
    e = enc.encode(["query: " + w for w in en], batch_size=256)
    k = enc.encode(["query: " + w for w in ko], batch_size=256)
    pairs = []
    best_ko = np.empty(len(en), dtype=np.int64)
    best_ko_sim = np.empty(len(en), dtype=np.float32)
    best_en = np.full(len(ko), -1, dtype=np.int64)
    best_en_sim = np.full(len(ko), -1.0, dtype=np.float32)
    for lo in range(0, len(en), 2048):
        sims = e[lo : lo + 2048] @ k.T
        best_ko[lo : lo + 2048] = sims.argmax(1)
        best_ko_sim[lo : lo + 2048] = sims.max(1)
        col = sims.argmax(0)
        colmax = sims.max(0)
        better = colmax > best_en_sim
        best_en[better] = col[better] + lo
        best_en_sim[better] = colmax[better]
    for i, j in enumerate(best_ko):
        if best_en[j] == i and best_ko_sim[i] >= floor:
            pairs.append((en[i], ko[j], round(float(best_ko_sim[i]), 4)))
    return pairs
