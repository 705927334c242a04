"""The shipped reader: its files are intact, both engines agree, and it reads as it should."""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest

from assistant.answer.reader import MODEL_DIR, Reader, best_span
from assistant.errors import ReaderError

BIO = (
    "In the bio field, the Ministry of Science and ICT and the U.S. National Science Foundation agreed to "
    "support research cooperation in the bioeconomy sector with at least $10 million."
)
PAIRS = [
    ("How much will the two sides spend on bioeconomy research?", BIO),
    ("Which U.S. agency agreed to support bioeconomy research?", BIO),
    ("When was the Eiffel Tower built?", BIO),
    ("Who won the 2018 World Cup?", "France won the 2018 FIFA World Cup, beating Croatia 4-2 in the final in Moscow."),
    ("How many people live in Seoul?", "Seoul is the capital of South Korea and its largest metropolis."),
]


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader.shared()


def test_shipped_files_match_their_checksums():
    cfg = json.loads((MODEL_DIR / "reader.json").read_text())
    assert set(cfg["sha256"]) >= {"model.onnx", "tokenizer.json"}
    for name, digest in cfg["sha256"].items():
        assert hashlib.sha256((MODEL_DIR / name).read_bytes()).hexdigest() == digest, name
    assert 0.0 < cfg["threshold"] < 1.0 and cfg["threshold_chosen_on"]["sets"]
    size = sum(p.stat().st_size for p in MODEL_DIR.iterdir())
    assert size <= 100 * 1024 * 1024


def test_model_card_names_data_licences_and_figures():
    card = (MODEL_DIR / "MODEL_CARD.md").read_text()
    for needle in ("SQuAD 1.1", "SQuAD 2.0", "SelQA", "CC BY-SA 4.0", "Apache-2.0", "training/train_reader.py", "F1"):
        assert needle in card


def test_reads_the_answer_span(reader):
    [r] = reader.read(PAIRS[0][0], [BIO])
    assert r.probability > 0.5
    assert "$10 million" in BIO[r.start : r.end] and len(BIO[r.start : r.end]) < 40
    [r] = reader.read(PAIRS[1][0], [BIO])
    assert "National Science Foundation" in BIO[r.start : r.end]


def test_on_topic_text_without_the_answer_is_not_an_answer(reader):
    probs = [r.probability for r in reader.read("How many people live in Seoul?", [PAIRS[4][1]])]
    assert probs[0] < reader.threshold
    [off_topic] = reader.read("When was the Eiffel Tower built?", [BIO])
    assert off_topic.probability < reader.threshold


def test_the_answer_stays_inside_the_allowed_ranges(reader):
    text = "Regional update.\n" + BIO
    lo = text.index("In the bio")
    [r] = reader.read(PAIRS[0][0], [text], allowed=[[(lo, len(text))]])
    assert lo <= r.start < r.end <= len(text)
    [none] = reader.read(PAIRS[0][0], [text], allowed=[[]])
    assert none.start == -1


def test_a_long_text_is_read_in_overlapping_pieces(reader):
    filler = " ".join(["The weather in the region was mild and the harvest was described as ordinary."] * 60)
    text = filler + " " + BIO
    [r] = reader.read(PAIRS[0][0], [text])
    assert "$10 million" in text[r.start : r.end]


def test_onnx_and_pytorch_engines_agree(reader):
    """ONNX Runtime and the PyTorch fallback (weights read from the same file) agree."""
    torch_reader = Reader(MODEL_DIR, engine="torch")
    for q, t in PAIRS:
        [a], [b] = reader.read(q, [t]), torch_reader.read(q, [t])
        assert abs(a.probability - b.probability) < 1e-3, (q, a, b)
        assert (a.start, a.end) == (b.start, b.end), (q, t[a.start : a.end], t[b.start : b.end])


def test_a_missing_model_file_is_an_error_not_a_fallback(tmp_path):
    broken = tmp_path / "reader"
    shutil.copytree(MODEL_DIR, broken)
    (broken / "model.onnx").unlink()
    with pytest.raises(ReaderError, match="model.onnx"):
        Reader(broken)
    (broken / "reader.json").unlink()
    with pytest.raises(ReaderError, match="reader.json"):
        Reader(broken)


def test_best_span_respects_order_length_and_mask():
    start = np.array([0.0, 5.0, 0.0, 0.0, 9.0])
    end = np.array([0.0, 0.0, 6.0, 0.0, 0.0])
    allowed = np.array([False, True, True, True, False])
    assert best_span(start, end, allowed, max_tokens=5)[:2] == (1, 2)  # index 4 is not allowed
    assert best_span(start, end, allowed, max_tokens=1)[:2] in {(1, 1), (2, 2), (3, 3)}
    assert best_span(start, end, np.zeros(5, dtype=bool), 5)[0] == -1
