"""``cbam assess`` on the bundled samples: the main job end to end."""

from __future__ import annotations

import csv
import json
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest

from cbam.cli import main
from cbam.declaration.assess import EXACT
from cbam.declaration.certificates import round_eur, round_figure, round_tonnes


@pytest.fixture(scope="module")
def assessed(
    samples_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("assess")
    argv = [
        "assess",
        str(samples_dir / "imports-2026.csv"),
        "--suppliers",
        str(samples_dir / "suppliers"),
        "--year",
        "2026",
        "--out",
        str(out),
        "--json",
    ]
    if (samples_dir / "declarant.json").exists():
        argv += ["--declarant", str(samples_dir / "declarant.json")]
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(argv)
    assert code == 0
    return json.loads(buffer.getvalue(), parse_float=Decimal, parse_int=Decimal), out


def test_json_contract(assessed: tuple[dict[str, Any], Path]) -> None:
    doc, _ = assessed
    assert {"totals", "de_minimis", "lines", "outputs"} <= doc.keys()
    assert set(doc["totals"]) >= {
        "net_mass",
        "embedded_emissions",
        "free_allocation",
        "certificates",
        "cost_eur",
        "electricity_mwh",
    }
    assert doc["lines"] == 300
    assert doc["de_minimis"]["exempt"] is False
    names = sorted(Path(p).name for p in doc["outputs"])
    assert names == ["declaration.json", "declaration.xml", "lines.csv", "report.xlsx"]
    assert all(Path(p).is_file() for p in doc["outputs"])


def test_totals_equal_the_sum_of_lines_csv_exactly(assessed: tuple[dict[str, Any], Path]) -> None:
    doc, out = assessed
    sums: dict[str, Decimal] = {}
    with (out / "lines.csv").open(newline="", encoding="utf-8") as handle, localcontext(EXACT):
        rows = list(csv.DictReader(handle))
        for key in ("embedded_emissions", "free_allocation", "certificates", "cost_eur"):
            sums[key] = sum((Decimal(r[key]) for r in rows), Decimal(0))
        # Tonnes and MWh are never added together: electricity (CN 2716 00 00) apart.
        sums["net_mass"] = sum(
            (Decimal(r["net_mass"]) for r in rows if r["cn"] != "27160000"), Decimal(0)
        )
        sums["electricity_mwh"] = sum(
            (Decimal(r["net_mass"]) for r in rows if r["cn"] == "27160000"), Decimal(0)
        )
    assert len(rows) == 300
    assert sums["electricity_mwh"] > 0
    for key, total in sums.items():
        assert doc["totals"][key] == total, key


def test_declaration_json_holds_the_same_totals(assessed: tuple[dict[str, Any], Path]) -> None:
    doc, out = assessed
    declaration = json.loads((out / "declaration.json").read_text(), parse_float=Decimal)
    # The declaration gives the exact total rounded: certificates to at most 6 decimals, emissions
    # over the year in whole tonnes (IR 2025/2547 Annex II A.1(6)), money to the cent.
    totals = {k: Decimal(str(v)) for k, v in declaration["totals"].items()}
    assert totals["certificates"] == round_figure(doc["totals"]["certificates"])
    assert totals["embedded_emissions"] == round_tonnes(doc["totals"]["embedded_emissions"])
    assert totals["cost_eur"] == round_eur(doc["totals"]["cost_eur"])
    assert totals["electricity_mwh"] == doc["totals"]["electricity_mwh"]
    bases = {g["basis"] for g in declaration["goods"]}
    assert bases == {"actual", "default"}


def test_bad_input_exits_1_without_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imports = tmp_path / "imports.csv"
    imports.write_text(
        "cn_code,country,net_mass,import_date\n72081000,CN,1,2026-01-01\n72081000,ZZ,1,2026-01-02\n"
    )
    out = tmp_path / "out"
    code = main(["assess", str(imports), "--year", "2026", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "row 3" in err and "ZZ" in err and str(imports) in err
    # The outputs appear together or not at all: the folder was never made, nothing beside it.
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["imports.csv"]


def test_line_of_another_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    imports = tmp_path / "imports.csv"
    imports.write_text("cn_code,country,net_mass,import_date\n72081000,CN,1,2027-01-01\n")
    code = main(["assess", str(imports), "--year", "2026", "--out", str(tmp_path / "o")])
    assert code == 1
    assert "row 2" in capsys.readouterr().err


def test_progress_only_on_a_terminal(
    samples_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = [
        "assess",
        str(samples_dir / "imports-2026.csv"),
        "--year",
        "2026",
        "--out",
        str(tmp_path / "quiet"),
        "--json",
    ]
    assert main(argv) == 0
    quiet = capsys.readouterr()
    assert quiet.err == ""
    json.loads(quiet.out)  # stdout is exactly one JSON document
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    argv[-2] = str(tmp_path / "loud")
    assert main(argv) == 0
    loud = capsys.readouterr()
    assert "assessing the customs lines" in loud.err and "done" in loud.err
    json.loads(loud.out)
    # Long work counts its lines, not only its stages.
    monkeypatch.setattr("cbam.declaration.engine.PROGRESS_EVERY", 100)
    argv[-2] = str(tmp_path / "counted")
    assert main(argv) == 0
    counted = capsys.readouterr().err
    assert "100 lines assessed" in counted and "300 lines assessed" in counted


def test_table_keeps_tonnes_and_mwh_apart(
    samples_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imports = samples_dir / "imports-2026.csv"
    assert main(["assess", str(imports), "--year", "2026", "--out", str(tmp_path / "o")]) == 0
    table = capsys.readouterr().out
    header = table.splitlines()[0].split("  ")
    assert "net mass t" in [h.strip() for h in header]
    assert "electricity MWh" in [h.strip() for h in header]
    electricity = next(x for x in table.splitlines() if x.startswith("27160000"))
    assert " - " in electricity  # no tonnes for electricity
    total = next(x for x in table.splitlines() if x.startswith("TOTAL")).split()
    # t of all goods but electricity, then MWh (the samples: 5,112.654 MWh)
    assert total[2] == "5,112.654"
    assert "67,340.672" not in table  # never tonnes and MWh in one sum
    assert "de minimis: 62,228.018 t counted against 50 t" in table
