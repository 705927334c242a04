"""Question sets for ``assistant eval``, in three formats:

* ClapNQ (``../shared/eval/clapnq/*.jsonl``): ``{id, question, answerable, gold_passage,
  answer?, supporting_sentences?}``; its ``passages.jsonl`` is written out as one text file
  per passage (title on the first line) into a cache folder and indexed there.
* Our own: ``{"question", "answer_contains": [...], "source"}`` or ``{"question",
  "unanswerable": true}``, asked against ``--corpus``.
* The cooperation benchmark's (``benchmarks/questions/coop_*.jsonl``): ``{"question",
  "gold_doc": name or [names] or null, "answer_words": [...], "kind"}``; a gold document
  matches a cited source that ends with its name (the corpus keeps sub-folders).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class EvalQuestion:
    question: str
    answerable: bool
    gold_source: str | list[str] | None = None
    answer_contains: list[str] = field(default_factory=list)
    supporting: list[str] = field(default_factory=list)
    id: str = ""


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def is_clapnq(rows: list[dict]) -> bool:
    return bool(rows) and "gold_passage" in rows[0]


def parse_questions(rows: list[dict]) -> list[EvalQuestion]:
    out = []
    for r in rows:
        if "gold_passage" in r:
            out.append(
                EvalQuestion(
                    r["question"],
                    bool(r.get("answerable")),
                    f"{r['gold_passage']}.txt",
                    supporting=list(r.get("supporting_sentences") or []),
                    id=str(r.get("id", "")),
                )
            )
        elif "gold_doc" in r:
            out.append(
                EvalQuestion(
                    r["question"],
                    r.get("kind") != "unanswerable" and r.get("gold_doc") is not None,
                    r.get("gold_doc"),
                    list(r.get("answer_words") or []),
                    id=str(r.get("id", "")),
                )
            )
        else:
            unans = bool(r.get("unanswerable"))
            out.append(
                EvalQuestion(
                    r["question"],
                    not unans,
                    r.get("source"),
                    list(r.get("answer_contains") or []),
                    id=str(r.get("id", "")),
                )
            )
    return out


def clapnq_corpus(passages: Path, cache_dir: Path) -> Path:
    """Write ClapNQ passages as ``<id>.txt`` files (title, blank line, text) once, under
    ``cache_dir`` (``Settings.cache_dir``); return the folder."""
    digest = hashlib.sha256(passages.read_bytes()).hexdigest()[:12]
    folder = Path(cache_dir) / f"clapnq-{digest}" / "corpus"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for p in read_jsonl(passages):
        (folder / f"{p['id']}.txt").write_text(f"{p['title']}\n\n{p['text']}\n", encoding="utf-8")
    done.write_text("ok")
    return folder
