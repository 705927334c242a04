"""Crash safety under fire: SIGKILLed builds, two updaters at once, queries during updates.

Real processes (``python -m assistant index``), real SIGKILL, real model and FAISS files.
After every kill the index on disk loads, is consistent (manifest, FAISS and BM25 agree on every
id: ``IndexSnapshot.check()``) and answers a search; the next update finishes the work.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from assistant.files import file_sha256
from assistant.index.builder import index_lock
from assistant.index.snapshot import SNAPSHOTS, IndexSnapshot, load_snapshot
from assistant.retrieve import Retriever
from assistant.settings import Settings

from conftest import BUNDLED, EVAL, ROOT, needs_shared

COOP = EVAL / "cooperation_docs" / "korea_us"
MIN_KILLS = 10  # with the Milvus kill tests (Lite 9 rounds, server 4), about 23 SIGKILLs at random points per run
QUERIES = ["semiconductor supply chain cooperation", "quantum", "Who signed the technology prosperity deal?"]


def make_corpus(dst: Path, n_docs: int = 8) -> Path:
    """The bundled corpus plus the smallest cooperation documents (enough that a build takes a moment)."""
    shutil.copytree(BUNDLED, dst)
    if COOP.is_dir():
        for f in sorted(COOP.glob("*.md"), key=lambda p: p.stat().st_size)[:n_docs]:
            shutil.copyfile(f, dst / f.name)
    return dst


def corpus_sources(corpus: Path) -> set[str]:
    from assistant.ingest.scan import scan_corpus

    files, _ = scan_corpus(corpus)
    return {f.source for f in files}


def start_index(corpus: Path, index: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "assistant", "index", "--corpus", str(corpus), "--index", str(index), "--json"]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def holds_lock(proc: subprocess.Popen, index: Path) -> bool:
    """True once the child has opened ``index/.lock`` (it is inside ``Indexer.run``)."""
    lock = str(index / ".lock")
    try:
        return any(f.path == lock for f in psutil.Process(proc.pid).open_files())
    except psutil.Error:
        return False


def temp_snapshots(index: Path) -> set[str]:
    root = index / SNAPSHOTS
    return {p.name for p in root.iterdir() if p.name.startswith(".tmp-")} if root.is_dir() else set()


def saving(index: Path, leftovers: set[str]) -> bool:
    """True once the build has started writing a new snapshot (not one a killed build left)."""
    return bool(temp_snapshots(index) - leftovers)


def wait_for(pred, proc: subprocess.Popen, timeout: float = 300.0, poll: float = 0.01) -> bool:
    """Poll ``pred`` until true; False if the process ended first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        if pred():
            return True
        time.sleep(poll)
    raise AssertionError("build neither reached the awaited point nor finished")


def kill_or_finish(proc: subprocess.Popen, reached: bool) -> bool:
    """SIGKILL ``proc`` if it reached the awaited point and still runs (True); otherwise it
    finished first, and must have finished cleanly (False)."""
    if reached and proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True
    _, err = proc.communicate()
    assert proc.returncode == 0, err[-2000:]
    return False


def verify(index: Path, embedder, settings: Settings) -> IndexSnapshot | None:
    """The index on disk loads, is consistent and answers a search (or there is none yet)."""
    snap = load_snapshot(index, settings.identity())  # raises IndexCorrupt if inconsistent
    if snap is None:
        return None
    snap.check()
    hits = Retriever(snap, embedder).run(random.choice(QUERIES), 3, None)
    if snap.chunks:
        assert hits, "a non-empty index answered nothing"
    for h in hits:
        c = snap.chunks[h.chunk_id]
        assert (h.source, h.text, h.start, h.end) == (c.source, c.text, c.start, c.end)
    return snap


def mutate(corpus: Path, rng: random.Random, step: int) -> None:
    """Give the next build work: edit, add and delete files."""
    files = sorted(p for p in corpus.rglob("*.md") if p.name != "README.md")
    for f in rng.sample(files, min(2, len(files))):
        with open(f, "a", encoding="utf-8") as fh:
            fh.write(f"\n\nRevision {step}: the partners agreed on joint research in area {rng.randint(1, 10**6)}.\n")
    if step % 3 == 0:
        (corpus / f"note-{step}.txt").write_text(f"Note {step}. Korea and the U.S. reviewed cooperation item {step}.\n" * 20)
    notes = sorted(corpus.glob("note-*.txt"))
    if step % 4 == 0 and len(notes) > 1:
        notes[0].unlink()


@pytest.mark.slow
@needs_shared(COOP)
def test_sigkill_at_random_points_never_corrupts_the_index(tmp_path, embedder, capsys):
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20260606")))
    settings = Settings()
    corpus = make_corpus(tmp_path / "corpus", n_docs=5)
    index = tmp_path / "index"

    # 1. Kill the very first build while it works: no index yet, and that is still fine.
    p = start_index(corpus, index)
    assert wait_for(lambda: holds_lock(p, index), p)
    time.sleep(rng.uniform(0, 0.5))
    p.send_signal(signal.SIGKILL)
    p.wait()
    kills, phases = 1, {"first build": 1}
    verify(index, embedder, settings)  # None (nothing was swapped in yet) or a complete index

    # 2. One complete build, timing the part after the lock is taken.
    p = start_index(corpus, index)
    assert wait_for(lambda: holds_lock(p, index), p)
    t = time.monotonic()
    out, err = p.communicate(timeout=600)
    work = time.monotonic() - t
    assert p.returncode == 0, err[-2000:]
    assert set(verify(index, embedder, settings).documents) == corpus_sources(corpus)

    # 3. Edit the corpus and kill builds at random points until MIN_KILLS kills landed.
    # An incremental build's work phase (model load included) is shorter than the first build's;
    # the estimate is refined whenever a build finishes before its kill.
    incremental = work / 2
    completed, step = 0, 0
    while kills < MIN_KILLS and step < 3 * MIN_KILLS:
        step += 1
        mutate(corpus, rng, step)
        before = load_snapshot(index, settings.identity())
        leftovers = temp_snapshots(index)
        p = start_index(corpus, index)
        mode = ["working", "saving", "random", "working", "saving"][step % 5]
        locked_at = time.monotonic()
        if mode == "random":  # anywhere, start-up included
            reached = True
            time.sleep(rng.uniform(0.2, 5.0))
        elif mode == "working":  # while loading the index, reading, chunking, embedding or saving
            reached = wait_for(lambda: holds_lock(p, index), p)
            locked_at = time.monotonic()
            time.sleep(rng.uniform(0, incremental * 0.9))
        else:  # while a new snapshot is being written or swapped in
            reached = wait_for(lambda: saving(index, leftovers), p)
            time.sleep(rng.uniform(0, 0.05))
        if kill_or_finish(p, reached):
            kills += 1
            phases[mode] = phases.get(mode, 0) + 1
        else:
            completed += 1
            if mode == "working":
                incremental = time.monotonic() - locked_at
        after = verify(index, embedder, settings)
        assert after is not None
        # the live index is the previous one, or the complete new one (a kill after the swap)
        if after.name != before.name:
            assert set(after.documents) == corpus_sources(corpus)
            for src, rec in after.documents.items():
                assert rec.sha256 == file_sha256(corpus / src)
        else:
            assert after.documents.keys() == before.documents.keys()
    assert kills >= MIN_KILLS, f"only {kills} kills landed"

    # 4. The next update completes the work and cleans up what the killed builds left.
    from assistant import Assistant

    bot = Assistant(corpus, index, auto_update=False)
    report = bot.update_index()
    snap = verify(index, embedder, settings)
    assert set(snap.documents) == corpus_sources(corpus), report.summary()
    for src, rec in snap.documents.items():
        assert rec.sha256 == file_sha256(corpus / src), f"{src} indexed from a stale version"
    assert not list(index.glob(".CURRENT.*.tmp"))
    assert not [d for d in (index / SNAPSHOTS).iterdir() if d.name.startswith(".tmp-")]
    assert bot.search("Korea", k=3)
    with capsys.disabled():
        print(
            f"\ncrash safety: {kills} SIGKILLs survived {phases}, {completed} builds finished before the kill; "
            f"work phase: first build {work:.1f}s, incremental ~{incremental:.1f}s"
        )


@pytest.mark.slow
def test_two_updaters_are_serialised_by_the_lock(tmp_path, embedder):
    settings = Settings()
    corpus = make_corpus(tmp_path / "corpus", n_docs=2)
    index = tmp_path / "index"

    # An update waits while another process holds the lock. The child is the real CLI, with
    # filelock's debug log on, so the test sees the moment it finds the lock taken.
    code = (
        "import logging, sys; h = logging.StreamHandler(); lg = logging.getLogger('filelock'); "
        "lg.setLevel(logging.DEBUG); lg.addHandler(h); lg.propagate = False; "
        "from assistant.app.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    cmd = [sys.executable, "-c", code, "index", "--corpus", str(corpus), "--index", str(index), "--json"]
    with index_lock(index):
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = []
        for line in p.stderr:  # blocks until the child logs; ends if the child exits
            seen.append(line)
            if "not acquired" in line:
                break
        assert any("not acquired" in ln for ln in seen), "".join(seen)[-2000:]
        time.sleep(0.5)
        assert p.poll() is None, "the update ran although the lock was held"
        assert load_snapshot(index) is None
    out, err = p.communicate(timeout=600)
    assert p.returncode == 0, err[-2000:]
    assert set(json.loads(out)["added"]) == corpus_sources(corpus)

    # Two updates started together: one does the work, the other then finds nothing to do.
    (corpus / "new.txt").write_text("A new joint research programme on fusion energy was announced.\n" * 5)
    procs = [start_index(corpus, index) for _ in range(2)]
    reports = []
    for q in procs:
        out, err = q.communicate(timeout=600)
        assert q.returncode == 0, err[-2000:]
        reports.append(json.loads(out))
    added = sorted(len(r["added"]) for r in reports)
    assert added == [0, 1], reports
    assert any(len(r["unchanged"]) == len(corpus_sources(corpus)) for r in reports)
    snap = verify(index, embedder, settings)
    assert set(snap.documents) == corpus_sources(corpus)


@pytest.mark.slow
def test_queries_during_updates_see_one_snapshot(tmp_path, embedder):
    """Threads query in a loop (in memory, and freshly from disk) while the index is updated."""
    from assistant import Assistant

    settings = Settings()
    corpus = make_corpus(tmp_path / "corpus", n_docs=2)
    index = tmp_path / "index"
    bot = Assistant(corpus, index)
    snapshots: dict[str, set[int]] = {bot.snapshot.name: set(bot.snapshot.chunks)}
    in_memory: list[frozenset[int]] = []
    from_disk: list[tuple[str, frozenset[int]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def query_in_memory() -> None:
        i = 0
        while not stop.is_set():
            try:
                hits = bot.search(QUERIES[i % len(QUERIES)], k=8)
                in_memory.append(frozenset(h.chunk_id for h in hits))
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)
            i += 1

    def query_from_disk() -> None:
        while not stop.is_set():
            try:
                snap = load_snapshot(index, settings.identity())
                hits = Retriever(snap, embedder).run("cooperation", 8, None)
                assert {h.chunk_id for h in hits} <= set(snap.chunks)
                from_disk.append((snap.name, frozenset(snap.chunks)))
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

    threads = [threading.Thread(target=query_in_memory), threading.Thread(target=query_from_disk)]
    for t in threads:
        t.start()
    try:
        for v in range(4):
            time.sleep(0.3)
            for f in sorted(corpus.rglob("*.md")):  # every document changes: new ids everywhere
                with open(f, "a", encoding="utf-8") as fh:
                    fh.write(f"\n\nVersion {v} of this document adds a paragraph about cooperation.\n")
            bot.update_index()
            snapshots[bot.snapshot.name] = set(bot.snapshot.chunks)
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    assert not errors, errors[:3]
    assert len(snapshots) == 5 and in_memory and from_disk
    # each snapshot's ids are disjoint from the others' (every file changed each time) ...
    id_sets = list(snapshots.values())
    for i, a in enumerate(id_sets):
        for b in id_sets[i + 1 :]:
            assert not (a & b) or a == b
    # ... so a result set drawn from two snapshots would show up here
    for ids in in_memory:
        assert any(ids <= s for s in id_sets), "a result set mixed two snapshots"
    for name, ids in from_disk:
        assert name in snapshots and set(ids) == snapshots[name], f"snapshot {name} read from disk is not one that was written"
