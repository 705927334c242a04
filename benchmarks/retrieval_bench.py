"""Retrieval benchmark: dense, BM25 and hybrid side by side on three kinds of corpus.

    .venv/bin/python -m benchmarks.retrieval_bench            # full run, writes benchmarks/results/retrieval.json
    .venv/bin/python -m benchmarks.retrieval_bench --quick    # cooperation + ClapNQ only (no FinanceBench)

Corpora (read in place from ``../shared/eval``; indexes are built in a cache folder,
``$RETRIEVAL_BENCH_CACHE`` or ``/tmp/retrieval-bench``, never in the repository):

* **cooperation** — the 19 cooperation documents plus the three seeds in ``docs_corpus/``;
  questions in ``benchmarks/questions/coop_questions.jsonl`` (written for this benchmark:
  paraphrased analyst questions with a gold document and the words the answer must contain;
  ``gold_doc: null`` marks an unanswerable question).
  *R@1*: a chunk of the gold document is ranked first. *strict R@5*: a chunk of the gold
  document that contains every answer word is in the top 5.
* **ClapNQ** — 597 Wikipedia passages written as Markdown files (title in the front matter);
  ``dev`` for tuning, ``test`` for reporting. R@k: the gold passage is in the top k.
* **FinanceBench** — 26 long SEC filings (PDF); the evidence page must be among the pages
  of the top 5 chunks, searching all filings at once (``page R@5``) and within the filing
  the question names (``page R@5 (doc)``).

Latency is the wall time of ``Retriever.run`` including the query embedding (p50/p95 over
all questions), measured on a shared 2-core machine: noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import assistant  # noqa: F401  (offline environment first)
from assistant.encode import Embedder
from assistant.index.builder import Indexer
from assistant.index.lexical import LexicalIndex, lexical_text
from assistant.index.snapshot import IndexSnapshot
from assistant.retrieve import Retriever
from assistant.settings import MODEL_NAME, ChunkSettings, FusionSettings, Settings

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
COOP_DOCS = EVAL / "cooperation_docs"
CLAPNQ = EVAL / "clapnq"
FINBENCH = EVAL / "financebench"
SEEDS = ROOT / "docs_corpus"
QUESTIONS = Path(__file__).resolve().parent / "questions" / "coop_questions.jsonl"
# Written before any tuning and never used to choose settings: reported apart, as a check
# that gains on QUESTIONS carry over to questions of the same kind.
HOLDOUT = Path(__file__).resolve().parent / "questions" / "coop_questions_holdout.jsonl"
RESULTS = Path(__file__).resolve().parent / "results" / "retrieval.json"
CACHE = Path(os.environ.get("RETRIEVAL_BENCH_CACHE", "/tmp/retrieval-bench"))
MODES = ("dense", "bm25", "hybrid")


# --------------------------------------------------------------------------- corpora


def _copy_tree(pairs: list[tuple[Path, str]], dst: Path) -> None:
    if dst.is_dir() and sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*") if p.is_file()) == sorted(n for _, n in pairs):
        return
    shutil.rmtree(dst, ignore_errors=True)
    for src, name in pairs:
        out = dst / name
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, out)


def coop_corpus() -> Path:
    pairs = [(p, p.relative_to(COOP_DOCS).as_posix()) for p in sorted(COOP_DOCS.rglob("*.md"))]
    pairs += [(p, "seeds/" + p.name) for p in sorted(SEEDS.glob("*.md")) if p.name != "README.md"]
    dst = CACHE / "corpora" / "coop"
    _copy_tree(pairs, dst)
    return dst


def clapnq_corpus() -> Path:
    dst = CACHE / "corpora" / "clapnq"
    marker = dst / ".done"
    if not marker.exists():
        shutil.rmtree(dst, ignore_errors=True)
        dst.mkdir(parents=True)
        for line in open(CLAPNQ / "passages.jsonl", encoding="utf-8"):
            p = json.loads(line)
            title = p["title"].replace('"', "'")
            (dst / f"{p['id']}.md").write_text(f'---\ntitle: "{title}"\n---\n{p["text"]}\n', encoding="utf-8")
        marker.touch()
    return dst


def finbench_corpus() -> Path:
    pairs = [(p, p.name) for p in sorted((FINBENCH / "pdfs").glob("*.pdf"))]
    dst = CACHE / "corpora" / "financebench"
    _copy_tree(pairs, dst)
    return dst


def build_index(name: str, corpus: Path, chunking: ChunkSettings, embedder: Embedder) -> IndexSnapshot:
    """Index ``corpus`` under the cache (incremental; one folder per chunk setting)."""
    tag = f"{chunking.max_tokens}-{chunking.overlap_tokens}-{int(chunking.title_in_embedding)}"
    if embedder.model_name != MODEL_NAME:
        tag += "-" + Path(embedder.model_name).name
    settings = Settings(chunking=chunking)
    report, snap = Indexer(corpus, CACHE / "indexes" / f"{name}-{tag}", settings, embedder).run()
    if report.changed:
        print(f"  [{name}] {report.summary().splitlines()[-1]}", file=sys.stderr)
    # Rebuild BM25 in memory so the benchmark always measures the current tokenizer.
    ordered = sorted(snap.chunks.values(), key=lambda c: c.id)
    dates = {s: r.date for s, r in snap.documents.items()}
    snap.lexical = LexicalIndex.build([c.id for c in ordered], [lexical_text(c, dates.get(c.source)) for c in ordered])
    return snap


# --------------------------------------------------------------------------- questions


def load_coop_questions(path: Path = QUESTIONS) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def load_clapnq(split: str) -> list[dict]:
    return [json.loads(line) for line in open(CLAPNQ / f"{split}.jsonl", encoding="utf-8") if line.strip()]


def load_finbench() -> list[dict]:
    return [json.loads(line) for line in open(FINBENCH / "questions.jsonl", encoding="utf-8") if line.strip()]


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")).lower()


def _contains_all(text: str, words: list[str]) -> bool:
    t = _norm(text)
    return all(_norm(w) in t for w in words)


# --------------------------------------------------------------------------- evaluation


_QV: dict[str, object] = {}  # query vectors, when reuse_vectors is on (tuning loops)


def _run(snap, embedder, questions, mode, fusion, k, where_of=None, reuse_vectors=False):
    """Yields (question, passages, seconds); timing includes the query embedding unless
    ``reuse_vectors`` (used by tuning loops, which do not report latency)."""
    r = Retriever(snap, embedder, replace(fusion, mode=mode))
    for q in questions:
        where = where_of(q) if where_of else None
        qv = None
        if reuse_vectors:
            qv = _QV.get(q["question"])
            if qv is None:
                qv = _QV[q["question"]] = embedder.encode_queries([q["question"]])[0]
        t0 = time.perf_counter()
        hits = r.run(q["question"], k, where, query_vector=qv)
        yield q, hits, time.perf_counter() - t0


def _latency(times: list[float]) -> dict:
    ms = sorted(t * 1000 for t in times)
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1)}


def eval_coop(snap, embedder, fusion, modes=MODES, verbose=False, reuse_vectors=False, path: Path = QUESTIONS) -> dict:
    qs = load_coop_questions(path)
    out = {}
    for mode in modes:
        r1 = r5 = n = 0
        top_ans, top_unans, times, misses = [], [], [], []
        for q, hits, dt in _run(snap, embedder, qs, mode, fusion, 5, reuse_vectors=reuse_vectors):
            times.append(dt)
            if not q.get("gold_doc"):
                top_unans.append(hits[0].score if hits else 0.0)
                continue
            n += 1
            gold = q["gold_doc"] if isinstance(q["gold_doc"], list) else [q["gold_doc"]]
            ok1 = bool(hits) and any(hits[0].source.endswith(g) for g in gold)
            ok5 = any(any(h.source.endswith(g) for g in gold) and _contains_all(h.text, q["answer_words"]) for h in hits[:5])
            r1 += ok1
            r5 += ok5
            top_ans.append(hits[0].score if hits else 0.0)
            if not (ok1 and ok5):
                misses.append(
                    {"id": q["id"], "question": q["question"], "r1": ok1, "r5": ok5, "top": [h.source.split("/")[-1][:50] for h in hits[:3]]}
                )
        out[mode] = {
            "n": n,
            "R@1": round(r1 / n, 3),
            "strict_R@5": round(r5 / n, 3),
            "unanswerable": len(top_unans),
            **_latency(times),
            "misses": misses,
        }
        if verbose:
            for m in misses:
                print(f"   miss[{mode}] {m}", file=sys.stderr)
    return out


def eval_clapnq(snap, embedder, fusion, split, modes=MODES, verbose=False, reuse_vectors=False) -> dict:
    qs = load_clapnq(split)
    out = {}
    for mode in modes:
        r1 = r5 = a1 = a5 = na = 0
        times, misses = [], []
        for q, hits, dt in _run(snap, embedder, qs, mode, fusion, 20, reuse_vectors=reuse_vectors):
            times.append(dt)
            seen: list[str] = []
            for h in hits:
                pid = Path(h.source).stem
                if pid not in seen:
                    seen.append(pid)
            ok1 = bool(seen) and seen[0] == q["gold_passage"]
            ok5 = q["gold_passage"] in seen[:5]
            r1 += ok1
            r5 += ok5
            if q.get("answerable"):
                na += 1
                a1 += ok1
                a5 += ok5
            if not ok1:
                misses.append(
                    {
                        "id": q["id"],
                        "question": q["question"],
                        "answerable": q.get("answerable"),
                        "r5": ok5,
                        "rank": seen.index(q["gold_passage"]) + 1 if q["gold_passage"] in seen else None,
                    }
                )
        n = len(qs)
        # Headline: answerable questions, whose gold passage holds the answer. For the
        # unanswerable half the gold passage is one on-topic passage *without* the answer,
        # and other on-topic passages are as good a hit; reported as R@k (all).
        out[mode] = {
            "n": na,
            "R@1": round(a1 / na, 3),
            "R@5": round(a5 / na, 3),
            "n_all": n,
            "R@1_all": round(r1 / n, 3),
            "R@5_all": round(r5 / n, 3),
            **_latency(times),
            "misses": misses,
        }
        if verbose:
            for m in misses:
                print(f"   miss[{mode}] {m}", file=sys.stderr)
    return out


def eval_finbench(snap, embedder, fusion, modes=MODES, reuse_vectors=False) -> dict:
    qs = load_finbench()
    out = {}
    for mode in modes:
        res = {}
        for label, where_of in (("all filings", None), ("named filing", lambda q: {"source": q["doc_name"] + ".pdf"})):
            hit = 0
            times = []
            for q, hits, dt in _run(snap, embedder, qs, mode, fusion, 5, where_of, reuse_vectors=reuse_vectors):
                times.append(dt)
                gold = {(e["doc_name"] + ".pdf", int(e["page"])) for e in q["evidence"]}
                hit += any((h.source, h.page) in gold for h in hits[:5])
            res[label] = {"page_R@5": round(hit / len(qs), 3), **_latency(times)}
        out[mode] = {
            "n": len(qs),
            "page_R@5": res["all filings"]["page_R@5"],
            "page_R@5_doc": res["named filing"]["page_R@5"],
            "p50_ms": res["all filings"]["p50_ms"],
            "p95_ms": res["all filings"]["p95_ms"],
        }
    return out


# --------------------------------------------------------------------------- report


def table(results: dict) -> str:
    rows = ["| corpus | metric | dense | BM25 | hybrid |", "|---|---|---|---|---|"]
    for name, metrics in (
        ("cooperation (%d q)", ("R@1", "strict_R@5", "p50_ms")),
        ("cooperation holdout (%d q)", ("R@1", "strict_R@5")),
        ("ClapNQ dev (%d answerable q)", ("R@1", "R@5", "R@1_all", "R@5_all", "p50_ms")),
        ("ClapNQ test (%d answerable q)", ("R@1", "R@5", "R@1_all", "R@5_all", "p50_ms")),
        ("FinanceBench (%d q)", ("page_R@5", "page_R@5_doc", "p50_ms")),
    ):
        key = name.split(" (")[0]
        res = results.get(key)
        if not res:
            continue
        label = name % res["hybrid"]["n"]
        for m in metrics:
            vals = [res[mode].get(m, "") for mode in MODES]
            fmt = [f"{v:.3f}" if isinstance(v, float) and m != "p50_ms" else f"{v}" for v in vals]
            name_m = m.replace("_all", f" (all {res['hybrid'].get('n_all', 0)} q)").replace("_", " ")
            rows.append(f"| {label} | {name_m} | " + " | ".join(fmt) + " |")
            label = ""
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="cooperation + ClapNQ only (skip FinanceBench)")
    ap.add_argument("--max-tokens", type=int, default=None, help="chunk size to evaluate (default: ChunkSettings)")
    ap.add_argument("--overlap", type=int, default=None, help="chunk overlap to evaluate (default: ChunkSettings)")
    ap.add_argument("--verbose", action="store_true", help="print every miss")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON results")
    args = ap.parse_args(argv)

    cs = ChunkSettings()
    if args.max_tokens:
        cs = replace(cs, max_tokens=args.max_tokens)
    if args.overlap is not None:
        cs = replace(cs, overlap_tokens=args.overlap)
    fusion = FusionSettings()
    embedder = Embedder.shared()
    t0 = time.time()
    results: dict = {"chunking": asdict(cs), "fusion": asdict(fusion)}

    snap = build_index("coop", coop_corpus(), cs, embedder)
    results["cooperation"] = eval_coop(snap, embedder, fusion, verbose=args.verbose)
    results["cooperation holdout"] = eval_coop(snap, embedder, fusion, verbose=args.verbose, path=HOLDOUT)
    snap = build_index("clapnq", clapnq_corpus(), cs, embedder)
    results["ClapNQ dev"] = eval_clapnq(snap, embedder, fusion, "dev", verbose=args.verbose)
    results["ClapNQ test"] = eval_clapnq(snap, embedder, fusion, "test")
    if not args.quick:
        snap = build_index("financebench", finbench_corpus(), cs, embedder)
        results["FinanceBench"] = eval_finbench(snap, embedder, fusion)
    results["seconds"] = round(time.time() - t0, 1)
    print(table(results))
    if not args.quick or args.out != RESULTS:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
