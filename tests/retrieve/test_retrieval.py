"""Retrieval quality: hybrid fusion, names, numbers, dates, filters, sentence evidence.

Fast tests index the three seeds plus two cooperation statements that cover the same kind of
summit a year apart (2021 and 2022). The slow test runs the quick benchmark
(``benchmarks.retrieval_bench --quick``) and checks the measured levels.
"""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pytest

from conftest import BUNDLED, EVAL, needs_shared

COOP = EVAL / "cooperation_docs" / "korea_us"
S2021 = "2021-05-21-u-s-rok-leaders-joint-statement.md"
S2022 = "2022-05-21-united-states-republic-of-korea-leaders-joint-statement.md"
DIALOGUE = "2023-12-09_first-korea-us-next-generation-technologies-dialogue.md"
STANFORD = "2023-11-17_trade-minister-stanford-meeting-and-joint-rnd-mous.md"
MINISTER = "2024-11-15_science-minister-plans-talks-with-incoming-trump-administration.md"


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    from assistant import Assistant

    if not (COOP / S2021).exists():
        pytest.skip("shared cooperation documents not available")
    base = tmp_path_factory.mktemp("retrieval")
    corpus = base / "corpus"
    shutil.copytree(BUNDLED, corpus)
    for name in (S2021, S2022):
        shutil.copy(COOP / name, corpus / name)
    return Assistant(corpus_dir=corpus, index_dir=base / "index")


def _top(bot, q, mode="hybrid", k=5, where=None):
    from assistant.retrieve import Retriever

    return Retriever(bot.snapshot, bot.embedder, replace(bot.settings.retrieval, mode=mode)).run(q, k, where)


QUESTIONS = [
    ("Which Korean agency put its name to a memorandum with Stanford?", STANFORD, "KIAT"),
    ("By how much does the trade minister want to raise support for joint research with other countries?", STANFORD, "60 percent"),
    ("Who signed robotics agreements with KEIT?", STANFORD, "MassRobotics"),
    ("How much funding is promised for bioeconomy research cooperation?", DIALOGUE, "$10 million"),
    ("Which American institute will work on next-generation quantum computers with KRISS?", DIALOGUE, "NIST"),
    ("What annual budget do government-funded research institutes receive according to Yoo Sang-im?", MINISTER, "5 trillion won"),
    ("How much will Korea give for development cooperation in the Northern Triangle?", S2021, "$220 million"),
]


def test_hybrid_finds_the_passage_and_beats_dense(bot):
    hybrid = dense = 0
    for q, source, words in QUESTIONS:
        h = _top(bot, q)
        ok = h[0].source == source and any(words in p.text for p in h[:5])
        assert ok, (q, [p.source for p in h])
        hybrid += ok
        d = _top(bot, q, "dense")
        dense += d[0].source == source and any(words in p.text for p in d[:5])
    assert hybrid >= dense


@pytest.mark.parametrize("name", ["Cho Tae-yong", "Cho Taeyong", "Cho Tae Yong"])
def test_romanised_names_match_with_or_without_hyphen(bot, name):
    hits = _top(bot, f"What did {name} say in his opening remarks?")
    assert hits[0].source == DIALOGUE
    assert "Cho" in hits[0].text


def test_tokenizer_keeps_names_and_numbers():
    from assistant.text.keywords import query_tokens, tokenize

    assert "taeyong" in tokenize("Cho Tae-yong") and {"tae", "yong"} <= set(tokenize("Cho Tae-yong"))
    assert tokenize("60%") == tokenize("60 percent")
    assert "3000" in tokenize("3,000 jobs") and "2.5" in tokenize("$2.5 billion")
    assert {"5g", "6g"} <= set(tokenize("5G and 6G")) and "2022" in tokenize("FY2022")
    assert "mou" in tokenize("three MOUs were signed") and "u" not in tokenize("the US side")  # an acronym's plural
    assert query_tokens("What did KIAT sign?") == ["kiat", "sign"]


def test_numbers_in_questions(bot):
    hits = _top(bot, "Which plan raises support by 60% next year?")
    assert hits[0].source == STANFORD and "60 percent" in hits[0].text
    hits = _top(bot, "what is the $10 million for")
    assert hits[0].source == DIALOGUE and "$10 million" in hits[0].text


@pytest.mark.parametrize(
    "question, source",
    [
        ("What did the May 2021 summit statement say about the Artemis Accords?", S2021),
        ("What did the 2022 summit statement say about the Artemis program?", S2022),
        ("In the 2022 leaders' statement, what was agreed on Open-RAN for 5G and 6G?", S2022),
        ("In the 2021 leaders' statement, what was agreed on Open-RAN for 5G and 6G?", S2021),
    ],
)
def test_year_in_question_prefers_that_years_document(bot, question, source):
    assert _top(bot, question)[0].source == source


def test_query_dates():
    from assistant.text.dates import query_dates

    assert query_dates("the May 2021 summit") == ({"2021"}, {5})
    assert query_dates("what may happen in 2022") == ({"2022"}, set())
    assert query_dates("a $2021 budget, 60 percent") == (set(), set())


def test_where_filters(bot):
    hits = _top(bot, "Artemis", k=10, where={"source": "2021-*"})
    assert hits and all(h.source == S2021 for h in hits)
    hits = _top(bot, "Artemis", k=10, where={"date_from": "2022-01-01", "date_to": "2022-12-31"})
    assert hits and all(h.source == S2022 for h in hits)
    assert _top(bot, "Artemis", where={"file_type": "pdf"}) == []
    assert bot.search("KIAT", k=3, where={"source": [STANFORD]})[0].source == STANFORD
    with pytest.raises(ValueError):
        bot.search("KIAT", where={"author": "x"})


def test_old_keyword_index_is_rebuilt(tmp_path):
    import json

    from assistant.index.lexical import LexicalIndex

    idx = LexicalIndex.build([1, 2], ["alpha beta", "gamma"])
    idx.save(tmp_path)
    assert len(LexicalIndex.load(tmp_path)) == 2
    (tmp_path / "tokenizer.json").write_text(json.dumps({"version": 1}))
    with pytest.raises(ValueError, match="tokenizer"):
        LexicalIndex.load(tmp_path)


def test_acronyms_are_harvested_from_the_texts_and_match_both_ways():
    from assistant.index.lexical import LexicalIndex, harvest_acronyms

    texts = [
        "NIST will sign an MOU with the Korean Agency for Technology and Standards (KATS).",
        "The National Institute of Standards and Technology (NIST) leads the quantum work.",
        "The Korean Agency for Technology and Standards hosted the meeting in Seoul.",
        "Standards bodies from several countries met on technology policy.",
    ]
    acr = harvest_acronyms(texts)
    assert acr["KATS"] == [("korean", "agenc", "technolog", "standard")]
    assert "MOU" not in acr  # used, never defined here
    idx = LexicalIndex.build([1, 2, 3, 4], texts)
    # the acronym finds the spelled-out form and vice versa; generic words alone score nothing
    s = idx.scores("KATS")
    assert s[2] > 0 and s[1] == s[3] == 0
    assert idx.scores("National Institute of Standards and Technology")[0] > 0  # text 0 says only "NIST"


def test_word_pairs_prefer_the_name_over_scattered_words():
    from assistant.index.lexical import LexicalIndex

    texts = [
        "Open networks matter; the RAN vendors were open about costs.",
        "They committed to Open RAN approaches for 5G.",
    ]
    idx = LexicalIndex.build([1, 2], texts)
    s = idx.scores("What about Open RAN?")
    assert s[1] > s[0]
    assert "nasa" in idx.query_terms("What is NASA's plan?") and "s" not in idx.query_terms("What is NASA's plan?")


def test_new_keyword_tokenizer_rebuilds_bm25_without_reembedding(bot, monkeypatch):
    """A tokenizer version change rebuilds BM25 from the stored chunk texts; the vectors are reused."""
    import json

    from assistant.index.snapshot import load_snapshot

    index_dir = bot.index_dir
    snap = load_snapshot(index_dir, None)
    tok = index_dir / "snapshots" / snap.name / "lexical" / "tokenizer.json"
    meta = json.loads(tok.read_text())
    try:
        tok.write_text(json.dumps({**meta, "version": 1}))
        again = load_snapshot(index_dir, None)
        assert len(again.lexical) == len(snap.lexical) and again.vectors is not None
        q = "Cho Tae-yong"
        assert (again.lexical.scores(q) == snap.lexical.scores(q)).all()
    finally:
        tok.write_text(json.dumps(meta))


@pytest.mark.slow
@needs_shared(EVAL / "clapnq")
def test_quick_benchmark_levels(tmp_path, monkeypatch):
    """Cooperation questions and ClapNQ test: hybrid at least as good as the better single retriever."""
    from benchmarks import retrieval_bench as rb

    monkeypatch.setattr(rb, "CACHE", tmp_path)
    out = tmp_path / "r.json"
    assert rb.main(["--quick", "--out", str(out)]) == 0
    import json

    res = json.loads(out.read_text())
    coop, clap = res["cooperation"], res["ClapNQ test"]
    assert coop["hybrid"]["R@1"] >= 0.93 and coop["hybrid"]["strict_R@5"] >= 0.95
    assert clap["hybrid"]["R@1"] >= 0.96 and clap["hybrid"]["R@5"] == 1.0
    for r in (coop, clap):
        assert r["hybrid"]["R@1"] >= max(r["dense"]["R@1"], r["bm25"]["R@1"])


@pytest.mark.parametrize("density", [0.0, 0.001, 0.05, 0.5])
def test_bm25_candidates_are_the_top_positive_scores(density):
    from assistant.retrieve.retriever import _top_positive

    rng = np.random.default_rng(7)
    scores = np.where(rng.random(20_000) < density, rng.random(20_000), 0.0).astype("float32")
    got = np.sort(scores[_top_positive(scores, 50)])
    want = np.sort(scores)[-50:]
    assert np.array_equal(got, want[want > 0])


def test_undated_file_is_dated_by_the_year_in_its_name(tmp_path):
    """FinanceBench-style names ("3M_2018_10K.pdf"): a question's year picks that filing."""
    from assistant import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "Annual report of Acme Corporation. Revenue grew and the company opened two new plants. Capital expenditure rose."
    for year in (2019, 2021):
        (corpus / f"ACME_{year}_annual.txt").write_text(body + "\n", encoding="utf-8")
    (corpus / "GLOBEX_2021_annual.txt").write_text(body.replace("Acme Corporation", "a manufacturer") + "\n", encoding="utf-8")
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    assert bot.search("What was Acme's capital expenditure in FY2021?", k=1)[0].source == "ACME_2021_annual.txt"
    assert bot.search("What was Acme's capital expenditure in FY2019?", k=1)[0].source == "ACME_2019_annual.txt"
    # the question names the company: its file beats an equally matching other company's
    assert bot.search("How did Globex capital expenditure change in 2021?", k=1)[0].source == "GLOBEX_2021_annual.txt"


def test_file_name_years_are_whole_tokens():
    from assistant.text.dates import FILE_YEAR

    assert FILE_YEAR.findall("AMCOR_2023Q2_10Q") == ["2023"] and FILE_YEAR.findall("3M_2018_10K") == ["2018"]
    assert FILE_YEAR.findall("b72019c1c0c") == []  # an id is not a year


def test_query_names_are_the_capitalised_words():
    from assistant.retrieve.documents import query_names
    from assistant.text.keywords import tokenize

    names = query_names("How does Boeing's effective tax rate in FY2022 compare?")
    assert set(tokenize("Boeing FY2022")) <= names and not names & set(tokenize("How effective tax rate compare"))
    assert query_names("which method of forecasting uses averages") == set()


def test_results_hold_at_most_one_chunk_per_pdf_page():
    """Neighbouring chunks of one page repeat its evidence; the next page is new evidence."""
    from types import SimpleNamespace

    from assistant.retrieve import Retriever
    from assistant.settings import FusionSettings

    pages = [("a.pdf", 1), ("a.pdf", 1), ("a.pdf", 2), ("b.md", None), ("b.md", None), ("a.pdf", 1), ("a.pdf", 3)]
    chunks = {i: SimpleNamespace(source=s, page=p) for i, (s, p) in enumerate(pages)}
    r = Retriever(SimpleNamespace(chunks=chunks), embedder=None, fusion=FusionSettings(per_page=1))
    ids = np.arange(len(pages))
    order = r._page_diverse(ids, np.arange(len(pages)), k=5)
    assert order[:5] == [0, 2, 3, 4, 6]  # unpaged documents keep every chunk
    assert sorted(order) == list(range(len(pages)))  # held-back chunks follow, none lost
