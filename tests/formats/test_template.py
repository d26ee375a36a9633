"""Communication template: read the Commission's filled examples, fill the blank, read back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cbam.errors import InputError
from cbam.formats.template import TemplateWorkbook, fill_template, read_template

BLANK = "communication-template-v2.1.1-blank.xlsx"
EXAMPLES = {
    "cement_bubble": "example-1-cement.xlsx",
    "steel_bf_bubble": "example-2-steel-blast-furnace.xlsx",
    "screws_and_nuts": "example-4-screws-and-nuts.xlsx",
}
REL = Decimal("1e-6")


def close(actual: Any, expected: Any) -> bool:
    """Equal to 1e-6 relative, or to the 6 decimals examples.json prints (0.122243)."""
    a, e = Decimal(str(actual)), Decimal(str(expected))
    if abs(a - e) <= Decimal("5e-7"):
        return True
    return e != 0 and abs(a - e) / abs(e) <= REL


@pytest.fixture(scope="session")
def xlsx(reference_dir: Path) -> Path:
    return reference_dir / "xlsx"


@pytest.fixture(scope="session")
def see_examples(spec_dir: Path) -> dict[str, Any]:
    data = json.loads((spec_dir / "examples.json").read_text(encoding="utf-8"))
    return {item["id"]: item for item in data["see_examples"]}


@pytest.fixture(scope="session")
def read_examples(xlsx: Path) -> dict[str, TemplateWorkbook]:
    return {key: read_template(xlsx / name) for key, name in EXAMPLES.items()}


@pytest.fixture(scope="session")
def filled(
    read_examples: dict[str, TemplateWorkbook], xlsx: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("filled")
    out: dict[str, Path] = {}
    for key, book in read_examples.items():
        out[key] = folder / f"{key}.xlsx"
        fill_template(book.installation_dict, xlsx / BLANK, out[key])
    return out


# ---- reading the Commission's examples ------------------------------------------------------


def test_versions(read_examples: dict[str, TemplateWorkbook]) -> None:
    assert {b.version for b in read_examples.values()} == {"2.1"}


def test_cement_inputs(
    read_examples: dict[str, TemplateWorkbook], see_examples: dict[str, Any]
) -> None:
    book = read_examples["cement_bubble"].installation_dict
    expected = see_examples["cement_bubble"]
    assert book["installation"] == {"name": "Example Cement Producer", "country": "TR"}
    assert book["reporting_period"] == {"start": "2023-01-01", "end": "2023-12-31"}
    (proc,) = book["processes"]
    assert proc["id"] == "P1" and proc["good"] == "Cement"
    assert proc["cn_codes"] == [expected["cn"]]
    assert close(proc["activity_level"], expected["AL_t"])
    assert close(proc["direct_emissions"], expected["expected_DirEm_tCO2"])
    assert close(proc["electricity"]["consumed_mwh"], expected["electricity_MWh"])
    assert proc["electricity"]["emission_factor"] == Decimal(str(expected["EF_el_t_per_MWh"]))
    streams = {s["name"].casefold(): s for s in book["source_streams"]}
    for want in expected["source_streams"]:
        got = (
            streams[want["name"]]
            if want["name"] in streams
            else streams[next(k for k in streams if want["name"] in k)]
        )
        assert got["method"] == want["type"]
        assert got["activity_data"] == Decimal(str(want["AD_t"]))
        assert got["process"] == "P1"
        if want["type"] == "combustion":
            assert got["ncv"] == Decimal(str(want["NCV_GJ_per_t"]))
            assert got["emission_factor"] == Decimal(str(want["EF_tCO2_per_TJ"]))
        else:
            assert got["emission_factor"] == Decimal(str(want["EF_tCO2_per_t"]))
        assert got.get("biomass_fraction", Decimal(0)) == Decimal(
            str(want.get("biomass_fraction", 0))
        )


def test_steel_inputs(
    read_examples: dict[str, TemplateWorkbook], see_examples: dict[str, Any]
) -> None:
    book = read_examples["steel_bf_bubble"].installation_dict
    expected = see_examples["steel_bf_bubble"]
    (proc,) = book["processes"]
    assert proc["cn_codes"] == expected["cn"]
    assert close(proc["activity_level"], expected["AL_t"])
    assert close(proc["direct_emissions"], expected["expected_DirEm_star_tCO2"])
    assert proc["waste_gas"] == {
        "imported_tj": 0,
        "exported_tj": Decimal(expected["waste_gas_exported_TJ"]),
    }
    assert close(proc["electricity"]["consumed_mwh"], expected["electricity_MWh"])
    assert close(proc["electricity"]["emission_factor"], expected["EF_el_t_per_MWh"])
    got = [(s["activity_data"], s["carbon_content"]) for s in book["source_streams"]]
    assert all(s["method"] == "mass_balance" for s in book["source_streams"])
    assert len(got) == len(expected["mass_balance_streams_t_and_C"])
    for (ad, c), (_, want_ad, want_c) in zip(
        got, expected["mass_balance_streams_t_and_C"], strict=True
    ):
        assert ad == Decimal(str(want_ad))
        assert close(c, want_c)  # examples.json prints 0.002729 for 0.0027292576...
    plastic = book["source_streams"][3]
    assert plastic["biomass_fraction"] == Decimal("0.16")


def test_screws_inputs(
    read_examples: dict[str, TemplateWorkbook], see_examples: dict[str, Any]
) -> None:
    book = read_examples["screws_and_nuts"]
    expected = see_examples["screws_and_nuts"]["processes"]
    procs = book.installation_dict["processes"]
    assert [p["cn_codes"] for p in procs] == [["73181542"], ["73181535"]]
    assert book.installation_dict["source_streams"] == []
    assert len(book.details["unattributed_source_streams"]) > 0
    assert any("does not attribute source streams" in n for n in book.notes)
    for proc, want in zip(procs, expected, strict=True):
        assert close(proc["activity_level"], want["AL_t"])
        assert close(proc["direct_emissions"], want["DirEm_star"])
        assert close(proc["electricity"]["consumed_mwh"], want["electricity_MWh"])
        assert close(proc["electricity"]["emission_factor"], want["EF_el"])
        (prec,) = proc["precursors"]
        (want_prec,) = want["precursors"]
        assert prec["good"] == "Iron or steel products"
        assert close(prec["mass"], want_prec["M_t"])
        assert close(prec["see_direct"], want_prec["SEE_dir"])
        assert close(prec["see_indirect"], want_prec["SEE_ind"])
    assert [p["precursors"][0]["country"] for p in procs] == ["CN", "US"]


def test_workbook_summary_see(
    read_examples: dict[str, TemplateWorkbook], see_examples: dict[str, Any]
) -> None:
    cement = read_examples["cement_bubble"].summary_see()
    want = see_examples["cement_bubble"]["expected"]
    assert close(cement["25232900"][0], want["SEE_dir"]) and close(
        cement["25232900"][1], want["SEE_ind"]
    )
    steel = read_examples["steel_bf_bubble"].summary_see()
    want = see_examples["steel_bf_bubble"]["expected"]
    assert set(steel) == set(see_examples["steel_bf_bubble"]["cn"])
    for direct, indirect in steel.values():
        assert close(direct, want["SEE_dir"]) and close(indirect, want["SEE_ind"])
    screws = read_examples["screws_and_nuts"].summary_see()
    for cn, proc in zip(
        ("73181542", "73181535"), see_examples["screws_and_nuts"]["processes"], strict=True
    ):
        assert close(screws[cn][0], proc["expected"]["SEE_dir"])
        assert close(screws[cn][1], proc["expected"]["SEE_ind"])
    row = read_examples["screws_and_nuts"].workbook_summary[0]
    assert row["location"] == "sheet Summary_Products, row 10"
    assert close(
        row["see_total"], see_examples["screws_and_nuts"]["processes"][0]["expected"]["SEE_total"]
    )


def test_summary_communication_read_by_header(read_examples: dict[str, TemplateWorkbook]) -> None:
    rows = read_examples["steel_bf_bubble"].details["summary_communication"]
    assert [r["cn"] for r in rows] == ["72081000", "72122000", "72139120", "73021028"]
    assert all(close(r["see_direct"], "1.538976") for r in rows)


def test_json_document(read_examples: dict[str, TemplateWorkbook]) -> None:
    doc = read_examples["cement_bubble"].to_json_dict()
    assert set(doc) >= {"installation", "processes", "workbook_summary"}
    assert doc["workbook_summary"][0]["cn"] == "25232900"
    assert "location" not in doc["workbook_summary"][0]


# ---- filling the blank -------------------------------------------------------------------


@pytest.mark.parametrize("key", list(EXAMPLES))
def test_round_trip(
    key: str, filled: dict[str, Path], read_examples: dict[str, TemplateWorkbook]
) -> None:
    again = read_template(filled[key])
    assert again.version == "2.1.1"
    assert again.installation_dict == read_examples[key].installation_dict
    # The blank's stored results are empty; nothing stale is reported as the workbook's SEE.
    assert again.workbook_summary == []


def _formulas(path: Path) -> dict[tuple[str, str], str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        book = openpyxl.load_workbook(path, read_only=True)
    found: dict[tuple[str, str], str] = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = getattr(cell, "value", None)
                if isinstance(value, str) and value.startswith("="):
                    found[(sheet.title, cell.coordinate)] = value  # type: ignore[union-attr]
    book.close()
    return found


def test_fill_keeps_every_formula(filled: dict[str, Path], xlsx: Path) -> None:
    blank = _formulas(xlsx / BLANK)
    after = _formulas(filled["screws_and_nuts"])
    assert len(blank) > 10000
    assert after == blank


def test_fill_keeps_package_parts(filled: dict[str, Path], xlsx: Path) -> None:
    changed = {"xl/workbook.xml", "docProps/app.xml"}
    with zipfile.ZipFile(xlsx / BLANK) as a, zipfile.ZipFile(filled["steel_bf_bubble"]) as b:
        assert a.namelist() == b.namelist()
        parts = {n for n in a.namelist() if a.read(n) != b.read(n)}
        book = b.read("xl/workbook.xml").decode()
        app = b.read("docProps/app.xml").decode()
        sheets = [b.read(n).decode() for n in b.namelist() if n.startswith("xl/worksheets/sheet")]
    assert changed <= parts
    assert all(p.startswith("xl/worksheets/sheet") or p in changed for p in parts)
    assert 'fullCalcOnLoad="1"' in book
    assert "<Application>cbam</Application>" in app
    assert sum(s.count("<sheetProtection") for s in sheets) == 19
    assert sum(s.count("x14:conditionalFormatting") for s in sheets) > 0


def test_fill_protection_validations_names(filled: dict[str, Path], xlsx: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        blank = openpyxl.load_workbook(xlsx / BLANK)
        out = openpyxl.load_workbook(filled["cement_bubble"])
    assert set(blank.defined_names) == set(out.defined_names)
    for name in blank.sheetnames:
        assert out[name].protection.sheet == blank[name].protection.sheet
        assert len(out[name].data_validations.dataValidation) == len(
            blank[name].data_validations.dataValidation
        )
    assert out["A_InstData"]["I26"].value == "Türkiye"
    assert out["D_Processes"]["L54"].value == 1037310


def test_text_stays_text(tmp_path: Path, xlsx: Path) -> None:
    inst = {
        "installation": {"name": "1+2 <Works> & Co", "country": "CN"},
        "reporting_period": {"start": "2025-01-01", "end": "2025-12-31"},
        "processes": [
            {
                "id": "P1",
                "name": 'HYPERLINK("x")',
                "good": "hydrogen",
                "activity_level": 10,
                "direct_emissions": 5,
                "electricity": {"consumed_mwh": 1, "emission_factor": 1},
            }
        ],
    }
    out = tmp_path / "text.xlsx"
    fill_template(inst, xlsx / BLANK, out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        book = openpyxl.load_workbook(out)
    cell = book["A_InstData"]["I20"]
    assert cell.value == "1+2 <Works> & Co" and cell.data_type == "s"
    assert book["A_InstData"]["L83"].data_type == "s"
    back = read_template(out).installation_dict
    assert back["installation"]["name"] == "1+2 <Works> & Co"
    assert back["processes"][0]["name"] == 'HYPERLINK("x")'


def test_fill_refuses_unknown_good(tmp_path: Path, xlsx: Path) -> None:
    inst = {"installation": {"name": "x"}, "processes": [{"id": "P1", "good": "bananas"}]}
    with pytest.raises(InputError) as err:
        fill_template(inst, xlsx / BLANK, tmp_path / "x.xlsx")
    assert err.value.field == "good" and err.value.location == "processes[0].good"
    assert not (tmp_path / "x.xlsx").exists()


def test_fill_refuses_unknown_from_process(tmp_path: Path, xlsx: Path) -> None:
    inst = {
        "processes": [
            {"id": "P1", "good": "cement", "precursors": [{"from_process": "P9", "mass": 1}]}
        ]
    }
    with pytest.raises(InputError) as err:
        fill_template(inst, xlsx / BLANK, tmp_path / "x.xlsx")
    assert err.value.location == "processes[0].precursors[0]" and err.value.field == "from_process"


def test_fill_internal_precursor_round_trip(tmp_path: Path, xlsx: Path) -> None:
    inst = {
        "installation": {"name": "Two step", "country": "IN"},
        "reporting_period": {"start": "2025-01-01", "end": "2025-12-31"},
        "source_streams": [],
        "processes": [
            {
                "id": "P1",
                "name": "clinker kiln",
                "good": "cement clinker",
                "activity_level": Decimal(100),
                "direct_emissions": Decimal("85.5"),
                "heat": {"exported_tj": Decimal("1.5"), "exported_ef": Decimal("62.3")},
            },
            {
                "id": "P2",
                "name": "mill",
                "good": "cement",
                "cn_codes": ["2523 29 00"],
                "activity_level": Decimal(120),
                "direct_emissions": Decimal(2),
                "electricity": {"consumed_mwh": Decimal(9), "emission_factor": Decimal("0.7")},
                "precursors": [
                    {"from_process": "P1", "mass": Decimal(95)},
                    {
                        "name": "bought clinker",
                        "good": "cement clinker",
                        "country": "TR",
                        "mass": Decimal(5),
                        "see_direct": Decimal("0.9"),
                        "see_indirect": Decimal("0.05"),
                    },
                ],
            },
        ],
    }
    out = tmp_path / "two.xlsx"
    fill_template(inst, xlsx / BLANK, out)
    back = read_template(out).installation_dict
    assert back["reporting_period"] == inst["reporting_period"]
    p1, p2 = back["processes"]
    assert p1["heat"] == {"exported_tj": Decimal("1.5"), "exported_ef": Decimal("62.3")}
    assert p2["cn_codes"] == ["25232900"]
    assert p2["precursors"] == [
        {"from_process": "P1", "mass": 95},
        {
            "name": "bought clinker",
            "good": "Cement clinker",
            "country": "TR",
            "mass": 5,
            "see_direct": Decimal("0.9"),
            "see_indirect": Decimal("0.05"),
        },
    ]


@settings(max_examples=4, deadline=None, database=None)
@given(
    level=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e9"), places=3),
    direct=st.decimals(min_value=Decimal(0), max_value=Decimal("1e9"), places=6),
)
def test_numbers_round_trip_exactly(
    level: Decimal, direct: Decimal, tmp_path_factory: pytest.TempPathFactory, reference_dir: Path
) -> None:
    """Invariant: numbers of up to 15 significant digits come back digit for digit."""
    out = tmp_path_factory.mktemp("h") / "n.xlsx"
    inst = {
        "installation": {"name": "h", "country": "EG"},
        "reporting_period": {"start": "2025-01-01", "end": "2025-12-31"},
        "processes": [
            {
                "id": "P1",
                "name": "p",
                "good": "ammonia",
                "activity_level": level,
                "direct_emissions": direct,
                "electricity": {"consumed_mwh": 1, "emission_factor": 1},
            }
        ],
    }
    fill_template(inst, reference_dir / "xlsx" / BLANK, out)
    proc = read_template(out).installation_dict["processes"][0]
    assert proc["activity_level"] == level
    assert proc["direct_emissions"] == direct


# ---- error paths -------------------------------------------------------------------------


def test_not_a_template(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"  # type: ignore[union-attr]
    book.save(path)
    with pytest.raises(InputError) as err:
        read_template(path)
    assert err.value.source == str(path)
    assert (
        "0_Versions" in err.value.reason
        and "not a Commission communication template" in err.value.reason
    )


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(InputError, match="not a zip archive"):
        read_template(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_template(tmp_path / "nope.xlsx")


def test_truncated_file(tmp_path: Path, xlsx: Path) -> None:
    data = (xlsx / EXAMPLES["cement_bubble"]).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as err:
        read_template(path)
    assert err.value.source == str(path)


def _edit(src: Path, dest: Path, sheet: str, cell: str, value: object) -> None:
    """Change one cell at the package level (openpyxl would drop the cached results)."""
    from cbam.formats.template import fill as tf

    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dest, "w") as b:
        part = tf._sheet_parts(a)[sheet]
        row, col = tf._col_index(cell)
        for info in a.infolist():
            payload = a.read(info.filename)
            if info.filename == part:
                payload = tf._write_cells_unchecked(payload, {(row, col): value})
            b.writestr(info, payload, compress_type=zipfile.ZIP_DEFLATED)


def test_text_in_numeric_cell(tmp_path: Path, xlsx: Path) -> None:
    path = tmp_path / "text.xlsx"
    _edit(xlsx / EXAMPLES["screws_and_nuts"], path, "D_Processes", "L81", "eight thousand")
    with pytest.raises(InputError) as err:
        read_template(path)
    assert err.value.location == "sheet D_Processes, cell L81"
    assert err.value.field == "activity level"
    assert "eight thousand" in err.value.reason


def test_unsupported_version(tmp_path: Path, xlsx: Path) -> None:
    path = tmp_path / "v3.xlsx"
    _edit(xlsx / BLANK, path, "0_Versions", "E45", "3.0")
    with pytest.raises(InputError) as err:
        read_template(path)
    assert err.value.field == "version" and "3.0" in err.value.reason
    with pytest.raises(InputError):
        fill_template({"processes": []}, path, tmp_path / "out.xlsx")


def test_fill_never_overwrites_formula(tmp_path: Path, xlsx: Path) -> None:
    from cbam.formats.template import layout as lay
    from cbam.formats.template.book import open_workbooks
    from cbam.formats.template.plan import CellPlan

    shown, raw = open_workbooks(xlsx / BLANK)
    grids = lay.grids(shown, raw, "blank")
    plan = CellPlan(grids, "blank")
    with pytest.raises(InputError) as err:
        plan.put("D_Processes", (24, 12), Decimal(1))  # L24 sums the production rows
    assert err.value.location == "sheet D_Processes, cell L24"


# ---- LibreOffice conversion (run where soffice is installed) ------------------------------


def test_soffice_converts_filled(filled: dict[str, Path], tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CBAM_REQUIRE_SOFFICE") == "1":
            pytest.fail("soffice not on PATH (CBAM_REQUIRE_SOFFICE=1)")
        pytest.skip("LibreOffice (soffice) is not installed")
    for path in filled.values():
        run = subprocess.run(
            [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        assert (tmp_path / (path.stem + ".pdf")).stat().st_size > 0


# ---- recomputation with the installation engine (the `cbam see WORKBOOK.xlsx` acceptance) --


def test_engine_reproduces_workbook_see(read_examples: dict[str, TemplateWorkbook]) -> None:
    engine = pytest.importorskip("cbam.installation")
    for book in read_examples.values():
        result = engine.compute_see(book.installation)
        by_name = {p.id: p for p in result.processes}
        names = {p["name"]: p["id"] for p in book.installation_dict["processes"]}
        for row in book.workbook_summary:
            process = by_name[names[row["process"]]]
            assert abs(process.see_direct - row["see_direct"]) <= REL * abs(row["see_direct"])
            assert abs(process.see_indirect - row["see_indirect"]) <= REL * abs(row["see_indirect"])
