"""Cut documents into sentence-aligned chunks that fit the embedding model's window.

Token counts come from the model's own tokenizer, so no chunk is silently truncated at
embedding time. Every chunk keeps exact character offsets into its document's text
(``chunk.text == doc.text[chunk.start:chunk.end]``), which is what makes citations checkable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from .config import ChunkSettings
from .types import Chunk, Document

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace, or at a
# line break that is structural (see ``_line_break_ends_sentence``): hard-wrapped Markdown
# and PDF text break lines mid-sentence. A regular expression keeps this fast (the splitter
# runs on every page of every PDF); the abbreviation guard below handles "U.S.", "Nov. 15",
# "Dr. Kim", "e.g.".
# A match only starts at the beginning of a run of punctuation: otherwise a long run with no
# space after it ("....." x 100k) is re-scanned from every position, which is quadratic.
_BOUNDARY = re.compile(r"""(?<![.!?])[.!?]+["'”’)\]]*(?=\s)|\n""")
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd", "co", "corp",
    "no", "nos", "vol", "fig", "figs", "gen", "gov", "sen", "rep", "rev", "dept", "univ", "approx",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mt", "ft", "u.s", "u.k", "e.g", "i.e", "al", "cf", "p", "pp",
}
_LIST_OR_HEADING = re.compile(r"[ \t]*(?:[-*•+▪●◦]|\d{1,3}[.)]|[a-z][.)]|#{1,6})[ \t]")
_SHORT_LINE = 45  # characters: a shorter line without closing punctuation is a heading or a label
_HEADLINE_WORDS = 12  # a longer Title Case line is still a headline up to this many words
_SMALL_WORDS = frozenset("a an and as at by for in of on or the to vs via with from".split())
# the word before a dot; it must start the token: in "5G and 6G." the "G" is no initial
_WORD_BEFORE = re.compile(r"(?<![\w.])([A-Za-z](?:[A-Za-z.]*[A-Za-z])?)\.?$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the '.' at ``dot`` ends an abbreviation rather than a sentence."""
    m = _WORD_BEFORE.search(text, max(0, dot - 12), dot + 1)
    if not m:
        return False
    word = m.group(1).lower()
    if word in _ABBREVIATIONS:
        return True
    if len(word) == 1:  # initials: "J. Biden", "U.S."
        return True
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))  # "u.s", "e.g"


def _line_break_ends_sentence(text: str, nl: int, end: int) -> bool:
    """Whether the line break at ``nl`` ends a sentence rather than wrapping one.

    It does before a blank line (a paragraph), before a list item or Markdown heading, and
    after a short line such as a title ("Legal working age") or a Title Case headline ("The
    1st Korea-US ... Dialogue Held") when the next line starts like a sentence. A long line
    followed by more text is a wrapped sentence, whose quote must stay whole.
    """
    rest = text[nl + 1:end]
    nxt = rest.lstrip(" \t")
    if not nxt or nxt[0] in "\r\n" or _LIST_OR_HEADING.match(rest):
        return True
    line_start = text.rfind("\n", 0, nl) + 1
    line = text[line_start:nl].strip()
    if not line or line.startswith("#") or line.endswith(":") or line.endswith("|"):
        return True
    if nxt[0].islower():
        return False
    if len(line) < _SHORT_LINE:
        return True
    # an indented line or a list item's first line wraps on below: not a headline
    return text[line_start] not in " \t" and not _LIST_OR_HEADING.match(text, line_start) and _headline(line)


def _headline(line: str) -> bool:
    """A news headline or subtitle: Title Case, at most ``_HEADLINE_WORDS`` words, no closing
    punctuation, not a list of names ("We, National Security Advisor Jake Sullivan, ...") and
    not a wrapped line of one ("... the Korea Research Institute of")."""
    words = line.split()
    if len(words) > _HEADLINE_WORDS or line.count(",") > 1 or line[-1] in ".!?;," or words[-1].lower() in _SMALL_WORDS:
        return False
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", line) if w.lower() not in _SMALL_WORDS]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences in ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cur = start
    for m in _BOUNDARY.finditer(text, start, end):
        cut = m.end()
        if text[m.start()] == "\n" and not _line_break_ends_sentence(text, m.start(), end):
            continue
        if text[m.start()] == ".":
            nxt = text[cut:cut + 3].lstrip()
            if _is_abbreviation(text, m.start()):
                continue  # "U.S. officials", "Nov. 15", "Dr. Kim"
            if nxt[:1].islower():  # "approx. three", "No. of" – not a new sentence
                continue
        _append_trimmed(text, cur, cut, spans)
        cur = cut
    _append_trimmed(text, cur, end, spans)
    return spans


def _append_trimmed(text: str, a: int, b: int, out: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        out.append((a, b))


TokenCounter = Callable[[Sequence[str]], list[list[tuple[int, int]]]]
"""Maps texts to, for each, the (start, end) character offsets of its tokens."""


@dataclass
class _Piece:
    start: int
    end: int
    tokens: int


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
                chunks.append(Chunk(next_id + len(chunks), doc.source, doc.title, page.number, a, b, doc.text[a:b]))
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
