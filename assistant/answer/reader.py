"""The project's trained reader: reads a question and a text together and says whether, and
where, the text answers it.

A bi-encoder compares a question and a sentence as two separate vectors, so it cannot tell
"on topic" from "answers it". The reader is a cross-encoder (all-MiniLM-L6-v2 fine-tuned by
``training/train_reader.py`` on SQuAD, SQuAD 2.0 and SelQA; see ``models/reader/MODEL_CARD.md``)
that sees both at once and gives

* the probability that the text answers the question (a logit on [CLS]), and
* the answer span: start and end logits on every word piece of the text.

It ships inside the package (``models/reader/``: the fp32 ONNX model, its tokenizer, and
``reader.json`` with the answer threshold chosen on development data and the files' SHA-256) and
runs on ONNX Runtime; ``ReaderSettings.engine = "torch"`` (``ASSISTANT_READER_ENGINE=torch``) runs
the same weights, read out of the ONNX file, on PyTorch instead. A missing or damaged model file is an error, never a silent
fallback.

    reader = Reader.shared()
    [r] = reader.read("How much will go to bioeconomy research?", [passage_text])
    r.probability, passage_text[r.start:r.end]        # e.g. 0.7, "$10 million"
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ReaderError
from ..settings import Settings
from .decision import Decision

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "reader"
_SHARED: dict[tuple[str, str, int], Reader] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Reading:
    """What the reader made of one (question, text) pair."""

    probability: float  # that the text answers the question
    start: int  # the answer span: character offsets in the text (-1 when no span was allowed)
    end: int
    span_score: float = 0.0  # start + end logit of that span


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def best_span(start: np.ndarray, end: np.ndarray, allowed: np.ndarray, max_tokens: int) -> tuple[int, int, float]:
    """Token indices (i, j), i <= j < i + max_tokens, both allowed, maximising start[i] + end[j]."""
    idx = np.flatnonzero(allowed)
    if len(idx) == 0:
        return -1, -1, float("-inf")
    s, e = start[idx], end[idx]
    scores = s[:, None] + e[None, :]
    gap = idx[None, :] - idx[:, None]
    scores = np.where((gap >= 0) & (gap < max_tokens), scores, -np.inf)
    flat = int(np.argmax(scores))
    i, j = divmod(flat, len(idx))
    return int(idx[i]), int(idx[j]), float(scores[i, j])


def onnx_weights(path: Path) -> dict[str, np.ndarray]:
    """The trained weights, read out of an exported reader's ONNX file, under their PyTorch names.

    The exporter keeps parameter names, except for the Linear layers' weights, which it stores
    transposed under generated names; their MatMul node names carry the module path. Training
    warm-starts from the shipped model through this too, so the ONNX file is the one source.
    """
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state = {k: v for k, v in inits.items() if not k.startswith("onnx::")}
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1].startswith("onnx::") and node.input[1] in inits:
            module = node.name.strip("/").rsplit("/", 1)[0].replace("/", ".")
            state[module + ".weight"] = inits[node.input[1]].T
    return state


def _whole_words(text: str, a: int, b: int) -> tuple[int, int]:
    """Widen a span cut from word pieces to whole words ("$10 million", not "10 mill")."""
    while a > 0 and text[a - 1].isalnum() and text[a].isalnum():
        a -= 1
    while b < len(text) and text[b - 1].isalnum() and text[b].isalnum():
        b += 1
    return a, b


class Reader:
    """Runs the reader over (question, text) pairs.

    Args:
        model_dir: folder with ``reader.json``, ``tokenizer.json`` and the weights.
        engine: ``"onnx"`` (default) or ``"torch"``.
        threads: ONNX Runtime threads; 0 = all cores.

    Raises:
        ReaderError: a model file is missing or damaged, or the engine is unknown.
    """

    def __init__(self, model_dir: str | Path = MODEL_DIR, engine: str = "onnx", threads: int = 0):
        self.model_dir = Path(model_dir)
        self.threads = int(threads)
        self.engine = (engine or "onnx").lower()
        if self.engine not in ("onnx", "torch"):
            raise ReaderError(f"unknown reader engine {self.engine!r}: use onnx or torch")
        cfg_path = self.model_dir / "reader.json"
        try:
            self.config = json.loads(cfg_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ReaderError(f"reader model not usable: cannot read {cfg_path} ({e}); reinstall the package") from e
        for name in ("tokenizer.json", "model.onnx"):
            if not (self.model_dir / name).is_file():
                raise ReaderError(f"reader model file missing: {self.model_dir / name}; reinstall the package")
        self.threshold = float(self.config["threshold"])
        self.decision = Decision.from_config(self.config, self.threshold)  # whether a read answers (decision.py)
        self.max_length = int(self.config.get("max_length", 256))
        self.max_answer_tokens = int(self.config.get("max_answer_tokens", 30))
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self._tok.no_padding()
        self._tok.enable_truncation(self.max_length, stride=64, strategy="only_second")
        self._run = self._onnx() if self.engine == "onnx" else self._torch()
        self._lock = threading.Lock()
        self.stats = {"calls": 0, "pieces": 0, "tokens": 0, "seconds": 0.0}  # for the speed benchmark

    @classmethod
    def shared(cls, model_dir: str | Path = MODEL_DIR, engine: str = "onnx", threads: int = 0) -> Reader:
        """One reader per model folder and engine per process."""
        key = (str(model_dir), (engine or "onnx").lower(), int(threads))
        with _LOCK:
            if key not in _SHARED:
                _SHARED[key] = cls(model_dir, engine, threads)
            return _SHARED[key]

    @classmethod
    def from_settings(cls, settings: Settings) -> Reader:
        """The shared reader (the packaged one unless ``settings.reader.model_dir`` names another)
        with the engine and threads ``settings`` name."""
        return cls.shared(settings.reader.model_dir or MODEL_DIR, settings.reader.engine, settings.encoder.threads)

    # ------------------------------------------------------------------ engines

    def _onnx(self):
        from ..encode.onnx import onnx_session

        try:
            session = onnx_session(self.model_dir / "model.onnx", self.threads)
        except Exception as e:  # a truncated or foreign file
            raise ReaderError(f"reader model {self.model_dir / 'model.onnx'} cannot be loaded: {e}") from e

        def run(ids: np.ndarray, mask: np.ndarray, types: np.ndarray):
            return session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})

        return run

    def _torch(self):
        import torch
        from transformers import BertConfig, BertModel

        from ..encode.embedder import model_path

        state = {k: torch.from_numpy(v.copy()).float() for k, v in onnx_weights(self.model_dir / "model.onnx").items()}
        encoder = BertModel(BertConfig.from_pretrained(str(model_path())), add_pooling_layer=False)
        missing, unexpected = encoder.load_state_dict({k[len("encoder.") :]: v for k, v in state.items() if k.startswith("encoder.")}, strict=False)
        if unexpected or any(not k.endswith("position_ids") for k in missing):
            raise ReaderError(f"reader weights do not fit the encoder: missing {missing}, unexpected {unexpected}")
        encoder.eval()
        span_w, span_b = state["span.weight"], state["span.bias"]
        ans_w, ans_b = state["answerable.weight"], state["answerable.bias"]

        def run(ids: np.ndarray, mask: np.ndarray, types: np.ndarray):
            with torch.inference_mode():
                h = encoder(
                    input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask), token_type_ids=torch.from_numpy(types)
                ).last_hidden_state
                span = h @ span_w.T + span_b
                ans = h[:, 0] @ ans_w.T + ans_b
            return span[..., 0].numpy(), span[..., 1].numpy(), ans[:, 0].numpy()

        return run

    # ------------------------------------------------------------------ reading

    def read(
        self,
        question: str,
        texts: Sequence[str],
        allowed: Sequence[Sequence[tuple[int, int]] | None] | None = None,
        batch_size: int = 16,
    ) -> list[Reading]:
        """Read each text with the question.

        Args:
            question: the question as asked.
            texts: passages or sentence windows; a text longer than the model's window is read
                in overlapping pieces, and its best piece counts.
            allowed: per text, the character ranges the answer may come from (``None``: all of
                it), e.g. its sentences without headings.
            batch_size: pieces per model call.

        Returns:
            One ``Reading`` per text, in order; spans are character offsets into that text.
        """
        if not texts:
            return []
        pieces: list[tuple[int, object]] = []
        for n, enc in enumerate(self._tok.encode_batch([(question, t) for t in texts])):
            pieces.append((n, enc))
            pieces.extend((n, o) for o in enc.overflowing)
        best: list[Reading | None] = [None] * len(texts)
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i][1].ids))
        for s in range(0, len(order), batch_size):
            group = [pieces[i] for i in order[s : s + batch_size]]
            width = max(len(e.ids) for _, e in group)
            ids = np.zeros((len(group), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            types = np.zeros_like(ids)
            for r, (_, e) in enumerate(group):
                ids[r, : len(e.ids)] = e.ids
                mask[r, : len(e.ids)] = 1
                types[r, : len(e.ids)] = e.type_ids
            with self._lock:
                t0 = time.perf_counter()
                start, end, ans = self._run(ids, mask, types)
                self.stats["calls"] += 1
                self.stats["pieces"] += len(group)
                self.stats["tokens"] += int(mask.sum())
                self.stats["seconds"] += time.perf_counter() - t0
            probs = _sigmoid(np.asarray(ans, dtype=np.float64).reshape(-1))
            for r, (n, e) in enumerate(group):
                reading = self._span(texts[n], e, start[r], end[r], float(probs[r]), None if allowed is None else allowed[n])
                if best[n] is None or (reading.probability, reading.span_score) > (best[n].probability, best[n].span_score):
                    best[n] = reading
        return [b for b in best]  # type: ignore[misc]

    def _span(self, text: str, enc, start: np.ndarray, end: np.ndarray, prob: float, ranges) -> Reading:
        n = len(enc.ids)
        offsets = enc.offsets
        ok = np.array([sid == 1 and offsets[t][1] > offsets[t][0] for t, sid in enumerate(enc.sequence_ids)], dtype=bool)
        if ranges is not None:
            inside = np.zeros(n, dtype=bool)
            for t in np.flatnonzero(ok):
                a, b = offsets[t]
                inside[t] = any(lo <= a and b <= hi for lo, hi in ranges)
            ok &= inside
        i, j, score = best_span(np.asarray(start[:n], dtype=np.float64), np.asarray(end[:n], dtype=np.float64), ok, self.max_answer_tokens)
        if i < 0:
            return Reading(prob, -1, -1, score)
        a, b = _whole_words(text, offsets[i][0], offsets[j][1])
        return Reading(prob, a, b, score)
