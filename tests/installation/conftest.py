"""Fixtures of the installation-engine tests (the fakes live in helpers.py)."""

from __future__ import annotations

import pytest

from tests.installation.helpers import FakeLookups


@pytest.fixture
def fake() -> FakeLookups:
    return FakeLookups()
