"""Customs lines (``cbam assess``): broken and hostile CSV/XLSX files, each with its outcome.

Small files live in ``files/``; big or hostile ones (a 100 MB line, a zip bomb, XML entities)
are generated into ``tmp_path`` at test time. Cases the reader itself cannot yet answer with a
row and field (encodings, absurd exponents) pass through the CLI's safety net and are also
refused by ``read_imports`` itself, naming the row.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from cbam.errors import InputError
from cbam.formats.imports import read_imports

from .conftest import FILES, assert_refused, cli, lines_csv


def assess(path: Path, out: Path, *extra: str) -> object:
    return cli("assess", path, "--year", "2026", "--out", out, *extra)


# -- accepted, with the value the outputs carry -------------------------------------------------

ACCEPTED: dict[str, list[tuple[str, str, str, str]]] = {
    # file -> [(row, cn, country, net_mass)] as lines.csv shows them
    "bom.csv": [("2", "72081000", "CN", "1.5")],
    "crlf.csv": [("2", "72081000", "CN", "1.5")],
    "semicolon_decimal_point.csv": [("2", "72081000", "CN", "1.5")],
    "thousands_space.csv": [("2", "72081000", "CN", "1234.5")],
    "thousands_nbsp.csv": [("2", "72081000", "CN", "1234.5")],
    "header_only.csv": [],
    # blank rows hold no line; the next line keeps its spreadsheet row number
    "blank_rows.csv": [("2", "72081000", "CN", "1.5"), ("5", "72081000", "CN", "2.25")],
    # header case/spaces/dashes, dotted CN, 10-digit TARIC, lower-case country
    "messy_headers_and_codes.csv": [
        ("2", "72081000", "CN", "0.1"),
        ("3", "72081000", "CN", "0.2"),
    ],
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_with_normalised_values(name: str, tmp_path: Path) -> None:
    run = assess(FILES / name, tmp_path / "out")
    assert run.code == 0, run.err
    rows = lines_csv(tmp_path / "out")
    got = [(r["row"], r["cn"], r["country"], r["net_mass"]) for r in rows]
    assert got == ACCEPTED[name]


# -- refused with file, row and field ----------------------------------------------------------

REFUSED: dict[str, tuple[str | None, str | None, str]] = {
    # file -> (location, field, words of the reason)
    # A decimal comma is refused, not guessed: "1,500" may be 1.5 t or 1500 t.
    "semicolon_decimal_comma.csv": ("row 2", "net_mass", "'1,5' is not a number"),
    "thousands_comma.csv": ("row 2", "net_mass", "'1,234.5' is not a number"),
    "empty.csv": (None, None, "the file is empty"),
    "duplicate_columns.csv": ("row 1", None, "net_mass appear more than once"),
    "unknown_column.csv": ("row 1", None, "unknown column(s) 'colour'"),
    "missing_column.csv": ("row 1", None, "missing column(s): net_mass"),
    "cn_letters.csv": ("row 2", "cn_code", "characters other than digits"),
    "cn_short.csv": ("row 2", "cn_code", "has 4 digits"),
    "negative_mass.csv": ("row 2", "net_mass", "must be >= 0"),
    "nan_mass.csv": ("row 2", "net_mass", "not a finite number"),
    "infinite_mass.csv": ("row 2", "net_mass", "not a finite number"),
    "empty_mass.csv": ("row 2", "net_mass", "a value is required"),
    "date_outside_year.csv": ("row 2", "import_date", "outside the assessed year 2026"),
    "impossible_date.csv": ("row 2", "import_date", "is not a date"),
    "date_text.csv": ("row 2", "import_date", "'01/03/2026' is not a date"),
    "unknown_country.csv": ("row 2", "country", "'XX' is not an ISO 3166-1 alpha-2 code"),
    "eu_origin.csv": ("row 2", "country", "not CBAM imports"),
    "formula_mass.csv": ("row 2", "net_mass", "'=1+2' is not a number"),
    "nul_byte.csv": ("row 2", "net_mass", "is not a number"),
    "extra_cells.csv": ("row 2", None, "the header has 4 columns"),
    "unbalanced_quote.csv": ("row 2", "net_mass", "is not a number"),
    "not_a_cbam_good.csv": ("row 2", "cn_code", "is not a CBAM good"),
    "unknown_cn.csv": ("row 2", "cn_code", "not an 8-digit code of the goods catalogue"),
    "quarter_out_of_range.csv": ("row 2", "quarter", "not a quarter"),
    "clinker_share_over_one.csv": ("row 2", "clinker_content", "share between 0 and 1"),
    # Encodings: the reader names the row of the first byte that is not UTF-8.
    "latin1.csv": ("row 2", None, "not UTF-8 text"),
    "utf16.csv": ("row 1", None, "UTF-16"),
    "binary.csv": (None, None, "not UTF-8 text"),
    "huge_exponent.csv": ("row 2", "net_mass", "outside the range"),
    "tiny_exponent.csv": ("row 2", "net_mass", "outside the range"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_naming_file_row_and_field(name: str, tmp_path: Path) -> None:
    location, field, reason = REFUSED[name]
    out = tmp_path / "out"
    message = assert_refused(assess(FILES / name, out), FILES / name, location, field)
    assert reason in message
    # Nothing half-written is left behind: no outputs, no temporary files.
    assert not out.exists() or list(out.iterdir()) == []


def test_every_committed_file_has_an_expected_outcome() -> None:
    listed = set(ACCEPTED) | set(REFUSED)
    assert {p.name for p in FILES.glob("*.csv")} == listed


# -- generated: big and hostile ----------------------------------------------------------------

HEADER = "line_id,cn_code,country,net_mass,import_date\n"


def test_a_100_mb_line_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "long-line.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        chunk = "x" * (1024 * 1024)
        for _ in range(100):
            handle.write(chunk)
        handle.write(",72081000,CN,1,2026-03-01\n")
    assert path.stat().st_size > 100 * 1024 * 1024
    message = assert_refused(assess(path, tmp_path / "out"), path)
    assert "field larger than field limit" in message


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


XLSX_HEADER: list[object] = ["cn_code", "country", "net_mass", "import_date"]


def test_xlsx_float_cell_keeps_its_written_digits(tmp_path: Path) -> None:
    import datetime as dt

    path = _xlsx(
        tmp_path / "ok.xlsx",
        [
            XLSX_HEADER,
            [72081000, "CN", 0.1, dt.datetime(2026, 3, 1)],
            ["7208 10 00", "CN", 2.675, "2026-04-02"],
        ],
    )
    run = assess(path, tmp_path / "out")
    assert run.code == 0, run.err
    rows = lines_csv(tmp_path / "out")
    assert [(r["cn"], r["net_mass"], r["quarter"]) for r in rows] == [
        ("72081000", "0.1", "1"),
        ("72081000", "2.675", "2"),
    ]


def test_xlsx_formula_without_stored_result_is_refused(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "f.xlsx", [XLSX_HEADER, ["72081000", "CN", "=1+2", "2026-03-01"]])
    message = assert_refused(assess(path, tmp_path / "out"), path, "row 2", "net_mass")
    assert "a value is required" in message


def test_xlsx_with_text_where_the_number_belongs(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "t.xlsx", [XLSX_HEADER, ["72081000", "CN", "two", "2026-03-01"]])
    message = assert_refused(assess(path, tmp_path / "out"), path, "row 2", "net_mass")
    assert "'two' is not a number" in message


@pytest.mark.parametrize(
    ("name", "payload"),
    [("not-a-zip.xlsx", b"cn_code,country\n"), ("empty.xlsx", b"")],
)
def test_not_a_workbook(name: str, payload: bytes, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(payload)
    message = assert_refused(assess(path, tmp_path / "out"), path)
    assert "not an Excel workbook" in message


def test_truncated_xlsx(tmp_path: Path) -> None:
    whole = _xlsx(tmp_path / "whole.xlsx", [XLSX_HEADER, ["72081000", "CN", 1, "2026-03-01"]])
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    message = assert_refused(assess(path, tmp_path / "out"), path)
    assert "not an Excel workbook" in message


def test_xlsx_without_rows_is_empty(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "blank.xlsx", [])
    message = assert_refused(assess(path, tmp_path / "out"), path)
    assert "the file is empty" in message


def _rewrite_sheet(source: Path, target: Path, edit: object) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()  # type: ignore[operator]
            zout.writestr(info.filename, data)
    return target


def _with_entity(tmp_path: Path, name: str, dtd: str, reference: str) -> Path:
    plain = _xlsx(tmp_path / "plain.xlsx", [XLSX_HEADER, ["72081000", "CN", 1, "2026-03-01"]])

    def edit(xml: str) -> str:
        xml = xml.replace("<worksheet", f"<!DOCTYPE worksheet [{dtd}]><worksheet", 1)
        return re.sub(
            r'<c r="A2"[^>]*>.*?</c>',
            f'<c r="A2" t="inlineStr"><is><t>{reference}</t></is></c>',
            xml,
        )

    return _rewrite_sheet(plain, tmp_path / name, edit)


def billion_laughs_dtd() -> str:
    entities = ['<!ENTITY a "aaaaaaaaaa">']
    for i in range(1, 10):
        previous, name = chr(96 + i), chr(97 + i)
        entities.append(f'<!ENTITY {name} "{("&" + previous + ";") * 10}">')
    return "".join(entities)


def test_xlsx_external_entity_is_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("72081000")
    path = _with_entity(tmp_path, "xxe.xlsx", f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">', "&xxe;")
    message = assert_refused(assess(path, tmp_path / "out"), path)
    assert "cannot be read safely" in message


def test_xlsx_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    path = _with_entity(tmp_path, "laughs.xlsx", billion_laughs_dtd(), "&j;")
    message = assert_refused(assess(path, tmp_path / "out"), path)
    assert "cannot be read safely" in message


def zip_bomb(path: Path, member: str = "xl/worksheets/sheet1.xml", size_mb: int = 300) -> Path:
    """A valid workbook whose sheet part unpacks to ``size_mb`` MB (about 1:1000)."""
    plain = _xlsx(path.with_name("plain-" + path.name), [XLSX_HEADER])
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info.filename, zin.read(info.filename))
        with zout.open(member, "w", force_zip64=True) as handle:
            block = b" " * (1024 * 1024)
            for _ in range(size_mb):
                handle.write(block)
    return path


# -- the customs-line reader itself (cbam/formats/imports.py), without the CLI -----------------

READER_ROWS = {
    "latin1.csv": "row 2",
    "utf16.csv": "row 1",
    "binary.csv": None,
}


@pytest.mark.parametrize("name", ["latin1.csv", "utf16.csv", "binary.csv"])
def test_reader_names_the_encoding_problem(name: str) -> None:
    with pytest.raises(InputError) as caught:
        list(read_imports(FILES / name, year=2026))
    assert str(FILES / name) in str(caught.value)
    if READER_ROWS[name]:
        assert READER_ROWS[name] in str(caught.value)


@pytest.mark.parametrize("name", ["huge_exponent.csv", "tiny_exponent.csv"])
def test_reader_refuses_absurd_exponents(name: str) -> None:
    with pytest.raises(InputError) as caught:
        list(read_imports(FILES / name, year=2026))
    assert caught.value.location == "row 2"
    assert caught.value.field == "net_mass"


def test_cli_tiny_exponent_names_the_input_row(tmp_path: Path) -> None:
    path = FILES / "tiny_exponent.csv"
    assert_refused(assess(path, tmp_path / "out"), path, "row 2", "net_mass")


def test_reader_names_the_row_of_a_100_mb_line(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(HEADER + "x" * 200_000 + ",72081000,CN,1,2026-03-01\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(read_imports(path, year=2026))
    assert caught.value.location == "row 2"


def test_reader_refuses_an_xlsx_zip_bomb_before_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = zip_bomb(tmp_path / "bomb.xlsx")

    def opened(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the zip bomb was handed to openpyxl")

    monkeypatch.setattr(openpyxl, "load_workbook", opened)
    with pytest.raises(InputError, match="zip bomb"):
        list(read_imports(path, year=2026))


def test_reader_names_a_hostile_sheet(tmp_path: Path) -> None:
    path = _with_entity(tmp_path, "laughs.xlsx", billion_laughs_dtd(), "&j;")
    with pytest.raises(InputError):
        list(read_imports(path, year=2026))


def test_exact_mass_survives_many_digits(tmp_path: Path) -> None:
    path = tmp_path / "digits.csv"
    mass = "1234.567890123456789012345678"
    path.write_text(
        "cn_code,country,net_mass,import_date\n72081000,CN," + mass + ",2026-03-01\n",
        encoding="utf-8",
    )
    run = assess(path, tmp_path / "out")
    assert run.code == 0, run.err
    assert Decimal(lines_csv(tmp_path / "out")[0]["net_mass"]) == Decimal(mass)
