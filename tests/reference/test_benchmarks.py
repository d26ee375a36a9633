"""CBAM benchmarks of IR 2025/2620 (cbam.reference.benchmarks and its converter)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cbam.errors import InputError, NoValueError, ReferenceDataError
from cbam.reference.benchmarks import (
    benchmark,
    benchmark_options,
    benchmarks_dataset,
    load_benchmarks,
    period_of,
)
from cbam.reference.convert_benchmarks import convert_benchmarks, parse_route, read_benchmarks
from cbam.reference.manifest import DATA_DIR, sha256_file

WORKBOOK = "xlsx/benchmarks-ir-2025-2620-v1.xlsx"


def _d(text: str) -> Decimal:
    return Decimal(text)


# --- spot checks (brief, methodology 4.2) ---------------------------------------------------


@pytest.mark.parametrize(
    ("cn", "column", "year", "route", "value"),
    [
        ("25231000", "B", 2026, "A", "0.666"),
        ("25231000", "B", 2026, "B", "0.859"),
        ("25231000", "A", 2026, "(B)", "0.859"),
        ("72081000", "B", 2026, "C", "1.370"),
        ("72081000", "B", 2026, "D", "0.481"),
        ("72081000", "B", 2026, "e", "0.072"),
        ("72081000", "A", 2026, None, "0.044"),
        ("28041000", "A", 2026, None, "5.089"),
        ("28041000", "B", 2030, None, "5.089"),
        ("25233000", "B", 2026, None, "0.717"),
        ("25233000", "B", 2027, None, "0.717"),
        ("25233000", "B", 2028, None, "0.686"),
        ("25233000", "A", 2030, None, "0.686"),
        ("73181542", "B", 2026, "C", "1.364"),
        ("73181542", "B", 2026, "D", "0.475"),
        ("73181542", "B", 2026, "E", "0.066"),
        ("73181535", "B", 2026, None, "1.154"),
        ("73181535", "B", 2028, None, "1.116"),
        ("76011010", "A", 2026, "K", "1.423"),
        ("76011010", "B", 2026, "L", "0.091"),
        ("25232100", "A", 2026, None, "0"),
        ("25232100", "B", 2026, None, "0.859"),
        ("72061000", "A", 2026, "D", "0.027"),
        ("72052100", "B", 2026, "F", "1.46"),
        ("72052100", "B", 2028, "F", "1.298"),
        ("72052100", "B", 2029, "J", "0.82"),
        ("31021012", "B", 2026, None, "0.304"),
        ("72026000", "B", 2026, None, "2.39"),
        ("72026000", "B", 2028, None, "2.295"),
    ],
)
def test_spot_checks(cn: str, column: str, year: int, route: str | None, value: str) -> None:
    result = benchmark(cn, column, year=year, route=route)  # type: ignore[arg-type]
    assert result.value == _d(value)
    assert result.cn == cn
    assert result.column == column
    assert result.unit == "t CO2e/t"
    assert result.dataset.id == "benchmarks"
    assert result.location.startswith("sheet 'Benchmarks', row ")


def test_provenance_of_a_lookup() -> None:
    result = benchmark("7208 10 00", "B", year=2026, route="(D)")
    assert result.location == "sheet 'Benchmarks', row 147"
    assert (result.route, result.period, result.year) == ("D", None, 2026)
    assert result.note == "route (D) as requested"
    aluminous = benchmark("25233000", "B", year=2028)
    assert (aluminous.period, aluminous.location) == ("2", "sheet 'Benchmarks', row 9")


def test_column_a_without_routes_answers_any_route() -> None:
    # 7208 10 00: the continuation rows leave Column A empty, so its one value stands.
    for route in "CDE":
        result = benchmark("72081000", "A", year=2026, route=route)
        assert result.value == _d("0.044")
        assert result.location == "sheet 'Benchmarks', row 146"
        assert result.note is not None and "does not vary by production route" in result.note


def test_years_after_2030_use_the_last_period_and_say_so() -> None:
    result = benchmark("25233000", "B", year=2031)
    assert result.value == _d("0.686")
    assert result.period == "2"
    assert result.note is not None and "2028-2030" in result.note
    assert period_of(2026) == ("1", None)
    assert period_of(2027) == ("1", None)
    assert period_of(2028) == ("2", None)
    assert period_of(2030) == ("2", None)
    assert period_of(2040)[0] == "2"


def test_options_list_every_route() -> None:
    options = benchmark_options("72081000", "B", year=2026)
    assert [(o.route, o.value) for o in options] == [
        ("C", _d("1.37")),
        ("D", _d("0.481")),
        ("E", _d("0.072")),
    ]
    assert [o.route for o in benchmark_options("72052100", "B", year=2028)] == list("FGHJ")
    assert all(o.period == "2" for o in benchmark_options("72052100", "B", year=2028))


# --- error paths ----------------------------------------------------------------------------


def test_several_routes_and_no_route_is_an_error_listing_them() -> None:
    with pytest.raises(InputError, match=r"\(C\) 1.37, \(D\) 0.481, \(E\) 0.072") as info:
        benchmark("72081000", "B", year=2026)
    assert info.value.field == "route"


def test_route_the_code_does_not_have() -> None:
    with pytest.raises(InputError, match=r"has no route \(K\)"):
        benchmark("72081000", "B", year=2026, route="K")


@pytest.mark.parametrize("route", ["M", "CC", "(1)", "", "route C"])
def test_malformed_route(route: str) -> None:
    with pytest.raises(InputError, match="not a production-route indicator"):
        benchmark("72081000", "B", year=2026, route=route)


def test_bad_column_year_and_codes() -> None:
    with pytest.raises(InputError, match="column must be 'A' or 'B'"):
        benchmark("72081000", "C", year=2026)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="outside the definitive period"):
        benchmark("72081000", "A", year=2025)
    with pytest.raises(InputError, match="outside the definitive period"):
        benchmark("72081000", "A", year=2062 * 10)
    with pytest.raises(InputError, match="ferrous waste and scrap"):
        benchmark("72041000", "A", year=2026)


def test_goods_without_a_benchmark() -> None:
    with pytest.raises(NoValueError, match="electricity has no CBAM benchmark"):
        benchmark("27160000", "B", year=2026)
    with pytest.raises(NoValueError, match="3102 10 12"):
        benchmark("31021010", "B", year=2026)


@given(
    st.sampled_from(["25233000", "31025000", "72026000", "72189911"]),
    st.integers(min_value=2026, max_value=2100),
)
def test_period_values_follow_the_year(cn: str, year: int) -> None:
    first = benchmark(cn, "B", year=2026).value
    later = benchmark(cn, "B", year=2028).value
    assert benchmark(cn, "B", year=year).value == (first if year <= 2027 else later)


# --- the whole sheet ------------------------------------------------------------------------


def _walk_sheet(path: Path) -> list[tuple[str, str, str | None, str | None, Decimal, int]]:
    """An independent reading of the sheet: (cn, column, route, period, value, row)."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(workbook["Benchmarks"].iter_rows(values_only=True))
    workbook.close()
    out = []
    current = ""
    for number, row in enumerate(rows[1:], start=2):
        cn, _desc, a, a_route, b, b_route = row[:6]
        if isinstance(cn, str):
            continue  # sector heading
        if cn is not None:
            current = f"{cn:08d}"
        for column, value, route_cell in (("A", a, a_route), ("B", b, b_route)):
            if value is None:
                continue
            text = route_cell or ""
            letter = next((c for c in text if c.isalpha()), None)
            digit = next((c for c in text if c.isdigit()), None)
            out.append((current, column, letter, digit, Decimal(repr(value)), number))
    return out


def test_every_packaged_benchmark_equals_its_cell(reference_dir: Path) -> None:
    cells = _walk_sheet(reference_dir / WORKBOOK)
    assert len(cells) == 2465
    assert len({c[0] for c in cells}) == 570
    routed = {(cn, col) for cn, col, letter, *_ in cells if letter}
    for cn, column, letter, digit, value, number in cells:
        year = 2028 if digit == "2" else 2026
        route = letter if (cn, column) in routed else None
        result = benchmark(cn, column, year=year, route=route)  # type: ignore[arg-type]
        assert result.value == value, (cn, column, letter, digit)
        assert result.location == f"sheet 'Benchmarks', row {number}"
        assert (result.route, result.period) == (letter, digit)


def test_converter_reproduces_packaged_file(reference_dir: Path, tmp_path: Path) -> None:
    info = convert_benchmarks(reference_dir / WORKBOOK, tmp_path)
    assert (tmp_path / "benchmarks.csv").read_bytes() == (DATA_DIR / "benchmarks.csv").read_bytes()
    assert info == benchmarks_dataset()
    assert (info.version, info.version_date) == ("v1", "2025-02-06")
    assert info.legal_act == "IR 2025/2620 Annex"


def test_manifest_sha256_matches_workbook(reference_dir: Path) -> None:
    info = benchmarks_dataset()
    assert info.source_file == Path(WORKBOOK).name
    assert info.sha256 == sha256_file(reference_dir / WORKBOOK)


# --- converter error paths on small workbooks -------------------------------------------------

HEADER = (
    "CN code",
    "CN Description",
    "Column A\nBMg [tCO2e/t]",
    "Column A\nProduction route indicator",
    "Column B\nBMg [tCO2e/t]",
    "Column B\nProduction route indicator",
)


def _workbook(tmp_path: Path, rows: list[tuple[Any, ...]], *, versions: bool = True) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Benchmarks"
    for row in [HEADER, *rows]:
        sheet.append(list(row))
    if versions:
        history = workbook.create_sheet("Version history")
        history.append(["Version History"])
        history.append(["Version", "Date", "Version Notes"])
        history.append([1, dt.datetime(2026, 2, 6), "first"])
    path = tmp_path / "bm.xlsx"
    workbook.save(path)
    return path


def test_converter_on_a_small_workbook(tmp_path: Path) -> None:
    source = _workbook(
        tmp_path,
        [
            ("Cement", None, None, None, None, None),
            (25231000, "Clinker", 0.666, "(A)", 0.666, "(A)"),
            (None, None, 0.859, "(B)", 0.859, "(B)"),
            (72081000, "HRC", 0.044, None, 1.37, "(C)"),
            (None, None, None, None, 0.481, "(D)"),
        ],
    )
    info = convert_benchmarks(source, tmp_path / "out")
    assert (info.version, info.version_date) == ("v1", "2026-02-06")
    assert (tmp_path / "out" / "benchmarks.csv").read_text(encoding="utf-8") == (
        "cn,column,route,period,value,row\n"
        "25231000,A,A,,0.666,3\n25231000,B,A,,0.666,3\n"
        "25231000,A,B,,0.859,4\n25231000,B,B,,0.859,4\n"
        "72081000,A,,,0.044,5\n72081000,B,C,,1.37,5\n72081000,B,D,,0.481,6\n"
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(None, None, 0.1, None, 0.2, None)], "without a CN code above"),
        ([(72041000, "scrap", 0.1, None, 0.2, None)], "ferrous waste and scrap"),
        ([(72081000, "x", 0.1, "(Z)", 0.2, None)], "route indicator '\\(Z\\)'"),
        ([(72081000, "x", "abc", None, 0.2, None)], "not a number"),
        ([(72081000, "x", None, None, 0.2, None)], "Column A has no value"),
        ([(72081000, "x", 0.1, None, None, "(C)")], "Column B has no value"),
        (
            [(72081000, "x", 0.1, None, 0.2, "(C)"), (None, None, None, None, 0.3, "(C)")],
            "repeats route C",
        ),
        (
            [(72081000, "x", 0.1, None, 0.2, None), (72081000, "x", 0.1, None, 0.2, None)],
            "appears twice",
        ),
    ],
)
def test_converter_rejects_bad_rows(
    tmp_path: Path, rows: list[tuple[Any, ...]], message: str
) -> None:
    with pytest.raises(ReferenceDataError, match=message) as info:
        read_benchmarks(_workbook(tmp_path, rows))
    assert info.value.source == "bm.xlsx"
    assert (info.value.location or "").startswith("sheet 'Benchmarks', row ")


def test_converter_rejects_missing_sheets_and_headers(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="'Version history' is missing"):
        convert_benchmarks(_workbook(tmp_path, [], versions=False), tmp_path / "out")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Other"
    workbook.save(tmp_path / "empty.xlsx")
    with pytest.raises(ReferenceDataError, match="'Benchmarks' is missing"):
        read_benchmarks(tmp_path / "empty.xlsx")
    sheet.title = "Benchmarks"
    sheet.append(["CN code", "CN Description", "Column A"])
    workbook.save(tmp_path / "header.xlsx")
    with pytest.raises(ReferenceDataError, match="header lacks"):
        read_benchmarks(tmp_path / "header.xlsx")
    workbook.remove(sheet)
    workbook.create_sheet("Benchmarks").append(["nothing here"])
    workbook.save(tmp_path / "noheader.xlsx")
    with pytest.raises(ReferenceDataError, match="no header row"):
        read_benchmarks(tmp_path / "noheader.xlsx")


def test_converter_rejects_a_version_sheet_without_versions(tmp_path: Path) -> None:
    source = _workbook(tmp_path, [])
    workbook = openpyxl.load_workbook(source)
    workbook["Version history"]["B3"] = "no date"
    workbook.save(source)
    with pytest.raises(ReferenceDataError, match="no version row"):
        convert_benchmarks(source, tmp_path / "out")


@pytest.mark.parametrize(
    ("cell", "parsed"),
    [
        (None, (None, None)),
        ("(A)", ("A", None)),
        ("(1)", (None, "1")),
        ("(F)(2)", ("F", "2")),
        (" (J) (1) ", ("J", "1")),
    ],
)
def test_parse_route(cell: str | None, parsed: tuple[str | None, str | None]) -> None:
    assert parse_route(cell) == parsed


@pytest.mark.parametrize("cell", ["(1)(F)", "C", "(M)", "(3)", "()"])
def test_parse_route_rejects(cell: str) -> None:
    with pytest.raises(ValueError, match="route indicator"):
        parse_route(cell)


def test_load_benchmarks_errors(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="not packaged"):
        load_benchmarks(tmp_path / "missing.csv")
    damaged = tmp_path / "b.csv"
    damaged.write_text("cn,column,route,period,value,row\n72081000,X,,,0.1,3\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="row 2"):
        load_benchmarks(damaged)
    damaged.write_text("cn,column,route,period,value,row\n72081000,A,,,abc,3\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="damaged benchmark row"):
        load_benchmarks(damaged)
