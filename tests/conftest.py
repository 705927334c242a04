"""Shared fixtures: the real embedding model (loaded once), real files, temporary folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import assistant  # noqa: F401  (sets the offline environment first)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"
EVAL = SHARED / "eval"
PDFS = EVAL / "pdfs"
BUNDLED = ROOT / "docs_corpus"

MULTIPAGE_PDF = PDFS / "pypdf_sample-files/004-pdflatex-4-pages__pdflatex-4-pages.pdf"
EMPTY_PASSWORD_PDF = PDFS / "pypdf_resources/resources__encryption__r2-empty-password.pdf"
AES_EMPTY_PASSWORD_PDF = PDFS / "pypdf_resources/resources__encryption__r4-aes-v2-no-key-length.pdf"
PASSWORD_PDF = PDFS / "pypdf_resources/resources__encrypted-file.pdf"
CORRUPT_PDF = PDFS / "ocrmypdf_resources/tests__resources__invalid.pdf"
SCANNED_PDF = PDFS / "ocrmypdf_resources/tests__resources__trivial.pdf"


IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_milvus() -> None:
    """Skip without the ``milvus`` extra locally; CI installs it, so there a missing client fails."""
    if os.environ.get("CI"):
        import pymilvus  # noqa: F401
    else:
        pytest.importorskip("pymilvus", reason='needs the milvus extra: pip install -e ".[milvus]"')


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory):
    """A real Milvus standalone server (2.3, from the PyPI package ``milvus``: embedded etcd, local storage),
    started once for the session; yields its URI. Skips, saying why, where the package or its x86-64 Linux
    binary is missing, except in CI, which installs it (the test extra): there a missing server fails."""
    require_milvus()
    try:
        from milvus import MilvusServer
    except ImportError:
        if IN_CI:
            raise
        pytest.skip('needs the Milvus server package: pip install -e ".[milvus-server]" (x86-64 Linux)')
    server = MilvusServer()
    server.set_base_dir(str(tmp_path_factory.mktemp("milvus-server")))
    server.listen_port = _free_port()
    try:
        server.start()
    except Exception as e:  # the binary cannot run here (another platform, a missing library)
        if IN_CI:
            raise
        pytest.skip(f"the Milvus server binary does not start here: {e}")
    try:
        yield f"http://127.0.0.1:{server.listen_port}"
    finally:
        from assistant.index.milvus import close_clients

        close_clients()
        server.stop()


def needs_shared(path: Path):
    """Skip a test whose data under ``../shared`` is absent, except in CI: there the data must be
    present (``tests/test_shared_data.py`` fails instead), so a missing folder cannot turn the
    benchmarks and PDF tests into silent skips."""
    return pytest.mark.skipif(not path.exists() and not IN_CI, reason=f"{path} not available")


@pytest.fixture(scope="session")
def embedder():
    from assistant import Settings
    from assistant.encode import Embedder

    return Embedder.from_settings(Settings.from_env())


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the bundled corpus."""
    dst = tmp_path / "corpus"
    shutil.copytree(BUNDLED, dst)
    return dst


@pytest.fixture(scope="session")
def seed_bot(tmp_path_factory):
    """An assistant over the bundled corpus, indexed once for the session."""
    from assistant import Assistant

    base = tmp_path_factory.mktemp("seedbot")
    corpus = base / "corpus"
    shutil.copytree(BUNDLED, corpus)
    return Assistant(corpus_dir=corpus, index_dir=base / "index")
