"""The goods catalogue (cbam.goods) and its converter (cbam.reference.convert_cn_codes)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cbam import goods
from cbam.errors import InputError, NotACbamGoodError, ReferenceDataError, UnknownCNCodeError
from cbam.goods import (
    AggregatedCategory,
    Good,
    all_goods,
    annex_i_category,
    categories,
    category,
    counts_indirect,
    good,
    is_cbam_good,
    load_catalogue,
)
from cbam.reference.convert_cn_codes import convert_cn_codes, read_cn_codes
from cbam.reference.manifest import DATA_DIR, dataset, sha256_file
from cbam.rules import Sector

TEMPLATE = "xlsx/communication-template-v2.1.1-blank.xlsx"

# methodology.md 2.1: counts per template category (alloys split into FeMn/FeCr/FeNi here),
# plus the three CN 2025 urea codes of IR 2025/2620 and IR 2025/2621 (Urea 2 -> 5).
EXPECTED_COUNTS = {
    "Iron or steel products": 421,
    "Aluminium products": 53,
    "Crude steel": 38,
    "Mixed fertilisers": 20,
    "Pig iron": 7,
    "Unwrought aluminium": 5,
    "Cement": 3,
    "Ammonia": 2,
    "Urea": 5,
    "DRI": 2,
    "Calcined clay": 1,
    "Cement clinker": 1,
    "Aluminous cement": 1,
    "Sintered ore": 1,
    "Hydrogen": 1,
    "Nitric acid": 1,
    "Electricity": 1,
    "FeMn": 3,
    "FeCr": 5,
    "FeNi": 1,
}


# --- catalogue contents ---------------------------------------------------------------------


def test_catalogue_has_569_template_codes_and_3_cn_2025_codes() -> None:
    catalogue = all_goods()
    assert len(catalogue) == 572
    assert len({g.cn for g in catalogue}) == 572
    added = [g.cn for g in catalogue if g.source != "template v2.1.1"]
    assert added == ["31021012", "31021015", "31021019"]
    assert good("31021010").scope_note is not None
    assert "3102 10 12" in (good("31021010").scope_note or "")
    counts = Counter(g.category.name for g in catalogue)
    assert dict(counts) == EXPECTED_COUNTS
    # the template's single "Alloys" category holds 9 codes
    assert counts["FeMn"] + counts["FeCr"] + counts["FeNi"] == 9


def test_catalogue_is_sorted_and_every_code_agrees_with_annex_i() -> None:
    codes = [g.cn for g in all_goods()]
    assert codes == sorted(codes)
    for g in all_goods():
        assert annex_i_category(g.cn) == g.category
        assert g.description


@pytest.mark.parametrize(
    ("cn", "name", "sector", "direct_only", "unit"),
    [
        ("25070080", "Calcined clay", Sector.CEMENT, False, "t"),
        ("25231000", "Cement clinker", Sector.CEMENT, False, "t clinker contained"),
        ("25232100", "Cement", Sector.CEMENT, False, "t clinker contained"),
        ("25232900", "Cement", Sector.CEMENT, False, "t clinker contained"),
        ("25239000", "Cement", Sector.CEMENT, False, "t clinker contained"),
        ("25233000", "Aluminous cement", Sector.CEMENT, False, "t"),
        ("27160000", "Electricity", Sector.ELECTRICITY, True, "MWh"),
        ("28041000", "Hydrogen", Sector.HYDROGEN, True, "t"),
        ("28080000", "Nitric acid", Sector.FERTILISERS, False, "kg N contained"),
        ("28141000", "Ammonia", Sector.FERTILISERS, False, "kg N contained"),
        ("28142000", "Ammonia", Sector.FERTILISERS, False, "kg N contained"),
        ("28342100", "Mixed fertilisers", Sector.FERTILISERS, False, "t"),
        ("31021010", "Urea", Sector.FERTILISERS, False, "kg N contained"),
        ("31023010", "Mixed fertilisers", Sector.FERTILISERS, False, "kg N contained"),
        ("31052010", "Mixed fertilisers", Sector.FERTILISERS, False, "kg N contained"),
        ("26011200", "Sintered ore", Sector.IRON_STEEL, False, "t"),
        ("72011011", "Pig iron", Sector.IRON_STEEL, True, "t"),
        ("72021120", "FeMn", Sector.IRON_STEEL, True, "t"),
        ("72021900", "FeMn", Sector.IRON_STEEL, True, "t"),
        ("72024110", "FeCr", Sector.IRON_STEEL, True, "t"),
        ("72024990", "FeCr", Sector.IRON_STEEL, True, "t"),
        ("72026000", "FeNi", Sector.IRON_STEEL, True, "t"),
        ("72031000", "DRI", Sector.IRON_STEEL, True, "t"),
        ("72051000", "Iron or steel products", Sector.IRON_STEEL, True, "t"),
        ("72061000", "Crude steel", Sector.IRON_STEEL, True, "t"),
        ("72189911", "Crude steel", Sector.IRON_STEEL, True, "t"),
        ("72249090", "Crude steel", Sector.IRON_STEEL, True, "t"),
        ("72081000", "Iron or steel products", Sector.IRON_STEEL, True, "t"),
        ("73181542", "Iron or steel products", Sector.IRON_STEEL, True, "t"),
        ("76011010", "Unwrought aluminium", Sector.ALUMINIUM, True, "t"),
        ("76061130", "Aluminium products", Sector.ALUMINIUM, True, "t"),
    ],
)
def test_good_category_sector_direct_only_unit(
    cn: str, name: str, sector: Sector, direct_only: bool, unit: str
) -> None:
    g = good(cn)
    assert g.cn == cn
    assert g.category.name == name
    assert g.sector is sector
    assert g.direct_only is direct_only
    assert g.functional_unit == unit


def test_good_accepts_spaced_dotted_taric_and_int() -> None:
    expected = good("72081000")
    assert good("7208 10 00") == expected
    assert good("7208.10.00") == expected
    assert good("7208100000") == expected
    assert good(72081000) == expected
    assert expected.description.startswith("Flat-rolled products of iron or non-alloy steel")
    assert expected.template_category == "Iron or steel products"


def test_kaolinic_clay_is_an_ex_code() -> None:
    clay = good("2507 00 80")
    assert clay.scope_note is not None and "non-calcined" in clay.scope_note
    assert good("25070080", calcined=True) == clay
    with pytest.raises(NotACbamGoodError, match=r"non-calcined kaolinic clay.*2025/2083"):
        good("25070080", calcined=False)
    with pytest.raises(InputError, match="only applies to kaolinic clay") as info:
        good("72081000", calcined=True)
    assert info.value.field == "calcined"


def test_ammonia_counts_indirect_despite_the_template_flag() -> None:
    # methodology.md 1.8: the template says FALSE; Annex II does not list 2814.
    assert good("28141000").direct_only is False
    assert counts_indirect("ammonia") is True


# --- exclusions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cn", "what"),
    [
        ("72041000", "ferrous waste and scrap"),
        ("72044910", "ferrous waste and scrap"),
        ("72022100", "ferro-silicon"),
        ("72022990", "ferro-silicon"),
        ("72023000", "ferro-silico-manganese"),
        ("72025000", "ferro-silico-chromium"),
        ("72027000", "ferro-molybdenum"),
        ("72028000", "ferro-tungsten"),
        ("72029100", "ferro-titanium"),
        ("72029200", "ferro-vanadium"),
        ("72029300", "ferro-niobium"),
        ("72029910", "ferro-phosphorus"),
        ("72029930", "ferro-phosphorus, ferro-silico-magnesium"),
        ("72029980", "other ferro-alloy"),
    ],
)
def test_chapter_72_exclusions(cn: str, what: str) -> None:
    with pytest.raises(NotACbamGoodError) as info:
        good(cn)
    message = str(info.value)
    assert what in message
    assert "exceptions to chapter 72" in message
    assert "Reg. (EU) 2023/956 Annex I" in message
    assert info.value.field == "cn"
    assert not is_cbam_good(cn)


def test_other_exclusions() -> None:
    with pytest.raises(NotACbamGoodError, match=r"phosphorus and potassium only.*heading 3105"):
        good("3105 60 00")
    with pytest.raises(NotACbamGoodError, match=r"aluminium waste and scrap.*7602"):
        good("7602 00 19")


@pytest.mark.parametrize("cn", ["84011000", "76151010", "73121020", "25070020", "28041000" + "00"])
def test_unlisted_codes(cn: str) -> None:
    if cn.startswith("2804"):  # hydrogen as a 10-digit TARIC code is a good
        assert is_cbam_good(cn)
        return
    with pytest.raises(NotACbamGoodError, match=r"not listed in Annex I of Reg. \(EU\) 2023/956"):
        good(cn)


def test_code_under_annex_i_heading_but_not_in_catalogue() -> None:
    with pytest.raises(UnknownCNCodeError, match="not an 8-digit code of the goods catalogue"):
        good("72081099")


@pytest.mark.parametrize("bad", ["", "7208", "72O81000", "720810001"])
def test_malformed_codes(bad: str) -> None:
    with pytest.raises(UnknownCNCodeError):
        good(bad)
    assert is_cbam_good(bad) is False


# --- categories -----------------------------------------------------------------------------


def test_twenty_categories_with_unique_names() -> None:
    names = [c.name for c in categories()]
    assert len(names) == 20 == len(set(names))
    for c in categories():
        for precursor in c.precursors:
            assert category(precursor).name == precursor


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("crude steel", "Crude steel"),
        ("iron or steel products", "Iron or steel products"),
        ("cement clinker", "Cement clinker"),
        ("cement", "Cement"),
        ("hydrogen", "Hydrogen"),
        ("ammonia", "Ammonia"),
        ("nitric acid", "Nitric acid"),
        ("urea", "Urea"),
        ("mixed fertilisers", "Mixed fertilisers"),
        ("unwrought aluminium", "Unwrought aluminium"),
        ("aluminium products", "Aluminium products"),
        ("pig iron", "Pig iron"),
        ("DRI", "DRI"),
        ("dri", "DRI"),
        ("Direct reduced iron", "DRI"),
        ("ferro-manganese", "FeMn"),
        ("ferro-chromium", "FeCr"),
        ("ferro-nickel", "FeNi"),
        ("FEMN", "FeMn"),
        ("sintered ore", "Sintered ore"),
        ("Sintered Ore", "Sintered ore"),
        ("calcined clay", "Calcined clay"),
        ("Calcined clays ", "Calcined clay"),
        ("aluminous cement", "Aluminous cement"),
        ("electricity", "Electricity"),
        ("Electricity (export to EU)", "Electricity"),
        ("  Crude   Steel ", "Crude steel"),
        ("7208 10 00", "Iron or steel products"),
        ("72026000", "FeNi"),
    ],
)
def test_category_spellings(spelling: str, name: str) -> None:
    assert category(spelling).name == name


def test_category_passes_a_category_through_and_accepts_int_codes() -> None:
    steel = category("crude steel")
    assert category(steel) is steel
    assert category(72061000) == steel


def test_category_errors() -> None:
    with pytest.raises(InputError, match="unknown goods category 'steel'") as info:
        category("steel")
    assert "Crude steel" in str(info.value) and "Electricity" in str(info.value)
    assert info.value.field == "good"
    with pytest.raises(InputError, match="FeMn, FeCr or FeNi"):
        category("Alloys (FeMn, FeCr, FeNi)")
    with pytest.raises(NotACbamGoodError):
        category("7204 10 00")


def test_template_spellings_round_trip() -> None:
    for c in categories():
        if c.name in ("FeMn", "FeCr", "FeNi"):
            continue
        assert category(c.template_name) == c


def test_direct_only_follows_annex_ii() -> None:
    direct = {c.name for c in categories() if c.direct_only}
    assert direct == {
        "Hydrogen",
        "Pig iron",
        "FeMn",
        "FeCr",
        "FeNi",
        "DRI",
        "Crude steel",
        "Iron or steel products",
        "Unwrought aluminium",
        "Aluminium products",
        "Electricity",
    }


def test_simple_goods_have_no_precursors() -> None:
    simple = {c.name for c in categories() if c.is_simple}
    assert simple == {
        "Calcined clay",
        "Cement clinker",
        "Aluminous cement",
        "Sintered ore",
        "Hydrogen",
        "Electricity",
    }
    assert category("cement").precursors == ("Cement clinker", "Calcined clay")


# --- indirect emissions (IR 2025/2547 Annex I pt 3.1) ---------------------------------------


def test_counts_indirect_own_emissions() -> None:
    assert counts_indirect("cement") is True
    assert counts_indirect("sintered ore") is True
    assert counts_indirect("urea") is True
    assert counts_indirect("crude steel") is False
    assert counts_indirect(good("76011010")) is False
    assert counts_indirect("hydrogen") is False
    assert counts_indirect("electricity") is False


@pytest.mark.parametrize(
    ("precursor", "complex_good", "counts"),
    [
        # pt 3.1, first sentence: an Annex II complex good includes the indirect emissions of a
        # precursor not listed in Annex II.
        ("sintered ore", "pig iron", True),
        # pt 3.1, second sentence: a complex good not in Annex II leaves out those of a listed
        # precursor (hydrogen 2804 10 00 is in Annex II, ammonia 2814 is not).
        ("hydrogen", "ammonia", False),
        ("2804 10 00", "2814 10 00", False),
        # Neither sentence applies: the general rule of pt 3.1 (embedded emissions of precursors
        # within the system boundary) keeps what counts for the precursor.
        ("pig iron", "crude steel", True),  # both in Annex II
        ("crude steel", "iron or steel products", True),  # both in Annex II
        ("ammonia", "urea", True),  # neither in Annex II
        ("cement clinker", "cement", True),  # neither in Annex II
    ],
)
def test_counts_indirect_cross_rule(precursor: str, complex_good: str, counts: bool) -> None:
    assert counts_indirect(precursor, precursor_of=complex_good) is counts
    assert counts_indirect(category(precursor), precursor_of=category(complex_good)) is counts


def test_counts_indirect_names_an_unknown_good() -> None:
    with pytest.raises(InputError) as err:
        counts_indirect("hydrogen", precursor_of="plastics")
    assert err.value.field == "good" and "'plastics'" in err.value.reason


@given(st.sampled_from(categories()), st.sampled_from(categories()))
def test_counts_indirect_excludes_only_annex_ii_precursors_of_other_goods(
    precursor: AggregatedCategory, complex_good: AggregatedCategory
) -> None:
    excluded = precursor.direct_only and not complex_good.direct_only
    assert counts_indirect(precursor, precursor_of=complex_good) is (not excluded)


@given(st.sampled_from(all_goods()))
def test_every_good_round_trips_through_its_formats(g: Good) -> None:
    spaced = f"{g.cn[:4]} {g.cn[4:6]} {g.cn[6:]}"
    assert good(spaced) == g
    assert good(g.cn + "00") == g
    assert category(g.cn) == g.category
    assert is_cbam_good(g.cn)


@given(st.integers(min_value=0, max_value=99_999_999))
def test_any_8_digit_code_is_a_good_or_raises_an_input_error(number: int) -> None:
    code = f"{number:08d}"
    try:
        g = good(code)
    except (NotACbamGoodError, UnknownCNCodeError):
        assert not is_cbam_good(code)
    else:
        assert g.cn == code


# --- converter and packaged file --------------------------------------------------------------


def test_converter_reproduces_packaged_file(reference_dir: Path, tmp_path: Path) -> None:
    info = convert_cn_codes(reference_dir / TEMPLATE, tmp_path)
    assert (tmp_path / "cn_codes.csv").read_bytes() == (DATA_DIR / "cn_codes.csv").read_bytes()
    assert info == dataset("cn_codes")
    assert info.version == "v2.1.1"
    assert info.version_date == "2024-12-13"
    assert info.files == ("cn_codes.csv",)
    assert "2025/2083" in info.legal_act


def test_manifest_sha256_matches_template(reference_dir: Path) -> None:
    info = dataset("cn_codes")
    assert info.source_file == Path(TEMPLATE).name
    assert info.sha256 == sha256_file(reference_dir / TEMPLATE)


def test_template_rows(reference_dir: Path) -> None:
    rows = read_cn_codes(reference_dir / TEMPLATE)
    assert len(rows) == 569
    by_cn = {row[0]: row for row in rows}
    assert by_cn["25070080"][3] == "Calcined clays "
    assert by_cn["72026000"][2:] == ("FeNi", "Alloys (FeMn, FeCr, FeNi)", "template v2.1.1")
    assert by_cn["27160000"][1] == "Electrical energy"


def _mini_template(tmp_path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A workbook with the two sheets the converter reads, laid out like the template."""
    import datetime as dt

    import openpyxl

    workbook = openpyxl.Workbook()
    versions = workbook.active
    assert versions is not None
    versions.title = "0_Versions"
    versions.append([None, None, None, None, "Version", "Date", "Description"])
    versions.append([None, None, None, None, "2.1.1", dt.datetime(2024, 12, 13), "x"])
    sheet = workbook.create_sheet("Parameters_CNCodes")
    sheet.append(["ausblenden"])
    sheet.append(["ausblenden", None, "CNCodes_ListNames"])
    sheet.append(["CNKEY", "CODE_EN", "SELFTEXT", "CODE_EN", "CBAM good", "Numbering"])
    for spaced, description, code, template_category in rows:
        sheet.append([code + "0080", spaced, description, code, template_category, "1_x"])
    path = tmp_path / "template.xlsx"
    workbook.save(path)
    return path


CLINKER = ("2523 10 00", "Cement clinkers", "25231000", "Cement clinker")


def test_converter_on_a_minimal_template(tmp_path: Path) -> None:
    alloy = ("7202 49 10", "Ferro-chromium", "72024910", "Alloys (FeMn, FeCr, FeNi)")
    source = _mini_template(tmp_path, [alloy, CLINKER])
    out = tmp_path / "out"
    info = convert_cn_codes(source, out)
    lines = (out / "cn_codes.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "cn,description,category,template_category,source"
    assert lines[1] == "25231000,Cement clinkers,Cement clinker,Cement clinker,template v2.1.1"
    assert [line[:8] for line in lines[2:5]] == ["31021012", "31021015", "31021019"]
    assert lines[2].endswith(",Urea,Urea,IR 2025/2620 Annex; IR 2025/2621 Annex I (CN 2025 codes)")
    assert lines[5] == ('72024910,Ferro-chromium,FeCr,"Alloys (FeMn, FeCr, FeNi)",template v2.1.1')
    assert len(lines) == 6
    assert (info.version, info.version_date) == ("v2.1.1", "2024-12-13")
    assert '"cn_codes"' in (out / "manifest.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("2523 10 00", "x", "25231000", "Crude steel"), "Annex I gives 'Cement clinker'"),
        (("7204 10 00", "x", "72041000", "Crude steel"), "ferrous waste and scrap"),
        (("2523 29 00", "x", "25231000", "Cement clinker"), "differs from 25231000"),
        (("2523 10 00", "x", "25231000", "Plastics"), "unknown 'CBAM good' category 'Plastics'"),
        (("2523 10", "x", "252310", "Cement clinker"), "has 6 digits"),
    ],
)
def test_converter_rejects_bad_rows(
    tmp_path: Path, row: tuple[str, str, str, str], message: str
) -> None:
    source = _mini_template(tmp_path, [row])
    with pytest.raises(ReferenceDataError, match=message) as info:
        read_cn_codes(source)
    assert info.value.location == "sheet 'Parameters_CNCodes', row 4"
    assert info.value.source == "template.xlsx"


def test_converter_rejects_duplicates(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="listed twice"):
        read_cn_codes(_mini_template(tmp_path, [CLINKER, CLINKER]))


def _edited(tmp_path: Path, edit: str) -> Path:
    import openpyxl

    source = _mini_template(tmp_path, [CLINKER])
    workbook = openpyxl.load_workbook(source)
    if edit == "header":
        workbook["Parameters_CNCodes"]["E3"] = "Category"
    elif edit == "versions":
        del workbook["0_Versions"]
    elif edit == "version rows":
        workbook["0_Versions"]["F2"] = "no date"
    else:
        workbook["Parameters_CNCodes"].title = "Other"
    workbook.save(source)
    return source


def test_converter_rejects_missing_parts(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="no header row"):
        read_cn_codes(_edited(tmp_path, "header"))
    with pytest.raises(ReferenceDataError, match="'0_Versions' is missing"):
        convert_cn_codes(_edited(tmp_path, "versions"), tmp_path / "out")
    with pytest.raises(ReferenceDataError, match="no version row"):
        convert_cn_codes(_edited(tmp_path, "version rows"), tmp_path / "out")
    with pytest.raises(ReferenceDataError, match="'Parameters_CNCodes' is missing"):
        read_cn_codes(_edited(tmp_path, "sheet"))


# --- damaged packaged file ------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_load_catalogue_errors(tmp_path: Path) -> None:
    header = "cn,description,category,template_category,source\n"
    with pytest.raises(ReferenceDataError, match="not packaged"):
        load_catalogue(tmp_path / "missing.csv")
    with pytest.raises(ReferenceDataError, match="expected columns"):
        load_catalogue(_write(tmp_path / "a.csv", "code,description\n"))
    with pytest.raises(ReferenceDataError, match="row 2") as info:
        load_catalogue(_write(tmp_path / "b.csv", header + "72081000,x,Crude steel,x,t\n"))
    assert info.value.field == "category"
    with pytest.raises(ReferenceDataError, match="row 2"):
        load_catalogue(_write(tmp_path / "c.csv", header + "72041000,x,Crude steel,x,t\n"))
    with pytest.raises(ReferenceDataError, match="appears twice"):
        load_catalogue(
            _write(
                tmp_path / "d.csv",
                header + "72081000,x,Iron or steel products,x,t\n" * 2,
            )
        )
    good_file = _write(tmp_path / "e.csv", header + "72081000,x,Iron or steel products,y,t\n")
    assert load_catalogue(good_file)["72081000"].template_category == "y"


def test_catalogue_dataset() -> None:
    assert goods.catalogue_dataset().id == "cn_codes"
