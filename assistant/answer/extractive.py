"""The extractive answer: the reader decides whether and where the retrieved passages answer.

The trained reader (``reader``) reads the question together with each of the top retrieved
passages and gives the probability that the passage answers it and the answer span. The answer
quotes the whole sentence around the best span, exactly as it stands in the document, with
``[n]`` after it (``quotes``); ``Answer.short`` is the span itself. When no passage clears the
threshold (chosen on development data, stored with the model) the answer says the
documents do not answer the question, with the closest passages as related, instead of guessing.

A question that asks for several things ("Which sectors ...?") is answered with the whole list
(``lists``). Whether a read answers is decided by ``decision``: the reader's probability together with checks of
what was asked (``checks``: the span's answer type, the question's anchors, keyword coverage).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..index.sentences import SentenceVectors
from ..schema import Answer, Passage
from ..settings import ReaderSettings
from ..text.asking import asks_for_list
from ..text.language import is_korean
from .follow_up import follow_up_topic
from .lists import answer_list
from .messages import NO_PASSAGE, NOT_IN_RELATED, cross_lingual_note, for_question
from .quotes import compose, focused_reads, retype
from .reader import Reader
from .reasons import adjust_why


def direction(question_language: str, passage_language: str) -> str:
    """The reading direction, "ko-en" for a Korean question over an English passage (Korean or English)."""
    return f"{question_language}-{'ko' if passage_language == 'ko' else 'en'}"


def reader_answer(
    question: str,
    passages: Sequence[Passage],
    sentences: SentenceVectors,
    reader: Reader,
    settings: ReaderSettings,
    history: Sequence[tuple[str, str]] | None = None,
) -> Answer:
    """Let the reader read the best passages; answer from the span the decision finds likeliest, or refuse.

    Args:
        question: the question as asked.
        passages: retrieved passages, best first.
        sentences: the sentence spans of the same index snapshot the passages came from.
        reader: the trained English reader, or for Korean the multilingual one (``multilingual_reader``).
        settings: how many passages to read and sentences to quote.
        history: earlier (question, answer) turns, for follow-ups.
    """
    if not passages:
        return Answer(for_question(NO_PASSAGE, question), grounded=False)
    read_q, topic = follow_up_topic(question, history)
    reads = focused_reads(reader, sentences, read_q, passages, topic, settings.passages)
    if topic and not reads:  # no sentence names the follow-up's new topic: read the whole passages
        reads = focused_reads(reader, sentences, read_q, passages, set(), settings.passages)
    decide = reader.decision
    asked_in = "ko" if is_korean(question) else "en"
    for r in reads:
        if r.start >= 0:
            r.score = decide.score(r.probability, r.checks(read_q), direction(asked_in, r.passage.language))
    adjust_why(reads, read_q, decide.threshold)  # a why question is answered by a reason (``reasons``)
    # only a read with an answer span can answer (a passage whose sentences are all headings has none)
    listed = answer_list(reads, read_q, decide.threshold) if asks_for_list(read_q) else None
    best = max((r.confidence for r in reads if r.start >= 0), default=0.0)
    if best < decide.threshold:
        return Answer(for_question(NOT_IN_RELATED, question), grounded=False, related=list(passages[:3]), confidence=round(best, 4))
    for r in reads:
        if r.start >= 0 and r.confidence >= decide.threshold:
            retype(reader, read_q, r)  # the short answer names what was asked for
    text, cites, short = compose(reads, decide.threshold, settings.citations, settings.second_citation_margin)
    note = cross_lingual_note(question, [c.quote for c in cites])
    items = listed.items if listed is not None and cites and cites[0].start <= listed.first < cites[0].end else []
    return Answer(text, cites, grounded=True, short=short or None, confidence=round(best, 4), note=note, items=items)
