"""Where things are in the Commission's communication template, found by their English text.

The template moves rows and columns between versions (v2.1.1 inserted an "Electricity EF"
column in Summary_Communication), so nothing here is a fixed cell: every table is located by
its header text, every production-process block by its "Production process N:" title. The
reader and the filler share this module, so a cell the filler writes is the cell the reader
reads.

A :class:`Grid` is one sheet seen twice: ``shown`` gives what Excel displays (cached results
of formulas, needed because most header texts are formulas into the Translations sheet) and
``raw`` gives what the cell holds (a formula as ``"=..."`` or a typed value).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from cbam.errors import InputError

#: Sheets the reader and the filler need; their absence means "not a communication template".
REQUIRED_SHEETS: tuple[str, ...] = (
    "0_Versions",
    "A_InstData",
    "B_EmInst",
    "C_Emissions&Energy",
    "D_Processes",
    "E_PurchPrec",
    "Summary_Products",
    "Summary_Communication",
)

_PROCESS_TITLE = re.compile(r"^\s*Production process\s+(\d+)\s*:\s*$", re.IGNORECASE)
_PRECURSOR_TITLE = re.compile(r"^\s*Purchased precursor\s+(\d+)\s*:\s*$", re.IGNORECASE)


def norm(value: object) -> str:
    """Cell text folded for matching: case, runs of blanks and a trailing colon do not count."""
    if value is None:
        return ""
    text = " ".join(str(value).split()).casefold()
    return text.rstrip(":").strip()


def is_formula(value: object) -> bool:
    """True for a formula as openpyxl shows it (``"=..."``, or an array-formula object)."""
    if isinstance(value, str):
        return value.startswith("=")
    return type(value).__name__ in {"ArrayFormula", "DataTableFormula"}


class Grid:
    """One worksheet of the template, with what it displays and what it holds.

    Built from two snapshots ``{(row, col): value}`` of the non-empty cells, so that lookups
    are dictionary hits (openpyxl's read-only sheets are slow at random access).
    """

    def __init__(
        self,
        title: str,
        shown: dict[tuple[int, int], object],
        raw: dict[tuple[int, int], object],
        source: str,
    ) -> None:
        self.title = title
        self.source = source
        self._shown = shown
        self._raw = raw
        self.max_row = max((r for r, _ in raw), default=0)
        self.max_col = max((c for _, c in raw), default=0)
        # Texts by row, built once: locating tables scans them many times.
        self._texts: dict[int, dict[int, str]] = {}
        for (row, col), value in shown.items():
            if isinstance(value, str) and value:
                self._texts.setdefault(row, {})[col] = norm(value)

    def shown(self, row: int, col: int) -> object:
        """The displayed value (cached result of a formula)."""
        return self._shown.get((row, col))

    def raw(self, row: int, col: int) -> object:
        """The held value: a formula as text, or what the user typed."""
        return self._raw.get((row, col))

    def text(self, row: int, col: int) -> str:
        """The displayed text, folded (see :func:`norm`)."""
        return self._texts.get(row, {}).get(col, "")

    def where(self, row: int, col: int) -> str:
        """``"sheet D_Processes, cell L17"`` for error messages."""
        return f"sheet {self.title}, cell {get_column_letter(col)}{row}"

    def rows_with(self, text: str, start: int = 1, end: int | None = None) -> Iterator[int]:
        """Rows in ``[start, end)`` holding a cell whose folded text equals ``text``."""
        wanted = norm(text)
        stop = end if end is not None else self.max_row + 1
        for row in sorted(self._texts):
            if start <= row < stop and wanted in self._texts[row].values():
                yield row

    def col_of(self, row: int, text: str) -> int | None:
        """The column of the cell on ``row`` whose folded text equals ``text``."""
        wanted = norm(text)
        for col, found in sorted(self._texts.get(row, {}).items()):
            if found == wanted:
                return col
        return None

    def find_header(
        self, *texts: str, start: int = 1, end: int | None = None
    ) -> tuple[int, dict[str, int]]:
        """The first row holding all ``texts`` and the column of each; InputError if none."""
        first = texts[0]
        for row in self.rows_with(first, start, end):
            cols = {t: self.col_of(row, t) for t in texts}
            if all(c is not None for c in cols.values()):
                return row, {t: c for t, c in cols.items() if c is not None}
        raise InputError(
            "this is not a communication template the library can read: the table with the "
            f"headers {', '.join(repr(t) for t in texts)} is missing",
            source=self.source,
            location=f"sheet {self.title}",
        )


def snapshot(sheet: Any) -> dict[tuple[int, int], object]:
    """The non-empty cells of a (read-only) sheet as ``{(row, col): value}``."""
    cells: dict[tuple[int, int], object] = {}
    for row in sheet.iter_rows():
        for cell in row:
            value = getattr(cell, "value", None)
            if value is not None:
                cells[(int(cell.row), int(cell.column))] = value
    return cells


def grids(shown: Workbook, raw: Workbook, source: str) -> dict[str, Grid]:
    """The required sheets as grids; InputError naming the missing sheets otherwise."""
    missing = [name for name in REQUIRED_SHEETS if name not in shown.sheetnames]
    if missing:
        raise InputError(
            "not a Commission communication template for installations: sheet(s) "
            f"{', '.join(missing)} missing",
            source=source,
        )
    found: dict[str, Grid] = {}
    for name in REQUIRED_SHEETS:
        try:
            found[name] = Grid(name, snapshot(shown[name]), snapshot(raw[name]), source)
        except (SyntaxError, ValueError) as exc:
            # Sheets are parsed only here (read-only mode). A DTD with entities (external
            # entities, "billion laughs") or broken XML is refused by the XML parser, whose
            # ParseError (expat) / XMLSyntaxError (lxml) derive from SyntaxError, or by
            # defusedxml where it is installed (ValueError): say so, on one line.
            words = " ".join(str(exc).split())
            raise InputError(
                f"the sheet's XML cannot be read ({type(exc).__name__}: {words}); the workbook "
                "is damaged or was not written by a spreadsheet program",
                source=source,
                location=f"sheet {name}",
            ) from None
    return found


# --------------------------------------------------------------------------------------------
# Locations of the input cells. Each is (row, col); the reader reads them, the filler writes.


@dataclass
class InstLayout:
    """A_InstData: reporting period, installation details, goods, processes, precursors."""

    period_start: tuple[int, int]
    period_end: tuple[int, int]
    details: dict[str, tuple[int, int]]
    goods_rows: list[int]
    goods_col: int
    process_rows: list[int]
    process_cols: dict[str, int]
    precursor_rows: list[int]
    precursor_cols: dict[str, int]
    goods_route_cols: list[int] = field(default_factory=list)
    """Columns "Route 1".. "Route 6" of the goods categories (section 4(a))."""
    precursor_route_cols: list[int] = field(default_factory=list)
    """Columns "Route 1".. "Route 5" of the purchased precursors (section 5)."""
    verifier: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Input cells of the verifier section: ``name``, ``accreditation_country``,
    ``accreditation_body``, ``accreditation`` (the registration number)."""


@dataclass
class StreamLayout:
    """B_EmInst: the rows and the columns of the three source-stream tables."""

    stream_rows: list[int]
    stream_cols: dict[str, int]
    pfc_rows: list[int]
    pfc_cols: dict[str, int]
    source_rows: list[int]
    source_cols: dict[str, int]


@dataclass
class ProcessBlock:
    """One "Production process N:" block of D_Processes."""

    number: int
    title_row: int
    value_col: int
    exported_col: int
    production_rows: list[int]
    consumed_rows: list[int]
    applicable: dict[str, tuple[int, int]]
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class PrecursorBlock:
    """One "Purchased precursor N:" block of E_PurchPrec."""

    number: int
    title_row: int
    value_col: int
    purchased_rows: list[int]
    consumed_rows: list[int]
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class SummaryLayout:
    """A products table (Summary_Products or Summary_Communication)."""

    rows: list[int]
    cols: dict[str, int]


#: Labels of A_InstData section 2 ("About the installation") and the keys they map to.
DETAIL_LABELS: dict[str, str] = {
    "name_optional": "Name of the installation (optional)",
    "name": "Name of the installation (English name)",
    "street": "Street, Number",
    "economic_activity": "Economic activity",
    "post_code": "Post code",
    "po_box": "P.O. Box",
    "city": "City",
    "country": "Country",
    "unlocode": "UNLOCODE",
    "latitude": "Coordinates of the main emission source (latitude)",
    "longitude": "Coordinates of the main emission source (longitude)",
    "representative": "Name of authorized representative",
    "email": "Email",
    "telephone": "Telephone",
}


#: The template's production-route names (Parameters_Constants, the headings of IR 2025/2547
#: Annex I 3.7.2, 3.17.2) -> the route letter of IR 2025/2620 / IR 2025/2621 they determine.
#: "Electric arc furnace" does not tell DRI (D/G) from scrap (E/H) and names no letter; nor do
#: "Other", "Unknown" and the routes of goods whose benchmark does not vary by route.
ROUTE_LETTER_OF_NAME: dict[str, str] = {
    "primary (electrolytic) smelting": "K",
    "secondary melting (recycling)": "L",
    "basic oxygen steelmaking": "C",
}

#: Route letter -> the template's route name, by goods category as the template spells it.
ROUTE_NAME_OF_LETTER: dict[tuple[str, str], str] = {
    ("unwrought aluminium", "K"): "Primary (electrolytic) smelting",
    ("unwrought aluminium", "L"): "Secondary melting (recycling)",
    **{("crude steel", letter): "Basic oxygen steelmaking" for letter in "CF"},
    **{("crude steel", letter): "Electric arc furnace" for letter in "DEGHJ"},
    # (C)/(F) are the BF/BOF routes: their pig iron comes from the blast furnace.
    **{("pig iron", letter): "Blast furnace route" for letter in "CF"},
}

#: Labels of A_InstData section 3 ("Verifier of the report") and the keys they map to.
VERIFIER_LABELS: dict[str, str] = {
    "name": "Company Name",
    "accreditation_country": "Accreditation Member State",
    "accreditation_body": "Name of the national accreditation body",
    "accreditation": "Registration number issued by the Accreditation body",
}


def _route_cols(grid: Grid, row: int, count: int) -> list[int]:
    """The columns headed "Route 1" ... "Route <count>" on ``row`` (those present)."""
    found = (grid.col_of(row, f"Route {n}") for n in range(1, count + 1))
    return [col for col in found if col is not None]


def _verifier_cells(grid: Grid, value_col: int) -> dict[str, tuple[int, int]]:
    start = next(grid.rows_with("Name and address of the verifier of this report"), None)
    if start is None:
        return {}
    cells: dict[str, tuple[int, int]] = {}
    for key, label in VERIFIER_LABELS.items():
        row = next(grid.rows_with(label, start, start + 30), None)
        if row is not None:
            cells[key] = (row, value_col)
    return cells


def _id_rows(grid: Grid, header_row: int, col: int, prefix: str) -> list[int]:
    """The rows under a header whose ID cell reads prefix + number (G1, P1, PP1...)."""
    pattern = re.compile(rf"^{re.escape(prefix)}\d+$", re.IGNORECASE)
    rows: list[int] = []
    for row in range(header_row + 1, grid.max_row + 1):
        value = grid.shown(row, col)
        if value is None and rows:
            break
        if isinstance(value, str) and pattern.match(value.strip()):
            rows.append(row)
        elif rows:
            break
    return rows


def inst_layout(grid: Grid) -> InstLayout:
    """Locate the input cells of A_InstData."""
    start_row = next(grid.rows_with("Start"), None)
    if start_row is None:
        raise InputError(
            "no reporting period 'Start:' label", source=grid.source, location=f"sheet {grid.title}"
        )
    start_col = grid.col_of(start_row, "Start")
    end_col = grid.col_of(start_row, "End")
    assert start_col is not None
    if end_col is None:
        raise InputError(
            "no reporting period 'End:' label", source=grid.source, location=f"sheet {grid.title}"
        )
    # The installation details sit in the column of the period's start date.
    value_col = start_col + 1
    details: dict[str, tuple[int, int]] = {}
    section_end = next(grid.rows_with("Name and address of the verifier of this report"), None)
    for key, label in DETAIL_LABELS.items():
        row = next(grid.rows_with(label, start_row, section_end), None)
        if row is not None:
            details[key] = (row, value_col)

    goods_row, goods_cols = grid.find_header("ID", "Aggregated goods category", "Route 1")
    process_row, process_cols = grid.find_header(
        "ID", "Aggregated goods category", "Included goods categories listed under (a)", "Name"
    )
    prec_row, prec_cols = grid.find_header("ID", "Production process", "Country code", "Name")
    included = process_cols["Included goods categories listed under (a)"]
    return InstLayout(
        period_start=(start_row, start_col + 1),
        period_end=(start_row, end_col + 1),
        details=details,
        goods_rows=_id_rows(grid, goods_row, goods_cols["ID"], "G"),
        goods_col=goods_cols["Aggregated goods category"],
        process_rows=_id_rows(grid, process_row, process_cols["ID"], "P"),
        process_cols={
            "id": process_cols["ID"],
            "good": process_cols["Aggregated goods category"],
            "included": included,
            "name": process_cols["Name"],
        },
        precursor_rows=_id_rows(grid, prec_row, prec_cols["ID"], "PP"),
        precursor_cols={
            "id": prec_cols["ID"],
            "good": prec_cols["Production process"],  # the template's header for the good
            "country": prec_cols["Country code"],
            "name": prec_cols["Name"],
        },
        goods_route_cols=_route_cols(grid, goods_row, 6),
        precursor_route_cols=_route_cols(grid, prec_row, 5),
        verifier=_verifier_cells(grid, value_col),
    )


def _numbered_rows(grid: Grid, header_row: int, col: int, end: int | None = None) -> list[int]:
    """Rows under a header whose '#' cell is a whole number (the example rows read 'Ex.')."""
    rows: list[int] = []
    stop = end if end is not None else grid.max_row + 1
    for row in range(header_row + 1, stop):
        value = grid.shown(row, col)
        if isinstance(value, int) and not isinstance(value, bool):
            rows.append(row)
        elif isinstance(value, str) and value.strip().casefold().startswith("ex"):
            continue
        elif rows:
            break
    return rows


_STREAM_HEADERS = (
    "#",
    "Method",
    "Source stream name",
    "Activity data (AD)",
    "AD Unit",
    "Net calorific value (NCV)",
    "NCV Unit",
    "Emission factor (EF)",
    "EF Unit",
    "Carbon content",
    "Oxidation factor (OxF)",
    "Conversion factor (ConvF)",
    "Biomass content (BioC)",
)
_PFC_HEADERS = (
    "#",
    "Method",
    "Technology type",
    "Activity data (AD)",
    "A: Frequency",
    "A: Duration",
    "A: SEF(CF4)",
    "F(C2F6)",
    "Collection efficiency, %",
)
_SOURCE_HEADERS = ("#", "Name", "Type of GHG", "Annual amount of GHG", "Biomass fraction")


def stream_layout(grid: Grid) -> StreamLayout:
    """Locate the source-stream, PFC and emission-source tables of B_EmInst."""
    s_row, s_cols = grid.find_header(*_STREAM_HEADERS)
    p_row, p_cols = grid.find_header(*_PFC_HEADERS)
    m_row, m_cols = grid.find_header(*_SOURCE_HEADERS)
    return StreamLayout(
        stream_rows=_numbered_rows(grid, s_row, s_cols["#"], p_row),
        stream_cols=s_cols,
        pfc_rows=_numbered_rows(grid, p_row, p_cols["#"], m_row),
        pfc_cols=p_cols,
        source_rows=_numbered_rows(grid, m_row, m_cols["#"]),
        source_cols=m_cols,
    )


def _titles(grid: Grid, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for row in range(1, grid.max_row + 1):
        for col in range(1, min(grid.max_col, 8) + 1):
            value = grid.shown(row, col)
            if isinstance(value, str):
                match = pattern.match(value)
                if match:
                    found.append((int(match.group(1)), row))
                    break
    return found


def _rows_after(grid: Grid, row: int, count: int, col: int) -> list[int]:
    """Up to ``count`` consecutive rows after ``row`` whose numbering cell holds 1, 2, 3..."""
    rows: list[int] = []
    for r in range(row + 1, row + count + 2):
        value = grid.shown(r, col)
        if isinstance(value, int) and not isinstance(value, bool) and value == len(rows) + 1:
            rows.append(r)
        elif rows:
            break
    return rows


def _block_row(grid: Grid, label: str, start: int, end: int, number: int, sheet_item: str) -> int:
    row = next(grid.rows_with(label, start, end), None)
    if row is None:
        raise InputError(
            f"{sheet_item} {number}: the row '{label}' is missing; not a template version "
            "the library can read",
            source=grid.source,
            location=f"sheet {grid.title}, rows {start}-{end - 1}",
        )
    return row


def process_blocks(grid: Grid) -> list[ProcessBlock]:
    """Locate every "Production process N:" block of D_Processes."""
    titles = _titles(grid, _PROCESS_TITLE)
    if not titles:
        raise InputError(
            "no 'Production process 1:' block found",
            source=grid.source,
            location=f"sheet {grid.title}",
        )
    blocks: list[ProcessBlock] = []
    item = "production process"
    for index, (number, title) in enumerate(titles):
        end = titles[index + 1][1] if index + 1 < len(titles) else grid.max_row + 1
        prod = _block_row(grid, "Total production levels", title, end, number, item)
        value_col = grid.col_of(prod, "Amounts")
        label_col = grid.col_of(prod, "Total production levels")
        if value_col is None or label_col is None:
            raise InputError(
                f"{item} {number}: no 'Amounts' column",
                source=grid.source,
                location=grid.where(prod, 1),
            )
        number_col = label_col - 1
        consumed = _block_row(
            grid,
            "Consumed in other 'production processes' within the installation",
            title,
            end,
            number,
            item,
        )
        applicable = _block_row(
            grid, "Please select which elements are applicable", title, end, number, item
        )
        heads = applicable - 1
        heat_col = grid.col_of(heads, "Measurable heat")
        wg_col = grid.col_of(heads, "Waste gases")
        direct = _block_row(
            grid, "Directly attributable emissions (DirEm*)", title, end, number, item
        )
        heat = _block_row(grid, "Import and export of measurable heat", title, end, number, item)
        waste = next(
            (r for r in grid.rows_with("Waste gases", heat + 1, end) if grid.col_of(r, "Imported")),
            None,
        )
        if waste is None:
            raise InputError(
                f"{item} {number}: the waste gas table is missing",
                source=grid.source,
                location=f"sheet {grid.title}, rows {title}-{end - 1}",
            )
        imported_col = grid.col_of(heat, "Imported")
        exported_col = grid.col_of(heat, "Exported")
        if imported_col is None or exported_col is None:
            raise InputError(
                f"{item} {number}: no 'Imported'/'Exported' columns",
                source=grid.source,
                location=grid.where(heat, 1),
            )
        elec = _block_row(grid, "Electricity consumption", title, end, number, item)
        elec_ef = _block_row(grid, "Emission factor of the electricity", elec, end, number, item)
        elec_src = _block_row(grid, "Source of the emission factor", elec, end, number, item)
        exported = _block_row(grid, "Amounts exported", elec, end, number, item)
        cells: dict[str, tuple[int, int]] = {
            "direct_emissions": (direct, value_col),
            # The heat and waste-gas rows follow their table header: amount, then EF (the
            # label of the amount row is misspelt in some blocks, so count rows instead).
            "heat_imported_tj": (heat + 1, imported_col),
            "heat_exported_tj": (heat + 1, exported_col),
            "heat_imported_ef": (heat + 2, imported_col),
            "heat_exported_ef": (heat + 2, exported_col),
            "waste_gas_imported_tj": (waste + 1, imported_col),
            "waste_gas_exported_tj": (waste + 1, exported_col),
            "electricity_consumed_mwh": (elec, value_col),
            "electricity_ef": (elec_ef, value_col),
            "electricity_ef_source": (elec_src, value_col),
            "electricity_produced_mwh": (exported, value_col),
            "electricity_produced_ef": (exported + 1, value_col),
        }
        applies: dict[str, tuple[int, int]] = {}
        if heat_col is not None:
            applies["heat"] = (applicable, heat_col)
        if wg_col is not None:
            applies["waste_gas"] = (applicable, wg_col)
        blocks.append(
            ProcessBlock(
                number=number,
                title_row=title,
                value_col=value_col,
                exported_col=exported_col,
                production_rows=_rows_after(grid, prod, 8, number_col),
                consumed_rows=_rows_after(grid, consumed, 9, number_col),
                applicable=applies,
                cells=cells,
            )
        )
    return blocks


def precursor_blocks(grid: Grid) -> list[PrecursorBlock]:
    """Locate every "Purchased precursor N:" block of E_PurchPrec."""
    titles = _titles(grid, _PRECURSOR_TITLE)
    if not titles:
        raise InputError(
            "no 'Purchased precursor 1:' block found",
            source=grid.source,
            location=f"sheet {grid.title}",
        )
    blocks: list[PrecursorBlock] = []
    item = "purchased precursor"
    for index, (number, title) in enumerate(titles):
        end = titles[index + 1][1] if index + 1 < len(titles) else grid.max_row + 1
        bought = _block_row(grid, "Total purchased levels", title, end, number, item)
        value_col = grid.col_of(bought, "Amounts")
        label_col = grid.col_of(bought, "Total purchased levels")
        if value_col is None or label_col is None:
            raise InputError(
                f"{item} {number}: no 'Amounts' column",
                source=grid.source,
                location=grid.where(bought, 1),
            )
        consumed = _block_row(
            grid,
            "Consumed in 'production processes' within the installation",
            title,
            end,
            number,
            item,
        )
        other = _block_row(
            grid,
            "Consumed for other purposes, e.g. sold or used for non-CBAM goods",
            title,
            end,
            number,
            item,
        )
        see_dir = _block_row(
            grid, "Specific embedded direct emissions (SEE (direct))", title, end, number, item
        )
        elec = _block_row(
            grid, "Specific electricity consumption (for SEE (indirect))", title, end, number, item
        )
        elec_ef = _block_row(
            grid, "Electricity emission factor (for SEE (indirect))", title, end, number, item
        )
        see_ind = _block_row(
            grid, "Specific embedded indirect emissions (SEE (indirect))", title, end, number, item
        )
        header = see_dir - 1
        source_col = grid.col_of(header, "Source") or value_col + 1
        blocks.append(
            PrecursorBlock(
                number=number,
                title_row=title,
                value_col=value_col,
                purchased_rows=_rows_after(grid, bought, 8, label_col - 1),
                consumed_rows=_rows_after(grid, consumed, 10, label_col - 1),
                cells={
                    "other_use": (other, value_col),
                    "see_direct": (see_dir, value_col),
                    "see_direct_source": (see_dir, source_col),
                    "electricity_mwh_per_t": (elec, value_col),
                    "electricity_mwh_per_t_source": (elec, source_col),
                    "electricity_ef": (elec_ef, value_col),
                    "electricity_ef_source": (elec_ef, source_col),
                    "see_indirect": (see_ind, value_col),
                },
            )
        )
    return blocks


_SUMMARY_HEADERS = (
    "Production process from which the products arise",
    "Type of aggregated good or precursor",
    "CN Codes",
    "Product name (used for communication with reporting declarant, e.g. on invoices)",
    "SEE (direct)",
    "SEE (indirect)",
    "SEE (total)",
)


def summary_layout(grid: Grid) -> SummaryLayout:
    """Locate the products table of Summary_Products or Summary_Communication."""
    row, cols = grid.find_header(*_SUMMARY_HEADERS)
    number_col = cols[_SUMMARY_HEADERS[0]] - 1
    extra = {
        key: grid.col_of(row, text)
        for key, text in (
            ("unit", "Unit"),
            ("electricity_mwh_per_t", "Embedded electricity (MWh/t)"),
            ("electricity_ef", "Electricity EF (tCO2/MWh)"),
            ("ef_source", "Source for electricity EF"),
        )
    }
    named = {
        "process": cols[_SUMMARY_HEADERS[0]],
        "good": cols[_SUMMARY_HEADERS[1]],
        "cn": cols[_SUMMARY_HEADERS[2]],
        "product": cols[_SUMMARY_HEADERS[3]],
        "see_direct": cols["SEE (direct)"],
        "see_indirect": cols["SEE (indirect)"],
        "see_total": cols["SEE (total)"],
    }
    named.update({k: v for k, v in extra.items() if v is not None})
    return SummaryLayout(rows=_numbered_rows(grid, row, number_col), cols=named)


def version_of(grid: Grid) -> str:
    """The latest version listed in sheet 0_Versions ("2.1", "2.1.1")."""
    row, cols = grid.find_header("Version", "Date", "Description")
    col = cols["Version"]
    latest: str | None = None
    for r in range(row + 1, grid.max_row + 1):
        value = grid.shown(r, col)
        if value is None:
            continue
        text = str(value).strip()
        if re.fullmatch(r"\d+(\.\d+)*", text):
            latest = text
    if latest is None:
        raise InputError(
            "sheet 0_Versions lists no version number",
            source=grid.source,
            location=f"sheet {grid.title}",
        )
    return latest
