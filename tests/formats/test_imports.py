"""Customs lines: columns, streaming, and every error naming file, row and column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from cbam.declaration.model import ImportLine
from cbam.errors import InputError, UnknownCNCodeError, UnknownCountryError
from cbam.formats.imports import parse_line, read_imports

HEADER = "CN_Code,Country,Net Mass,Import-Date,installation_id,route\n"


def _write(tmp_path: Path, text: str, name: str = "lines.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_lines_with_case_insensitive_columns(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        HEADER + "7318 15 42,cn,12.5,2026-02-03,INST-1,(c)\n\n2523100000,TR,1000,2026-11-30,,\n",
    )
    lines = list(read_imports(path, year=2026))
    assert [line.row for line in lines] == [2, 4]
    first, second = lines
    assert first.cn == "73181542" and first.country == "CN" and first.net_mass == Decimal("12.5")
    assert first.quarter == 1 and first.route == "C" and first.installation_id == "INST-1"
    assert second.cn == "25231000" and second.quarter == 4 and second.route is None
    assert second.import_date == dt.date(2026, 11, 30)


def test_year_and_quarter_instead_of_date(tmp_path: Path) -> None:
    # A decimal comma in a ';' file with no decimal point: detected, and said (issue 16).
    path = _write(tmp_path, "cn_code;country;net_mass;year;quarter\n72081000;IN;3,5;2026;Q3\n")
    notes: list[str] = []
    (line,) = read_imports(path, notes=notes)
    assert line.net_mass == Decimal("3.5") and "decimal commas detected" in notes[0]
    path = _write(tmp_path, "cn_code;country;net_mass;year;quarter\n72081000;IN;3.0;2026;Q3\n")
    (line,) = read_imports(path, year=2026)
    assert (line.year, line.quarter, line.import_date) == (2026, 3, None)


def test_xlsx(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["cn_code", "country", "net_mass", "import_date"])
    sheet.append([72081000, "CN", 0.1, dt.datetime(2026, 5, 1)])
    path = tmp_path / "lines.xlsx"
    workbook.save(path)
    (line,) = read_imports(path, year=2026)
    assert line.net_mass == Decimal("0.1") and line.quarter == 2


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("", InputError, "empty"),
        ("cn_code,country\n", InputError, "missing column.*net_mass"),
        ("cn_code,country,net_mass\n", InputError, "import_date"),
        ("cn_code,country,net_mass,import_date,colour\n", InputError, "unknown column.*colour"),
        ("cn_code,country,net_mass,import_date,Country\n", InputError, "more than once"),
        (HEADER + "7208,CN,1,2026-01-01,,\n", UnknownCNCodeError, "row 2.*cn_code"),
        (HEADER + "72081000,XX,1,2026-01-01,,\n", UnknownCountryError, "row 2.*country"),
        (HEADER + "72081000,CN,-1,2026-01-01,,\n", InputError, "row 2.*net_mass.*>= 0"),
        (HEADER + "72081000,CN,,2026-01-01,,\n", InputError, "row 2.*net_mass.*required"),
        (HEADER + "72081000,CN,abc,2026-01-01,,\n", InputError, "not a number"),
        (HEADER + "72081000,CN,1,2026-13-01,,\n", InputError, "import_date"),
        (HEADER + "72081000,CN,1,2025-12-31,,\n", InputError, "row 2.*outside the assessed"),
        (HEADER + "72081000,CN,1,2026-01-01,,,extra\n", InputError, "row 2.*header has 6"),
    ],
)
def test_errors_name_row_and_column(
    tmp_path: Path, text: str, error: type[Exception], words: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(error, match=words) as info:
        list(read_imports(path, year=2026))
    assert str(path) in str(info.value)


def test_a_truncated_workbook_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError, match="not an Excel workbook"):
        list(read_imports(path))


def test_supplier_column_is_read_and_checked(tmp_path: Path) -> None:
    # The optional supplier column (interfaces.md 1a): the seller as the ERP names it.
    text = "cn_code,country,net_mass,import_date,supplier\n"
    text += "73181542,CN,10,2026-01-02,Ningbo Example Fasteners Co.\n" * 2
    text += "73181542,CN,11,2026-01-02,\n"
    lines = list(read_imports(_write(tmp_path, text), year=2026))
    assert [line.supplier for line in lines] == [
        "Ningbo Example Fasteners Co.",
        "Ningbo Example Fasteners Co.",
        None,
    ]
    bad = "cn_code,country,net_mass,import_date,supplier\n73181542,CN,1,2026-01-02,=HYPERLINK(1)\n"
    with pytest.raises(InputError) as err:
        list(read_imports(_write(tmp_path, bad, "bad.csv"), year=2026))
    assert err.value.field == "supplier" and err.value.location == "row 2"


def test_repeated_rows_read_as_the_reference_reading_reads_them(tmp_path: Path) -> None:
    """A row whose texts were met before is built from memory, field by field into the
    ImportLine tuple: every field equals what parse_line makes of the row itself."""
    header = (
        "line_id,cn_code,country,net_mass,import_date,installation_id,route,procedure,"
        "clinker_content,production_year,supplier,importer_eori,additional_procedure,"
        "carbon_price_deduction"
    )
    rows = [
        "A1,25232900,EG,12.5,2026-03-02,EG-1,A,4000,0.7,2025,Cairo Cement,DE123456789,,",
        "A2,25232900,EG,7.250,2026-03-02,EG-1,A,4000,0.7,2025,Cairo Cement,DE123456789,,1.5",
        "A3,72081000,TR,3,2026-05-09,,,4000,,,,DE123456789,F01,",
        "A4,72081000,TR,4.0,2026-05-09,,,4000,,,,DE123456789,F01,",
    ]
    texts = [*rows, rows[0], rows[2]]
    path = _write(tmp_path, "\n".join([header, *texts]) + "\n")
    lines = list(read_imports(path, year=2026))
    names = header.split(",")
    for line in lines:
        values = dict(zip(names, texts[line.row - 2].split(","), strict=True))
        reference = parse_line(values, line.row, 2026)
        assert line == reference and type(line) is type(reference)
        assert len(line) == len(ImportLine._fields)
    assert [line.line_id for line in lines] == ["A1", "A2", "A3", "A4", "A1", "A3"]
