"""Issue 13 end to end through ``cbam``: routes of actual values, period and verification,
every default-value line resolving, ``cbam cost --installation``.

Expected figures are computed here from the benchmark and default-value workbooks (read with
openpyxl, tests/workbook_values.py) and the Directive's CBAM factor (97.5 % in 2026).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lxml import etree

from cbam.cli import main
from tests.verified import VERIFICATION_BLOCK
from tests.workbook_values import benchmark, default_row

D = Decimal
FACTOR_2026 = D("0.975")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    document = json.loads(out, parse_float=Decimal) if "--json" in argv and code == 0 else out
    return code, document, err


def smelter(
    folder: Path,
    *,
    route: str | None = "K",
    period: str = "2026",
    verification: dict[str, Any] | None = None,
) -> Path:
    """A primary aluminium smelter: 1,000 t at SEE 1.8 (direct only, Annex II good)."""
    process: dict[str, Any] = {
        "id": "P1",
        "good": "unwrought aluminium",
        "cn_codes": ["76011010"],
        "activity_level": 1000,
        "direct_emissions": 1800,
    }
    if route:
        process["route"] = route
    document: dict[str, Any] = {
        "installation": {"name": "Smelter", "country": "CN", "id": "CN-AL-1"},
        "reporting_period": {"start": f"{period}-01-01", "end": f"{period}-12-31"},
        "processes": [process],
    }
    if verification is not None:
        document["verification"] = verification
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "smelter.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def imports(folder: Path, rows: list[dict[str, str]]) -> Path:
    path = folder / "imports.csv"
    header = sorted({k for row in rows for k in row})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def assess(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rows: list[dict[str, str]], *extra: str
) -> tuple[int, Any, str, Path]:
    out = tmp_path / "out"
    code, doc, err = run(
        capsys,
        "assess",
        str(imports(tmp_path, rows)),
        "--suppliers",
        str(tmp_path / "suppliers"),
        "--year",
        "2026",
        "--out",
        str(out),
        "--json",
        *extra,
    )
    return code, doc, err, out


def lines_csv(out: Path) -> list[dict[str, str]]:
    with (out / "lines.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ALUMINIUM = {
    "line_id": "AL-1",
    "cn_code": "7601 10 10",
    "country": "CN",
    "net_mass": "1000",
    "import_date": "2026-05-04",
    "installation_id": "CN-AL-1",
}


@pytest.mark.parametrize(("route", "cell"), [("K", "(K)"), ("L", "(L)")])
def test_the_aluminium_case(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    reference_dir: Path,
    route: str,
    cell: str,
) -> None:
    """Done when: 412.575 certificates with route K, the secondary figure only with L."""
    smelter(tmp_path / "suppliers", route=route, verification=VERIFICATION_BLOCK)
    code, doc, err, out = assess(capsys, tmp_path, [ALUMINIUM])
    assert code == 0, err
    column_a = benchmark(reference_dir, "76011010", "A", cell)
    expected = D(1000) * (D("1.8") - FACTOR_2026 * column_a)
    assert doc["totals"]["certificates"] == expected
    assert expected == {"K": D("412.575"), "L": D("1711.275")}[route]
    (line,) = lines_csv(out)
    assert (line["basis"], line["route"], line["route_basis"]) == ("actual", route, "supplier")
    assert (line["basis_reason"], line["estimate"]) == ("verified", "false")


def test_without_a_route_the_lowest_benchmark_and_it_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reference_dir: Path
) -> None:
    smelter(tmp_path / "suppliers", route=None, verification=VERIFICATION_BLOCK)
    code, doc, _, out = assess(capsys, tmp_path, [ALUMINIUM])
    assert code == 0
    lowest = benchmark(reference_dir, "76011010", "A", "(L)")
    assert doc["totals"]["certificates"] == D(1000) * (D("1.8") - FACTOR_2026 * lowest)
    (line,) = lines_csv(out)
    assert (line["route"], line["route_basis"]) == ("L", "lowest")
    assert doc["route_bases"] == {"lowest": 1}
    assert any("route_basis 'lowest' on 1 line" in n for n in doc["notes"])
    declaration = json.loads((out / "declaration.json").read_text("utf-8"))
    assert declaration["route_bases"] == {"lowest": 1}
    assert declaration["goods"][0]["route_basis"] == "lowest"


def test_the_line_route_overrides_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reference_dir: Path
) -> None:
    smelter(tmp_path / "suppliers", route="K", verification=VERIFICATION_BLOCK)
    code, doc, _, out = assess(capsys, tmp_path, [{**ALUMINIUM, "route": "L"}])
    assert code == 0
    secondary = benchmark(reference_dir, "76011010", "A", "(L)")
    assert doc["totals"]["certificates"] == D(1000) * (D("1.8") - FACTOR_2026 * secondary)
    assert lines_csv(out)[0]["route_basis"] == "line"


@pytest.mark.parametrize(
    ("period", "verification", "reason"),
    [
        ("2025", VERIFICATION_BLOCK, "other-period"),
        ("2026", None, "unverified"),
        ("2026", {**VERIFICATION_BLOCK, "opinion": "not satisfactory"}, "not-satisfactory"),
        ("2026", {k: v for k, v in VERIFICATION_BLOCK.items() if k != "opinion"}, "unverified"),
        ("2026", {**VERIFICATION_BLOCK, "date": "2026-06-30"}, "unverified"),
    ],
)
def test_actual_values_of_another_period_or_unverified_take_the_default(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    reference_dir: Path,
    period: str,
    verification: dict[str, Any] | None,
    reason: str,
) -> None:
    smelter(tmp_path / "suppliers", period=period, verification=verification)
    code, doc, _, out = assess(capsys, tmp_path, [ALUMINIUM])
    assert code == 0
    direct, total, route = default_row(reference_dir, "China", "7601")
    assert route == "(K)"
    see = (direct or total) * D("1.1")  # IR 2025/2621 Annex I: 10 % mark-up in 2026
    bm = benchmark(reference_dir, "76011010", "B", "(K)")
    assert doc["totals"]["certificates"] == D(1000) * (see - FACTOR_2026 * bm)
    (line,) = lines_csv(out)
    assert (line["basis"], line["basis_reason"], line["estimate"]) == ("default", reason, "false")
    assert doc["basis_reasons"] == {reason: 1} and doc["estimate"] is False
    assert any(f"basis_reason '{reason}'" in n for n in doc["notes"])


def test_accept_unverified_makes_every_output_an_estimate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    smelter(tmp_path / "suppliers", verification=None)
    code, doc, _, out = assess(capsys, tmp_path, [ALUMINIUM], "--accept-unverified")
    assert code == 0
    assert doc["totals"]["certificates"] == D("412.575")
    assert doc["estimate"] is True
    assert any(n.startswith("ESTIMATE:") for n in doc["notes"])
    (line,) = lines_csv(out)
    assert (line["basis"], line["basis_reason"], line["estimate"]) == (
        "actual",
        "unverified",
        "true",
    )
    declaration = json.loads((out / "declaration.json").read_text("utf-8"))
    assert declaration["estimate"] is True and declaration["goods"][0]["estimate"] is True
    root = etree.parse(str(out / "declaration.xml")).getroot()
    ns = {"d": root.nsmap[None]}
    assert root.findtext("d:Estimate", namespaces=ns) == "true"
    assert root.findtext("d:Goods/d:Good/d:Estimate", namespaces=ns) == "true"
    summary = openpyxl.load_workbook(out / "report.xlsx")["Summary"]
    assert [c.value for c in summary[2]][:2] == ["Status", "ESTIMATE"]
    # The readable output says it first.
    code, text, _ = run(
        capsys,
        "assess",
        str(tmp_path / "imports.csv"),
        "--suppliers",
        str(tmp_path / "suppliers"),
        "--year",
        "2026",
        "--out",
        str(tmp_path / "again"),
        "--accept-unverified",
    )
    assert code == 0 and text.startswith("ESTIMATE")


ROUTE_QUESTIONS = [
    # (CN, origin, line route, expected route_basis)
    ("7227 10 00", "CN", "", "two-letters"),  # row "(C)/(F)"
    ("7225 19 90", "CN", "", "family"),  # row (F), Column B C/D/E
    ("7205 21 00", "CN", "", "family"),  # row (C), Column B F/G/H/J
    ("7306 30 18", "CN", "", "lowest"),  # no letter anywhere
    ("7601 10 10", "KW", "", "lowest"),  # Kuwait: no letters
    ("2523 10 00", "DZ", "", "lowest"),  # grey or white, no route
    ("7306 30 18", "CN", "D", "line"),
    ("7208 10 00", "TR", "E", "row"),  # the row's (C) decides
    ("2523 10 00", "DZ", "K", "lowest"),  # a letter the code does not have
    ("2804 10 00", "CN", "", "single"),
    ("2716 00 00", "RS", "", "none"),
]


def test_assess_never_stops_on_a_route_question(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = [
        {
            "line_id": f"R{i}",
            "cn_code": cn,
            "country": country,
            "net_mass": "100",
            "import_date": "2026-03-01",
            "route": route,
        }
        for i, (cn, country, route, _) in enumerate(ROUTE_QUESTIONS)
    ]
    (tmp_path / "suppliers").mkdir()
    code, doc, err, out = assess(capsys, tmp_path, rows)
    assert code == 0, err
    found = {line["line_id"]: line["route_basis"] for line in lines_csv(out)}
    assert found == {f"R{i}": q[3] for i, q in enumerate(ROUTE_QUESTIONS)}
    expected: dict[str, int] = {}
    for *_, basis in ROUTE_QUESTIONS:
        expected[basis] = expected.get(basis, 0) + 1
    assert doc["route_bases"] == expected
    # The text summary counts them too.
    code, text, _ = run(
        capsys,
        "assess",
        str(tmp_path / "imports.csv"),
        "--year",
        "2026",
        "--out",
        str(tmp_path / "text"),
    )
    assert code == 0 and "route_basis (lines): " in text and "family 2" in text


def test_a_malformed_route_is_an_input_error_naming_row_and_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    row = {"cn_code": "72081000", "country": "TR", "net_mass": "1", "import_date": "2026-01-05"}
    (tmp_path / "suppliers").mkdir()
    code, _, err, _ = assess(capsys, tmp_path, [{**row, "route": "C/F"}])
    assert code == 1
    assert "row 2" in err and "'route'" in err


# -- cbam cost --installation ----------------------------------------------------------------


def test_cost_with_the_installation_counts_the_precursors(
    capsys: pytest.CaptureFixture[str], reference_dir: Path
) -> None:
    """Portland cement from the sample plant: Column A 0 plus its clinker's Column A (A)."""
    code, doc, err = run(
        capsys,
        "cost",
        "--cn",
        "25232900",
        "--country",
        "TR",
        "--mass",
        "1000",
        "--year",
        "2026",
        "--installation",
        str(SAMPLES / "suppliers" / "tr-cement.json"),
        "--price",
        "80",
        "--json",
    )
    assert code == 0, err
    plant = json.loads((SAMPLES / "suppliers" / "tr-cement.json").read_text("utf-8"))
    clinker, cement = plant["processes"]
    share = D(str(cement["precursors"][0]["mass"])) / D(str(cement["activity_level"]))
    bm = benchmark(reference_dir, "25232900", "A") + share * benchmark(
        reference_dir, "25231000", "A", f"({clinker['route']})"
    )
    assert doc["benchmark"] == bm
    assert doc["free_allocation"] == D(1000) * FACTOR_2026 * bm
    assert doc["basis"] == "actual"
    # The sample plant's report is of 2025: usable for a what-if, flagged an estimate.
    assert (doc["basis_reason"], doc["estimate"]) == ("other-period", True)


def test_cost_refuses_actual_values_without_their_precursors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["cost", "--cn", "25232900", "--country", "TR", "--mass", "1000", "--year", "2026"]
    code, _, err = run(capsys, *base, "--see-direct", "0.8", "--see-indirect", "0.1")
    assert code == 1
    assert "--installation" in err and "--benchmark-a" in err
    code, _, err = run(capsys, *base, "--see-direct", "0.8", "--process", "P2")
    assert code == 1 and "--process needs --installation" in err
    sample = str(SAMPLES / "suppliers" / "tr-cement.json")
    code, _, err = run(capsys, *base, "--installation", sample, "--process", "P9")
    assert code == 1 and "no process 'P9'" in err
    code, _, err = run(capsys, *base, "--installation", sample, "--see-direct", "0.8")
    assert code == 1 and "not both" in err
    code, _, err = run(capsys, *base[:2], "72081000", *base[3:], "--installation", sample)
    assert code == 1 and "makes CN 72081000" in err


def test_cost_with_an_installation_route(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = smelter(tmp_path, route="K", verification=VERIFICATION_BLOCK)
    argv = ["cost", "--cn", "76011010", "--country", "CN", "--mass", "1000", "--year", "2026"]
    code, doc, _ = run(capsys, *argv, "--installation", str(path), "--json")
    assert code == 0 and doc["certificates"] == D("412.575")
    assert (doc["route_basis"], doc["basis_reason"], doc["estimate"]) == (
        "supplier",
        "verified",
        False,
    )
    code, doc, _ = run(capsys, *argv, "--installation", str(path), "--route", "L", "--json")
    assert code == 0 and doc["certificates"] == D("1711.275")


def test_defaults_command_shows_the_route_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = run(capsys, "defaults", "--cn", "7306 30 18", "--country", "CN", "--json")
    assert code == 0
    assert (doc["benchmark_route"], doc["route_basis"]) == ("E", "lowest")
    code, doc, _ = run(capsys, "defaults", "--cn", "2523 10 00", "--country", "DZ", "--json")
    assert code == 0 and doc["route"] == "A" and doc["route_basis"] == "lowest"
