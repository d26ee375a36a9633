"""The main job's file path: the one engine over a customs file, whole or split across processes.

A file assessed in one process, split in parts across processes, or read line by line through
:func:`cbam.read_imports` into :func:`cbam.assess` gives the same Assessment (every digit and
exponent), the same ``lines.csv`` bytes and the same error: the parts' exact sums merge without
rounding, and the row templates of the ``lines.csv`` writer are made from the same
:func:`~cbam.declaration.engine.line_result` as the models the API sink receives.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbam import job
from cbam.declaration.assess import assess
from cbam.declaration.model import Assessment, SupplierValue
from cbam.errors import CbamError, InputError
from cbam.formats.imports import read_imports
from cbam.formats.installation_files import load_suppliers
from cbam.formats.lines import LinesCsvWriter
from cbam.formats.split import split_points
from cbam.job import assess_file
from tests.verified import VERIFIED_2026

D = Decimal
ROOT = Path(__file__).resolve().parents[1]

SUPPLIER = SupplierValue(
    installation_id="TW-1",
    cn_codes=("73181542",),
    see_direct=D("2.1"),
    see_indirect=D("0.3"),
    see_total_definitive=D("2.1"),
    benchmark_a=D("1.4"),
    source="test",
    **VERIFIED_2026,
)


class ModelSink:
    """A sink of the API kind (a callable taking LineResult models) writing lines.csv."""

    def __init__(self, writer: LinesCsvWriter) -> None:
        self.writer = writer

    def __call__(self, line: Any) -> None:
        self.writer(line)


def reference(path: Path, out: Path, year: int = 2026, **kw: Any) -> Assessment:
    """The API's way: read_imports -> assess, each line handed over as a LineResult model."""
    try:
        with LinesCsvWriter(out) as writer:
            return assess(read_imports(path, year=year), year, sink=ModelSink(writer), **kw)
    except CbamError as exc:
        raise exc.located(source=str(path)) from None


def outcome(run: Any, path: Path, out: Path, **kw: Any) -> tuple[str, bytes | None]:
    """A comparable picture of a run: the Assessment's repr (every Decimal digit and exponent)
    or the error's type and message; and the bytes of lines.csv (None when absent)."""
    out.unlink(missing_ok=True)
    try:
        result = run(path, out, **kw)
        picture = repr(result.model_dump())
    except CbamError as exc:
        picture = f"{type(exc).__name__}: {exc}"
    return picture, out.read_bytes() if out.exists() else None


def fast(path: Path, out: Path, year: int = 2026, workers: int = 1, **kw: Any) -> Assessment:
    return assess_file(path, year, lines_csv=out, workers=workers, **kw)


@pytest.fixture
def split_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split even the smallest file across processes (the production cut-off is 4 MB)."""
    monkeypatch.setattr(job, "PARALLEL_MIN_BYTES", 0)


def write_csv(path: Path, rows: list[list[str]], *, crlf: bool = False) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\r\n" if crlf else "\n").writerows(rows)
    return path


def generated(lines: int, seed: int = 7) -> Iterator[list[str]]:
    spec = importlib.util.spec_from_file_location("gen", ROOT / "benchmarks/generate_imports.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen"] = module
    spec.loader.exec_module(module)
    return module.generate(lines, 2026, seed)  # type: ignore[no-any-return]


# -- identical results ------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_sample_file_identical(
    samples_dir: Path, tmp_path: Path, workers: int, split_always: None
) -> None:
    suppliers = load_suppliers(samples_dir / "suppliers", 2026)
    imports = samples_dir / "imports-2026.csv"
    kw = {"suppliers": suppliers, "scenario_prices": [D("80"), D("100")]}
    ref = outcome(reference, imports, tmp_path / "ref.csv", **kw)
    got = outcome(fast, imports, tmp_path / "bulk.csv", workers=workers, **kw)
    assert got == ref
    assert ref[1] is not None and ref[1].count(b"\r\n") == 301
    assert "lines': 300" in ref[0]


@pytest.mark.parametrize("crlf", [False, True])
def test_generated_file_split_in_three(tmp_path: Path, split_always: None, crlf: bool) -> None:
    imports = write_csv(tmp_path / "in.csv", list(generated(3000)), crlf=crlf)
    suppliers = [SUPPLIER.model_copy(update={"installation_id": "TW-FAST-001"})]
    ref = outcome(reference, imports, tmp_path / "ref.csv", suppliers=suppliers)
    got = outcome(fast, imports, tmp_path / "bulk.csv", workers=3, suppliers=suppliers)
    assert got == ref
    assert ref[1] is not None and ref[1].count(b"\r\n") == 3001


def test_parts_start_at_line_starts(tmp_path: Path) -> None:
    imports = write_csv(tmp_path / "in.csv", list(generated(500)))
    parts = split_points(imports, 4, 0)
    assert parts is not None and len(parts) == 4
    data = imports.read_bytes()
    assert parts[0].start == data.index(b"\n") + 1 and parts[0].first_row == 2
    for part in parts:
        assert data[part.start - 1 : part.start] == b"\n"
        assert data[: part.start].count(b"\n") + 1 == part.first_row
    assert sum(p.rows or 0 for p in parts[:-1]) + data[parts[-1].start :].count(b"\n") == 500


def test_quoted_files_are_not_split(tmp_path: Path, split_always: None) -> None:
    rows = list(generated(200))
    rows[5][0] = "a,b"  # csv.writer quotes it: a line may no longer be a row
    assert split_points(write_csv(tmp_path / "q.csv", rows), 2, 0) is None
    lone_cr = tmp_path / "cr.csv"
    lone_cr.write_bytes(b"cn_code,country,net_mass,import_date\r" + b"72081000,IN,1,2026-01-05\n")
    assert split_points(lone_cr, 2, 0) is None


def test_xlsx_input_identical(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in generated(60):
        sheet.append(row)
    sheet.append(["X1", 72081000, "IN", 12.5, "2026-04-01", None, None, 4000])
    book.save(tmp_path / "in.xlsx")
    ref = outcome(reference, tmp_path / "in.xlsx", tmp_path / "ref.csv")
    got = outcome(fast, tmp_path / "in.xlsx", tmp_path / "bulk.csv")
    assert got == ref and "lines': 61" in ref[0]


# -- de minimis ---------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("masses", [["20", "30"], ["20", "30.001"], ["49", "1", "0.5", "0.5"]])
def test_de_minimis_identical(
    tmp_path: Path, masses: list[str], workers: int, split_always: None
) -> None:
    rows = [["cn_code", "country", "net_mass", "import_date"]]
    rows += [["72081000", "IN", m, "2026-02-01"] for m in masses]
    rows.insert(2, ["28041000", "CN", "0.2", "2026-05-01"])  # hydrogen: always in scope
    imports = write_csv(tmp_path / "in.csv", rows)
    ref = outcome(reference, imports, tmp_path / "ref.csv")
    got = outcome(fast, imports, tmp_path / "bulk.csv", workers=workers)
    assert got == ref
    exempt = sum(float(m) for m in masses) <= 50  # test data only
    assert ("'exempt': True" in ref[0]) is exempt
    assert ref[1] is not None and (b",true," in ref[1]) is exempt


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_bad_row_names_file_row_and_column(
    tmp_path: Path, workers: int, split_always: None
) -> None:
    rows = list(generated(400))
    rows[350][3] = "12,5kg"  # row 351 (header = row 1)
    imports = write_csv(tmp_path / "in.csv", rows)
    (tmp_path / "bulk.csv").write_text("older file\n")
    with pytest.raises(InputError) as caught:
        fast(imports, tmp_path / "bulk.csv", workers=workers)
    assert caught.value.source == str(imports)
    assert caught.value.location == "row 351"
    assert caught.value.field == "net_mass"
    assert "'12,5kg' is not a number" in str(caught.value)
    # all or nothing: the older lines.csv stays, no temporary file is left
    assert (tmp_path / "bulk.csv").read_text() == "older file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bulk.csv", "in.csv"]


@pytest.mark.parametrize("workers", [1, 2])
def test_first_error_wins_across_chunks(tmp_path: Path, workers: int, split_always: None) -> None:
    rows = list(generated(400))
    rows[390][2] = "DE"  # an EU origin: the good fails (row 391) ...
    rows[20][1] = "7204 10 00"  # ... but scrap at row 21 comes first
    imports = write_csv(tmp_path / "in.csv", rows)
    ref = outcome(reference, imports, tmp_path / "ref.csv")
    got = outcome(fast, imports, tmp_path / "bulk.csv", workers=workers)
    assert got == ref
    assert "row 21, field 'cn_code'" in ref[0] and ref[1] is None


def test_empty_and_header_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    no_mass = write_csv(tmp_path / "h.csv", [["cn_code", "country", "import_date"]])
    for imports in (empty, no_mass):
        ref = outcome(reference, imports, tmp_path / "ref.csv")
        got = outcome(fast, imports, tmp_path / "bulk.csv")
        assert got == ref and ref[1] is None
    assert "empty" in outcome(fast, empty, tmp_path / "b.csv")[0]
    assert "missing column(s): net_mass" in outcome(fast, no_mass, tmp_path / "b.csv")[0]


# -- hypothesis: any file, the same outcome -------------------------------------------------------

CN = ["73181542", "7318 15 42", "7318.15.42", "7318154200", "72081000", "2716 00 00", "28041000"]
CN_BAD = ["7204 10 00", "7318", "abc", ""]
COUNTRY = ["CN", "cn", " TW ", "TR", "IN", "RS"]
COUNTRY_BAD = ["DE", "XX", "China", ""]
MASS = ["1.5", "0.123", " 2 ", "1e2", "0", "-0", "12.3400", "1\u00a0000", "1 000", "3_000", "7"]
MASS_BAD = ["-1", "abc", "", "NaN", "Infinity"]
DATE = ["2026-03-01", "2026-12-31", "2026-07-15T10:00", " 2026-01-02 "]
DATE_BAD = ["2027-01-01", "01/02/2026", ""]
DEDUCTION = ["", "", "0", "0.000", "1.5", "  "]
DEDUCTION_BAD = ["-2", "x"]
LINE_ID = ["", "L1", ' a,"b" ', "x\ny"]
INSTALLATION = ["", "", "TW-1", " TW-1 ", "OTHER-9"]
ROUTE = ["", "", "(C)", "d"]


def cells(good: list[str], bad: list[str], bad_odds: int) -> st.SearchStrategy[str]:
    return st.one_of(*[st.sampled_from(good)] * bad_odds, st.sampled_from(bad))


@st.composite
def files(draw: st.DrawFn) -> list[list[str]]:
    odds = draw(st.sampled_from([40, 8]))  # mostly clean files, some with an error
    header = ["line_id", "cn_code", "country", "net_mass", "import_date", "installation_id"]
    header += ["route", "carbon_price_deduction"]
    if draw(st.booleans()):
        header.append("clinker_content")
    rows = [header]
    for _ in range(draw(st.integers(0, 60))):
        row = [
            draw(st.sampled_from(LINE_ID)),
            draw(cells(CN, CN_BAD, odds)),
            draw(cells(COUNTRY, COUNTRY_BAD, odds)),
            draw(cells(MASS, MASS_BAD, odds)),
            draw(cells(DATE, DATE_BAD, odds)),
            draw(st.sampled_from(INSTALLATION)),
            draw(st.sampled_from(ROUTE)),
            draw(cells(DEDUCTION, DEDUCTION_BAD, odds)),
        ]
        if len(header) == 9:
            row.append(draw(cells(["", "", "0.7"], ["1.2"], odds)))
        shape = draw(st.integers(0, 30))
        if shape == 0:
            row = ["", " "] + [""] * (len(row) - 2)  # a blank row
        elif shape == 1:
            row = row[:3]  # short: the missing cells read as empty
        elif shape == 2:
            row = [*row, ""]  # an empty extra cell is allowed
        elif shape == 3 and odds == 8:
            row = [*row, "surplus"]
        rows.append(row)
    return rows


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=files(), workers=st.sampled_from([1, 1, 2]))
def test_any_file_same_outcome(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], workers: int
) -> None:
    folder = tmp_path_factory.mktemp("h")
    imports = write_csv(folder / "in.csv", rows)
    kw: dict[str, Any] = {"suppliers": [SUPPLIER]}
    ref = outcome(reference, imports, folder / "ref.csv", **kw)
    old = job.PARALLEL_MIN_BYTES
    job.PARALLEL_MIN_BYTES = 0  # a hypothesis test cannot use the function-scoped fixture
    try:
        got = outcome(fast, imports, folder / "bulk.csv", workers=workers, **kw)
    finally:
        job.PARALLEL_MIN_BYTES = old
    assert got == ref


# -- progress counts lines (issue 16) ---------------------------------------------------------


def test_progress_counts_lines(
    samples_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cbam.declaration import engine as engine_module

    monkeypatch.setattr(engine_module, "PROGRESS_EVERY", 100)
    messages: list[str] = []
    fast(samples_dir / "imports-2026.csv", tmp_path / "lines.csv", progress=messages.append)
    assert messages == ["100 lines assessed", "200 lines assessed", "300 lines assessed"]
    # Split across processes, this process reports the lines of its own part.
    monkeypatch.setattr(job, "PARALLEL_MIN_BYTES", 0)
    messages.clear()
    imports = write_csv(tmp_path / "in.csv", list(generated(1000)))
    fast(imports, tmp_path / "split.csv", workers=2, progress=messages.append)
    assert messages and all("of the first of 2 parts assessed" in m for m in messages)
    assert messages[0].startswith("100 lines")


# -- the four files when the goods are many ----------------------------------------------------


def _workbook_cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    finally:
        book.close()


@pytest.fixture
def many_goods(tmp_path: Path) -> Path:
    """A file of 400 lines, each from an installation of its own (400 goods)."""
    rows = [
        [f"L{i}", "73181542", "CN", f"{i % 17 + 1}.5", "2026-03-01", f"INST-{i}"]
        for i in range(400)
    ]
    header = ["line_id", "cn_code", "country", "net_mass", "import_date", "installation_id"]
    return write_csv(tmp_path / "many.csv", [header, *rows])


def test_many_goods_give_the_same_files_written_one_after_the_other(
    tmp_path: Path, many_goods: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above REPORT_APART_MAX_GOODS the report is written after the declaration files (no
    forked process holding the goods), declaration.xml checked in a process of its own: the
    four files are the same as when the report is written beside them."""
    apart = job.run_assess(many_goods, 2026, tmp_path / "apart")
    monkeypatch.setattr(job, "REPORT_APART_MAX_GOODS", 10)
    calls: list[Path] = []
    from cbam.formats import declaration_files

    original = declaration_files.DeclarationCheck.__init__

    def counting(self: Any, path: Path) -> None:
        calls.append(Path(path))
        original(self, path)

    monkeypatch.setattr(declaration_files.DeclarationCheck, "__init__", counting)
    after = job.run_assess(many_goods, 2026, tmp_path / "after")
    assert len(after.assessment.goods) == 400 and len(calls) == 1
    for name in ("lines.csv", "declaration.json", "declaration.xml"):
        assert (tmp_path / "after" / name).read_bytes() == (tmp_path / "apart" / name).read_bytes()
    assert _workbook_cells(tmp_path / "after" / "report.xlsx") == _workbook_cells(
        tmp_path / "apart" / "report.xlsx"
    )
    assert after.summary()["totals"] == apart.summary()["totals"]


def test_many_goods_an_invalid_declaration_leaves_no_files(
    tmp_path: Path, many_goods: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check in its own process refuses the file as the in-process check does, after
    the report: the output folder is not made."""
    from cbam.formats import declaration_files

    monkeypatch.setattr(job, "REPORT_APART_MAX_GOODS", 10)
    good_text = declaration_files._good_text

    def broken(good: Any) -> str:
        return good_text(good).replace("<Country>CN</Country>", "<Country>China</Country>")

    monkeypatch.setattr(declaration_files, "_good_text", broken)
    out = tmp_path / "out"
    with pytest.raises(InputError, match=r"does not fit schema .*China") as caught:
        job.run_assess(many_goods, 2026, out)
    # Streamed, the check learns of the problem only at the end of the file: no "line 0".
    assert caught.value.location is None and "Country" in str(caught.value)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["many.csv"]
