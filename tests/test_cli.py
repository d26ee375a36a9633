"""The command line: JSON contracts, exit codes and messages (interfaces.md section 2)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cbam.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    document = json.loads(out, parse_float=Decimal) if "--json" in argv and code == 0 else out
    return code, document, err


def test_defaults_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = run(
        capsys,
        "defaults",
        "--cn",
        "2523 10 00",
        "--country",
        "CN",
        "--year",
        "2026",
        "--route",
        "A",
        "--json",
    )
    assert code == 0
    assert doc["total"] == Decimal("1.39")
    assert doc["value_used"] == Decimal("1.529")
    assert doc["country_used"] == "CN"
    required = {
        "cn",
        "country",
        "country_used",
        "route",
        "direct",
        "indirect",
        "total",
        "markup",
        "value_used",
        "dataset",
    }
    assert required <= doc.keys()
    assert "2025/2621" in doc["dataset"]


def test_defaults_other_countries(capsys: pytest.CaptureFixture[str]) -> None:
    # Fiji has no sheet in the workbook: the "Other countries and territories" row applies.
    code, doc, _ = run(capsys, "defaults", "--cn", "72081000", "--country", "FJ", "--json")
    assert code == 0
    assert doc["country_used"] == "OTHER"
    assert doc["total"] == Decimal("4.048689266")
    assert doc["value_used"] == Decimal("4.4535581926")
    assert "Other countries" in doc["fallback"]


def test_defaults_country_with_a_dash_falls_back_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc, _ = run(
        capsys, "defaults", "--cn", "25231000", "--country", "TR", "--route", "A", "--json"
    )
    assert code == 0 and doc["country_used"] == "OTHER"
    assert doc["total"] == Decimal("1.41") and doc["value_used"] == Decimal("1.551")
    assert "Türkiye" in doc["fallback"]


def test_defaults_unknown_country_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "defaults", "--cn", "72081000", "--country", "XX", "--json")
    assert code == 1
    assert "XX" in err and "Traceback" not in err


def test_defaults_scrap_is_not_a_cbam_good(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "defaults", "--cn", "7204 41 00", "--country", "CN")
    assert code == 1
    assert "not a CBAM good" in err


def test_defaults_malformed_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "defaults", "--cn", "72A", "--country", "CN")
    assert code == 1 and "CN code" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["defaults", "--cn", "72081000"])
    assert info.value.code == 2


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(capsys, "defaults", "--cn", "28141000", "--country", "CN")
    assert code == 0
    assert "value_used" in text and "4.4036" in text


def test_cost_trajectory(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = run(
        capsys,
        "cost",
        "--cn",
        "25231000",
        "--country",
        "CN",
        "--mass",
        "1000",
        "--year",
        "2026-2034",
        "--route",
        "A",
        "--price",
        "75.36",
        "--json",
    )
    assert code == 0
    years = doc["years"]
    assert [y["year"] for y in years] == list(range(2026, 2035))
    assert years[0]["certificates"] == Decimal("879.65")
    assert years[4]["certificates"] == Decimal("1464.01")
    assert years[-1]["free_allocation"] == 0


@pytest.mark.parametrize("case", ["B1", "B2", "B4"])
def test_certificate_cases_through_the_cli(
    capsys: pytest.CaptureFixture[str], spec_dir: Path, case: str
) -> None:
    cases = {
        c["id"]: c
        for c in json.loads((spec_dir / "examples.json").read_text())["certificate_cases"]
    }
    c = cases[case]
    country = c["country"] if len(c["country"]) == 2 else "FJ"
    mass = str(c.get("mass_t", c.get("quantity_mwh")))
    argv = [
        "cost",
        "--cn",
        c["cn"],
        "--country",
        country,
        "--mass",
        mass,
        "--year",
        str(c["year"]),
        "--price",
        str(c["price_eur"]),
        "--json",
    ]
    if c.get("route"):
        argv += ["--route", c["route"]]
    code, doc, _ = run(capsys, *argv)
    assert code == 0
    for key in ("embedded_emissions", "free_allocation", "certificates"):
        expected = Decimal(str(c["expected"][key]))
        assert abs(doc[key] - expected) <= Decimal("1e-6") * max(expected, Decimal(1))
    assert doc["cost_eur"] == Decimal(str(c["expected"]["cost_eur"])).quantize(Decimal("0.01"))
    assert doc["basis"] == "default"


def test_cost_with_actual_values(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = run(
        capsys,
        "cost",
        "--cn",
        "72081000",
        "--country",
        "IN",
        "--mass",
        "100",
        "--year",
        "2026",
        "--see-direct",
        "1.9",
        "--see-indirect",
        "0.3",
        "--benchmark-a",
        "1.4",
        "--price",
        "70",
        "--json",
    )
    assert code == 0 and doc["basis"] == "actual"
    assert doc["see_used"] == Decimal("1.9")  # Annex II good: direct only
    assert doc["benchmark"] == Decimal("1.4") and doc["benchmark_column"] == "user"


def test_data_import_reproduces_the_packaged_files(
    capsys: pytest.CaptureFixture[str], reference_dir: Path, tmp_path: Path
) -> None:
    from cbam.reference.manifest import DATA_DIR

    sources = {
        "import-benchmarks": reference_dir / "xlsx" / "benchmarks-ir-2025-2620-v1.xlsx",
        "import-legal-annexes": reference_dir / "legal" / "ir-2025-2621-default-values.txt",
    }
    for action, source in sources.items():
        code, _, err = run(capsys, "data", action, str(source), "--out", str(tmp_path), "--json")
        assert code == 0, err
    for name in (
        "benchmarks.csv",
        "grid_factors.csv",
        "electricity_factors.csv",
        "default_values_unknown_country.csv",
    ):
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes()


def test_data_import_of_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "data", "import-defaults", str(tmp_path / "nope.xlsx"))
    assert code == 1 and "nope.xlsx" in err


def test_data_info_lists_every_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = run(capsys, "data", "info", "--json")
    assert code == 0
    ids = {d["id"] for d in doc["datasets"]}
    assert {
        "default_values",
        "default_values_unknown_country",
        "benchmarks",
        "cn_codes",
        "grid_factors",
        "electricity_factors",
    } <= ids
    licensed = [d for d in doc["datasets"] if d["id"] in ("grid_factors", "electricity_factors")]
    assert all("CC BY-NC-SA" in (d["licence"] or "") for d in licensed)
