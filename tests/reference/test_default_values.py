"""Default values of IR 2025/2621 (Annex I workbook, Annex IV legal text): data and lookups."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from cbam.codes import EU_MEMBER_STATES, EXEMPT_COUNTRIES, iso_from_name
from cbam.errors import (
    InputError,
    NoValueError,
    UnknownCNCodeError,
    UnknownCountryError,
)
from cbam.reference.cells import is_no_value, route_indicators, to_decimal
from cbam.reference.convert_defaults import (
    DEFAULT_VALUES_CSV,
    GOOD,
    HEADING,
    UNKNOWN_COUNTRY_CSV,
    convert_default_values,
    convert_unknown_country_defaults,
    markup_findings,
    read_default_values_workbook,
    read_unknown_country_text,
)
from cbam.reference.defaults import (
    DefaultValue,
    DefaultValueTable,
    load_defaults_workbook,
    packaged_defaults,
    unknown_country_defaults,
)
from cbam.reference.manifest import DATA_DIR, sha256_file
from cbam.rules import Sector

WORKBOOK = "xlsx/default-values-ir-2025-2621-v1-2026-02-04.xlsx"
LEGAL = "legal/ir-2025-2621-default-values.txt"
OTHER_SHEET = "_Other Countries and Territorie"


@pytest.fixture(scope="module")
def workbook_path(reference_dir: Path) -> Path:
    return reference_dir / WORKBOOK


@pytest.fixture(scope="module")
def legal_path(reference_dir: Path) -> Path:
    return reference_dir / LEGAL


@pytest.fixture(scope="module")
def table() -> DefaultValueTable:
    return packaged_defaults()


@pytest.fixture(scope="module")
def runtime_table(workbook_path: Path) -> DefaultValueTable:
    return load_defaults_workbook(workbook_path)


# --------------------------------------------------------------------------------------------
# Packaged data against the official sources
# --------------------------------------------------------------------------------------------


def _cell_number(value: object) -> Decimal | None:
    """What the packaged CSV must hold for a cell: the exact number, or nothing."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return to_decimal(value)
    return None


def test_every_row_of_every_sheet_matches_its_cell(workbook_path: Path, table: DefaultValueTable):
    """Walk the workbook independently of the converter and compare every packaged value."""
    packaged = {(r.sheet, r.row): r for r in table.rows}
    wb = load_workbook(workbook_path, read_only=True, data_only=True)
    seen = 0
    country_sheets = 0
    for name in wb.sheetnames:
        rows = list(wb[name].iter_rows(values_only=True))
        if len(rows) < 2 or "CN Code" not in str(rows[1][0]):
            continue
        country_sheets += 1
        country = iso_from_name(name)
        for number, raw in enumerate(rows[2:], start=3):
            cells = [*raw, *([None] * 9)][:9]
            code = cells[0]
            if code is None or (isinstance(code, str) and not code.strip()[:1].isdigit()):
                assert (name, number) not in packaged
                continue
            row = packaged.pop((name, number))
            seen += 1
            assert row.country == country
            assert row.cn == str(code).replace(" ", "")
            assert row.description == " ".join(str(cells[1]).split())
            assert row.direct == _cell_number(cells[2]), (name, number)
            assert row.indirect == _cell_number(cells[3]), (name, number)
            assert row.total == _cell_number(cells[4]), (name, number)
            assert (row.wb_2026, row.wb_2027, row.wb_2028) == tuple(
                _cell_number(c) for c in cells[5:8]
            ), (name, number)
            assert row.route == "/".join(route_indicators(cells[8])), (name, number)
            is_heading = str(cells[4]).strip().casefold() == "see below"
            assert row.kind == (HEADING if is_heading else GOOD), (name, number)
            if row.total is None and not is_heading:
                assert row.total_text == str(cells[4]).strip()
    assert country_sheets == 120
    assert seen == len(table.rows) == 12532
    assert not packaged  # no packaged row without a workbook row


def test_manifest_sha256_is_the_reference_files(reference_dir: Path, table: DefaultValueTable):
    manifest = json.loads((DATA_DIR / "manifest.json").read_text(encoding="utf-8"))["datasets"]
    annex_i = manifest["default_values"]
    assert annex_i["sha256"] == sha256_file(reference_dir / WORKBOOK)
    assert annex_i["source_file"] == Path(WORKBOOK).name
    assert (annex_i["legal_act"], annex_i["version"], annex_i["version_date"]) == (
        "IR 2025/2621 Annex I",
        "v1",
        "2026-02-04",
    )
    assert annex_i["files"] == [DEFAULT_VALUES_CSV]
    annex_iv = manifest["default_values_unknown_country"]
    assert annex_iv["sha256"] == sha256_file(reference_dir / LEGAL)
    assert (annex_iv["legal_act"], annex_iv["version"], annex_iv["version_date"]) == (
        "IR 2025/2621 Annex IV",
        "OJ L 2025/2621",
        "2025-12-31",
    )
    assert table.info.sha256 == annex_i["sha256"]


def test_converters_reproduce_the_packaged_files(
    workbook_path: Path, legal_path: Path, tmp_path: Path
):
    notes = tmp_path / "data-notes.md"
    info = convert_default_values(workbook_path, tmp_path, notes)
    info_iv = convert_unknown_country_defaults(legal_path, tmp_path, notes)
    for name in (DEFAULT_VALUES_CSV, UNKNOWN_COUNTRY_CSV):
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), name
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["datasets"]
    assert manifest["default_values"] == info.model_dump(mode="json")
    assert manifest["default_values_unknown_country"] == info_iv.model_dump(mode="json")
    text = notes.read_text(encoding="utf-8")
    # Both sections, once each; a second run replaces its section instead of appending.
    convert_unknown_country_defaults(legal_path, tmp_path, notes)
    assert notes.read_text(encoding="utf-8") == text
    assert text.count("<!-- begin:default_values -->") == 1
    assert text.count("<!-- begin:default_values_unknown_country -->") == 1


def test_data_notes_report_the_workbook_defects(workbook_path: Path):
    parsed = read_default_values_workbook(workbook_path)
    findings = "\n".join(markup_findings(parsed.rows))
    # Angola and Argentina compound 10 % a year instead of 20 %/30 % on the total.
    assert "| Angola | 6 | 25231000 | 2027 | 1.5246000000000002" in findings
    assert "| 1.5120 |" in findings  # 1.26 x 1.2, the lawful value
    assert "| Argentina | 8 | 25232900 | 2028 |" in findings
    # Albania's white Portland cement row is shifted into the mark-up columns.
    assert "| Albania | 7 | 25232100 | shifted |" in findings
    # Chile prints "_" for 2026 although the total is 2.95.
    assert "| Chile | 224 | 73061100 | 2026 | no printed value (total 2.95) | 3.2450 |" in findings
    notes = "\n".join(parsed.notes)
    assert "sheet 'Qatar', cell D68 (indirect): placeholder typo 'N/(A'" in notes
    assert "sheet 'Taiwan', cell F139 (wb_2026): Excel error '#VALUE!'" in notes
    assert "sheet 'Bosnia and Herzegovina', row 48: cells outside the table" in notes


def test_packaged_data_notes_exist():
    notes = Path(__file__).resolve().parents[2] / "docs" / "data-notes.md"
    text = notes.read_text(encoding="utf-8")
    assert "| Angola | 6 | 25231000 | 2027 |" in text
    assert "## IR 2025/2621 Annex IV" in text


# --------------------------------------------------------------------------------------------
# Annex IV
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cn", "route", "total", "value_2026"),
    [
        ("25231000", "A", "1.440", "1.584"),  # grey clinker
        ("25231000", "B", "1.410", "1.551"),  # white clinker
        ("25232900", None, "1.490", "1.639"),  # grey Portland cement
        ("25070080", None, "0.320", "0.352"),  # calcined clay
        ("28080000", None, "3.080", "3.111"),  # nitric acid
        ("28141000", None, "4.360", "4.404"),  # anhydrous ammonia
        ("28142000", None, "1.310", "1.323"),  # ammonia in aqueous solution
        ("28342100", None, "2.850", "2.879"),  # nitrate of potassium
        ("72031000", None, "4.200", "4.620"),  # DRI
        ("28041000", None, "26.640", "29.304"),  # hydrogen
    ],
)
def test_annex_iv_spot_checks(cn: str, route: str | None, total: str, value_2026: str):
    value = unknown_country_defaults().lookup(cn, route=route)
    assert value.total == Decimal(total)
    assert value.value_used(2026).quantize(Decimal("0.001"), ROUND_HALF_UP) == Decimal(value_2026)
    assert (value.country, value.country_used) == ("UNKNOWN", "UNKNOWN")
    assert value.direct is None and value.indirect is None
    assert value.dataset.legal_act == "IR 2025/2621 Annex IV"
    assert value.location.startswith("Annex IV, line ")
    assert value.fallback is not None and "country of production unknown" in value.fallback


def test_annex_iv_parse_is_complete(workbook_path: Path, legal_path: Path):
    parsed = read_unknown_country_text(legal_path)
    rows = parsed.rows
    assert len(rows) == 283
    goods = [r for r in rows if r.kind == GOOD]
    assert all(
        isinstance(v, Decimal) for r in goods for v in (r.total, r.wb_2026, r.wb_2027, r.wb_2028)
    )
    assert all(r.total is None for r in rows if r.kind == HEADING)
    # Annex IV lists the same goods, in the same order and with the same descriptions, as the
    # workbook's "Other countries and territories" sheet: a strong check of the text parse.
    other = [r for r in read_default_values_workbook(workbook_path).rows if r.sheet == OTHER_SHEET]
    assert [(r.cn, r.kind) for r in rows] == [(r.cn, r.kind) for r in other]

    def squash(text: str) -> str:
        return re.sub(r"\s+", "", text).casefold()

    assert [squash(r.description) for r in rows] == [squash(r.description) for r in other]
    # The sectors follow the section rows.
    assert {r.sector for r in rows} == {
        Sector.CEMENT,
        Sector.FERTILISERS,
        Sector.ALUMINIUM,
        Sector.HYDROGEN,
        Sector.IRON_STEEL,
    }


def test_annex_iv_2026_column_is_the_rounded_mark_up(legal_path: Path):
    """Printed 2026 values = total x 1.10 (x 1.01 fertilisers), give or take the last digit."""
    for r in read_unknown_country_text(legal_path).rows:
        if r.kind != GOOD:
            continue
        assert r.total is not None and r.wb_2026 is not None
        factor = Decimal("1.01") if r.sector is Sector.FERTILISERS else Decimal("1.10")
        assert abs(r.total * factor - r.wb_2026) <= Decimal("0.0016"), (r.row, r.cn)


def test_annex_iv_errors():
    table = unknown_country_defaults()
    with pytest.raises(InputError, match=r"several default values.*\(B\) White clinker"):
        table.lookup("25231000")
    with pytest.raises(InputError, match=r"route \(E\)"):
        table.lookup("25231000", route="E")
    with pytest.raises(NoValueError, match="7204 10 00"):
        table.lookup("72041000")
    with pytest.raises(UnknownCNCodeError):
        table.lookup("2523")


# --------------------------------------------------------------------------------------------
# Annex I lookups
# --------------------------------------------------------------------------------------------


def test_china_grey_clinker(table: DefaultValueTable):
    value = table.lookup("2523 10 00", "CN", route="A")
    assert isinstance(value, DefaultValue)
    assert (value.direct, value.indirect, value.total) == (
        Decimal("1.35"),
        Decimal("0.04"),
        Decimal("1.39"),
    )
    assert value.value_used(2026) == Decimal("1.529")
    assert value.value_used(2027) == Decimal("1.668")
    assert value.value_used(2030) == Decimal("1.807")
    assert value.markup(2026) == Decimal("0.10")
    assert (value.country, value.country_used, value.route) == ("CN", "CN", "A")
    assert value.location == "sheet 'China', row 6"
    assert value.fallback is None
    assert value.sector is Sector.CEMENT
    assert value.dataset.label == "IR 2025/2621 Annex I, v1 of 2026-02-04"
    white = table.lookup("25231000", "CN", route="(b)")
    assert (white.total, white.route, white.description) == (Decimal("1.3"), "B", "White clinker")


def test_country_without_sheet_takes_other_countries(table: DefaultValueTable):
    assert "XK" not in table.countries
    value = table.lookup(72081000, "XK")
    assert value.country_used == "OTHER"
    assert value.total == Decimal("4.048689266")
    assert value.value_used(2026) == Decimal("4.4535581926")
    assert value.row_cn == "7208"
    assert value.route == "C"
    assert value.indirect is None  # N/A: iron and steel are Annex II goods
    assert value.location == f"sheet '{OTHER_SHEET}', row 101"
    assert value.fallback == (
        "Kosovo (XK) has no table of its own in IR 2025/2621 Annex I; "
        "IR 2025/2621 Annex I 'Other countries and territories' applies"
    )


def test_dash_falls_back_and_says_so(table: DefaultValueTable):
    value = table.lookup("72031000", "TW")
    assert value.country_used == "OTHER"
    assert value.total == Decimal("1.325")
    assert value.fallback == (
        "Taiwan has no default value for 7203 (sheet 'Taiwan', row 77 reads '–'); "
        "IR 2025/2621 Annex I 'Other countries and territories' applies"
    )


def test_shifted_row_falls_back(table: DefaultValueTable):
    value = table.lookup("25232100", "AL")
    assert (value.country_used, value.total) == ("OTHER", Decimal("1.45"))
    assert value.fallback is not None
    assert "sheet 'Albania', row 7 reads '–'" in value.fallback
    assert "shifted" in value.fallback


def test_country_row_missing_falls_back(table: DefaultValueTable):
    # Benin's sheet lists cement only.
    value = table.lookup("72081000", "BJ")
    assert value.country_used == "OTHER"
    assert value.fallback is not None
    assert "no row in sheet 'Benin'" in value.fallback


def test_fallback_keeps_the_route_of_the_country_row(table: DefaultValueTable):
    # Türkiye lists both clinkers as "–": the route chooses the Other-countries row.
    grey = table.lookup("25231000", "TR", route="A")
    white = table.lookup("25231000", "TR", route="B")
    assert (grey.total, grey.country_used, grey.route) == (Decimal("1.41"), "OTHER", "A")
    assert (white.total, white.country_used, white.route) == (Decimal("1.37"), "OTHER", "B")
    # Ukraine has grey clinker but "–" for white clinker.
    assert table.lookup("25231000", "UA", route="A").country_used == "UA"
    assert table.lookup("25231000", "UA", route="B").country_used == "OTHER"


def test_most_specific_row_wins(table: DefaultValueTable):
    # 7318 is a "see below" heading; 7318 15 (6 digits) answers for 7318 15 90.
    value = table.lookup("73181590", "CN")
    assert (value.row_cn, value.total) == ("731815", Decimal("6.375"))
    # An 8-digit row is preferred over its 4-digit heading.
    assert table.lookup("76101000", "CN").row_cn == "76101000"
    # A 10-digit TARIC code counts by its first 8 digits.
    assert table.lookup("7208100000", "CN").row_cn == "7208"


def test_heading_rows_never_answer(table: DefaultValueTable):
    # Only the "see below" heading 7318 covers 7318 99 99: no value anywhere.
    with pytest.raises(NoValueError, match="7318 99 99"):
        table.lookup("73189999", "CN")


def test_route_given_where_row_has_none_is_irrelevant(table: DefaultValueTable):
    value = table.lookup("25232900", "CN", route="A")
    assert value.route is None
    assert value.total == Decimal("1.42")


def test_route_errors(table: DefaultValueTable):
    with pytest.raises(InputError, match=r"\(B\) White clinker.*\(A\) Grey clinker") as info:
        table.lookup("25231000", "CN")
    assert info.value.field == "route"
    with pytest.raises(InputError, match=r"route \(E\).*available: \(C\)") as info:
        table.lookup("72081000", "CN", route="E")
    assert info.value.field == "route"
    with pytest.raises(InputError, match="not a production-route indicator"):
        table.lookup("72081000", "CN", route="Z9")


def test_country_errors(table: DefaultValueTable):
    with pytest.raises(UnknownCountryError):
        table.lookup("72081000", "QQ")
    with pytest.raises(UnknownCountryError):
        table.lookup("72081000", "China")
    with pytest.raises(InputError, match="EU member state") as info:
        table.lookup("72081000", "DE")
    assert info.value.field == "country"
    with pytest.raises(InputError, match="Annex III"):
        table.lookup("72081000", "CH")


def test_cn_errors(table: DefaultValueTable):
    with pytest.raises(UnknownCNCodeError):
        table.lookup("7208", "CN")
    with pytest.raises(UnknownCNCodeError):
        table.lookup("72O81000", "CN")
    with pytest.raises(NoValueError, match="7204 10 00"):
        table.lookup("72041000", "CN")  # scrap: no row anywhere


def test_placeholders_never_become_zero(table: DefaultValueTable):
    zero = Decimal(0)
    for row in table.rows:
        if row.total is None:
            assert row.total_text == "" or is_no_value(row.total_text) or row.kind == HEADING
        for value in (row.direct, row.indirect, row.total):
            if value == zero:
                # A real zero in the workbook (e.g. Albania grey clinker indirect "0").
                assert row.total is not None
    albania = table.lookup("25231000", "AL", route="A")
    assert albania.indirect == zero  # the workbook prints 0, not a placeholder
    hydrogen = table.lookup("28041000", "QA")
    assert hydrogen.indirect is None  # "N/(A" typo read as N/A, not as 0


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_lookup_invariants(table: DefaultValueTable, data: st.DataObject):
    """Any answering row: the value is the row's total, never a placeholder, and says where."""
    rows = [r for r in table.rows if r.kind == GOOD and len(r.cn) == 8]
    row = data.draw(st.sampled_from(rows))
    country = row.country if row.country != "OTHER" else "XK"
    year = data.draw(st.integers(min_value=2026, max_value=2040))
    route = row.routes[0] if row.routes else None
    try:
        value = table.lookup(row.cn, country, route=route)
    except InputError:
        return  # duplicate rows without indicators: asking for the route is correct
    assert value.total > 0 or value.total == 0
    if value.fallback is None:
        assert value.country_used == country
        assert value.location == f"sheet '{row.sheet}', row {row.row}" or row.routes == ()
    else:
        assert value.country_used == "OTHER"
    assert value.value_used(year) == value.total * (1 + value.markup(year))
    assert value.value_used(year) >= value.total


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(EU_MEMBER_STATES | EXEMPT_COUNTRIES)))
def test_eu_and_exempt_origins_are_refused(table: DefaultValueTable, iso: str):
    with pytest.raises(InputError, match="not CBAM imports"):
        table.lookup("72081000", iso)


# --------------------------------------------------------------------------------------------
# A workbook loaded at run time
# --------------------------------------------------------------------------------------------


def test_runtime_workbook_gives_the_same_lookups(
    table: DefaultValueTable, runtime_table: DefaultValueTable
):
    assert runtime_table.info.version == "v1"
    assert runtime_table.info.sha256 == table.info.sha256
    assert runtime_table.info.files == ()
    assert runtime_table.rows == table.rows
    cases = [
        ("25231000", "CN", "A"),
        ("72081000", "XK", None),
        ("72031000", "TW", None),
        ("76011000", "CN", None),
        ("31021090", "IN", None),
        ("28041000", "BR", None),
    ]
    for cn, country, route in cases:
        a = table.lookup(cn, country, route=route)
        b = runtime_table.lookup(cn, country, route=route)
        assert a.model_dump(exclude={"dataset"}) == b.model_dump(exclude={"dataset"})


def _minimal_workbook(path: Path, *, version_sheet: bool = True, bad_cell: object = 1.5) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Overview"
    if version_sheet:
        vh = wb.create_sheet("Version History")
        vh.append(["Version History - Annex I"])
        vh.append(["Version", "Date", "Version Notes"])
        vh.append([1, "2026-02-04", "Implementing Regulation (EU) 2025/2621"])
        vh.append([2, "2026-07-20", "Corrected by Implementing Regulation (EU) 2026/1740"])
    header = [
        "Product CN Code",
        "Description",
        "Default Value\n(direct emissions)",
        "Default Value\n(indirect emissions)",
        "Default Value\n(total emissions)",
        "2026\nDefault Value",
        "2027\nDefault Value",
        "2028 and onwards\nDefault Value",
        "Underlying production route determining CBAM BM",
    ]
    for name, total in (("China", bad_cell), (OTHER_SHEET, 2.0)):
        sheet = wb.create_sheet(name)
        sheet.append([name])
        sheet.append(header)
        sheet.append(["Cement", None, None, None, None, "10% mark-up"])
        sheet.append(["2523 29 00", "Grey Portland cement", 1.4, 0.1, total, None, None, None])
    wb.save(path)
    return path


def test_newer_workbook_names_its_version(tmp_path: Path):
    table = load_defaults_workbook(_minimal_workbook(tmp_path / "v2.xlsx"))
    assert table.info.version == "v2"
    assert table.info.version_date == "2026-07-20"
    assert table.info.legal_act == "IR 2026/1740 Annex I"
    value = table.lookup("25232900", "CN")
    assert value.total == Decimal("1.5")
    assert value.dataset.version == "v2"


def test_bad_workbooks_raise_input_errors(tmp_path: Path):
    with pytest.raises(InputError, match="file not found"):
        load_defaults_workbook(tmp_path / "missing.xlsx")
    not_xlsx = tmp_path / "notes.xlsx"
    not_xlsx.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InputError, match="not an Excel workbook") as info:
        load_defaults_workbook(not_xlsx)
    assert info.value.source == str(not_xlsx)
    with pytest.raises(InputError, match="Version History"):
        load_defaults_workbook(_minimal_workbook(tmp_path / "a.xlsx", version_sheet=False))
    with pytest.raises(InputError, match="expected a number") as info:
        load_defaults_workbook(_minimal_workbook(tmp_path / "b.xlsx", bad_cell="1,2,3"))
    assert info.value.location == "sheet 'China', cell E4"
    assert info.value.field == "total"


def test_electricity_default_reshapes_the_annex_iii_factor():
    pytest.importorskip("cbam.reference.factors")
    from cbam.reference.defaults import electricity_default

    value = electricity_default("2716 00 00", "TR")
    assert (value.total, value.direct, value.indirect) == (Decimal("0.718"), Decimal("0.718"), None)
    assert value.sector is Sector.ELECTRICITY
    assert value.value_used(2026) == Decimal("0.718")  # no mark-up on electricity
    assert value.dataset.legal_act == "IR 2025/2621 Annex III"
    unlisted = electricity_default("27160000", "CN")
    assert (unlisted.country_used, unlisted.total) == ("EU", Decimal("0.612"))
    assert unlisted.fallback is not None
    with pytest.raises(InputError, match="not a CBAM import"):
        electricity_default("27160000", "FR")
