"""The Korean reader: picks the sentence that answers, or says none does, for Korean text.

The trained cross-encoder (``reader``) is English: its word pieces cannot spell Hangul. For a
Korean question, or a question over Korean passages, this selector reads instead. It scores
every quotable sentence of a passage with a small logistic model over features that mean the
same in both languages:

* how close the question and the sentence are in the multilingual encoder's space (cosine,
  its margin over the passage's other sentences, whether it is the closest);
* how many of the question's keywords the sentence and its neighbours hold (Korean
  morphemes, ``text.korean``; English stems);
* whether the question asks for a date or an amount (언제 / when, 얼마·몇 / how much) and the
  sentence has one.

The weights and the answer threshold are learnt by ``training/train_selector.py`` on KorQuAD
1.0 dev articles (question, paragraph with the answer / a paragraph of the same article
without it) and stored in ``models/selector/selector.json``; figures on the held-out articles
are in its model card. It has the reader's interface (``read``, ``threshold``), so quoting and
refusing work the same way: the answer quotes the whole sentence, exactly as in the document.

An English question over a Korean sentence (or the reverse) shares no keywords with it, so its
probability is lower for the same evidence; such reads are recalibrated so that the
cross-lingual threshold (chosen on the project's English questions over Korean documents)
lands on the common one: p' = σ(logit p − logit t_cross + logit t).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ReaderError
from ..text.keywords import query_tokens, tokenize
from ..text.language import KOREAN, is_korean
from .reader import Reading

MODEL_FILE = Path(__file__).resolve().parent.parent / "models" / "selector" / "selector.json"
FEATURES = (
    "cosine",
    "cosine_margin",
    "closest",
    "coverage",
    "window_coverage",
    "asks_date_has",
    "asks_date_lacks",
    "asks_amount_has",
    "asks_amount_lacks",
    "numbers_missing",
    "log_length",
)

_ASKS_DATE = re.compile(
    r"언제|날짜|며칠|몇\s*월|몇\s*년|몇\s*일|연도|시기|\bwhen\b|\bwhat (?:date|year|day|month)\b|\bwhich (?:year|day|month)\b", re.I
)
_ASKS_AMOUNT = re.compile(r"얼마|몇|규모|금액|액수|비율|\bhow (?:much|many)\b|\bwhat (?:amount|percentage|share|number)\b", re.I)
_HAS_DATE = re.compile(
    r"\d{4}\s*년|\d{1,2}\s*월|\d{1,2}\s*일|\b(?:19|20)\d{2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d", re.I
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_HAS_NUMBER = re.compile(r"\d|[일이삼사오육칠팔구십백천만억조]+\s*(?:억|만|조|천|달러|원|명|개|건)")
_SHARED: dict[tuple[str, str], Selector] = {}
_LOCK = threading.Lock()


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def _coverage(q: set[str], s: set[str]) -> float:
    return len(q & s) / len(q) if q else 0.0


def sentence_features(question: str, q_vec: np.ndarray, sentences: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    """The (len(sentences), len(FEATURES)) feature matrix of one passage's sentences.

    Args:
        question: the question as asked.
        q_vec: its unit vector (the encoder's query side).
        sentences: the passage's quotable sentences, in order.
        vectors: their unit vectors (the encoder's passage side).
    """
    n = len(sentences)
    out = np.zeros((n, len(FEATURES)), dtype="float32")
    if n == 0:
        return out
    cos = vectors @ q_vec
    qt = set(query_tokens(question))
    toks = [set(tokenize(s)) for s in sentences]
    asks_date, asks_amount = bool(_ASKS_DATE.search(question)), bool(_ASKS_AMOUNT.search(question))
    # numbers the question names ("제10차", "2021년", "5G") must be in the sentence or its neighbours
    q_numbers = {n.replace(",", "") for n in _NUMBER.findall(question)}
    order = np.argsort(-cos)
    for i, s in enumerate(sentences):
        others = np.delete(cos, i)
        window = toks[i] | (toks[i - 1] if i > 0 else set()) | (toks[i + 1] if i + 1 < n else set())
        has_date, has_num = bool(_HAS_DATE.search(s)), bool(_HAS_NUMBER.search(s))
        near = " ".join(sentences[max(0, i - 1) : i + 2])
        missing = len(q_numbers - {n.replace(",", "") for n in _NUMBER.findall(near)}) / len(q_numbers) if q_numbers else 0.0
        out[i] = (
            cos[i],
            cos[i] - (others.max() if len(others) else 0.0),
            float(order[0] == i),
            _coverage(qt, toks[i]),
            _coverage(qt, window),
            float(asks_date and has_date),
            float(asks_date and not has_date),
            float(asks_amount and has_num),
            float(asks_amount and not has_num),
            missing,
            np.log1p(len(s)) / 6.0,
        )
    return out


class Selector:
    """Scores sentences with the trained logistic model; the reader's interface.

    Args:
        encoder: the multilingual ``Embedder`` (``encode_queries`` / ``encode_passages``).
        model_file: ``selector.json`` (weights, intercept, threshold).
    """

    def __init__(self, encoder, model_file: Path = MODEL_FILE):
        try:
            spec = json.loads(Path(model_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ReaderError(
                f"the Korean sentence selector's model file {model_file} is missing or unreadable ({e}); reinstall the package"
            ) from None
        if tuple(spec.get("features", ())) != FEATURES:
            raise ReaderError(f"{model_file} was trained on other features than this code computes; retrain it (training/train_selector.py)")
        self.encoder = encoder
        self.weights = np.asarray(spec["weights"], dtype="float32")
        self.intercept = float(spec["intercept"])
        self.threshold = float(spec["threshold"])
        self.threshold_cross = float(spec.get("threshold_cross", self.threshold))
        self.spec = spec

    @classmethod
    def shared(cls, encoder, model_file: Path = MODEL_FILE) -> Selector:
        key = (str(getattr(encoder, "model_name", id(encoder))), str(model_file))
        with _LOCK:
            if key not in _SHARED:
                _SHARED[key] = cls(encoder, model_file)
            return _SHARED[key]

    def probabilities(self, features: np.ndarray, cross_lingual: bool = False) -> np.ndarray:
        """P(sentence answers) for each row; cross-lingual rows recalibrated (module doc)."""
        z = features @ self.weights + self.intercept
        if cross_lingual:
            z = z - _logit(self.threshold_cross) + _logit(self.threshold)
        return 1.0 / (1.0 + np.exp(-z))

    def read(self, question: str, texts: Sequence[str], allowed: Sequence[Sequence[tuple[int, int]]] | None = None) -> list[Reading]:
        """For each text, the probability that its best sentence answers, and that sentence.

        ``allowed`` are each text's quotable sentence spans (character offsets in the text);
        without them the text's sentences are split here.
        """
        if allowed is None:
            from ..text.sentences import split_sentences

            allowed = [split_sentences(t) for t in texts]
        spans = [list(a) for a in allowed]
        if not any(spans):
            return [Reading(0.0, -1, -1) for _ in texts]
        q_vec = self.encoder.encode_queries([question])[0]
        q_ko = is_korean(question)
        # sentence vectors pooled from each text's own forward pass, as the index pools them
        _, span_vecs = self.encoder.encode_with_spans(list(texts), spans)
        out: list[Reading] = []
        for t, sp, vecs in zip(texts, spans, span_vecs):
            if not sp:
                out.append(Reading(0.0, -1, -1))
                continue
            sents = [t[a:b] for a, b in sp]
            cross = is_korean(" ".join(sents)) != q_ko
            p = self.probabilities(sentence_features(question, q_vec, sents, vecs), cross)
            i = int(np.argmax(p))
            out.append(Reading(float(p[i]), sp[i][0], sp[i][1], float(p[i])))
        return out


def needs_selector(question: str, passage_languages: Sequence[str]) -> bool:
    """A Korean question, or an English one whose best passage is Korean: the English reader
    cannot read Hangul. (An English question whose best passage is English keeps the English
    reader, which gives a Korean passage further down no weight.)"""
    return is_korean(question) or (bool(passage_languages) and passage_languages[0] == KOREAN)
