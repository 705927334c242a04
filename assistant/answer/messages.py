"""The fixed sentences of answers that do not come from a document, in one place.

A Korean question gets them in Korean (``for_question``); every other question in English.
"""

from ..text.language import is_korean

NOT_FOUND = "The documents do not answer this question."
NO_PASSAGE = NOT_FOUND + " No passage in the indexed documents matches it."
NOT_IN_RELATED = NOT_FOUND + " The closest passages are listed as related, but they do not contain the answer."
EMPTY_QUESTION = "Please ask a question."

NOT_FOUND_KO = "문서에는 이 질문에 대한 답이 없습니다."
NO_PASSAGE_KO = NOT_FOUND_KO + " 색인된 문서에 이 질문과 맞는 구절이 없습니다."
NOT_IN_RELATED_KO = NOT_FOUND_KO + " 가장 가까운 구절을 관련 자료로 보여 드리지만, 답은 들어 있지 않습니다."

# an answer quoted from a document in the other language says so (the quote is never translated)
QUOTED_KOREAN = "The source is in Korean: the quote is given exactly as the document states it, untranslated."
QUOTED_ENGLISH_KO = "출처 문서가 영어로 되어 있어 원문 그대로 인용했습니다."

_KOREAN = {NOT_FOUND: NOT_FOUND_KO, NO_PASSAGE: NO_PASSAGE_KO, NOT_IN_RELATED: NOT_IN_RELATED_KO}


def for_question(message: str, question: str) -> str:
    """``message`` in the question's language (Korean or English)."""
    return _KOREAN.get(message, message) if is_korean(question) else message


def cross_lingual_note(question: str, quotes: list[str]) -> str | None:
    """A note for an answer whose quotes are in another language than the question, else None."""
    q_ko = is_korean(question)
    if not quotes or all(is_korean(t) == q_ko for t in quotes):
        return None
    return QUOTED_ENGLISH_KO if q_ko else QUOTED_KOREAN


PART_NOT_FOUND = 'The documents do not answer this part: "{part}"'
PART_NOT_FOUND_KO = '문서에는 이 부분에 대한 답이 없습니다: "{part}"'


def part_not_found(part: str) -> str:
    """What a several-part answer says for a part the documents do not answer."""
    return (PART_NOT_FOUND_KO if is_korean(part) else PART_NOT_FOUND).format(part=part)


# a Korean question over an index built with the English encoder: nothing Korean can be matched in it
ENGLISH_INDEX_KO = (
    "이 색인은 영어 전용 인코더로 만들어져 한국어 질문을 영어 문서와 맞춰 보지 못합니다. "
    "ASSISTANT_EMBEDDING_MODEL=intfloat/multilingual-e5-small 로 설정하고 `assistant index --rebuild` 로 색인을 다시 만들면 "
    "한국어 질문으로 영어 구절을 찾을 수 있습니다. 다만 영어 문서에 대한 한국어 질문에 답하는 능력은 아직 제한적입니다."
)
