"""Production routes and the verifier in the communication template (read and fill)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cbam.formats.installation_files import load_suppliers
from cbam.formats.template import fill_template, read_template
from cbam.installation import parse_installation
from tests.verified import VERIFICATION_BLOCK


@pytest.fixture(scope="module")
def blank(reference_dir: Path) -> Path:
    return reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx"


def plant(processes: list[dict[str, Any]], **extra: Any) -> Any:
    document = {
        "installation": {"name": "Plant", "country": "CN", "id": "CN-1"},
        "reporting_period": {"start": "2026-01-01", "end": "2026-12-31"},
        "processes": processes,
        **extra,
    }
    return parse_installation(document, source="plant.json")


def test_routes_and_verifier_round_trip(blank: Path, tmp_path: Path) -> None:
    smelter = {"id": "P1", "good": "unwrought aluminium", "cn_codes": ["76011010"],
               "route": "K", "activity_level": 1000, "direct_emissions": 1800}  # fmt: skip
    roller = {
        "id": "P2",
        "good": "aluminium products",
        "cn_codes": ["76061299"],
        "activity_level": 500,
        "direct_emissions": 50,
        "precursors": [
            {"from_process": "P1", "mass": 300},
            {"name": "scrap ingot", "good": "unwrought aluminium", "country": "TR",
             "route": "L", "mass": 220},
        ],
    }  # fmt: skip
    out = tmp_path / "plant.xlsx"
    fill_template(plant([smelter, roller], verification=VERIFICATION_BLOCK), blank, out)
    book = read_template(out)
    processes = book.installation_dict["processes"]
    assert processes[0]["route"] == "K"
    assert "route" not in processes[1]  # "Aluminium products": all production routes
    bought = [p for p in processes[1]["precursors"] if "from_process" not in p]
    assert bought[0]["route"] == "L"
    # The template holds the verifier and accreditation, not the opinion or date.
    assert book.installation_dict["verification"] == {
        "verifier": VERIFICATION_BLOCK["verifier"],
        "accreditation": VERIFICATION_BLOCK["accreditation"],
    }
    assert any("no field for the verification opinion" in n for n in book.notes)
    # So its values count as unverified in an assessment.
    folder = tmp_path / "suppliers"
    folder.mkdir()
    out.rename(folder / "plant.xlsx")
    values = load_suppliers(folder, 2026)
    assert {v.route for v in values if v.process_id == "P1"} == {"K"}
    assert all(v.verification is not None and v.verification.opinion is None for v in values)


def test_crude_steel_routes(blank: Path, tmp_path: Path) -> None:
    eaf = {"id": "P1", "good": "crude steel", "cn_codes": ["72071114"], "route": "E",
           "activity_level": 100, "direct_emissions": 10}  # fmt: skip
    out = tmp_path / "eaf.xlsx"
    fill_template(plant([eaf]), blank, out)
    book = read_template(out)
    assert "route" not in book.installation_dict["processes"][0]
    assert any("'Electric arc furnace' does not tell DRI" in n for n in book.notes)
    bof = {"id": "P1", "good": "crude steel", "cn_codes": ["72241090"], "route": "F",
           "activity_level": 100, "direct_emissions": 10}  # fmt: skip
    fill_template(plant([bof]), blank, out)
    # "Basic oxygen steelmaking" is (F) for a low-alloy code, (C) for a carbon one.
    assert read_template(out).installation_dict["processes"][0]["route"] == "F"
