"""Customs lines in workbooks: stale dimensions, hidden sheets, external links, huge rows and
hostile XML, each with its asserted outcome (``cbam assess``; ``read_imports`` where noted)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from cbam.errors import InputError
from cbam.formats.imports import read_imports

from .conftest import FILES, assert_refused, cli, lines_csv
from .corpus import Entry, case, cases, refused
from .workbooks import (
    XLSX_HEADER,
    billion_laughs_dtd,
    broken_workbook_xml,
    rewrite_sheet,
    with_dimension,
    with_entity,
    xlsx,
    zip_bomb,
)

ROOT = Path(__file__).resolve().parents[2]
SUPPLIERS = ROOT / "samples" / "suppliers"
FIVE = [[f"L{i}", "72081000", "CN", i + 1, "2026-03-01"] for i in range(5)]
ID_HEADER: list[object] = ["line_id", *XLSX_HEADER]


def assess(path: Path, out: Path, *extra: str | Path) -> object:
    return cli("assess", path, "--year", "2026", "--out", out, *extra)


def _ok(run: object) -> None:
    assert run.code == 0, run.err  # type: ignore[attr-defined]


def _masses(out: Path) -> list[str]:
    return [r["net_mass"] for r in lines_csv(out)]


# -- every row and column, whatever the stored dimension says ---------------------------------


@case(
    "xlsx",
    "stored dimension `A1:E2` over a sheet of 5 lines (stale, written by another tool)",
    "accepted — all 5 lines, net mass 1+2+3+4+5 = 15 t (was: 1 line, exit 0)",
)
def test_a_stale_dimension_does_not_lose_rows(tmp_path: Path) -> None:
    plain = xlsx(tmp_path / "plain.xlsx", [ID_HEADER, *FIVE])
    path = with_dimension(plain, tmp_path / "stale.xlsx", "A1:E2")
    _ok(assess(path, tmp_path / "out"))
    assert _masses(tmp_path / "out") == ["1", "2", "3", "4", "5"]
    assert [line.net_mass for line in read_imports(path, year=2026)] == [1, 2, 3, 4, 5]


@case(
    "xlsx",
    "stored dimension `A1:D4` that cuts off the `installation_id` column",
    "accepted — the supplier lines keep their actual values (basis `actual`, the same "
    "certificates as the CSV export; was: default values, 81.93 became 123.60)",
)
def test_a_dimension_cutting_off_a_column_does_not_change_the_basis(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["cn_code", "country", "net_mass", "import_date", "installation_id"],
        *[["73181542", "TW", 40 + i, "2026-02-20", "TW-FAST-001"] for i in range(3)],
    ]
    plain = xlsx(tmp_path / "plain.xlsx", rows)
    path = with_dimension(plain, tmp_path / "cut.xlsx", "A1:D4")
    csv = tmp_path / "same.csv"
    csv.write_text("\n".join(",".join(str(c) for c in r) for r in rows) + "\n", encoding="utf-8")
    _ok(assess(path, tmp_path / "x", "--suppliers", SUPPLIERS))
    _ok(assess(csv, tmp_path / "c", "--suppliers", SUPPLIERS))
    from_xlsx, from_csv = lines_csv(tmp_path / "x"), lines_csv(tmp_path / "c")
    assert {r["basis"] for r in from_xlsx} == {"actual"}
    assert [r["certificates"] for r in from_xlsx] == [r["certificates"] for r in from_csv]


@case(
    "xlsx",
    "stored dimension `C3:E6` that starts after the first column and row",
    "accepted — columns A and B and the header row read as well",
)
def test_a_dimension_starting_late_does_not_skip_columns(tmp_path: Path) -> None:
    plain = xlsx(tmp_path / "plain.xlsx", [ID_HEADER, *FIVE])
    path = with_dimension(plain, tmp_path / "late.xlsx", "C3:E6")
    _ok(assess(path, tmp_path / "out"))
    rows = lines_csv(tmp_path / "out")
    assert [(r["line_id"], r["cn"]) for r in rows] == [(f"L{i}", "72081000") for i in range(5)]


# -- which sheet --------------------------------------------------------------------------------


def _two_sheets(path: Path, first_hidden: bool) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Old"
    for row in [XLSX_HEADER, ["72081000", "CN", 999, "2026-03-01"]]:
        first.append(row)
    if first_hidden:
        first.sheet_state = "hidden"
    second = book.create_sheet("Lines")
    for row in [XLSX_HEADER, ["72081000", "CN", 7, "2026-03-01"]]:
        second.append(row)
    book.active = 1
    book.save(path)
    return path


@case(
    "xlsx",
    "a hidden first sheet before the visible one",
    "accepted — the first *visible* sheet is read (7 t), never the hidden one (999 t)",
)
def test_a_hidden_first_sheet_is_not_read(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path / "hidden.xlsx", first_hidden=True)
    _ok(assess(path, tmp_path / "out"))
    assert _masses(tmp_path / "out") == ["7"]


@case("xlsx", "`--sheet lines` (any case) naming the second sheet", "accepted — that sheet")
def test_sheet_option_picks_a_sheet(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path / "two.xlsx", first_hidden=False)
    _ok(assess(path, tmp_path / "out", "--sheet", "lines"))
    assert _masses(tmp_path / "out") == ["7"]


@case(
    "xlsx",
    "`--sheet Old` naming a hidden sheet",
    refused(None, None, "sheet 'Old' is hidden"),
)
def test_sheet_option_refuses_a_hidden_sheet(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path / "hidden.xlsx", first_hidden=True)
    message = assert_refused(assess(path, tmp_path / "out", "--sheet", "Old"), path)
    assert "sheet 'Old' is hidden" in message


@case(
    "xlsx",
    "`--sheet Nope` naming no sheet",
    refused(None, None, "no sheet 'Nope'; the sheets are: 'Old', 'Lines'"),
)
def test_sheet_option_names_the_sheets(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path / "two.xlsx", first_hidden=False)
    message = assert_refused(assess(path, tmp_path / "out", "--sheet", "Nope"), path)
    assert "no sheet 'Nope'; the sheets are: 'Old', 'Lines'" in message


@case(
    "xlsx",
    "`--sheet` given with a CSV file",
    refused(None, "sheet", "applies to a workbook (.xlsx); this is a CSV file"),
)
def test_sheet_option_with_a_csv_file(tmp_path: Path) -> None:
    path = FILES / "bom.csv"
    message = assert_refused(assess(path, tmp_path / "out", "--sheet", "x"), path, field="sheet")
    assert "applies to a workbook (.xlsx); this is a CSV file" in message


# -- formulas -----------------------------------------------------------------------------------


def _with_cell(tmp_path: Path, name: str, cell: str, mass: object = 1) -> Path:
    """A customs workbook whose cell C2 (net_mass) is replaced by the XML ``cell``."""
    plain = xlsx(tmp_path / "plain.xlsx", [XLSX_HEADER, ["72081000", "CN", mass, "2026-03-01"]])
    return rewrite_sheet(
        plain, tmp_path / name, lambda xml: re.sub(r'<c r="C2"[^>]*>.*?</c>', cell, xml)
    )


@case(
    "xlsx",
    "net mass from a formula referring to another workbook (`[1]Prices!B2`, stored value 5)",
    refused("sheet 'Sheet', cell C2", None, "the cell's formula refers to another workbook"),
)
def test_an_external_link_formula_is_refused(tmp_path: Path) -> None:
    path = _with_cell(tmp_path, "link.xlsx", '<c r="C2"><f>[1]Prices!B2</f><v>5</v></c>')
    message = assert_refused(assess(path, tmp_path / "out"), path, "sheet 'Sheet', cell C2")
    assert "refers to another workbook ([1]Prices!B2)" in message


@case(
    "xlsx",
    "net mass from a formula within the workbook (`1+2`, stored value 3)",
    "accepted — the stored value, 3",
)
def test_a_formula_with_its_stored_value(tmp_path: Path) -> None:
    path = _with_cell(tmp_path, "sum.xlsx", '<c r="C2"><f>1+2</f><v>3</v></c>')
    _ok(assess(path, tmp_path / "out"))
    assert _masses(tmp_path / "out") == ["3"]


@case(
    "xlsx",
    "a formula without a stored result",
    refused("row 2", "net_mass", "a value is required"),
)
def test_xlsx_formula_without_stored_result_is_refused(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "f.xlsx", [XLSX_HEADER, ["72081000", "CN", "=1+2", "2026-03-01"]])
    message = assert_refused(assess(path, tmp_path / "out"), path, "row 2", "net_mass")
    assert "a value is required" in message


# -- values -------------------------------------------------------------------------------------


@case(
    "xlsx",
    "number cells 0.1 and 2.675 (binary doubles), CN as a number, a real date cell",
    "accepted — exactly `0.1` and `2.675`, CN 72081000, quarter from the date",
)
def test_xlsx_float_cell_keeps_its_written_digits(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "ok.xlsx",
        [
            XLSX_HEADER,
            [72081000, "CN", 0.1, dt.datetime(2026, 3, 1)],
            ["7208 10 00", "CN", 2.675, "2026-04-02"],
        ],
    )
    _ok(assess(path, tmp_path / "out"))
    rows = lines_csv(tmp_path / "out")
    assert [(r["cn"], r["net_mass"], r["quarter"]) for r in rows] == [
        ("72081000", "0.1", "1"),
        ("72081000", "2.675", "2"),
    ]


@case(
    "xlsx",
    "a date cell of a workbook in the 1904 date system",
    "accepted — the date the spreadsheet shows (2026-07-15, quarter 3)",
)
def test_a_1904_date_system_date(tmp_path: Path) -> None:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    assert sheet is not None
    sheet.append(XLSX_HEADER)
    sheet.append(["72081000", "CN", 1, dt.datetime(2026, 7, 15)])
    path = tmp_path / "mac.xlsx"
    book.save(path)
    (line,) = read_imports(path, year=2026)
    assert (line.import_date, line.quarter) == (dt.date(2026, 7, 15), 3)


@case(
    "xlsx",
    "a date typed as a plain number (46082, no date format)",
    refused("row 2", "import_date", "'46082' is not a date"),
)
def test_a_date_serial_without_a_date_format(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "serial.xlsx", [XLSX_HEADER, ["72081000", "CN", 1, 46082]])
    message = assert_refused(assess(path, tmp_path / "out"), path, "row 2", "import_date")
    assert "'46082' is not a date" in message


@case("xlsx", "text where the mass belongs", refused("row 2", "net_mass", "'two' is not a number"))
def test_xlsx_with_text_where_the_number_belongs(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "t.xlsx", [XLSX_HEADER, ["72081000", "CN", "two", "2026-03-01"]])
    message = assert_refused(assess(path, tmp_path / "out"), path, "row 2", "net_mass")
    assert "'two' is not a number" in message


@case(
    "xlsx",
    "a value under a header cell left empty",
    refused("row 2, column E", None, "holds 'note' in a column without a header"),
)
def test_xlsx_data_under_an_empty_header(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        [*XLSX_HEADER, None, "line_id"],
        ["72081000", "CN", 1, "2026-03-01", "note", "L1"],
    ]
    path = xlsx(tmp_path / "gap.xlsx", rows)
    message = assert_refused(assess(path, tmp_path / "out"), path, "row 2, column E")
    assert "holds 'note' in a column without a header" in message


# -- bounded work -----------------------------------------------------------------------------


@case(
    "xlsx",
    "a row of 20,000 empty cells (`<c/>`; 100 million took 1.6 GB)",
    refused("sheet 'Sheet', row 3", None, "beyond column XFD")
    + " at the 16,385th cell, never held in memory",
)
def test_a_row_wider_than_excel_is_refused_while_streaming(tmp_path: Path) -> None:
    plain = xlsx(tmp_path / "plain.xlsx", [XLSX_HEADER, ["72081000", "CN", 1, "2026-03-01"]])
    wide = '<row r="3">' + "<c/>" * 20_000 + "</row></sheetData>"
    path = rewrite_sheet(plain, tmp_path / "wide.xlsx", lambda x: x.replace("</sheetData>", wide))
    message = assert_refused(assess(path, tmp_path / "out"), path, "sheet 'Sheet', row 3")
    assert "beyond column XFD" in message


@case(
    "xlsx",
    "a cell reference beyond Excel's last column (`XFE2`)",
    refused("sheet 'Sheet', row 2", None, "beyond column XFD"),
)
def test_a_cell_beyond_the_last_column(tmp_path: Path) -> None:
    cell = '<c r="C2"><v>1</v></c><c r="XFE2" t="inlineStr"><is><t>x</t></is></c>'
    path = _with_cell(tmp_path, "far.xlsx", cell)
    assert "beyond column XFD" in assert_refused(assess(path, tmp_path / "out"), path, "row 2")


@case(
    "xlsx",
    "a cell of 40,000 characters (Excel holds 32,767)",
    refused("sheet 'Sheet', cell A2", None, "the cell holds more than 32767 characters"),
)
def test_a_cell_longer_than_excel_allows(tmp_path: Path) -> None:
    plain = xlsx(tmp_path / "plain.xlsx", [ID_HEADER, ["L1", "72081000", "CN", 1, "2026-03-01"]])
    long = f'<c r="A2" t="inlineStr"><is><t>{"x" * 40_000}</t></is></c>'
    path = rewrite_sheet(
        plain, tmp_path / "long.xlsx", lambda x: re.sub(r'<c r="A2"[^>]*>.*?</c>', long, x)
    )
    message = assert_refused(assess(path, tmp_path / "out"), path, "sheet 'Sheet', cell A2")
    assert "more than 32767 characters" in message


# -- empty, broken and hostile workbooks ------------------------------------------------------


@case("xlsx", "a header and no line", refused(None, None, "no customs lines"))
def test_a_header_only_workbook(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "header.xlsx", [XLSX_HEADER])
    assert "no customs lines" in assert_refused(assess(path, tmp_path / "out"), path)


@case("xlsx", "a workbook without rows", refused(None, None, "the file is empty"))
def test_xlsx_without_rows_is_empty(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "blank.xlsx", [])
    message = assert_refused(assess(path, tmp_path / "out"), path)
    assert "the file is empty" in message


@cases(
    "xlsx",
    "name, payload",
    [
        Entry(name, what, refused(None, None, "not an Excel workbook"), (name, payload))
        for name, what, payload in (
            ("not-a-zip.xlsx", "a CSV file named .xlsx", b"cn_code,country\n"),
            ("empty.xlsx", "an empty file named .xlsx", b""),
        )
    ],
)
def test_not_a_workbook(name: str, payload: bytes, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(payload)
    message = assert_refused(assess(path, tmp_path / "out"), path)
    assert "not an Excel workbook" in message


@case("xlsx", "a truncated workbook", refused(None, None, "not an Excel workbook"))
def test_truncated_xlsx(tmp_path: Path) -> None:
    whole = xlsx(tmp_path / "whole.xlsx", [XLSX_HEADER, ["72081000", "CN", 1, "2026-03-01"]])
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    message = assert_refused(assess(path, tmp_path / "out"), path)
    assert "not an Excel workbook" in message


@case(
    "xlsx",
    "a malformed `xl/workbook.xml` (was an internal error)",
    refused(None, None, "part xl/workbook.xml is not well-formed XML"),
)
def test_a_malformed_workbook_part(tmp_path: Path) -> None:
    plain = xlsx(tmp_path / "plain.xlsx", [XLSX_HEADER, ["72081000", "CN", 1, "2026-03-01"]])
    path = broken_workbook_xml(plain, tmp_path / "broken.xlsx")
    message = assert_refused(assess(path, tmp_path / "out"), path)
    assert "part xl/workbook.xml is not well-formed XML" in message


@case(
    "xlsx",
    "an external entity (XXE) in a sheet",
    refused(None, None, "declares a DTD") + "; the entity is never resolved",
)
def test_xlsx_external_entity_is_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("72081000")
    path = with_entity(tmp_path, "xxe.xlsx", f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">', "&xxe;")
    message = assert_refused(assess(path, tmp_path / "out"), path)
    assert "declares a DTD" in message


@case("xlsx", "billion laughs in a sheet", refused(None, None, "declares a DTD") + ", unread")
def test_xlsx_billion_laughs_is_refused_unread(tmp_path: Path) -> None:
    path = with_entity(tmp_path, "laughs.xlsx", billion_laughs_dtd(), "&j;")
    message = assert_refused(assess(path, tmp_path / "out"), path)
    assert "declares a DTD" in message
    with pytest.raises(InputError, match="declares a DTD"):
        list(read_imports(path, year=2026))


@case(
    "xlsx",
    "a zip bomb (a sheet part of 300 MB compressed 1:1000)",
    refused(None, None, "refused as a zip bomb") + ", before anything is unpacked",
)
def test_an_xlsx_zip_bomb_is_refused_before_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = zip_bomb(tmp_path / "bomb.xlsx")

    def opened(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the zip bomb was opened")

    monkeypatch.setattr("zipfile.ZipFile.open", opened)
    with pytest.raises(InputError, match="zip bomb"):
        list(read_imports(path, year=2026))
    assert "zip bomb" in assert_refused(assess(path, tmp_path / "out"), path)
