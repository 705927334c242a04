"""One question reads one index version, even when an update swaps the index meanwhile.

After a rebuild chunk ids restart at 0, so a question that took its passages from one snapshot
and the sentence spans from the next would quote the wrong text or none.
"""

from __future__ import annotations

import shutil

from assistant import Assistant
from assistant.retrieve import retriever as retriever_module

from conftest import BUNDLED

OTHER = "A note about Arctic research.\n\nThe Araon icebreaker sails north every summer with scientists from both countries.\n"


def test_an_index_swap_during_ask_does_not_mix_versions(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED, corpus)
    bot = Assistant(corpus, tmp_path / "index")
    other_corpus = tmp_path / "other"
    other_corpus.mkdir()
    (other_corpus / "arctic.md").write_text(OTHER)
    other = Assistant(other_corpus, tmp_path / "other-index").snapshot  # chunk ids 0.. again, other text
    original = retriever_module.Retriever.run

    def run_then_swap(self, *args, **kwargs):
        hits = original(self, *args, **kwargs)
        bot._snapshot = other  # what a concurrent update_index() does
        return hits

    monkeypatch.setattr(retriever_module.Retriever, "run", run_then_swap)
    live = bot.snapshot
    ans = bot.ask("How much will be invested in bioeconomy research?")
    assert ans.grounded and "$10 million" in ans.text
    for c in ans.citations:
        chunk_texts = [ch.text for ch in live.chunks.values() if ch.source == c.source]
        assert any(c.quote in t for t in chunk_texts), c.quote
    assert bot.snapshot is other
