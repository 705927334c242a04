"""One typed settings object, read from the environment when asked, documented in one table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.app.cli import build_parser
from assistant.settings import ENVIRONMENT, Settings, environment_table

from conftest import ROOT


def test_defaults_and_overrides():
    s = Settings.from_env({})
    assert s == Settings()
    s = Settings.from_env(
        {
            "ASSISTANT_READER_PASSAGES": "4",
            "ASSISTANT_MAX_FILE_MB": "1.5",
            "ASSISTANT_OCR": "off",
            "ASSISTANT_CORPUS_DIR": "/tmp/docs",
            "ASSISTANT_LLM_URL": "http://127.0.0.1:8080/v1",
        }
    )
    assert s.reader.passages == 4 and s.loading.max_file_bytes == int(1.5 * 1024 * 1024)
    assert not s.loading.ocr_enabled and s.corpus_dir == Path("/tmp/docs") and s.llm.url == "http://127.0.0.1:8080/v1"
    assert s.with_value("retrieval.candidates", 7).retrieval.candidates == 7


def test_a_bad_value_names_the_variable():
    with pytest.raises(ValueError, match="ASSISTANT_PORT='eighty' is not a valid integer"):
        Settings.from_env({"ASSISTANT_PORT": "eighty"})
    with pytest.raises(ValueError, match="ASSISTANT_ENCODER"):
        Settings.from_env({"ASSISTANT_ENCODER": "gpu"})


def test_a_variable_set_after_import_is_used(monkeypatch):
    """Nothing is read at import time: setting a variable before asking is always enough."""
    monkeypatch.setenv("ASSISTANT_PORT", "8123")
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "3")
    s = Settings.from_env()
    assert s.server.port == 8123 and s.server.max_upload_mb == 3
    assert build_parser(s).parse_args(["serve"]).port == 8123


def test_every_variable_the_code_names_is_in_the_table():
    named = set()
    for path in (ROOT / "assistant").rglob("*.py"):
        named |= set(re.findall(r"ASSISTANT_[A-Z_]+", path.read_text(encoding="utf-8")))
    assert named <= {v.name for v in ENVIRONMENT}, named - {v.name for v in ENVIRONMENT}
    for var in ENVIRONMENT:
        Settings().get(var.path)  # every variable maps onto a real setting


def test_the_readme_table_is_the_settings_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert environment_table() in readme, "README's configuration table differs: paste settings.environment_table()"
