"""The fixed sentences of answers that do not come from a document, in one place."""

NOT_FOUND = "The documents do not answer this question."
NO_PASSAGE = NOT_FOUND + " No passage in the indexed documents matches it."
NOT_IN_RELATED = NOT_FOUND + " The closest passages are listed as related, but they do not contain the answer."
EMPTY_QUESTION = "Please ask a question."
