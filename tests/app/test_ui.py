"""The chat UI and its API: upload checks, rendering, the real server through gradio_client, load.

The server tests start the real ``assistant serve`` in a subprocess on a free loopback port over a
copy of the bundled corpus, and talk to it like any client would.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.app.uploads import check_filename, delete_document, save_upload
from assistant.errors import UploadError
from assistant.schema import Answer, Citation, Passage

from conftest import BUNDLED, CORRUPT_PDF, MULTIPAGE_PDF, ROOT

DIALOGUE = "2023-12-09_first-korea-us-next-generation-technologies-dialogue.md"
STANFORD = "2023-11-17_trade-minister-stanford-meeting-and-joint-rnd-mous.md"
MINISTER = "2024-11-15_science-minister-plans-talks-with-incoming-trump-administration.md"

# question -> (file the answer must cite, a word the answer must contain)
# (phrased close to the text: the answerer's refusal threshold is tuned elsewhere and these must stay answerable)
Q_DIALOGUE = "Who co-chaired the Korea-U.S. Next-Generation Core and Emerging Technologies Dialogue in Seoul?"
Q_STANFORD = "Which Korean agency signed a memorandum of understanding with Stanford University?"
Q_MINISTER = "Which minister plans to meet the incoming Trump administration to strengthen U.S.-Korea science cooperation?"
QUESTIONS = {
    Q_DIALOGUE: (DIALOGUE, "Sullivan"),
    Q_STANFORD: (STANFORD, "Stanford"),
    Q_MINISTER: (MINISTER, "Trump"),
}
# a document to upload, and a question only it answers
ARCTIC_DOC = """---
title: Korea-U.S. Arctic ice research pact
date: 2025-03-03
---
The Korea Polar Research Institute and the U.S. National Science Foundation signed the Arctic Ice Research Pact in Busan on 3 March 2025.
The pact funds joint winter expeditions of the Korean icebreaker Araon with 47 million dollars over five years.
Researchers from both countries will share sea-ice thickness data and satellite observations.
The two agencies also agreed to exchange early-career scientists every year.
Officials said the cooperation builds on earlier Korea-U.S. agreements on climate science.
"""
ARCTIC_Q = "Who signed the Arctic Ice Research Pact?"
ARCTIC_WORD = "Korea Polar Research Institute"


def check_answer(question: str, ans: dict) -> None:
    source, word = QUESTIONS[question]
    assert ans["grounded"], (question, ans["text"])
    assert "[1]" in ans["text"]
    assert ans["citations"] and ans["citations"][0]["source"] == source, (question, ans)
    assert word in ans["text"], (question, ans["text"])


# ---------------------------------------------------------------------------------- server helper


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m assistant serve`` in a subprocess, over its own corpus copy and index."""

    def __init__(self, base: Path, extra_args: tuple[str, ...] = (), env: dict | None = None):
        self.corpus = base / "corpus"
        self.index = base / "index"
        shutil.copytree(BUNDLED, self.corpus)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = base / "server.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assistant",
                "serve",
                "--port",
                str(self.port),
                "--corpus",
                str(self.corpus),
                "--index",
                str(self.index),
                *extra_args,
            ],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )

    def wait(self, timeout: float = 300) -> Server:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "config", timeout=5) as r:
                    if r.status == 200:
                        return self
            except Exception:
                time.sleep(1)
        raise TimeoutError(f"server did not answer within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("ui_server"))
    try:
        yield srv.wait()
    finally:
        srv.stop()


def client(srv: Server):
    from gradio_client import Client

    return Client(srv.url, verbose=False, download_files=False)


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


# ---------------------------------------------------------------------------------- uploads (unit)


@pytest.mark.parametrize(
    "name",
    [
        "../../x.txt",
        "..\\..\\x.txt",
        "sub/x.txt",
        "/etc/passwd.txt",
        "\\\\server\\share\\x.txt",
        "C:\\x.txt",
        "C:x.txt",
        "~/x.txt",
        "..",
        ".",
        "",
        "   ",
        ".hidden.txt",
        "CON",
        "con.txt",
        "NUL.md",
        "Com1.pdf",
        "lpt9.txt",
        "aux .txt",
        "x.txt.",
        "x.txt ",
        "a\x00b.txt",
        "a\nb.txt",
        "x?.txt",
        "x.exe",
        "x.pdf.exe",
        "x.html",
        "x",
        "a" * 260 + ".txt",
    ],
)
def test_unsafe_names_are_refused(tmp_path, name):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(UploadError) as e:
        save_upload(corpus, name, b"Plain text about cooperation.\n")
    assert str(e.value)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written anywhere
    assert not (tmp_path.parent / "x.txt").exists()


def test_good_names_are_kept(tmp_path):
    assert check_filename("Report 2024 (final).md") == "Report 2024 (final).md"
    assert check_filename("한미 협력.txt") == "한미 협력.txt"
    assert check_filename("console.txt") == "console.txt"  # only the exact device names are reserved
    p = save_upload(tmp_path, "notes.TXT", "Korea–U.S. notes.\n".encode())
    assert p == (tmp_path / "notes.TXT").resolve() and p.read_text() == "Korea–U.S. notes.\n"
    assert [x.name for x in tmp_path.iterdir()] == ["notes.TXT"]  # no temporary files left


def test_executable_posing_as_pdf_is_refused(tmp_path):
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS mode."
    with pytest.raises(UploadError, match="not a PDF.*Windows executable"):
        save_upload(tmp_path, "report.pdf", exe)
    with pytest.raises(UploadError, match="not a PDF"):
        save_upload(tmp_path, "report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 100)
    with pytest.raises(UploadError, match="not a PDF"):
        save_upload(tmp_path, "report.pdf", b"<html>not a pdf</html>")
    with pytest.raises(UploadError, match="not a text file|not readable as text"):
        save_upload(tmp_path, "notes.txt", exe)
    with pytest.raises(UploadError, match="not readable as text"):
        save_upload(tmp_path, "notes.md", bytes(range(256)) * 10)
    assert list(tmp_path.iterdir()) == []
    assert save_upload(tmp_path, "ok.pdf", b"%PDF-1.4\n%%EOF\n").name == "ok.pdf"


def test_size_limit_and_empty_files(tmp_path):
    with pytest.raises(UploadError, match="too large"):
        save_upload(tmp_path, "big.txt", b"a" * 2001, max_bytes=2000)
    with pytest.raises(UploadError, match="empty"):
        save_upload(tmp_path, "empty.txt", b"")
    assert list(tmp_path.iterdir()) == []
    assert save_upload(tmp_path, "fits.txt", b"a" * 2000, max_bytes=2000).stat().st_size == 2000


def test_no_overwrite_unless_asked(tmp_path):
    save_upload(tmp_path, "a.txt", b"first\n")
    with pytest.raises(UploadError, match="already exists"):
        save_upload(tmp_path, "a.txt", b"second\n")
    assert (tmp_path / "a.txt").read_bytes() == b"first\n"
    save_upload(tmp_path, "a.txt", b"second\n", overwrite=True)
    assert (tmp_path / "a.txt").read_bytes() == b"second\n"
    (tmp_path / "d.txt").mkdir()
    with pytest.raises(UploadError, match="folder"):
        save_upload(tmp_path, "d.txt", b"x\n", overwrite=True)


def test_symlink_target_is_refused(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    (corpus / "link.txt").symlink_to(outside)
    with pytest.raises(UploadError, match="link"):
        save_upload(corpus, "link.txt", b"overwritten\n", overwrite=True)
    assert outside.read_text() == "secret\n"


def test_delete_stays_inside_the_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "keep.txt").write_text("outside\n")
    (corpus / "doc.txt").write_text("inside\n")
    for bad in ["../keep.txt", str(tmp_path / "keep.txt"), "", "missing.txt", "sub/../../keep.txt"]:
        with pytest.raises(UploadError):
            delete_document(corpus, bad)
    assert (tmp_path / "keep.txt").exists()
    delete_document(corpus, "doc.txt")
    assert not (corpus / "doc.txt").exists()


# ---------------------------------------------------------------------------------- rendering (unit)


def test_sources_panel_highlights_the_quote_and_escapes_markup():
    from assistant.app.ui import answer_markdown, sources_html

    ctx = "Intro <b>bold</b> ${x} {{y}}. The <script>window.__xss=1</script> fund is $10 million. Outro."
    quote = "The <script>window.__xss=1</script> fund is $10 million."
    start = 1000 + ctx.index(quote)
    c = Citation(
        n=1,
        source="evil<img src=x onerror=alert(1)>.md",
        title="<i>Title</i>",
        page=3,
        quote=quote,
        start=start,
        end=start + len(quote),
        score=0.9,
        context=ctx,
        context_start=1000,
    )
    ans = Answer(text=quote + " [1]", citations=[c])
    out = sources_html(ans)
    assert "<script" not in out and "<img" not in out and "<b>" not in out and "<i>" not in out
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in out
    assert "${" not in out and "{{" not in out
    assert out.count("<mark>") == 1
    marked = out.split("<mark>")[1].split("</mark>")[0]
    assert "fund is &#36;10 million." in marked and "Intro" not in marked
    assert "[1]" in out and "p. 3" in out and "Answer found in 1 source" in out
    md = answer_markdown(ans)
    assert "<script" not in md and "**[1]**" in md


def test_the_short_answer_is_bold_inside_the_highlighted_quote():
    from assistant.app.ui import answer_markdown, sources_html

    ctx = "Intro. The fund is <at least> $10 million for bio. Outro."
    quote = "The fund is <at least> $10 million for bio."
    start = 50 + ctx.index(quote)
    a = start + quote.index("<at least>")
    c = Citation(
        n=1,
        source="a.md",
        title="T",
        page=None,
        quote=quote,
        start=start,
        end=start + len(quote),
        score=0.9,
        context=ctx,
        context_start=50,
        answer_start=a,
        answer_end=a + len("<at least> $10 million"),
    )
    out = sources_html(Answer(text=quote + " [1]", citations=[c], short="<at least> $10 million"))
    marked = out.split("<mark>")[1].split("</mark>")[0]
    assert '<strong class="answer-span">&lt;at least&gt; &#36;10 million</strong>' in marked.replace("$", "&#36;")
    assert marked.startswith("The fund is ") and marked.endswith(" for bio.")
    md = answer_markdown(Answer(text=quote + " [1]", citations=[c], short="<at least> $10 million"))
    assert md.startswith("**") and "<at least>" not in md


def test_sources_panel_not_found_state_lists_related():
    from assistant.app.ui import sources_html

    rel = Passage(source="a.md", title="Closest <doc>", page=None, text="Some nearby text.", start=0, end=17, score=0.2)
    out = sources_html(Answer(text="The documents do not answer this question.", grounded=False, related=[rel]))
    assert "Not found in the documents" in out and "Closest &lt;doc&gt;" in out and "related" in out
    assert "<mark>" not in out


def test_auth_parsing_and_default_host():
    from assistant.app.cli import build_parser
    from assistant.app.ui import parse_auth

    assert parse_auth("alice:s3:cret") == ("alice", "s3:cret")
    assert parse_auth(None) is None and parse_auth("") is None
    for bad in ["alice", ":pw", "alice:"]:
        with pytest.raises(ValueError):
            parse_auth(bad)
    env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_HOST"}
    code = "from assistant.app.cli import build_parser; a = build_parser().parse_args(['serve']); print(a.host, a.port, a.share)"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["127.0.0.1", "7860", "False"], out.stderr
    assert build_parser().parse_args(["serve", "--share"]).share is True


# ---------------------------------------------------------------------------------- handlers in process


def test_chat_handler_keeps_separate_conversations(seed_bot):
    from assistant.app.ui import ChatApp

    app = ChatApp(seed_bot)
    first = list(app.chat(Q_DIALOGUE, [], []))
    assert "Searching" in first[0][3]  # the question shows at once, with a busy state
    _, chat_a, hist_a, src_a = first[-1]
    assert len(chat_a) == 2 and "[1]" in chat_a[1]["content"] and "Sullivan" in chat_a[1]["content"]
    assert DIALOGUE in src_a and "<mark>" in src_a
    _, chat_b, hist_b, _ = list(app.chat(Q_STANFORD, [], []))[-1]
    assert len(chat_b) == 2 and len(hist_a) == 1 and len(hist_b) == 1 and hist_a[0][0] != hist_b[0][0]
    # a follow-up carries the conversation
    _, chat_a2, hist_a2, _ = list(app.chat("And who else attended?", chat_a, hist_a))[-1]
    assert len(chat_a2) == 4 and len(hist_a2) == 2
    # an empty message does nothing
    assert list(app.chat("   ", chat_a2, hist_a2))[-1][1] == chat_a2


def test_add_files_undoes_what_indexing_skips(tmp_path, corpus):
    from assistant import Assistant
    from assistant.app.ui import ChatApp

    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    app = ChatApp(bot)
    before = sorted(p.name for p in corpus.iterdir())
    res = app.add_files([("broken.pdf", CORRUPT_PDF.read_bytes()), ("../evil.txt", b"x"), ("fusion.md", ARCTIC_DOC.encode())])
    assert not res["ok"]
    errs = {e["file"]: e["error"] for e in res["errors"]}
    assert "could not be indexed" in errs["broken.pdf"] and "broken.pdf" in errs["broken.pdf"]
    assert "../evil.txt" in errs
    assert res["added"] == ["fusion.md"]
    assert sorted(p.name for p in corpus.iterdir()) == sorted(before + ["fusion.md"])
    assert not (tmp_path / "evil.txt").exists()
    assert "fusion.md" in [d["source"] for d in bot.documents()]
    ans = bot.ask(ARCTIC_Q)
    assert ans.grounded and ans.citations[0].source == "fusion.md" and ARCTIC_WORD in ans.text
    # replacing a good file with a broken one keeps the good one
    res = app.add_files([("fusion.md", b"\x00\x01\x02binary")], overwrite=True)
    assert not res["ok"] and "Araon" in (corpus / "fusion.md").read_text()
    # ... also when the new version passes the checks but the indexer cannot read it
    assert app.add_files([("paper.pdf", MULTIPAGE_PDF.read_bytes())])["ok"]
    res = app.add_files([("paper.pdf", CORRUPT_PDF.read_bytes())], overwrite=True)
    assert not res["ok"] and "could not be indexed" in res["errors"][0]["error"]
    assert (corpus / "paper.pdf").read_bytes() == MULTIPAGE_PDF.read_bytes()
    assert "paper.pdf" in [d["source"] for d in bot.documents()]
    assert app.delete("paper.pdf")["ok"]
    res = app.delete("fusion.md")
    assert res["ok"] and res["removed"] == ["fusion.md"] and not (corpus / "fusion.md").exists()
    assert "fusion.md" not in [d["source"] for d in bot.documents()]
    assert not [p for p in corpus.iterdir() if p.name.startswith(".upload-") or p.name.startswith(".backup-")]


def test_python_api_load_from_threads(seed_bot):
    """32 concurrent asks through the Python API: all answered correctly, none lost."""
    qs = list(QUESTIONS) * 11  # 33
    qs = qs[:32]

    def one(q):
        t = time.perf_counter()
        ans = seed_bot.ask(q).to_dict()
        return q, ans, time.perf_counter() - t

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(one, qs))
    errors = []
    for q, ans, _ in results:
        try:
            check_answer(q, ans)
        except AssertionError as e:
            errors.append(str(e))
    lat = [r[2] for r in results]
    print(f"\nPython API, 32 threads: p50={percentile(lat, 0.5):.2f}s p95={percentile(lat, 0.95):.2f}s max={max(lat):.2f}s errors={len(errors)}")
    assert len(results) == 32 and not errors


# ---------------------------------------------------------------------------------- the real server


@pytest.mark.slow
def test_server_listens_on_loopback_only(server):
    import psutil

    proc = psutil.Process(server.proc.pid)
    listening = [c.laddr for c in proc.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening, "server has no listening socket"
    assert all(a.ip == "127.0.0.1" for a in listening), listening
    assert any(a.port == server.port for a in listening)


@pytest.mark.slow
def test_ask_through_gradio_client(server):
    c = client(server)
    q = Q_DIALOGUE
    ans = c.predict(q, api_name="/ask")
    assert set(ans) >= {"text", "grounded", "citations", "related", "answerer", "note"}
    check_answer(q, ans)
    cit = ans["citations"][0]
    assert cit["n"] == 1 and cit["title"] and cit["quote"] and cit["quote"] in cit["context"]
    assert cit["context"][cit["start"] - cit["context_start"] : cit["end"] - cit["context_start"]] == cit["quote"]
    follow = c.predict("And who else attended?", [[q, ans["text"]]], api_name="/ask")
    assert isinstance(follow["text"], str) and follow["text"]
    hits = c.predict("KIAT memorandum", 3, api_name="/search")
    assert len(hits) == 3 and hits[0]["source"] == STANFORD
    docs = c.predict(api_name="/documents")
    assert {d["source"] for d in docs["documents"]} == {DIALOGUE, STANFORD, MINISTER}
    assert docs["stats"]["documents"] == 3 and docs["skipped"] == []
    nf = c.predict("What is the recipe for kimchi stew?", api_name="/ask")
    assert nf["grounded"] is False and nf["citations"] == [] and nf["related"]


@pytest.mark.slow
def test_upload_checks_through_the_server(server, tmp_path):
    from gradio_client import handle_file

    c = client(server)
    f = tmp_path / "note.txt"
    f.write_text(ARCTIC_DOC)
    exe = tmp_path / "report.pdf"
    exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 500)
    before = sorted(p.name for p in server.corpus.iterdir())
    outside_before = sorted(p.name for p in server.corpus.parent.iterdir())
    for path, name, expect in [
        (f, "../../x.txt", "folders"),
        (f, "/tmp/x.txt", "absolute"),
        (f, "NUL.txt", "reserved"),
        (exe, "", "not a PDF"),
        (f, "x.exe", "only"),
    ]:
        res = c.predict(handle_file(str(path)), name, False, api_name="/upload")
        assert res["ok"] is False and expect in res["errors"][0]["error"], res
    assert sorted(p.name for p in server.corpus.iterdir()) == before
    assert sorted(p.name for p in server.corpus.parent.iterdir()) == outside_before
    assert not Path("/tmp/x.txt").exists() or Path("/tmp/x.txt").read_text() != f.read_text()
    # a good one goes in, is askable at once, and can be deleted again
    res = c.predict(handle_file(str(f)), "", False, api_name="/upload")
    assert res["ok"] and res["added"] == ["note.txt"] and res["stats"]["documents"] == 4, res
    ans = c.predict(ARCTIC_Q, api_name="/ask")
    assert ans["grounded"] and ans["citations"][0]["source"] == "note.txt" and ARCTIC_WORD in ans["text"], ans
    res = c.predict(handle_file(str(f)), "", False, api_name="/upload")
    assert not res["ok"] and "already exists" in res["errors"][0]["error"]
    res = c.predict("note.txt", api_name="/delete")
    assert res["ok"] and res["stats"]["documents"] == 3
    res = c.predict("../" + server.corpus.name + "/../server.log", api_name="/delete")
    assert not res["ok"] and server.log_path.exists()


@pytest.mark.slow
def test_eight_clients_at_once(server):
    qs = [list(QUESTIONS)[i % len(QUESTIONS)] for i in range(8)]

    def one(q):
        return q, client(server).predict(q, api_name="/ask")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, qs))
    assert len(results) == 8
    for q, ans in results:
        check_answer(q, ans)


@pytest.mark.slow
def test_server_load_32_concurrent_requests(server):
    """Issue #6 point 5: 32 chat requests in flight at once against the running server."""
    n_clients, per_client = 8, 4
    clients = [client(server) for _ in range(n_clients)]
    qs = [list(QUESTIONS)[i % len(QUESTIONS)] for i in range(n_clients * per_client)]
    barrier = threading.Barrier(len(qs))

    def one(i):
        q = qs[i]
        barrier.wait(timeout=120)
        t = time.perf_counter()
        try:
            ans = clients[i % n_clients].predict(q, api_name="/ask")
            check_answer(q, ans)
            err = None
        except Exception as e:  # counted, reported, asserted below
            err = f"{q}: {type(e).__name__}: {e}"
        return err, time.perf_counter() - t

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(qs)) as pool:
        results = list(pool.map(one, range(len(qs))))
    wall = time.perf_counter() - t0
    errors = [e for e, _ in results if e]
    lat = [t for _, t in results]
    print(
        f"\nserver load: {len(qs)} concurrent /ask requests from {n_clients} clients: "
        f"p50={percentile(lat, 0.5):.2f}s p95={percentile(lat, 0.95):.2f}s max={max(lat):.2f}s "
        f"wall={wall:.1f}s errors={len(errors)}"
    )
    assert len(results) == len(qs)
    assert not errors, errors[:3]


@pytest.mark.slow
def test_login_required_when_auth_is_set(seed_bot):
    from gradio_client import Client

    from assistant.app.ui import serve

    port = free_port()
    demo = serve(seed_bot, port=port, auth="alice:wonderland", block=False)
    try:
        url = f"http://127.0.0.1:{port}/"
        with pytest.raises(Exception):
            Client(url, verbose=False).predict(Q_DIALOGUE, api_name="/ask")
        ans = Client(url, auth=("alice", "wonderland"), verbose=False).predict(Q_DIALOGUE, api_name="/ask")
        assert ans["grounded"]
    finally:
        demo.close()


def test_the_upload_limit_comes_from_the_assistants_settings():
    """``ASSISTANT_MAX_UPLOAD_MB`` reaches the UI however it is started (CLI or ``serve(bot)`` from Python)."""
    from types import SimpleNamespace

    from assistant.app.ui import ChatApp
    from assistant.settings import Settings

    bot = SimpleNamespace(settings=Settings.from_env({"ASSISTANT_MAX_UPLOAD_MB": "3"}))
    assert ChatApp(bot).max_upload_bytes == 3 * 1024 * 1024
    assert ChatApp(bot, max_upload_bytes=10).max_upload_bytes == 10
