"""QReport v23.00: build from samples, write, validate (lxml and xmlschema), read back, errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from cbam.declaration.declarant import load_declarant
from cbam.declaration.model import SupplierValue
from cbam.errors import InputError, NotACbamGoodError
from cbam.formats.imports import ImportLine
from cbam.formats.qreport import (
    OFFICIAL_XSD,
    QReportCodes,
    QReportInvalidError,
    QReportReader,
    build_qreport,
    parse_period,
    qreport_command,
    read_qreport,
    validate_command,
    validate_qreport,
    write_qreport,
)
from cbam.formats.qreport.build import fit
from cbam.formats.qreport.codes import CODELIST_DIR, check_code, load_codelists
from cbam.formats.qreport.model import (
    Declarant,
    DeclarantAddress,
    DirectEmissions,
    Measure,
    QReport,
)
from cbam.formats.qreport.validate import SCHEMA_DIR
from cbam.reference.manifest import dataset

from .qreport_helpers import ROOT, SAMPLES, good, header, report, sample_lines, xmlschema_errors

DECLARANT = SAMPLES / "declarant.json"


def _line(**changes: object) -> ImportLine:
    base = ImportLine(
        row=2,
        cn="25232900",
        country="EG",
        net_mass=Decimal("100"),
        year=2025,
        quarter=4,
        import_date=dt.date(2025, 11, 3),
        procedure="4000",
    )
    return base._replace(**changes)


@pytest.fixture(scope="module")
def sample_build() -> object:
    return build_qreport(sample_lines(), "2025Q4", load_declarant(DECLARANT), SAMPLES / "suppliers")


# --- shipped schema and code lists ---------------------------------------------------------


def test_shipped_xsd_is_the_official_file_unchanged(reference_dir: Path) -> None:
    official = reference_dir / "xsd" / "qreport-v23.00"
    for name in ("QReport_ver23.00.xsd", "stypes_ver23.00.xsd"):
        expected = hashlib.sha256((official / name).read_bytes()).hexdigest()
        for folder in (SCHEMA_DIR, ROOT / "schemas" / "qreport-v23.00"):
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == expected
            assert expected in (folder / "PROVENANCE.md").read_text(encoding="utf-8")


def test_code_lists_are_packaged_and_marked_unofficial(reference_dir: Path) -> None:
    lists = load_codelists()
    assert lists["Source_of_electricity"]["SOE03"] == "Received from the grid"
    assert lists["Reporting_Rule"]["TOM01"] == "Commission rules"
    for path in (reference_dir / "codelists-unofficial").glob("*.csv"):
        assert (CODELIST_DIR / path.name).read_bytes() == path.read_bytes()
    info = dataset("qreport_codelists")
    assert "UNOFFICIAL" in info.title
    assert len(info.files) == len(lists)


def test_code_check_notes_unknown_codes_only() -> None:
    lists = load_codelists()
    assert check_code("Role", "01", lists) is None  # numeric codes compare as numbers
    assert check_code("ImportArea", "EUOTH", lists) is None
    note = check_code("ImportArea", "XX", lists)
    assert note is not None and "unofficial" in note and "EU, EUOTH" in note
    assert check_code("Year", "anything", lists) is None


# --- periods -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("2025Q4", (2025, 4)), ("2023q4", (2023, 4)), ("2024-Q2", (2024, 2))]
)
def test_period(text: str, expected: tuple[int, int]) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2023Q3", "2026Q1", "2025", "Q4 2025", "2025Q5"])
def test_period_outside_transitional_or_malformed(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_period(text)
    assert info.value.field == "period"


# --- the sample report ---------------------------------------------------------------------


def test_sample_report_values(sample_build: object) -> None:
    built = sample_build
    assert built.lines == 300  # type: ignore[attr-defined]
    rep: QReport = built.report  # type: ignore[attr-defined]
    lines = sample_lines()
    keys = {(line.cn, line.country) for line in lines}
    assert len(rep.imported_good) == len(keys) == 30
    assert [g.item_number for g in rep.imported_good] == list(range(1, 31))
    total = sum((g.measure_imported.net_mass or Decimal(0) for g in rep.imported_good), Decimal(0))
    assert total == sum((line.net_mass for line in lines), Decimal(0))
    assert rep.reporting_period == "Q4" and rep.year == 2025
    assert rep.declarant.identification_number == "DE123456789012345"
    assert rep.declarant.actor_address.city == "Duisburg"
    # TW-FAST-001 screws 7318 15 42: actual values of the supplier file, rounded to 7 places
    screws = next(
        g
        for g in rep.imported_good
        if g.commodity_code is not None
        and g.commodity_code.cn_code == "73181542"
        and g.origin_country.country == "TW"
    )
    actual = [e for e in screws.goods_emissions if e.direct_emissions.determination_type == "01"]
    assert len(actual) == 1
    assert actual[0].direct_emissions.specific_embedded_emissions == Decimal("2.6939961")
    assert actual[0].produced_measure.net_mass == sum(
        (
            line.net_mass
            for line in lines
            if line.installation_id == "TW-FAST-001" and line.cn == "73181542"
        ),
        Decimal(0),
    )
    # EG cement 2523 29 00 on default values: IR 2025/2621 Egypt 1.24 direct, 0.05 indirect
    cement = next(
        g
        for g in rep.imported_good
        if g.commodity_code is not None
        and g.commodity_code.cn_code == "25232900"
        and g.origin_country.country == "EG"
    )
    emission = cement.goods_emissions[0]
    assert emission.direct_emissions.determination_type == "02"
    assert emission.direct_emissions.specific_embedded_emissions == Decimal("1.24")
    assert emission.indirect_emissions is not None
    assert emission.indirect_emissions.specific_embedded_emissions == Decimal("0.05")
    assert emission.indirect_emissions.electricity_source == "SOE03"
    remark = emission.remarks_emissions[0].additional_information
    assert "IR 2025/2621" in remark and "sheet 'Egypt'" in remark and "transitional" in remark
    assert built.goods_actual == 3 and built.goods_default == 30  # type: ignore[attr-defined]
    assert any("20 %" in note for note in built.notes)  # type: ignore[attr-defined]


def test_sample_electricity_good(sample_build: object) -> None:
    rep: QReport = sample_build.report  # type: ignore[attr-defined]
    power = next(
        g
        for g in rep.imported_good
        if g.commodity_code is not None
        and g.commodity_code.cn_code == "27160000"
        and g.origin_country.country == "UA"
    )
    direct = power.goods_emissions[0].direct_emissions
    assert direct.determination_type is None
    assert direct.determination_type_electricity == "02"
    assert direct.emission_factor == Decimal("0.907")
    assert direct.electricity_imported == Decimal("134.792")
    assert direct.total_embedded_electricity_imported == Decimal("134.792") * Decimal("0.907")
    assert direct.measurement_unit == "02"
    assert power.goods_emissions[0].indirect_emissions is None


def test_sample_report_is_valid_for_lxml_and_xmlschema(
    sample_build: object, tmp_path: Path
) -> None:
    target = tmp_path / "report.xml"
    written = write_qreport(sample_build.report, target)  # type: ignore[attr-defined]
    assert written.summary() == {"goods": 30, "valid": True, "path": str(target)}
    assert validate_qreport(target).valid
    assert xmlschema_errors(target) == []
    text = target.read_text(encoding="utf-8")
    assert "<SpecificEmbeddedEmissions>1.24</SpecificEmbeddedEmissions>" in text
    leaves = re.findall(r"<(\w+)>([^<]*)</\1>", text)
    assert len(leaves) > 500
    assert all(value == value.strip() and value for _tag, value in leaves)  # never padded


def test_round_trip_is_byte_exact(sample_build: object, tmp_path: Path) -> None:
    first = tmp_path / "a.xml"
    second = tmp_path / "b.xml"
    write_qreport(sample_build.report, first)  # type: ignore[attr-defined]
    back = read_qreport(first)
    assert back == sample_build.report  # type: ignore[attr-defined]
    write_qreport(back, second)
    assert first.read_bytes() == second.read_bytes()


def test_streaming_reader_and_header_goods_writer(tmp_path: Path) -> None:
    source = tmp_path / "a.xml"
    write_qreport(header(), source, (good(n) for n in range(1, 6)))
    reader = QReportReader(source)
    assert reader.header == header()
    numbers = [g.item_number for g in reader.goods()]
    assert numbers == [1, 2, 3, 4, 5]
    again = tmp_path / "b.xml"
    second = QReportReader(source)
    write_qreport(second.header, again, second.goods())
    assert again.read_bytes() == source.read_bytes()


def test_cli_functions(tmp_path: Path) -> None:
    imports = tmp_path / "imports.csv"
    imports.write_text(
        "cn_code,country,net_mass,import_date,installation_id,procedure\n"
        "25232900,TR,848.113,2025-10-01,TR-CEM-001,4000\n"
        "7318 15 42,CN,5.5,2025-12-31,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out" / "q.xml"
    summary = qreport_command(imports, "2025Q4", DECLARANT, out, suppliers=SAMPLES / "suppliers")
    assert summary["goods"] == 2 and summary["valid"] is True and summary["path"] == str(out)
    assert summary["goods_actual"] == 1 and summary["goods_default"] == 1
    assert any("no customs procedure" in n for n in summary["notes"])  # type: ignore[attr-defined]
    assert validate_command(out) == ({"valid": True, "errors": [], "error_count": 0}, 0)
    broken = tmp_path / "broken.xml"
    broken.write_text(
        out.read_text(encoding="utf-8").replace("<Year>2025</Year>", "<Year>x</Year>")
    )
    result, code = validate_command(broken)
    assert code == 1 and result["valid"] is False
    error = result["errors"][0]  # type: ignore[index]
    assert error["line"] == 4 and error["path"] == "/QReport/Year" and "Year" in error["message"]


def test_user_xsd(tmp_path: Path) -> None:
    target = tmp_path / "q.xml"
    write_qreport(report(), target, xsd=OFFICIAL_XSD)
    assert validate_qreport(target, xsd=OFFICIAL_XSD).valid
    with pytest.raises(InputError):
        validate_qreport(target, xsd=tmp_path / "missing.xsd")
    not_xsd = tmp_path / "x.xsd"
    not_xsd.write_text("<a/>", encoding="utf-8")
    with pytest.raises(InputError):
        validate_qreport(target, xsd=not_xsd)


# --- building: structure and errors --------------------------------------------------------


def test_qualifying_parameters_weighted_by_mass() -> None:
    lines = [
        _line(clinker_content=Decimal("0.9"), net_mass=Decimal("100")),
        _line(row=3, clinker_content=Decimal("0.6"), net_mass=Decimal("50")),
    ]
    built = build_qreport(lines, "2025Q4", load_declarant(DECLARANT))
    params = built.report.imported_good[0].goods_emissions[0].prod_method_qualifying_params
    assert params is not None and params.method_id == "P03"
    parameter = params.direct_qualifying_parameters[0]
    assert parameter.parameter_id == "QPD02" and parameter.parameter_value == "0.8"


def test_procedures_split_beyond_nine() -> None:
    lines = [_line(row=n, procedure=f"{40 + n}00") for n in range(2, 14)]  # 12 procedures
    built = build_qreport(lines, "2025Q4", load_declarant(DECLARANT))
    goods = built.report.imported_good
    assert [len(g.imported_quantity) for g in goods] == [9, 3]
    assert [g.item_number for g in goods] == [1, 2]
    assert sum((g.measure_imported.net_mass or Decimal(0) for g in goods), Decimal(0)) == 1200


def test_line_outside_the_quarter() -> None:
    with pytest.raises(InputError) as info:
        build_qreport(
            [_line(row=7, quarter=3)], "2025Q4", load_declarant(DECLARANT), source="x.csv"
        )
    assert info.value.location == "row 7" and info.value.source == "x.csv"
    assert "2025Q3" in info.value.reason


def test_eu_origin_and_non_cbam_goods() -> None:
    with pytest.raises(InputError) as info:
        build_qreport([_line(country="FR")], "2025Q4", load_declarant(DECLARANT))
    assert info.value.field == "country"
    with pytest.raises(NotACbamGoodError):
        build_qreport([_line(cn="72044100")], "2025Q4", load_declarant(DECLARANT))


def test_defaults_none_requires_supplier_values() -> None:
    with pytest.raises(InputError) as info:
        build_qreport(
            [_line(installation_id="NOPE")], "2025Q4", load_declarant(DECLARANT), defaults="none"
        )
    assert "defaults='none'" in info.value.reason and info.value.location == "row 2"
    supplier = SupplierValue(
        installation_id="EG-1",
        cn_codes=("25232900",),
        see_direct=Decimal("0.123456789"),
        see_indirect=Decimal("0.01"),
        source="eg.json",
    )
    built = build_qreport(
        [_line(installation_id="EG-1")],
        "2025Q4",
        load_declarant(DECLARANT),
        [supplier],
        defaults="none",
    )
    direct = built.report.imported_good[0].goods_emissions[0].direct_emissions
    assert direct.specific_embedded_emissions == Decimal("0.1234568")  # half-up, 7 places


def test_bad_procedure_and_no_lines() -> None:
    with pytest.raises(InputError) as info:
        build_qreport([_line(procedure="4-0")], "2025Q4", load_declarant(DECLARANT))
    assert info.value.field == "procedure"
    with pytest.raises(InputError):
        build_qreport([], "2025Q4", load_declarant(DECLARANT))


def test_unknown_codes_become_notes() -> None:
    built = build_qreport(
        [_line()], "2025Q4", load_declarant(DECLARANT), codes=QReportCodes(import_area="ZZ")
    )
    assert any("ImportArea code 'ZZ'" in note for note in built.notes)


def test_fit_rounds_half_up_only_when_needed() -> None:
    assert fit(Decimal("1.50"), 16, 6, "x") == Decimal("1.50")
    assert str(fit(Decimal("0.12345675"), 16, 7, "x")) == "0.1234568"
    with pytest.raises(InputError):
        fit(Decimal("1234567890.12345678"), 16, 7, "x")  # 17 digits once rounded


# --- models --------------------------------------------------------------------------------


def test_model_formats() -> None:
    with pytest.raises(ValidationError):
        DeclarantAddress(city="x" * 36)
    with pytest.raises(ValidationError):
        DeclarantAddress(city="   ")
    with pytest.raises(ValidationError):
        DeclarantAddress(city="a\x00b")
    with pytest.raises(ValidationError):
        Measure(net_mass=1.5, measurement_unit="01")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Measure(net_mass=Decimal("1.1234567"), measurement_unit="01")  # 7 decimals > 6
    with pytest.raises(ValidationError):
        Measure(net_mass=Decimal("12345678901.123456"), measurement_unit="01")  # 17 > 16
    with pytest.raises(ValidationError):
        DirectEmissions(applicable_reporting_type_methodology="TOM001", measurement_unit="01")
    with pytest.raises(ValidationError):
        Declarant(
            identification_number="DE1",
            name="n",
            role="1",
            actor_address=DeclarantAddress(city="c"),
            extra="x",  # type: ignore[call-arg]
        )
    with pytest.raises(ValidationError):
        header(submission_date=dt.datetime(2025, 1, 1, 12, 0))  # naive: no time zone


def test_submission_date_written_in_utc_with_z(tmp_path: Path) -> None:
    when = dt.datetime(2026, 1, 31, 23, 30, 15, 999, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    target = tmp_path / "q.xml"
    data = {name: getattr(report(), name) for name in QReport.model_fields}
    write_qreport(QReport.model_validate({**data, "submission_date": when}), target)
    assert "<SubmissionDate>2026-01-31T21:30:15Z</SubmissionDate>" in target.read_text()


# --- writing refuses invalid reports -------------------------------------------------------


def test_invalid_report_writes_nothing(tmp_path: Path) -> None:
    data = {name: getattr(report(), name) for name in QReport.model_fields}
    data["reporting_period"] = "Q"  # bypass the model: only the XSD catches it
    broken = QReport.model_construct(**data)
    target = tmp_path / "q.xml"
    with pytest.raises(QReportInvalidError) as info:
        write_qreport(broken, target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind either
    issue = info.value.result.errors[0]
    assert issue.path == "/QReport/ReportingPeriod" and issue.line == 3


def test_no_goods_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        write_qreport(header(), tmp_path / "q.xml", [])
    assert list(tmp_path.iterdir()) == []


def test_all_errors_listed_with_lines(tmp_path: Path) -> None:
    target = tmp_path / "q.xml"
    write_qreport(report(3), target)
    text = target.read_text(encoding="utf-8")
    text = text.replace("<Country>EG</Country>", "<Country>EGY</Country>")
    broken = tmp_path / "broken.xml"
    broken.write_text(text, encoding="utf-8")
    result = validate_qreport(broken)
    assert not result.valid
    assert len(result.errors) == 3
    assert [e.path for e in result.errors] == [
        f"/QReport/ImportedGood[{n}]/OriginCountry/Country" for n in (1, 2, 3)
    ]
    assert len({e.line for e in result.errors}) == 3


# --- hostile files -------------------------------------------------------------------------

XXE = """<?xml version="1.0"?>
<!DOCTYPE QReport [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<QReport xmlns="http://xmlns.ec.eu/BusinessObjects/CBAM/Types/V1"><Remarks>&secret;</Remarks></QReport>
"""
REMOTE = """<?xml version="1.0"?>
<!DOCTYPE QReport SYSTEM "http://198.51.100.1/evil.dtd">
<QReport xmlns="http://xmlns.ec.eu/BusinessObjects/CBAM/Types/V1"/>
"""
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
        for n in range(1, 10)
    )
    + ']>\n<QReport xmlns="http://xmlns.ec.eu/BusinessObjects/CBAM/Types/V1">&lol9;</QReport>\n'
)


@pytest.mark.parametrize("payload", [XXE, REMOTE, LAUGHS], ids=["xxe", "remote-dtd", "laughs"])
def test_hostile_files_are_invalid_at_once(tmp_path: Path, payload: str) -> None:
    target = tmp_path / "evil.xml"
    target.write_text(payload, encoding="utf-8")
    result = validate_qreport(target)
    assert not result.valid
    assert "DTD" in result.errors[0].message
    assert result.errors[0].line == 2
    assert "root:" not in result.model_dump_json()  # /etc/passwd was never read
    with pytest.raises(InputError) as info:
        read_qreport(target)
    assert "DTD" in info.value.reason
    summary, code = validate_command(target)
    assert code == 1 and summary["valid"] is False


def test_size_limit_and_non_xml(tmp_path: Path) -> None:
    target = tmp_path / "q.xml"
    write_qreport(report(), target)
    result = validate_qreport(target, max_bytes=100)
    assert not result.valid and "limit of 100" in result.errors[0].message
    utf16 = tmp_path / "u16.xml"
    utf16.write_bytes(target.read_text(encoding="utf-8").encode("utf-16"))
    assert not validate_qreport(utf16).valid
    garbage = tmp_path / "g.xml"
    garbage.write_text("hello", encoding="utf-8")
    assert not validate_qreport(garbage).valid
    truncated = tmp_path / "t.xml"
    truncated.write_bytes(target.read_bytes()[:-40])
    result = validate_qreport(truncated)
    assert not result.valid and result.errors[0].line is not None
    with pytest.raises(InputError) as info:
        read_qreport(truncated)
    assert "well-formed" in info.value.reason
    with pytest.raises(InputError):
        validate_qreport(tmp_path / "missing.xml")


def test_reader_errors_name_line_and_element(tmp_path: Path) -> None:
    target = tmp_path / "q.xml"
    write_qreport(report(), target)
    text = target.read_text(encoding="utf-8")
    bad = tmp_path / "bad.xml"
    bad.write_text(text.replace("<Year>2025</Year>", "<Year>2025</Year><Bogus>1</Bogus>"))
    with pytest.raises(InputError) as info:
        read_qreport(bad)
    assert info.value.field == "Bogus" and "line 4" in (info.value.location or "")
    bad.write_text(text.replace("<NetMass>12.5</NetMass>", "<NetMass>abc</NetMass>", 1))
    with pytest.raises(InputError) as info:
        read_qreport(bad)
    assert info.value.field == "NetMass" and "ImportedGood" in (info.value.location or "")
    bad.write_text(text.replace("QReport xmlns", "Other xmlns").replace("</QReport>", "</Other>"))
    with pytest.raises(InputError) as info:
        read_qreport(bad)
    assert "root element" in info.value.reason


def test_installations_side_file(tmp_path: Path, samples_dir: Path) -> None:
    """``--installations``: addresses and operators reach the report, and it still validates."""
    from cbam.cli import main

    lines = tmp_path / "q4.csv"
    lines.write_text(
        "cn_code,country,net_mass,import_date,installation_id\n"
        "73181542,TW,12.5,2025-11-03,TW-FAST-001\n"
        "25232900,TR,300,2025-12-01,TR-CEM-001\n",
        encoding="utf-8",
    )
    out = tmp_path / "report.xml"
    code = main(
        [
            "qreport",
            str(lines),
            "--period",
            "2025Q4",
            "--declarant",
            str(samples_dir / "declarant.json"),
            "--suppliers",
            str(samples_dir / "suppliers"),
            "--installations",
            str(samples_dir / "installations-qreport.json"),
            "-o",
            str(out),
        ]
    )
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "<OperatorName>Formosa Precision Fasteners Co., Ltd.</OperatorName>" in text
    assert "<InstallationName>Anatolia Cement, Kiln 2 and grinding</InstallationName>" in text
    assert validate_qreport(out).valid


def test_installations_side_file_errors_name_the_path(tmp_path: Path) -> None:
    from cbam.formats.qreport import load_installations

    bad = tmp_path / "installations.json"
    bad.write_text('{"X-1": {"operator": {"operator_id": "1"}}}', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_installations(bad)
    assert caught.value.location is not None and caught.value.location.startswith("X-1.")
    bad.write_text('{"X-1": {"installation": {}, "colour": 1}}', encoding="utf-8")
    with pytest.raises(InputError, match="colour"):
        load_installations(bad)
    bad.write_text("[1]", encoding="utf-8")
    with pytest.raises(InputError, match="keyed by installation id"):
        load_installations(bad)
