"""Writers never leave a partial file, never clobber the previous good file when they fail,
and the CLI never lets an output replace one of its inputs."""

from __future__ import annotations

import errno
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cbam import files as files_module
from cbam.declaration.assess import assess
from cbam.declaration.model import Assessment
from cbam.errors import InputError
from cbam.formats import declaration_files as declaration_module
from cbam.formats import lines as lines_module
from cbam.formats import workbook as workbook_module
from cbam.formats.declaration_files import write_declaration_json, write_declaration_xml
from cbam.formats.imports import read_imports
from cbam.formats.lines import LinesCsvWriter
from cbam.formats.qreport import write as qreport_write
from cbam.formats.template import fill as fill_module
from cbam.formats.workbook import write_report_xlsx

from .bad_inputs.conftest import assert_refused, cli
from .bad_inputs.corpus import case

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
OLD = b"the previous, complete file\n"


class Boom(Exception):
    """The fault injected midway through a write."""


@pytest.fixture(scope="module")
def assessment(tmp_path_factory: pytest.TempPathFactory) -> Assessment:
    folder = tmp_path_factory.mktemp("atomic")
    with LinesCsvWriter(folder / "lines.csv") as sink:
        return assess(read_imports(SAMPLES / "imports-2026.csv", year=2026), 2026, sink=sink)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _fail_after(calls: int, real: Callable[..., Any]) -> Callable[..., Any]:
    """``real``, but raising Boom on call number ``calls`` (some output already written)."""
    count = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        count["n"] += 1
        if count["n"] >= calls:
            raise Boom("disk pulled out midway")
        return real(*args, **kwargs)

    return wrapper


def _check_untouched(target: Path) -> None:
    assert target.read_bytes() == OLD, "the previous file was damaged"
    assert _leftovers(target.parent) == []


@case(
    "faults",
    "`declaration.json`: the disk is full after half the text",
    "the previous file intact, no temporary file",
)
def test_declaration_json_failing_midway(
    assessment: Assessment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "declaration.json"
    target.write_bytes(OLD)
    real_open = Path.open

    class HalfWriter:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, text: str) -> int:
            self.handle.write(text[: len(text) // 2])
            self.handle.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

    def half_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        handle = real_open(self, *args, **kwargs)
        return HalfWriter(handle) if self.name.endswith(".tmp") else handle

    monkeypatch.setattr(Path, "open", half_open)
    with pytest.raises(OSError, match="No space left"):
        write_declaration_json(assessment, target)
    _check_untouched(target)


@case(
    "faults",
    "`declaration.xml`: a failure at the 2nd good",
    "the previous file intact, no temporary file",
)
def test_declaration_xml_failing_midway(
    assessment: Assessment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(assessment.goods) > 2
    target = tmp_path / "declaration.xml"
    target.write_bytes(OLD)
    monkeypatch.setattr(
        declaration_module,
        "_good_text",
        _fail_after(2, declaration_module._good_text),
    )
    with pytest.raises(Boom):
        write_declaration_xml(assessment, target)
    _check_untouched(target)


@case(
    "faults",
    "`report.xlsx`: a failure while writing the Summary",
    "the previous file intact, no temporary file",
)
def test_report_xlsx_failing_midway(
    assessment: Assessment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.xlsx"
    target.write_bytes(OLD)
    monkeypatch.setattr(
        workbook_module, "_write_summary", _fail_after(1, workbook_module._write_summary)
    )
    with pytest.raises(Boom):
        write_report_xlsx(assessment, target)
    _check_untouched(target)


@case(
    "faults",
    "`report.xlsx` from a damaged `lines.csv`",
    "refused naming `lines.csv` and row 1; the previous report intact",
)
def test_report_xlsx_with_a_damaged_lines_csv(assessment: Assessment, tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    target.write_bytes(OLD)
    damaged = tmp_path / "lines.csv"
    damaged.write_text("not,a,lines,file\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        write_report_xlsx(assessment, target, lines_csv=damaged)
    assert caught.value.source == str(damaged)
    assert caught.value.location == "row 1"
    _check_untouched(target)


@case(
    "faults",
    "`report.xlsx` from a `lines.csv` with a 200,000-digit cell",
    "refused naming `lines.csv` and row 2; the previous report intact",
)
def test_report_xlsx_with_a_giant_cell_in_lines_csv(assessment: Assessment, tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    target.write_bytes(OLD)
    giant = tmp_path / "lines.csv"
    header = ",".join(lines_module.COLUMNS)
    giant.write_text(header + "\n" + "9" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        write_report_xlsx(assessment, target, lines_csv=giant)
    assert caught.value.location == "row 2"
    _check_untouched(target)


@case(
    "faults",
    "`lines.csv`: the customs file breaks off after the last line",
    "the previous file intact, no temporary file",
)
def test_lines_csv_failing_midway(assessment: Assessment, tmp_path: Path) -> None:
    target = tmp_path / "lines.csv"
    target.write_bytes(OLD)

    def lines() -> Iterator[Any]:
        yield from read_imports(SAMPLES / "imports-2026.csv", year=2026)
        raise Boom("the ERP export broke off")

    with pytest.raises(Boom), LinesCsvWriter(target) as sink:
        assess(lines(), 2026, sink=sink)
    _check_untouched(target)


@case(
    "faults",
    "QReport XML: a failure in the 3rd element",
    "the previous file intact, no temporary file",
)
def test_qreport_failing_midway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cbam.declaration.declarant import load_declarant
    from cbam.formats.qreport.build import build_qreport

    from .formats.qreport_helpers import sample_lines

    built = build_qreport(
        sample_lines(), "2025Q4", load_declarant(SAMPLES / "declarant.json"), SAMPLES / "suppliers"
    )
    target = tmp_path / "report.xml"
    target.write_bytes(OLD)
    monkeypatch.setattr(qreport_write, "_children", _fail_after(3, qreport_write._children))
    with pytest.raises(Boom):
        qreport_write.write_qreport(built.report, target)
    _check_untouched(target)


@case(
    "faults",
    "filled template: a failure writing the 2nd sheet",
    "the previous file intact, no temporary file",
)
def test_template_fill_failing_midway(
    reference_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cbam.installation import load_installation

    blank = reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx"
    target = tmp_path / "filled.xlsx"
    target.write_bytes(OLD)
    monkeypatch.setattr(fill_module, "_rewrite_sheet", _fail_after(2, fill_module._rewrite_sheet))
    installation = load_installation(SAMPLES / "installations" / "steel-bf.json")
    with pytest.raises(Boom):
        fill_module.fill_template(installation, blank, target)
    _check_untouched(target)


@case("faults", "the final rename fails", "the previous file intact, no temporary file")
def test_write_atomic_failing_at_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "data.json"
    target.write_bytes(OLD)

    def refuse(*_args: object) -> None:
        raise OSError(errno.EXDEV, "cross-device link")

    monkeypatch.setattr(files_module.os, "replace", refuse)
    with pytest.raises(OSError, match="cross-device"):
        files_module.write_text_atomic(target, "new content")
    _check_untouched(target)


# -- outputs never replace inputs --------------------------------------------------------------


@case(
    "inputs",
    "`cbam assess DIR/lines.csv --out DIR`",
    "refused — “would be overwritten”; the input unchanged, nothing written",
)
def test_assess_refuses_out_folder_holding_the_input_as_lines_csv(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    imports = folder / "lines.csv"
    shutil.copy(SAMPLES / "imports-2026.csv", imports)
    before = imports.read_bytes()
    run = cli("assess", imports, "--year", "2026", "--out", folder)
    message = assert_refused(run, imports)
    assert "would be overwritten" in message
    assert imports.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["lines.csv"]


@case(
    "inputs",
    "`--declarant DIR/declaration.json --out DIR`",
    "refused — “would be overwritten”; the declarant file unchanged",
)
def test_assess_refuses_a_declarant_file_named_like_an_output(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    declarant = folder / "declaration.json"
    shutil.copy(SAMPLES / "declarant.json", declarant)
    before = declarant.read_bytes()
    run = cli(
        "assess", SAMPLES / "imports-2026.csv", "--year", "2026", "--out", folder,
        "--declarant", declarant,
    )  # fmt: skip
    assert "would be overwritten" in assert_refused(run, declarant)
    assert declarant.read_bytes() == before


@case("inputs", "`--out` naming a file", "refused — “--out must be a folder”")
def test_assess_refuses_out_naming_a_file(tmp_path: Path) -> None:
    imports = tmp_path / "imports.csv"
    shutil.copy(SAMPLES / "imports-2026.csv", imports)
    before = imports.read_bytes()
    run = cli("assess", imports, "--year", "2026", "--out", imports)
    assert "--out must be a folder" in assert_refused(run, imports)
    assert imports.read_bytes() == before


@case("inputs", "`DIR/lines.csv` a symbolic link to the input", "refused; the input unchanged")
def test_assess_through_a_symlink_is_still_the_input(tmp_path: Path) -> None:
    imports = tmp_path / "imports.csv"
    shutil.copy(SAMPLES / "imports-2026.csv", imports)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "lines.csv").symlink_to(imports)
    run = cli("assess", imports, "--year", "2026", "--out", folder)
    assert_refused(run, imports)
    assert imports.read_bytes() == (SAMPLES / "imports-2026.csv").read_bytes()


@case(
    "inputs",
    "`cbam qreport X.csv -o X.csv`; `-o` the declarant file",
    "refused — “would be overwritten”",
)
def test_qreport_refuses_output_equal_to_input(tmp_path: Path) -> None:
    imports = tmp_path / "q4.csv"
    imports.write_text(
        "cn_code,country,net_mass,import_date\n72081000,CN,1,2025-11-03\n", encoding="utf-8"
    )
    before = imports.read_bytes()
    for output, victim in ((imports, imports), (SAMPLES / "declarant.json", None)):
        run = cli(
            "qreport", imports, "--period", "2025Q4", "--declarant", SAMPLES / "declarant.json",
            "-o", output,
        )  # fmt: skip
        assert "would be overwritten" in assert_refused(run, victim or output)
    assert imports.read_bytes() == before


@case(
    "inputs",
    "`cbam template fill INST --template T -o INST` or `-o T`",
    "refused — “would be overwritten”",
)
def test_template_fill_refuses_output_equal_to_an_input(tmp_path: Path) -> None:
    installation = tmp_path / "cement.json"
    shutil.copy(SAMPLES / "installations" / "cement.json", installation)
    template = tmp_path / "blank.xlsx"
    template.write_bytes(b"PK not really")
    before = installation.read_bytes()
    for output in (installation, template):
        run = cli("template", "fill", installation, "--template", template, "-o", output)
        assert "would be overwritten" in assert_refused(run, output)
    assert installation.read_bytes() == before


@case(
    "inputs",
    "`fill_template(...)` with the output the blank template",
    "`InputError` “the output is the blank template itself”; the blank unchanged",
)
def test_fill_template_api_refuses_to_replace_the_blank(tmp_path: Path) -> None:
    template = tmp_path / "blank.xlsx"
    template.write_bytes(OLD)
    with pytest.raises(InputError, match="the output is the blank template itself"):
        fill_module.fill_template({}, template, template)
    assert template.read_bytes() == OLD
