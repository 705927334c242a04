"""Language of a text: which analyser, encoder and reader handle it.

Korean is told by its script, which is exact and free: a text whose letters are at least
``KOREAN_SHARE`` Hangul is Korean, however many English names, acronyms and numbers it
carries ("과기정통부는 NSF와 …"). Other texts are named by ``py3langid`` (a small
n-gram classifier that ships its model), restricted to a few languages so that a short
English heading is not called Luxembourgish; it says ``"en"`` for English.
"""

from __future__ import annotations

import re
from functools import lru_cache

KOREAN = "ko"
ENGLISH = "en"
KOREAN_SHARE = 0.2  # Hangul share of the letters from which a text counts as Korean
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LETTER = re.compile(r"[^\W\d_]")
# languages py3langid may answer for a non-Korean text (the rest of its 97 are rarer
# here than its mistakes on short texts)
_LATIN_CANDIDATES = ("en", "fr", "de", "es", "it", "pt", "nl", "ja", "zh", "ru", "vi", "id")


def hangul_share(text: str) -> float:
    """The share of the letters in ``text`` that are Hangul (0.0 for a text without letters)."""
    letters = len(_LETTER.findall(text))
    return len(_HANGUL.findall(text)) / letters if letters else 0.0


def is_korean(text: str) -> bool:
    """Korean by script (``KOREAN_SHARE`` of the letters Hangul): a question, a sentence, a chunk."""
    return hangul_share(text) >= KOREAN_SHARE


def has_hangul(text: str) -> bool:
    return _HANGUL.search(text) is not None


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    ident.set_languages(list(_LATIN_CANDIDATES))
    return ident


def detect_language(text: str, sample: int = 20_000) -> str:
    """ISO 639-1 code of the text's language: ``"ko"`` by script, else py3langid's answer.

    Args:
        text: any text; only its first ``sample`` characters are read (a document's language
            does not change after 20,000 characters, and a 50 MB file should not be read twice).
    """
    head = text[:sample]
    if hangul_share(head) >= KOREAN_SHARE:
        return KOREAN
    if len(_LETTER.findall(head)) < 20:
        return ENGLISH  # too little text to tell; the English analysers are the default
    lang, _ = _identifier().classify(head)
    return str(lang)
