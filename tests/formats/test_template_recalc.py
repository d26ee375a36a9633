"""A template filled by ``cbam template fill`` works in a spreadsheet program (issue 16, point 3).

LibreOffice (headless, as CI has it) opens each filled sample, calculates every formula and
saves the workbook; the summaries then hold no ``#N/A`` and the workbook's own SEE equals the
library's and the Commission's filled examples (the ground truth). Without LibreOffice these
tests skip, unless ``CBAM_REQUIRE_SOFFICE=1`` (CI) makes its absence a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from cbam.cli import main
from cbam.formats.template import fill_template, read_template
from cbam.installation import compute_see, load_installation

BLANK = "communication-template-v2.1.1-blank.xlsx"
SAMPLES = {
    "cement.json": "example-1-cement.xlsx",
    "steel-bf.json": "example-2-steel-blast-furnace.xlsx",
    "screws.json": "example-4-screws-and-nuts.xlsx",
}
SUMMARIES = ("Summary_Products", "Summary_Communication")
REL = Decimal("1e-9")


def _soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("CBAM_REQUIRE_SOFFICE") == "1":
            pytest.fail("soffice not on PATH (CBAM_REQUIRE_SOFFICE=1)")
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


@pytest.fixture(scope="module")
def filled(
    reference_dir: Path, samples_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("filled")
    out: dict[str, Path] = {}
    for sample in SAMPLES:
        plant = load_installation(samples_dir / "installations" / sample)
        out[sample] = folder / sample.replace(".json", ".xlsx")
        assert fill_template(plant, reference_dir / "xlsx" / BLANK, out[sample]) == []
    return out


@pytest.fixture(scope="module")
def recalculated(
    filled: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Each filled sample opened, calculated and saved by LibreOffice."""
    soffice = _soffice()
    folder = tmp_path_factory.mktemp("recalculated")
    profile = tmp_path_factory.mktemp("profile")
    run = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(folder),
            *(str(p) for p in filled.values()),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return {sample: folder / path.name for sample, path in filled.items()}


def _values(path: Path, sheet: str) -> dict[tuple[int, int], Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl on the template's Excel extensions
        book = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        return {
            (cell.row, cell.column): cell.value
            for row in book[sheet].iter_rows()
            for cell in row
            if getattr(cell, "value", None) is not None
        }
    finally:
        book.close()


def _is_error(value: object) -> bool:
    return isinstance(value, str) and (
        value in {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"}
        or value.startswith("Err:")
    )


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_summaries_recalculate_without_errors(recalculated: dict[str, Path], sample: str) -> None:
    for sheet in SUMMARIES:
        cells = _values(recalculated[sample], sheet)
        header = next(r for (r, _), v in cells.items() if v == "CN Codes")
        errors = {cell: v for cell, v in cells.items() if _is_error(v)}
        assert "#N/A" not in errors.values(), (sheet, errors)
        # LibreOffice's CELL("filename") has another form than Excel's: the template's
        # navigation links (rows 2-6) and its hidden CN drop-down helper show #VALUE! there,
        # in the Commission's own examples too. Nothing else may be an error.
        for (row, col), value in errors.items():
            assert value == "#VALUE!", (sheet, row, col, value)
            assert row <= 6 or cells.get((header, col)) == "CN Code List", (sheet, row, col)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_the_templates_own_checks_are_satisfied(recalculated: dict[str, Path], sample: str) -> None:
    for sheet in ("A_InstData", "D_Processes", "E_PurchPrec", "Summary_Processes"):
        flagged = {
            cell: v
            for cell, v in _values(recalculated[sample], sheet).items()
            if isinstance(v, str) and (v == "Incomplete!" or v.startswith("Missing!"))
        }
        assert flagged == {}, (sheet, flagged)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_the_workbooks_see_is_the_librarys_and_the_commissions(
    recalculated: dict[str, Path], reference_dir: Path, samples_dir: Path, sample: str
) -> None:
    book = read_template(recalculated[sample])
    assert book.calculated
    workbook = {row["cn"]: row for row in book.workbook_summary}
    official = {
        row["cn"]: row
        for row in read_template(reference_dir / "xlsx" / SAMPLES[sample]).workbook_summary
    }
    library = compute_see(load_installation(samples_dir / "installations" / sample))
    assert set(workbook) == set(official)
    for process in library.processes:
        for cn in process.cn_codes:
            for key in ("see_direct", "see_indirect", "see_total"):
                ours, truth = workbook[cn][key], getattr(process, key)
                assert abs(ours - truth) <= REL * abs(truth), (sample, cn, key, ours, truth)
                assert abs(official[cn][key] - truth) <= REL * abs(truth), (sample, cn, key)


def test_template_read_of_a_never_calculated_workbook_exits_1(
    filled: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = filled["cement.json"]
    book = read_template(path)
    assert not book.calculated and book.workbook_summary == []
    assert book.installation_dict["processes"][0]["included_goods"] == ["Cement clinker"]
    assert main(["template", "read", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "never calculated" in err and "soffice --headless --convert-to xlsx" in err
    assert f"cbam see {path}" in err


def test_fill_selects_what_the_formulas_need(reference_dir: Path, tmp_path: Path) -> None:
    plant = {
        "installation": {"name": "Mill", "country": "TR"},
        "source_streams": [
            {"name": "gas", "method": "combustion", "process": "P1", "activity_data": 1000,
             "ncv": 48, "emission_factor": "56.1"},
            {"name": "lime", "method": "process", "process": "P1", "activity_data": 200,
             "emission_factor": "0.75"},
        ],
        "processes": [
            {"id": "P1", "name": "EAF", "good": "crude steel", "activity_level": 900,
             "electricity": {"consumed_mwh": 500, "emission_factor": "0.5"}},
            {"id": "P2", "name": "Rolling", "good": "iron or steel products", "route": "E",
             "included_goods": ["crude steel"], "activity_level": 800, "direct_emissions": 10,
             "electricity": {"consumed_mwh": 100, "ef_source": "d.4(a)"}},
        ],
    }  # fmt: skip
    out = tmp_path / "mill.xlsx"
    notes = fill_template(plant, reference_dir / "xlsx" / BLANK, out)
    assert notes == [
        "process P1: the source of its electricity emission factor (electricity.ef_source) is "
        "not given; choose it in D_Processes (j) iii",
    ]
    inst = _values(out, "A_InstData")
    processes = _values(out, "D_Processes")
    # 4(a): the categories with their routes (crude steel by P2's letter E: electric arc furnace)
    assert (inst[(62, 5)], inst[(62, 9)]) == ("Crude steel", "Electric arc furnace")
    assert inst[(63, 5)] == "Iron or steel products" and (63, 9) not in inst
    # 4(b): what each process includes
    assert (inst[(83, 6)], inst[(84, 6)]) == ("Only direct production", "Crude steel")
    # D_Processes: DirEm* of P1 from its streams (48 TJ x 56.1 + 200 t x 0.75), of P2 as given
    assert (processes[(54, 12)], processes[(119, 12)]) == (2692.8 + 150, 10)
    assert (67, 12) not in processes and processes[(132, 12)] == "D.4(a)"


def test_fill_names_a_route_it_cannot_know(reference_dir: Path, tmp_path: Path) -> None:
    plant = {
        "installation": {"name": "Smelter", "country": "CN"},
        "processes": [{"id": "P1", "good": "unwrought aluminium", "activity_level": 10,
                       "direct_emissions": 20}],
    }  # fmt: skip
    notes = fill_template(plant, reference_dir / "xlsx" / BLANK, tmp_path / "smelter.xlsx")
    assert notes == [
        "Unwrought aluminium: the installation file gives no route letter that names its "
        "production route; 'Unknown production routes' is selected (A_InstData section 4(a)): "
        "choose the route there"
    ]
    assert _values(tmp_path / "smelter.xlsx", "A_InstData")[(62, 9)] == "Unknown production routes"
