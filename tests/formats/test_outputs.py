"""The importer's output files: declaration.json / .xml, lines.csv and report.xlsx.

Most tests run on an Assessment built by hand from a few LineResults (so that the formats are
tested whatever the reference lookups do); the last group runs the real ``assess()``.
"""

from __future__ import annotations

import csv
import dataclasses
import filecmp
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from cbam.declaration.audit import AuditStep
from cbam.declaration.certificates import round_eur, round_figure, round_tonnes
from cbam.declaration.model import (
    Assessment,
    DeMinimis,
    GoodResult,
    LineResult,
    QuarterHolding,
    Totals,
    ValuationTrail,
    YearCost,
)
from cbam.declaration.rounding import rounded
from cbam.errors import InputError
from cbam.formats.declaration_files import (
    NAMESPACE,
    SCHEMA_PATH,
    DeclarationCheck,
    read_declaration_json,
    read_declaration_xml,
    validate_declaration_xml,
    write_declaration_json,
    write_declaration_xml,
)
from cbam.formats.declaration_files import (
    _xml_attribute as xml_attribute,
)
from cbam.formats.declaration_files import (
    _xml_text as xml_text,
)
from cbam.formats.lines import COLUMNS, LinesCsvWriter, read_lines_csv, read_lines_fields
from cbam.formats.workbook import LINE_COLUMNS, write_report_xlsx
from tests.verified import VERIFIED_2026

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
ZERO = D(0)
NS = {"d": NAMESPACE}


# -- a hand-built assessment whose totals are the exact sums of its lines ----------------------


def _line(row: int, good: dict[str, Any], mass: str, quarter: int, price: str) -> LineResult:
    net_mass = D(mass)
    embedded = net_mass * good["see_used"]
    allocation = net_mass * good["sefa"]
    certificates = max(ZERO, embedded - allocation)
    return LineResult(
        row=row,
        line_id=f"L{row}" if row % 2 else None,
        cn=good["cn"],
        country=good["country"],
        country_used=good["country_used"],
        installation_id=good["installation_id"],
        route=good["route"],
        route_basis="row" if good["route"] else "single",
        year=2026,
        quarter=quarter,
        period=f"2026Q{quarter}",
        net_mass=net_mass,
        basis=good["basis"],
        basis_reason="verified" if good["basis"] == "actual" else "no-installation",
        estimate=False,
        see_used=good["see_used"],
        embedded_emissions=embedded,
        sefa=good["sefa"],
        free_allocation=allocation,
        carbon_price_deduction=ZERO,
        certificates=certificates,
        price=D(price),
        price_is_assumption=quarter > 1,
        cost_eur=certificates * D(price),
        exempt_de_minimis=False,
        group=good["key"],
    )


GOODS: list[dict[str, Any]] = [
    {
        "key": "73181542|CN|-|-|default",
        "cn": "73181542",
        "category": "Iron or steel products",
        "country": "CN",
        "country_used": "CN",
        "installation_id": None,
        "route": None,
        "basis": "default",
        "see_direct": D("3.0123456789012345678901234567"),
        "see_indirect": D("0.3"),
        "indirect_counted": False,
        "markup": D("0.1"),
        "see_used": D("3.3135802468"),
        "benchmark": D("1.370"),
        "benchmark_column": "B",
        "sefa": D("0.03425"),
    },
    {
        "key": "72081000|FJ|C|-|default",
        "cn": "72081000",
        "category": "Iron or steel products",
        "country": "FJ",
        "country_used": "OTHER",
        "installation_id": None,
        "route": "C",
        "basis": "default",
        "see_direct": D("2.1"),
        "see_indirect": D("0.25"),
        "indirect_counted": False,
        "markup": D("0.1"),
        "see_used": D("2.31"),
        "benchmark": D("1.4"),
        "benchmark_column": "B",
        "sefa": D("0.035"),
    },
    {
        "key": "73181542|TW|-|TW-7 <Kaohsiung & Sons>|actual",
        "cn": "73181542",
        "category": "Iron or steel products",
        "country": "TW",
        "country_used": "TW",
        "installation_id": "TW-7 <Kaohsiung & Sons>",
        "route": None,
        "basis": "actual",
        "see_direct": D("1.529"),
        "see_indirect": D("0.4535581926"),
        "indirect_counted": False,
        "markup": ZERO,
        "see_used": D("1.529"),
        "benchmark": D("1.2"),
        "benchmark_column": "A",
        "sefa": D("0.03"),
    },
]

LINE_SPECS = [
    (2, 0, "30.5", 1, "75.36"),
    (3, 1, "100", 1, "75.36"),
    (4, 0, "0.001", 2, "80.125"),
    (5, 2, "12.345678901", 3, "80.125"),
    (6, 0, "7", 4, "80.125"),
    (7, 2, "0.3", 4, "80.125"),
]


def _sample_lines() -> list[LineResult]:
    return [_line(row, GOODS[g], mass, q, price) for row, g, mass, q, price in LINE_SPECS]


def _assessment(lines: Iterable[LineResult]) -> Assessment:
    lines = list(lines)
    goods = []
    valuations = []
    for spec in GOODS:
        mine = [line for line in lines if line.group == spec["key"]]
        if not mine:
            continue
        fields = {k: v for k, v in spec.items()}
        goods.append(
            GoodResult(
                **fields,
                lines=len(mine),
                net_mass=sum((x.net_mass for x in mine), ZERO),
                embedded_emissions=sum((x.embedded_emissions for x in mine), ZERO),
                free_allocation=sum((x.free_allocation for x in mine), ZERO),
                carbon_price_deduction=ZERO,
                certificates=sum((x.certificates for x in mine), ZERO),
                cost_eur=sum((x.cost_eur for x in mine), ZERO),
                valuation=f"V{len(goods) + 1}",
                audit=(
                    AuditStep(
                        quantity="basis",
                        value=spec["basis"],
                        note="default value: no installation given",
                    ),
                ),
            )
        )
        valuations.append(
            ValuationTrail(
                id=f"V{len(goods)}",
                audit=(
                    AuditStep(
                        quantity="SEE used",
                        value=spec["see_used"],
                        rule="IR 2025/2621 Art. 2 & Annex I",
                        source="IR 2025/2621 Annex I, v1 of 2026-02-04, sheet China, row 212",
                        note="mark-up 10 % for 2026",
                    ),
                    AuditStep(quantity="benchmark", value=spec["benchmark"]),
                    AuditStep(quantity="empty", value=None),
                ),
            )
        )
    totals = Totals(
        net_mass=sum((g.net_mass for g in goods), ZERO),
        embedded_emissions=sum((g.embedded_emissions for g in goods), ZERO),
        free_allocation=sum((g.free_allocation for g in goods), ZERO),
        carbon_price_deduction=ZERO,
        certificates=sum((g.certificates for g in goods), ZERO),
        cost_eur=sum((g.cost_eur for g in goods), ZERO),
    )
    quarters = []
    embedded = allocation = ZERO
    for q in (1, 2, 3, 4):
        embedded += sum((x.embedded_emissions for x in lines if x.quarter == q), ZERO)
        allocation += sum((x.free_allocation for x in lines if x.quarter == q), ZERO)
        quarters.append(
            QuarterHolding(
                quarter=f"2026Q{q}",
                embedded_emissions_without_markup_to_date=embedded,
                free_allocation_to_date=allocation,
                share=ZERO,
                certificates_to_hold=ZERO,
            )
        )
    trajectory = tuple(
        YearCost(
            year=year,
            cbam_factor=factor,
            embedded_emissions=totals.embedded_emissions,
            free_allocation=totals.free_allocation * factor / D("0.975"),
            certificates=totals.embedded_emissions - totals.free_allocation * factor / D("0.975"),
            price=D("75.36") + year - 2026,
            price_is_assumption=year > 2026,
            cost_eur=(totals.embedded_emissions - totals.free_allocation * factor / D("0.975"))
            * (D("75.36") + year - 2026),
        )
        for year, factor in zip(
            range(2026, 2035),
            [
                D(x)
                for x in ("0.975", "0.95", "0.9", "0.775", "0.515", "0.39", "0.265", "0.14", "0")
            ],
            strict=True,
        )
    )
    return Assessment(
        year=2026,
        declarant={"name": "Beispiel Schrauben GmbH", "eori": "DE123456789012345"},
        cscf=D(1),
        totals=totals,
        de_minimis=DeMinimis(
            threshold_t=D(50),
            net_mass_counted=totals.net_mass,
            net_mass_always_in_scope=ZERO,
            exempt=False,
            rule="Reg. (EU) 2023/956 Art. 2a",
        ),
        goods=tuple(goods),
        valuations=tuple(valuations),
        quarters=tuple(quarters),
        lines=len(lines),
        datasets={"IR 2025/2621 Annex I": "IR 2025/2621 Annex I, v1 of 2026-02-04"},
        notes=(
            "FJ has no default value: the 'other countries and territories' row applied",
            "price for 2026Q2 is an estimate -- no price published",
        ),
        trajectory=trajectory,
        scenarios={"60": totals.certificates * 60, "120.5": totals.certificates * D("120.5")},
    )


@pytest.fixture
def sample() -> tuple[list[LineResult], Assessment]:
    lines = _sample_lines()
    return lines, _assessment(lines)


def _sum_csv(path: Path, column: str) -> Decimal:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum((D(row[column]) for row in csv.DictReader(handle)), ZERO)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- lines.csv -------------------------------------------------------------------------------


def test_lines_csv_holds_every_field_exactly(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    lines, assessment = sample
    path = tmp_path / "out" / "lines.csv"
    with LinesCsvWriter(path) as sink:
        for line in lines:
            sink(line)
        # Nothing visible until the writer closes.
        assert not path.exists()
    assert sink.count == len(lines)
    assert _leftovers(path.parent) == ["lines.csv"]
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == COLUMNS == tuple(LineResult.model_fields)
    assert len(rows) == len(lines) + 1
    first = dict(zip(COLUMNS, rows[1], strict=True))
    assert first["line_id"] == "" and first["installation_id"] == ""
    assert first["see_used"] == "3.3135802468"
    assert first["embedded_emissions"] == "101.0641975274"
    assert first["price_is_assumption"] == "false" and first["exempt_de_minimis"] == "false"
    # The columns sum to the declaration's totals exactly (Decimal, no tolerance).
    for column in ("net_mass", "embedded_emissions", "free_allocation", "certificates", "cost_eur"):
        assert _sum_csv(path, column) == getattr(assessment.totals, column), column
    assert list(read_lines_csv(path)) == lines
    # The same values as tuples (the report's Lines sheet reads them so), to the last digit.
    fields = [tuple(getattr(line, name) for name in COLUMNS) for line in read_lines_csv(path)]
    assert [[repr(v) for v in row] for row in read_lines_fields(path)] == [
        [repr(v) for v in row] for row in fields
    ]


def test_lines_csv_writer_leaves_nothing_on_error(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    lines = _sample_lines()
    with pytest.raises(RuntimeError, match="ERP job died"), LinesCsvWriter(path) as sink:
        sink(lines[0])
        raise RuntimeError("ERP job died")
    assert _leftovers(tmp_path) == []
    # An existing lines.csv from an earlier run survives a failed run untouched.
    with LinesCsvWriter(path) as sink:
        sink(lines[0])
    before = path.read_bytes()
    with pytest.raises(RuntimeError), LinesCsvWriter(path) as sink:
        sink(lines[1])
        raise RuntimeError
    assert path.read_bytes() == before and _leftovers(tmp_path) == ["lines.csv"]


def test_lines_csv_writer_misuse_and_empty_year(tmp_path: Path) -> None:
    writer = LinesCsvWriter(tmp_path / "lines.csv")
    with pytest.raises(InputError, match="not open"):
        writer(_sample_lines()[0])
    with pytest.raises(InputError, match="not open"):
        writer.close()
    writer.open()
    with pytest.raises(InputError, match="already open"):
        writer.open()
    writer.abort()
    assert _leftovers(tmp_path) == []
    with LinesCsvWriter(tmp_path / "lines.csv"):
        pass
    assert (tmp_path / "lines.csv").read_text().strip() == ",".join(COLUMNS)
    assert list(read_lines_csv(tmp_path / "lines.csv")) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "row 1.*not a lines.csv"),
        ("a,b\n", "row 1.*not a lines.csv"),
        (",".join(COLUMNS) + "\n1,2\n", "row 2.*2 cells"),
        (",".join(COLUMNS) + "\n" + ",".join(["x"] * len(COLUMNS)) + "\n", "row 2.*field 'row'"),
        (",".join(COLUMNS) + "\n2" + ",x" * (len(COLUMNS) - 1) + "\n", "row 2.*field 'year'"),
    ],
)
def test_read_lines_csv_errors(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=words) as model:
        list(read_lines_csv(path))
    with pytest.raises(InputError, match=words) as fields:
        list(read_lines_fields(path))
    assert str(fields.value) == str(model.value) and fields.value.field == model.value.field


# -- declaration.json ------------------------------------------------------------------------


def test_json_round_trip_gives_the_rounded_figures(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    _, assessment = sample
    path = write_declaration_json(assessment, tmp_path / "declaration.json")
    text = path.read_text(encoding="utf-8")
    assert '"registry_format": false' in text
    assert "NOT the CBAM Registry's declaration format" in text
    # SEE to at most 5 decimals, half up (IR 2025/2547 Annex II A.1(8)), as JSON numbers.
    assert '"see_direct": 3.01235,' in text
    assert '"see_indirect": 0.45356,' in text
    back = read_declaration_json(path)
    assert back == rounded(assessment)
    assert back.goods[0].see_direct == D("3.01235")
    # What was read back is written again unchanged.
    again = write_declaration_json(back, tmp_path / "again.json")
    assert again.read_text(encoding="utf-8") == text
    assert _leftovers(tmp_path) == ["again.json", "declaration.json"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", "line 1.*not valid JSON"),
        ("[]", "field 'format'"),
        ('{"format": "other"}', "field 'format'"),
        ('{"format": "cbam-py-declaration", "format_version": "9.9"}', "9.9.*not supported"),
        (
            '{"format": "cbam-py-declaration", "format_version": "2.0", "year": 2026}',
            "cscf",
        ),
    ],
)
def test_read_json_errors(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "declaration.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=words):
        read_declaration_json(path)
    with pytest.raises(InputError, match="cannot read"):
        read_declaration_json(tmp_path / "missing.json")


def test_read_json_types_and_checks_each_goods_fields(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    """GoodResult is a plain dataclass (the engine's goods are not validated when made); read
    from a file, each good's fields are still typed and checked as the Assessment's."""
    path = write_declaration_json(sample[1], tmp_path / "declaration.json")
    back = read_declaration_json(path)
    assert all(type(g.net_mass) is Decimal and type(g.lines) is int for g in back.goods)
    text = path.read_text()
    goods = text.index('"goods": [')
    lines = text.index('"lines": ', goods)
    path.write_text(text[:lines] + '"lines": "many", "x": ' + text[lines + 9 :], encoding="utf-8")
    with pytest.raises(InputError, match=r"goods\[0\]\.lines"):
        read_declaration_json(path)


def test_read_json_error_names_json_path(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    path = write_declaration_json(sample[1], tmp_path / "declaration.json")
    path.write_text(
        path.read_text().replace('"basis": "actual"', '"basis": "guessed"'), encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"goods\[2\]\.basis"):
        read_declaration_json(path)


# -- declaration.xml -------------------------------------------------------------------------


def test_xml_validates_and_holds_exact_totals(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    _, assessment = sample
    path = write_declaration_xml(assessment, tmp_path / "declaration.xml")
    assert _leftovers(tmp_path) == ["declaration.xml"]
    assert validate_declaration_xml(path) == []
    schema = etree.XMLSchema(etree.parse(str(ROOT / "schemas" / "cbam-declaration-2.0.xsd")))
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log
    root = document.getroot()
    assert root.tag == f"{{{NAMESPACE}}}Declaration"
    assert root.get("registryFormat") == "false"
    assert "NOT the CBAM Registry" in root.findtext("d:Notice", namespaces=NS)
    totals = root.find("d:Totals", NS)
    assert totals is not None
    given = rounded(assessment).totals
    for element, field in [
        ("NetMass", "net_mass"),
        ("ElectricityMWh", "electricity_mwh"),
        ("EmbeddedEmissions", "embedded_emissions"),
        ("FreeAllocation", "free_allocation"),
        ("Certificates", "certificates"),
        ("CostEUR", "cost_eur"),
    ]:
        assert D(totals.findtext(f"d:{element}", namespaces=NS)) == getattr(given, field)
    goods = root.findall("d:Goods/d:Good", NS)
    assert [g.get("key") for g in goods] == [g.key for g in assessment.goods]
    assert goods[1].findtext("d:CountryUsed", namespaces=NS) == "OTHER"
    assert goods[0].findtext("d:SEEDirect", namespaces=NS) == "3.01235"
    assert goods[2].findtext("d:InstallationId", namespaces=NS) == "TW-7 <Kaohsiung & Sons>"
    assert goods[0].find("d:Route", NS) is None  # absent, not empty
    assert len(root.findall("d:CostByYear/d:Year", NS)) == 9


def test_xml_validates_with_xmlschema_too(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    path = write_declaration_xml(sample[1], tmp_path / "declaration.xml")
    schema = xmlschema.XMLSchema(str(SCHEMA_PATH))
    schema.validate(str(path))
    # xmlschema decodes xs:decimal into Decimal: the totals come back exact.
    data = schema.to_dict(str(path))
    totals = next(v for k, v in data.items() if k.endswith("Totals"))
    certificates = next(v for k, v in totals.items() if k.endswith("Certificates"))
    assert certificates == rounded(sample[1]).totals.certificates


def test_xml_round_trip_gives_the_rounded_figures(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    _, assessment = sample
    path = write_declaration_xml(assessment, tmp_path / "declaration.xml")
    back = read_declaration_xml(path)
    assert back == rounded(assessment)
    assert back == read_declaration_json(write_declaration_json(assessment, tmp_path / "d.json"))
    again = write_declaration_xml(back, tmp_path / "again.xml")
    assert again.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_invalid_xml_is_never_written(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    _, assessment = sample
    broken = assessment.model_copy(
        update={"goods": (dataclasses.replace(assessment.goods[0], country="China"),)}
    )
    path = tmp_path / "declaration.xml"
    with pytest.raises(
        InputError,
        match=r"line \d+, Declaration/Goods/Good\[73181542\|CN\|-\|-\|default\]/Country: "
        r".*schema.*China",
    ):
        write_declaration_xml(broken, path)
    assert _leftovers(tmp_path) == []


def test_packaged_schema_is_the_published_one() -> None:
    # The package ships a copy (cbam/schemas/, package data); it must equal schemas/.
    assert SCHEMA_PATH.parent.name == "schemas" and SCHEMA_PATH.parent.parent.name == "cbam"
    assert filecmp.cmp(SCHEMA_PATH, ROOT / "schemas" / "cbam-declaration-2.0.xsd", shallow=False)


def test_read_xml_errors(tmp_path: Path) -> None:
    path = tmp_path / "declaration.xml"
    path.write_text("<Declaration", encoding="utf-8")
    (problem,) = validate_declaration_xml(path)
    assert problem.line == 1
    with pytest.raises(InputError, match="line 1"):
        read_declaration_xml(path)
    path.write_text(f'<Declaration xmlns="{NAMESPACE}"/>', encoding="utf-8")
    assert validate_declaration_xml(path)
    with pytest.raises(InputError, match="not a valid cbam-py-declaration"):
        read_declaration_xml(path)
    with pytest.raises(InputError, match="cannot read"):
        validate_declaration_xml(tmp_path / "missing.xml")


# -- report.xlsx -----------------------------------------------------------------------------


def _near(value: Any, expected: Decimal) -> bool:
    """An Excel double against the exact figure (the workbook is a display copy)."""
    return abs(D(repr(value)) - expected) <= abs(expected) * D("1e-12") + D("1e-12")


def _sheet_rows(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_report_xlsx(tmp_path: Path, sample: tuple[list[LineResult], Assessment]) -> None:
    """The sheets, and every good of the hand-built assessment with its rounded figures (the
    sheets' layout in detail: tests/formats/test_report.py)."""
    lines, assessment = sample
    lines_csv = tmp_path / "lines.csv"
    with LinesCsvWriter(lines_csv) as sink:
        for line in lines:
            sink(line)
    path = write_report_xlsx(assessment, tmp_path / "report.xlsx", lines_csv=lines_csv)
    assert _leftovers(tmp_path) == ["lines.csv", "report.xlsx"]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Goods", "Categories", "Audit", "Cost by year", "Lines"]

    summary = book["Summary"]
    cells = {row[0]: row[1] for row in _sheet_rows(summary) if row[0]}
    assert cells["Year of import"] == 2026
    assert cells["Declarant: eori"] == "DE123456789012345"
    assert D(str(cells["Certificates due"])) == round_figure(assessment.totals.certificates)
    assert D(str(cells["Cost"])) == round_eur(assessment.totals.cost_eur)
    assert cells["De minimis exempt"] == "no"
    text = " ".join(str(v) for row in _sheet_rows(summary) for v in row if v)
    assert "rounded half up" in text and "NOT the CBAM Registry" in text
    assert "Other countries" in text or "other countries" in text
    assert summary.freeze_panes == "A2"

    goods = book["Goods"]
    rows = _sheet_rows(goods)
    col = {name: i for i, name in enumerate(rows[0])}
    assert goods.freeze_panes == "C2"
    # goods, one subtotal (all three are iron or steel products), the total
    assert len(rows) == 1 + len(assessment.goods) + 1 + 1
    for row, good in zip(rows[1:], assessment.goods, strict=False):
        assert row[col["CN code"]] == good.cn and row[col["Origin"]] == good.country
        assert D(str(row[col["Embedded emissions (t CO2e)"]])) == round_tonnes(
            good.embedded_emissions
        )
        assert D(str(row[col["Certificates due (1 per t CO2e)"]])) == round_figure(
            good.certificates
        )
        assert D(str(row[col["Cost (EUR)"]])) == round_eur(good.cost_eur)
    second = rows[2]
    assert second[col["CN code"]] == "72081000"
    assert second[col["Default value of (country)"]] == "OTHER"
    cell = goods.cell(row=2, column=col["SEE used (t CO2e per t or MWh)"] + 1)
    # 3.3135802468 to 5 decimals (IR 2025/2547 Annex II A.1(8))
    assert cell.data_type == "n" and cell.value == 3.31358 and "0.000" in cell.number_format

    audit_rows = _sheet_rows(book["Audit"])
    assert audit_rows[0][:6] == ("Valuation", "CN code", "Origin", "Route", "Basis", "Quantity")
    # one row per step of each valuation (and a closing note); the goods name theirs
    assert len(audit_rows) == 1 + sum(len(v.audit) for v in assessment.valuations) + 2
    assert {r[col["Valuation (see Audit)"]] for r in rows[1:4]} == {r[0] for r in audit_rows[1:-2]}
    see_row = next(r for r in audit_rows if r[5] == "SEE used")
    assert _near(see_row[6], GOODS[0]["see_used"]) and see_row[7] == "t CO2e per t"
    assert see_row[9].startswith("IR 2025/2621 Annex I, v1")

    by_year = book["Cost by year"]
    year_rows = _sheet_rows(by_year)
    assert [r[0] for r in year_rows[1:10]] == list(range(2026, 2035))
    assert len(by_year._charts) == 3  # cost per year; per category: cost, certificates

    lines_rows = _sheet_rows(book["Lines"])
    header = list(lines_rows[0])
    assert header == [column.title for column in LINE_COLUMNS]
    assert len(lines_rows) == 1 + len(lines)
    assert _near(lines_rows[1][header.index("Net mass (t)")], D("30.5"))
    assert lines_rows[1][header.index("Electricity (MWh)")] is None
    assert lines_rows[1][header.index("CN code")] == "73181542"  # codes stay text


def test_report_xlsx_cuts_long_lines_and_says_so(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    lines, assessment = sample
    lines_csv = tmp_path / "lines.csv"
    with LinesCsvWriter(lines_csv) as sink:
        for line in lines:
            sink(line)
    path = write_report_xlsx(assessment, tmp_path / "report.xlsx", lines_csv=lines_csv, max_lines=4)
    book = openpyxl.load_workbook(path)
    rows = _sheet_rows(book["Lines"])
    assert len(rows) == 1 + 4 + 1
    assert "first 4 of 6 lines" in str(rows[-1][0])
    summary = [str(r[1]) for r in _sheet_rows(book["Summary"])]
    assert any("first 4 of 6 lines" in s for s in summary)


def test_report_xlsx_keeps_texts_as_texts(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    _, assessment = sample
    tricky = dataclasses.replace(
        assessment.goods[0], installation_id='=HYPERLINK("http://x","y")', category="bell\x07 here"
    )
    changed = assessment.model_copy(update={"goods": (tricky,), "notes": ("=1+1",)})
    path = write_report_xlsx(changed, tmp_path / "report.xlsx")
    goods = openpyxl.load_workbook(path)["Goods"]
    header = [c.value for c in goods[1]]
    installation = goods.cell(row=2, column=header.index("Installation") + 1)
    assert installation.data_type == "s" and installation.value == '=HYPERLINK("http://x","y")'
    assert goods.cell(row=2, column=header.index("Aggregated goods category") + 1).value == (
        "bell here"
    )
    # XML cannot hold the bell character either: a clear error, no file.
    with pytest.raises(InputError, match="cannot be written as XML"):
        write_declaration_xml(changed, tmp_path / "declaration.xml")
    assert not (tmp_path / "declaration.xml").exists()


#: A text XlsxWriter's streaming mode would take for a rich string it built and copy into the
#: sheet as XML: here it would close the cell and add a formula cell of its own.
INJECTED = '<r><t>a</t></r></is></c><c r="Z9"><f>HYPERLINK("http://x","y")</f></c><c><is><r></r>'


@pytest.mark.parametrize("text", [INJECTED, "<r></r>", "<r>plain</r>"])
def test_report_xlsx_writes_xml_lookalikes_as_text(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment], text: str
) -> None:
    lines, assessment = sample
    lines_csv = tmp_path / "lines.csv"
    with LinesCsvWriter(lines_csv) as sink:
        for line in lines:
            sink(line.model_copy(update={"line_id": text}))
    tricky = dataclasses.replace(assessment.goods[0], installation_id=text)
    changed = assessment.model_copy(update={"goods": (tricky,)})
    path = write_report_xlsx(changed, tmp_path / "report.xlsx", lines_csv=lines_csv)
    book = openpyxl.load_workbook(path)
    goods = book["Goods"]
    header = [c.value for c in goods[1]]
    assert goods.cell(row=2, column=header.index("Installation") + 1).value == text
    lines_sheet = book["Lines"]
    header = [c.value for c in lines_sheet[1]]
    column = header.index("Line id") + 1 if "Line id" in header else header.index("line_id") + 1
    assert [lines_sheet.cell(row=r, column=column).value for r in (2, 3)] == [text, text]
    for sheet in book.worksheets:  # no cell anywhere holds a formula
        assert not any(
            c.data_type == "f" for row in sheet.iter_rows() for c in row if c.value is not None
        )
        assert "Z9" not in {c.coordinate for row in sheet.iter_rows() for c in row if c.value}


def test_report_xlsx_without_lines_and_errors(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    _, assessment = sample
    path = write_report_xlsx(assessment, tmp_path / "report.xlsx")
    assert openpyxl.load_workbook(path).sheetnames == [
        "Summary",
        "Goods",
        "Categories",
        "Audit",
        "Cost by year",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    target = tmp_path / "sub" / "report.xlsx"
    with pytest.raises(InputError, match=r"bad\.csv.*not a lines\.csv"):
        write_report_xlsx(assessment, target, lines_csv=bad)
    assert _leftovers(target.parent) == []
    with pytest.raises(InputError, match="cannot read"):
        write_report_xlsx(assessment, target, lines_csv=tmp_path / "missing.csv")


def test_report_xlsx_converts_with_libreoffice(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CBAM_REQUIRE_SOFFICE") == "1":
            pytest.fail("soffice not on PATH (CBAM_REQUIRE_SOFFICE=1)")
        pytest.skip("LibreOffice (soffice) not on PATH")
    path = write_report_xlsx(sample[1], tmp_path / "report.xlsx")
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "pdf" / "report.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")


# -- invariants ------------------------------------------------------------------------------

masses = st.decimals(min_value=D(0), max_value=D(10**6), places=3, allow_nan=False)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 2), masses, st.integers(1, 4)), min_size=1, max_size=12))
def test_outputs_agree_exactly_for_any_lines(
    tmp_path_factory: pytest.TempPathFactory, specs: list[tuple[int, Decimal, int]]
) -> None:
    folder = tmp_path_factory.mktemp("any")
    lines = [
        _line(row, GOODS[g], str(mass), q, "80.125")
        for row, (g, mass, q) in enumerate(specs, start=2)
    ]
    assessment = _assessment(lines)
    with LinesCsvWriter(folder / "lines.csv") as sink:
        for line in lines:
            sink(line)
    for column in ("net_mass", "embedded_emissions", "certificates", "cost_eur"):
        assert _sum_csv(folder / "lines.csv", column) == getattr(assessment.totals, column)
    assert read_declaration_json(write_declaration_json(assessment, folder / "d.json")) == (
        rounded(assessment)
    )
    assert read_declaration_xml(write_declaration_xml(assessment, folder / "d.xml")) == rounded(
        assessment
    )


# -- the real assessment --------------------------------------------------------------------


def _import_lines() -> list[Any]:
    import datetime as dt

    from cbam.formats.imports import ImportLine

    def line(row: int, cn: str, country: str, mass: str, quarter: int, **kw: Any) -> ImportLine:
        return ImportLine(
            row=row, cn=cn, country=country, net_mass=D(mass), year=2026, quarter=quarter, **kw
        )

    return [
        line(2, "73181542", "CN", "30.5", 1, import_date=dt.date(2026, 2, 3)),
        line(3, "73181542", "TW", "25.25", 2, installation_id="TW-1"),
        line(4, "72081000", "FJ", "12", 3, route="C"),
        line(5, "27160000", "RS", "100", 4),
        line(6, "25231000", "CN", "7.125", 4, route="A"),
        line(7, "73181542", "CN", "0.375", 4, line_id="PO-4711"),
    ]


def _suppliers() -> list[Any]:
    from cbam.declaration.model import SupplierValue

    return [
        SupplierValue(
            installation_id="TW-1",
            cn_codes=("73181542",),
            see_direct=D("1.529"),
            see_indirect=D("0.4535581926"),
            source="supplier-tw.xlsx",
            **VERIFIED_2026,
        )
    ]


def test_assess_outputs_agree_exactly(tmp_path: Path) -> None:
    from cbam.declaration.assess import assess

    out = tmp_path / "out"
    with LinesCsvWriter(out / "lines.csv") as sink:
        assessment = assess(
            _import_lines(),
            2026,
            suppliers=_suppliers(),
            sink=sink,
            scenario_prices=[D(60), D(100)],
            declarant={"name": "Beispiel Schrauben GmbH"},
        )
    write_declaration_json(assessment, out / "declaration.json")
    write_declaration_xml(assessment, out / "declaration.xml")
    write_report_xlsx(assessment, out / "report.xlsx", lines_csv=out / "lines.csv")
    assert _leftovers(out) == ["declaration.json", "declaration.xml", "lines.csv", "report.xlsx"]

    # The acceptance criterion: lines.csv sums exactly to the assessment's totals, which the
    # declaration files give rounded by their rules; tonnes and MWh are never added together.
    back = read_declaration_json(out / "declaration.json")
    assert back == rounded(assessment)
    lines = list(read_lines_csv(out / "lines.csv"))
    assert len(lines) == assessment.lines == 6
    sums = {
        field: sum((getattr(x, field) for x in lines if x.cn != "27160000"), ZERO)
        for field in ("net_mass",)
    } | {
        field: sum((getattr(x, field) for x in lines), ZERO)
        for field in Totals.model_fields
        if field not in ("net_mass", "electricity_mwh")
    }
    sums["electricity_mwh"] = sum((x.net_mass for x in lines if x.cn == "27160000"), ZERO)
    assert sums["electricity_mwh"] == D(100) and sums["net_mass"] == D("75.25")
    for field in Totals.model_fields:
        assert sums[field] == getattr(assessment.totals, field), field
    assert Totals(**sums) == assessment.totals
    assert rounded(assessment).totals == back.totals
    assert back.totals.embedded_emissions == round_tonnes(sums["embedded_emissions"])
    assert back.totals.cost_eur == round_eur(sums["cost_eur"])
    assert {x.group for x in lines} == {g.key for g in assessment.goods}
    assert next(x for x in lines if x.row == 7).line_id == "PO-4711"

    assert validate_declaration_xml(out / "declaration.xml") == []
    assert read_declaration_xml(out / "declaration.xml") == back
    root = etree.parse(str(out / "declaration.xml")).getroot()
    assert D(root.findtext("d:Totals/d:Certificates", namespaces=NS)) == (
        round_figure(assessment.totals.certificates)
    )
    fiji = root.find("d:Goods/d:Good[d:Country='FJ']", NS)
    assert fiji is not None and fiji.findtext("d:CountryUsed", namespaces=NS) == "OTHER"

    book = openpyxl.load_workbook(out / "report.xlsx")
    categories = {g.category for g in assessment.goods}
    # goods, a subtotal per category, the total
    assert len(_sheet_rows(book["Goods"])) == 1 + len(assessment.goods) + len(categories) + 1
    assert len(_sheet_rows(book["Lines"])) == 1 + 6
    summary_text = " ".join(str(v) for r in _sheet_rows(book["Summary"]) for v in r if v)
    assert "Other countries and territories" in summary_text
    assert len(book["Cost by year"]._charts) == 3


def test_failed_assessment_leaves_no_lines_csv(tmp_path: Path) -> None:
    from cbam.declaration.assess import assess
    from cbam.errors import CbamError
    from cbam.formats.imports import ImportLine

    broken = [
        *_import_lines(),
        ImportLine(
            row=8, cn="25231000", country="CN", net_mass=D(1), year=2026, quarter=4, route="X"
        ),
    ]
    with (
        pytest.raises(CbamError, match=r"row 8.*route"),
        LinesCsvWriter(tmp_path / "lines.csv") as sink,
    ):
        assess(broken, 2026, sink=sink)
    assert _leftovers(tmp_path) == []


def test_an_empty_year_writes_valid_files(tmp_path: Path) -> None:
    empty = _assessment([]).model_copy(update={"trajectory": (), "scenarios": {}, "declarant": {}})
    assert empty.goods == () and empty.totals.certificates == 0
    assert read_declaration_json(write_declaration_json(empty, tmp_path / "d.json")) == empty
    assert read_declaration_xml(write_declaration_xml(empty, tmp_path / "d.xml")) == empty
    book = openpyxl.load_workbook(write_report_xlsx(empty, tmp_path / "r.xlsx"))
    by_year = book["Cost by year"]
    assert by_year._charts == []
    assert "No cost trajectory" in str(by_year["A2"].value)
    goods = _sheet_rows(book["Goods"])
    assert len(goods) == 2 and goods[1][0] == "Total" and goods[1][1] == "all goods: 0"


def test_declaration_figures_rounded_by_hand(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    """Each figure of the declaration rounded half up by its rule, computed here by hand:
    IR 2025/2547 Annex II A.1(6) whole tonnes for emissions over the period, A.1(8) SEE to at
    most 5 decimals; money to the cent; every other figure to at most 6 decimals."""
    import json
    from decimal import ROUND_HALF_UP

    def half_up(value: Decimal, places: int) -> Decimal:
        return value.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)

    lines, assessment = sample
    doc = json.loads(
        write_declaration_json(assessment, tmp_path / "d.json").read_text(encoding="utf-8"),
        parse_float=Decimal,
    )
    china = [x for x in LINE_SPECS if x[1] == 0]  # 30.5 t in Q1 at 75.36; 0.001 and 7 t later
    mass = sum((D(m) for _, _, m, _, _ in china), ZERO)
    see, sefa = D("3.3135802468"), D("0.03425")
    cost = sum(((D(m) * see - D(m) * sefa) * D(p) for _, _, m, _, p in china), ZERO)
    good = doc["goods"][0]
    assert good["net_mass"] == mass == D("37.501")
    assert good["see_direct"] == D("3.01235")  # 3.0123456789... to 5 decimals
    assert good["see_used"] == D("3.31358")
    assert good["embedded_emissions"] == half_up(mass * see, 0) == D(124)
    assert good["free_allocation"] == half_up(mass * sefa, 6) == D("1.284409")
    assert good["certificates"] == half_up(mass * see - mass * sefa, 6)
    assert good["cost_eur"] == half_up(cost, 2)
    taiwan = doc["goods"][2]
    assert taiwan["see_indirect"] == D("0.45356")  # 0.4535581926
    assert doc["scenarios"]["120.5"] == half_up(assessment.totals.certificates * D("120.5"), 2)
    assert doc["totals"]["embedded_emissions"] == half_up(assessment.totals.embedded_emissions, 0)
    q4 = doc["quarters"][3]
    assert q4["embedded_emissions_without_markup_to_date"] == half_up(
        sum((x.embedded_emissions for x in lines), ZERO), 0
    )
    # No figure longer than its rule: at most 6 decimals anywhere but in the audit trail.
    text = (tmp_path / "d.json").read_text(encoding="utf-8").split('"valuations"')[0]
    decimals = [len(n) for n in re.findall(r": -?\d+\.(\d+)", text)]
    assert decimals and max(decimals) <= 6


# -- declaration.xml: the goods written as text, escaped as lxml escapes -----------------------


def _lxml_text(text: str) -> str:
    element = etree.Element("x")
    element.text = text
    return etree.tostring(element, encoding="unicode")


def _lxml_attribute(text: str) -> str:
    return etree.tostring(etree.Element("x", a=text), encoding="unicode")


# Every character XML 1.0 allows, the markup ones and line ends often.
_XML_TEXTS = st.text(
    st.sampled_from("&<>\"'\r\n\t |é") | st.characters(blacklist_categories=("Cs", "Cc"))
)


@given(_XML_TEXTS)
def test_good_texts_are_escaped_as_lxml_escapes_them(text: str) -> None:
    try:
        expected = _lxml_text(text)
    except ValueError:  # lxml refuses it: so does the text writer
        with pytest.raises(ValueError):
            xml_text(text)
        return
    assert f"<x>{xml_text(text)}</x>" == expected
    assert f'<x a="{xml_attribute(text)}"/>' == _lxml_attribute(text)


@pytest.mark.parametrize("text", ["a\x00b", "\x1b[31m", "\ufffe", "bell\x07"])
def test_texts_xml_cannot_hold_are_refused_as_lxml_refuses_them(text: str) -> None:
    with pytest.raises(ValueError):
        xml_text(text)
    with pytest.raises(ValueError):
        xml_attribute(text)


def test_goods_with_markup_in_their_texts_round_trip(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    """Quotes, ampersands, angle brackets, line ends and non-ASCII in a key, an installation
    and an audit note come back as they were (the goods are written as text, not by lxml)."""
    _, assessment = sample
    odd = 'INST "A&B" <Ölwerk>\r\n\tsüd'
    step = AuditStep(quantity="basis", value="default", note="note & <more>\r\nline 2 é")
    good = dataclasses.replace(
        assessment.goods[0], key=f"k|{odd}", installation_id=odd, audit=(step,)
    )
    changed = assessment.model_copy(update={"goods": (good, *assessment.goods[1:])})
    path = write_declaration_xml(changed, tmp_path / "declaration.xml")
    back = read_declaration_xml(path)
    assert back.goods[0].key == f"k|{odd}"
    assert back.goods[0].installation_id == odd
    assert back.goods[0].audit == (step,)
    assert back == rounded(changed)


def test_a_declaration_checked_apart_that_cannot_be_read_is_an_input_error(
    tmp_path: Path,
) -> None:
    check = DeclarationCheck(tmp_path / "missing.xml")
    with pytest.raises(InputError, match="cannot read the declaration: the schema check of"):
        check.result()
    check.stop()


def test_a_declaration_checked_apart_gives_the_first_problem(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment]
) -> None:
    _, assessment = sample
    broken = assessment.model_copy(
        update={"goods": (dataclasses.replace(assessment.goods[0], country="China"),)}
    )
    path = write_declaration_xml(broken, tmp_path / "declaration.xml", check=False)
    check = DeclarationCheck(path)
    with pytest.raises(InputError, match=r"does not fit schema .*China") as caught:
        check.result()
    # The message of the in-process check (which, for a small file, also finds the line).
    assert validate_declaration_xml(path)[0].message in str(caught.value)


def test_a_declaration_is_checked_here_when_no_process_can_start(
    tmp_path: Path, sample: tuple[list[LineResult], Assessment], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, assessment = sample
    broken = assessment.model_copy(
        update={"goods": (dataclasses.replace(assessment.goods[0], country="China"),)}
    )
    path = write_declaration_xml(broken, tmp_path / "declaration.xml", check=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    check = DeclarationCheck(path)
    with pytest.raises(InputError, match=r"does not fit schema .*China") as caught:
        check.result()
    check.stop()
    assert caught.value.location is not None and caught.value.location.startswith("line ")
