"""Speed and scale benchmark: indexing throughput vs the encoder floor, search/ask latency, ANN recall, cold start.

    .venv/bin/python -m benchmarks.speed            # full run (~30-60 min on 2 shared cores)
    .venv/bin/python -m benchmarks.speed --quick    # smaller sizes and corpora (~5-10 min)
    .venv/bin/python -m benchmarks.speed --smoke    # seconds-to-a-minute version the CI test runs

Results: ``benchmarks/results/speed[-quick|-smoke].json`` and a short table on stdout.

The machine is shared (2 cores, other processes running models), so absolute times are
noisy: every efficiency figure is a ratio measured in the same run (build time vs
encode-only time on exactly the indexed chunk texts, the encoder's FLOP/s vs a matmul peak
measured minutes apart in the same process), and latencies are medians over many queries.
Above what can be embedded here, search is measured on synthetic vectors drawn around real
chunk embeddings (clusters of real directions plus Gaussian noise); ANN recall@10 is measured
against exact search on those same vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

import assistant  # noqa: F401  (offline environment first)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"
RESULTS = Path(__file__).resolve().parent / "results"

# all-MiniLM-L6-v2: 6 layers, hidden 384, feed-forward 1536
LAYERS, HIDDEN, FFN = 6, 384, 1536
TARGETS = {
    "build_over_encode_coop": 1.15,
    "search_p50_ms_100k": 10.0,
    "search_p50_ms_1m": 30.0,
    "ask_p50_ms_10k": 60.0,
    "cold_ask_s": 4.0,
    "ann_recall_at_10": 0.98,
}
QUESTIONS = [
    "Who co-chaired the Next Generation Critical and Emerging Technologies Dialogue?",
    "How much will be invested in bioeconomy research?",
    "What did the memorandum of understanding on quantum cooperation say?",
    "When did the science minister plan talks with the incoming administration?",
    "Which agencies signed the joint research and development MOUs?",
    "What are the goals of the Technology Prosperity Deal?",
    "semiconductor supply chain cooperation",
    "artificial intelligence safety institutes",
    "6G open RAN telecommunications",
    "biotechnology and biomanufacturing",
    "space exploration Artemis Accords",
    "clean energy and nuclear cooperation",
    "What was agreed in Seoul in December 2023?",
    "KIAT memorandum",
    "workforce exchanges for students and researchers",
    "export controls on critical technologies",
]


# ---------------------------------------------------------------------- helpers


def pct(xs, q) -> float:
    return float(np.percentile(np.asarray(xs, dtype="float64"), q)) if len(xs) else float("nan")


def lat_stats(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"p50_ms": round(pct(ms, 50), 3), "p95_ms": round(pct(ms, 95), 3), "n": len(ms)}


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


class PeakRSS:
    """Samples this process's RSS every 50 ms; ``peak`` in MB."""

    def __init__(self):
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, rss_mb())


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def encoder_flops(token_counts: list[int]) -> float:
    """Useful FLOPs of the MiniLM forward pass for sequences of these lengths (no padding)."""
    total = 0.0
    dense = 2 * (4 * HIDDEN * HIDDEN + 2 * HIDDEN * FFN)  # QKV + output projection + FFN, per token per layer
    for n in token_counts:
        total += LAYERS * (n * dense + 4 * n * n * HIDDEN)  # + QK^T and attention x V
    return total


def matmul_peak(seconds: float = 3.0, size: int = 1024) -> dict:
    """Best float32 matmul GFLOP/s over ~``seconds`` (numpy BLAS; torch too if already imported)."""
    out = {}
    a = np.random.default_rng(0).standard_normal((size, size), dtype="float32")
    b = np.random.default_rng(1).standard_normal((size, size), dtype="float32")
    best, end = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        a @ b
        best = max(best, 2 * size**3 / (time.perf_counter() - t))
    out["numpy_gflops"] = round(best / 1e9, 2)
    if "torch" in sys.modules:
        import torch

        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        best, end = 0.0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            t = time.perf_counter()
            ta @ tb
            best = max(best, 2 * size**3 / (time.perf_counter() - t))
        out["torch_gflops"] = round(best / 1e9, 2)
    out["peak_gflops"] = max(v for k, v in out.items() if k.endswith("gflops"))
    return out


# ---------------------------------------------------------------------- 1. indexing throughput


def corpus_subset(src: Path, limit: int | None, tmp: Path) -> Path:
    """``src`` itself, or a folder of links to its first ``limit`` files (sorted)."""
    if not limit:
        return src
    files = sorted(p for p in src.rglob("*") if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in (".pdf", ".md", ".txt"))
    dst = tmp / f"{src.name}-first{limit}"
    dst.mkdir(parents=True, exist_ok=True)
    for p in files[:limit]:
        shutil.copy2(p, dst / p.name)  # copies: the corpus scanner does not follow symlinks
    return dst


def serial_build(corpus: Path, index_dir: Path, settings, embedder) -> float:
    """Seconds for one build that reads each document only when it is needed (no read-ahead)."""
    import assistant.index.builder as indexing

    depth, indexing.READ_AHEAD_DOCS = indexing.READ_AHEAD_DOCS, 0
    try:
        shutil.rmtree(index_dir, ignore_errors=True)
        t = time.perf_counter()
        indexing.Indexer(corpus, index_dir, settings, embedder).run(rebuild=True)
        return time.perf_counter() - t
    finally:
        indexing.READ_AHEAD_DOCS = depth


def bench_indexing(
    name: str, corpus: Path, tmp: Path, embedder, repeat: int = 1, compare_serial: bool = False, plain_encode: bool = True
) -> tuple[dict, object]:
    from assistant.index.builder import READ_AHEAD_DOCS, Indexer, embedding_text
    from assistant.settings import Settings

    settings = Settings()
    index_dir = tmp / f"index-{name}"
    files = [p for p in corpus.rglob("*") if p.is_file()]
    corpus_bytes = sum(p.stat().st_size for p in files)
    builds, encodes, peaks, serial = [], [], [], []
    snap = None
    texts: list[str] = []
    for r in range(repeat):
        if compare_serial:  # same run, same load: the build without read-ahead, just before
            serial.append(serial_build(corpus, index_dir, settings, embedder))
        shutil.rmtree(index_dir, ignore_errors=True)
        rss0 = rss_mb()
        with PeakRSS() as peak:
            t = time.perf_counter()
            report, snap = Indexer(corpus, index_dir, settings, embedder).run(rebuild=True)
            builds.append(time.perf_counter() - t)
        peaks.append(peak.peak - rss0)
        ordered = sorted(snap.chunks.values(), key=lambda c: c.id)
        texts = [embedding_text(c, settings) for c in ordered]
        # the floor: the encoder alone on exactly the texts the build embedded, same batch size,
        # in the same flush-sized groups (256 chunks) as the indexer
        t = time.perf_counter()
        for s in range(0, len(texts), 256):
            embedder.encode(texts[s : s + 256], batch_size=settings.encoder.batch_size)
        encodes.append(time.perf_counter() - t)
    st_encode = 0.0
    if plain_encode:  # the yardstick: a plain sentence-transformers encode (PyTorch) of the same texts in one call
        from assistant.encode import Embedder

        plain = Embedder.shared(embedder.model_name, backend="torch")
        plain.encode(texts[:8], batch_size=settings.encoder.batch_size)  # loaded and warm before timing
        t = time.perf_counter()
        plain.encode(texts, batch_size=settings.encoder.batch_size)
        st_encode = time.perf_counter() - t
    tok = embedder.raw_tokenizer
    maxlen = embedder.max_seq_length
    counts = [min(maxlen, len(e.ids) + 2) for e in tok.encode_batch(texts, add_special_tokens=False)]
    build, enc = float(np.median(builds)), float(np.median(encodes))
    flops = encoder_flops(counts)
    res = {
        "corpus": str(corpus),
        "docs": len(snap.documents),
        "files": len(files),
        "corpus_mb": round(corpus_bytes / 2**20, 2),
        "chunks": len(texts),
        "tokens": int(sum(counts)),
        "build_s": round(build, 3),
        "encode_only_s": round(enc, 3),
        "build_over_encode": round(build / enc, 3) if enc and texts else None,
        "st_encode_s": round(st_encode, 3) if st_encode else None,
        "build_over_st_encode": round(build / st_encode, 3) if st_encode and texts else None,
        "builds_s": [round(x, 2) for x in builds],
        "encodes_s": [round(x, 2) for x in encodes],
        "docs_per_s": round(len(snap.documents) / build, 2),
        "chunks_per_s": round(len(texts) / build, 2),
        "tokens_per_s": round(sum(counts) / build, 1),
        "encoder_gflops": round(flops / enc / 1e9, 2) if enc else None,
        "encoder_gflop_total": round(flops / 1e9, 1),
        "peak_rss_growth_mb": round(max(peaks), 1),
        "index_mb": round(dir_size(index_dir) / 2**20, 2),
        "skipped": len(report.skipped),
        "read_ahead_docs": READ_AHEAD_DOCS,
    }
    if serial:
        res["serial_builds_s"] = [round(x, 2) for x in serial]
        res["serial_build_over_encode"] = round(float(np.median(serial)) / enc, 3) if enc else None
    return res, snap


def replicated_corpus(src: Path, copies: int, tmp: Path) -> Path:
    """``copies`` copies of ``src``'s files under distinct names: same kind of documents, k times as many."""
    dst = tmp / f"{src.name}-x{copies}"
    files = sorted(p for p in src.rglob("*") if p.is_file() and not p.name.startswith("."))
    for k in range(copies):
        for p in files:
            rel = p.relative_to(src)
            (dst / f"copy{k}" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, dst / f"copy{k}" / rel)
    return dst


def bench_scaled_build(src: Path, copies: int, tmp: Path, embedder) -> dict:
    """One build of ``copies`` copies of ``src`` (29 copies of the cooperation documents: ~10k chunks):
    chunks/s, and the build's time over the encoder's time inside it (no second encode of 10k texts)."""
    from assistant.index.builder import Indexer
    from assistant.settings import Settings

    corpus = replicated_corpus(src, copies, tmp)
    spent = [0.0]
    encode = embedder.encode_with_spans

    def timed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return encode(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t

    embedder.encode_with_spans = timed
    try:
        t = time.perf_counter()
        _, snap = Indexer(corpus, tmp / f"index-x{copies}", Settings(), embedder).run(rebuild=True)
        build = time.perf_counter() - t
    finally:
        del embedder.encode_with_spans  # the class's method again
    shutil.rmtree(corpus, ignore_errors=True)
    return {
        "copies": copies,
        "docs": len(snap.documents),
        "chunks": len(snap.chunks),
        "build_s": round(build, 1),
        "encoder_s": round(spent[0], 1),
        "chunks_per_s": round(len(snap.chunks) / build, 1),
        "build_over_encoder_inside": round(build / spent[0], 3) if spent[0] else None,
    }


def index_rss_child(corpus: str, index: str) -> None:
    """Runs in a fresh process: index ``corpus``, print peak RSS growth over the loaded encoder."""
    from assistant.encode import Embedder
    from assistant.index.builder import Indexer
    from assistant.settings import Settings

    embedder = Embedder.shared()
    embedder.encode(["warm up"] * 8)
    rss0 = rss_mb()
    with PeakRSS() as peak:
        t = time.perf_counter()
        report, snap = Indexer(Path(corpus), Path(index), Settings(), embedder).run(rebuild=True)
        secs = time.perf_counter() - t
    print(
        json.dumps(
            {
                "docs": len(snap.documents),
                "chunks": len(snap.chunks),
                "build_s": round(secs, 1),
                "rss_after_load_mb": round(rss0, 1),
                "peak_rss_growth_mb": round(peak.peak - rss0, 1),
            }
        )
    )


def bench_rss_scaling(src: Path, copies: list[int], tmp: Path) -> list[dict]:
    """Peak RSS growth while indexing k copies of a corpus, each build in a fresh process.

    If documents are streamed, growth tracks the index held in memory (vectors, sentence
    vectors, chunk texts) and stays far below "all corpus text at once"; the PDF worker's
    memory is its own process (capped by an rlimit) and is not counted here.
    """
    rows = []
    for k in copies:
        corpus = replicated_corpus(src, k, tmp)
        index = tmp / f"rss-index-x{k}"
        code = f"from benchmarks.speed import index_rss_child; index_rss_child({str(corpus)!r}, {str(index)!r})"
        p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=3600)
        if p.returncode:
            rows.append({"copies": k, "error": p.stderr[-400:]})
            continue
        row = {
            "copies": k,
            "corpus_mb": round(dir_size(corpus) / 2**20, 2),
            **json.loads(p.stdout.strip().splitlines()[-1]),
            "index_mb": round(dir_size(index) / 2**20, 2),
        }
        print(
            f"  rss x{k}: {row['docs']} docs, {row['chunks']} chunks, peak RSS growth {row['peak_rss_growth_mb']} MB, index {row['index_mb']} MB",
            flush=True,
        )
        rows.append(row)
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(index, ignore_errors=True)
    return rows


# ---------------------------------------------------------------------- 2. vector search at scale


def synthetic_vectors(base: np.ndarray, n: int, seed: int, noise: float = 0.9) -> np.ndarray:
    """``n`` unit vectors around real embeddings ``base`` (cluster = one real direction + noise)."""
    rng = np.random.default_rng(seed)
    d = base.shape[1]
    out = np.empty((n, d), dtype="float32")
    step = 200_000
    for s in range(0, n, step):
        m = min(step, n - s)
        c = base[rng.integers(0, len(base), m)]
        # mix two real directions so clusters overlap, as topics do
        c2 = base[rng.integers(0, len(base), m)]
        w = rng.uniform(0.0, 0.5, (m, 1)).astype("float32")
        x = (1 - w) * c + w * c2 + (noise / np.sqrt(d)) * rng.standard_normal((m, d), dtype="float32")
        out[s : s + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def time_queries(fn, queries: np.ndarray, warm: int = 3) -> list[float]:
    for q in queries[:warm]:
        fn(q[None, :])
    lat = []
    for q in queries:
        t = time.perf_counter()
        fn(q[None, :])
        lat.append(time.perf_counter() - t)
    return lat


def recall_at(exact_ids: np.ndarray, approx_ids: np.ndarray, k: int = 10) -> float:
    return float(np.mean([len(set(a[:k]) & set(b[:k])) / k for a, b in zip(exact_ids, approx_ids)]))


def bench_vector_search(sizes: list[int], base: np.ndarray, n_queries: int, tmp: Path, storages: list[str], nprobes_try: list[int]) -> list[dict]:
    from assistant.index.vectors import FaissStore, IVFStore, default_nprobe

    rows = []
    queries = synthetic_vectors(base, n_queries, seed=999)
    for n in sizes:
        vecs = synthetic_vectors(base, n, seed=n)
        ids = np.arange(n, dtype="int64")
        flat = FaissStore(base.shape[1])
        flat.add(ids, vecs)
        exact_s, exact_ids = flat.search(queries, 10)
        k = 50  # what the retriever asks for (FusionSettings.candidates)
        search = flat.search
        lat = time_queries(lambda q: search(q, k), queries)
        flat.save(tmp / "flat.faiss")
        row = {"n": n, "flat": {**lat_stats(lat), "disk_mb": round((tmp / "flat.faiss").stat().st_size / 2**20, 1)}}
        if n >= 5_000:
            for storage in storages:
                t = time.perf_counter()
                with PeakRSS() as peak:
                    ivf = IVFStore.build(ids, vecs, storage)
                build_s = time.perf_counter() - t
                tries = {}
                for npb in sorted(set(nprobes_try + [default_nprobe(ivf.nlist)])):
                    if npb > ivf.nlist:
                        continue
                    ivf.nprobe = npb
                    _, a_ids = ivf.search(queries, 10)
                    lat = time_queries(lambda q: ivf.search(q, k), queries)
                    tries[npb] = {"recall_at_10": round(recall_at(exact_ids, a_ids), 4), **lat_stats(lat)}
                ok = [p for p, v in tries.items() if v["recall_at_10"] >= TARGETS["ann_recall_at_10"]]
                chosen = min(ok) if ok else max(tries)
                ivf.nprobe = default_nprobe(ivf.nlist)
                ivf.save(tmp / "ivf.faiss")
                row[f"ivf_{storage}"] = {
                    "nlist": ivf.nlist,
                    "default_nprobe": default_nprobe(ivf.nlist),
                    "default": tries.get(default_nprobe(ivf.nlist)),
                    "min_nprobe_for_recall_0.98": chosen if ok else None,
                    "at_min_nprobe": tries[chosen],
                    "by_nprobe": tries,
                    "build_s": round(build_s, 1),
                    "build_rss_growth_mb": round(peak.peak - rss_mb(), 1),
                    "disk_mb": round((tmp / "ivf.faiss").stat().st_size / 2**20, 1),
                }
                del ivf
        if n >= 50_000 and n <= 200_000 and "hnsw" in storages_extra():
            row["hnsw"] = bench_hnsw(vecs, queries, exact_ids, k)
        print(
            f"  vectors n={n}: "
            + ", ".join(f"{b} p50 {v['p50_ms'] if 'p50_ms' in v else v['default']['p50_ms']} ms" for b, v in row.items() if isinstance(v, dict)),
            flush=True,
        )
        rows.append(row)
        del flat, vecs
    return rows


_EXTRA: set[str] = set()


def storages_extra() -> set[str]:
    return _EXTRA


def bench_hnsw(vecs: np.ndarray, queries: np.ndarray, exact_ids: np.ndarray, k: int) -> dict:
    """HNSW for comparison (not a backend: FAISS HNSW cannot remove ids)."""
    import faiss

    t = time.perf_counter()
    h = faiss.IndexHNSWFlat(vecs.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    h.hnsw.efConstruction = 80
    h.add(vecs)
    build = time.perf_counter() - t
    out = {"build_s": round(build, 1)}
    for ef in (32, 64, 128):
        h.hnsw.efSearch = ef
        _, a = h.search(queries, 10)
        lat = time_queries(lambda q: h.search(q, k), queries)
        out[f"ef{ef}"] = {"recall_at_10": round(recall_at(exact_ids, a), 4), **lat_stats(lat)}
    return out


# ---------------------------------------------------------------------- 3. search() / ask() end to end


def scaled_snapshot(snap, n: int, seed: int = 0):
    """A snapshot of ``n`` chunks: the real documents repeated as copies, chunk vectors jittered.

    Vectorised over chunks (a Python loop per chunk took minutes and gigabytes of small
    arrays at 1M): sentence rows are gathered with one index array, and BM25 tokens are
    computed once per distinct real chunk (copies have identical text, title and date, so
    the index equals ``LexicalIndex.build`` on the repeated texts).
    """
    from dataclasses import replace

    from assistant.index.lexical import LexicalIndex, lexical_text
    from assistant.index.snapshot import IndexSnapshot
    from assistant.index.vectors import FaissStore, choose_store
    from assistant.schema import DocumentRecord
    from assistant.text.keywords import tokenize

    docs_in_order = [(src, rec) for src, rec in snap.documents.items() if rec.chunk_ids]
    per_copy = sum(len(rec.chunk_ids) for _, rec in docs_in_order)
    copies = -(-n // per_copy)
    docs: dict = {}
    real_of = np.empty(n, dtype="int64")  # new chunk id -> the real chunk it copies
    source_of: list[str] = []
    i = 0
    for copy in range(copies):
        for src, rec in docs_in_order:
            if i >= n:
                break
            take = rec.chunk_ids[: n - i]
            new_src = f"copy{copy}/{src}"
            real_of[i : i + len(take)] = take
            source_of.extend([new_src] * len(take))
            docs[new_src] = DocumentRecord(**{**rec.__dict__, "source": new_src, "chunk_ids": list(range(i, i + len(take)))})
            i += len(take)
    chunks = {j: replace(snap.chunks[int(r)], id=j, source=source_of[j]) for j, r in enumerate(real_of)}
    del source_of

    vecs = _jittered(snap, real_of, seed)
    store = FaissStore(vecs.shape[1])
    store.add(np.arange(n, dtype="int64"), vecs)
    del vecs
    store = choose_store(store)

    sentences = _repeat_sentences(snap.sentences, real_of, snap.dimension)
    dates = {s: r.date for s, r in snap.documents.items()}
    tokens = {int(c): tokenize(lexical_text(ch, dates.get(ch.source))) or ["\u2205"] for c, ch in snap.chunks.items()}
    bm = __import__("bm25s").BM25()
    bm.index([tokens[int(r)] for r in real_of], show_progress=False)
    lex = LexicalIndex(list(range(n)), bm)
    return IndexSnapshot(snap.identity, snap.dimension, docs, chunks, store, lex, sentences, n)


def _jittered(snap, real_of: np.ndarray, seed: int, step: int = 100_000) -> np.ndarray:
    """Unit vectors: each copied chunk's real vector plus small Gaussian noise (no exact duplicates)."""
    real_ids = np.array(sorted(snap.chunks), dtype="int64")
    base = snap.vectors.vectors(real_ids)
    row = np.searchsorted(real_ids, real_of)
    rng = np.random.default_rng(seed)
    d = base.shape[1]
    out = np.empty((len(real_of), d), dtype="float32")
    for s in range(0, len(real_of), step):
        v = base[row[s : s + step]] + (0.3 / np.sqrt(d)) * rng.standard_normal((len(row[s : s + step]), d), dtype="float32")
        out[s : s + step] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def _repeat_sentences(sent, real_of: np.ndarray, dimension: int):
    """The real chunks' sentence rows, gathered for each copy (one fancy-index, no per-chunk arrays)."""
    from assistant.index.sentences import SentenceVectors

    slices = sent._index()  # also sorts the rows by chunk id
    first = np.array([slices[int(c)].start if int(c) in slices else 0 for c in real_of], dtype="int64")
    count = np.array([slices[int(c)].stop - slices[int(c)].start if int(c) in slices else 0 for c in real_of], dtype="int64")
    total = int(count.sum())
    if not total:
        return SentenceVectors.empty(dimension)
    # row index: first[j], first[j]+1, ..., first[j]+count[j]-1 for each new chunk j
    ends = np.cumsum(count)
    rows = np.arange(total, dtype="int64") - np.repeat(ends - count, count) + np.repeat(first, count)
    new_ids = np.repeat(np.arange(len(real_of), dtype="int64"), count)
    return SentenceVectors(new_ids, sent.starts[rows], sent.ends[rows], sent.vectors[rows])


def bench_end_to_end(snap, sizes: list[int], tmp: Path, n_rounds: int) -> list[dict]:
    from assistant.core import Assistant
    from assistant.index.snapshot import save_snapshot

    rows = []
    has_ask = _has_ask()
    for n in sizes:
        rss0 = rss_mb()
        with PeakRSS() as peak:
            t = time.perf_counter()
            big = scaled_snapshot(snap, n)
            build_s = time.perf_counter() - t
            idx = tmp / f"e2e-{n}"
            shutil.rmtree(idx, ignore_errors=True)
            t = time.perf_counter()
            save_snapshot(idx, big)
            save_s = time.perf_counter() - t
        bot = Assistant(corpus_dir=tmp, index_dir=idx, auto_update=False)
        bot._snapshot = big
        qs = QUESTIONS * n_rounds
        t = time.perf_counter()
        bot.search(qs[0])  # warm: the first search builds per-snapshot caches
        first_s = time.perf_counter() - t
        lat = []
        for q in qs:
            t = time.perf_counter()
            bot.search(q, k=5)
            lat.append(time.perf_counter() - t)
        row = {
            "n": n,
            "backend": type(big.vectors).__name__,
            "search": lat_stats(lat),
            "index_mb": round(dir_size(idx) / 2**20, 1),
            "snapshot_build_s": round(build_s, 1),
            "save_s": round(save_s, 1),
            "rss_mb": round(rss_mb(), 1),
            "peak_rss_growth_mb": round(peak.peak - rss0, 1),
            "sentence_rows": len(big.sentences),
            "first_search_s": round(first_s, 2),
        }
        # the parts of one search: query encoding alone
        lat = []
        for q in qs:
            t = time.perf_counter()
            bot.embedder.encode_queries([q])
            lat.append(time.perf_counter() - t)
        row["query_encode"] = lat_stats(lat)
        row.update(search_parts(big, bot.embedder, qs))
        if has_ask:
            try:
                bot.ask(qs[0])
                lat = []
                for q in qs:
                    t = time.perf_counter()
                    bot.ask(q)
                    lat.append(time.perf_counter() - t)
                row["ask"] = lat_stats(lat)
            except Exception as e:  # ask() is being written elsewhere; report, don't fail
                row["ask"] = {"error": f"{type(e).__name__}: {str(e)[:200]}"}
        print(
            f"  end-to-end n={n}: search p50 {row['search']['p50_ms']} ms" + (f", ask p50 {row['ask'].get('p50_ms')} ms" if "ask" in row else ""),
            flush=True,
        )
        rows.append(row)
        shutil.rmtree(idx, ignore_errors=True)
        del big, bot  # before the next size is built
    return rows


def search_parts(snap, embedder, queries: list[str], k: int = 50) -> dict:
    """Latency of the two full-collection steps of one search: the vector index and BM25 scoring."""
    from assistant.text.keywords import query_tokens

    qv = embedder.encode_queries(queries)
    vec, lex = [], []
    for q, v in zip(queries, qv):
        t = time.perf_counter()
        snap.vectors.search(v[None, :], k)
        vec.append(time.perf_counter() - t)
        toks = query_tokens(q)
        t = time.perf_counter()
        snap.lexical.scores(toks)
        lex.append(time.perf_counter() - t)
    return {"vector_search": lat_stats(vec), "bm25_scores": lat_stats(lex)}


def _has_ask() -> bool:
    try:
        import assistant.answer  # noqa: F401
    except Exception:
        return False
    from assistant.core import Assistant

    return hasattr(Assistant, "ask")


# ---------------------------------------------------------------------- 4. cold start


def _cli() -> list[str]:
    return [sys.executable, "-m", "assistant"]


def cold_start(corpus: Path, index: Path, repeat: int, encoders: list[str]) -> dict:
    out = {}
    env0 = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for encoder in encoders:
        env = {**env0, "ASSISTANT_ENCODER": encoder}
        cmds = {"search": ["search", QUESTIONS[1], "-k", "3"]}
        if _has_ask():
            cmds["ask"] = ["ask", QUESTIONS[1]]
        for name, args in cmds.items():
            times, rc, err = [], 0, ""
            for _ in range(repeat):
                t = time.perf_counter()
                p = subprocess.run(
                    _cli() + args + ["--corpus", str(corpus), "--index", str(index)], env=env, capture_output=True, text=True, timeout=300
                )
                times.append(time.perf_counter() - t)
                rc, err = p.returncode, p.stderr[-300:]
            out[f"{name}_{encoder}"] = {
                "median_s": round(float(np.median(times)), 2),
                "all_s": [round(x, 2) for x in times],
                "rc": rc,
                **({"stderr": err} if rc else {}),
            }
            print(f"  cold {name} ({encoder}): {out[f'{name}_{encoder}']['median_s']} s", flush=True)
    if (ROOT / "assistant" / "app" / "ui.py").exists():
        out["serve"] = cold_serve(corpus, index, env0)
    return out


def cold_serve(corpus: Path, index: Path, env: dict, timeout: float = 180.0) -> dict:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = time.perf_counter()
    p = subprocess.Popen(
        _cli() + ["serve", "--port", str(port), "--corpus", str(corpus), "--index", str(index)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while time.perf_counter() - t < timeout:
            if p.poll() is not None:
                return {"error": f"exited {p.returncode}: {p.stderr.read()[-300:]}"}
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        return {"page_ready_s": round(time.perf_counter() - t, 2)}
            except OSError:
                time.sleep(0.1)
        return {"error": f"no page within {timeout:.0f} s"}
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


# ---------------------------------------------------------------------- 5. encoder engines agree


def encoder_check(texts: list[str]) -> dict:
    """ONNX and PyTorch engines on the same texts: max difference and relative speed."""
    from assistant.encode import Embedder

    onnx = Embedder("sentence-transformers/all-MiniLM-L6-v2", backend="onnx")
    torch_ = Embedder("sentence-transformers/all-MiniLM-L6-v2", backend="torch")
    onnx.encode(texts[:4]), torch_.encode(texts[:4])
    res = {"texts": len(texts)}
    t_o, t_t = [], []
    for _ in range(2):  # interleaved, so both see the same machine load
        t = time.perf_counter()
        a = onnx.encode(texts)
        t_o.append(time.perf_counter() - t)
        t = time.perf_counter()
        b = torch_.encode(texts)
        t_t.append(time.perf_counter() - t)
    res.update(
        onnx_s=round(min(t_o), 2),
        torch_s=round(min(t_t), 2),
        torch_over_onnx=round(min(t_t) / min(t_o), 3),
        max_abs_diff=float(np.abs(a - b).max()),
        min_cosine=float((a * b).sum(1).min()),
    )
    return res


# ---------------------------------------------------------------------- main


def run(args) -> dict:
    from assistant.encode import Embedder

    tmp = Path(tempfile.mkdtemp(prefix="speedbench-"))
    out: dict = {
        "mode": args.mode,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_at_start": list(os.getloadavg())},
    }
    try:
        embedder = Embedder.shared()
        t = time.perf_counter()
        embedder.encode(["warm up"])
        out["encoder"] = {"backend": embedder.backend, "load_s": round(time.perf_counter() - t, 2)}
        print(f"encoder: {embedder.backend} (loaded in {out['encoder']['load_s']} s)", flush=True)

        corpora = {"bundled": ROOT / "docs_corpus"}
        if args.mode != "smoke":
            corpora["cooperation"] = SHARED / "cooperation_docs"
            corpora["financebench"] = corpus_subset(SHARED / "financebench" / "pdfs", args.financebench_docs, tmp)
        if args.corpora:
            corpora = {k: v for k, v in corpora.items() if k in args.corpora}
        out["peak_before"] = matmul_peak(2.0 if args.mode == "smoke" else 4.0)
        out["indexing"] = {}
        snaps = {}
        for name, path in corpora.items():
            if not path.exists():
                out["indexing"][name] = {"skipped": f"{path} not found"}
                continue
            print(f"indexing {name} ...", flush=True)
            rep = args.repeat if name != "financebench" else 1
            out["indexing"][name], snaps[name] = bench_indexing(
                name, path, tmp, embedder, repeat=rep, compare_serial=args.compare_serial, plain_encode=args.mode != "smoke"
            )
            r = out["indexing"][name]
            print(
                f"  {r['docs']} docs, {r['chunks']} chunks: build {r['build_s']} s, encode-only {r['encode_only_s']} s, ratio {r['build_over_encode']}",
                flush=True,
            )
        if args.build_copies:
            src = corpora.get("cooperation") or corpora["bundled"]
            print(f"one build of {src.name} x {args.build_copies} ...", flush=True)
            out["scaled_build"] = bench_scaled_build(src, args.build_copies, tmp, embedder)
            print(f"  {json.dumps(out['scaled_build'])}", flush=True)
        if args.rss_scaling:
            src = corpora.get("cooperation") or corpora["bundled"]
            print(f"peak RSS vs corpus size ({src.name} x {args.rss_scaling}) ...", flush=True)
            out["rss_scaling"] = bench_rss_scaling(src, args.rss_scaling, tmp)
        out["peak_after"] = matmul_peak(2.0 if args.mode == "smoke" else 4.0)
        peak = max(out["peak_before"]["peak_gflops"], out["peak_after"]["peak_gflops"])
        for r in out["indexing"].values():
            if r.get("encoder_gflops"):
                r["encoder_fraction_of_matmul_peak"] = round(r["encoder_gflops"] / peak, 3)

        base_snap = snaps.get("cooperation") or snaps.get("bundled") or next(iter(snaps.values()))
        real = np.concatenate([s.vectors.vectors(s.vectors.ids()) for s in snaps.values()])
        storages = ["float32"] + (["float16"] if args.mode != "smoke" else []) + (["pq"] if args.pq else [])
        if args.hnsw:
            _EXTRA.add("hnsw")
        if args.sizes:
            print("vector search ...", flush=True)
            out["vector_search"] = bench_vector_search(args.sizes, real, args.queries, tmp, storages, args.nprobes)
        if args.e2e_sizes:
            print("end to end ...", flush=True)
            out["end_to_end"] = bench_end_to_end(base_snap, args.e2e_sizes, tmp, args.rounds)
        name = next((c for c in ("cooperation", "bundled") if c in snaps), None)
        if not args.no_cold and name:
            print("cold start ...", flush=True)
            out["cold_start"] = cold_start(corpora[name], tmp / f"index-{name}", args.cold_repeat, args.cold_encoders)
        if args.encoder_check:
            texts = [c.text for c in sorted(base_snap.chunks.values(), key=lambda c: c.id)][:128]
            print("encoder engines ...", flush=True)
            out["encoder_check"] = encoder_check(texts)
        out["peak_rss_mb"] = round(__import__("resource").getrusage(__import__("resource").RUSAGE_SELF).ru_maxrss / 1024, 1)
        out["load_avg_at_end"] = list(os.getloadavg())
        out["summary"] = summarize(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def summarize(out: dict) -> list[dict]:
    rows = []

    def add(metric, value, target=None, better="lower"):
        ok = None
        if target is not None and value is not None:
            ok = value <= target if better == "lower" else value >= target
        rows.append({"metric": metric, "value": value, "target": target, "ok": ok})

    for name, r in out.get("indexing", {}).items():
        if "chunks" in r:
            add(f"index {name}: docs/s | chunks/s | tokens/s", f"{r['docs_per_s']} | {r['chunks_per_s']} | {r['tokens_per_s']}")
            add(f"index {name}: build / encode-only", r["build_over_encode"], TARGETS["build_over_encode_coop"] if name == "cooperation" else None)
            if r.get("build_over_st_encode"):
                add(
                    f"index {name}: build / plain sentence-transformers encode",
                    r["build_over_st_encode"],
                    TARGETS["build_over_encode_coop"] if name == "cooperation" else None,
                )
            if r.get("serial_build_over_encode"):
                add(f"index {name}: build / encode-only without read-ahead (same run)", r["serial_build_over_encode"])
            add(f"index {name}: encoder GFLOP/s (share of matmul peak)", f"{r['encoder_gflops']} ({r.get('encoder_fraction_of_matmul_peak')})")
            add(f"index {name}: peak RSS growth MB / corpus MB / index MB", f"{r['peak_rss_growth_mb']} / {r['corpus_mb']} / {r['index_mb']}")
    for row in out.get("rss_scaling", []):
        if "chunks" in row:
            add(
                f"indexing x{row['copies']} ({row['docs']} docs, {row['chunks']} chunks): peak RSS growth MB / index MB",
                f"{row['peak_rss_growth_mb']} / {row['index_mb']}",
            )
    for row in out.get("vector_search", []):
        n = row["n"]
        ann = row.get("ivf_float32")
        chosen = ann["default"] if ann else row["flat"]
        tgt = TARGETS["search_p50_ms_100k"] if n == 100_000 else TARGETS["search_p50_ms_1m"] if n == 1_000_000 else None
        add(f"vector search n={n}: exact p50/p95 ms", f"{row['flat']['p50_ms']} / {row['flat']['p95_ms']}")
        if ann:
            add(f"vector search n={n}: IVF (nprobe {ann['default_nprobe']}/{ann['nlist']}) p50 ms", chosen["p50_ms"], tgt)
            add(f"vector search n={n}: IVF recall@10", chosen["recall_at_10"], TARGETS["ann_recall_at_10"], better="higher")
        for st in ("float16", "pq"):
            if f"ivf_{st}" in row and row[f"ivf_{st}"]["default"]:
                d = row[f"ivf_{st}"]
                add(
                    f"vector search n={n}: IVF-{st} recall@10 / p50 ms / disk MB",
                    f"{d['default']['recall_at_10']} / {d['default']['p50_ms']} / {d['disk_mb']} (flat {row['flat']['disk_mb']})",
                )
    for row in out.get("end_to_end", []):
        add(f"search() n={row['n']} p50/p95 ms ({row['backend']})", f"{row['search']['p50_ms']} / {row['search']['p95_ms']}")
        if "ask" in row and "p50_ms" in row["ask"]:
            add(
                f"ask() n={row['n']} p50 ms (p95 {row['ask']['p95_ms']})",
                row["ask"]["p50_ms"],
                TARGETS["ask_p50_ms_10k"] if row["n"] == 10_000 else None,
            )
    for name, r in out.get("cold_start", {}).items():
        if "median_s" in r:
            add(
                f"cold start `assistant {name.replace('_', '` (')})",
                r["median_s"],
                TARGETS["cold_ask_s"] if name.startswith(("ask", "search")) and "torch" not in name else None,
            )
        elif "page_ready_s" in r:
            add("cold start `assistant serve` page ready s", r["page_ready_s"])
    if "encoder_check" in out:
        e = out["encoder_check"]
        add("encoder: torch time / onnx time (same texts)", e["torch_over_onnx"])
        add("encoder: onnx vs torch max |diff|", e["max_abs_diff"])
    add("peak RSS MB (whole run)", out.get("peak_rss_mb"))
    return rows


def print_table(rows: list[dict]) -> None:
    w = max(len(r["metric"]) for r in rows)
    print(f"\n{'metric':<{w}}  {'value':>24}  {'target':>8}  ok")
    for r in rows:
        ok = "" if r["ok"] is None else ("yes" if r["ok"] else "NO")
        tgt = "" if r["target"] is None else str(r["target"])
        print(f"{r['metric']:<{w}}  {str(r['value']):>24}  {tgt:>8}  {ok}")


def _int_list(s: str) -> list[int]:
    return [int(x.replace("_", "")) for x in s.split(",") if x.strip()]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quick", dest="mode", action="store_const", const="quick", help="smaller sizes and corpora")
    g.add_argument("--smoke", dest="mode", action="store_const", const="smoke", help="the CI smoke version")
    p.set_defaults(mode="full")
    p.add_argument("--out", type=Path, help="JSON output (default benchmarks/results/speed[-MODE].json)")
    p.add_argument("--sizes", type=_int_list, help="vector-search sizes, comma-separated ('' skips the part)")
    p.add_argument("--e2e-sizes", type=_int_list, help="search()/ask() sizes ('' skips the part)")
    p.add_argument("--financebench-docs", type=int, help="only the first N FinanceBench PDFs (default: all; --quick: 2)")
    p.add_argument("--pq", action="store_true", help="also measure IVF-PQ storage")
    p.add_argument("--hnsw", action="store_true", help="also measure FAISS HNSW (comparison only)")
    p.add_argument("--no-cold", action="store_true", help="skip the cold-start subprocess runs")
    p.add_argument(
        "--corpora",
        type=lambda s: [x for x in s.split(",") if x],
        help="index only these of bundled,cooperation,financebench (the first indexed one feeds the search parts)",
    )
    p.add_argument("--no-encoder-check", action="store_true", help="skip the ONNX vs PyTorch comparison")
    p.add_argument("--compare-serial", action="store_true", help="also time each build without document read-ahead (same run)")
    p.add_argument("--build-copies", type=int, default=0, help="also time one build of the cooperation docs copied N times (29: ~10k chunks)")
    p.add_argument(
        "--rss-scaling",
        type=_int_list,
        default=[],
        help="also index k copies of the cooperation docs (e.g. 1,2,4), each in a fresh process, for peak RSS vs corpus size",
    )
    a = p.parse_args(argv)
    smoke, quick = a.mode == "smoke", a.mode == "quick"
    # an explicit empty list ("--sizes ''") skips that part
    a.sizes = (
        a.sizes if a.sizes is not None else ([1_000, 10_000] if smoke else [1_000, 10_000, 100_000] if quick else [1_000, 10_000, 100_000, 1_000_000])
    )
    a.e2e_sizes = a.e2e_sizes if a.e2e_sizes is not None else ([1_000] if smoke else [1_000, 10_000])
    if a.financebench_docs is None and quick:
        a.financebench_docs = 2
    a.queries = 50 if smoke else 200
    a.repeat = 1 if smoke else 2
    a.rounds = 1 if smoke else 3
    a.cold_repeat = 1 if smoke else 3
    a.cold_encoders = ["auto"] if smoke else ["auto", "torch"]
    a.encoder_check = not smoke and not a.no_encoder_check
    a.nprobes = [4, 8, 16, 32] if smoke else [4, 8, 16, 32, 64, 128]
    return a


def main(argv=None) -> int:
    args = parse_args(argv)
    out = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = args.out or RESULTS / ("speed.json" if args.mode == "full" else f"speed-{args.mode}.json")
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(out, indent=1, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    print_table(out["summary"])
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
