"""BM25 keyword index (bm25s) over the same chunks as the vector index.

Dense embeddings blur names, acronyms and numbers ("KIAT", "$10 million", "2021") on a
corpus where every document talks about the same topics; BM25 keeps them sharp.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

# Words are runs of letters/digits; "Tae-yong" and "U.S." split into their parts on both
# the document and the query side, so romanised names and acronyms match either way.
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


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


def tokenize(text: str) -> list[str]:
    """Lower-case, split on non-word characters, drop stopwords, Snowball-stem."""
    stop = _stopwords()
    words = [w for w in _TOKEN.findall(text.lower()) if w not in stop]
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

    @classmethod
    def build(cls, chunk_ids: Sequence[int], texts: Sequence[str]) -> "LexicalIndex":
        if not len(texts):
            return cls([], None)
        bm = _bm25s().BM25()
        bm.index([tokenize(t) or ["\u2205"] for t in texts], show_progress=False)
        return cls(chunk_ids, bm)

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk (row order = ``chunk_ids``)."""
        if self._bm25 is None:
            return np.zeros(0, dtype="float32")
        toks = [t for t in tokenize(query) if t in self._bm25.vocab_dict]
        if not toks:
            return np.zeros(len(self.chunk_ids), dtype="float32")
        return np.asarray(self._bm25.get_scores(toks), dtype="float32")

    def row_of(self, chunk_id: int) -> int | None:
        return self._row.get(int(chunk_id))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "chunk_ids.npy", self.chunk_ids)
        if self._bm25 is not None:
            self._bm25.save(str(folder / "bm25"))

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        ids = np.load(folder / "chunk_ids.npy")
        if not len(ids):
            return cls([], None)
        bm = _bm25s().BM25.load(str(folder / "bm25"))
        return cls(ids, bm)
