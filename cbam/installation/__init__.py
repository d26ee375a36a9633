"""Operator wing: specific embedded emissions of an installation's goods.

IR 2025/2547 Annex II B (source streams), Annex III A (attribution, Eqs. 52-58) and Annex III B
(complex goods, Eqs. 59-63). Read a file with :func:`load_installation`, compute with
:func:`compute_see`; the result carries the audit trail of every number.
"""

from __future__ import annotations

from cbam.installation.lookups import PackagedLookups, ReferenceLookups
from cbam.installation.model import (
    Installation,
    installation_json_schema,
    load_installation,
    parse_installation,
)
from cbam.installation.result import InstallationResult, PrecursorResult, ProcessResult
from cbam.installation.see import compute_see

__all__ = [
    "Installation",
    "InstallationResult",
    "PackagedLookups",
    "PrecursorResult",
    "ProcessResult",
    "ReferenceLookups",
    "compute_see",
    "installation_json_schema",
    "load_installation",
    "parse_installation",
]
