"""The PDF worker: a child process that extracts PDF text, so a pathological file can be abandoned.

Why a process: pypdf is pure Python and some malformed files loop for minutes or allocate
gigabytes; a thread cannot be stopped, a process can. The worker is started as
``python -m assistant.ingest.pdf_worker FD ...`` (talking over an inherited socket), not with
``multiprocessing``'s spawn, which re-runs the caller's ``__main__`` in the child and so fails
when the caller is a script on standard input, a notebook or an embedded interpreter. A worker
that cannot start is ``PdfWorkerError``, an error of the run; a file the worker cannot read is
``LoadError``, a reason attached to that file.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path

from ..errors import LoadError, PdfWorkerError
from .pdf import extract_pdf_pages, short_reason

# the folder holding the ``assistant`` package, so the child imports this very copy of it
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


def serve(conn, mem_limit: int, ocr: bool = False, ocr_max_pages: int = 200) -> None:  # pragma: no cover - runs in the child process
    """The worker loop: receive a path, send back ("ok", (texts, meta)) or ("error", reason)."""
    if mem_limit:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))
        except (ValueError, OSError):
            pass
    import pypdf  # noqa: F401  (imported before "ready": start-up time is not charged to a file's time limit)

    conn.send(("ready", None))
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        if path is None:
            return
        try:
            conn.send(("ok", extract_pdf_pages(path, ocr=ocr, progress=lambda page: conn.send(("progress", page)), ocr_max_pages=ocr_max_pages)))
        except LoadError as e:
            conn.send(("error", str(e)))
        except MemoryError:
            conn.send(("error", "damaged PDF: reading it needs too much memory"))
        except RecursionError:
            conn.send(("error", "damaged PDF: its structure is nested too deeply"))
        except Exception as e:
            conn.send(("error", f"damaged PDF: {type(e).__name__}: {short_reason(e)}"))


STARTUP_TIMEOUT_S = 120.0
STARVED_LIMIT_FACTOR = 4  # wall-clock limit for a PDF whose reader is starved of CPU, in multiples of the timeout


class PdfReaderProcess:
    """A long-lived child process that extracts PDF text, restarted when a file stalls it.

    Why a process: pypdf is pure Python and some malformed files loop for minutes or
    allocate gigabytes; a thread cannot be stopped, a process can.
    """

    def __init__(self, timeout_s: float = 60.0, mem_limit_bytes: int = 4 * 1024**3, ocr: bool = False, ocr_max_pages: int = 200):
        self.timeout_s = timeout_s
        self.mem_limit = mem_limit_bytes
        self.ocr = ocr
        self.ocr_max_pages = ocr_max_pages
        self._proc: subprocess.Popen | None = None
        self._conn: Connection | None = None

    def _start(self) -> None:
        """Start ``python -m assistant.ingest.pdf_worker`` and wait until it has imported pypdf.

        Raises:
            PdfWorkerError: the interpreter cannot be run or the worker dies or hangs on start.
        """
        exe = sys.executable
        if not exe or not os.path.exists(exe):
            raise PdfWorkerError(f"cannot start the PDF worker: no Python interpreter at sys.executable ({exe!r})")
        parent, child = Pipe()  # a socket pair: the child gets its end as an inherited descriptor
        cmd = [exe, "-m", __name__, str(child.fileno()), str(self.mem_limit), "1" if self.ocr else "0", str(self.ocr_max_pages)]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
        errors = tempfile.TemporaryFile()
        try:
            proc = subprocess.Popen(
                cmd, pass_fds=[child.fileno()], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors, close_fds=True
            )
        except OSError as e:
            parent.close()
            errors.close()
            raise PdfWorkerError(f"cannot start the PDF worker ({exe}: {e.strerror or e})") from None
        finally:
            child.close()
        self._proc, self._conn = proc, parent
        # Wait for the worker to import pypdf; a slow start (busy machine) must not count
        # against the first file's time limit.
        ok = False
        try:
            ok = parent.poll(max(STARTUP_TIMEOUT_S, self.timeout_s)) and parent.recv()[0] == "ready"
        except (EOFError, OSError):
            ok = False
        if not ok:
            self.close(kill=True)
            errors.seek(0)
            tail = errors.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
            errors.close()
            raise PdfWorkerError("the PDF worker process failed to start" + (f": {tail[-1]}" if tail else ""))
        errors.close()

    def read(self, path: Path) -> tuple[list[str], dict]:
        """Text and metadata of one PDF.

        Raises:
            LoadError: the file cannot be read (its reason is shown next to its name).
            PdfWorkerError: the worker itself cannot be started.
        """
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        assert self._conn is not None
        cpu0, started = self._cpu_seconds(), time.monotonic()
        self._conn.send(str(path))
        while True:
            # restarted by each OCR'd page's heartbeat
            if not self._conn.poll(self.timeout_s) and not self._starved(cpu0, started):
                self.close(kill=True)
                raise LoadError(f"PDF took longer than {self.timeout_s:g}s to read; abandoned (damaged or pathological?)")
            try:
                status, payload = self._conn.recv()
            except (EOFError, OSError):
                self.close(kill=True)
                raise LoadError("damaged PDF: the reader crashed on it") from None
            if status != "progress":
                break
        if status == "error":
            raise LoadError(payload)
        return payload

    def _cpu_seconds(self) -> float:
        try:
            import psutil

            t = psutil.Process(self._proc.pid).cpu_times()
            return t.user + t.system
        except Exception:  # gone, or no psutil: wall time alone decides
            return 0.0

    def _starved(self, cpu0: float, started: float) -> bool:
        """True if the worker is runnable but has had under ``timeout_s`` of CPU for this file.

        Why: the indexer embeds while the worker reads the next PDF, and on a busy 2-core
        machine a large but healthy PDF got under half a core and hit the wall-clock limit.
        Such a file gets up to ``STARVED_LIMIT_FACTOR`` times the limit; a pathological one
        (spinning on CPU) or a stalled one (sleeping) is still abandoned at the limit.
        """
        if time.monotonic() - started >= STARVED_LIMIT_FACTOR * self.timeout_s:
            return False
        try:
            import psutil

            running = psutil.Process(self._proc.pid).status() == psutil.STATUS_RUNNING
        except Exception:
            return False
        return running and self._cpu_seconds() - cpu0 < self.timeout_s

    def close(self, kill: bool = False) -> None:
        if self._proc is None:
            return
        try:
            if kill or self._conn is None:
                self._proc.kill()
            else:
                self._conn.send(None)
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        except (OSError, BrokenPipeError, ValueError, subprocess.TimeoutExpired):
            pass
        finally:
            if self._conn is not None:
                self._conn.close()
            self._proc = None
            self._conn = None

    def __enter__(self) -> PdfReaderProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def main(argv: list[str]) -> None:  # pragma: no cover - runs in the child process
    fd, mem_limit, ocr, ocr_max_pages = argv
    serve(Connection(int(fd)), int(mem_limit), ocr == "1", int(ocr_max_pages))


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
