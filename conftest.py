"""Doctests of cbam/ (collected with ``--doctest-modules``, see pyproject.toml).

The examples in the docstrings use paths relative to the repository root (``samples/...``), so
each doctest runs from there whatever folder pytest was started in. Examples that need the
official sources name them through ``reference_dir``: the folder ``../shared/reference`` beside
the checkout, or ``CBAM_REFERENCE_DIR``. Those examples are skipped when the folder is absent,
and fail instead when ``CBAM_REQUIRE_REFERENCE=1`` (as CI sets it), like the tests that need it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent
REFERENCE = Path(os.environ.get("CBAM_REFERENCE_DIR", ROOT.parent / "shared" / "reference"))


def _needs_reference(item: pytest.DoctestItem) -> bool:
    test = item.dtest
    return test is not None and any("reference_dir" in ex.source for ex in test.examples)


@pytest.fixture(autouse=True)
def _doctest_setting(
    request: pytest.FixtureRequest,
    doctest_namespace: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """Run doctests from the repository root, with ``reference_dir`` defined."""
    item = request.node
    if not isinstance(item, pytest.DoctestItem):
        yield
        return
    if _needs_reference(item) and not REFERENCE.exists():
        message = f"official reference material not found at {REFERENCE}"
        if os.environ.get("CBAM_REQUIRE_REFERENCE") == "1":
            pytest.fail(message + " (CBAM_REQUIRE_REFERENCE=1)")
        pytest.skip(message)
    doctest_namespace["reference_dir"] = REFERENCE
    monkeypatch.chdir(ROOT)
    yield
