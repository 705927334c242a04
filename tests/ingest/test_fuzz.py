"""Property-based fuzzing of the loaders and the chunker (hypothesis).

Whatever bytes a file holds, loading either returns a Document or raises ``LoadError`` (never
anything else), and every chunk's offsets are exact: ``chunk.text == doc.text[start:end]``.
Example counts are modest to keep CI time down; ``derandomize`` makes runs reproducible.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import LoadError
from assistant.ingest.chunking import Chunker
from assistant.ingest.loader import DocumentLoader
from assistant.ingest.text_files import decode_text, load_text_file
from assistant.schema import Document, Page
from assistant.settings import ChunkSettings
from assistant.text.sentences import split_sentences

from conftest import MULTIPAGE_PDF, needs_shared

FUZZ = settings(
    max_examples=40,
    deadline=None,  # the machine is shared; timing is noisy
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

# Text that stresses Unicode handling: combining marks, RTL, zero-width, surrogate-free astral
# characters, the Unicode line separators, NUL and other controls, CR/CRLF, Hangul.
EDGE_CHARS = [
    "\u0301",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u202e",
    "\u2028",
    "\u2029",
    "\x00",
    "\x0b",
    "\x0c",
    "\r",
    "\r\n",
    "\n",
    "\t",
    "…",
    "。",
    "！",
    "？",
    "U.S.",
    "Dr.",
    "e.g.",
    "한국",
    "과학기술",
    "😀",
    "👩‍🔬",
    "\U0001f1f0\U0001f1f7",
    "ﬁ",
    "İ",
    "ß",
    "\u0130",
    "\uffff",
    "\U0010ffff",
    ".",
    "!",
    "?",
    " ",
    "  ",
    "\u3000",
]
edge_text = st.lists(st.one_of(st.sampled_from(EDGE_CHARS), st.text(min_size=0, max_size=12)), max_size=80).map("".join)
any_text = st.one_of(st.text(max_size=3000), edge_text)


def check_document(doc: Document) -> None:
    assert isinstance(doc.text, str) and doc.text.strip()
    assert doc.pages
    prev_end = 0
    for p in doc.pages:
        assert prev_end <= p.start <= p.end <= len(doc.text)
        prev_end = p.end
    assert isinstance(doc.title, str) and len(doc.title) <= 200
    doc.text.encode("utf-8")  # no lone surrogates: the manifest and BM25 must be able to store it


def check_chunks(doc: Document, chunks, max_tokens: int, token_offsets) -> None:
    for c in chunks:
        assert 0 <= c.start < c.end <= len(doc.text)
        assert c.text == doc.text[c.start : c.end]
        assert c.text.strip() == c.text  # trimmed
        page = next(p for p in doc.pages if p.number == c.page)
        assert page.start <= c.start and c.end <= page.end
    assert [c.id for c in chunks] == list(range(chunks[0].id, chunks[0].id + len(chunks))) if chunks else True
    if chunks:
        counts = [len(o) for o in token_offsets([c.text for c in chunks])]
        # a chunk's text re-tokenised can differ by a token or two at cut points
        assert max(counts) <= max_tokens + 2, max(counts)
    # every non-space character of the document is covered by some chunk
    covered = bytearray(len(doc.text))
    for c in chunks:
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    for p in doc.pages:
        for i in range(p.start, p.end):
            if not covered[i] and not doc.text[i].isspace():
                raise AssertionError(f"character {i} ({doc.text[i]!r}) not in any chunk")


@pytest.fixture(scope="module")
def chunker(embedder):
    return Chunker(embedder.token_offsets, ChunkSettings(max_tokens=48, overlap_tokens=12))


# ----------------------------------------------------------------------------- decoding


@FUZZ
@given(st.binary(max_size=4000))
def test_decode_random_bytes_only_raises_loaderror(data):
    try:
        text = decode_text(data)
    except LoadError as e:
        assert str(e)
    else:
        assert isinstance(text, str)
        text.encode("utf-8")


@FUZZ
@given(st.binary(max_size=4000), st.sampled_from(["a.txt", "a.md", "2024-01-02-b.md", "c.markdown"]))
def test_text_loader_on_random_bytes(data, name):
    try:
        doc = load_text_file(Path(name), name, data)
    except LoadError as e:
        assert str(e)
    else:
        check_document(doc)


ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "cp1252",
    "latin-1",
    "euc-kr",
    "cp949",
    "shift_jis",
    "gb18030",
    "koi8-r",
    "iso-2022-kr",
]


@FUZZ
@given(any_text, st.sampled_from(ENCODINGS))
def test_odd_encodings_never_crash_and_utf_round_trips(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode(encoding, errors="replace")
    try:
        doc = load_text_file(Path("x.txt"), "x.txt", data)
    except LoadError as e:
        assert str(e)
        return
    check_document(doc)
    # UTF-8 and BOM-marked UTF-16 are decoded exactly (newlines normalised)
    bom_utf16 = encoding == "utf-16"
    if (encoding in ("utf-8", "utf-8-sig") or bom_utf16) and "\x00" not in text:
        expected = text.replace("\r\n", "\n").replace("\r", "\n")
        if encoding == "utf-8" and expected.startswith("\ufeff"):
            expected = expected[1:]  # a leading BOM in the text itself reads as a BOM
        assert doc.text == expected


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["title", "date", "source_url", "x"]),
        st.one_of(
            st.text(max_size=40),
            st.integers(),
            st.none(),
            st.lists(st.integers(), max_size=3),
            st.sampled_from(["2024-13-45", "2024-02-30", "0000-00-00", "[[[[", "{a: [b", "!!python/object:os.system x", "&a [*a]"]),
        ),
    ),
    any_text,
)
def test_markdown_front_matter_of_any_shape(meta, body):
    header = "".join(f"{k}: {v}\n" for k, v in meta.items())
    data = f"---\n{header}---\n{body}".encode("utf-8", "surrogatepass")
    try:
        doc = load_text_file(Path("2023-04-05-note.md"), "note.md", data)
    except LoadError as e:
        assert "empty file" in str(e) or "encoding" in str(e) or "binary" in str(e)
    else:
        check_document(doc)
        assert doc.date is None or (len(doc.date) == 10 and doc.date[4] == "-")


@pytest.mark.parametrize(
    "data",
    [
        b"---\ndate: 2024-13-45\n---\nBody text.",
        b"---\n" + b"[" * 5000 + b"\n---\nBody text.",
        b"---\n" + b"a: {" * 3000 + b"\n---\nBody text.",
        b"---\ntitle: " + b"T" * 100_000 + b"\n---\nBody text.",
        b"---\n---\n",
        b"---\n",
        b"\xef\xbb\xbf---\ntitle: x\n---\n",
    ],
    ids=["bad-date", "deep-list", "deep-map", "huge-title", "empty-fm", "unterminated", "bom-fm-only"],
)
def test_hostile_front_matter(data):
    try:
        doc = load_text_file(Path("n.md"), "n.md", data)
    except LoadError as e:
        assert "empty file" in str(e)
    else:
        check_document(doc)
        assert "Body text." in doc.text or doc.text.strip()


@pytest.mark.parametrize(
    "data", [b"", b" ", b"\n\n\n", b"\t \r\n \x0c", "\u3000\u2028\u00a0".encode(), b"\xef\xbb\xbf", b"\xff\xfe", b"\xff\xfe \x00\n\x00"]
)
@pytest.mark.parametrize("name", ["w.txt", "w.md"])
def test_empty_and_whitespace_only_files_are_skipped(tmp_path, data, name):
    f = tmp_path / name
    f.write_bytes(data)
    with DocumentLoader() as loader, pytest.raises(LoadError, match="empty file"):
        loader.load(f, name)


# ----------------------------------------------------------------------------- chunking


@FUZZ
@given(any_text)
def test_chunk_offsets_are_exact_for_any_text(chunker, embedder, text):
    doc = Document("f.txt", text, [Page(None, 0, len(text))], "t")
    chunks = chunker.run(doc, next_id=7)
    check_chunks(doc, chunks, chunker.settings.max_tokens, embedder.token_offsets)
    for a, b in split_sentences(text):
        assert text[a:b].strip() == text[a:b] and a < b


@FUZZ
@given(st.lists(any_text, min_size=1, max_size=6))
def test_chunks_never_cross_pages(chunker, embedder, pages):
    from assistant.ingest.pdf import pdf_document

    doc = pdf_document(Path("p.pdf"), "p.pdf", pages, {})
    for p, t in zip(doc.pages, pages):
        assert doc.text[p.start : p.end] == t
    check_chunks(doc, chunker.run(doc), chunker.settings.max_tokens, embedder.token_offsets)


@pytest.mark.parametrize(
    "text",
    [
        "x" * 300_000,  # one gigantic "word"
        "word " * 60_000,  # one gigantic sentence
        ("a. " * 50_000),  # every dot an abbreviation guard
        "." * 100_000,
        "한국과학기술" * 40_000,
        "😀" * 50_000,
        ("\u0301" * 50_000),
        "\n" * 100_000 + "end",
        ("Sentence one. " * 20_000),
    ],
    ids=["long-word", "long-sentence", "initials", "dots", "hangul", "emoji", "combining", "newlines", "sentences"],
)
def test_gigantic_lines_chunk_quickly_and_exactly(chunker, embedder, text):
    import time

    doc = Document("big.txt", text, [Page(None, 0, len(text))], "t")
    t = time.perf_counter()
    chunks = chunker.run(doc)
    assert time.perf_counter() - t < 120  # no quadratic blow-up
    check_chunks(doc, chunks, chunker.settings.max_tokens, embedder.token_offsets)


def test_gigantic_line_file_loads(tmp_path):
    f = tmp_path / "line.txt"
    f.write_bytes(b"cooperation " * 500_000)  # 6 MB, no newline
    with DocumentLoader() as loader:
        doc = loader.load(f, "line.txt")
    assert len(doc.text) == 6_000_000 and doc.title


# ----------------------------------------------------------------------------- PDFs


@pytest.fixture(scope="module")
def pdf_loader():
    with DocumentLoader() as loader:
        yield loader


@FUZZ
@given(st.binary(max_size=3000), st.booleans())
def test_random_bytes_named_pdf(tmp_path_factory, pdf_loader, data, with_header):
    f = tmp_path_factory.mktemp("fz") / "r.pdf"
    f.write_bytes((b"%PDF-1.4\n" if with_header else b"") + data)
    try:
        doc = pdf_loader.load(f, "r.pdf")
    except LoadError as e:
        assert str(e)
    else:
        check_document(doc)


@needs_shared(MULTIPAGE_PDF)
@settings(FUZZ, max_examples=30)
@given(st.data())
def test_mutated_real_pdf(tmp_path_factory, pdf_loader, chunker, embedder, data):
    """Flip, delete, duplicate or truncate bytes of a real PDF: a Document or a LoadError."""
    raw = bytearray(MULTIPAGE_PDF.read_bytes())
    for _ in range(data.draw(st.integers(1, 8), label="edits")):
        op = data.draw(st.sampled_from(["flip", "delete", "insert", "truncate", "zero"]), label="op")
        i = data.draw(st.integers(0, len(raw) - 1), label="at")
        n = data.draw(st.integers(1, 200), label="n")
        if op == "flip":
            raw[i] ^= data.draw(st.integers(1, 255), label="mask")
        elif op == "delete":
            del raw[i : i + n]
        elif op == "insert":
            raw[i:i] = data.draw(st.binary(min_size=1, max_size=n), label="bytes")
        elif op == "truncate":
            del raw[i:]
        else:
            raw[i : i + n] = bytes(len(raw[i : i + n]))
        if not raw:
            raw = bytearray(b"%")
    f = tmp_path_factory.mktemp("mut") / "m.pdf"
    f.write_bytes(bytes(raw))
    try:
        doc = pdf_loader.load(f, "m.pdf")
    except LoadError as e:
        assert str(e)
        return
    check_document(doc)
    check_chunks(doc, chunker.run(doc), chunker.settings.max_tokens, embedder.token_offsets)


def test_codecs_list_is_valid():
    for e in ENCODINGS:
        codecs.lookup(e)
