"""Typed records passed between the stages: files → documents → chunks → passages → answers.

Every stage takes and returns these dataclasses, so a newcomer can read the data flow
from the signatures alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# The file types the assistant reads, by suffix, and the document kind each becomes. The
# corpus scan, the loaders, the uploads, the CLI's --file-type and the ``where`` filter all
# take this one table.
FILE_TYPES: dict[str, str] = {".txt": "txt", ".md": "md", ".markdown": "md", ".pdf": "pdf"}
KINDS: tuple[str, ...] = tuple(dict.fromkeys(FILE_TYPES.values()))  # "txt", "md", "pdf"


def kind_of(suffix: str) -> str | None:
    """The document kind of a file suffix (".MD" -> "md"); ``None`` if unsupported."""
    return FILE_TYPES.get(suffix.lower())


@dataclass(frozen=True)
class Page:
    """One page of a document's extracted text; ``start`` is its offset in ``Document.text``."""

    number: int | None  # 1-based page number for PDFs, None for plain text
    start: int
    end: int
    ocr: bool = False  # text came from OCR, not from the file's text layer


@dataclass
class Document:
    """A loaded file: its full extracted text, where each page lies in it, and its metadata."""

    source: str  # path relative to the corpus folder, with forward slashes
    text: str
    pages: list[Page]
    title: str
    date: str | None = None  # ISO date string when known (front matter or file name)
    source_url: str | None = None
    kind: str = "txt"  # "txt", "md" or "pdf"
    publisher: str | None = None  # who published it ("The Asia Business Daily"): front matter ``source``/``publisher``
    language: str | None = None  # ISO 639-1 ("en", "ko"): front matter, else ``text.language``


@dataclass(frozen=True)
class Chunk:
    """A span of a document small enough for the embedding model; ``text == doc.text[start:end]``."""

    id: int  # stable FAISS id
    source: str
    title: str
    page: int | None
    start: int
    end: int
    text: str
    language: str = "en"  # of this chunk's own text: a Korean document may quote English

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Passage:
    """A retrieved chunk with its relevance score (higher is better)."""

    source: str
    title: str
    page: int | None
    text: str
    start: int
    end: int
    score: float
    chunk_id: int = -1
    date: str | None = None
    language: str = "en"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Citation:
    """One numbered piece of evidence: an exact quote and where it sits in its document."""

    n: int
    source: str
    title: str
    page: int | None
    quote: str  # exact document text: document_text[start:end]
    start: int
    end: int
    score: float
    context: str = ""  # the surrounding chunk text, for display
    context_start: int = 0  # offset of ``context`` in the document
    answer_start: int | None = None  # the short answer's span inside the quote, in document
    answer_end: int | None = None  # offsets (start <= answer_start < answer_end <= end); None if none

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AnswerPart:
    """One part of a question that asks several things ("How much ... and by what year?"), answered
    on its own: its citations are among the answer's (``Answer.citations``, by number)."""

    question: str  # the part as it was read ("how much ... ?")
    text: str  # its answer with [n] markers, or that the documents do not say
    grounded: bool
    citations: list[int] = field(default_factory=list)  # numbers of the answer's citations it rests on
    short: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """The reply to a question: text with ``[n]`` markers, the citations, and whether it is grounded."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    grounded: bool = True
    related: list[Passage] = field(default_factory=list)  # closest passages when not grounded
    answerer: str = "reader"
    note: str | None = None  # e.g. why an LLM answer fell back to the extractive one
    short: str | None = None  # the short answer itself ("$10 million"), when the reader found one
    confidence: float | None = None  # the decision's probability (reader + checks) that the cited text answers the question
    items: list[str] = field(default_factory=list)  # the items, when the question asks for several things and a list answers
    parts: list[AnswerPart] = field(default_factory=list)  # one per part of a several-part question, in order

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "short": self.short,
            "grounded": self.grounded,
            "confidence": self.confidence,
            "items": list(self.items),
            "parts": [p.to_dict() for p in self.parts],
            "citations": [c.to_dict() for c in self.citations],
            "related": [p.to_dict() for p in self.related],
            "answerer": self.answerer,
            "note": self.note,
        }


@dataclass
class DocumentRecord:
    """What the index knows about one indexed file (stored in the snapshot's manifest)."""

    source: str
    size: int
    mtime: float
    sha256: str
    title: str
    kind: str
    chunk_ids: list[int]
    pages: int | None = None
    date: str | None = None
    source_url: str | None = None
    indexed_at: str = ""
    text_length: int = 0
    ocr_pages: list[int] = field(default_factory=list)
    language: str = "en"
    publisher: str | None = None


@dataclass
class IndexReport:
    """What one ``update_index()`` call did, by source path."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    rebuilt: bool = False
    rebuild_reason: str | None = None
    chunks_embedded: int = 0
    total_chunks: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.rebuilt)

    def summary(self) -> str:
        """One line per kind of change, for the CLI and the UI."""
        lines = []
        if self.rebuild_reason:
            lines.append(f"Full rebuild: {self.rebuild_reason}")
        for label, items in (("added", self.added), ("updated", self.updated), ("removed", self.removed)):
            for s in items:
                lines.append(f"{label}: {s}")
        for s, reason in self.skipped:
            lines.append(f"skipped: {s}: {reason}")
        lines.append(
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped; "
            f"{self.chunks_embedded} chunks embedded, {self.total_chunks} in index ({self.seconds:.1f}s)"
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["skipped"] = [list(x) for x in self.skipped]
        return d
