"""``see_report``: the ``cbam see`` document for installation files and templates."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cbam.formats.installation_files import see_report
from cbam.installation.report import workbook_differences
from tests.installation.helpers import FakeLookups

EXAMPLES = {
    "example-1-cement.xlsx": ["25232900"],
    "example-2-steel-blast-furnace.xlsx": ["72081000", "72122000", "72139120", "73021028"],
    "example-4-screws-and-nuts.xlsx": ["73181542", "73181535"],
}


def test_installation_file(samples_dir: Path) -> None:
    doc = see_report(samples_dir / "installations" / "screws.json", lookups=FakeLookups())
    assert [p["id"] for p in doc["processes"]] == ["P1", "P2"]
    assert (
        doc["processes"][1]["see_indirect"] == Decimal("1366.12") / 8200 + Decimal("17320") / 8200
    )
    assert "differences" not in doc


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_commission_workbooks_agree_with_the_engine(reference_dir: Path, name: str) -> None:
    pytest.importorskip("cbam.formats.template")
    pytest.importorskip("cbam.goods")
    doc = see_report(reference_dir / "xlsx" / name)
    assert doc["differences"] == []
    assert {row["cn"] for row in doc["workbook_summary"]} <= set(EXAMPLES[name])
    assert all("see_total" in p for p in doc["processes"])


def test_differences_are_named(samples_dir: Path) -> None:
    from cbam.installation import compute_see, load_installation

    result = compute_see(
        load_installation(samples_dir / "installations" / "screws.json"), lookups=FakeLookups()
    )
    summary = [
        {"cn": "73181542", "see_direct": Decimal("2.1"), "see_indirect": Decimal("0.4066"),
         "location": "sheet Summary_Products, row 10"},
        {"cn": "99999999", "see_direct": Decimal(1), "see_indirect": None},
    ]  # fmt: skip
    found = workbook_differences(result, summary)
    assert len(found) == 2
    assert "73181542" in found[0] and "see_direct" in found[0] and "row 10" in found[0]
    assert "99999999" in found[1]
