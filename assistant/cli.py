"""Command line: ``assistant index | search | ask | serve | eval``.

Every command takes ``--corpus`` and ``--index``; failures print one clear line to stderr
and exit non-zero.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Sequence

from .config import DEFAULT_CORPUS_DIR, DEFAULT_INDEX_DIR


def _add_paths(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS_DIR, metavar="DIR", help="documents folder (default: %(default)s)")
    p.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR, metavar="DIR", help="index folder (default: %(default)s)")


def _add_llm(p: argparse.ArgumentParser) -> None:
    p.add_argument("--llm-url", default=os.environ.get("ASSISTANT_LLM_URL"), metavar="URL",
                   help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (env ASSISTANT_LLM_URL); extractive answers if unset")
    p.add_argument("--llm-model", default=os.environ.get("ASSISTANT_LLM_MODEL"), metavar="NAME", help="model name for that server (env ASSISTANT_LLM_MODEL)")
    p.add_argument("--llm-timeout", type=float, default=float(os.environ.get("ASSISTANT_LLM_TIMEOUT", "60")), metavar="S",
                   help="seconds to wait for the LLM before falling back to the extractive answer (default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Ask questions about a folder of documents and get answers with citations (offline).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("index", help="build or update the index from the documents folder")
    _add_paths(p)
    p.add_argument("--rebuild", action="store_true", help="re-embed everything instead of updating incrementally")
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = sub.add_parser("search", help="show the passages that best match a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5, help="number of passages (default: %(default)s)")
    p.add_argument("--source", help="only documents whose path matches this glob")
    p.add_argument("--file-type", choices=["txt", "md", "pdf"], help="only this kind of document")
    p.add_argument("--date-from", metavar="YYYY-MM-DD", help="only documents dated on or after this day")
    p.add_argument("--date-to", metavar="YYYY-MM-DD", help="only documents dated on or before this day")
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_paths(p)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print JSON with text, grounded and citations")
    _add_paths(p)
    _add_llm(p)

    p = sub.add_parser("serve", help="start the chat UI in the browser")
    p.add_argument("--host", default=os.environ.get("ASSISTANT_HOST", "127.0.0.1"), help="address to listen on (default: %(default)s)")
    p.add_argument("--port", type=int, default=int(os.environ.get("ASSISTANT_PORT", "7860")), help="port (default: %(default)s)")
    p.add_argument("--auth", default=os.environ.get("ASSISTANT_AUTH"), metavar="USER:PASSWORD", help="require this login (env ASSISTANT_AUTH)")
    p.add_argument("--share", action="store_true", help="also create a public Gradio share link (off by default)")
    _add_paths(p)
    _add_llm(p)

    p = sub.add_parser("eval", help="measure retrieval and answers on a question set")
    p.add_argument("questions", type=Path, help="JSONL file: ClapNQ format or {question, answer_contains, source} / {question, unanswerable}")
    p.add_argument("--passages", type=Path, help="ClapNQ passages.jsonl (default: next to the questions file)")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_paths(p)
    _add_llm(p)
    return parser


def _fail(msg: str, code: int = 1) -> int:
    print(f"assistant: error: {msg}", file=sys.stderr)
    return code


def _assistant(args, auto_update: bool = True):
    from .core import Assistant

    if not args.corpus.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {args.corpus}")
    return Assistant(
        corpus_dir=args.corpus,
        index_dir=args.index,
        auto_update=auto_update,
        llm_url=getattr(args, "llm_url", None),
        llm_model=getattr(args, "llm_model", None),
        llm_timeout=getattr(args, "llm_timeout", None),
        show_progress=sys.stderr.isatty(),
    )


def cmd_index(args) -> int:
    from .core import Assistant

    if not args.corpus.is_dir():
        return _fail(f"corpus folder not found: {args.corpus}")
    bot = Assistant(args.corpus, args.index, auto_update=False, show_progress=sys.stderr.isatty())
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
    lines = [f"Answer: {' '.join(ans.short.split())}", ""] if ans.grounded and ans.short else []
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

    bot = _assistant(args)
    return serve(bot, host=args.host, port=args.port, auth=args.auth, share=args.share)


def cmd_eval(args) -> int:
    from .evaluation import run_eval_command

    return run_eval_command(args)


COMMANDS = {"index": cmd_index, "search": cmd_search, "ask": cmd_ask, "serve": cmd_serve, "eval": cmd_eval}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except (FileNotFoundError, ValueError, PermissionError) as e:
        return _fail(str(e))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
