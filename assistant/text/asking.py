"""What a question asks: the asked clause, the source it names, the context before it, its parts.

Analysts write long questions. They pin an event down first ("Korea's trade ministry said the
minister met Stanford's president in November 2023."), name the document they mean ("According to
the White House fact sheet on the summit, ..."), and ask two things at once ("how much ..., and by
what year?"). The reader was trained on short questions: it reads the asked clause best, the
retriever should look in the named document, and each part needs its own answer.

    asked = parse_question("According to the May 2021 fact sheet, how much ... and by what year?")
    asked.clause   # "how much ... and by what year?"  (what the reader reads)
    asked.source   # "the May 2021 fact sheet"           (which document to prefer)
    asked.parts    # ["how much ...?", "by what year did ...?"]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dates import MONTHS
from .keywords import tokenize
from .sentences import split_sentences

# what a document is called: "the joint fact sheet", "the 70th-anniversary joint statement", "that release"
_DOC_NOUN = (
    r"(?:fact\s+sheets?|statements?|releases?|reports?|readouts?|remarks|memorand(?:um|a)|MOUs?|texts?|briefings?|articles?"
    r"|announcements?|declarations?|communiqu[ée]s?|transcripts?|stor(?:y|ies)|speech(?:es)?|papers?|deals?)"
)
# "the White House joint fact sheet on the inaugural CET Dialogue", "the April 2023 state-visit fact sheet"
# (never across a verb: "the three countries were signing an MOU" names no document; not ``_AUX``, whose
# "may" would stop "the May 2021 joint statement" in this case-insensitive pattern)
_NOT_VERB = r"(?!(?:is|are|was|were|be|been|being|did|does|do|has|have|had|will|would|can|could|should|to)\s)"
_SOURCE_PHRASE = re.compile(
    r"\b(?:the\s+(?:"
    + _NOT_VERB
    + r"[\w.'’&-]+\s+){0,9}?|(?:that|this|its|their|the same)\s+(?:"
    + _NOT_VERB
    + r"[\w.'’&-]+\s+){0,2}?)"
    + _DOC_NOUN
    + r"\b"
    r"(?:\s+(?:on|of|from|about|marking|for|issued)\s+(?:[^,;?]+?)(?=,|;|\?|\s+(?:what|which|how|who|when|where|why|did|does|is|was|say|said)\b|$))?",
    re.I,
)
# "The Asia Business Daily reported ...", "Korea's trade ministry said ...", "Yonhap reported"
_SAID = re.compile(
    r"^(?!(?:how|what|which|who|when|where|why)\b)([A-Z][\w.'’&-]*(?:\s+[\w.'’&-]+){0,5}?)\s+(?:reported|said|says|announced|wrote|stated)\b"
)
# a lead-in that only names the source: "According to X, ...", "In the X, ...", "Per X, ...", "Under the X, ..."
_LEAD_IN = re.compile(
    r"^\s*(?:(?:according to|as reported (?:by|in))\s+([^,]+?)|(?:per|as per|in|under)\s+([^,]+?" + _DOC_NOUN + r"[^,]*?)),\s*", re.I
)
_ACCORDING = re.compile(r"\baccording to\s+([^,;?]+)", re.I)
_TAIL = re.compile(r",?\s+(?:according to|per|as reported (?:by|in))\s+([^,?]+)\?\s*$", re.I)
_POINTS_BACK = re.compile(r"\b(?:it|its|they|them|their|that|those|these|this|he|she|his|her|there)\b", re.I)
# "...; how large was that one?": a question after a semicolon, the clause before it only context
_SEMI_ASK = re.compile(
    r";\s+(?=(?:(?:according to|per|as reported (?:by|in)|in|under)\s+[^,;?]+,\s*)?"
    r"(?:how|what|which|who|whom|whose|when|where|why)\b[^;]*\?\s*$)",
    re.I,
)
_ANAPHORIC = re.compile(r"^(?:that|this|the same|its|their)\b", re.I)

_WH = r"(?:how(?:\s+(?:much|many|large|long|big|old|far|often))?|what|which|who|whom|whose|when|where|why)"
# ", and how many ...", " and by what year", ", and to which ...": where a second question starts
_PART_BREAK = re.compile(r",?\s+and\s+(?=(?:(?:by|in|at|to|for|from|with|on|under|over)\s+)?" + _WH + r"\b)", re.I)
# the predicate of a question after its wh-phrase: "how much [did Korea commit to spend ...]"
_PREDICATE = re.compile(
    r"^\s*(?:(?:by|in|at|to|for|from|with|on)\s+)?"
    + _WH
    + r"\b(?:\s+[\w'’-]+){0,4}?\s+((?:did|does|do|is|are|was|were|will|would|has|have|had|can|could|should)\b.*)$",
    re.I,
)
_ASKING_WORDS = frozenset(tokenize("how much many what which who whom whose when where why year date"))

# "which sectors", "what four tasks", "what areas ... include", "list the ...": several things are asked for
_WHICH = re.compile(r"\b(?:which|what)\b((?:\s+[\w'’-]+){1,6})", re.I)
_AUX = frozenset("did does do is are was were will would has have had can could should must may might".split())
_COUNT_WORDS = frozenset("two three four five six seven eight nine ten several".split())
_NOT_PLURAL = frozenset("this its his us as yes status progress basis analysis focus thus plus news series means campus process".split())
_LISTING = re.compile(r"\b(?:list|name)\s+(?:the|all|every)\b|\bwhat\b.*\binclud(?:e|es|ed)\s*\?\s*$", re.I)


@dataclass(frozen=True)
class Asked:
    """A question taken apart (``parse_question``)."""

    question: str  # as asked
    clause: str  # the asked sentence without a lead-in that only names the source: what the reader reads
    context: str = ""  # the sentences before the asked one (they identify the event)
    source: str | None = None  # the document the question names ("the May 2021 joint statement")
    parts: list[str] = field(default_factory=list)  # the clause's questions, one unless it asks several things

    def retrieval_text(self, part: str) -> str:
        """What a part is retrieved with: a later part that points back at the first ("Which country will
        host *it* first?", "How much of *that* went to Japan?") takes the first part's words along, or it
        would be answered from whichever document best matches its few words."""
        if part in self.parts[1:] and _POINTS_BACK.search(part):
            return f"{part} {self.parts[0]}"
        return part

    def source_of(self, part: str) -> str | None:
        """The source a part names: its own, else the question's when no one part names it ("According
        to X, how much ... and by when?"); "How many jobs did the White House say ..., and how many
        did the 2023 statement say ...?" gives the first part no source."""
        own = named_source(part) if len(self.parts) > 1 else None
        if own:
            return own
        if self.source and any(self.source.lower() in p.lower() for p in self.parts[1:]) and len(self.parts) > 1:
            return None
        return self.source


def named_source(text: str) -> str | None:
    """The document or publisher ``text`` names as its source, if any."""
    m = _LEAD_IN.match(text)
    if m:
        return (m.group(1) or m.group(2)).strip()
    m = _TAIL.search(text) or _ACCORDING.search(text)
    if m:
        return m.group(1).strip()
    m = _SOURCE_PHRASE.search(text)
    if m:
        return m.group(0).strip()
    m = _SAID.match(text.strip())
    if m and m.group(1).lower() not in ("it", "he", "she", "they"):
        return m.group(1).strip()
    return None


def strip_source(clause: str) -> str:
    """The clause without a lead-in or tail that only names its source ("According to X, ...")."""
    m = _LEAD_IN.match(clause)
    if m and len(tokenize(clause[m.end() :])) >= 2:
        rest = clause[m.end() :]
        clause = rest[:1].upper() + rest[1:]
    m = _TAIL.search(clause)
    if m and len(tokenize(clause[: m.start()])) >= 2:
        clause = clause[: m.start()] + "?"
    return clause.strip()


def split_parts(clause: str) -> list[str]:
    """The questions a clause asks: "How much ..., and by what year?" gives two; an elliptical second
    part borrows the first one's predicate ("by what year did Korea commit to spend ...?")."""
    pieces = [p.strip(" ,") for p in _PART_BREAK.split(clause) if p.strip(" ,")]
    if len(pieces) < 2:
        return [clause]
    first = pieces[0].rstrip("?")
    if len(set(tokenize(first)) - _ASKING_WORDS) < 2:  # "When and where was it held?": the parts share the predicate
        m = _PREDICATE.match(pieces[1].rstrip("?"))
        if not m:
            return [clause]
        first = f"{first} {m.group(1)}"
    out = [first + "?"]
    for p in pieces[1:]:
        p = p.rstrip("?").strip()
        if len(set(tokenize(p)) - _ASKING_WORDS) < 2:  # "by what year": too little to read alone
            m = _PREDICATE.match(first)
            if not m:
                return [clause]
            p = f"{p} {m.group(1)}"
        out.append(p[:1].upper() + p[1:] + "?")
    return out


def asks_for_list(question: str) -> bool:
    """Whether the question asks for several things: a plural after "which"/"what" ("Which sectors
    ...?", "What four tasks ...?", "which kinds of batteries"), or "list the ...", "what ... include?"."""
    if _LISTING.search(question):
        return True
    for m in _WHICH.finditer(question):
        for w in m.group(1).split():
            w = w.lower().strip("’'")
            if w in _AUX:
                break
            if w in _COUNT_WORDS or _is_plural(w):
                return True
    return False


def asked_things(question: str) -> str:
    """The words that say what a "which"/"what" question asks for, through its first plural noun and
    never past its verb: "Which specific rare diseases will NIH target?" -> "specific rare diseases",
    "Which Japanese companies make up the consortium?" -> "Japanese companies" ("" when there are none)."""
    m = _WHICH.search(question)
    if not m:
        return ""
    words = []
    for w in m.group(1).split():
        bare = w.lower().strip("’'")
        if bare in _AUX:
            break
        words.append(w)
        if _is_plural(bare):
            break
    return " ".join(words)


def _is_plural(word: str) -> bool:
    return len(word) >= 4 and word.endswith("s") and not word.endswith(("ss", "us", "'s")) and word not in _NOT_PLURAL


# "How many jobs did the White House say the purchase would support?": a reporting frame around the asked clause
_REPORT_FRAME = re.compile(
    r"^(?P<wh>.*?\b(?:what|which|how|who|whom|when|where|why)\b.*?)\s+(?:did|does|do)\s+(?:(?!\b(?:did|does|do)\b)[^?]){1,90}?\s+"
    r"(?:say|said|says|note|noted|state|stated|announce|announced|report|reported|write|wrote|claim|claimed)\s+"
    r"(?:(?:at|in|during|on)\s+[^,?]{1,60}?\s+(?=that\b))?(?:that\s+)?(?P<rest>[^?]+)\?\s*$",
    re.I,
)
_MODAL = re.compile(r"^(?P<subject>.{1,80}?)\s+(?P<modal>would|will|should|could|can|must|might|may)\s+(?P<tail>.+)$", re.I)


def reading_form(part: str) -> str:
    """The part as the reader reads it: without a reporting frame around the asked clause. "How many U.S.
    jobs did the White House say Korean Air's Boeing purchase would support?" is read as "How many U.S. jobs
    would Korean Air's Boeing purchase support?": the reader was trained on direct questions, and the frame's
    words ("White House", "say") are not in the answer's sentence. Retrieval keeps the frame (it names the
    source). Only a frame whose clause has a modal is taken apart, so the question stays well formed."""
    m = _REPORT_FRAME.match(part)
    if not m:
        return part
    inner = _MODAL.match(m.group("rest"))
    if not inner:
        return part
    return f"{m.group('wh')} {inner.group('modal')} {inner.group('subject')} {inner.group('tail')}?"


def parse_question(question: str) -> Asked:
    """Take a question apart: context sentences, the asked sentence, the source it names, its parts."""
    text = " ".join(question.split())
    spans = split_sentences(text)
    sentences = [text[a:b] for a, b in spans] or [text]
    asked_at = max((n for n, s in enumerate(sentences) if s.rstrip().endswith("?")), default=len(sentences) - 1)
    asked = " ".join(sentences[asked_at:])
    context = " ".join(sentences[:asked_at])
    semi = list(_SEMI_ASK.finditer(asked))
    if semi:  # "... concluded the Technology Prosperity Deal; according to the MOU's text, when does it become operative?"
        cut = semi[-1]
        context = f"{context} {asked[: cut.start()]}".strip()
        rest = asked[cut.end() :]
        asked = rest[:1].upper() + rest[1:]
    source = named_source(asked)
    named_in_context = None
    if context and (source is None or _ANAPHORIC.match(source)):
        said = _SAID.match(context)
        named_in_context = said.group(1) if said else named_source(context)
        source = named_in_context or source
    if context and source and not named_in_context and re.search(r"\bthe same\b", source, re.I):
        # "the joint statement from the same visit", "in the same joint statement" + "At their May 2022 summit"
        source = _with_context_date(source, context)
    clause = resolve_pointers(strip_source(asked), context)
    return Asked(question=question, clause=clause, context=context, source=source, parts=split_parts(clause))


# "that cooperation", "this MOU", "the same visit": a thing the context has described
_POINTER = re.compile(r"\b(?:[Tt]hat|[Tt]his|[Tt]hese|[Tt]hose|[Tt]he same)\s+([a-z][\w-]*[a-z]|[A-Z]{2,}s?)\b(?!\s+[A-Z])")
_MONTH_YEAR = re.compile(r"\b(?:" + "|".join(MONTHS) + r")(?:\s+\d{1,2},?)?\s+(?:19|20)\d\d\b", re.I)
_NOT_A_THING = frozenset("year month week day time one way is was".split())


def _with_context_date(source: str, context: str) -> str:
    """A source that points back to the context's ("from the same visit") takes its date when it gives exactly one."""
    dates = {m.group(0) for m in _MONTH_YEAR.finditer(context)}
    return f"{source} ({dates.pop()})" if len(dates) == 1 else source


# "how large was that one?", "when does it become operative?": a pointer standing for a whole thing
_THAT_ONE = re.compile(r"\b((?:that|this|the) one)\b|\b(?:does|did|was|is|will|would) (it)\b", re.I)
_PREPOSITION = frozenset("in of on at to for from with by into under over about".split())


def _last_thing(context: str) -> str | None:
    """The noun phrase the context ends with: "... concluded the U.S.-Korea Technology Prosperity Deal" ->
    "U.S.-Korea Technology Prosperity Deal"; an article after a preposition ("investment in the Pacific")
    belongs to the phrase before it."""
    words = context.rstrip(" .;,").split()
    for n in range(len(words) - 1, -1, -1):
        if words[n].lower() in ("a", "an", "the") and (n == 0 or words[n - 1].lower() not in _PREPOSITION):
            tail = words[n + 1 :]
            return " ".join(tail) if 1 <= len(tail) <= 7 else None
    return None


def _resolve_it(clause: str, context: str) -> str:
    m = _THAT_ONE.search(clause)
    thing = _last_thing(context) if m else None
    if not m or not thing:
        return clause
    at = 1 if m.group(1) else 2
    return f"{clause[: m.start(at)]}the {thing}{clause[m.end(at) :]}"


def resolve_pointers(clause: str, context: str) -> str:
    """ "What does that cooperation aim to do?" read alone says nothing of which cooperation; the context
    described it ("... to pursue trilateral cooperation with Japan on unmanned aerial systems."). The
    pointer is replaced by the context's words for the thing: the noun, the capitalised or hyphenated
    words before it and what follows it up to the end of its clause."""
    if not context:
        return clause
    out = _resolve_it(clause, context)
    for m in _POINTER.finditer(clause):
        head = m.group(1)
        if head.lower() in _NOT_A_THING:
            continue
        found = re.search(r"((?:\b[A-Z][\w.'’-]*\s+|\b\w+-[\w-]+\s+){0,3})\b(?i:" + re.escape(head) + r")\b([^,.;:?]{0,80})", context)
        if not found:
            continue
        tail = " ".join(found.group(2).split()[:10])
        described = " ".join(f"{found.group(1)}{head} {tail}".split())
        out = out.replace(m.group(0), f"the {described}", 1)
    return out
