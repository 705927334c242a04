"""Keywords: the one tokenizer behind BM25, keyword evidence, quote de-duplication and LLM checks.

Tokens: lower-cased runs of letters/digits, English stopwords dropped, Snowball-stemmed,
with three additions that make names and numbers match the way people type them:

* a hyphenated word also yields its joined form: "Tae-yong" → ``tae``, ``yong``, ``taeyong``
  (so "Cho Tae-yong", "Cho Taeyong" and "Cho Tae Yong" all match);
* digit groups and decimals stay whole: "3,000" → ``3000``, "$2.5 billion" → ``2.5``, ``billion``;
  "5G" and "3M" stay one word, and "FY2022" also yields ``2022``;
* "%" is the word ``percent`` ("60%" matches "60 percent");
* a possessive "'s" is dropped ("NASA's" → ``nasa``), not left as a word ``s``;
* an acronym's plural also yields the acronym ("MOUs" → ``mous``, ``mou``): the stemmer only
  knows English words, so "three MOUs were signed" would not match "an MOU";
* a word with Hangul in it becomes its Korean content morphemes (``text.korean``): "협력을"
  → ``협력``, "출범하였다" → ``출범``. English words are analysed exactly as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from . import korean
from .dates import DIGIT_RUN
from .language import has_hangul, is_korean

# Version of the tokenizer below; an index written by another version is rebuilt, never
# queried with mismatched tokens.
TOKENIZER_VERSION = 6  # 6: Hangul in English text is kept whole; web-page menus and footers are not indexed

# Words are runs of letters/digits; "U.S." splits into its parts on both the document and
# the query side. Numbers keep their thousands separators and decimals ("3,000", "2.5").
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+(?![^\W_])|[^\W_]+", re.UNICODE)
_HYPHENATED = re.compile(r"\b([^\W\d_]+(?:[-\u2010\u2011][^\W\d_]+)+)\b", re.UNICODE)
_PERCENT = re.compile(r"(?<=\d)\s*%")
_POSSESSIVE = re.compile(r"(?<=[^\W_])['\u2019]s\b")
_WHITESPACE_WORD = re.compile(r"\S+")  # Korean words are cut by Kiwi whole, with their punctuation
_HANGUL_RUN = re.compile(r"([\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]+)")  # a run of Hangul (split keeps it)
_ACRONYM_PLURAL = re.compile(r"\b([A-Z][A-Z0-9]+)s\b")  # case-sensitive, before lower-casing


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def stemmer():
    import Stemmer  # PyStemmer: Snowball stemmers in C

    return Stemmer.Stemmer("english")


def split_words(text: str) -> tuple[list[str], list[str]]:
    """(words in text order, extra forms): extras are joined hyphenated names and years
    inside codes; kept apart so word pairs and phrases are only formed from real neighbours."""
    extras: list[str] = [m.group(1).lower() for m in _ACRONYM_PLURAL.finditer(text)]
    text = _POSSESSIVE.sub("", _PERCENT.sub(" percent", text.lower()))
    words: list[str] = []
    hangul = has_hangul(text)
    # morphemes for Korean text only: a stray Hangul word in English text (a web page's "구분선" crumb)
    # stays one word, without loading Kiwi (1-3 s) into an English build or an English question
    korean_text = hangul and is_korean(text)
    pieces = _WHITESPACE_WORD.findall(text) if korean_text else _HANGUL_RUN.split(text) if hangul else [text]
    for piece in pieces:
        if has_hangul(piece):  # Korean text: a word with its particles, punctuation and all ("이종호)는");
            words.extend(korean.morphemes(piece) if korean_text else [piece])  # else a Hangul run, kept whole
            continue
        for w in _TOKEN.findall(piece):
            if w[0].isdigit():
                w = w.replace(",", "").rstrip(".")
                if w.endswith(".0"):
                    w = w[:-2]
            elif not w.isalpha() and not w.isdigit():
                extras.extend(DIGIT_RUN.findall(w))  # "FY2022" also matches "2022"
            words.append(w)
    for m in _HYPHENATED.finditer(text):
        joined = re.sub(r"[-\u2010\u2011]", "", m.group(1))
        extras.extend((korean.morphemes(joined) if korean_text else [joined]) if has_hangul(joined) else [joined])
    return words, extras


def _words(text: str) -> list[str]:
    words, extras = split_words(text)
    return words + extras


def tokenize(text: str) -> list[str]:
    """Lower-case, split into words (see module doc), drop stopwords, Snowball-stem."""
    stop = stopwords()
    words = [w for w in _words(text) if w not in stop]
    return stemmer().stemWords(words)


# Words that make a sentence a question but say nothing about what is asked. Dropped from
# queries only (documents keep them), unless nothing else is left.
QUESTION_WORDS = (
    frozenset(
        """what which who whom whose when where why how did does do done doing say says said tell
    told about many much be being been was were is are am will would can could should shall
    may might must has have had having according per also give gave list describe explain
    there their they them its it i me my we our you your he she his her any some get got""".split()
    )
    | korean.QUESTION_WORDS
)


def query_tokens(query: str) -> list[str]:
    """``tokenize`` for a question: also drops question words ("what", "did", "say")."""
    stop = stopwords() | QUESTION_WORDS
    words = [w for w in _words(query) if w not in stop]
    if not words:
        return tokenize(query)
    return stemmer().stemWords(words)


def stem_sequence(text: str, stop: frozenset[str]) -> tuple[list[str], list[str]]:
    """(stemmed keywords in text order, stemmed extra forms)."""
    words, extras = split_words(text)
    st = stemmer()
    return st.stemWords([w for w in words if w not in stop]), st.stemWords([w for w in extras if w not in stop])


PAIR_SEP = "\u00b7"  # "artemi·ii": cannot occur inside a word


def word_pairs(seq: Sequence[str]) -> list[str]:
    """Adjacent keywords joined into one term ("open", "ran" → ``open·ran``)."""
    return [a + PAIR_SEP + b for a, b in zip(seq, seq[1:]) if a != b]
