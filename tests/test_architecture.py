"""The package's shape: one folder per stage, data flowing one way, settings read in one place.

Every import is counted, also those inside functions, so a cycle cannot hide in a lazy import.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "assistant"

# Lower layers never import higher ones: files -> chunks -> vectors -> index -> passages -> answer.
LAYERS = [
    {"assistant.settings", "assistant.schema", "assistant.errors", "assistant.files", "assistant.text"},
    {"assistant.ingest"},
    {"assistant.encode"},
    {"assistant.index"},
    {"assistant.retrieve"},
    {"assistant.answer"},
    {"assistant.evaluate"},
    {"assistant.core"},
    {"assistant.app", "assistant.__main__"},
]
STAGES = ["ingest", "encode", "index", "retrieve", "answer", "evaluate", "app", "text"]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """Modules of this package that ``name`` imports, anywhere in its body."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            # "from .x import y" depends on x.y when y is a submodule, else on x itself
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in MODULES else mod for a in node.names]
        else:
            continue
        out.update(t for t in targets if t in MODULES and t != name)
    return out


GRAPH = {m: imports_of(m) for m in MODULES}


def layer(mod: str) -> int:
    for i, group in enumerate(LAYERS):
        if any(mod == g or mod.startswith(g + ".") for g in group):
            return i
    raise AssertionError(f"{mod} belongs to no layer; add it to LAYERS")


def test_every_stage_has_its_own_folder():
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text()))
        assert doc, f"assistant/{stage}/__init__.py needs a docstring saying what the stage does"
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "core.py", "errors.py", "files.py", "schema.py", "settings.py"]


def test_no_import_cycles():
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                cycle = stack[stack.index(n) :] + [n]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if m != "assistant"))
def test_data_flows_one_way(mod):
    """A module imports only its own layer or lower ones (the root ``assistant`` is the public face)."""
    for dep in GRAPH[mod]:
        if dep == "assistant":
            continue
        assert layer(dep) <= layer(mod), f"{mod} (layer {layer(mod)}) imports {dep} (layer {layer(dep)})"


def test_only_core_and_the_app_know_the_assistant():
    """Stages take a snapshot, an encoder, settings — never the ``Assistant``."""
    for mod, path in MODULES.items():
        if mod in ("assistant", "assistant.core") or mod.startswith("assistant.app"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "core import" not in text and "bot." not in text.replace("bot.search", "").replace("bot.ask", "").replace("bot.corpus_dir", ""), mod


def test_the_environment_is_read_only_by_settings():
    reads = re.compile(r"os\.environ\.get|os\.getenv|os\.environ\[")
    for mod, path in MODULES.items():
        if mod == "assistant.settings":
            continue
        assert not reads.search(path.read_text(encoding="utf-8")), f"{mod} reads the environment; use Settings"
