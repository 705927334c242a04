"""Smoke versions of the speed and reader benchmarks: they run, and their numbers are sane.

The full benchmark is not part of the test run; this checks the harness end to end on the
bundled corpus and small synthetic indexes in well under two minutes.
"""

from __future__ import annotations

import json

import pytest

from benchmarks import reader_bench, speed

from conftest import SHARED, needs_shared, require_milvus


@pytest.mark.timeout(300)
def test_speed_smoke(tmp_path):
    out_path = tmp_path / "speed-smoke.json"
    assert speed.main(["--smoke", "--no-cold", "--out", str(out_path)]) == 0
    out = json.loads(out_path.read_text())
    idx = out["indexing"]["bundled"]
    assert idx["chunks"] > 0 and idx["tokens"] > idx["chunks"]
    assert idx["build_s"] > 0 and idx["encode_only_s"] > 0
    assert 0 < idx["encoder_gflops"] < 10 * out["peak_before"]["peak_gflops"] + 1000
    assert [r["n"] for r in out["vector_search"]] == [1_000, 10_000]
    ivf = out["vector_search"][1]["ivf_float32"]
    assert ivf["by_nprobe"] and max(v["recall_at_10"] for v in ivf["by_nprobe"].values()) >= 0.9
    assert out["end_to_end"][0]["search"]["p50_ms"] > 0
    assert out["summary"]


@needs_shared(SHARED / "train" / "squad2.0-dev")
@pytest.mark.timeout(300)
def test_reader_bench_smoke(tmp_path):
    """The shipped reader on one held-out SQuAD 2.0 article, scored by the official script."""
    out_path = tmp_path / "reader-smoke.json"
    assert reader_bench.main(["--only", "squad", "--squad-articles", "1", "--out", str(out_path)]) == 0
    s = json.loads(out_path.read_text())["squad"]
    assert s["articles"] == 1 and s["questions"] > 50
    # the scorer ran on real predictions; the full run's figures are in docs/answering.md
    assert s["f1"] > 40 and s["HasAns_f1"] > 60 and 0 < s["NoAns_accuracy"] < 100


@pytest.mark.timeout(300)
def test_milvus_bench_smoke(tmp_path):
    """Both backends on the bundled corpus and 2,000 vectors in Milvus Lite: same answers, sane figures."""
    require_milvus()
    from benchmarks import milvus_bench

    out_path = tmp_path / "milvus-smoke.json"
    assert milvus_bench.main(["--smoke", "--out", str(out_path)]) == 0
    out = json.loads(out_path.read_text())
    q = out["quality"]
    assert q["faiss"]["chunks"] == q["milvus"]["chunks"] > 0 and q["milvus"]["store"] == "MilvusStore"
    assert q["answers"]["identical"] == q["answers"]["questions"] > 0
    s = out["scale"][0]
    assert s["n"] == 2000 and s["milvus_lite"]["recall_at_10"] >= 0.9 and s["milvus_lite"]["p50_ms"] > 0
