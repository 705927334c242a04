"""Cut documents into sentence-aligned chunks that fit the embedding model's window.

Token counts come from the model's own tokenizer, so no chunk is silently truncated at
embedding time. Every chunk keeps exact character offsets into its document's text
(``chunk.text == doc.text[chunk.start:chunk.end]``), which is what makes citations checkable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..schema import Chunk, Document
from ..settings import ChunkSettings
from ..text.language import ENGLISH, KOREAN, KOREAN_SHARE, hangul_share
from ..text.sentences import split_sentences

TokenCounter = Callable[[Sequence[str]], list[list[tuple[int, int]]]]
"""Maps texts to, for each, the (start, end) character offsets of its tokens."""


@dataclass
class _Piece:
    start: int
    end: int
    tokens: int


def chunk_language(text: str, document_language: str | None) -> str:
    """A chunk's own language: Korean by its script, else its document's (English if that is Korean)."""
    if hangul_share(text) >= KOREAN_SHARE:
        return KOREAN
    return document_language if document_language and document_language != KOREAN else ENGLISH


class Chunker:
    """Sentence-aware chunker measured in the embedding model's tokens.

    Args:
        token_offsets: function returning each text's token character offsets (from the
            model's fast tokenizer, without special tokens).
        settings: maximum tokens per chunk and the overlap carried between chunks.
    """

    def __init__(self, token_offsets: TokenCounter, settings: ChunkSettings | None = None):
        self.token_offsets = token_offsets
        self.settings = settings or ChunkSettings()

    def run(self, doc: Document, next_id: int = 0) -> list[Chunk]:
        """Chunk one document; ids are ``next_id, next_id + 1, ...``."""
        chunks: list[Chunk] = []
        for page in doc.pages:
            for a, b in self._page_chunks(doc.text, page.start, page.end):
                text = doc.text[a:b]
                chunks.append(Chunk(next_id + len(chunks), doc.source, doc.title, page.number, a, b, text, chunk_language(text, doc.language)))
        return chunks

    def _pieces(self, text: str, start: int, end: int) -> Iterator[_Piece]:
        spans = split_sentences(text, start, end)
        if not spans:
            return
        offsets = self.token_offsets([text[a:b] for a, b in spans])
        limit = self.settings.max_tokens
        for (a, b), offs in zip(spans, offsets):
            if len(offs) <= limit:
                yield _Piece(a, b, len(offs))
                continue
            # A sentence longer than the window (tables, run-on PDF lines): cut it at token
            # boundaries, preferring whitespace, so no piece exceeds the limit.
            i = 0
            while i < len(offs):
                j = min(i + limit, len(offs))
                if j < len(offs):
                    k = j
                    while k > i + limit // 2 and offs[k][0] == offs[k - 1][1]:
                        k -= 1  # back off to a token that starts after whitespace
                    j = k if k > i + limit // 2 else j
                pa = a + offs[i][0]
                pb = a + offs[j - 1][1]
                yield _Piece(pa, pb, j - i)
                i = j

    def _page_chunks(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        limit, overlap = self.settings.max_tokens, self.settings.overlap_tokens
        window: list[_Piece] = []
        used = 0
        fresh = False  # the window holds a piece not yet emitted in a chunk
        for piece in self._pieces(text, start, end):
            if window and used + piece.tokens > limit:
                if fresh:
                    yield window[0].start, window[-1].end
                # carry the last sentences (up to ``overlap`` tokens) into the next chunk
                carry: list[_Piece] = []
                carried = 0
                for p in reversed(window):
                    if carried + p.tokens > overlap or carried + p.tokens + piece.tokens > limit:
                        break
                    carry.insert(0, p)
                    carried += p.tokens
                window, used = carry, carried
            window.append(piece)
            used += piece.tokens
            fresh = True
        if window and fresh:
            yield window[0].start, window[-1].end
