"""The Milvus backend (``ASSISTANT_STORE=milvus``) on a real Milvus Lite file and on a real Milvus standalone
server (``conftest.milvus_server``, the 2.3 server of the PyPI package ``milvus``): same answers as FAISS,
filters inside the engine, updates that leave no stale row, backend switches without re-embedding,
clear errors, and SIGKILLed builds that converge.

The contract tests (``test_vector_store_contract.TestMilvusStore``) cover the store on its own;
these tests drive it through the builder, the retriever, the ``Assistant`` and the CLI.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.index.metadata import DocumentFilter
from assistant.index.milvus import filter_expression
from assistant.settings import Settings

from conftest import BUNDLED, ROOT, require_milvus

require_milvus()

QUESTIONS = [
    "Who signed the technology prosperity deal?",
    "What did the trade minister discuss at Stanford?",
    "Which fields did the next-generation technologies dialogue cover?",
    "When does the science minister plan talks with the incoming administration?",
]


def settings_for(backend: str, index: Path, server: str | None = None, consistency: str = "auto") -> Settings:
    """Milvus Lite in ``<index>/milvus.db``, or, given a server URI, a collection of its own on that server.
    A test that is not about reads may ask for strong ones: no server build then waits ~6 s for bounded
    reads to settle (``MilvusStore.settle``)."""
    s = Settings()
    if server:
        collection = "t" + hashlib.sha1(str(index).encode()).hexdigest()[:16]
        store = replace(s.store, backend=backend, milvus_uri=server, milvus_collection=collection, milvus_consistency=consistency)
        return replace(s, index_dir=index, store=store)
    return replace(s, index_dir=index, store=replace(s.store, backend=backend, milvus_uri=str(index / "milvus.db")))


@pytest.fixture(params=["lite", "server"])
def milvus(request):
    """Where the collection lives: ``None`` for Milvus Lite, else the standalone server's URI."""
    return request.getfixturevalue("milvus_server") if request.param == "server" else None


def milvus_rows(store) -> dict[int, str]:
    """Every row of the store's collection: id -> source."""
    rows = store.client.query(store.target.collection, filter="id >= 0", output_fields=["id", "source"], limit=16_384, consistency_level="Strong")
    return {int(r["id"]): r["source"] for r in rows}


@pytest.fixture(autouse=True)
def _release_milvus():
    """Each test ends with its Milvus Lite files closed (another process may need them)."""
    yield
    from assistant.index.milvus import close_clients

    close_clients()


@pytest.fixture(scope="module", params=["lite", "server"])
def both(request, tmp_path_factory, embedder):
    """The bundled corpus indexed once with FAISS and once with Milvus (Lite, then the standalone server)."""
    from assistant import Assistant

    server = request.getfixturevalue("milvus_server") if request.param == "server" else None
    root = tmp_path_factory.mktemp("both")
    bots = {}
    for backend in ("faiss", "milvus"):
        bot = Assistant(BUNDLED, root / backend, auto_update=False, settings=settings_for(backend, root / backend, server))
        bot.embedder = embedder
        bot.update_index()
        bots[backend] = bot
    yield bots
    from assistant.index.milvus import close_clients

    close_clients()


# ---------------------------------------------------------------------- filters


def test_filter_expressions_say_exactly_what_the_filter_says():
    f = DocumentFilter(sources=("a.md", "reports/*.pdf"), kinds=frozenset({"pdf"}), languages=frozenset({"ko"}), date_from="2024-01-01")
    expr = filter_expression(f)
    assert expr == (
        '(source == "a.md" or source like "reports/%.pdf") and kind in ["pdf"] and language in ["ko"] and date != "" and date >= "2024-01-01"'
    )
    assert filter_expression(DocumentFilter(sources=('say "hi".txt',))) == '(source == "say \\"hi\\".txt")'
    # Milvus ``like`` has no escape: a literal _ or % next to a wildcard, or a [class], goes by chunk ids
    assert filter_expression(DocumentFilter(sources=("2023_*",))) is None
    assert filter_expression(DocumentFilter(sources=("doc[12].md",))) is None
    assert filter_expression(DocumentFilter()) is None


WHERES = [
    None,
    {"source": "2023-12-09_first-korea-us-next-generation-technologies-dialogue.md"},
    {"source": "2023-*"},  # like, in the engine
    {"source": "2024-11-15_*"},  # a literal _ beside a wildcard: by ids
    {"file_type": "md"},
    {"language": "en"},
    {"language": "ko"},  # nothing matches
    {"date_from": "2023-12-01", "date_to": "2024-12-31"},
    {"date_to": "2023-11-30", "file_type": ["md", "txt"]},
]


@pytest.mark.parametrize("where", WHERES, ids=lambda w: str(w))
def test_search_with_filters_matches_faiss(both, where):
    for q in QUESTIONS[:2] + ["semiconductor research support"]:
        f = [(h.source, h.chunk_id, round(h.score, 4)) for h in both["faiss"].search(q, 5, where=where)]
        m = [(h.source, h.chunk_id, round(h.score, 4)) for h in both["milvus"].search(q, 5, where=where)]
        assert f == m, (q, where)


def test_metadata_lives_in_the_collection(both):
    snap = both["milvus"].snapshot
    store = snap.vectors
    rows = store.client.query(store.target.collection, filter='language == "en"', output_fields=["id", "source", "kind", "date", "page"], limit=1000)
    assert {int(r["id"]) for r in rows} == set(snap.chunks)
    for r in rows:
        rec = snap.documents[r["source"]]
        assert (r["kind"], r["date"], r["page"]) == (rec.kind, rec.date or "", -1)


def test_same_answers_as_faiss(both):
    for q in QUESTIONS:
        a, b = both["faiss"].ask(q), both["milvus"].ask(q)
        assert a.text == b.text, q
        assert [(c.source, c.quote) for c in a.citations] == [(c.source, c.quote) for c in b.citations], q


# ---------------------------------------------------------------------- updates


def test_updates_leave_no_stale_rows(tmp_path, embedder, milvus):
    from assistant import Assistant

    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED, corpus)
    index = tmp_path / "index"
    bot = Assistant(corpus, index, auto_update=False, settings=settings_for("milvus", index, milvus))
    bot.embedder = embedder
    bot.update_index()
    store = bot.snapshot.vectors
    assert milvus_rows(store).keys() == set(bot.snapshot.chunks)

    docs = sorted(p for p in corpus.glob("*.md") if p.name != "README.md")
    changed, gone = docs[0], docs[1]
    with open(changed, "a", encoding="utf-8") as f:
        f.write("\n\nA closing paragraph on fusion energy research with the national laboratories.\n")
    gone.unlink()
    (corpus / "note.txt").write_text("Korea and the U.S. agreed to a joint quantum sensing testbed in Daejeon.\n", encoding="utf-8")
    report = bot.update_index()
    assert (report.updated, report.removed, report.added) == ([changed.name], [gone.name], ["note.txt"])
    snap = bot.snapshot
    rows = milvus_rows(snap.vectors)
    assert rows.keys() == set(snap.chunks), "every row is a live chunk and every chunk has its row"
    assert gone.name not in set(rows.values())
    assert {rows[i] for i in snap.documents[changed.name].chunk_ids} == {changed.name}
    assert snap.vectors.count() == len(snap.chunks)
    assert bot.search("fusion energy research", 1)[0].source == changed.name
    assert bot.search("quantum sensing testbed Daejeon", 1)[0].source == "note.txt"

    # a full rebuild writes new rows above the live ones and drops the old ones once swapped in
    old_ids = set(snap.chunks)
    bot.update_index(rebuild=True)
    new = bot.snapshot
    assert min(new.chunks) > max(old_ids)
    assert milvus_rows(new.vectors).keys() == set(new.chunks)


def test_switching_backend_moves_vectors_without_reembedding(tmp_path, embedder, milvus):
    from assistant import Assistant

    index = tmp_path / "index"

    def bot_for(backend):
        bot = Assistant(BUNDLED, index, auto_update=False, settings=settings_for(backend, index, milvus, consistency="strong"))
        bot.embedder = embedder
        return bot

    faiss_bot = bot_for("faiss")
    faiss_bot.update_index()
    before = [(h.source, h.chunk_id) for h in faiss_bot.search(QUESTIONS[0], 5)]
    milvus_bot = bot_for("milvus")
    report = milvus_bot.update_index()
    assert report.chunks_embedded == 0 and type(milvus_bot.snapshot.vectors).__name__ == "MilvusStore"
    assert [(h.source, h.chunk_id) for h in milvus_bot.search(QUESTIONS[0], 5)] == before
    back = bot_for("faiss")
    report = back.update_index()
    assert report.chunks_embedded == 0 and type(back.snapshot.vectors).__name__ == "FaissStore"
    assert [(h.source, h.chunk_id) for h in back.search(QUESTIONS[0], 5)] == before


def test_a_collection_dropped_behind_the_index_is_reported_then_rebuilt(tmp_path, embedder, milvus):
    from assistant import Assistant

    index = tmp_path / "index"
    settings = settings_for("milvus", index, milvus, consistency="strong")
    bot = Assistant(BUNDLED, index, auto_update=False, settings=settings)
    bot.embedder = embedder
    bot.update_index()
    store = bot.snapshot.vectors
    store.client.drop_collection(store.target.collection)
    again = Assistant(BUNDLED, index, auto_update=False, settings=settings)
    assert again.load_error and "is gone" in again.load_error
    again.embedder = embedder
    report = again.update_index()
    assert report.rebuilt and "is gone" in report.rebuild_reason
    assert milvus_rows(again.snapshot.vectors).keys() == set(again.snapshot.chunks)


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)


def test_cli_store_flags_and_a_lite_file_held_by_another_process(tmp_path, embedder):
    from assistant.index.milvus import close_clients
    from assistant.index.snapshot import load_snapshot

    index = tmp_path / "index"
    r = _cli("index", "--corpus", str(BUNDLED), "--index", str(index), "--store", "milvus", "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    assert (index / "milvus.db").is_dir()
    snap = load_snapshot(index)  # this process now holds the Lite file
    assert type(snap.vectors).__name__ == "MilvusStore"
    r = _cli("search", "quantum", "--corpus", str(BUNDLED), "--index", str(index), "--store", "milvus")
    assert r.returncode == 1
    assert "another process has it open" in r.stderr and "Traceback" not in r.stderr
    close_clients()
    r = _cli("search", "quantum", "--corpus", str(BUNDLED), "--index", str(index), "--store", "milvus", "--json")
    assert r.returncode == 0, r.stderr[-2000:]


def test_missing_client_is_one_clear_line(monkeypatch, tmp_path):
    import builtins

    from assistant.errors import StoreUnavailable
    from assistant.index.milvus import MilvusTarget, client_for

    real_import = builtins.__import__

    def no_pymilvus(name, *a, **k):
        if name == "pymilvus":
            raise ImportError("No module named 'pymilvus'")
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_pymilvus)
    with pytest.raises(StoreUnavailable, match=r'pip install -e "\.\[milvus\]"'):
        client_for(MilvusTarget(str(tmp_path / "x.db")))


# ---------------------------------------------------------------------- crash safety


@pytest.mark.slow
def test_sigkilled_milvus_builds_converge(tmp_path, embedder, capsys, milvus):
    """Real ``assistant index --store milvus`` processes SIGKILLed at random points of first builds
    and updates: after each kill the live index loads with every vector it names; the next update
    converges to exactly one row per live chunk, every document indexed from its current version."""
    from test_crash_safety import corpus_sources, holds_lock, kill_or_finish, make_corpus, mutate, saving, temp_snapshots, wait_for

    from assistant.files import file_sha256
    from assistant.index.milvus import close_clients
    from assistant.index.snapshot import load_snapshot
    from assistant.retrieve import Retriever

    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261203")))
    corpus = make_corpus(tmp_path / "corpus", n_docs=5)
    index = tmp_path / "index"

    # crash safety does not depend on read consistency (the default, bounded, is tested above)
    store_settings = settings_for("milvus", index, milvus, consistency="strong").store
    env = {**os.environ, "ASSISTANT_MILVUS_COLLECTION": store_settings.milvus_collection, "ASSISTANT_MILVUS_CONSISTENCY": "strong"}

    def start():
        cmd = [sys.executable, "-m", "assistant", "index", "--corpus", str(corpus), "--index", str(index), "--store", "milvus", "--json"]
        cmd += ["--milvus-uri", milvus] if milvus else []
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def check():
        snap = load_snapshot(index, store=store_settings)
        if snap is not None:
            snap.check()
            snap.vectors.vectors(snap.vectors.ids())  # raises IndexCorrupt if a live row is missing
            assert Retriever(snap, embedder).run("semiconductor cooperation", 3, None)
        close_clients()
        return snap

    # a first build killed, then one that completes, then an update that completes (timing its work)
    p = start()
    assert wait_for(lambda: holds_lock(p, index), p)
    time.sleep(rng.uniform(0, 2))
    p.send_signal(signal.SIGKILL)
    p.wait()
    first = check()  # nothing live yet, or a complete index
    assert first is None or set(first.documents) == corpus_sources(corpus)
    p = start()
    _, err = p.communicate(timeout=600)
    assert p.returncode == 0, err[-2000:]
    mutate(corpus, rng, 0)
    p = start()
    assert wait_for(lambda: holds_lock(p, index), p)
    t = time.monotonic()
    _, err = p.communicate(timeout=600)
    assert p.returncode == 0, err[-2000:]
    work = time.monotonic() - t  # the killed updates below are killed within an update's work
    after = check()
    assert set(after.documents) == corpus_sources(corpus)

    # updates (edits, additions, deletions) killed while embedding, or while the snapshot is saved and committed
    rounds, least = (4, 3) if milvus else (9, 6)  # Lite covers more kill points; the server path is the same code
    kills, finished, phases = 1, 0, {}
    for step in range(1, rounds + 1):
        mutate(corpus, rng, step)
        before = after  # the index as the last check saw it (editing the corpus does not touch it)
        leftovers = temp_snapshots(index)
        p = start()
        mode = "saving" if step % 3 == 0 else "working"
        if mode == "saving":
            reached = wait_for(lambda: saving(index, leftovers), p)
            time.sleep(rng.uniform(0, 0.3))
        else:
            reached = wait_for(lambda: holds_lock(p, index), p)
            time.sleep(rng.uniform(0, work * 0.8))
        if kill_or_finish(p, reached):
            kills += 1
            phases[mode] = phases.get(mode, 0) + 1
        else:
            finished += 1
        after = check()
        assert after is not None
        if after.name != before.name:  # killed after the swap: the new index is complete
            assert set(after.documents) == corpus_sources(corpus)
        else:
            assert after.documents.keys() == before.documents.keys()
    assert kills >= least, f"only {kills} kills landed ({finished} builds finished first)"

    p = start()
    _, err = p.communicate(timeout=600)
    assert p.returncode == 0, err[-2000:]
    snap = load_snapshot(index, store=store_settings)
    assert set(snap.documents) == corpus_sources(corpus)
    for src, rec in snap.documents.items():
        assert rec.sha256 == file_sha256(corpus / src), f"{src} indexed from a stale version"
    rows = milvus_rows(snap.vectors)
    assert rows.keys() == set(snap.chunks), "no duplicate, orphan or missing row"
    assert snap.vectors.count() == len(snap.chunks)
    assert all(rows[c.id] == c.source for c in snap.chunks.values())
    close_clients()
    with capsys.disabled():
        print(
            f"\nmilvus ({'server' if milvus else 'lite'}) crash safety: {kills} SIGKILLs {phases}, {finished} builds finished first; converged to {len(rows)} rows"
        )


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_servers_and_an_indexer_share_one_collection(tmp_path, milvus_server):
    """Two ``assistant serve`` processes and an ``assistant index`` process on one collection of a real
    Milvus standalone server (and one index folder): a document the indexer adds is answered by both
    servers without a restart (each loads the new snapshot by itself, ``ASSISTANT_INDEX_POLL_S``)."""
    from gradio_client import Client

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(BUNDLED, corpus)
    env = {
        **os.environ,
        "ASSISTANT_MILVUS_COLLECTION": "shared_" + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:12],
        "ASSISTANT_INDEX_POLL_S": "0.5",
    }
    flags = ["--corpus", str(corpus), "--index", str(index), "--store", "milvus", "--milvus-uri", milvus_server]
    r = _cli("index", *flags, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    question = "Where will the joint quantum sensing testbed be built?"
    servers, logs = [], []
    try:
        for n in range(2):
            port = _free_port()
            log = open(tmp_path / f"serve{n}.log", "wb")
            logs.append(log)
            proc = subprocess.Popen(
                [sys.executable, "-m", "assistant", "serve", "--port", str(port), *flags], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env
            )
            servers.append((proc, f"http://127.0.0.1:{port}/"))
        clients = []
        for proc, url in servers:
            deadline = time.monotonic() + 300
            while True:
                assert proc.poll() is None, (tmp_path / "serve0.log").read_text(errors="replace")[-3000:]
                try:
                    clients.append(Client(url, verbose=False, download_files=False))
                    break
                except Exception:
                    assert time.monotonic() < deadline, "assistant serve did not start"
                    time.sleep(1)
        for c in clients:
            assert "note.txt" not in [x["source"] for x in c.predict(question, api_name="/ask")["citations"]]

        (corpus / "note.txt").write_text("Korea and the U.S. agreed to build a joint quantum sensing testbed in Daejeon.\n", encoding="utf-8")
        r = _cli("index", *flags, env=env)  # a third process writes while both servers stay up
        assert r.returncode == 0, r.stderr[-2000:]
        for c in clients:
            deadline = time.monotonic() + 60
            while True:
                ans = c.predict(question, api_name="/ask")
                if ans["grounded"] and ans["citations"][0]["source"] == "note.txt":
                    break
                assert time.monotonic() < deadline, ans
                time.sleep(1)
            assert "Daejeon" in ans["text"]
    finally:
        for proc, _ in servers:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()


def test_a_server_that_is_down_is_one_clear_line_and_the_local_index_is_untouched(tmp_path, embedder):
    from assistant import Assistant
    from assistant.index.snapshot import load_snapshot

    index = tmp_path / "index"
    bot = Assistant(BUNDLED, index, auto_update=False, settings=settings_for("faiss", index))
    bot.embedder = embedder
    bot.update_index()
    live = bot.snapshot.name
    dead = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    t0 = time.monotonic()
    r = _cli("index", "--corpus", str(BUNDLED), "--index", str(index), "--store", "milvus", "--milvus-uri", dead)
    assert time.monotonic() - t0 < 120
    assert r.returncode == 1 and "cannot open Milvus at " + dead in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]
    snap = load_snapshot(index)
    assert snap.name == live and type(snap.vectors).__name__ == "FaissStore"
    assert set(snap.documents) == set(bot.snapshot.documents)
