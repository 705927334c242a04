"""BM25 keyword index (bm25s) over the same chunks as the vector index.

Dense embeddings blur names, acronyms and numbers ("KIAT", "$10 million", "2021") on a
corpus where every document talks about the same topics; BM25 keeps them sharp. Words come
from ``text.keywords`` (see there).

The BM25 index (``LexicalIndex``) adds two kinds of terms on top of these words, both
general rather than tuned to any question list:

* **word pairs** ("artemis ii", "open ran", "korean air"): adjacent keywords as one term,
  so a question naming a programme or company prefers passages with the name itself over
  passages that merely use both words somewhere;
* **acronym concepts**: definitions the corpus itself spells out, "National Institute of
  Standards and Technology (NIST)", are harvested at build time (Schwartz–Hearst
  alignment of the letters), and both the acronym and its expansion add one shared term
  (``≡nist``), so a question using either form finds passages using the other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import StaleTokenizer
from ..schema import Chunk
from ..text.furniture import without_furniture
from ..text.keywords import PAIR_SEP, QUESTION_WORDS, TOKENIZER_VERSION, stem_sequence, stopwords, word_pairs


@lru_cache(maxsize=1)
def _bm25s():
    import logging

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
    return bm25s


PAIR_WEIGHT = 1.0  # BM25 weight of a matched word pair relative to a word
CONCEPT = "\u2261"  # "≡nist": an acronym and its spelled-out form


# "(NIST)", "(KIAT)", "(CoRe)", "(C-DAC)": 2-10 characters, at least two capitals.
_ACRONYM_DEF = re.compile(r"\(\s*([A-Z][A-Za-z0-9&\-]{1,9})\s*\)")


def _long_form(short: str, before: str) -> str | None:
    """Schwartz & Hearst (2003): the shortest text ending ``before`` whose characters
    contain the acronym's letters in order, the first one starting a word."""
    chars = [c.lower() for c in short if c.isalnum()]
    if len(chars) < 2:
        return None
    long = before.rstrip()
    li = len(long) - 1
    for si in range(len(chars) - 1, -1, -1):
        c = chars[si]
        while li >= 0 and (long[li].lower() != c or (si == 0 and li > 0 and long[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        li -= 1
    start = long.rfind(" ", 0, li + 1) + 1
    return long[start:]


def harvest_acronyms(texts: Sequence[str]) -> dict[str, list[tuple[str, ...]]]:
    """Acronyms the texts define, "Korean Agency for Technology and Standards (KATS)", as
    {acronym: [stemmed expansions]}. Only expansions of at least two keywords, each
    starting with the acronym's first letter, are kept."""
    stop = stopwords()
    found: dict[str, set[tuple[str, ...]]] = {}
    for text in texts:
        if "(" not in text:
            continue
        for m in _ACRONYM_DEF.finditer(text):
            short = m.group(1)
            if sum(ch.isupper() for ch in short) < 2:
                continue
            n_words = min(len(short) + 5, 2 * len(short))
            before = " ".join(text[max(0, m.start() - 300) : m.start()].split()[-n_words:])
            long = _long_form(short, before)
            if not long or long[0].lower() != short[0].lower():
                continue
            seq, _ = stem_sequence(long, stop)
            if len(seq) >= 2:
                found.setdefault(short, set()).add(tuple(seq))
    return {a: sorted(e) for a, e in sorted(found.items())}


class Analyzer:
    """Turns chunk texts and questions into BM25 terms: keywords, word pairs and the
    acronym concepts of one corpus (see module doc)."""

    def __init__(self, acronyms: dict[str, list[tuple[str, ...]]] | None = None, pairs: bool = True):
        self.acronyms = {a: [tuple(e) for e in exps] for a, exps in (acronyms or {}).items()}
        self.pairs = pairs
        # expansions indexed by their first stemmed word, for a linear scan of a text
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for a, exps in self.acronyms.items():
            for e in exps:
                self._by_first.setdefault(e[0], []).append((e, a))
        self._acr_re = (
            re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(self.acronyms, key=len, reverse=True))) + r")(?![\w-])")
            if self.acronyms
            else None
        )

    def concepts(self, text: str, seq: Sequence[str]) -> list[str]:
        """``≡acronym`` once per mention of an acronym (as written) or of its expansion."""
        out: list[str] = []
        if self._acr_re is not None:
            out += [CONCEPT + m.group(1).lower() for m in self._acr_re.finditer(text)]
        if self._by_first:
            for i, w in enumerate(seq):
                for exp, a in self._by_first.get(w, ()):
                    if tuple(seq[i : i + len(exp)]) == exp:
                        out.append(CONCEPT + a.lower())
        return out

    def _terms(self, text: str, stop: frozenset[str]) -> list[str]:
        seq, extras = stem_sequence(text, stop)
        terms = seq + extras + self.concepts(text, seq)
        if self.pairs:
            terms += word_pairs(seq)
        return terms

    def document(self, text: str) -> list[str]:
        return self._terms(text, stopwords())

    def query(self, query: str) -> list[str]:
        """Terms of a question (question words dropped, as in ``query_tokens``)."""
        terms = self._terms(query, stopwords() | QUESTION_WORDS)
        return terms or self.document(query)

    def to_dict(self) -> dict:
        return {"acronyms": {a: [list(e) for e in exps] for a, exps in self.acronyms.items()}, "pairs": self.pairs}


def lexical_text(chunk: Chunk, date: str | None) -> str:
    """What BM25 indexes for a chunk: its title and date take part in keyword matching; a saved web
    page's menus and footers do not (``text.furniture``)."""
    return f"{chunk.title} {date or ''}\n{without_furniture(chunk.text)}"


class LexicalIndex:
    """BM25 over chunk texts, addressed by chunk id.

    bm25s builds its sparse matrix in one pass, so an update re-indexes all chunk texts
    (tokenising is ~100k chunks/s; no embedding is redone) and the result is persisted
    next to the FAISS index, with the corpus's acronym definitions (``Analyzer``).
    """

    def __init__(self, chunk_ids: Sequence[int] = (), retriever=None, analyzer: Analyzer | None = None):
        self.chunk_ids = np.asarray(chunk_ids, dtype="int64")
        self._bm25 = retriever
        self.analyzer = analyzer or Analyzer()
        self._row = {int(c): i for i, c in enumerate(self.chunk_ids)}
        self._idf: np.ndarray | None = None
        self.pair_weight = PAIR_WEIGHT

    @classmethod
    def build(cls, chunk_ids: Sequence[int], texts: Sequence[str], pairs: bool = True) -> LexicalIndex:
        if not len(texts):
            return cls([], None)
        analyzer = Analyzer(harvest_acronyms(texts), pairs=pairs)
        bm = _bm25s().BM25()
        bm.index([analyzer.document(t) or ["\u2205"] for t in texts], show_progress=False)
        return cls(chunk_ids, bm, analyzer)

    def __len__(self) -> int:
        return len(self.chunk_ids)

    @property
    def vocab(self) -> dict[str, int]:
        return self._bm25.vocab_dict if self._bm25 is not None else {}

    def query_terms(self, query: str) -> list[str]:
        """The BM25 terms of a question: keywords, word pairs and acronym concepts."""
        return self.analyzer.query(query)

    def scores(self, query: str | Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk (row order = ``chunk_ids``); ``query`` is text or terms."""
        if self._bm25 is None:
            return np.zeros(0, dtype="float32")
        toks = self.query_terms(query) if isinstance(query, str) else list(query)
        toks = [t for t in toks if t in self._bm25.vocab_dict]
        words = [t for t in toks if PAIR_SEP not in t]
        pairs = [t for t in toks if PAIR_SEP in t]
        out = np.zeros(len(self.chunk_ids), dtype="float32")
        if words:
            out += np.asarray(self._bm25.get_scores(words), dtype="float32")
        if pairs and self.pair_weight:
            # a pair repeats evidence its two words already gave: counted at a discount
            out += self.pair_weight * np.asarray(self._bm25.get_scores(pairs), dtype="float32")
        return out

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
        meta = {"version": TOKENIZER_VERSION, **self.analyzer.to_dict()}
        (folder / "tokenizer.json").write_text(json.dumps(meta), encoding="utf-8")
        if self._bm25 is not None:
            self._bm25.save(str(folder / "bm25"))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Raises ``StaleTokenizer`` when the index was built by another tokenizer version."""
        ids = np.load(folder / "chunk_ids.npy")
        try:
            meta = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            meta = {"version": 1}
        version = meta.get("version")
        if version != TOKENIZER_VERSION:
            raise StaleTokenizer(f"built with keyword tokenizer v{version}, this version uses v{TOKENIZER_VERSION}")
        analyzer = Analyzer(meta.get("acronyms"), pairs=meta.get("pairs", True))
        if not len(ids):
            return cls([], None, analyzer)
        bm = _bm25s().BM25.load(str(folder / "bm25"))
        return cls(ids, bm, analyzer)
