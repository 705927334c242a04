"""The packaged encoder: unit vectors, token offsets the chunker relies on, sentence vectors from one pass."""

from __future__ import annotations

import numpy as np

TEXTS = ["Korea and the U.S. will cooperate on quantum research.", "The ministry invests $10 million in bioeconomy research."]


def test_vectors_are_unit_length_and_deterministic(embedder):
    a = embedder.encode(TEXTS)
    assert a.shape == (2, embedder.dimension) == (2, 384) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(embedder.encode(TEXTS), a, atol=1e-6)
    assert embedder.encode([]).shape == (0, 384)


def test_paraphrases_are_closer_than_other_topics(embedder):
    q, same, other = embedder.encode(["How much money goes to bioeconomy research?", TEXTS[1], TEXTS[0]])
    assert q @ same > q @ other


def test_token_offsets_point_into_the_text(embedder):
    [offsets] = embedder.token_offsets([TEXTS[0]])
    assert len(offsets) == embedder.count_tokens(TEXTS[0])
    assert TEXTS[0][offsets[0][0] : offsets[0][1]].lower() == "korea"


def test_sentence_vectors_come_from_the_same_pass(embedder):
    text = TEXTS[0] + " " + TEXTS[1]
    split = len(TEXTS[0])
    vecs, spans = embedder.encode_with_spans([text], [[(0, split), (split + 1, len(text))]])
    np.testing.assert_allclose(vecs[0], embedder.encode([text])[0], atol=1e-5)
    first, second = spans[0]
    alone = embedder.encode(TEXTS)
    assert first @ alone[0] > first @ alone[1] and second @ alone[1] > second @ alone[0]
