"""BM25 keyword index (bm25s) over the same chunks as the vector index.

Dense embeddings blur names, acronyms and numbers ("KIAT", "$10 million", "2021") on a
corpus where every document talks about the same topics; BM25 keeps them sharp.

Tokens: lower-cased runs of letters/digits, English stopwords dropped, Snowball-stemmed,
with three additions that make names and numbers match the way people type them:

* a hyphenated word also yields its joined form: "Tae-yong" → ``tae``, ``yong``, ``taeyong``
  (so "Cho Tae-yong", "Cho Taeyong" and "Cho Tae Yong" all match);
* digit groups and decimals stay whole: "3,000" → ``3000``, "$2.5 billion" → ``2.5``, ``billion``;
  "5G" and "3M" stay one word, and "FY2022" also yields ``2022``;
* "%" is the word ``percent`` ("60%" matches "60 percent").
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

# Version of the tokenizer below; an index written by another version is rebuilt, never
# queried with mismatched tokens.
TOKENIZER_VERSION = 2

# Words are runs of letters/digits; "U.S." splits into its parts on both the document and
# the query side. Numbers keep their thousands separators and decimals ("3,000", "2.5").
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+(?![^\W_])|[^\W_]+", re.UNICODE)
_YEARISH = re.compile(r"\d{4,}")
_HYPHENATED = re.compile(r"\b([^\W\d_]+(?:[-\u2010\u2011][^\W\d_]+)+)\b", re.UNICODE)
_PERCENT = re.compile(r"(?<=\d)\s*%")


@lru_cache(maxsize=1)
def _bm25s():
    import logging

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
    return bm25s


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: Snowball stemmers in C

    return Stemmer.Stemmer("english")


def _words(text: str) -> list[str]:
    text = _PERCENT.sub(" percent", text.lower())
    words = []
    for w in _TOKEN.findall(text):
        if w[0].isdigit():
            w = w.replace(",", "").rstrip(".")
            if w.endswith(".0"):
                w = w[:-2]
        elif not w.isalpha() and not w.isdigit():
            words.extend(_YEARISH.findall(w))  # "FY2022" also matches "2022"
        words.append(w)
    for m in _HYPHENATED.finditer(text):
        words.append(re.sub(r"[-\u2010\u2011]", "", m.group(1)))
    return words


def tokenize(text: str) -> list[str]:
    """Lower-case, split into words (see module doc), drop stopwords, Snowball-stem."""
    stop = _stopwords()
    words = [w for w in _words(text) if w not in stop]
    return _stemmer().stemWords(words)


# Words that make a sentence a question but say nothing about what is asked. Dropped from
# queries only (documents keep them), unless nothing else is left.
QUESTION_WORDS = frozenset(
    """what which who whom whose when where why how did does do done doing say says said tell
    told about many much be being been was were is are am will would can could should shall
    may might must has have had having according per also give gave list describe explain
    there their they them its it i me my we our you your he she his her any some get got""".split()
)


def query_tokens(query: str) -> list[str]:
    """``tokenize`` for a question: also drops question words ("what", "did", "say")."""
    stop = _stopwords() | QUESTION_WORDS
    words = [w for w in _words(query) if w not in stop]
    if not words:
        return tokenize(query)
    return _stemmer().stemWords(words)


class LexicalIndex:
    """BM25 over chunk texts, addressed by chunk id.

    bm25s builds its sparse matrix in one pass, so an update re-indexes all chunk texts
    (tokenising is ~100k chunks/s; no embedding is redone) and the result is persisted
    next to the FAISS index.
    """

    def __init__(self, chunk_ids: Sequence[int] = (), retriever=None):
        self.chunk_ids = np.asarray(chunk_ids, dtype="int64")
        self._bm25 = retriever
        self._row = {int(c): i for i, c in enumerate(self.chunk_ids)}
        self._idf: np.ndarray | None = None

    @classmethod
    def build(cls, chunk_ids: Sequence[int], texts: Sequence[str]) -> "LexicalIndex":
        if not len(texts):
            return cls([], None)
        bm = _bm25s().BM25()
        bm.index([tokenize(t) or ["\u2205"] for t in texts], show_progress=False)
        return cls(chunk_ids, bm)

    def __len__(self) -> int:
        return len(self.chunk_ids)

    @property
    def vocab(self) -> dict[str, int]:
        return self._bm25.vocab_dict if self._bm25 is not None else {}

    def scores(self, query: str | Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk (row order = ``chunk_ids``); ``query`` is text or tokens."""
        if self._bm25 is None:
            return np.zeros(0, dtype="float32")
        toks = tokenize(query) if isinstance(query, str) else list(query)
        toks = [t for t in toks if t in self._bm25.vocab_dict]
        if not toks:
            return np.zeros(len(self.chunk_ids), dtype="float32")
        return np.asarray(self._bm25.get_scores(toks), dtype="float32")

    def idf(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 inverse document frequency of each token over the chunks (0 if unseen)."""
        if self._bm25 is None:
            return np.zeros(len(tokens), dtype="float32")
        if self._idf is None:
            indptr = np.asarray(self._bm25.scores["indptr"])
            df = np.diff(indptr).astype("float64")
            n = float(self._bm25.scores.get("num_docs", len(self.chunk_ids)))
            self._idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype("float32")
        vocab = self._bm25.vocab_dict
        return np.array([self._idf[vocab[t]] if t in vocab else 0.0 for t in tokens], dtype="float32")

    def row_of(self, chunk_id: int) -> int | None:
        return self._row.get(int(chunk_id))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "chunk_ids.npy", self.chunk_ids)
        (folder / "tokenizer.json").write_text(json.dumps({"version": TOKENIZER_VERSION}), encoding="utf-8")
        if self._bm25 is not None:
            self._bm25.save(str(folder / "bm25"))

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        ids = np.load(folder / "chunk_ids.npy")
        try:
            version = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8")).get("version")
        except FileNotFoundError:
            version = 1
        if version != TOKENIZER_VERSION:
            # index_store turns this into IndexError_, and the index is rebuilt.
            raise ValueError(f"built with keyword tokenizer v{version}, this version uses v{TOKENIZER_VERSION}")
        if not len(ids):
            return cls([], None)
        bm = _bm25s().BM25.load(str(folder / "bm25"))
        return cls(ids, bm)
