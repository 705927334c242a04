"""Search over the bundled corpus: the passage that answers comes first; API and CLI shapes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT

DIALOGUE = "2023-12-09_first-korea-us-next-generation-technologies-dialogue.md"
MINISTER = "2024-11-15_science-minister-plans-talks-with-incoming-trump-administration.md"
STANFORD = "2023-11-17_trade-minister-stanford-meeting-and-joint-rnd-mous.md"


@pytest.mark.parametrize(
    "question, source, words",
    [
        ("Who co-chaired the dialogue in Seoul?", DIALOGUE, ["Sullivan"]),
        ("How much money goes to bioeconomy research cooperation?", DIALOGUE, ["$10 million"]),
        ("Which institutes will work together on quantum computers?", DIALOGUE, ["NIST"]),
        ("What did the science minister say about the incoming Trump administration?", MINISTER, ["Trump"]),
        ("How much will international joint R&D support increase next year?", STANFORD, ["60 percent"]),
        ("Which organisation signed an MOU with Stanford?", STANFORD, ["KIAT"]),
        ("Which robotics organisation signed an agreement with KEIT?", STANFORD, ["MassRobotics"]),
    ],
)
def test_relevant_passage_comes_first(seed_bot, question, source, words):
    hits = seed_bot.search(question, k=5)
    assert hits[0].source == source
    assert any(all(w in h.text for w in words) for h in hits[:2])


def test_passage_fields(seed_bot):
    hits = seed_bot.search("semiconductor technology center", k=3)
    assert len(hits) == 3
    assert hits[0].score >= hits[1].score >= hits[2].score
    for h in hits:
        assert h.title and h.page is None and h.end > h.start
        assert h.text == (seed_bot.corpus_dir / h.source).read_text().split("---\n", 2)[2][h.start : h.end]


def test_empty_query_and_k(seed_bot):
    assert seed_bot.search("", k=5) == []
    assert len(seed_bot.search("Korea", k=2)) == 2


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_cli_index_and_search_json(tmp_path, corpus):
    idx = tmp_path / "cli-index"
    r = run_cli("index", "--corpus", str(corpus), "--index", str(idx))
    assert r.returncode == 0, r.stderr
    assert "3 added" in r.stdout
    r = run_cli("search", "Who co-chaired the dialogue?", "-k", "2", "--json", "--corpus", str(corpus), "--index", str(idx))
    assert r.returncode == 0, r.stderr
    hits = json.loads(r.stdout)
    assert len(hits) == 2 and hits[0]["source"] == DIALOGUE
    assert {"source", "title", "page", "text", "start", "end", "score"} <= hits[0].keys()
    r = run_cli("index", "--corpus", str(corpus), "--index", str(idx))
    assert "0 added, 0 updated, 0 removed, 3 unchanged" in r.stdout


def test_cli_errors_are_clear(tmp_path):
    r = run_cli("search", "x", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i"))
    assert r.returncode != 0 and "corpus folder not found" in r.stderr
    r = run_cli("--help")
    assert r.returncode == 0 and "index" in r.stdout and "search" in r.stdout


def test_module_level_search(monkeypatch, seed_bot):
    import assistant

    monkeypatch.setattr(assistant, "_default", seed_bot)
    hits = assistant.search("KIAT memorandum", k=1)
    assert hits[0].source == STANFORD
