"""``report.xlsx`` as a consultant hands it to a client (issue 16).

One real assessment (six customs lines: screws from China and, with supplier data, from Taiwan;
flat steel from Fiji; clinker; electricity) is written once; each test opens the workbook with
openpyxl and checks one promise: human headers with units, goods identified by readable columns,
subtotals per category and totals (tonnes and MWh apart), filters, print set-up, footer, the
saving from supplier data against a hand computation from the official workbooks, charts, units
on the Audit sheet, quarterly figures that name their basis, and rounding.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from cbam.declaration.assess import assess
from cbam.declaration.certificates import round_eur, round_figure, round_see, round_tonnes
from cbam.declaration.model import Assessment
from cbam.declaration.rounding import rounded
from cbam.formats.lines import LinesCsvWriter, read_lines_csv
from cbam.formats.workbook import GOODS_COLUMNS, LINE_COLUMNS, write_report_xlsx
from tests.formats.test_outputs import _import_lines, _suppliers

D = Decimal
ZERO = D(0)
SHEETS = ["Summary", "Goods", "Categories", "Audit", "Cost by year", "Lines"]
#: CN code -> aggregated goods category of the six lines (IR 2025/2547 Annex I Table 1).
CATEGORY = {
    "25231000": "Cement clinker",
    "27160000": "Electricity",
    "72081000": "Iron or steel products",
    "73181542": "Iron or steel products",
}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Assessment, Path, Path]:
    out = tmp_path_factory.mktemp("report")
    with LinesCsvWriter(out / "lines.csv") as sink:
        assessment = assess(
            _import_lines(),
            2026,
            suppliers=_suppliers(),
            sink=sink,
            scenario_prices=[D(100)],
            declarant={"name": "Beispiel Schrauben & Söhne GmbH", "eori": "DE123456789012345"},
        )
    path = write_report_xlsx(assessment, out / "report.xlsx", lines_csv=out / "lines.csv")
    return assessment, path, out / "lines.csv"


@pytest.fixture(scope="module")
def book(written: tuple[Assessment, Path, Path]) -> Any:
    return openpyxl.load_workbook(written[1])


def _rows(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _d(value: Any) -> Decimal:
    """A cell's number as the Decimal it displays (the cell holds the rounded figure)."""
    return D(repr(value)) if isinstance(value, float) else D(value)


def _goods(book: Any) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
    rows = _rows(book["Goods"])
    return {name: i for i, name in enumerate(rows[0])}, rows[1:]


# -- headers ---------------------------------------------------------------------------------------


def test_sheets_and_human_headers_with_units(book: Any) -> None:
    assert book.sheetnames == SHEETS
    for name in SHEETS:
        header = [c for c in _rows(book[name])[0] if c]
        assert not [h for h in header if "_" in h], name  # no snake_case anywhere
    col, _ = _goods(book)
    assert list(col)[:12] == [
        "CN code",
        "Description",
        "Aggregated goods category",
        "Origin",
        "Installation",
        "Route",
        "Route decided by",
        "Basis",
        "Basis reason",
        "Estimate",
        "Why this basis",
        "Default value of (country)",
    ]
    for title in (
        "Net mass (t)",
        "Electricity (MWh)",
        "SEE used (t CO2e per t or MWh)",
        "Embedded emissions (t CO2e)",
        "SEFA (t CO2e per t)",
        "Free allocation (t CO2e)",
        "Carbon price deduction (t CO2e)",
        "Certificates due (1 per t CO2e)",
        "Certificates at default values",
        "Saving from supplier data (certificates)",
        "Cost (EUR)",
    ):
        assert title in col, title
    assert "Key" not in " ".join(col)  # no machine key as an identifier
    audit = _rows(book["Audit"])[0]
    assert "Unit" in audit and "Value (exact)" in audit
    assert _rows(book["Cost by year"])[0][-3:] == (
        "Price (EUR per certificate)",
        "Price assumed",
        "Cost (EUR)",
    )
    assert list(_rows(book["Lines"])[0]) == [c.title for c in LINE_COLUMNS]
    assert _rows(book["Summary"])[0] == ("Item", "Value", "Unit", "Note")


def test_goods_are_identified_by_readable_columns(
    book: Any, written: tuple[Assessment, Path, Path]
) -> None:
    col, rows = _goods(book)
    taiwan = next(r for r in rows if r[col["Installation"]] == "TW-1")
    assert taiwan[col["CN code"]] == "73181542"
    assert taiwan[col["Description"]].startswith("Screws and bolts, of iron or steel")
    assert taiwan[col["Aggregated goods category"]] == "Iron or steel products"
    assert (taiwan[col["Origin"]], taiwan[col["Basis"]]) == ("TW", "actual")
    assert "actual values" in taiwan[col["Why this basis"]]
    fiji = next(r for r in rows if r[col["Origin"]] == "FJ")
    assert (fiji[col["Route"]], fiji[col["Default value of (country)"]]) == ("C", "OTHER")


# -- subtotals, totals, units never summed ---------------------------------------------------------


def _exact_sums(lines_csv: Path) -> dict[str | None, dict[str, Decimal]]:
    """Per category (and None: all) the exact sums of lines.csv, electricity's MWh apart."""
    sums: dict[str | None, dict[str, Decimal]] = {}
    for line in read_lines_csv(lines_csv):
        for key in (CATEGORY[line.cn], None):
            found = sums.setdefault(
                key, {"t": ZERO, "MWh": ZERO, "ee": ZERO, "n": ZERO, "eur": ZERO}
            )
            found["MWh" if line.cn == "27160000" else "t"] += line.net_mass
            found["ee"] += line.embedded_emissions
            found["n"] += line.certificates
            found["eur"] += line.cost_eur
    return sums


def test_subtotals_per_category_and_totals(
    book: Any, written: tuple[Assessment, Path, Path]
) -> None:
    assessment, _, lines_csv = written
    col, rows = _goods(book)
    sums = _exact_sums(lines_csv)
    subtotals = [r for r in rows if r[0] == "Subtotal"]
    # Grouped by category in CN order: each category's goods, then its subtotal.
    assert [r[col["Aggregated goods category"]] for r in subtotals] == [
        "Cement clinker",
        "Electricity",
        "Iron or steel products",
    ]
    assert rows[-1][0] == "Total" and rows[-1][1] == f"all goods: {len(assessment.goods)}"
    for row in [*subtotals, rows[-1]]:
        key = row[col["Aggregated goods category"]]
        expected = sums[key]
        assert _d(row[col["Embedded emissions (t CO2e)"]]) == round_tonnes(expected["ee"]), key
        assert _d(row[col["Certificates due (1 per t CO2e)"]]) == round_figure(expected["n"])
        assert _d(row[col["Cost (EUR)"]]) == round_eur(expected["eur"])
        tonnes, mwh = row[col["Net mass (t)"]], row[col["Electricity (MWh)"]]
        if key == "Electricity":
            assert (tonnes, _d(mwh)) == (None, D(100))
        elif key is not None:
            assert (_d(tonnes), mwh) == (expected["t"], None)
    total = rows[-1]
    # tonnes and MWh never added: 30.5 + 25.25 + 12 + 7.125 + 0.375 t, and 100 MWh
    assert _d(total[col["Net mass (t)"]]) == D("75.25")
    assert _d(total[col["Electricity (MWh)"]]) == D(100)
    given = rounded(assessment).totals
    assert (given.net_mass, given.electricity_mwh) == (D("75.25"), D(100))
    assert _d(total[col["Certificates due (1 per t CO2e)"]]) == given.certificates
    categories = _rows(book["Categories"])
    assert [r[0] for r in categories[1:5]] == [*(s[2] for s in subtotals), "Total"]
    assert categories[4][1] == len(assessment.goods)


def test_every_figure_is_rounded_by_its_rule(
    book: Any, written: tuple[Assessment, Path, Path]
) -> None:
    assessment = written[0]
    col, rows = _goods(book)
    by_key = {(g.cn, g.country, g.installation_id): g for g in assessment.goods}
    for row in rows:
        if row[0] in ("Subtotal", "Total"):
            continue
        good = by_key[(row[col["CN code"]], row[col["Origin"]], row[col["Installation"]])]
        ee = row[col["Embedded emissions (t CO2e)"]]
        # Whole tonnes over the period (IR 2025/2547 Annex II A.1(6)), SEE to 5 decimals
        # (A.1(8)), money to the cent, the rest to 6 decimals: each half up.
        assert isinstance(ee, int) and ee == round_tonnes(good.embedded_emissions)
        assert _d(row[col["SEE used (t CO2e per t or MWh)"]]) == round_see(good.see_used)
        assert _d(row[col["Cost (EUR)"]]) == round_eur(good.cost_eur)
        assert _d(row[col["Free allocation (t CO2e)"]]) == round_figure(good.free_allocation)
        for value in row:
            if isinstance(value, float):
                assert len(repr(value).partition(".")[2]) <= 6, (value, row)


# -- the saving from supplier data -----------------------------------------------------------------


def _workbook_number(path: Path, sheet: str, first: str, column: int) -> Decimal:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for row in book[sheet].iter_rows(values_only=True):
            if str(row[0]).strip() == first:
                return D(repr(row[column]))
    finally:
        book.close()
    raise AssertionError(f"{first} not in sheet {sheet} of {path.name}")


def test_saving_from_supplier_data_against_the_workbooks(
    book: Any, reference_dir: Path, written: tuple[Assessment, Path, Path]
) -> None:
    """25.25 t of screws (CN 7318 15 42) from Taiwan with the supplier's SEE 1.529 t CO2e/t.

    At default values: IR 2025/2621 Annex I, sheet Taiwan, heading 7318 15 (direct emissions;
    iron and steel are Annex II goods) with the 2026 mark-up of 10 %, and the Column B
    benchmark of IR 2025/2620 for 7318 15 42; with the CBAM factor 0.975 of 2026.
    """
    defaults = reference_dir / "xlsx" / "default-values-ir-2025-2621-v1-2026-02-04.xlsx"
    benchmarks = reference_dir / "xlsx" / "benchmarks-ir-2025-2620-v1.xlsx"
    direct = _workbook_number(defaults, "Taiwan", "7318 15", 2)
    column_a = _workbook_number(benchmarks, "Benchmarks", "73181542", 2)
    column_b = _workbook_number(benchmarks, "Benchmarks", "73181542", 4)
    assert (direct, column_a, column_b) == (D("2.70719"), D("0.038"), D("1.364"))
    mass, factor, markup = D("25.25"), D("0.975"), D("0.10")
    at_default = mass * direct * (1 + markup) - mass * factor * column_b
    due = mass * D("1.529") - mass * factor * column_a
    assert (at_default, due) == (D("41.61222725"), D("37.6717375"))

    col, rows = _goods(book)
    taiwan = next(r for r in rows if r[col["Installation"]] == "TW-1")
    assert _d(taiwan[col["Certificates due (1 per t CO2e)"]]) == round_figure(due)
    assert _d(taiwan[col["Certificates at default values"]]) == round_figure(at_default)
    saving = _d(taiwan[col["Saving from supplier data (certificates)"]])
    assert saving == round_figure(at_default - due) == D("3.94049")
    # Goods on default values save nothing; the category and the whole year add it up.
    china = [r for r in rows if r[col["Origin"]] == "CN" and r[col["CN code"]] == "73181542"]
    assert all(_d(r[col["Saving from supplier data (certificates)"]]) == 0 for r in china)
    assert _d(rows[-1][col["Saving from supplier data (certificates)"]]) == D("3.94049")
    good = next(g for g in written[0].goods if g.installation_id == "TW-1")
    assert good.certificates_default == at_default
    summary = {r[0]: r for r in _rows(book["Summary"]) if r[0]}
    assert _d(summary["Saving from supplier data"][1]) == D("3.94049")
    assert summary["Saving from supplier data"][2] == "certificates"


# -- filters, print set-up, footer -----------------------------------------------------------------


def test_autofilter_on_goods_and_lines(book: Any, written: tuple[Assessment, Path, Path]) -> None:
    assessment = written[0]
    last = get_column_letter(len(GOODS_COLUMNS))
    # The filter covers the goods and their subtotals, not the total row.
    goods_rows = 1 + len(assessment.goods) + 3
    assert book["Goods"].auto_filter.ref == f"A1:{last}{goods_rows}"
    assert book["Lines"].auto_filter.ref == f"A1:{get_column_letter(len(LINE_COLUMNS))}7"


def test_print_set_up_on_every_sheet(book: Any) -> None:
    for name in SHEETS:
        sheet = book[name]
        setup = sheet.page_setup
        assert setup.orientation == "landscape", name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert setup.fitToWidth in (None, 1), name  # one page wide (1 is the default)
        assert setup.fitToHeight == (None if name == "Cost by year" else 0), name
        assert sheet.print_title_rows == "$1:$1", name
        assert sheet.print_area, name
        footer = sheet.oddFooter.left.text
        assert footer.startswith("Datasets: "), name
        for dataset in ("IR 2025/2621 Annex I v1 of 2026-02-04", "IR 2025/2620 Annex v1 of"):
            assert dataset in footer, (name, dataset)
        # "&" is doubled inside a header: it would start a control code
        assert sheet.oddHeader.left.text == (
            "CBAM assessment 2026 - Beispiel Schrauben && Söhne GmbH"
        )
        assert sheet.oddHeader.right.text == "&A, page &P of &N"
    assert book["Goods"].page_setup.paperSize == 8  # A3 for the wide sheets
    assert book["Summary"].page_setup.paperSize == 9


def test_report_prints_to_few_pages(tmp_path: Path, written: tuple[Assessment, Path, Path]) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CBAM_REQUIRE_SOFFICE") == "1":
            pytest.fail("soffice not on PATH (CBAM_REQUIRE_SOFFICE=1)")
        pytest.skip("LibreOffice (soffice) not on PATH")
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(written[1]),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "report.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    # Summary 2, Goods 1, Categories 1, Audit 2-3, Cost by year 1, Lines 1
    assert 6 <= pages <= 10


# -- charts, audit units, quarterly basis ----------------------------------------------------------


def test_charts_per_category_beside_the_cost_by_year_chart(book: Any) -> None:
    charts = book["Cost by year"]._charts
    assert len(charts) == 3
    by_year, cost, certificates = charts
    assert by_year.y_axis.numFmt.formatCode == "#,##0.0,,"  # EUR millions
    assert "'Cost by year'" in by_year.series[0].val.numRef.f
    for chart in (cost, certificates):
        for series in chart.series:
            assert series.val.numRef.f.startswith("Categories!")
            categories = series.cat.numRef or series.cat.strRef
            assert categories.f == "Categories!$A$2:$A$4"
    assert len(certificates.series) == 2  # certificates due and at default values
    # the value axes (openpyxl's y axis) in EUR millions, every category named
    assert cost.y_axis.numFmt.formatCode == "#,##0.0,," and cost.y_axis.title is not None
    assert cost.x_axis.tickLblSkip == certificates.x_axis.tickLblSkip == 1


def test_audit_sheet_names_the_good_and_the_unit(book: Any) -> None:
    rows = _rows(book["Audit"])
    col = {name: i for i, name in enumerate(rows[0])}
    steps = [r for r in rows[1:] if r[col["Quantity"]]]
    units = {(r[col["CN code"]], r[col["Quantity"]]): r[col["Unit"]] for r in steps}
    assert units[("73181542", "SEE used")] == "t CO2e per t"
    assert units[("27160000", "SEE used")] == "t CO2e per MWh"
    assert units[("73181542", "CBAM factor 2026")] == "factor"
    assert units[("73181542", "SEFA")] == "t CO2e per t"


def test_quarterly_figures_name_their_basis(book: Any) -> None:
    labels = [r[0] for r in _rows(book["Summary"]) if r[0] and str(r[0]).startswith("2026Q")]
    assert len(labels) == 24  # per quarter: emissions, allocation, share, holding, basis, due by
    assert sum(1 for label in labels if label.endswith(" basis")) == 4
    emissions = [label for label in labels if "embedded emissions" in label]
    holding = [label for label in labels if "certificates to hold" in label]
    assert len(emissions) == len(holding) == 4
    assert all("default values without mark-up" in label for label in emissions + holding)


def test_summary_totals_keep_tonnes_and_mwh_apart(
    book: Any, written: tuple[Assessment, Path, Path]
) -> None:
    summary = {r[0]: r for r in _rows(book["Summary"]) if r[0]}
    mass = summary["Net mass of the goods (all but electricity)"]
    electricity = summary["Electricity"]
    assert (_d(mass[1]), mass[2]) == (D("75.25"), "t")
    assert (_d(electricity[1]), electricity[2]) == (D(100), "MWh")
    assert _d(summary["Embedded emissions"][1]) == round_tonnes(
        written[0].totals.embedded_emissions
    )
    assert _d(summary["Cost at 100 EUR per certificate"][1]) == round_eur(
        written[0].scenarios["100"]
    )
