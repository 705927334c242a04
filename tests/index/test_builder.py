"""Index lifecycle with the real model and a real FAISS index: incremental updates,
persistence, settings changes, corruption and crash safety."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant import Assistant
from assistant.index.snapshot import CURRENT, SNAPSHOTS, load_snapshot
from assistant.settings import ChunkSettings, Settings

from conftest import CORRUPT_PDF, MULTIPAGE_PDF, PASSWORD_PDF


class CountingEmbedder:
    """Wraps the real embedder and records every text it is asked to embed."""

    def __init__(self, real):
        self.real = real
        self.texts: list[str] = []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def encode(self, texts, **kw):
        self.texts.extend(texts)
        return self.real.encode(texts, **kw)

    def encode_with_spans(self, texts, spans, **kw):
        self.texts.extend(texts)
        return self.real.encode_with_spans(texts, spans, **kw)


@pytest.fixture()
def bot(corpus, tmp_path, embedder):
    b = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index", auto_update=False)
    b.embedder = CountingEmbedder(embedder)
    return b


def test_first_build_then_nothing_to_do(bot):
    r1 = bot.update_index()
    assert len(r1.added) == 3 and not r1.updated and not r1.removed and not r1.skipped
    assert r1.chunks_embedded == r1.total_chunks > 3
    bot.embedder.texts.clear()
    r2 = bot.update_index()
    assert not r2.added and not r2.updated and not r2.removed and len(r2.unchanged) == 3
    assert r2.chunks_embedded == 0 and bot.embedder.texts == []


def test_incremental_add_modify_delete(bot, corpus):
    bot.update_index()
    before = {s: list(r.chunk_ids) for s, r in bot.snapshot.documents.items()}
    names = sorted(before)
    (corpus / "new-note.txt").write_text("The Korea-U.S. quantum working group met in Daejeon in March 2025.\n")
    changed = corpus / names[0]
    changed.write_text(changed.read_text() + "\nAn added closing sentence about lunar exploration.\n")
    (corpus / names[1]).unlink()
    bot.embedder.texts.clear()

    r = bot.update_index()
    assert r.added == ["new-note.txt"]
    assert r.updated == [names[0]]
    assert r.removed == [names[1]]
    assert r.unchanged == [names[2]]
    # Only the new and the changed document were embedded.
    n_new = len(bot.snapshot.documents["new-note.txt"].chunk_ids) + len(bot.snapshot.documents[names[0]].chunk_ids)
    assert r.chunks_embedded == n_new == len(bot.embedder.texts)
    # The unchanged document kept its chunk ids (no re-embedding).
    assert bot.snapshot.documents[names[2]].chunk_ids == before[names[2]]
    assert names[1] not in bot.snapshot.documents
    assert all(c.source != names[1] for c in bot.snapshot.chunks.values())
    hit = bot.search("quantum working group Daejeon", k=1)[0]
    assert hit.source == "new-note.txt"


def test_touch_without_change_is_not_reembedded(bot, corpus):
    bot.update_index()
    f = sorted(corpus.glob("*.md"))[0]
    f.write_bytes(f.read_bytes())  # new mtime, same content
    bot.embedder.texts.clear()
    r = bot.update_index()
    assert r.chunks_embedded == 0 and len(r.unchanged) == 3


def test_bad_files_are_skipped_and_the_rest_indexed(bot, corpus):
    shutil.copy(CORRUPT_PDF, corpus / "broken.pdf")
    shutil.copy(PASSWORD_PDF, corpus / "locked.pdf")
    shutil.copy(MULTIPAGE_PDF, corpus / "paper.pdf")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "image.png").write_bytes(b"\x89PNG\r\n")
    r = bot.update_index()
    reasons = dict(r.skipped)
    assert set(reasons) == {"broken.pdf", "locked.pdf", "empty.txt", "image.png"}
    assert "damaged" in reasons["broken.pdf"] and "password" in reasons["locked.pdf"]
    assert "empty" in reasons["empty.txt"] and "unsupported" in reasons["image.png"]
    assert len(r.added) == 4
    pages = {c.page for c in bot.snapshot.chunks.values() if c.source == "paper.pdf"}
    assert pages == {1, 2, 3, 4}
    # Skipped files are reported on every call, not only the first.
    assert dict(bot.update_index().skipped).keys() == reasons.keys()


def test_persistence_round_trip(bot, tmp_path, corpus):
    bot.update_index()
    again = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index", auto_update=False)
    assert again.snapshot.documents.keys() == bot.snapshot.documents.keys()
    assert again.snapshot.chunks == bot.snapshot.chunks
    q = "bioeconomy research funding"
    assert [p.chunk_id for p in again.search(q)] == [p.chunk_id for p in bot.search(q)]


def test_settings_change_triggers_full_rebuild(bot, corpus, tmp_path):
    bot.update_index()
    other = Assistant(corpus, tmp_path / "index", auto_update=False, settings=Settings(chunking=ChunkSettings(max_tokens=120, overlap_tokens=20)))
    assert other.load_error and "settings changed" in other.load_error
    r = other.update_index()
    assert r.rebuilt and "settings" in r.rebuild_reason and len(r.added) == 3


def test_corrupt_index_is_detected_and_rebuilt(bot, corpus, tmp_path):
    bot.update_index()
    index = tmp_path / "index"
    live = index / SNAPSHOTS / (index / CURRENT).read_text().strip()
    (live / "vectors.faiss").write_bytes(b"garbage")
    fresh = Assistant(corpus, index, auto_update=False)
    assert fresh.load_error and "unreadable" in fresh.load_error
    assert fresh.snapshot.chunks == {}  # never silently used
    r = Assistant(corpus, index).last_report
    assert r.rebuilt and "unusable" in r.rebuild_reason


def test_manifest_mismatch_is_detected(bot, corpus, tmp_path):
    bot.update_index()
    index = tmp_path / "index"
    live = index / SNAPSHOTS / (index / CURRENT).read_text().strip()
    m = json.loads((live / "manifest.json").read_text())
    m["chunks"] = m["chunks"][1:]
    (live / "manifest.json").write_text(json.dumps(m))
    fresh = Assistant(corpus, index, auto_update=False)
    assert fresh.load_error and "disagree" in fresh.load_error


def test_crash_mid_save_keeps_previous_index(bot, corpus, tmp_path, monkeypatch):
    bot.update_index()
    old_chunks = dict(bot.snapshot.chunks)
    (corpus / "extra.txt").write_text("A document about semiconductor export controls and chip subsidies.\n")
    import assistant.index.snapshot as store

    def boom(*a, **k):
        raise OSError("disk full (simulated crash mid-save)")

    monkeypatch.setattr(store.FaissStore, "save", boom)
    with pytest.raises(OSError):
        bot.update_index()
    monkeypatch.undo()
    # The half-written snapshot was never made live: the old index loads intact.
    snap = load_snapshot(tmp_path / "index", bot.settings.identity())
    assert snap.chunks == old_chunks
    # The next update finishes the work and clears the leftovers.
    r = bot.update_index()
    assert r.added == ["extra.txt"]
    assert not list((tmp_path / "index" / SNAPSHOTS).glob(".tmp-*"))


def test_where_filters(seed_bot):
    hits = seed_bot.search("cooperation", k=10, where={"date_from": "2024-01-01"})
    assert hits and all(h.date >= "2024-01-01" for h in hits)
    hits = seed_bot.search("cooperation", k=10, where={"source": "2023-11-17*"})
    assert hits and {h.source for h in hits} == {"2023-11-17_trade-minister-stanford-meeting-and-joint-rnd-mous.md"}
    assert seed_bot.search("cooperation", where={"file_type": "pdf"}) == []
    with pytest.raises(ValueError):
        seed_bot.search("x", where={"colour": "red"})


def test_sentence_vectors_follow_the_chunks(bot, corpus):
    """Every chunk has its sentences' spans and unit vectors, also after an incremental update."""
    import numpy as np

    bot.update_index()
    (corpus / "more.txt").write_text("Quantum sensing is new. Batteries matter a lot.\n")
    bot.update_index()
    snap = bot.snapshot
    assert snap.sentences.chunk_id_set() == set(snap.chunks)
    for cid, c in snap.chunks.items():
        starts, ends, vecs = snap.sentences.for_chunk(cid)
        assert len(starts) >= 1
        assert all(c.start <= a < b <= c.end for a, b in zip(starts, ends))
        assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-2)
    starts, ends, _ = snap.sentences.for_chunk(snap.documents["more.txt"].chunk_ids[0])
    text = (corpus / "more.txt").read_text()
    assert [text[a:b] for a, b in zip(starts, ends)] == ["Quantum sensing is new.", "Batteries matter a lot."]


def test_read_ahead_keeps_order_bounds_the_window_and_reraises():
    import threading

    from assistant.index.builder import read_ahead

    started: list[int] = []
    lock = threading.Lock()

    def read(i: int) -> int:
        with lock:
            started.append(i)
        if i == 3:
            raise ValueError("bad file 3")
        return i * 10

    got = []
    for i, fut in read_ahead(read, range(8), depth=2):
        if i == 0:
            fut.result()
            assert max(started) <= 2  # never more than depth documents beyond the current one
        try:
            got.append(fut.result())
        except ValueError as e:
            got.append(str(e))
    assert got == [0, 10, 20, "bad file 3", 40, 50, 60, 70]
    # stopping early cancels what has not started
    started.clear()
    gen = read_ahead(read, range(100), depth=2)
    next(gen)
    gen.close()
    assert len(started) <= 3


def test_read_ahead_build_equals_serial_build_with_a_bad_pdf_in_the_middle(corpus, tmp_path, embedder, monkeypatch):
    import assistant.index.builder as indexing
    from assistant.index.builder import Indexer

    shutil.copy(MULTIPAGE_PDF, corpus / "a-paper.pdf")
    shutil.copy(CORRUPT_PDF, corpus / "b-broken.pdf")
    shutil.copy(MULTIPAGE_PDF, corpus / "c-paper.pdf")
    (corpus / "d-empty.txt").write_bytes(b"")
    runs = {}
    for depth in (0, 2):  # 0 = read each file only when it is needed (the old, serial order)
        monkeypatch.setattr(indexing, "READ_AHEAD_DOCS", depth)
        report, snap = Indexer(corpus, tmp_path / f"index-{depth}", Settings(), embedder).run()
        runs[depth] = (report, snap)
    (r0, s0), (r2, s2) = runs[0], runs[2]
    assert dict(r2.skipped).keys() == {"b-broken.pdf", "d-empty.txt"}
    assert "damaged" in dict(r2.skipped)["b-broken.pdf"]
    assert r2.skipped == r0.skipped and r2.added == r0.added
    assert s2.chunks == s0.chunks  # same ids, sources, pages and text
    assert {s: r.chunk_ids for s, r in s2.documents.items()} == {s: r.chunk_ids for s, r in s0.documents.items()}
    ids = s2.vectors.ids()
    assert (abs(s2.vectors.vectors(ids) - s0.vectors.vectors(ids)) < 1e-5).all()


def test_a_serving_assistant_picks_up_an_index_another_one_updated(corpus, tmp_path, embedder):
    """``server.index_poll_s``: a second process (here a second ``Assistant``) updates the index
    folder; the first one loads the new snapshot on its next question, without a restart."""
    from dataclasses import replace

    s = Settings.from_env()
    s = replace(s, server=replace(s.server, index_poll_s=0.01))
    serving = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index", auto_update=False, settings=s)
    serving.embedder = embedder
    serving.update_index()
    first = serving.snapshot.name
    (corpus / "note.txt").write_text("Korea and the U.S. agreed to a joint quantum sensing testbed in Daejeon.\n", encoding="utf-8")
    updater = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index", auto_update=False, settings=s)
    updater.embedder = embedder
    assert updater.update_index().added == ["note.txt"]
    import time

    time.sleep(0.05)
    assert serving.search("quantum sensing testbed Daejeon", 1)[0].source == "note.txt"
    assert serving.snapshot.name == updater.snapshot.name != first
    # a damaged newer index is not loaded: the serving one keeps answering from what it has
    live = serving.snapshot.name
    (tmp_path / "index" / CURRENT).write_text("no-such-snapshot\n")
    time.sleep(0.05)
    assert serving.search("quantum sensing testbed Daejeon", 1)[0].source == "note.txt"
    assert serving.snapshot.name == live
