"""Shared fixtures.

Tests that read the official sources in ``../shared/reference`` use the ``reference_dir``
fixture: it skips with a reason when the folder is absent and fails instead when
``CBAM_REQUIRE_REFERENCE=1`` (as CI sets it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI runs hypothesis derandomised (the same examples every run, so a red build is reproducible)
# and bounded (max_examples caps each property; the deadline catches a pathological slowdown).
# A test's own @settings(max_examples=...) still wins where it asks for fewer.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=50,
    deadline=2000,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(os.environ.get("CBAM_REFERENCE_DIR", ROOT.parent / "shared" / "reference"))
SPEC = REFERENCE.parent / "spec"


def _require(path: Path) -> Path:
    if path.exists():
        return path
    message = f"official reference material not found at {path}"
    if os.environ.get("CBAM_REQUIRE_REFERENCE") == "1":
        pytest.fail(message + " (CBAM_REQUIRE_REFERENCE=1)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/reference`` (the official workbooks, legal texts and XSD)."""
    return _require(REFERENCE)


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    """``../shared/spec`` (methodology notes and ``examples.json``)."""
    return _require(SPEC)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The project's bundled ``samples/`` folder."""
    return ROOT / "samples"
