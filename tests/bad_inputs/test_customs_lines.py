"""Customs lines (``cbam assess``, ``read_imports``): broken and hostile CSV files, each with its
outcome. Workbooks are in ``test_customs_xlsx.py``.

Small files live in ``files/``; big ones (a 100 MB line, a million columns) are generated into
``tmp_path`` at test time. Every case is registered in the corpus (``corpus.py``).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cbam.errors import InputError
from cbam.formats.imports import read_imports

from .conftest import FILES, assert_refused, cli, lines_csv
from .corpus import Entry, case, cases, refused


def assess(path: Path, out: Path, *extra: str) -> object:
    return cli("assess", path, "--year", "2026", "--out", out, *extra)


# -- accepted, with the value the outputs carry -------------------------------------------------

Line = tuple[str, str, str, str]  # row, cn, country, net_mass as lines.csv shows them


def _accepted(name: str, input: str, lines: list[Line]) -> Entry:
    shown = "; ".join(f"row {r}: CN {c}, {o}, net_mass {m}" for r, c, o, m in lines)
    return Entry(name, input, f"accepted — {shown}", (name, lines))


ACCEPTED = [
    _accepted("bom.csv", "UTF-8 with byte-order mark", [("2", "72081000", "CN", "1.5")]),
    _accepted("crlf.csv", "CRLF line ends", [("2", "72081000", "CN", "1.5")]),
    _accepted(
        "semicolon_decimal_point.csv",
        "`;` separator, decimal point",
        [("2", "72081000", "CN", "1.5")],
    ),
    _accepted(
        "thousands_space.csv", "thousands as a space `1 234.5`", [("2", "72081000", "CN", "1234.5")]
    ),
    _accepted(
        "thousands_nbsp.csv",
        "thousands as a no-break space `1 234.5`",
        [("2", "72081000", "CN", "1234.5")],
    ),
    _accepted(
        "blank_rows.csv",
        "blank rows between lines (skipped; later lines keep their spreadsheet row)",
        [("2", "72081000", "CN", "1.5"), ("5", "72081000", "CN", "2.25")],
    ),
    _accepted(
        "messy_headers_and_codes.csv",
        "headers in other case, with spaces and dashes; dotted CN, 10-digit TARIC, "
        "lower-case country",
        [("2", "72081000", "CN", "0.1"), ("3", "72081000", "CN", "0.2")],
    ),
    _accepted(
        "semicolon_decimal_comma.csv",
        "`;` separator, decimal comma `1,5` (only a decimal comma reads it: detected, and said "
        "in the notes)",
        [("2", "72081000", "CN", "1.5")],
    ),
    _accepted(
        "empty_trailing_header.csv",
        "an empty last header cell with nothing under it (a trailing separator)",
        [("2", "72081000", "CN", "1")],
    ),
]


@cases("customs", "name, expected", ACCEPTED)
def test_accepted_with_normalised_values(name: str, expected: list[Line], tmp_path: Path) -> None:
    run = assess(FILES / name, tmp_path / "out")
    assert run.code == 0, run.err  # type: ignore[attr-defined]
    rows = lines_csv(tmp_path / "out")
    got = [(r["row"], r["cn"], r["country"], r["net_mass"]) for r in rows]
    assert got == expected


# -- refused with file, row and field ----------------------------------------------------------


def _refused(name: str, input: str, location: str | None, field: str | None, reason: str) -> Entry:
    return Entry(name, input, refused(location, field, reason), (name, location, field, reason))


NOT_PLAIN = "not a number in plain decimal notation"
REFUSED = [
    # A comma that may be decimal or thousands is refused, not guessed (issue 16: a decimal
    # comma that only a decimal comma reads, "1,5", is detected and said in a note).
    _refused(
        "semicolon_comma_either.csv",
        "`;` separator, `1,500` alone (1.5 t with a decimal comma, 1500 t with a thousands comma)",
        "row 2",
        "net_mass",
        "'1,500' could be 1.500 (a decimal comma) or 1500 (a thousands comma), and no figure of "
        "the first rows tells which: pass --decimal-comma if the file writes decimal commas",
    ),
    _refused(
        "thousands_comma.csv",
        'thousands separator `"1,234.5"`',
        "row 2",
        "net_mass",
        "'1,234.5' is not a number",
    ),
    _refused("empty.csv", "empty file", None, None, "the file is empty"),
    _refused(
        "header_only.csv",
        "a header and no line",
        None,
        None,
        "no customs lines: the file has a header but no line",
    ),
    _refused(
        "blank_rows_only.csv",
        "a header and blank rows only",
        None,
        None,
        "no customs lines",
    ),
    _refused(
        "duplicate_columns.csv",
        "duplicate column (`net_mass`, `Net Mass`)",
        "row 1",
        None,
        "net_mass appear more than once",
    ),
    _refused("unknown_column.csv", "unknown column", "row 1", None, "unknown column(s) 'colour'"),
    _refused("missing_column.csv", "missing column", "row 1", None, "missing column(s): net_mass"),
    _refused(
        "data_under_empty_header.csv",
        "a value under a header cell left empty",
        "row 2, column D",
        None,
        "holds 'forgotten' in a column without a header",
    ),
    _refused(
        "cn_letters.csv", "CN code with letters", "row 2", "cn_code", "characters other than digits"
    ),
    _refused("cn_short.csv", "CN code of 4 digits", "row 2", "cn_code", "has 4 digits"),
    _refused(
        "not_a_cbam_good.csv", "CN code of scrap (7204)", "row 2", "cn_code", "is not a CBAM good"
    ),
    _refused(
        "unknown_cn.csv",
        "unknown 8-digit CN code",
        "row 2",
        "cn_code",
        "not an 8-digit code of the goods catalogue",
    ),
    _refused(
        "unknown_country.csv",
        "unknown country `XX`",
        "row 2",
        "country",
        "'XX' is not an ISO 3166-1 alpha-2 code",
    ),
    _refused("eu_origin.csv", "EU origin `DE`", "row 2", "country", "not CBAM imports"),
    _refused("negative_mass.csv", "negative mass", "row 2", "net_mass", "must be >= 0"),
    _refused("nan_mass.csv", "mass `NaN`", "row 2", "net_mass", "not a finite number"),
    _refused("infinite_mass.csv", "mass `Infinity`", "row 2", "net_mass", "not a finite number"),
    _refused("empty_mass.csv", "empty mass", "row 2", "net_mass", "a value is required"),
    _refused(
        "underscore_mass.csv",
        "mass `1_5` (Python's Decimal would read 15)",
        "row 2",
        "net_mass",
        "'1_5' is not a number: underscores are not part of a number",
    ),
    _refused(
        "arabic_digits.csv",
        "mass in Arabic-Indic digits `١٥`",
        "row 2",
        "net_mass",
        "only the digits 0-9 are read",
    ),
    _refused(
        "fullwidth_digits.csv",
        "mass in full-width digits `１５`",
        "row 2",
        "net_mass",
        "only the digits 0-9 are read",
    ),
    _refused("exponent_mass.csv", "mass `1.5E3`", "row 2", "net_mass", NOT_PLAIN),
    _refused("plus_sign_mass.csv", "mass `+5`", "row 2", "net_mass", NOT_PLAIN),
    _refused("huge_exponent.csv", "mass `1e999999`", "row 2", "net_mass", NOT_PLAIN),
    _refused("tiny_exponent.csv", "mass `1e-999999`", "row 2", "net_mass", NOT_PLAIN),
    _refused(
        "mass_too_large.csv",
        "mass `10000000000000000` (1e16 t)",
        "row 2",
        "net_mass",
        "outside the range of figures this library accepts",
    ),
    _refused(
        "mass_too_small.csv",
        "mass `0.0000000000000001`",
        "row 2",
        "net_mass",
        "outside the range of figures this library accepts",
    ),
    _refused(
        "formula_mass.csv",
        "formula `=1+2` as the mass",
        "row 2",
        "net_mass",
        "'=1+2' is not a number",
    ),
    _refused("nul_byte.csv", "NUL byte in the mass", "row 2", "net_mass", "is not a number"),
    _refused(
        "date_outside_year.csv",
        "date in another year",
        "row 2",
        "import_date",
        "outside the assessed year 2026",
    ),
    _refused("impossible_date.csv", "30 February", "row 2", "import_date", "is not a date"),
    _refused(
        "date_text.csv",
        "date `01/03/2026`",
        "row 2",
        "import_date",
        "'01/03/2026' is not a date (YYYY-MM-DD)",
    ),
    _refused(
        "date_with_tail.csv",
        "date `2026-03-0155` (was cut to 10 characters and read as 1 March)",
        "row 2",
        "import_date",
        "'2026-03-0155' is not a date (YYYY-MM-DD)",
    ),
    _refused(
        "date_with_time.csv",
        "date with a time `2026-03-01T10:00`",
        "row 2",
        "import_date",
        "is not a date (YYYY-MM-DD)",
    ),
    _refused("date_short.csv", "date `2026-3-1`", "row 2", "import_date", "is not a date"),
    _refused(
        "date_contradicts_quarter.csv",
        "date 2026-03-01 with `quarter` 2",
        "row 2",
        "quarter",
        "quarter 2 contradicts import_date 2026-03-01 (quarter 1)",
    ),
    _refused(
        "date_contradicts_year.csv",
        "date 2026-03-01 with `year` 2027",
        "row 2",
        "year",
        "year 2027 contradicts import_date 2026-03-01",
    ),
    _refused("year_fraction.csv", "year `2026.7`", "row 2", "year", "'2026.7' is not a year"),
    _refused("quarter_out_of_range.csv", "quarter `Q5`", "row 2", "quarter", "not a quarter"),
    _refused("quarter_zero.csv", "quarter `0`", "row 2", "quarter", "'0' is not a quarter"),
    _refused(
        "clinker_share_over_one.csv",
        "clinker share 1.5",
        "row 2",
        "clinker_content",
        "share between 0 and 1",
    ),
    _refused(
        "line_id_equals.csv",
        "line id `=1+2`",
        "row 2",
        "line_id",
        "begins with '=': a spreadsheet would read it as a formula",
    ),
    _refused("line_id_plus.csv", "line id `+1`", "row 2", "line_id", "begins with '+'"),
    _refused("line_id_minus.csv", "line id `-1`", "row 2", "line_id", "begins with '-'"),
    _refused("line_id_at.csv", "line id `@SUM(A1:A9)`", "row 2", "line_id", "begins with '@'"),
    _refused(
        "line_id_control_formula.csv",
        'line id `"\\x01=HYPERLINK(...)"` (a control character before a formula)',
        "row 2",
        "line_id",
        "contains the control character U+0001",
    ),
    _refused(
        "line_id_tab.csv", "line id with a tab", "row 2", "line_id", "control character U+0009"
    ),
    _refused(
        "line_id_too_long.csv",
        "line id of 300 characters",
        "row 2",
        "line_id",
        "has 300 characters; an identifier or name has at most 255",
    ),
    _refused(
        "installation_id_formula.csv",
        "installation id `=cmd|' /C calc'!A0`",
        "row 2",
        "installation_id",
        "begins with '='",
    ),
    _refused(
        "extra_cells.csv", "more cells than the header", "row 2", None, "the header has 4 columns"
    ),
    _refused(
        "unbalanced_quote.csv",
        "unbalanced quote (it swallows the rest of the row)",
        "row 2",
        "net_mass",
        "is not a number",
    ),
    _refused("latin1.csv", "Latin-1 text", "row 2", None, "not UTF-8 text"),
    _refused("utf16.csv", "UTF-16 text", "row 1", None, "UTF-16"),
    _refused("binary.csv", "binary garbage", None, None, "not UTF-8 text"),
]


@cases("customs", "name, location, field, reason", REFUSED)
def test_refused_naming_file_row_and_field(
    name: str, location: str | None, field: str | None, reason: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    message = assert_refused(assess(FILES / name, out), FILES / name, location, field)
    assert reason in message
    # Nothing half-written is left behind: no output folder, nothing beside it.
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@case(
    "customs",
    "every file in `tests/bad_inputs/files/`",
    "listed above with its expected outcome (a file added without one fails)",
)
def test_every_committed_file_has_an_expected_outcome() -> None:
    listed = {e.id for e in ACCEPTED} | {e.id for e in REFUSED}
    assert {p.name for p in FILES.glob("*.csv")} == listed


# -- generated: big and hostile ----------------------------------------------------------------

HEADER = "line_id,cn_code,country,net_mass,import_date\n"


@case(
    "customs",
    "one line of 100 MB (generated)",
    refused("row 2", None, "a line longer than 1,048,576 characters") + "; read no further",
)
def test_a_100_mb_line_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "long-line.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        chunk = "x" * (1024 * 1024)
        for _ in range(100):
            handle.write(chunk)
        handle.write(",72081000,CN,1,2026-03-01\n")
    assert path.stat().st_size > 100 * 1024 * 1024
    message = assert_refused(assess(path, tmp_path / "out"), path, "row 2")
    assert "a line longer than 1,048,576 characters" in message


@case(
    "customs",
    "a row of 2 million empty cells (`,,,,...`)",
    refused("row 2", None, "a line longer than 1,048,576 characters"),
)
def test_a_row_of_millions_of_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "wide-row.csv"
    path.write_text(HEADER + "," * 2_000_000 + "\n", encoding="utf-8")
    message = assert_refused(assess(path, tmp_path / "out"), path, "row 2")
    assert "a line longer than" in message


@case(
    "customs",
    "a header of 1,000,000 columns",
    refused("row 1", None, "the header has 1,000,000 columns; at most 16,384")
    + "; the message stays short",
)
def test_a_million_column_header_gives_a_short_message(tmp_path: Path) -> None:
    path = tmp_path / "wide-header.csv"
    header = "cn_code,country,net_mass,import_date" + "," * 999_996
    path.write_text(header + "\n", encoding="utf-8")
    message = assert_refused(assess(path, tmp_path / "out"), path, "row 1")
    assert "the header has 1,000,000 columns; at most 16,384" in message
    assert len(message) < 2_100


@case(
    "customs",
    "a cell of 200,000 characters",
    refused("row 2", None, "field larger than field limit"),
)
def test_a_giant_cell_names_its_row(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(HEADER + "x" * 200_000 + ",72081000,CN,1,2026-03-01\n", encoding="utf-8")
    message = assert_refused(assess(path, tmp_path / "out"), path, "row 2")
    assert "field larger than field limit" in message
    with pytest.raises(InputError) as caught:
        list(read_imports(path, year=2026))
    assert caught.value.location == "row 2"


@case("customs", "mass with 28 significant digits", "accepted — every digit kept")
def test_exact_mass_survives_many_digits(tmp_path: Path) -> None:
    path = tmp_path / "digits.csv"
    mass = "1234.567890123456789012345678"
    path.write_text(
        "cn_code,country,net_mass,import_date\n72081000,CN," + mass + ",2026-03-01\n",
        encoding="utf-8",
    )
    run = assess(path, tmp_path / "out")
    assert run.code == 0, run.err  # type: ignore[attr-defined]
    assert Decimal(lines_csv(tmp_path / "out")[0]["net_mass"]) == Decimal(mass)


# -- the customs-line reader itself (cbam/formats/imports.py), without the CLI -----------------


@cases(
    "customs",
    "name, location",
    [
        Entry(n, f"`read_imports` on {what}", refused(loc, None, reason), (n, loc))
        for n, what, loc, reason in (
            ("latin1.csv", "Latin-1 text", "row 2", "not UTF-8 text"),
            ("utf16.csv", "UTF-16 text", "row 1", "UTF-16"),
            ("binary.csv", "binary garbage", "row 2", "not UTF-8 text"),
        )
    ],
)
def test_reader_names_the_encoding_problem(name: str, location: str | None) -> None:
    with pytest.raises(InputError) as caught:
        list(read_imports(FILES / name, year=2026))
    assert str(FILES / name) in str(caught.value)
    assert caught.value.location == location


@case(
    "customs",
    "`read_imports` on a file with a header and no line",
    "`InputError` “no customs lines” once the header is read (never an empty year)",
)
def test_reader_refuses_a_file_without_lines() -> None:
    with pytest.raises(InputError, match="no customs lines") as caught:
        list(read_imports(FILES / "header_only.csv", year=2026))
    assert caught.value.source == str(FILES / "header_only.csv")
