"""A question that names its source finds that document among the indexed ones (title, publisher, date, address)."""

from __future__ import annotations

import time
from dataclasses import replace

from assistant.retrieve.sources import MIN_MATCH, SourceIndex, named_documents, source_match
from assistant.schema import DocumentRecord


def _rec(source, title, date, publisher=None, url=None):
    return DocumentRecord(
        source=source, size=1, mtime=0, sha256="", title=title, kind="md", chunk_ids=[], date=date, publisher=publisher, source_url=url
    )


DOCS = {
    r.source: r
    for r in [
        _rec(
            "a.md",
            "FACT SHEET: Republic of Korea State Visit to the United States",
            "2023-04-26",
            url="https://bidenwhitehouse.archives.gov/briefing-room/statements-releases/2023/04/26/fact-sheet-republic-of-korea-state-visit/",
        ),
        _rec("b.md", "Leaders' Joint Statement in Commemoration of the 70th Anniversary of the Alliance", "2023-04-26"),
        _rec(
            "c.md", "The 1st Korea-US Next-Generation Core and Emerging Technologies Dialogue Held", "2023-12-09", publisher="The Asia Business Daily"
        ),
        _rec("d.md", "U.S.-ROK Leaders' Joint Statement", "2021-05-21"),
    ]
}


def test_fact_sheet_by_month_and_visit():
    assert named_documents("the White House fact sheet on Yoon's April 2023 state visit", DOCS) == ["a.md"]


def test_joint_statement_by_anniversary():
    assert named_documents("the April 2023 joint statement marking the alliance's 70th anniversary", DOCS) == ["b.md"]


def test_publisher():
    assert named_documents("The Asia Business Daily", DOCS) == ["c.md"]


def test_a_year_that_disagrees_rules_a_document_out():
    assert source_match("the May 2021 joint statement", DOCS["b.md"]) == 0.0
    assert named_documents("the May 2021 joint statement", DOCS) == ["d.md"]


def test_nothing_named_nothing_preferred():
    assert named_documents("the Yonhap report", DOCS) == []
    assert named_documents(None, DOCS) == []


PHRASES = [
    "the White House fact sheet on Yoon's April 2023 state visit",
    "the April 2023 joint statement marking the alliance's 70th anniversary",
    "The Asia Business Daily",
    "the May 2021 joint statement",
    "the Yonhap report",
    "the 2021 statement",
    "bidenwhitehouse",
    "in April 2023",
]


def _scan(phrase, docs):
    """What ``SourceIndex`` replaces: every document scored with ``source_match``."""
    scored = sorted(((source_match(phrase, rec), src) for src, rec in docs.items()), reverse=True)
    if not scored or scored[0][0] < MIN_MATCH:
        return []
    return [src for s, src in scored if s >= scored[0][0] - 1e-9][:3]


def test_the_index_names_what_a_scan_of_every_document_names():
    many = {f"copy{i}/{src}": replace(rec, source=f"copy{i}/{src}") for i in range(40) for src, rec in DOCS.items()}
    for docs in (DOCS, many):
        index = SourceIndex(docs)
        for phrase in PHRASES:
            assert index.named(phrase) == _scan(phrase, docs), phrase


def test_naming_a_source_over_60k_documents_is_fast():
    """At 1M chunks (61k documents) scanning every document took 0.5-3 s per question."""
    docs = {f"copy{i}/{src}": replace(rec, source=f"copy{i}/{src}") for i in range(15_000) for src, rec in DOCS.items()}
    index = SourceIndex(docs)
    t = time.perf_counter()
    for phrase in PHRASES:
        index.named(phrase)
    assert (time.perf_counter() - t) / len(PHRASES) < 0.1
