"""``report.xlsx``: the assessment as a workbook for importers and consultants.

Sheets: "Summary" (year, declarant, totals, de minimis, quarterly holding, scenarios, datasets,
notes), "Goods" (one row per good with every term of the calculation and its source), "Audit"
(one row per audit step of every good), "Cost by year" (the 2026-2034 trajectory with a bar
chart) and, when a ``lines.csv`` is given, "Lines" (at most ``max_lines`` rows; the sheet and the
summary say when it was cut).

Excel stores numbers as binary doubles, so the workbook is a display copy of the figures; the
exact values are in ``declaration.json``, ``declaration.xml`` and ``lines.csv``, and the Summary
sheet says so. Figures are handed to XlsxWriter as Decimals: this module does no arithmetic on
them. The workbook is written by XlsxWriter in its constant-memory (streaming) mode to a
temporary file and renamed into place, so a failure never leaves a half-written report. Texts
are always written as texts (never as formulas or links) and without the control characters a
workbook cannot hold.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

import xlsxwriter

from cbam.declaration.model import Assessment, GoodResult, LineResult
from cbam.errors import InputError
from cbam.files import atomic_path
from cbam.formats.declaration_files import NOTICE
from cbam.formats.lines import read_lines_csv

DEFAULT_MAX_LINES = 10_000
"""Lines copied into the "Lines" sheet at most (Excel's limit is 1,048,576 rows)."""

# Display formats only: the stored double is the same whatever the format.
MASS = "#,##0.000###"
EMISSIONS = "#,##0.000"
SPECIFIC = "0.000000"
FACTOR = "0.000"
PERCENT = "0.0%"
EUR = "#,##0.00"
INTEGER = "0"

EXACT_NOTE = (
    "Excel stores numbers as binary doubles: the figures in this workbook are a display copy. "
    "declaration.json, declaration.xml and lines.csv keep the exact decimal values."
)

#: Characters an xlsx file cannot hold (XML 1.0 control characters, two non-characters).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: The longest text a cell holds (Excel's limit).
_CELL_TEXT = 32_767

Book = Any
"""An ``xlsxwriter.Workbook`` (the library ships no type information)."""


@dataclass(frozen=True)
class _Column:
    title: str
    width: int
    number_format: str | None = None


class _Styles:
    """The workbook's cell formats, made once per workbook."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True})
        self.bold = book.add_format({"bold": True})
        self.section = book.add_format({"bold": True, "font_size": 12})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self._numbers: dict[str, Any] = {}

    def number(self, number_format: str) -> Any:
        found = self._numbers.get(number_format)
        if found is None:
            found = self._numbers[number_format] = self.book.add_format(
                {"num_format": number_format}
            )
        return found


class _Sheet:
    """A streamed sheet with a styled, frozen header row and set column widths."""

    def __init__(self, book: Book, styles: _Styles, title: str, columns: Sequence[_Column]) -> None:
        self.sheet = book.add_worksheet(title)
        self.styles = styles
        self.columns = tuple(columns)
        self.formats = [
            styles.number(c.number_format) if c.number_format else None for c in self.columns
        ]
        for index, column in enumerate(self.columns):
            self.sheet.set_column(index, index, column.width)
        self.sheet.freeze_panes(1, 0)
        for index, column in enumerate(self.columns):
            self.sheet.write_string(0, index, column.title, styles.header)
        self.rows = 1

    def write(self, col: int, value: Any, cell_format: Any = None) -> None:
        """One cell of the current row: numbers as numbers, everything else as text."""
        write_cell(self.sheet, self.rows, col, value, cell_format)

    def append(self, values: Iterable[Any]) -> None:
        """A row, each value formatted as its column says."""
        for col, (value, cell_format) in enumerate(zip(values, self.formats, strict=True)):
            write_cell(self.sheet, self.rows, col, value, cell_format)
        self.rows += 1

    def append_raw(self, values: Sequence[Any], cell_format: Any = None) -> None:
        for col, value in enumerate(values):
            write_cell(self.sheet, self.rows, col, value, cell_format)
        self.rows += 1


def sheet_text(value: object) -> str:
    r"""The text a workbook cell holds for ``value``: without the characters an xlsx file cannot
    hold (XML 1.0 control characters and U+FFFE/U+FFFF), cut to Excel's 32,767 characters.

    Every text cell the library writes goes through this first and is then written *as text*
    (an XlsxWriter string, an inline string of a template), so what it begins with after the
    cleaning -- ``"=HYPERLINK(...)"`` becomes ``"=HYPERLINK(...)"`` -- never makes a formula.

    >>> sheet_text("=HYPERLINK('http://x')")
    "=HYPERLINK('http://x')"
    """
    return _ILLEGAL.sub("", str(value))[:_CELL_TEXT]


def write_cell(sheet: Any, row: int, col: int, value: Any, cell_format: Any = None) -> None:
    """Write a value as what it is: a number, or a text that never becomes a formula or link.

    Booleans read yes/no; texts go through :func:`sheet_text` and are written with
    ``write_string`` (never ``write``, which would take ``=...`` for a formula); None leaves
    the cell empty.
    """
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "yes" if value else "no", cell_format)
    elif isinstance(value, int | Decimal):
        sheet.write_number(row, col, value, cell_format)
    else:
        sheet.write_string(row, col, sheet_text(value), cell_format)


# -- Goods -------------------------------------------------------------------------------------

GOODS_COLUMNS = (
    _Column("Good", 34),
    _Column("CN code", 11),
    _Column("Category", 22),
    _Column("Origin", 8),
    _Column("Country used", 10),
    _Column("Installation", 18),
    _Column("Route", 8),
    _Column("Route basis", 11),
    _Column("Basis", 9),
    _Column("Basis reason", 16),
    _Column("Estimate", 9),
    _Column("Why this basis", 40),
    _Column("Lines", 8, INTEGER),
    _Column("Net mass (t / MWh)", 16, MASS),
    _Column("SEE direct", 12, SPECIFIC),
    _Column("SEE indirect", 12, SPECIFIC),
    _Column("Indirect counted", 10),
    _Column("Mark-up", 9, PERCENT),
    _Column("SEE used", 12, SPECIFIC),
    _Column("Embedded emissions (t CO2e)", 18, EMISSIONS),
    _Column("Benchmark", 12, SPECIFIC),
    _Column("Benchmark column", 10),
    _Column("SEFA", 12, SPECIFIC),
    _Column("Valuation (see Audit)", 11),
    _Column("Free allocation (t CO2e)", 18, EMISSIONS),
    _Column("Carbon price deduction (t CO2e)", 18, EMISSIONS),
    _Column("Certificates (t CO2e)", 16, EMISSIONS),
    _Column("Cost (EUR)", 16, EUR),
)


def _good_row(good: GoodResult) -> list[Any]:
    basis = next((step for step in good.audit if step.quantity == "basis"), None)
    return [
        good.key,
        good.cn,
        good.category,
        good.country,
        good.country_used,
        good.installation_id,
        good.route,
        good.route_basis,
        good.basis,
        good.basis_reason,
        good.estimate,
        basis.note if basis else None,
        good.lines,
        good.net_mass,
        good.see_direct,
        good.see_indirect,
        good.indirect_counted,
        good.markup,
        good.see_used,
        good.embedded_emissions,
        good.benchmark,
        good.benchmark_column,
        good.sefa,
        good.valuation,
        good.free_allocation,
        good.carbon_price_deduction,
        good.certificates,
        good.cost_eur,
    ]


def _write_goods(book: Book, styles: _Styles, assessment: Assessment) -> None:
    sheet = _Sheet(book, styles, "Goods", GOODS_COLUMNS)
    for good in assessment.goods:
        sheet.append(_good_row(good))


# -- Audit -------------------------------------------------------------------------------------

AUDIT_COLUMNS = (
    _Column("Valuation", 11),
    _Column("Quantity", 26),
    _Column("Value", 16, "0.##########"),
    _Column("Rule", 50),
    _Column("Source", 50),
    _Column("Note", 60),
)


def _write_audit(book: Book, styles: _Styles, assessment: Assessment) -> None:
    """How each valuation's per-tonne figures were obtained; the goods name their valuation."""
    sheet = _Sheet(book, styles, "Audit", AUDIT_COLUMNS)
    for trail in assessment.valuations:
        for step in trail.audit:
            sheet.append([trail.id, step.quantity, step.value, step.rule, step.source, step.note])


# -- Cost by year --------------------------------------------------------------------------------

YEAR_COLUMNS = (
    _Column("Year", 8, INTEGER),
    _Column("CBAM factor", 12, FACTOR),
    _Column("Embedded emissions (t CO2e)", 18, EMISSIONS),
    _Column("Free allocation (t CO2e)", 18, EMISSIONS),
    _Column("Certificates (t CO2e)", 16, EMISSIONS),
    _Column("Price (EUR / certificate)", 14, EUR),
    _Column("Price assumed", 10),
    _Column("Cost (EUR)", 16, EUR),
)


def _write_cost_by_year(book: Book, styles: _Styles, assessment: Assessment) -> None:
    sheet = _Sheet(book, styles, "Cost by year", YEAR_COLUMNS)
    for y in assessment.trajectory:
        sheet.append(
            [
                y.year,
                y.cbam_factor,
                y.embedded_emissions,
                y.free_allocation,
                y.certificates,
                y.price,
                y.price_is_assumption,
                y.cost_eur,
            ]
        )
    count = len(assessment.trajectory)
    if not count:
        sheet.append_raw(["No cost trajectory was computed for this assessment."])
        return
    sheet.rows += 1
    sheet.append_raw(
        [
            "The same goods, volumes and origins priced in each year: that year's CBAM factor "
            "and default-value mark-up; prices marked 'assumed' are estimates, not published "
            "auction prices."
        ]
    )
    chart = book.add_chart({"type": "column"})
    cost_column = len(YEAR_COLUMNS) - 1
    chart.add_series(
        {
            "name": ["Cost by year", 0, cost_column],
            "categories": ["Cost by year", 1, 0, count, 0],
            "values": ["Cost by year", 1, cost_column, count, cost_column],
        }
    )
    chart.set_title({"name": "CBAM certificate cost per year (EUR)"})
    chart.set_y_axis({"name": "EUR"})
    chart.set_x_axis({"name": "Year of import"})
    chart.set_legend({"none": True})
    chart.set_size({"width": 640, "height": 320})
    sheet.sheet.insert_chart("J2", chart)


# -- Lines ----------------------------------------------------------------------------------------

#: The Lines sheet: each line's own facts (the good's per-tonne figures are on Goods, every
#: column of every line in lines.csv), field of LineResult -> column.
LINE_COLUMNS: tuple[tuple[str, _Column], ...] = (
    ("row", _Column("Row", 7, INTEGER)),
    ("line_id", _Column("Line id", 12)),
    ("cn", _Column("CN code", 11)),
    ("country", _Column("Origin", 8)),
    ("installation_id", _Column("Installation", 16)),
    ("route", _Column("Route", 7)),
    ("period", _Column("Price period", 10)),
    ("net_mass", _Column("Net mass (t / MWh)", 14, MASS)),
    ("basis", _Column("Basis", 9)),
    ("embedded_emissions", _Column("Embedded emissions (t CO2e)", 16, EMISSIONS)),
    ("free_allocation", _Column("Free allocation (t CO2e)", 16, EMISSIONS)),
    ("carbon_price_deduction", _Column("Carbon price deduction (t CO2e)", 16, EMISSIONS)),
    ("certificates", _Column("Certificates (t CO2e)", 14, EMISSIONS)),
    ("price", _Column("Price (EUR / certificate)", 12, EUR)),
    ("cost_eur", _Column("Cost (EUR)", 14, EUR)),
    ("exempt_de_minimis", _Column("Exempt (de minimis)", 10)),
)
_LINE_FIELDS = tuple(name for name, _ in LINE_COLUMNS)


def _write_lines(book: Book, styles: _Styles, lines_csv: Path, max_lines: int, lines: int) -> str:
    """Copy up to ``max_lines`` of the ``lines`` lines; returns what was done, for the Summary.

    Only the copied lines are read: a million-line file costs no more than ``max_lines``.
    """
    sheet = _Sheet(book, styles, "Lines", [column for _, column in LINE_COLUMNS])
    total = 0
    try:
        for line in islice(read_lines_csv(lines_csv), max_lines):
            total += 1
            sheet.append(_line_values(line))
    except csv.Error as exc:
        # A cell beyond the csv module's size limit (a figure with a million digits): say
        # which file and row instead of failing as an internal error.
        raise InputError(
            f"cannot read the line after row {total + 1}: {exc}",
            source=str(lines_csv),
            location=f"row {total + 2}",
        ) from None
    total = max(total, lines)
    if total > max_lines:
        message = (
            f"only the first {max_lines} of {total} lines are copied here; "
            f"{lines_csv.name} holds them all"
        )
        sheet.append_raw([message], styles.bold)
        return message
    return f"all {total} lines of {lines_csv.name}"


def _line_values(line: LineResult) -> list[Any]:
    return [getattr(line, name) for name in _LINE_FIELDS]


# -- Summary --------------------------------------------------------------------------------------

SUMMARY_COLUMNS = (
    _Column("Item", 44),
    _Column("Value", 22),
    _Column("Note", 90),
)


def _write_summary(sheet: _Sheet, assessment: Assessment, lines_note: str | None) -> None:
    styles = sheet.styles

    def section(title: str) -> None:
        sheet.rows += 1
        sheet.append_raw([title], styles.section)

    def item(label: str, value: Any, number_format: str | None = None, note: str = "") -> None:
        sheet.write(0, label)
        sheet.write(1, value, styles.number(number_format) if number_format else None)
        sheet.write(2, note or None, styles.wrap)
        sheet.rows += 1

    if assessment.estimate:
        item(
            "Status",
            "ESTIMATE",
            note="actual values without a satisfactory verification or of another reporting "
            "period were used (accept_unverified): not for the declaration",
        )
    item("About this workbook", "cbam report", note=NOTICE)
    item("Exact values", "see JSON / CSV", note=EXACT_NOTE)
    item("Year", assessment.year, INTEGER)
    for key, value in assessment.declarant.items():
        item(f"Declarant: {key}", value)
    item("CSCF", assessment.cscf, FACTOR, "cross-sectoral correction factor applied")
    item("Customs lines", assessment.lines, INTEGER)
    item("Goods", len(assessment.goods), INTEGER, "CN code x origin x route x installation x basis")
    if lines_note is not None:
        item("Lines sheet", lines_note)

    t = assessment.totals
    section("Totals")
    item("Net mass (t; MWh for electricity)", t.net_mass, MASS)
    item("Embedded emissions (t CO2e)", t.embedded_emissions, EMISSIONS)
    item("Free allocation (t CO2e)", t.free_allocation, EMISSIONS)
    item("Carbon price deduction (t CO2e)", t.carbon_price_deduction, EMISSIONS)
    item("Certificates (t CO2e)", t.certificates, EMISSIONS, "each good floored at zero")
    item("Cost (EUR)", t.cost_eur, EUR)

    d = assessment.de_minimis
    section("De minimis")
    item("Threshold (t)", d.threshold_t, MASS, d.rule)
    item("Net mass counted (t)", d.net_mass_counted, MASS, "all goods but hydrogen and electricity")
    item(
        "Net mass always in scope (t / MWh)",
        d.net_mass_always_in_scope,
        MASS,
        "hydrogen and electricity",
    )
    item("De minimis exempt", d.exempt)

    section("Quarterly holding")
    for q in assessment.quarters:
        item(
            f"Certificates to hold at the end of {q.quarter}",
            q.certificates_to_hold,
            EMISSIONS,
            f"share {decimal_percent(q.share)} of the year to date: embedded emissions "
            f"{q.embedded_emissions_to_date} t, free allocation {q.free_allocation_to_date} t",
        )

    if assessment.scenarios:
        section("Scenario prices")
        for price, cost in assessment.scenarios.items():
            item(f"Cost at {price} EUR per certificate", cost, EUR)

    for title, counts in (
        ("Production route of the benchmark (lines per route_basis)", assessment.route_bases),
        ("Basis reasons (lines)", assessment.basis_reasons),
    ):
        if counts:
            section(title)
            for key, count in counts.items():
                item(key, count, INTEGER)

    section("Datasets used")
    for key, label in assessment.datasets.items():
        item(f"Dataset: {key}", label)
    section("Notes")
    for number, note in enumerate(assessment.notes, start=1):
        item(f"Note {number}", None, note=note)


def decimal_percent(share: Decimal) -> str:
    """``0.5`` -> ``"50 %"`` for the summary's notes (display only)."""
    return f"{share * 100:f}".rstrip("0").rstrip(".") + " %" if share else "0 %"


# -- the workbook ---------------------------------------------------------------------------------


def write_report_xlsx(
    assessment: Assessment,
    path: str | os.PathLike[str],
    *,
    lines_csv: Path | None = None,
    max_lines: int = DEFAULT_MAX_LINES,
) -> Path:
    """Write ``report.xlsx`` for ``assessment``; returns the path.

    ``lines_csv``: a ``lines.csv`` written by :class:`~cbam.formats.lines.LinesCsvWriter` to copy
    into a "Lines" sheet (its first ``max_lines`` lines). A damaged or missing ``lines_csv`` is
    an :class:`~cbam.errors.InputError`; nothing is written then.
    """
    target = Path(path)
    with atomic_path(target) as tmp:
        book = xlsxwriter.Workbook(
            str(tmp),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        try:
            styles = _Styles(book)
            # Sheets appear in creation order; Summary is filled last: it reports on Lines.
            summary = _Sheet(book, styles, "Summary", SUMMARY_COLUMNS)
            _write_goods(book, styles, assessment)
            _write_audit(book, styles, assessment)
            _write_cost_by_year(book, styles, assessment)
            lines_note = (
                _write_lines(book, styles, Path(lines_csv), max_lines, assessment.lines)
                if lines_csv
                else None
            )
            _write_summary(summary, assessment, lines_note)
        except BaseException:
            with contextlib.suppress(Exception):
                book.close()  # XlsxWriter then removes its own temporary files
            raise
        book.close()
    return target
