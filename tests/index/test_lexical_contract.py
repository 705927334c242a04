"""The keyword index contract (``LexicalIndexContract``): what retrieval relies on, whichever way
the BM25 index came to be — built from chunks, loaded from a snapshot on disk, or rebuilt from a
snapshot's manifest after a tokenizer change."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.index.lexical import LexicalIndex, lexical_text
from assistant.index.snapshot import rebuild_lexical
from assistant.schema import Chunk, DocumentRecord

TEXTS = {
    10: "The Korea Institute for Advancement of Technology (KIAT) funds joint research.",
    20: "KIAT signed three MOUs with Stanford on semiconductors.",
    30: "Cho Tae-yong met U.S. officials in Washington in 2021.",
    40: "Funding of $2.5 billion for 5G and 60% for Open RAN.",
}


class LexicalIndexContract:
    """Subclasses say how the index is obtained (``make``); the contract is the same."""

    def make(self, chunk_ids: list[int], texts: list[str], tmp_path) -> LexicalIndex:
        raise NotImplementedError

    @pytest.fixture
    def index(self, tmp_path):
        return self.make(list(TEXTS), list(TEXTS.values()), tmp_path)

    def test_scores_every_chunk_in_id_order(self, index):
        assert list(index.chunk_ids) == list(TEXTS)
        assert index.scores("semiconductors Stanford").shape == (len(TEXTS),)
        assert index.row_of(30) == 2 and index.row_of(99) is None

    @pytest.mark.parametrize(
        "query,best",
        [("Stanford semiconductor MOU", 20), ("Cho Taeyong", 30), ("60 percent Open RAN", 40), ("Korea Institute for Advancement of Technology", 10)],
    )
    def test_the_matching_chunk_ranks_first(self, index, query, best):
        scores = index.scores(query)
        assert int(index.chunk_ids[int(np.argmax(scores))]) == best

    def test_an_acronym_matches_its_spelled_out_form(self, index):
        scores = index.scores("Korea Institute for Advancement of Technology")
        assert scores[index.row_of(20)] > 0  # mentions only "KIAT"

    def test_unseen_words_score_nothing(self, index):
        assert not index.scores("zyxwv quokka").any()
        assert index.idf(["zyxwv"])[0] == 0 and index.idf(["stanford"])[0] > 0


class TestBuilt(LexicalIndexContract):
    def make(self, chunk_ids, texts, tmp_path):
        return LexicalIndex.build(chunk_ids, texts)


class TestLoadedFromDisk(LexicalIndexContract):
    def make(self, chunk_ids, texts, tmp_path):
        LexicalIndex.build(chunk_ids, texts).save(tmp_path / "lexical")
        return LexicalIndex.load(tmp_path / "lexical")


class TestRebuiltFromTheManifest(LexicalIndexContract):
    """What a snapshot written by an older tokenizer gets: BM25 rebuilt from its chunk texts."""

    def make(self, chunk_ids, texts, tmp_path):
        chunks = {i: Chunk(i, "a.md", "", None, 0, len(t), t) for i, t in zip(chunk_ids, texts)}
        docs = {"a.md": DocumentRecord("a.md", 1, 0.0, "", "", "md", list(chunk_ids))}
        index = rebuild_lexical(chunks, docs)
        assert lexical_text(chunks[chunk_ids[0]], None).endswith(texts[0])
        return index


def test_an_empty_index_scores_nothing():
    empty = LexicalIndex.build([], [])
    assert len(empty) == 0 and empty.scores("anything").shape == (0,)
