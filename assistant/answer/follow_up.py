"""Follow-up questions: "And what about semiconductors?" borrows the previous question's words.

Alone such a question matches nothing useful; joined with the previous one ("How much will be
invested in bioeconomy research?") it asks about investment in semiconductors. The retriever
searches with the joined text, the reader reads it, and only sentences that name the new topic
may answer, so the previous answer's sentence does not answer the new question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..text.keywords import tokenize

_FOLLOW_UP = re.compile(
    r"^\s*(and|but|also|what about|how about|and what|what of|same for|then|so)\b|\b(it|its|they|them|their|this|that|these|those|he|she|his|her)\b",
    re.I,
)


# ------------------------------------------------------------------ query building


def retrieval_query(question: str, history: Sequence[tuple[str, str]] | None) -> str:
    """The text to retrieve with: a follow-up borrows the previous question's words.

    "And what about batteries?" alone matches nothing useful; joined with the previous
    question ("How much will be invested in bioeconomy research?") it asks about investment
    in batteries.
    """
    if not history:
        return question
    prev_q = next((q for q, _ in reversed(history) if q and q.strip()), "")
    if not prev_q:
        return question
    words = re.findall(r"\w+", question)
    if len(words) <= 6 or _FOLLOW_UP.search(question):
        return f"{question} {prev_q}"
    return question


def follow_up_topic(question: str, history: Sequence[tuple[str, str]] | None) -> tuple[str, set[str]]:
    """For a follow-up, the question the reader reads and the words of its new topic.

    "And what about semiconductors?" after "How much money will go to bioeconomy research?"
    is read as the two joined, and only sentences that name the new topic ("semiconductor")
    may answer it: the previous answer's sentence must not answer the new question.
    """
    query = retrieval_query(question, history)
    if query == question:
        return question, set()
    prev = query[len(question) :].strip()
    new = set(tokenize(question)) - set(tokenize(prev))
    return f"{prev} {question}", new
