"""The shared benchmark data must be there in CI: without it many tests would skip, and a
green run would test much less than it claims."""

from __future__ import annotations

import pytest

from conftest import EVAL, IN_CI, MULTIPAGE_PDF, SEEDS, SHARED


@pytest.mark.parametrize("path", [SHARED, SEEDS, EVAL / "clapnq" / "test.jsonl", EVAL / "pdfs", MULTIPAGE_PDF], ids=lambda p: p.name)
def test_shared_data_is_present(path):
    if not path.exists() and not IN_CI:
        pytest.skip(f"{path} not available (outside CI the shared data is optional)")
    assert path.exists(), f"{path} is missing: CI must run next to ../shared (see the README)"
