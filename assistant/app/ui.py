"""The chat UI (Gradio): ask with follow-ups, see every citation in context, manage the documents.

``assistant serve`` calls :func:`serve`. The layout:

* a header saying which corpus is loaded (documents, passages);
* **Chat** tab: the conversation (kept per browser session, passed to ``Assistant.ask`` as
  history so follow-up questions work) and, beside it, the **Sources** panel: one card per
  citation with its number, document title, file, page, and the quote highlighted inside its
  surrounding passage. When the documents do not answer, the panel says so ("Not found in the
  documents") and lists the closest passages as related reading;
* **Documents** tab: the indexed documents and the skipped files with their reasons; upload
  (checked by :mod:`assistant.app.uploads`, then indexed incrementally with a progress bar) and delete.

Named API endpoints for ``gradio_client`` (see the README, "Using it"): ``/ask``,
``/search``, ``/documents``, ``/upload``, ``/delete``.

Everything that comes from a document is HTML-escaped before it is shown, so a document that
contains ``<script>`` or other markup is displayed as text and never runs.
"""

from __future__ import annotations

import html
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline: no telemetry calls

import gradio as gr  # noqa: E402

from ..errors import UploadError  # noqa: E402
from ..schema import FILE_TYPES, Answer, Citation, Passage  # noqa: E402
from ..settings import ServerSettings  # noqa: E402
from ..text.furniture import without_furniture  # noqa: E402
from ..text.language import KOREAN, is_korean  # noqa: E402
from .uploads import backup, delete_document, save_upload, target_path  # noqa: E402

log = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = [
    "Who co-chaired the dialogue in Seoul?",
    "How much will be invested in bioeconomy research?",
    "Which Korean agency signed an MOU with Stanford?",
]
# shown instead when most of the indexed text is Korean (the corpus language, not the browser's)
EXAMPLE_QUESTIONS_KO = [
    "한미 AI 워킹그룹은 언제 출범했나요?",
    "한미 양국은 어떤 기술 분야에서 협력하기로 했나요?",
    "우주항공청과 NASA는 어떤 협정을 맺었나요?",
]


def example_questions(bot) -> list[str]:
    """Example questions in the corpus language: Korean when most indexed chunks are Korean."""
    try:
        chunks = list(bot.snapshot.chunks.values())
    except Exception:  # a stand-in assistant without a snapshot (tests) gets the English ones
        return EXAMPLE_QUESTIONS
    korean = sum(1 for c in chunks if c.language == KOREAN)
    return EXAMPLE_QUESTIONS_KO if chunks and korean * 2 > len(chunks) else EXAMPLE_QUESTIONS


def _server_settings(bot) -> ServerSettings:
    """The chat server's settings: the ``Assistant``'s (from the environment), else the defaults."""
    settings = getattr(bot, "settings", None)
    return getattr(settings, "server", None) or ServerSettings()


def _upload_limit(bot) -> int:
    return int(_server_settings(bot).max_upload_mb * 1024 * 1024)


_TYPES = ", ".join(FILE_TYPES)  # ".txt, .md, .markdown, .pdf"
MAX_HISTORY_TURNS = 10  # earlier turns are dropped from what is passed to ask()
CONTEXT_CHARS = 360  # passage text shown on each side of a highlighted quote

CSS = """
.src-panel { display: flex; flex-direction: column; gap: 10px; }
.src-status { font-weight: 600; padding: 8px 12px; border-radius: 8px; }
.src-status.ok { background: #ecfdf5; color: #065f46; border: 1px solid #a7f3d0; }
.src-status.notfound { background: #fff7ed; color: #9a3412; border: 1px solid #fdba74; font-size: 1.05em; }
.src-status.idle { background: #f3f4f6; color: #374151; border: 1px solid #e5e7eb; font-weight: 400; }
.src-status.error { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; }
.src-card { border: 1px solid #d1d5db; border-radius: 8px; padding: 10px 12px; background: #ffffff; color: #111827; }
.src-card.related { border-style: dashed; background: #fafafa; }
.src-title { font-weight: 600; }
.src-n { display: inline-block; min-width: 2em; color: #1d4ed8; }
.src-meta { font-size: 0.85em; color: #4b5563; margin: 2px 0 6px 0; word-break: break-all; }
.src-context { font-size: 0.92em; line-height: 1.45; margin: 0; padding-left: 10px; border-left: 3px solid #93c5fd; white-space: pre-wrap; }
.src-context mark { background: #fde68a; color: #111827; padding: 0 1px; }
.src-note { font-size: 0.85em; color: #6b7280; }
.upload-ok { color: #065f46; }
.upload-err { color: #991b1b; font-weight: 600; }
"""


# ---------------------------------------------------------------------------------- rendering


def esc(text: Any) -> str:
    """HTML-escape document text, and neutralise template syntax (``${...}``, ``{{...}}``) too."""
    s = html.escape(str(text), quote=True)
    return s.replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;").replace("`", "&#96;")


_MD_SPECIAL = re.compile(r"([\\`*_~|#\[\]$])")


def md_text(text: str) -> str:
    """Plain text made safe for the chat's Markdown: HTML escaped, Markdown syntax neutralised."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)


def _markers(text: str) -> str:
    """Plain text made safe for Markdown, with its ``[n]`` markers in bold."""
    return re.sub(r"\\\[(\d+)\\\]", r"**[\1]**", md_text(text))


def answer_markdown(ans: Answer) -> str:
    """The chat bubble for an answer: its text with the ``[n]`` markers in bold; a list answer's items
    as a bulleted list; a several-part answer part by part, a part the documents lack said so."""
    if ans.grounded and ans.parts:
        lines = []
        for n, part in enumerate(ans.parts, 1):
            head = f"**{md_text(' '.join(part.short.split()))}**" if part.grounded and part.short else ""
            if not part.grounded:
                head = "**문서에 없음.**" if is_korean(part.question) else "**Not in the documents.**"
            lines.append(f"{n}. _{md_text(part.question)}_ {head}  \n   {_markers(' '.join(part.text.split()))}")
        body = "\n".join(lines)
    else:
        body = _markers(ans.text)
        if ans.grounded and ans.items:
            body = "\n".join(f"- **{md_text(item)}**" for item in ans.items) + f"\n\n{body}"
        elif ans.grounded and ans.short:
            body = f"**{md_text(' '.join(ans.short.split()))}**\n\n{body}"
    if not ans.grounded:
        body = ("**문서에서 찾지 못했습니다.** " if is_korean(ans.text) else "**Not found in the documents.** ") + body
    if ans.note:
        body += f"\n\n_({md_text(ans.note)})_"
    return body


def _clip_left(text: str, n: int) -> str:
    if len(text) <= n:
        return text
    cut = text[-n:]
    sp = cut.find(" ")
    return "…" + (cut[sp + 1 :] if 0 <= sp < 40 else cut)


def _clip_right(text: str, n: int) -> str:
    if len(text) <= n:
        return text
    cut = text[:n]
    sp = cut.rfind(" ")
    return (cut[:sp] if sp > n - 40 else cut) + "…"


def highlight_html(c: Citation) -> str:
    """The citation's surrounding passage with the quoted sentence marked (all escaped)."""
    ctx = c.context or ""
    a, b = c.start - c.context_start, c.end - c.context_start
    if not (ctx and 0 <= a <= b <= len(ctx) and ctx[a:b] == c.quote):
        i = ctx.find(c.quote) if ctx and c.quote else -1
        if i < 0:
            return f"<mark>{esc(c.quote)}</mark>"
        a, b = i, i + len(c.quote)
    before = _clip_left(without_furniture(ctx[:a]), CONTEXT_CHARS)  # a web page's menus are not shown
    after = _clip_right(without_furniture(ctx[b:]), CONTEXT_CHARS)
    return f"{esc(before)}<mark>{_bold_answer(c, ctx[a:b])}</mark>{esc(after)}"


def _bold_answer(c: Citation, quote: str) -> str:
    """The quote, escaped, with the reader's short answer inside it in bold."""
    if c.answer_start is None or c.answer_end is None or not (c.start <= c.answer_start < c.answer_end <= c.end) or quote != c.quote:
        return esc(quote)
    i, j = c.answer_start - c.start, c.answer_end - c.start
    return f'{esc(quote[:i])}<strong class="answer-span">{esc(quote[i:j])}</strong>{esc(quote[j:])}'


def _meta(source: str, page: int | None, score: float | None = None) -> str:
    parts = [esc(source)]
    if page:
        parts.append(f"p. {int(page)}")
    return " · ".join(parts)


def citation_card(c: Citation) -> str:
    return (
        f'<div class="src-card" data-n="{int(c.n)}" id="source-{int(c.n)}">'
        f'<div class="src-title"><span class="src-n">[{int(c.n)}]</span>{esc(c.title)}</div>'
        f'<div class="src-meta">{_meta(c.source, c.page)}</div>'
        f'<blockquote class="src-context">{highlight_html(c)}</blockquote></div>'
    )


def related_card(p: Passage) -> str:
    text = _clip_right(" ".join(without_furniture(p.text).split()), 2 * CONTEXT_CHARS)
    return (
        '<div class="src-card related">'
        f'<div class="src-title">{esc(p.title)}</div>'
        f'<div class="src-meta">{_meta(p.source, p.page)}</div>'
        f'<blockquote class="src-context">{esc(text)}</blockquote></div>'
    )


def sources_html(ans: Answer | None = None, state: str | None = None) -> str:
    """The Sources panel for an answer, or for a state: ``"idle"``, ``"busy"`` or an error message."""
    if ans is None:
        if state == "busy":
            return '<div class="src-panel"><div class="src-status idle">Searching the documents…</div></div>'
        if state and state != "idle":
            return f'<div class="src-panel"><div class="src-status error">{esc(state)}</div></div>'
        return (
            '<div class="src-panel"><div class="src-status idle">Ask a question: the passages that support the '
            "answer appear here, each with its document, page and the quoted sentence highlighted.</div></div>"
        )
    parts = ['<div class="src-panel">']
    if ans.grounded and ans.citations:
        n = len(ans.citations)
        parts.append(f'<div class="src-status ok">Answer found in {n} source{"s" if n != 1 else ""}</div>')
        parts.extend(citation_card(c) for c in ans.citations)
    else:
        parts.append('<div class="src-status notfound" data-state="not-found">Not found in the documents</div>')
        if ans.related:
            parts.append('<div class="src-note">The closest passages, as related reading; they do not answer the question:</div>')
            parts.extend(related_card(p) for p in ans.related)
        else:
            parts.append('<div class="src-note">No related passages either.</div>')
    if ans.note:
        parts.append(f'<div class="src-note">{esc(ans.note)}</div>')
    parts.append("</div>")
    return "".join(parts)


# ---------------------------------------------------------------------------------- the app


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """``"user:password"`` → ``("user", "password")``; ``None``/empty → no login."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ValueError("--auth must look like USER:PASSWORD")
    return user, password


class ChatApp:
    """The UI's handlers, bound to one ``Assistant``; plain methods, so tests can call them directly."""

    def __init__(self, bot, max_upload_bytes: int | None = None):
        self.bot = bot
        self.max_upload_bytes = max_upload_bytes or _upload_limit(bot)
        self._index_lock = threading.Lock()  # uploads, deletions and re-scans run one at a time

    # --------------------------------------------------------------- info

    def header(self) -> str:
        st = self.bot.stats()
        corpus = Path(self.bot.corpus_dir).resolve().name
        line = (
            f"## Korea–U.S. S&T cooperation documents\n"
            f"Ask questions in plain English or Korean; every answer cites the document, page and sentence it comes from.  \n"
            f"**Corpus loaded:** *{md_text(corpus)}* — **{st['documents']} documents, {st['chunks']} passages** indexed."
        )
        err = getattr(self.bot, "load_error", None)
        if err:
            line += f"  \n⚠️ {md_text(err)}"
        return line

    def skipped(self) -> list[tuple[str, str]]:
        rep = self.bot.last_report
        return list(rep.skipped) if rep is not None else []

    def documents_table(self) -> list[list[Any]]:
        rows = []
        for d in self.bot.documents():
            rows.append([d["title"], d["source"], d["kind"], d["pages"] if d["pages"] else "", d["chunks"], d["date"] or "", d["indexed_at"] or ""])
        return rows

    def skipped_table(self) -> list[list[str]]:
        return [[s, r] for s, r in self.skipped()]

    def sources(self) -> list[str]:
        return [d["source"] for d in self.bot.documents()]

    def documents_info(self) -> dict[str, Any]:
        return {"documents": self.bot.documents(), "skipped": [{"source": s, "reason": r} for s, r in self.skipped()], "stats": self.bot.stats()}

    # --------------------------------------------------------------- chat

    def ask(self, question: str, history: list | None = None) -> Answer:
        pairs = [(str(q), str(a)) for q, a in (history or [])][-MAX_HISTORY_TURNS:]
        return self.bot.ask(question, history=pairs)

    def chat(self, message: str, chat: list | None, history: list | None):
        """Streaming handler: show the question at once, then the answer and its sources."""
        message = (message or "").strip()
        chat = list(chat or [])
        history = list(history or [])
        if not message:
            yield "", chat, history, gr.skip()
            return
        chat.append({"role": "user", "content": md_text(message)})
        chat.append({"role": "assistant", "content": "_Searching the documents…_"})
        yield "", chat, history, sources_html(state="busy")
        try:
            ans = self.ask(message, history)
        except Exception as e:  # keep the session usable; say what happened
            log.exception("ask failed")
            chat[-1] = {"role": "assistant", "content": f"Sorry, something went wrong: {md_text(str(e) or type(e).__name__)}"}
            yield "", chat, history, sources_html(state=f"Error: {e}")
            return
        chat[-1] = {"role": "assistant", "content": answer_markdown(ans)}
        history.append([message, ans.text])
        yield "", chat, history[-MAX_HISTORY_TURNS:], sources_html(ans)

    # --------------------------------------------------------------- documents

    def _update(self, progress=None):
        cb = None
        if progress is not None:

            def cb(frac: float, msg: str) -> None:
                try:
                    progress(max(0.0, min(1.0, float(frac))), desc=msg or "Indexing")
                except Exception:  # a progress display must never break indexing
                    pass

        return self.bot.update_index(progress=cb)

    def add_files(self, items: list[tuple[str, bytes]], overwrite: bool = False, progress=None) -> dict[str, Any]:
        """Check and save ``(file name, bytes)`` items, index them, and undo any the indexer skips.

        Returns ``{"ok", "added", "errors": [{"file", "error"}], "report", "documents", "chunks"}``.
        """
        errors: list[dict[str, str]] = []
        saved: dict[str, tuple[Path, Path | None]] = {}  # source -> (path, backup of replaced file)
        with self._index_lock:
            for name, data in items:
                try:
                    backup_path = None
                    if overwrite:
                        try:
                            backup_path = backup(target_path(self.bot.corpus_dir, name))
                        except UploadError:
                            backup_path = None  # save_upload reports the problem
                    try:
                        path = save_upload(self.bot.corpus_dir, name, data, overwrite=overwrite, max_bytes=self.max_upload_bytes)
                    except BaseException:
                        if backup_path is not None:
                            backup_path.unlink(missing_ok=True)
                        raise
                    saved[path.name] = (path, backup_path)  # uploads go to the top of the corpus folder
                except UploadError as e:
                    errors.append({"file": name, "error": str(e)})
            report = None
            if saved:
                report = self._update(progress)
                skipped = dict(report.skipped)
                indexed = set(s for s in self.sources())
                undo = []
                for source, (path, bak) in saved.items():
                    if source in skipped:
                        errors.append({"file": source, "error": f"{source}: could not be indexed: {skipped[source]}; the file was not added"})
                        undo.append((path, bak))
                    elif source not in indexed:
                        errors.append(
                            {"file": source, "error": f"{source}: not indexed (excluded by the folder's .assistantignore?); the file was not added"}
                        )
                        undo.append((path, bak))
                for path, bak in undo:
                    if bak is not None:
                        os.replace(bak, path)  # put the previous version back
                    else:
                        path.unlink(missing_ok=True)
                for source, (path, bak) in saved.items():
                    if bak is not None and bak.exists():
                        bak.unlink()
                if undo:
                    report = self._update(None)  # the index and the skipped list reflect the corpus again
                bad = {e["file"] for e in errors}
                added = [s for s in saved if s not in bad]
            else:
                added = []
        return {
            "ok": not errors,
            "added": added,
            "errors": errors,
            "report": report.summary() if report is not None else "",
            "stats": self.bot.stats(),
        }

    def delete(self, source: str, progress=None) -> dict[str, Any]:
        with self._index_lock:
            try:
                delete_document(self.bot.corpus_dir, source)
            except UploadError as e:
                return {"ok": False, "error": str(e), "stats": self.bot.stats()}
            report = self._update(progress)
        return {"ok": True, "removed": report.removed, "report": report.summary(), "stats": self.bot.stats()}

    def rescan(self, progress=None):
        with self._index_lock:
            return self._update(progress)


def _status_html(result: dict[str, Any]) -> str:
    lines = []
    for s in result.get("added", []):
        lines.append(f'<div class="upload-ok">✓ {esc(s)} added and indexed — you can ask about it now.</div>')
    for e in result.get("errors", []):
        lines.append(f'<div class="upload-err" data-upload-error="1">✗ {esc(e["error"])}</div>')
    if not lines:
        lines.append(f"<div>Nothing to upload: choose {_TYPES} files first.</div>")
    return "".join(lines)


def build_app(bot, max_upload_bytes: int | None = None) -> gr.Blocks:
    """The Gradio Blocks app for ``bot`` (an ``Assistant``); ``serve`` launches it."""
    max_upload_bytes = max_upload_bytes or _upload_limit(bot)
    app = ChatApp(bot, max_upload_bytes=max_upload_bytes)

    def refresh_all():
        return (app.header(), app.documents_table(), app.skipped_table(), gr.update(choices=app.sources(), value=None))

    def on_upload(files, overwrite, progress=gr.Progress()):
        items, errors = [], []
        for f in files or []:
            path = Path(f if isinstance(f, str) else getattr(f, "name", str(f)))
            try:
                size = path.stat().st_size
                if size > max_upload_bytes:
                    errors.append({"file": path.name, "error": f"{path.name}: the file is too large (limit {max_upload_bytes // (1024 * 1024)} MB)"})
                    continue
                items.append((path.name, path.read_bytes()))
            except OSError as e:
                errors.append({"file": path.name, "error": f"{path.name}: could not read the upload ({e.strerror})"})
        result = app.add_files(items, overwrite=bool(overwrite), progress=progress) if items else {"added": [], "errors": []}
        result["errors"] = errors + result.get("errors", [])
        return (_status_html(result), None, *refresh_all())

    def on_delete(source, progress=gr.Progress()):
        if not source:
            return ('<div class="upload-err">Choose a document to delete first.</div>', *refresh_all())
        res = app.delete(source, progress=progress)
        msg = (
            f'<div class="upload-ok">✓ {esc(source)} deleted from the documents folder and the index.</div>'
            if res["ok"]
            else f'<div class="upload-err">✗ {esc(res["error"])}</div>'
        )
        return (msg, *refresh_all())

    def on_rescan(progress=gr.Progress()):
        report = app.rescan(progress=progress)
        return (f"<pre>{esc(report.summary())}</pre>", *refresh_all())

    # ---- API-only functions (typed: gr.api derives the endpoint's schema from the hints)

    def api_ask(question: str, history: list[list[str]] | None = None) -> dict:
        """Answer a question from the documents. history: earlier [question, answer] pairs, oldest first.
        Returns the answer as a dict: text (with [n] markers), grounded, citations, related, answerer, note."""
        return app.ask(question, history or []).to_dict()

    def api_search(query: str, k: int = 5) -> list[dict]:
        """The k passages that best match the query, best first."""
        return [p.to_dict() for p in bot.search(query, k=max(1, min(int(k), 50)))]

    def api_documents() -> dict:
        """The indexed documents, the skipped files with their reasons, and counts."""
        return app.documents_info()

    def api_delete(source: str) -> dict:
        """Delete a document (its path relative to the documents folder) from the folder and the index."""
        return app.delete(source)

    def api_upload(file: str | None, filename: str = "", overwrite: bool = False) -> dict:
        if not file:
            return {"ok": False, "added": [], "errors": [{"file": filename, "error": "no file sent"}], "report": "", "stats": bot.stats()}
        path = Path(file)
        name = filename or path.name
        if path.stat().st_size > max_upload_bytes:
            return {
                "ok": False,
                "added": [],
                "errors": [{"file": name, "error": f"{name}: the file is too large"}],
                "report": "",
                "stats": bot.stats(),
            }
        return app.add_files([(name, path.read_bytes())], overwrite=bool(overwrite))

    examples = example_questions(bot)
    # Korean glyphs come from the system's CJK fonts (Noto Sans CJK / Nanum / Apple SD Gothic / Malgun Gothic)
    theme = gr.themes.Soft(
        font=["ui-sans-serif", "system-ui", "sans-serif", "Noto Sans CJK KR", "NanumGothic", "Apple SD Gothic Neo", "Malgun Gothic"],
        font_mono=["ui-monospace", "monospace"],
    )
    with gr.Blocks(title="Korea–U.S. S&T document assistant", analytics_enabled=False) as demo:
        demo._assistant_css = CSS  # launch() takes css/theme in Gradio 6; see serve()
        demo._assistant_theme = theme
        header = gr.Markdown(app.header(), elem_id="corpus-header")
        with gr.Tab("Chat", id="chat"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Conversation",
                        elem_id="chat",
                        height=520,
                        latex_delimiters=[],
                        sanitize_html=True,
                        feedback_options=None,
                        buttons=["copy", "copy_all"],  # no "share" (it would post to the Hub)
                        examples=[{"text": q} for q in examples],
                        placeholder="Ask about the documents, or pick an example question.",
                    )
                    with gr.Row():
                        msg = gr.Textbox(
                            placeholder="Ask a question about the documents…",
                            show_label=False,
                            scale=5,
                            elem_id="question",
                            autofocus=True,
                            max_lines=4,
                        )
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-button")
                    with gr.Row():
                        clear = gr.Button("New conversation", size="sm", elem_id="clear-button")
                    gr.Examples(examples=[[q] for q in examples], inputs=[msg], label="Example questions")
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    sources = gr.HTML(sources_html(), elem_id="sources")
            history = gr.State([])

        with gr.Tab("Documents", id="documents"):
            docs = gr.Dataframe(
                headers=["Title", "File", "Type", "Pages", "Chunks", "Date", "Indexed at"],
                value=app.documents_table(),
                interactive=False,
                wrap=True,
                label="Indexed documents",
                elem_id="documents-table",
                column_widths=["32%", "28%", "6%", "6%", "7%", "9%", "12%"],
            )
            skipped = gr.Dataframe(
                headers=["File", "Reason"],
                value=app.skipped_table(),
                interactive=False,
                wrap=True,
                label="Skipped files (not indexed)",
                elem_id="skipped-table",
            )
            with gr.Row():
                with gr.Column():
                    gr.Markdown(
                        f"### Add documents\n{_TYPES}, up to {max_upload_bytes // (1024 * 1024)} MB each. "
                        "They are checked, saved into the documents folder and indexed; then you can ask about them."
                    )
                    files = gr.File(label="Files", file_count="multiple", file_types=list(FILE_TYPES), type="filepath", elem_id="upload-files")
                    overwrite = gr.Checkbox(label="Replace existing files with the same name", value=False)
                    upload_btn = gr.Button("Upload and index", variant="primary", elem_id="upload-button")
                    upload_status = gr.HTML("", elem_id="upload-status")
                with gr.Column():
                    gr.Markdown("### Remove a document\nDeletes the file from the documents folder and drops it from the index.")
                    to_delete = gr.Dropdown(choices=app.sources(), label="Document", value=None, elem_id="delete-choice")
                    delete_btn = gr.Button("Delete document", variant="stop", elem_id="delete-button")
                    delete_status = gr.HTML("", elem_id="delete-status")
                    rescan_btn = gr.Button("Re-scan the documents folder", size="sm")
                    rescan_status = gr.HTML("")

        # hidden components behind the /upload API endpoint (a file, an optional name to save it as, overwrite)
        with gr.Column(visible=False):
            api_file = gr.File(type="filepath", label="file")
            api_filename = gr.Textbox(label="filename")
            api_overwrite = gr.Checkbox(label="overwrite", value=False)
            api_result = gr.JSON(label="result")
            api_upload_btn = gr.Button("upload")

        chat_io = dict(inputs=[msg, chatbot, history], outputs=[msg, chatbot, history, sources])
        msg.submit(app.chat, **chat_io, api_visibility="undocumented", api_name="chat", concurrency_id="ask")
        send.click(app.chat, **chat_io, api_visibility="undocumented", api_name="chat_button", concurrency_id="ask")

        def on_example(evt: gr.SelectData, chat, hist):
            yield from app.chat(evt.value.get("text", "") if isinstance(evt.value, dict) else str(evt.value), chat, hist)

        chatbot.example_select(
            on_example, inputs=[chatbot, history], outputs=[msg, chatbot, history, sources], api_visibility="undocumented", concurrency_id="ask"
        )
        clear.click(lambda: ([], [], sources_html(), ""), outputs=[chatbot, history, sources, msg], api_visibility="undocumented", queue=False)

        refresh_outputs = [header, docs, skipped, to_delete]
        upload_btn.click(
            on_upload,
            inputs=[files, overwrite],
            outputs=[upload_status, files, *refresh_outputs],
            api_visibility="undocumented",
            concurrency_id="index",
            concurrency_limit=1,
        )
        delete_btn.click(
            on_delete,
            inputs=[to_delete],
            outputs=[delete_status, *refresh_outputs],
            api_visibility="undocumented",
            concurrency_id="index",
            concurrency_limit=1,
        )
        rescan_btn.click(
            on_rescan, outputs=[rescan_status, *refresh_outputs], api_visibility="undocumented", concurrency_id="index", concurrency_limit=1
        )
        demo.load(refresh_all, outputs=refresh_outputs, api_visibility="undocumented", queue=False)

        gr.api(api_ask, api_name="ask", concurrency_id="ask")
        gr.api(api_search, api_name="search", concurrency_id="ask")
        gr.api(api_documents, api_name="documents", queue=False)
        gr.api(api_delete, api_name="delete", concurrency_id="index", concurrency_limit=1)
        api_upload_btn.click(
            api_upload,
            inputs=[api_file, api_filename, api_overwrite],
            outputs=[api_result],
            api_name="upload",
            api_description="Upload a .txt/.md/.pdf file (optionally saved as `filename`), check it and index it.",
            concurrency_id="index",
            concurrency_limit=1,
        )
    demo.chat_app = app
    return demo


def serve(
    bot,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: str | None = None,
    share: bool = False,
    block: bool = True,
    max_upload_bytes: int | None = None,
    concurrency: int | None = None,
):
    """Start the chat UI on ``http://host:port`` (loopback by default; no share link unless asked).

    With ``block=False`` the server runs in the background and the Blocks app is returned.
    """
    max_upload_bytes = max_upload_bytes or _upload_limit(bot)
    demo = build_app(bot, max_upload_bytes=max_upload_bytes)
    demo.queue(default_concurrency_limit=max(1, concurrency or _server_settings(bot).concurrency))
    demo.launch(
        server_name=host,
        server_port=port,
        auth=parse_auth(auth),
        share=bool(share),
        inbrowser=False,
        show_error=True,
        max_file_size=max_upload_bytes,
        ssr_mode=False,
        prevent_thread_lock=not block,
        quiet=False,
        theme=demo._assistant_theme,
        css=CSS,
    )
    if not block:
        return demo
    return 0
