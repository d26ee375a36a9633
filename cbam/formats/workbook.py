"""``report.xlsx``: the assessment as a workbook a consultant hands to a client.

Sheets, in order:

* **Summary** -- year, declarant, totals (tonnes and electricity's MWh apart), the saving that
  supplier data bring, de minimis, the quarterly holding (each figure naming its basis), scenario
  costs, the datasets used and every note;
* **Goods** -- one row per good, identified by readable columns (CN code, description, category,
  origin, installation, route, basis), grouped by aggregated goods category with a subtotal row
  after each category and a totals row at the end; certificates at default values beside the
  certificates due, and the saving; an autofilter;
* **Categories** -- one row per aggregated goods category and the totals;
* **Audit** -- how each valuation's per-tonne figures were obtained (rule, dataset and version,
  unit), one row per step; each good names its valuation;
* **Cost by year** -- the 2026-2034 trajectory, its chart (EUR millions) and beside it the
  charts per goods category;
* **Lines** -- when a ``lines.csv`` is given, its first ``max_lines`` lines (the sheet and the
  summary say when it was cut), with an autofilter.

Every sheet prints landscape, fitted to the page width, its header row repeated on each page,
a header naming the report and the sheet, and a footer naming the datasets and their versions.

Figures are given as the declaration files give them: each rounded half up by its rule
(:mod:`cbam.declaration.rounding`: emissions over the period in whole tonnes, IR 2025/2547
Annex II A.1(6); SEE to at most 5 decimals, A.1(8); money to the cent; other figures to at most
6 decimals). Sums are made exactly (the engine's 100-digit context) and rounded once. ``lines.csv``
keeps the exact figures. The workbook is written by XlsxWriter in its constant-memory
(streaming) mode to a temporary file and renamed into place, so a failure never leaves a
half-written report. Texts are always written as texts (never as formulas or links) and without
the control characters a workbook cannot hold.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext
from functools import lru_cache
from itertools import islice
from pathlib import Path
from types import MethodType
from typing import Any

import xlsxwriter

from cbam import goods as catalogue
from cbam.declaration import rounding
from cbam.declaration.certificates import round_eur, round_figure, round_see, round_tonnes
from cbam.declaration.engine import EXACT
from cbam.declaration.model import Assessment, GoodResult
from cbam.errors import InputError
from cbam.files import atomic_path
from cbam.formats import lines as lines_format
from cbam.formats.declaration_files import NOTICE

DEFAULT_MAX_LINES = 10_000
"""Lines copied into the "Lines" sheet at most (Excel's limit is 1,048,576 rows)."""

# Display formats only: the stored double is the rounded figure whatever the format.
QUANTITY = "#,##0.000###"
TONNES = "#,##0"
SPECIFIC = "0.000##"
FACTOR = "0.000###"
PERCENT = "0.0%"
EUR = "#,##0.00"
INTEGER = "#,##0"

ROUNDING_NOTE = (
    "Figures are rounded half up as the declaration files give them: emissions over the period "
    "to whole tonnes CO2e (IR 2025/2547 Annex II A.1(6)), specific embedded emissions (SEE) to "
    "at most 5 decimals (A.1(8)), money to the cent, other figures to at most 6 decimals. Each "
    "total is the exact sum rounded once, so rounded rows need not add up to it to the last "
    "digit. lines.csv keeps the exact figures; Excel stores numbers as binary doubles."
)
UNITS_NOTE = (
    "Units: masses in t; electricity (CN 2716 00 00) in MWh, in columns of its own and never "
    "added to tonnes; emissions in t CO2e; one certificate per t CO2e; SEE, benchmarks and "
    "SEFA in t CO2e per t (per MWh for electricity); money in EUR."
)

#: Characters an xlsx file cannot hold (XML 1.0 control characters, two non-characters).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: The longest text a cell holds (Excel's limit).
_CELL_TEXT = 32_767
#: The longest header or footer Excel accepts, control codes included.
_HEADER_FOOTER = 255

Book = Any
"""An ``xlsxwriter.Workbook`` (the library ships no type information)."""

TEXT, CODE, NUMBER = "text", "code", "number"
"""Column kinds: free text (cleaned of control characters), a validated code, a number."""


#: Points per line of wrapped 11-point text, and the characters a column width holds per line.
_LINE_HEIGHT = 15
_CHARS_PER_WIDTH = 1.0


def text_lines(text: str, width: int) -> int:
    """Lines a text takes, wrapped at spaces, in a column ``width`` characters wide.

    An estimate for the row heights: the spreadsheet programs do not size streamed rows to
    their wrapped texts themselves.

    >>> text_lines("short", 10), text_lines("Row in the customs file", 9), text_lines("x" * 25, 10)
    (1, 4, 3)
    """
    per_line = max(1, int(width * _CHARS_PER_WIDTH))
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0
        for word in paragraph.split():
            if used and used + 1 + len(word) > per_line:
                lines += 1
                used = 0
            used += (1 if used else 0) + len(word)
            while used > per_line:  # a word longer than the line breaks inside
                lines += 1
                used -= per_line
    return lines


#: The Audit sheet repeats its rules, sources and notes on every valuation: each is counted once.
_text_lines = lru_cache(maxsize=4096)(text_lines)


@dataclass(frozen=True)
class _Column:
    title: str
    width: int
    number_format: str | None = None
    kind: str = TEXT
    wrap: bool = False

    @staticmethod
    def number(title: str, width: int, number_format: str) -> _Column:
        return _Column(title, width, number_format, NUMBER)

    @staticmethod
    def code(title: str, width: int) -> _Column:
        return _Column(title, width, None, CODE)

    @staticmethod
    def wrapped(title: str, width: int) -> _Column:
        return _Column(title, width, None, TEXT, True)


class _Styles:
    """The workbook's cell formats, made once per workbook."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.header = book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top", "border": 1}
        )
        self.bold = book.add_format({"bold": True})
        self.section = book.add_format({"bold": True, "font_size": 12})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.top = book.add_format({"valign": "top"})
        self._numbers: dict[tuple[str, bool], Any] = {}

    def number(self, number_format: str, *, total: bool = False) -> Any:
        """The format of a number (bold with a rule above it in subtotal and total rows)."""
        found = self._numbers.get((number_format, total))
        if found is None:
            spec: dict[str, Any] = {"num_format": number_format, "valign": "top"}
            if total:
                spec.update(bold=True, top=1, bg_color="#F2F2F2")
            found = self._numbers[(number_format, total)] = self.book.add_format(spec)
        return found


def sheet_text(value: object) -> str:
    r"""The text a workbook cell holds for ``value``: without the characters an xlsx file cannot
    hold (XML 1.0 control characters and U+FFFE/U+FFFF), cut to Excel's 32,767 characters.

    Every text cell the library writes goes through this first and is then written *as text*
    (an XlsxWriter string, an inline string of a template), so what it begins with after the
    cleaning -- ``"=HYPERLINK(...)"`` becomes ``"=HYPERLINK(...)"`` -- never makes a formula.

    >>> sheet_text("=HYPERLINK('http://x')")
    "=HYPERLINK('http://x')"
    """
    text = value if type(value) is str else str(value)
    # Every character the pattern removes is unprintable (Cc or Cn): a printable text, nearly
    # every one, is already clean and spares the pattern its scan.
    if text.isprintable():
        return text[:_CELL_TEXT]
    return _ILLEGAL.sub("", text)[:_CELL_TEXT]


def _rich_lookalike(text: str) -> bool:
    """A text XlsxWriter would take for a rich string of its own (see :func:`write_text`)."""
    return text.startswith("<r>") and text.endswith("</r>")


def _as_is(value: object) -> bool:
    """A text :func:`sheet_text` leaves as it is and :func:`write_text` writes as a plain
    string: the common cell, which :meth:`_Sheet.append` writes without either."""
    return (
        type(value) is str
        and value.isprintable()
        and len(value) <= _CELL_TEXT
        and not _rich_lookalike(value)
    )


def _cell_method(sheet: Any, name: str) -> Any:
    """XlsxWriter's method ``name`` of ``sheet`` without the decorator that reads cells given in
    A1 notation ("B3"): this module always gives row and column numbers, and the decorator
    costs about half a microsecond a cell (100,000 goods make 2.6 million). It keeps the method
    it wraps as ``__wrapped__`` (:func:`functools.wraps`); a method without one is taken as
    it is.
    """
    method = getattr(sheet, name)
    inner = getattr(method, "__wrapped__", None)
    return method if inner is None else MethodType(inner, sheet)


def write_text(sheet: Any, row: int, col: int, text: str, cell_format: Any = None) -> None:
    """Write a cleaned text (:func:`sheet_text`) so that the cell holds exactly that text.

    XlsxWriter streams (``constant_memory``) a string that starts with ``<r>`` and ends with
    ``</r>`` into the sheet as raw XML, as if it were a rich string it had built: a customs
    line id or installation name shaped so could add cells or formulas of its own. Such a
    text is written as three runs in the sheet's font instead (XlsxWriter wants more than two),
    which XlsxWriter escapes; the cell shows the same characters.
    """
    if _rich_lookalike(text):
        runs = [text[:1], text[1:2], text[2:]] + ([] if cell_format is None else [cell_format])
        sheet.write_rich_string(row, col, *runs)
    else:
        sheet.write_string(row, col, text, cell_format)


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
        write_text(sheet, row, col, sheet_text(value), cell_format)


_Writer = Callable[[int, int, Any, Any], object]
"""Writes one value (never None) into a cell: row, column, value, format."""


def _value_writer(sheet: Any) -> _Writer:
    """:func:`write_cell` for a value that is not None, the common types tested first.

    ``type() is`` takes no subclass (bool, an enum): those go the long way, through
    :func:`write_cell`, and come out the same.
    """
    write_number = _cell_method(sheet, "write_number")

    def write(row: int, col: int, value: Any, cell_format: Any) -> None:
        kind = type(value)
        if kind is str:
            write_text(sheet, row, col, sheet_text(value), cell_format)
        elif kind is Decimal or kind is int:
            write_number(row, col, value, cell_format)
        else:
            write_cell(sheet, row, col, value, cell_format)

    return write


def _text_writer(sheet: Any) -> _Writer:
    """A code column's writer: every value as text, a number or a boolean too."""

    def write(row: int, col: int, value: Any, cell_format: Any) -> None:
        write_text(sheet, row, col, sheet_text(value), cell_format)

    return write


class _Sheet:
    """A streamed sheet: a styled, frozen header row, column widths and the print set-up."""

    def __init__(
        self,
        book: Book,
        styles: _Styles,
        title: str,
        columns: Sequence[_Column],
        page: _Page,
        *,
        freeze_cols: int = 0,
    ) -> None:
        self.sheet = book.add_worksheet(title)
        self.write_string = _cell_method(self.sheet, "write_string")
        self.write_blank = _cell_method(self.sheet, "write_blank")
        self.styles = styles
        self.columns = tuple(columns)
        self.formats = [
            styles.wrap
            if c.wrap
            else (styles.number(c.number_format) if c.number_format else styles.top)
            for c in self.columns
        ]
        self.totals = [styles.number(c.number_format or "@", total=True) for c in self.columns]
        # Each column's writer chosen once: a code column takes every value as text, the
        # others write_cell's way (a number as a number, a boolean as yes/no).
        text, value = _text_writer(self.sheet), _value_writer(self.sheet)
        self.writers = [text if c.kind == CODE else value for c in self.columns]
        self.wrapped = [
            (i, c.width, c.width * _CHARS_PER_WIDTH) for i, c in enumerate(self.columns) if c.wrap
        ]
        for index, column in enumerate(self.columns):
            self.sheet.set_column(index, index, column.width)
        self.sheet.freeze_panes(1, freeze_cols)
        lines = max(text_lines(c.title, c.width) for c in self.columns)
        self.sheet.set_row(0, _LINE_HEIGHT * lines + 2)
        for index, column in enumerate(self.columns):
            self.sheet.write_string(0, index, column.title, styles.header)
        page.apply(self.sheet)
        self.rows = 1

    def height(self, values: Sequence[Any]) -> None:
        """Size the current row to its wrapped texts (before any of its cells is written)."""
        lines = 1
        for i, width, room in self.wrapped:
            value = values[i]
            if not value:
                continue
            text = str(value)
            # A text no longer than its column takes one line: no need to wrap it.
            if len(text) > room:
                lines = max(lines, _text_lines(text, width))
        if lines > 1:
            self.sheet.set_row(self.rows, _LINE_HEIGHT * lines)

    def finish(self, last_col: int | None = None, last_row: int | None = None) -> None:
        """Print the sheet's own columns (texts running over into empty cells are cut)."""
        self.sheet.print_area(
            0,
            0,
            max(self.rows - 1 if last_row is None else last_row, 1),
            len(self.columns) - 1 if last_col is None else last_col,
        )

    def write(self, col: int, value: Any, cell_format: Any = None) -> None:
        """One cell of the current row: numbers as numbers, everything else as text."""
        write_cell(self.sheet, self.rows, col, value, cell_format)

    def append(self, values: Sequence[Any], *, total: bool = False) -> None:
        """A row, each value formatted as its column says (bold and ruled for a total)."""
        row = self.rows
        if self.wrapped:
            self.height(values)
        formats, writers = self.totals if total else self.formats, self.writers
        write_string = self.write_string
        for col, value in enumerate(values):
            if _as_is(value):  # most cells, in any column
                write_string(row, col, value, formats[col])
            elif value is not None:
                writers[col](row, col, value, formats[col])
            elif total:
                self.write_blank(row, col, None, formats[col])
        self.rows += 1

    def append_raw(self, values: Sequence[Any], cell_format: Any = None) -> None:
        for col, value in enumerate(values):
            write_cell(self.sheet, self.rows, col, value, cell_format)
        self.rows += 1

    def autofilter(self, last_row: int) -> None:
        """A filter on the header row over the rows written so far (up to ``last_row``)."""
        self.sheet.autofilter(0, 0, max(last_row, 1), len(self.columns) - 1)


# -- print set-up ----------------------------------------------------------------------------------


def _header_footer_text(text: str) -> str:
    """A literal text inside a page header or footer (``&`` starts a control code there)."""
    return sheet_text(text).replace("&", "&&")


def dataset_names(datasets: dict[str, str]) -> list[str]:
    """Short names of the datasets with their versions, for a page footer.

    >>> dataset_names({"benchmarks": "IR 2025/2620 Annex, v1 of 2025-02-06",
    ...                "default_values": "IR 2025/2621 Annex I, v1 of 2026-02-04 (sha256 8653)"})
    ['IR 2025/2620 Annex v1 of 2025-02-06', 'IR 2025/2621 Annex I v1 of 2026-02-04']
    """
    names = []
    for label in datasets.values():
        label = re.sub(r" \(sha256 [0-9a-f]+\)", "", label)
        act, comma, version = label.rpartition(", ")
        # "Reg. ...; Commission communication template v2.1.1 Parameters_CNCodes": the last part
        names.append(f"{act.split('; ')[-1]} {version}" if comma else label)
    return names


@dataclass(frozen=True)
class _Page:
    """The print set-up every sheet gets: landscape, one page wide, header row on each page, a
    header naming the report, the sheet and the page, a footer naming the datasets."""

    header: str
    footer: str
    paper: int = 9  # A4
    tall: int = 0  # pages high: 0 = as many as needed

    @classmethod
    def of(cls, assessment: Assessment) -> _Page:
        name = assessment.declarant.get("name")
        title = f"CBAM assessment {assessment.year}" + (f" - {name}" if name else "")
        if assessment.importer is not None:
            title += f" - importer {assessment.importer}"
        header = f"&L&8{_header_footer_text(title)[:150]}&R&8&A, page &P of &N"
        datasets = "Datasets: " + "; ".join(dataset_names(assessment.datasets))
        room = _HEADER_FOOTER - len("&L&7")
        text = _header_footer_text(datasets)
        if len(text) > room:
            cut = " ... (all on the Summary sheet)"
            text = text[: room - len(cut)].rstrip("&") + cut
        return cls(header, f"&L&7{text}")

    def wide(self) -> _Page:
        """The same set-up on A3, for the sheets with many columns."""
        return replace(self, paper=8)

    def one(self) -> _Page:
        """The same set-up fitted to one page (a sheet of a table and charts)."""
        return replace(self, tall=1)

    def apply(self, sheet: Any) -> None:
        sheet.set_landscape()
        sheet.set_paper(self.paper)
        sheet.fit_to_pages(1, self.tall)
        sheet.repeat_rows(0)
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        sheet.set_header(self.header)
        sheet.set_footer(self.footer)
        sheet.hide_gridlines(0)


# -- sums per category -----------------------------------------------------------------------------


class _Sums:
    """Exact sums of goods (a category's or all of them), rounded once when written."""

    __slots__ = (
        "allocation",
        "certificates",
        "cost",
        "deduction",
        "embedded",
        "goods",
        "lines",
        "mass",
        "missing_default",
        "mwh",
        "saved",
    )

    def __init__(self) -> None:
        zero = Decimal(0)
        self.goods = self.lines = self.missing_default = 0
        self.mass = self.mwh = self.embedded = self.allocation = zero
        self.deduction = self.certificates = self.saved = self.cost = zero

    def add(self, good: GoodResult, electricity: bool) -> None:
        """Add a good (inside the engine's exact context)."""
        self.goods += 1
        self.lines += good.lines
        if electricity:
            self.mwh += good.net_mass
        else:
            self.mass += good.net_mass
        self.embedded += good.embedded_emissions
        self.allocation += good.free_allocation
        self.deduction += good.carbon_price_deduction
        self.certificates += good.certificates
        self.cost += good.cost_eur
        if good.certificates_default is None:
            self.missing_default += 1
        else:
            self.saved += good.certificates_default - good.certificates

    def merge(self, other: _Sums) -> None:
        """Add another sum's figures (inside the engine's exact context)."""
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self, *, blank_units: bool = False) -> dict[str, Any]:
        """The sums by Goods column title, rounded by the rules of the totals.

        Certificates at default values are those due plus the saving: a good without a default
        value to compare with counts at its certificates due (no saving). ``blank_units``: no
        zero tonnes beside electricity's MWh, nor zero MWh beside other goods' tonnes.
        """
        with localcontext(EXACT):
            at_default = self.certificates + self.saved
        blank = blank_units and (self.mass == 0 or self.mwh == 0)
        return {
            LINES: self.lines,
            MASS: None if blank and self.mass == 0 else round_figure(self.mass),
            MWH: None if blank and self.mwh == 0 else round_figure(self.mwh),
            EMBEDDED: round_tonnes(self.embedded),
            ALLOCATION: round_figure(self.allocation),
            DEDUCTION: round_figure(self.deduction),
            CERTIFICATES: round_figure(self.certificates),
            AT_DEFAULT: round_figure(at_default),
            SAVING: round_figure(self.saved),
            COST: round_eur(self.cost),
        }


# -- Goods -----------------------------------------------------------------------------------------

LINES = "Customs lines"
MASS = "Net mass (t)"
MWH = "Electricity (MWh)"
EMBEDDED = "Embedded emissions (t CO2e)"
ALLOCATION = "Free allocation (t CO2e)"
DEDUCTION = "Carbon price deduction (t CO2e)"
CERTIFICATES = "Certificates due (1 per t CO2e)"
AT_DEFAULT = "Certificates at default values"
SAVING = "Saving from supplier data (certificates)"
COST = "Cost (EUR)"
PER_UNIT = "t CO2e per t or MWh"

GOODS_COLUMNS = (
    _Column.code("CN code", 10),
    _Column.code("Description", 32),
    _Column("Aggregated goods category", 16),
    _Column.code("Origin", 7),
    _Column("Installation", 14),
    _Column("Route", 7),
    _Column.code("Route decided by", 10),
    _Column.code("Basis", 8),
    _Column.code("Basis reason", 14),
    _Column.code("Estimate", 8),
    _Column("Why this basis", 30),
    _Column.code("Default value of (country)", 9),
    _Column.number(LINES, 8, INTEGER),
    _Column.number(MASS, 12, QUANTITY),
    _Column.number(MWH, 12, QUANTITY),
    _Column.number(f"SEE used ({PER_UNIT})", 11, SPECIFIC),
    _Column.number("Mark-up on the default value", 9, PERCENT),
    _Column.number(f"SEE direct ({PER_UNIT})", 11, SPECIFIC),
    _Column.number(f"SEE indirect ({PER_UNIT})", 11, SPECIFIC),
    _Column.number(EMBEDDED, 12, TONNES),
    _Column.number("SEFA (t CO2e per t)", 10, FACTOR),
    _Column.number(ALLOCATION, 14, QUANTITY),
    _Column.number(DEDUCTION, 11, QUANTITY),
    _Column.number(CERTIFICATES, 14, QUANTITY),
    _Column.number(AT_DEFAULT, 14, QUANTITY),
    _Column.number(SAVING, 14, QUANTITY),
    _Column.number(COST, 15, EUR),
    _Column.code("Valuation (see Audit)", 9),
)
_GOODS_AT = {column.title: index for index, column in enumerate(GOODS_COLUMNS)}


def _basis_note(good: GoodResult) -> str | None:
    return next((step.note for step in good.audit if step.quantity == "basis"), None)


def _good_row(good: GoodResult, description: str, electricity: bool) -> list[Any]:
    """A good's row: readable identification, then its figures rounded by their rules."""
    mass = round_figure(good.net_mass)
    default = good.certificates_default
    return [
        good.cn,
        description,
        good.category,
        good.country,
        good.installation_id,
        good.route,
        good.route_basis,
        good.basis,
        good.basis_reason,
        "yes" if good.estimate else "no",
        _basis_note(good),
        good.country_used,
        good.lines,
        None if electricity else mass,
        mass if electricity else None,
        round_see(good.see_used),
        round_figure(good.markup),
        None if good.see_direct is None else round_see(good.see_direct),
        None if good.see_indirect is None else round_see(good.see_indirect),
        round_tonnes(good.embedded_emissions),
        round_figure(good.sefa),
        round_figure(good.free_allocation),
        round_figure(good.carbon_price_deduction),
        round_figure(good.certificates),
        None if default is None else round_figure(default),
        None if default is None else round_figure(default - good.certificates),
        round_eur(good.cost_eur),
        good.valuation,
    ]


def _sum_row(label: str, detail: str, category: str | None, sums: _Sums) -> list[Any]:
    row: list[Any] = [None] * len(GOODS_COLUMNS)
    row[0], row[1], row[2] = label, detail, category
    for title, value in sums.figures(blank_units=category is not None).items():
        row[_GOODS_AT[title]] = value
    return row


@dataclass
class _GoodsWritten:
    """What the Goods sheet found while writing: sums per category and in all, and for each
    valuation the first good that uses it (the Audit sheet names it)."""

    categories: dict[str, _Sums]
    total: _Sums
    first_use: dict[str, GoodResult]


def _write_goods(book: Book, styles: _Styles, page: _Page, assessment: Assessment) -> _GoodsWritten:
    """One row per good, grouped by category; a subtotal row after each, the total at the end.

    The subtotal rows read "Subtotal" in the CN code column: the filter on that column shows
    the categories alone.
    """
    sheet = _Sheet(book, styles, "Goods", GOODS_COLUMNS, page.wide(), freeze_cols=2)
    groups: dict[str, list[GoodResult]] = {}
    for good in assessment.goods:
        groups.setdefault(good.category, []).append(good)
    written = _GoodsWritten({}, _Sums(), {})
    descriptions: dict[str, str] = {}
    with localcontext(EXACT):
        for category, members in groups.items():
            sums = written.categories[category] = _Sums()
            for good in members:
                description = descriptions.get(good.cn)
                if description is None:
                    description = descriptions[good.cn] = catalogue.good(good.cn).description
                electricity = catalogue.is_electricity(good.cn)
                sums.add(good, electricity)
                written.first_use.setdefault(good.valuation, good)
                sheet.append(_good_row(good, description, electricity))
            sheet.append(
                _sum_row("Subtotal", f"{category}: {sums.goods} goods", category, sums), total=True
            )
            written.total.merge(sums)
    sheet.autofilter(sheet.rows - 1)
    sheet.append(
        _sum_row("Total", f"all goods: {written.total.goods}", None, written.total), total=True
    )
    sheet.finish()
    return written


# -- Categories ------------------------------------------------------------------------------------

CATEGORY_COLUMNS = (
    _Column("Aggregated goods category", 22),
    _Column.number("Goods", 8, INTEGER),
    *(GOODS_COLUMNS[_GOODS_AT[title]] for title in _Sums().figures()),
)


def _write_categories(
    book: Book, styles: _Styles, page: _Page, written: _GoodsWritten
) -> tuple[int, int]:
    """One row per aggregated goods category and the total; (first, last) category row."""
    sheet = _Sheet(book, styles, "Categories", CATEGORY_COLUMNS, page, freeze_cols=1)
    for category, sums in written.categories.items():
        sheet.append([category, sums.goods, *sums.figures(blank_units=True).values()])
    last = sheet.rows - 1
    total = written.total
    sheet.append(["Total", total.goods, *total.figures().values()], total=True)
    sheet.rows += 1
    notes = [
        "Certificates at default values: each good on actual values valued as if its supplier "
        "had sent no data:",
        "the default value of IR 2025/2621 with the year's mark-up and the Column B benchmark. "
        "Goods on default values count at their certificates due.",
        "The saving from supplier data is the difference: certificates at default values less "
        "certificates due.",
    ]
    if total.missing_default:
        notes.append(
            f"{total.missing_default} goods on actual values have no default value to compare "
            "with; they count at their certificates due (no saving)."
        )
    notes += [
        "Masses in t; electricity in MWh, never added to tonnes; emissions in t CO2e; one "
        "certificate per t CO2e; money in EUR.",
        "Each figure is rounded half up as the declaration files give it (sheet Summary, "
        "'Rounding').",
    ]
    for note in notes:
        sheet.append_raw([note])
    sheet.finish()
    return 1, last


# -- Audit -----------------------------------------------------------------------------------------

AUDIT_COLUMNS = (
    _Column.code("Valuation", 9),
    _Column.code("CN code", 10),
    _Column.code("Origin", 7),
    _Column("Route", 7),
    _Column.code("Basis", 8),
    _Column.wrapped("Quantity", 18),
    _Column.number("Value (exact)", 13, "0.##########"),
    _Column.code("Unit", 14),
    _Column.wrapped("Rule", 36),
    _Column.wrapped("Source", 40),
    _Column.wrapped("Note", 44),
)

#: Audit quantities given per tonne of good (per MWh for electricity).
_PER_TONNE = ("default value", "SEE", "benchmark", "SEFA")


def audit_unit(quantity: str, electricity: bool = False) -> str | None:
    """The unit of an audit step's value, from its quantity.

    >>> audit_unit("SEE used"), audit_unit("CBAM factor 2026"), audit_unit("SEFA", True)
    ('t CO2e per t', 'factor', 't CO2e per MWh')
    """
    if quantity.startswith(_PER_TONNE):
        return "t CO2e per MWh" if electricity else "t CO2e per t"
    if quantity.startswith(("CBAM factor", "CSCF")):
        return "factor"
    if quantity in ("embedded emissions", "free allocation", "certificates"):
        return "t CO2e"
    if quantity == "price":
        return "EUR per certificate"
    return None


def _write_audit(
    book: Book, styles: _Styles, page: _Page, assessment: Assessment, written: _GoodsWritten
) -> None:
    """How each valuation's per-tonne figures were obtained; the goods name their valuation."""
    sheet = _Sheet(book, styles, "Audit", AUDIT_COLUMNS, page.wide(), freeze_cols=1)
    for trail in assessment.valuations:
        good = written.first_use.get(trail.id)
        who: list[Any] = [None] * 4
        electricity = False
        if good is not None:
            who = [good.cn, good.country, good.route, good.basis]
            electricity = catalogue.is_electricity(good.cn)
        for step in trail.audit:
            unit = audit_unit(step.quantity, electricity)
            value = step.value
            sheet.append(
                [trail.id, *who, step.quantity, value, unit, step.rule, step.source, step.note]
            )
    sheet.autofilter(sheet.rows - 1)
    sheet.rows += 1
    sheet.append_raw(
        ["Values are exact (the audit trail is never rounded); the unit names what they count."]
    )
    sheet.finish()


# -- Cost by year ----------------------------------------------------------------------------------

YEAR_COLUMNS = (
    _Column.number("Year of import", 9, "0"),
    _Column.number("CBAM factor", 10, FACTOR),
    _Column.number(EMBEDDED, 14, TONNES),
    _Column.number(ALLOCATION, 14, QUANTITY),
    _Column.number("Certificates (1 per t CO2e)", 14, QUANTITY),
    _Column.number("Price (EUR per certificate)", 12, EUR),
    _Column("Price assumed", 9),
    _Column.number(COST, 16, EUR),
)


def _write_cost_by_year(
    book: Book, styles: _Styles, page: _Page, assessment: Assessment, categories: tuple[int, int]
) -> None:
    sheet = _Sheet(book, styles, "Cost by year", YEAR_COLUMNS, page.one())
    rules = rounding.YEAR
    for y in assessment.trajectory:
        fields = rounding.rounded_fields(y, rules)
        sheet.append([fields[name] for name in _YEAR_FIELDS])
    count = len(assessment.trajectory)
    if not count:
        sheet.append_raw(["No cost trajectory was computed for this assessment."])
        sheet.finish()
        return
    sheet.rows += 1
    sheet.append_raw(
        ["The same goods, volumes and origins priced in each year: that year's CBAM factor and"]
    )
    sheet.append_raw(
        ["default-value mark-up; prices marked 'assumed' are estimates, not published prices."]
    )
    anchor = sheet.rows + 1
    sheet.sheet.insert_chart(anchor, 0, _year_chart(book, count))
    first, last = categories
    bottom = anchor + 18
    if last >= first:
        # Beside the cost-by-year chart, and under both, the charts per goods category.
        sheet.sheet.insert_chart(
            anchor, 0, _category_cost_chart(book, first, last), {"x_offset": _CHART_WIDTH + 12}
        )
        sheet.sheet.insert_chart(anchor + 18, 0, _category_saving_chart(book, first, last))
        bottom += 18
    sheet.finish(last_col=_CHART_COLUMNS, last_row=bottom)


_YEAR_FIELDS = (
    "year",
    "cbam_factor",
    "embedded_emissions",
    "free_allocation",
    "certificates",
    "price",
    "price_is_assumption",
    "cost_eur",
)


#: Each chart's size in pixels; the two charts side by side reach past the table into column J.
_CHART_WIDTH, _CHART_HEIGHT = 400, 330
_CHART_COLUMNS = 9
#: Axis labels in EUR millions (each trailing comma of a number format divides by 1,000:
#: Excel and LibreOffice both read it, unlike a chart's "display units").
_MILLIONS = "#,##0.0,,"


def _year_chart(book: Book, count: int) -> Any:
    chart = book.add_chart({"type": "column"})
    cost = len(YEAR_COLUMNS) - 1
    chart.add_series(
        {
            "name": ["Cost by year", 0, cost],
            "categories": ["Cost by year", 1, 0, count, 0],
            "values": ["Cost by year", 1, cost, count, cost],
            "fill": {"color": "#2F6F8F"},
        }
    )
    chart.set_title({"name": "Certificate cost per year of import", "name_font": {"size": 11}})
    chart.set_y_axis({"name": "EUR millions", "num_format": _MILLIONS})
    chart.set_x_axis({"name": "Year of import (same volumes and origins)"})
    chart.set_legend({"none": True})
    chart.set_size({"width": _CHART_WIDTH, "height": _CHART_HEIGHT})
    return chart


def _category_cost_chart(book: Book, first: int, last: int) -> Any:
    chart = book.add_chart({"type": "bar"})
    cost = len(CATEGORY_COLUMNS) - 1
    chart.add_series(
        {
            "name": ["Categories", 0, cost],
            "categories": ["Categories", first, 0, last, 0],
            "values": ["Categories", first, cost, last, cost],
            "fill": {"color": "#2F6F8F"},
        }
    )
    chart.set_title({"name": "Cost by goods category", "name_font": {"size": 11}})
    chart.set_x_axis({"name": "EUR millions", "num_format": _MILLIONS})
    chart.set_y_axis(
        {"reverse": True, "crossing": "max", "interval_unit": 1, "num_font": {"size": 8}}
    )
    chart.set_legend({"none": True})
    chart.set_size({"width": _CHART_WIDTH, "height": _CHART_HEIGHT})
    return chart


def _category_saving_chart(book: Book, first: int, last: int) -> Any:
    chart = book.add_chart({"type": "bar"})
    for title, color in ((CERTIFICATES, "#2F6F8F"), (AT_DEFAULT, "#C0504D")):
        col = next(i for i, c in enumerate(CATEGORY_COLUMNS) if c.title == title)
        chart.add_series(
            {
                "name": ["Categories", 0, col],
                "categories": ["Categories", first, 0, last, 0],
                "values": ["Categories", first, col, last, col],
                "fill": {"color": color},
            }
        )
    chart.set_title(
        {"name": "Certificates due and at default values, by category", "name_font": {"size": 11}}
    )
    chart.set_x_axis({"name": "certificates (t CO2e)", "num_format": "#,##0"})
    chart.set_y_axis(
        {"reverse": True, "crossing": "max", "interval_unit": 1, "num_font": {"size": 8}}
    )
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 2 * _CHART_WIDTH + 12, "height": _CHART_HEIGHT})
    return chart


# -- Lines -----------------------------------------------------------------------------------------

LINE_COLUMNS: tuple[_Column, ...] = (
    _Column.number("Row in the customs file", 9, INTEGER),
    _Column("Line id", 12),
    _Column.code("CN code", 10),
    _Column.code("Origin", 7),
    _Column("Installation", 14),
    _Column("Route", 7),
    _Column.code("Pricing period", 9),
    _Column.number(MASS, 12, QUANTITY),
    _Column.number(MWH, 12, QUANTITY),
    _Column.code("Basis", 8),
    _Column.number(f"SEE used ({PER_UNIT})", 11, SPECIFIC),
    _Column.number("Embedded emissions (t CO2e)", 13, QUANTITY),
    _Column.number(ALLOCATION, 13, QUANTITY),
    _Column.number(DEDUCTION, 11, QUANTITY),
    _Column.number(CERTIFICATES, 13, QUANTITY),
    _Column.number("Price (EUR per certificate)", 11, EUR),
    _Column.number(COST, 13, EUR),
    _Column("Exempt (de minimis)", 9),
    _Column("Customs rule", 14),
    _Column.code("Declared CN code", 10),
    _Column.code("Price basis", 12),
)


def _line_values(fields: tuple[Any, ...]) -> list[Any]:
    """A line's row from its fields (:func:`~cbam.formats.lines.read_lines_fields`); a line's
    emissions are not a period total: at most 6 decimals."""
    line = dict(zip(lines_format.COLUMNS, fields, strict=True))
    mass = round_figure(line["net_mass"])
    electricity = catalogue.is_electricity(line["cn"])
    return [
        *(line[n] for n in ("row", "line_id", "cn", "country", "installation_id", "route")),
        line["period"],
        None if electricity else mass,
        mass if electricity else None,
        line["basis"],
        round_see(line["see_used"]),
        round_figure(line["embedded_emissions"]),
        round_figure(line["free_allocation"]),
        round_figure(line["carbon_price_deduction"]),
        round_figure(line["certificates"]),
        round_eur(line["price"]),
        round_eur(line["cost_eur"]),
        line["exempt_de_minimis"],
        line["procedure_rule"],
        line["declared_cn"],
        line["price_basis"],
    ]


def _write_lines(
    book: Book, styles: _Styles, page: _Page, lines_csv: Path, max_lines: int, lines: int
) -> str:
    """Copy up to ``max_lines`` of the ``lines`` lines; returns what was done, for the Summary.

    Only the copied lines are read: a million-line file costs no more than ``max_lines``.
    """
    sheet = _Sheet(book, styles, "Lines", LINE_COLUMNS, page.wide(), freeze_cols=3)
    total = 0
    try:
        for line in islice(lines_format.read_lines_fields(lines_csv), max_lines):
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
    sheet.autofilter(sheet.rows - 1)
    sheet.finish()
    total = max(total, lines)
    if total > max_lines:
        message = (
            f"only the first {max_lines} of {total} lines are copied here; "
            f"{lines_csv.name} holds them all"
        )
        sheet.append_raw([message], styles.bold)
        return message
    return f"all {total} lines of {lines_csv.name}"


# -- Summary ---------------------------------------------------------------------------------------

SUMMARY_COLUMNS = (
    _Column.wrapped("Item", 50),
    _Column("Value", 18),
    _Column.code("Unit", 12),
    _Column.wrapped("Note", 80),
)


class _Items:
    """The Summary's rows: sections, and items of label, value, unit and note."""

    def __init__(self, sheet: _Sheet) -> None:
        self.sheet = sheet
        self.styles = sheet.styles

    def section(self, title: str) -> None:
        self.sheet.rows += 1
        self.sheet.append_raw([title], self.styles.section)

    def item(
        self,
        label: str,
        value: Any,
        unit: str | None = None,
        number_format: str | None = None,
        note: str = "",
    ) -> None:
        sheet = self.sheet
        sheet.height([label, value, unit, note])
        sheet.write(0, label, self.styles.wrap)
        sheet.write(
            1, value, self.styles.number(number_format) if number_format else self.styles.top
        )
        sheet.write(2, unit, self.styles.top)
        sheet.write(3, note or None, self.styles.wrap)
        sheet.rows += 1


def _summary_head(items: _Items, assessment: Assessment, lines_note: str | None) -> None:
    if assessment.estimate:
        items.item(
            "Status",
            "ESTIMATE",
            note="actual values without a satisfactory verification or of another reporting "
            "period were used (accept_unverified): not for the declaration",
        )
    items.item("About this workbook", "cbam report", note=NOTICE)
    items.item("Rounding", "see note", note=ROUNDING_NOTE)
    items.item("Units", "see note", note=UNITS_NOTE)
    items.item("Year of import", assessment.year, None, "0")
    for key, value in assessment.declarant.items():
        items.item(f"Declarant: {key}", value)
    if assessment.importer is not None:
        items.item(
            "Importer (EORI)",
            assessment.importer,
            note="the importer whose customs lines these are: the de minimis threshold, the "
            "holding and every figure here are this importer's (Reg. (EU) 2023/956 Art. 2a(1)); "
            "the declarant files on its behalf when it is an indirect customs representative "
            "(Art. 5(2a))",
        )
    items.item(
        "CSCF",
        rounding.CSCF(assessment.cscf),
        "factor",
        FACTOR,
        "cross-sectoral correction factor applied",
    )
    items.item("Customs lines", assessment.lines, "lines", INTEGER)
    items.item(
        "Goods",
        len(assessment.goods),
        "goods",
        INTEGER,
        "CN code x origin x route x installation x basis (sheet Goods)",
    )
    if lines_note is not None:
        items.item("Lines sheet", lines_note)


def _summary_totals(items: _Items, assessment: Assessment, total: _Sums) -> None:
    t = rounding.rounded_fields(assessment.totals, rounding.TOTALS)
    figures = total.figures()
    items.section("Totals")
    items.item("Net mass of the goods (all but electricity)", t["net_mass"], "t", QUANTITY)
    items.item("Electricity", t["electricity_mwh"], "MWh", QUANTITY, "never added to tonnes")
    items.item("Embedded emissions", t["embedded_emissions"], "t CO2e", TONNES)
    items.item("Free allocation adjustment", t["free_allocation"], "t CO2e", QUANTITY)
    items.item("Carbon price deduction", t["carbon_price_deduction"], "t CO2e", QUANTITY)
    items.item(
        "Certificates due",
        t["certificates"],
        "certificates",
        QUANTITY,
        "each good floored at zero, never netted across goods",
    )
    items.item("Cost", t["cost_eur"], "EUR", EUR, f"price basis: {assessment.price_basis}")
    if assessment.carbon_price_reference is not None:
        items.item(
            "Reference price for carbon prices paid",
            rounding.REFERENCE_PRICE(assessment.carbon_price_reference),
            "EUR per certificate",
            EUR,
            "carbon prices paid abroad divided by it (Art. 9; the highest price known for the "
            "year, as the draft implementing act under Art. 9(5) is not adopted)",
        )
    items.item(
        "Certificates at default values",
        figures[AT_DEFAULT],
        "certificates",
        QUANTITY,
        "the goods on actual values valued without their suppliers' data",
    )
    items.item(
        "Saving from supplier data",
        figures[SAVING],
        "certificates",
        QUANTITY,
        "certificates at default values less certificates due (sheets Goods, Categories)",
    )
    with localcontext(EXACT):
        price = total.cost / total.certificates if total.certificates else None
        saving_eur = None if price is None else round_eur(total.saved * price)
    items.item(
        "Saving from supplier data at the year's average price",
        saving_eur,
        "EUR",
        EUR,
        "an estimate: the saving in certificates times cost / certificates of the year",
    )


def _summary_holding(items: _Items, assessment: Assessment) -> None:
    d = rounding.rounded_fields(assessment.de_minimis, rounding.DE_MINIMIS)
    items.section("De minimis (Reg. (EU) 2023/956 Art. 2a)")
    items.item("Threshold", d["threshold_t"], "t", QUANTITY, assessment.de_minimis.rule)
    items.item(
        "Net mass counted",
        d["net_mass_counted"],
        "t",
        QUANTITY,
        "all goods but hydrogen and electricity",
    )
    items.item("Hydrogen, always in scope", d["net_mass_always_in_scope"], "t", QUANTITY)
    items.item("Electricity, always in scope", d["electricity_mwh"], "MWh", QUANTITY)
    items.item("De minimis exempt", assessment.de_minimis.exempt)
    items.item("Threshold exceeded in", assessment.de_minimis.exceeded_in or "-")
    due = assessment.de_minimis.holding_due_by
    items.item(
        "Holding first due by",
        due.isoformat() if due else "-",
        note="the end of the quarter after the one in which the threshold was exceeded "
        "(Art. 22(2a)); none in 2026 (no holding before 2027)",
    )
    if assessment.procedures:
        items.section("Customs procedures (Reg. (EU) 2023/956 Arts. 3(4), 6(3)-(5))")
        for rule, count in assessment.procedures.items():
            items.item(f"{rule}: lines", count.lines, "lines", INTEGER)
            items.item(f"{rule}: net mass", round_figure(count.net_mass), "t", QUANTITY)
    items.section("Quarterly holding (Art. 22(2), (2a))")
    basis = (
        "Art. 22(2)(a): each good's default value without mark-up (also for goods valued with "
        "supplier data), less its free allocation, floored per good; (b): certificates per "
        "tonne surrendered for the same CN code and origin in last year's declaration"
    )
    for q in assessment.quarters:
        f = rounding.rounded_fields(q, rounding.QUARTER)
        items.item(
            f"{q.quarter} embedded emissions to date, default values without mark-up",
            f["embedded_emissions_without_markup_to_date"],
            "t CO2e",
            TONNES,
            basis,
        )
        items.item(
            f"{q.quarter} free allocation adjustment to date",
            f["free_allocation_to_date"],
            "t CO2e",
            QUANTITY,
        )
        items.item(
            f"{q.quarter} share to hold",
            f["share"],
            "share",
            PERCENT,
            "Art. 22(2) as amended by Reg. (EU) 2025/2083: 50 % from 2027",
        )
        items.item(
            f"{q.quarter} certificates to hold, default values without mark-up",
            f["certificates_to_hold"],
            "certificates",
            QUANTITY,
            "share x sum over the goods due of max(0, emissions to date - free allocation)",
        )
        items.item(f"{q.quarter} basis", q.basis or "-", note=basis)
        items.item(f"{q.quarter} due by", q.due_by.isoformat() if q.due_by else "-")


def _write_summary(
    sheet: _Sheet, assessment: Assessment, lines_note: str | None, total: _Sums
) -> None:
    items = _Items(sheet)
    _summary_head(items, assessment, lines_note)
    _summary_totals(items, assessment, total)
    _summary_holding(items, assessment)
    if assessment.scenarios:
        items.section("Scenario prices")
        for price, cost in assessment.scenarios.items():
            items.item(
                f"Cost at {price} EUR per certificate", rounding.SCENARIO_COST(cost), "EUR", EUR
            )
    for title, counts in (
        ("Production route of the benchmark (lines per route_basis)", assessment.route_bases),
        ("Basis reasons (lines)", assessment.basis_reasons),
    ):
        if counts:
            items.section(title)
            for key, count in counts.items():
                items.item(key, count, "lines", "0")
    items.section("Datasets used")
    for key, label in assessment.datasets.items():
        items.item(f"Dataset: {key}", label)
    items.section("Notes")
    for number, note in enumerate(assessment.notes, start=1):
        items.item(f"Note {number}", None, note=note)
    sheet.finish()


# -- the workbook ----------------------------------------------------------------------------------


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

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl, cbam
    >>> result = cbam.assess(cbam.read_imports("samples/imports-2026.csv", year=2026), 2026)
    >>> path = write_report_xlsx(result, pathlib.Path(tempfile.mkdtemp()) / "report.xlsx")
    >>> openpyxl.load_workbook(path).sheetnames
    ['Summary', 'Goods', 'Categories', 'Audit', 'Cost by year']
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
            _write_sheets(book, assessment, lines_csv, max_lines)
        except BaseException:
            with contextlib.suppress(Exception):
                book.close()  # XlsxWriter then removes its own temporary files
            raise
        book.close()
    return target


def _write_sheets(
    book: Book, assessment: Assessment, lines_csv: Path | None, max_lines: int
) -> None:
    styles = _Styles(book)
    page = _Page.of(assessment)
    # Sheets appear in creation order; Summary is filled last: it reports on the others.
    summary = _Sheet(book, styles, "Summary", SUMMARY_COLUMNS, page)
    written = _write_goods(book, styles, page, assessment)
    categories = _write_categories(book, styles, page, written)
    _write_audit(book, styles, page, assessment, written)
    _write_cost_by_year(book, styles, page, assessment, categories)
    lines_note = (
        _write_lines(book, styles, page, Path(lines_csv), max_lines, assessment.lines)
        if lines_csv
        else None
    )
    _write_summary(summary, assessment, lines_note, written.total)
