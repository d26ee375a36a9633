"""Supplier values verified for the reporting period 2026 (Reg. (EU) 2023/956 Art. 8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cbam.installation.model import Verification

#: A satisfactory verification of the 2026 report, dated after the period.
VERIFICATION_2026 = Verification(
    verifier="Example Verification GmbH",
    accreditation="D-VS-00001",
    report="VR-2026-001",
    date=dt.date(2027, 3, 31),
    opinion="satisfactory",
)

#: Keyword arguments that make a SupplierValue usable for 2026 imports.
VERIFIED_2026: dict[str, Any] = {
    "period_start": dt.date(2026, 1, 1),
    "period_end": dt.date(2026, 12, 31),
    "verification": VERIFICATION_2026,
}

#: The installation-file block of the same verification.
VERIFICATION_BLOCK: dict[str, Any] = {
    "verifier": "Example Verification GmbH",
    "accreditation": "D-VS-00001",
    "report": "VR-2026-001",
    "date": "2027-03-31",
    "opinion": "satisfactory",
}
