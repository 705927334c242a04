"""Stage 5, passages → cited answer: the trained reader quotes the sentence that answers, or refuses.

    answer = answer_passages(question, passages, snapshot.sentences, reader, settings)

With an LLM server configured (``settings.llm.url``) the LLM writes the answer from the same
passages, its citations are checked, and the reader's answer is the fallback.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..index.sentences import SentenceVectors
from ..schema import Answer, Passage
from ..settings import Settings
from .extractive import reader_answer
from .follow_up import retrieval_query
from .messages import EMPTY_QUESTION, NOT_FOUND
from .reader import Reader


def answer_passages(
    question: str,
    passages: Sequence[Passage],
    sentences: SentenceVectors,
    reader: Reader,
    settings: Settings,
    history: Sequence[tuple[str, str]] | None = None,
) -> Answer:
    """Answer with the LLM when one is configured (checked, with fallback), else with the reader.

    ``passages`` and ``sentences`` must come from one index snapshot; ``reader`` is the English
    reader, or the multilingual one for a Korean question or a Korean best passage.
    """
    if not question or not question.strip():
        return Answer(EMPTY_QUESTION, grounded=False)
    ans = reader_answer(question, passages, sentences, reader, settings.reader, history)
    if settings.llm.url and passages:
        from .llm import llm_answer

        return llm_answer(question, history, passages, ans, settings.llm, reader)
    return ans


__all__ = ["answer_passages", "reader_answer", "retrieval_query", "Reader", "NOT_FOUND"]
