"""FAISS vs Milvus (Lite) in one run: retrieval quality, answers, search latency, and scale.

    .venv/bin/python -m benchmarks.milvus_bench                      # quality on both + scale at 100k
    .venv/bin/python -m benchmarks.milvus_bench --scale 1000000 --no-quality   # the 1M scale run (Milvus Lite)
    .venv/bin/python -m benchmarks.milvus_bench --scale 1000000 --no-quality --server  # ... on a Milvus server
    .venv/bin/python -m benchmarks.milvus_bench --smoke              # the seconds-long CI version
    .venv/bin/python -m benchmarks.milvus_bench --bm25 --scale ''    # quality + Milvus's BM25 vs the project's
    .venv/bin/python -m benchmarks.milvus_bench --no-quality --scale '' --e2e 1000000  # search()/ask() at 1M: FAISS, then a server

Quality: the cooperation corpus (``retrieval_bench``) is indexed once per backend with the same
encoder; R@1 / strict R@5 on the cooperation questions (and the held-out ones), ``search()``
latency (``Retriever.run``, query embedding included) and the store's own ``search`` latency on
the same query vectors; then ``ask()`` on every question with both backends, counting answers
whose text and citations are identical.

Scale: synthetic vectors drawn around the real chunk embeddings (``speed.synthetic_vectors``)
go into a fresh Milvus Lite collection through ``MilvusStore.add`` (what the builder calls);
build time, peak RSS growth, disk, ``search`` p50/p95 at k=50 (what retrieval asks for) and
recall@10 against exact search on the same vectors, next to FAISS exact and IVF in the same run.
Results: ``benchmarks/results/milvus[-N].json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

import assistant  # noqa: F401  (offline environment first)
from benchmarks.speed import PeakRSS, dir_size, lat_stats, recall_at, rss_mb, synthetic_vectors, time_queries

RESULTS = Path(__file__).resolve().parent / "results"
K = 50  # candidates the retriever asks the vector store for (FusionSettings.candidates)


def _settings(backend: str, index_dir: Path):
    from assistant.settings import Settings

    s = Settings(index_dir=index_dir)
    return replace(s, store=replace(s.store, backend=backend, milvus_uri=str(index_dir / "milvus.db")))


def quality(tmp: Path, smoke: bool) -> tuple[dict, np.ndarray]:
    """Both backends on the cooperation corpus; returns the results and the real chunk vectors."""
    from assistant.core import Assistant
    from assistant.encode import Embedder
    from assistant.index.builder import Indexer
    from assistant.settings import FusionSettings
    from benchmarks.retrieval_bench import HOLDOUT, QUESTIONS, SEEDS, coop_corpus, eval_coop, load_coop_questions

    corpus = SEEDS if smoke else coop_corpus()
    embedder = Embedder.shared()
    out: dict = {"corpus": str(corpus)}
    answers: dict[str, list] = {}
    real = None
    questions = [q["question"] for q in load_coop_questions(QUESTIONS)]
    if smoke:
        questions = questions[:5]
    for backend in ("faiss", "milvus"):
        index_dir = tmp / f"quality-{backend}"
        settings = _settings(backend, index_dir)
        t = time.perf_counter()
        report, snap = Indexer(corpus, index_dir, settings, embedder).run()
        row: dict = {"build_s": round(time.perf_counter() - t, 2), "chunks": len(snap.chunks), "store": type(snap.vectors).__name__}
        if not smoke:
            row["cooperation"] = eval_coop(snap, embedder, FusionSettings(), modes=("hybrid",))["hybrid"]
            row["cooperation_holdout"] = eval_coop(snap, embedder, FusionSettings(), modes=("hybrid",), path=HOLDOUT)["hybrid"]
        qv = embedder.encode_queries(questions)
        lat = time_queries(lambda q: snap.vectors.search(q, K), qv)
        row["store_search"] = lat_stats(lat)
        if real is None:
            real = snap.vectors.vectors(snap.vectors.ids())
        bot = Assistant(corpus, index_dir, auto_update=False, settings=settings)
        bot.embedder = embedder
        t = time.perf_counter()
        answers[backend] = [bot.ask(q) for q in questions]
        row["ask_mean_ms"] = round(1000 * (time.perf_counter() - t) / len(questions), 1)
        out[backend] = row
        print(f"  {backend}: {json.dumps({k: v for k, v in row.items() if k not in ('cooperation', 'cooperation_holdout')})}", flush=True)
        for part in ("cooperation", "cooperation_holdout"):
            if part in row:
                r = row[part]
                print(f"    {part}: R@1 {r['R@1']}, strict R@5 {r['strict_R@5']}, search p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms", flush=True)

    def key(a):
        return (a.text, [(c.source, c.page, c.quote) for c in a.citations])

    same = sum(key(a) == key(b) for a, b in zip(answers["faiss"], answers["milvus"]))
    out["answers"] = {"questions": len(questions), "identical": same}
    print(f"  answers identical on both backends: {same}/{len(questions)}", flush=True)
    return out, real


def bm25_comparison(tmp: Path) -> dict:
    """Milvus's own BM25 (a ``FunctionType.BM25`` over an analysed text field, as Milvus Lite offers it)
    against the project's keyword index, both over the same chunk texts (``lexical_text``): R@1 and
    strict R@5 of the raw keyword rankings on the cooperation and the Korean questions."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    from assistant.encode import Embedder
    from assistant.index.builder import Indexer
    from assistant.index.lexical import lexical_text
    from benchmarks.korean_bench import korean_corpus
    from benchmarks.retrieval_bench import QUESTIONS, _contains_all, coop_corpus, load_coop_questions

    sets = {
        "cooperation": (coop_corpus(), QUESTIONS),
        "korean": (korean_corpus(), Path(__file__).resolve().parent / "questions" / "korean_questions.jsonl"),
    }
    out = {}
    for name, (corpus, qpath) in sets.items():
        _, snap = Indexer(corpus, tmp / f"bm25-{name}", _settings("faiss", tmp / f"bm25-{name}"), Embedder.shared()).run()
        ordered = sorted(snap.chunks.values(), key=lambda c: c.id)
        dates = {s: r.date for s, r in snap.documents.items()}
        client = MilvusClient(str(tmp / f"bm25-{name}.db"))
        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("text", DataType.VARCHAR, max_length=65535, enable_analyzer=True)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"], output_field_names=["sparse"]))
        index = client.prepare_index_params()
        index.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        client.create_collection("bm25", schema=schema, index_params=index)
        client.insert("bm25", [{"id": c.id, "text": lexical_text(c, dates.get(c.source))} for c in ordered])
        client.flush("bm25")
        client.load_collection("bm25")
        qs = [q for q in load_coop_questions(qpath) if q.get("gold_doc")]
        row = {"questions": len(qs), "chunks": len(ordered)}
        for who in ("project_bm25", "milvus_bm25"):
            r1 = r5 = 0
            times = []
            for q in qs:
                t = time.perf_counter()
                if who == "project_bm25":
                    scores = snap.lexical.scores(snap.lexical.query_terms(q["question"]))
                    top = [int(snap.lexical.chunk_ids[j]) for j in np.argsort(-scores, kind="stable")[:5] if scores[j] > 0]
                else:
                    hits = client.search("bm25", data=[q["question"]], anns_field="sparse", limit=5, output_fields=["id"])[0]
                    top = [int(h["id"]) for h in hits]
                times.append(time.perf_counter() - t)
                gold = q["gold_doc"] if isinstance(q["gold_doc"], list) else [q["gold_doc"]]
                hit = [snap.chunks[i] for i in top]
                r1 += bool(hit) and any(hit[0].source.endswith(g) for g in gold)
                r5 += any(any(c.source.endswith(g) for g in gold) and _contains_all(c.text, q["answer_words"]) for c in hit)
            row[who] = {"R@1": round(r1 / len(qs), 3), "strict_R@5": round(r5 / len(qs), 3), **lat_stats(times)}
        client.close()
        out[name] = row
        print(f"  keyword search, {name}: {json.dumps(row)}", flush=True)
    return out


def real_snapshot(tmp: Path, smoke: bool = False):
    """The cooperation corpus (bundled corpus for --smoke) indexed with FAISS: what the synthetic
    vectors are drawn around, and what the end-to-end run copies."""
    from assistant.encode import Embedder
    from assistant.index.builder import Indexer
    from benchmarks.retrieval_bench import SEEDS, coop_corpus

    corpus = SEEDS if smoke else coop_corpus()
    return Indexer(corpus, tmp / "real", _settings("faiss", tmp / "real"), Embedder.shared()).run()[1]


def real_vectors(tmp: Path, smoke: bool) -> np.ndarray:
    """The chunk embeddings of ``real_snapshot``."""
    snap = real_snapshot(tmp, smoke)
    return snap.vectors.vectors(snap.vectors.ids())


def faiss_baseline(n: int, base: np.ndarray, n_queries: int):
    """The synthetic vectors, queries and ids of a scale run, the exact top-10 and FAISS exact and IVF
    search timings on them (the row both Milvus runs extend); the exact index is freed before Milvus runs."""
    from assistant.index.vectors import FaissStore, IVFStore, default_nprobe

    vecs = synthetic_vectors(base, n, seed=n)
    queries = synthetic_vectors(base, n_queries, seed=999)
    ids = np.arange(n, dtype="int64")
    flat = FaissStore(base.shape[1])
    flat.add(ids, vecs)
    _, exact = flat.search(queries, 10)
    row: dict = {"n": n, "faiss_flat": lat_stats(time_queries(lambda q: flat.search(q, K), queries))}
    row["faiss_flat_k10"] = lat_stats(time_queries(lambda q: flat.search(q, 10), queries))
    if n >= 50_000:
        ivf = IVFStore.build(ids, vecs, "float32")
        _, got = ivf.search(queries, 10)
        row["faiss_ivf"] = {"nlist": ivf.nlist, "nprobe": default_nprobe(ivf.nlist), "recall_at_10": round(recall_at(exact, got), 4)}
        row["faiss_ivf"].update(lat_stats(time_queries(lambda q: ivf.search(q, K), queries)))
        del ivf
    print(f"  faiss n={n}: {json.dumps(row)}", flush=True)
    return vecs, queries, ids, exact, row


def _insert(store, ids: np.ndarray, vecs: np.ndarray) -> tuple[float, float]:
    """Write the vectors through ``MilvusStore.add`` (what the builder calls) in batches, then flush
    (seal the segments the vector index is built on); returns (insert seconds, flush seconds)."""
    t = time.perf_counter()
    step = 20_000
    for a in range(0, len(ids), step):
        store.add(ids[a : a + step], vecs[a : a + step])
        if (a // step) % 10 == 0:
            print(f"    inserted {min(len(ids), a + step):,} rows in {time.perf_counter() - t:.0f} s (RSS {rss_mb():.0f} MB)", flush=True)
    insert_s = time.perf_counter() - t
    store.client.flush(store.target.collection)
    return insert_s, time.perf_counter() - t - insert_s


def _reopen_s(store, path: Path, queries: np.ndarray) -> float:
    """Seconds to load the saved view and answer a first search: what a restarted ``assistant serve`` pays."""
    from assistant.index.milvus import MilvusStore, close_clients

    store.save(path)
    close_clients()
    t = time.perf_counter()
    MilvusStore.load(path).search(queries[:1], K)
    seconds = time.perf_counter() - t
    close_clients()
    return seconds


def scale(n: int, base: np.ndarray, tmp: Path, n_queries: int, index_type: str) -> dict:
    """``n`` synthetic vectors in a fresh Milvus Lite collection vs FAISS on the same vectors."""
    from assistant.index.milvus import MilvusStore, MilvusTarget

    vecs, queries, ids, exact, row = faiss_baseline(n, base, n_queries)

    db = tmp / f"scale-{n}.db"
    target = MilvusTarget(str(db), "scale", index_type=index_type)
    rss0 = rss_mb()
    t = time.perf_counter()
    with PeakRSS() as peak:
        store = MilvusStore.fresh(target, base.shape[1])
        insert_s, flush_s = _insert(store, ids, vecs)
        store.commit()
        _, warm = store.search(queries[:3], 10)
    build_s = time.perf_counter() - t
    _, got = store.search(queries, 10)
    lat = time_queries(lambda q: store.search(q, K), queries)
    # the retriever fetches its ~100 candidates' vectors by id once per question (a Milvus ``get``)
    rng = np.random.default_rng(7)
    picks = np.stack([rng.choice(n, 100, replace=False) for _ in range(len(queries))])
    row["milvus_lite_get_100"] = lat_stats(time_queries(lambda p: store.vectors(p[0]), picks, warm=0))
    row["milvus_lite"] = {
        "index_type": index_type,
        "build_s": round(build_s, 1),
        "insert_s": round(insert_s, 1),
        "flush_s": round(flush_s, 1),
        "rows_per_s": round(n / insert_s),
        "peak_rss_growth_mb": round(peak.peak - rss0, 1),
        "disk_mb": round(dir_size(db) / 2**20, 1),
        "recall_at_10": round(recall_at(exact, got), 4),
        **lat_stats(lat),
    }
    # reopening: what a restarted `assistant serve` pays before its first answer
    row["milvus_lite"]["reopen_s"] = round(_reopen_s(store, tmp / "view.npz", queries), 1)
    print(f"  milvus-lite n={n}: {json.dumps(row['milvus_lite'])}", flush=True)
    shutil.rmtree(db, ignore_errors=True)
    return row


def _server_pid(port: int) -> int | None:
    """The pid of the Milvus server process listening on ``port`` (the binary the ``milvus`` package runs)."""
    import psutil

    for c in psutil.net_connections(kind="tcp"):
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid:
            return c.pid
    return None


def _peak_rss_mb(pid: int | None) -> float | None:
    """The process's peak resident memory (``VmHWM``), MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, TypeError):
        return None
    return None


SERVER = "milvus 2.3.5 standalone (PyPI milvus)"


@contextlib.contextmanager
def standalone_server(data_dir: Path):
    """A Milvus standalone server (the ``milvus`` package) on a free port, stopped and its data removed
    at exit; yields (URI, server pid, seconds to start)."""
    import socket

    from milvus import MilvusServer

    from assistant.index.milvus import close_clients

    server = MilvusServer()
    server.set_base_dir(str(data_dir))
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        server.listen_port = sk.getsockname()[1]
    t = time.perf_counter()
    server.start()
    try:
        yield f"http://127.0.0.1:{server.listen_port}", _server_pid(server.listen_port), round(time.perf_counter() - t, 1)
    finally:
        close_clients()
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _wait_for_index(store, n: int) -> int:
    """Wait until the server's vector index covers all ``n`` rows (a search before that scans raw
    segments), then load it; returns the indexed row count."""
    deadline = time.monotonic() + 3 * 3600
    while True:
        done = int(store.client.describe_index(store.target.collection, "vector").get("indexed_rows", 0))
        if done >= n or time.monotonic() > deadline:
            break
        time.sleep(5)
    store.client.release_collection(store.target.collection)
    store.client.load_collection(store.target.collection)
    store.commit()
    return done


def scale_server(n: int, base: np.ndarray, tmp: Path, n_queries: int, index_type: str, consistency: str = "auto") -> dict:
    """``n`` synthetic vectors in a collection of a real Milvus standalone server (the ``milvus`` package,
    started here) vs FAISS exact and IVF on the same vectors: build (insert, flush, index), the server's peak
    memory and disk, reopen, search p50/p95 at k=10 and k=50, recall@10."""
    from assistant.index.milvus import MilvusStore, MilvusTarget

    vecs, queries, ids, exact, row = faiss_baseline(n, base, n_queries)
    with standalone_server(tmp / f"server-{n}") as (uri, pid, start_s):
        row_s: dict = {"index_type": index_type, "consistency": consistency, "server_start_s": start_s, "server": SERVER}
        target = MilvusTarget(uri, "scale", index_type=index_type, consistency=consistency)
        t = time.perf_counter()
        store = MilvusStore.fresh(target, base.shape[1])
        insert_s, flush_s = _insert(store, ids, vecs)
        done = _wait_for_index(store, n)
        index_s = time.perf_counter() - t - insert_s - flush_s
        build_s = time.perf_counter() - t
        _, got = store.search(queries, 10)
        row_s.update(
            build_s=round(build_s, 1),
            insert_s=round(insert_s, 1),
            flush_s=round(flush_s, 1),
            index_s=round(index_s, 1),
            indexed_rows=done,
            rows_per_s=round(n / insert_s),
            recall_at_10=round(recall_at(exact, got), 4),
            k10=lat_stats(time_queries(lambda q: store.search(q, 10), queries)),
            k50=lat_stats(time_queries(lambda q: store.search(q, K), queries)),
        )
        row_s["reopen_s"] = round(_reopen_s(store, tmp / "view.npz", queries), 2)
        row_s["server_peak_rss_mb"] = _peak_rss_mb(pid)
        row_s["disk_mb"] = round(dir_size(tmp / f"server-{n}") / 2**20, 1)
    row["milvus_server"] = row_s
    print(f"  milvus-server n={n}: {json.dumps(row_s)}", flush=True)
    return row


def server_end_to_end(n: int, tmp: Path, rounds: int) -> dict:
    """``search()`` and ``ask()`` end to end over ``n`` chunks, first with the vectors in FAISS (IVF at this
    size), then in a collection of a Milvus standalone server, in one run: the cooperation documents
    copied until they make ``n`` chunks, vectors jittered (``speed.scaled_snapshot``); BM25, sentence
    vectors and chunk texts stay local as in every Milvus index. Also counts identical answers (the
    same text and quotes from the same document, whichever of its copies is cited)."""
    from assistant.core import Assistant
    from assistant.encode import Embedder
    from assistant.index.metadata import chunk_metadata
    from assistant.index.vectors import choose_store
    from benchmarks.speed import QUESTIONS, scaled_snapshot

    embedder = Embedder.shared()
    real = real_snapshot(tmp)
    t = time.perf_counter()
    big = scaled_snapshot(real, n)
    row: dict = {"n": n, "snapshot_build_s": round(time.perf_counter() - t, 1), "questions": len(QUESTIONS) * rounds}
    print(f"  {n:,} chunks built in {row['snapshot_build_s']} s (RSS {rss_mb():.0f} MB)", flush=True)

    def timed(settings, snap) -> tuple[dict, list]:
        bot = Assistant(tmp, tmp / "none", auto_update=False, settings=settings)
        bot.embedder, bot._snapshot = embedder, snap
        qs = QUESTIONS * rounds
        bot.ask(qs[0])  # the first question builds per-snapshot caches
        out, answers = {}, []
        for name, fn in (("search", lambda q: bot.search(q, k=5)), ("ask", bot.ask)):
            lat = []
            for q in qs:
                t = time.perf_counter()
                got = fn(q)
                lat.append(time.perf_counter() - t)
                if name == "ask":  # the copies are near-duplicates: which copy is cited is the ANN's pick
                    answers.append((got.text, [(c.source.split("/", 1)[-1], c.page, c.quote) for c in got.citations]))
            out[name] = lat_stats(lat)
        return out, answers

    row["faiss"], faiss_answers = timed(_settings("faiss", tmp / "none"), big)
    row["faiss"]["store"] = type(big.vectors).__name__
    print(f"  faiss ({row['faiss']['store']}): {json.dumps(row['faiss'])}", flush=True)
    with standalone_server(tmp / f"server-e2e-{n}") as (uri, pid, start_s):
        settings = _settings("milvus", tmp / "none")
        settings = replace(settings, store=replace(settings.store, milvus_uri=uri, milvus_collection="e2e"))
        chunks, docs = big.chunks, big.documents

        def metadata(ids: np.ndarray) -> list[dict]:
            return [chunk_metadata(chunks[int(i)], docs.get(chunks[int(i)].source)) for i in ids]

        t = time.perf_counter()
        store = choose_store(big.vectors, settings.store, tmp, metadata)  # what a build does when the backend is milvus
        insert_s = time.perf_counter() - t
        store.client.flush(store.target.collection)
        done = _wait_for_index(store, n)
        store.settle()
        row["milvus_server"] = {
            "server": SERVER,
            "consistency": store.target.consistency,
            "move_s": round(insert_s, 1),
            "build_s": round(time.perf_counter() - t, 1),
            "indexed_rows": done,
        }
        big = replace(big, vectors=store)  # the FAISS copy is freed (~1.5 GB at 1M)
        lat, milvus_answers = timed(settings, big)
        row["milvus_server"].update(lat)
        row["milvus_server"]["server_peak_rss_mb"] = _peak_rss_mb(pid)
    row["identical_answers"] = sum(a == b for a, b in zip(faiss_answers, milvus_answers))
    row["rss_mb"] = round(rss_mb(), 1)
    print(f"  milvus server: {json.dumps(row['milvus_server'])}; identical answers {row['identical_answers']}/{len(faiss_answers)}", flush=True)
    return row


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--smoke", action="store_true", help="seconds-long version (bundled corpus, 2k vectors)")
    p.add_argument("--scale", default=None, help="comma-separated vector counts (default 100000; smoke 2000; '' skips)")
    p.add_argument("--no-quality", action="store_true", help="skip the corpus part")
    p.add_argument("--bm25", action="store_true", help="also compare Milvus's BM25 function with the project's keyword index")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--index-type", default="AUTOINDEX", help="Milvus index type for the scale run (Lite: AUTOINDEX = HNSW)")
    p.add_argument("--consistency", default="auto", help="the server run's consistency level (auto = bounded on a server, strong, eventually)")
    p.add_argument("--server", action="store_true", help="the scale run on a real Milvus standalone server (the milvus-server extra) instead of Lite")
    p.add_argument("--e2e", default="", help="comma-separated chunk counts: search()/ask() end to end, FAISS then a Milvus server (implies --server)")
    p.add_argument("--rounds", type=int, default=4, help="times the end-to-end questions are asked")
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    sizes = [int(x) for x in (args.scale if args.scale is not None else ("2000" if args.smoke else "100000")).split(",") if x]
    tmp = Path(tempfile.mkdtemp(prefix="milvusbench-"))
    out: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count(), "load_avg_at_start": list(os.getloadavg())}
    try:
        base = None
        if not args.no_quality:
            print("quality (cooperation corpus, both backends) ...", flush=True)
            out["quality"], base = quality(tmp, args.smoke)
        if args.bm25:
            print("keyword search: Milvus BM25 vs the project's BM25 ...", flush=True)
            out["bm25"] = bm25_comparison(tmp)
        if sizes:
            if base is None:
                base = real_vectors(tmp, args.smoke)
            nq = 20 if args.smoke else args.queries
            if args.server:
                out["scale"] = [scale_server(n, base, tmp, nq, args.index_type, args.consistency) for n in sizes]
            else:
                out["scale"] = [scale(n, base, tmp, nq, args.index_type) for n in sizes]
        for n in [int(x) for x in args.e2e.split(",") if x]:
            print(f"end to end at {n:,} chunks: FAISS, then a Milvus server ...", flush=True)
            out.setdefault("end_to_end", []).append(server_end_to_end(n, tmp, args.rounds))
        out["load_avg_at_end"] = list(os.getloadavg())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    name = "milvus-smoke" if args.smoke else ("milvus" if not args.scale else "milvus-" + "-".join(str(s) for s in sizes))
    if args.e2e and not sizes:
        name = "milvus-e2e-" + args.e2e.replace(",", "-")
    name += "-server" if args.server or args.e2e else ""
    dest = args.out or RESULTS / f"{name}.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
