"""Hypothesis properties across the pipeline: exact totals, rounding only at output, and
every write/read pair round-trips (lines.csv, declaration JSON/XML, installation JSON,
QReport XML, communication template fill/read)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbam.declaration.assess import assess
from cbam.declaration.model import Assessment
from cbam.declaration.rounding import rounded
from cbam.formats.declaration_files import (
    read_declaration_json,
    read_declaration_xml,
    write_declaration_json,
    write_declaration_xml,
)
from cbam.formats.imports import ImportLine
from cbam.formats.lines import LinesCsvWriter, read_lines_csv
from cbam.installation import load_installation
from cbam.installation.model import parse_installation
from cbam.jsonout import dumps

from .bad_inputs.corpus import case

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

# Goods and origins with packaged default values (no supplier data needed).
CODES = ["72081000", "25232900", "73181542", "76061299", "28041000", "72071111"]
ORIGINS = ["CN", "TR", "IN", "UA", "EG", "TW"]

masses = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3, allow_nan=False
)


@st.composite
def customs_lines(draw: st.DrawFn) -> list[ImportLine]:
    count = draw(st.integers(min_value=1, max_value=25))
    out = []
    for row in range(2, count + 2):
        day = draw(st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)))
        out.append(
            ImportLine(
                row=row,
                cn=draw(st.sampled_from(CODES)),
                country=draw(st.sampled_from(ORIGINS)),
                net_mass=draw(masses),
                year=2026,
                quarter=(day.month - 1) // 3 + 1,
                import_date=day,
                line_id=draw(st.sampled_from([None, 'HYPERLINK("x")', "1+1", "L-1", 'a@b, "c"'])),
            )
        )
    return out


def _assess(lines: list[ImportLine], folder: Path) -> Assessment:
    with LinesCsvWriter(folder / "lines.csv") as sink:
        return assess(iter(lines), 2026, sink=sink)


PIPELINE = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PIPELINE
@given(customs_lines())
@case(
    "properties",
    "random customs lines (1-25 lines, masses 0.001-100000 t, six goods and origins, any "
    "date of the year)",
    "totals equal the exact Decimal sum of the lines and of the goods, no tolerance; each "
    "line's embedded emissions equal net mass × SEE used, unrounded",
)
def test_totals_are_the_exact_sum_of_the_lines(lines: list[ImportLine]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        assessment = _assess(lines, Path(tmp))
        written = list(read_lines_csv(Path(tmp) / "lines.csv"))
    assert [w.row for w in written] == [line.row for line in lines]  # nothing dropped
    assert [w.net_mass for w in written] == [line.net_mass for line in lines]
    totals = assessment.totals
    # Exact: Decimal sums of the unrounded line figures, no tolerance.
    assert totals.net_mass == sum((w.net_mass for w in written), Decimal(0))
    assert totals.embedded_emissions == sum((w.embedded_emissions for w in written), Decimal(0))
    assert totals.free_allocation == sum((w.free_allocation for w in written), Decimal(0))
    assert totals.certificates == sum((w.certificates for w in written), Decimal(0))
    assert totals.cost_eur == sum((w.cost_eur for w in written), Decimal(0))
    assert totals.embedded_emissions == sum(
        (g.embedded_emissions for g in assessment.goods), Decimal(0)
    )
    # Rounding only on output: a line's figure keeps more digits than the 2/3 shown.
    for w in written:
        assert w.embedded_emissions == w.net_mass * w.see_used


@PIPELINE
@given(customs_lines())
@case(
    "properties",
    "random assessments written as declaration.json and declaration.xml",
    "read back to the same figures",
)
def test_declaration_json_and_xml_round_trip(lines: list[ImportLine]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        assessment = _assess(lines, folder)
        write_declaration_json(assessment, folder / "d.json")
        write_declaration_xml(assessment, folder / "d.xml")
        from_json = read_declaration_json(folder / "d.json")
        from_xml = read_declaration_xml(folder / "d.xml")
    # The files give every figure rounded by its rule; both read back the same.
    assert from_json == rounded(assessment)
    assert from_xml.totals == from_json.totals == rounded(assessment).totals
    assert from_xml.goods == from_json.goods


@PIPELINE
@given(customs_lines())
@case(
    "properties",
    "random lines written to lines.csv",
    "read back exactly; its columns sum to the totals",
)
def test_lines_csv_round_trips_and_sums_in_a_spreadsheet_way(lines: list[ImportLine]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        assessment = _assess(lines, folder)
        with (folder / "lines.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        again = list(read_lines_csv(folder / "lines.csv"))
    # Summing the CSV's text cells gives the declaration's totals to the last digit.
    assert sum((Decimal(r["certificates"]) for r in rows), Decimal(0)) == (
        assessment.totals.certificates
    )
    with tempfile.TemporaryDirectory() as tmp:
        with LinesCsvWriter(Path(tmp) / "again.csv") as sink:
            for line in again:
                sink(line)
        assert list(read_lines_csv(Path(tmp) / "again.csv")) == again


# -- installation JSON ---------------------------------------------------------------------------

numbers = st.decimals(
    min_value=Decimal("0.000001"), max_value=Decimal("1e9"), places=6, allow_nan=False
)


@settings(max_examples=40, deadline=None)
@given(
    activity=numbers,
    ef=st.decimals(min_value=0, max_value=Decimal(200), places=4, allow_nan=False),
    level=numbers,
    # Any name a file may hold: no control characters, not beginning like a formula.
    name=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=40
    ).filter(lambda text: not text.lstrip().startswith(("=", "+", "-", "@"))),
)
@case("properties", "random installation files", "written and read back to the same model")
def test_installation_json_round_trip(
    activity: Decimal, ef: Decimal, level: Decimal, name: str
) -> None:
    document = {
        "installation": {"name": name, "country": "TR", "id": "TR-1"},
        "source_streams": [
            {
                "name": "limestone",
                "method": "process",
                "process": "P1",
                "activity_data": activity,
                "emission_factor": ef,
            }
        ],
        "processes": [
            {"id": "P1", "good": "cement clinker", "activity_level": level, "direct_emissions": ef}
        ],
    }
    first = parse_installation(document)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inst.json"
        path.write_text(dumps(first.model_dump(mode="python", exclude_none=True)), "utf-8")
        again = load_installation(path)
    # Equal field by field (the private source path differs by design).
    assert again.model_dump() == first.model_dump()
    assert again.source_streams[0].activity_data == activity  # digit for digit


@case("properties", "the sample installation files", "written and read back to the same model")
def test_installation_sample_files_round_trip(tmp_path: Path) -> None:
    for sample in sorted((SAMPLES / "installations").glob("*.json")):
        first = load_installation(sample)
        path = tmp_path / sample.name
        path.write_text(dumps(first.model_dump(mode="python", exclude_none=True)), "utf-8")
        assert load_installation(path).model_dump() == first.model_dump(), sample.name


# -- communication template fill/read -------------------------------------------------------------


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    scale=st.sampled_from([Decimal("1"), Decimal("0.5"), Decimal("3.25"), Decimal("1000.125")]),
    name=st.sampled_from(
        ["Plain GmbH", "Çelik A.Ş. (İzmir)", "O'Brien & Sons <Ltd>", "株式会社 鉄鋼", "1+2 Works"]
    ),
)
@case(
    "properties",
    "a template filled with scaled activity data and names with markup or non-Latin text",
    "read back to the same figures and names",
)
def test_template_fill_then_read_round_trips(
    scale: Decimal, name: str, reference_dir: Path, tmp_path: Path
) -> None:
    from cbam.formats.template import fill_template, read_template

    blank = reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx"
    data: dict[str, Any] = json.loads(
        (SAMPLES / "installations" / "cement.json").read_text(encoding="utf-8"),
        parse_float=Decimal,
        parse_int=Decimal,
    )
    data["installation"]["name"] = name
    for stream in data["source_streams"]:
        stream["activity_data"] = stream["activity_data"] * scale
    out = tmp_path / f"filled-{abs(hash((scale, name)))}.xlsx"
    fill_template(data, blank, out)
    back = read_template(out).installation_dict
    assert back["installation"]["name"] == name  # markup and non-Latin text stay text
    got = {s["name"]: s["activity_data"] for s in back["source_streams"]}
    want = {s["name"]: s["activity_data"] for s in data["source_streams"]}
    assert got == want


# -- QReport XML ----------------------------------------------------------------------------------


@settings(max_examples=10, deadline=None)
@given(masses=st.lists(masses, min_size=1, max_size=5))
@case("properties", "random QReports", "write, read, write is byte-exact")
def test_qreport_write_read_write_is_byte_exact(masses: list[Decimal]) -> None:
    from cbam.declaration.declarant import load_declarant
    from cbam.formats.qreport import read_qreport, write_qreport
    from cbam.formats.qreport.build import build_qreport

    lines = [
        ImportLine(
            row=i + 2,
            cn="72081000",
            country="CN",
            net_mass=m,
            year=2025,
            quarter=4,
            import_date=dt.date(2025, 11, 3),
            procedure="4000",
        )
        for i, m in enumerate(masses)
    ]
    built = build_qreport(lines, "2025Q4", load_declarant(SAMPLES / "declarant.json"))
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "a.xml", Path(tmp) / "b.xml"
        write_qreport(built.report, first)
        write_qreport(read_qreport(first), second)
        assert first.read_bytes() == second.read_bytes()
