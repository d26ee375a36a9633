"""``cbam assess`` with the year's inputs: procedures, prices, holding, carbon price (issue 14).

Figures are worked out here from IR 2025/2621 (default values, mark-ups), IR 2025/2620
(Column B, CBAM factor) and the Commission's 2026 quarterly prices, as in
``tests/declaration/test_obligations.py``.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cbam.cli import main

D = Decimal
TR_7208, B_7208 = D("2.427511737"), D("1.370")
HEADER = "cn_code,country,net_mass,import_date,procedure,installation_id\n"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, str]:
    code = main(["assess", *args, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if code == 0 else None, captured.err


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_representative_file_of_two_importers(
    samples_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, document, _ = run(
        [str(samples_dir / "imports-representative-2026.csv"), "--year", "2026", "--out", str(out)],
        capsys,
    )
    assert code == 0
    importers = {one["eori"]: one for one in document["importers"]}
    de, nl = importers["DE123456789012345"], importers["NL987654321"]
    # DE: 22.4 + 41.25 + 1.8 (returned, counted) + 12 (inward-processing inputs) + 6.2; the
    # 30 t placed under inward processing (5100) do not count.
    assert D(str(de["de_minimis"]["net_mass_counted"])) == D("83.65")
    assert de["de_minimis"]["exempt"] is False
    # NL: 24 + 9.5 + 4.3 = 37.8 t, exempt; its 310 MWh of electricity stay in scope.
    assert D(str(nl["de_minimis"]["net_mass_counted"])) == D("37.8")
    assert nl["de_minimis"]["exempt"] is True
    total = D(str(de["totals"]["certificates"])) + D(str(nl["totals"]["certificates"]))
    assert D(str(document["totals"]["certificates"])) == total
    with (out / "DE123456789012345" / "lines.csv").open(encoding="utf-8") as handle:
        rows = {row["line_id"]: row for row in csv.DictReader(handle)}
    assert rows["R-003"]["procedure_rule"] == "returned goods"
    assert D(rows["R-003"]["certificates"]) == 0
    assert rows["R-004"]["procedure_rule"] == "not imported"
    ip = rows["R-005"]
    assert (ip["procedure_rule"], ip["cn"], ip["declared_cn"]) == (
        "inward processing",
        "72081000",
        "84314980",
    )
    # 12 t of Turkish 7208 10 00 at 2.427511737 x 1.10, less 0.975 x 1.370, at Q2's EUR 75.28
    assert D(ip["certificates"]) == D(12) * (TR_7208 * D("1.10") - D("0.975") * B_7208)
    declaration = json.loads((out / "NL987654321" / "declaration.json").read_text())
    assert declaration["importer"] == "NL987654321"


def test_flat_price_for_2027(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    imports = write(tmp_path / "i.csv", HEADER + "72081000,TR,100,2027-03-01,4000,\n")
    code, document, _ = run(
        [str(imports), "--year", "2027", "--out", str(tmp_path / "o"), "--price", "80"], capsys
    )
    assert code == 0
    certificates = D(100) * (TR_7208 * D("1.20") - D("0.95") * B_7208)
    assert D(str(document["totals"]["certificates"])) == certificates
    assert D(str(document["totals"]["cost_eur"])) == certificates * 80
    lines = (tmp_path / "o" / "lines.csv").read_text(encoding="utf-8")
    assert next(csv.DictReader(lines.splitlines()))["price_basis"] == "flat"


def test_purchase_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    imports = write(tmp_path / "i.csv", HEADER + "72081000,TR,100,2027-03-01,4000,\n")
    plan = write(
        tmp_path / "plan.csv", "date,certificates,price_eur\n2027-06-01,60,70\n2028-05-02,40,90\n"
    )
    code, document, _ = run(
        [
            str(imports),
            "--year",
            "2027",
            "--out",
            str(tmp_path / "o"),
            "--purchase-plan",
            str(plan),
        ],
        capsys,
    )
    assert code == 0
    certificates = D(str(document["totals"]["certificates"]))
    assert D(str(document["totals"]["cost_eur"])) == certificates * 78  # (60x70 + 40x90)/100


@pytest.mark.parametrize(
    ("year", "extra", "files", "says"),
    [
        ("2026", ["--price", "80"], {}, "Art. 21(1a)"),
        (
            "2028",
            ["--previous-surrender", "{prev}"],
            {"prev": "year,cn_code,country,certificates,net_mass\n2027,72081000,TR,90,60\n"},
            "2026",
        ),
        (
            "2027",
            ["--purchase-plan", "{plan}"],
            {"plan": "date,certificates\n2026-13-01,5\n"},
            "row 2",
        ),
        (
            "2026",
            ["--exchange-rates", "{fx}"],
            {"fx": "currency,year,per_eur\nKRW,2026,-3\n"},
            "per_eur",
        ),
    ],
)
def test_option_errors_exit_1_and_write_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    year: str,
    extra: list[str],
    files: dict[str, str],
    says: str,
) -> None:
    imports = write(tmp_path / "i.csv", HEADER + f"72081000,TR,100,{year}-03-01,4000,\n")
    paths = {name: str(write(tmp_path / f"{name}.csv", text)) for name, text in files.items()}
    args = [a.format(**paths) for a in extra]
    out = tmp_path / "o"
    code, _, err = run([str(imports), "--year", year, "--out", str(out), *args], capsys)
    assert code == 1
    assert says in err
    assert "Traceback" not in err
    assert not out.exists()


def test_carbon_price_on_a_default_line_without_default_prices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imports = write(
        tmp_path / "i.csv",
        "cn_code,country,net_mass,import_date,carbon_price_paid,carbon_price_currency,"
        "carbon_price_year,carbon_price_evidence,carbon_price_certifier\n"
        "72081000,TR,100,2026-03-01,500,EUR,2026,invoice 7,Verifica Srl\n",
    )
    out = tmp_path / "o"
    code, _, err = run([str(imports), "--year", "2026", "--out", str(out)], capsys)
    assert code == 1
    assert "row 2" in err and "carbon_price_paid" in err and "Art. 9(4)" in err
    assert not out.exists()
    prices = write(tmp_path / "dcp.csv", "country,year,price_eur\nTR,2026,10\n")
    code, document, _ = run(
        [str(imports), "--year", "2026", "--out", str(out), "--default-carbon-prices", str(prices)],
        capsys,
    )
    assert code == 0
    # 100 t x 2.6702629107 embedded x EUR 10 / 75.36 (the highest 2026 price known).
    embedded = D(100) * TR_7208 * D("1.10")
    deduction = D(str(document["totals"]["carbon_price_deduction"]))
    assert abs(deduction - embedded * 10 / D("75.36")) < D("1e-9")
