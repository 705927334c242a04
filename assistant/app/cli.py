"""Command line: ``assistant index | search | ask | serve | eval``.

Every command takes ``--corpus`` and ``--index``; defaults come from ``Settings.from_env()``
(read once, in ``main``), and a flag overrides its variable. Failures print one clear line to
stderr and exit non-zero.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ..errors import AssistantError
from ..schema import KINDS
from ..settings import Settings


def _add_paths(p: argparse.ArgumentParser, s: Settings) -> None:
    p.add_argument("--corpus", type=Path, default=s.corpus_dir, metavar="DIR", help="documents folder (default: %(default)s)")
    p.add_argument("--index", type=Path, default=s.index_dir, metavar="DIR", help="index folder (default: %(default)s)")
    p.add_argument(
        "--store",
        choices=["faiss", "milvus"],
        default=s.store.backend,
        help="where vectors live (env ASSISTANT_STORE; default: %(default)s); switching moves them without re-embedding",
    )
    p.add_argument(
        "--milvus-uri",
        default=s.store.milvus_uri,
        metavar="URI",
        help="Milvus Lite file (*.db) or server (http://host:19530) for --store milvus (env ASSISTANT_MILVUS_URI; default: INDEX/milvus.db)",
    )


def _add_llm(p: argparse.ArgumentParser, s: Settings) -> None:
    p.add_argument(
        "--llm-url",
        default=s.llm.url,
        metavar="URL",
        help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (env ASSISTANT_LLM_URL); extractive answers if unset",
    )
    p.add_argument("--llm-model", default=s.llm.model, metavar="NAME", help="model name for that server (env ASSISTANT_LLM_MODEL)")
    p.add_argument(
        "--llm-timeout",
        type=float,
        default=s.llm.timeout_s,
        metavar="S",
        help="seconds to wait for the LLM before falling back to the extractive answer (default: %(default)s)",
    )


def build_parser(settings: Settings | None = None) -> argparse.ArgumentParser:
    """The argument parser; ``settings`` supplies the defaults (``Settings()`` if not given)."""
    s = settings or Settings()
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Ask questions about a folder of documents and get answers with citations (offline).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("index", help="build or update the index from the documents folder")
    _add_paths(p, s)
    p.add_argument("--rebuild", action="store_true", help="re-embed everything instead of updating incrementally")
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = sub.add_parser("search", help="show the passages that best match a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5, help="number of passages (default: %(default)s)")
    p.add_argument("--source", help="only documents whose path matches this glob")
    p.add_argument("--file-type", choices=list(KINDS), help="only this kind of document")
    p.add_argument("--date-from", metavar="YYYY-MM-DD", help="only documents dated on or after this day")
    p.add_argument("--date-to", metavar="YYYY-MM-DD", help="only documents dated on or before this day")
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_paths(p, s)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print JSON with text, grounded and citations")
    _add_paths(p, s)
    _add_llm(p, s)

    p = sub.add_parser("serve", help="start the chat UI in the browser")
    p.add_argument("--host", default=s.server.host, help="address to listen on (default: %(default)s)")
    p.add_argument("--port", type=int, default=s.server.port, help="port (default: %(default)s)")
    p.add_argument("--auth", default=s.server.auth, metavar="USER:PASSWORD", help="require this login (env ASSISTANT_AUTH)")
    p.add_argument("--share", action="store_true", help="also create a public Gradio share link (off by default)")
    _add_paths(p, s)
    _add_llm(p, s)

    p = sub.add_parser("eval", help="measure retrieval and answers on a question set")
    p.add_argument("questions", type=Path, help="JSONL file: ClapNQ format or {question, answer_contains, source} / {question, unanswerable}")
    p.add_argument("--passages", type=Path, help="ClapNQ passages.jsonl (default: next to the questions file)")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_paths(p, s)
    _add_llm(p, s)
    return parser


def _fail(msg: str, code: int = 1) -> int:
    print(f"assistant: error: {msg}", file=sys.stderr)
    return code


def _settings(args) -> Settings:
    """The settings read in ``main``, with this command's flags applied."""
    s = replace(args.settings, corpus_dir=args.corpus, index_dir=args.index)
    s = replace(s, store=replace(s.store, backend=args.store, milvus_uri=args.milvus_uri))
    if hasattr(args, "llm_url"):
        s = replace(s, llm=replace(s.llm, url=args.llm_url, model=args.llm_model, timeout_s=args.llm_timeout))
    return s


def _assistant(args, auto_update: bool = True, corpus: Path | None = None, index: Path | None = None):
    from ..core import Assistant

    settings = _settings(args)
    if corpus is not None:
        settings = replace(settings, corpus_dir=corpus, index_dir=index)
    if not settings.corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {settings.corpus_dir}")
    return Assistant(settings=settings, auto_update=auto_update, show_progress=sys.stderr.isatty())


def cmd_index(args) -> int:
    if not args.corpus.is_dir():
        return _fail(f"corpus folder not found: {args.corpus}")
    bot = _assistant(args, auto_update=False)
    report = bot.update_index(rebuild=args.rebuild)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.summary())
    return 0


def _where(args) -> dict | None:
    where = {}
    if args.source:
        where["source"] = args.source
    if args.file_type:
        where["file_type"] = args.file_type
    if args.date_from:
        where["date_from"] = args.date_from
    if args.date_to:
        where["date_to"] = args.date_to
    return where or None


def cmd_search(args) -> int:
    bot = _assistant(args)
    hits = bot.search(args.query, k=args.k, where=_where(args))
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], indent=2, ensure_ascii=False))
        return 0
    if not hits:
        print("No passages found.")
    for i, h in enumerate(hits, 1):
        page = f", p. {h.page}" if h.page else ""
        print(f"[{i}] {h.title} ({h.source}{page}) score={h.score:.3f}")
        print("    " + " ".join(h.text.split())[:400])
    return 0


def format_answer(ans) -> str:
    """Plain-text rendering of an Answer: the text, then the numbered sources."""
    lines = [f"Answer: {' '.join(ans.short.split())}", ""] if ans.grounded and ans.short and not ans.parts else []
    if ans.grounded and ans.items:
        lines[-1:] = [f"  - {item}" for item in ans.items] + [""]
    if ans.grounded and ans.parts:
        for n, part in enumerate(ans.parts, 1):
            lines.append(f"{n}. {part.question}")
            lines.append(f"   {' '.join(part.text.split())}")
    else:
        lines.append(ans.text)
    if ans.note:
        lines.append(f"(note: {ans.note})")
    if ans.citations:
        lines.append("")
        lines.append("Sources:")
        for c in ans.citations:
            page = f", p. {c.page}" if c.page else ""
            lines.append(f"[{c.n}] {c.title} — {c.source}{page}")
            lines.append(f"    \u201c{' '.join(c.quote.split())}\u201d")
    elif ans.related:
        lines.append("")
        lines.append("Related passages (they do not answer the question):")
        for p in ans.related[:3]:
            page = f", p. {p.page}" if p.page else ""
            lines.append(f"- {p.title} — {p.source}{page}: {' '.join(p.text.split())[:200]}…")
    return "\n".join(lines)


def cmd_ask(args) -> int:
    bot = _assistant(args)
    ans = bot.ask(args.question)
    if args.json:
        print(json.dumps(ans.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_answer(ans))
    return 0


def cmd_serve(args) -> int:
    from .ui import serve

    bot = _assistant(args)  # upload limit and concurrency come from bot.settings.server
    return serve(bot, host=args.host, port=args.port, auth=args.auth, share=args.share)


def cmd_eval(args) -> int:
    from ..evaluate import clapnq_corpus, evaluate, format_metrics, is_clapnq, parse_questions, read_jsonl

    rows = read_jsonl(args.questions)
    if args.limit:
        rows = rows[: args.limit]
    questions = parse_questions(rows)
    corpus = index = None
    if is_clapnq(rows):
        passages = args.passages or args.questions.with_name("passages.jsonl")
        if not passages.exists():
            raise FileNotFoundError(f"ClapNQ passages not found: {passages} (use --passages)")
        corpus = clapnq_corpus(passages, args.settings.cache_dir)
        index = corpus.parent / "index"
    bot = _assistant(args, corpus=corpus, index=index)
    result = evaluate(bot, questions, progress=not args.json)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        st = bot.stats()
        print(f"{args.questions} — corpus {bot.corpus_dir} ({st['documents']} documents, {st['chunks']} chunks)")
        print(format_metrics(result["metrics"]))
    return 0


COMMANDS = {"index": cmd_index, "search": cmd_search, "ask": cmd_ask, "serve": cmd_serve, "eval": cmd_eval}


def _safe_output() -> None:
    """Korean quotes on a terminal that cannot show them print as '?', never as a crash."""
    for stream in (sys.stdout, sys.stderr):
        enc = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if enc not in ("utf8", "utf8sig", "utf16", "utf32") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _safe_output()
    try:
        settings = Settings.from_env()
    except ValueError as e:
        return _fail(str(e))
    args = build_parser(settings).parse_args(argv)
    args.settings = settings
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except (FileNotFoundError, ValueError, PermissionError, AssistantError) as e:
        return _fail(str(e))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
