"""The benchmark inputs of ``benchmarks/generate_imports.py`` can be assessed (issue 12 shapes)."""

from __future__ import annotations

import csv
import importlib.util
import multiprocessing
import os
import random
import time
from pathlib import Path
from types import ModuleType

import pytest

import cbam
from cbam.declaration.valuation import value_good

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "generate_imports.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_imports", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_many_goods_are_goods_the_library_values() -> None:
    """The 1,400 goods of ``benchmarks/run.py`` (seed 2026) each have a valuation in 2026."""
    goods = _generator()._goods(1400, random.Random(2026), 2026)
    assert len(set(goods)) == 1400
    for cn, origin in goods:
        value_good(cn, origin, 2026)  # raises CbamError for a good without a value
    assert goods == _generator()._goods(1400, random.Random(2026), 2026)


def test_many_goods_file_is_assessed(tmp_path: Path) -> None:
    rows = list(_generator().generate_many_goods(600, 300, 2026, seed=7))
    path = tmp_path / "many-goods.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    result = cbam.assess(cbam.read_imports(path, year=2026), 2026)
    assert len(result.goods) == 300
    assert sum(good.lines for good in result.goods) == 600


def _run_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT.with_name("run.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="Linux /proc only")
def test_peak_memory_counts_the_workers_of_the_job() -> None:
    """benchmarks/run.py's memory figure: the largest sum of the PSS of the process and its
    children, so 60 MB held by a forked child count (once) beside the parent's own."""
    run = _run_module()
    base = run._pss_kb(os.getpid()) / 1024  # this process before: pytest and the library
    with run.PeakMemory() as alone:
        held = bytearray(60 << 20)  # written through: resident, not shared
        held[::4096] = b"x" * len(held[::4096])
        time.sleep(0.3)
    del held
    assert alone.peak_mb >= base + 55
    with run.PeakMemory() as memory:
        child = multiprocessing.get_context("fork").Process(target=_hold, args=(80,))
        child.start()
        child.join()
    assert child.exitcode == 0
    # the child's 80 MB are its own (written after the fork), beside this process's pages
    assert memory.peak_mb >= base + 75 and os.getpid() in run._tree(os.getpid())


def _hold(megabytes: int) -> None:
    block = bytearray(megabytes << 20)
    block[::4096] = b"y" * len(block[::4096])
    time.sleep(0.4)


def test_lower_bound_writes_the_reports_cells_again(tmp_path: Path) -> None:
    """benchmarks/run.py's ``writer`` (the many-goods lower bound) writes the very cells of the
    report ``cbam assess`` wrote -- each sheet, each value -- and counts them."""
    import openpyxl

    from cbam.cli import main

    root = SCRIPT.parents[1]
    imports = root / "samples" / "imports-2026.csv"
    assert main(["assess", str(imports), "--year", "2026", "--out", str(tmp_path / "assess")]) == 0
    result = _run_module().writer(imports, tmp_path)

    def cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
        book = openpyxl.load_workbook(path, read_only=True)
        found = {s.title: [r for r in s.iter_rows(values_only=True) if any(r)] for s in book}
        book.close()
        return found

    report, bare = cells(tmp_path / "assess" / "report.xlsx"), cells(tmp_path / "bare.xlsx")
    assert list(bare) == list(report) and bare == report
    written = sum(v is not None for rows in report.values() for row in rows for v in row)
    assert result["rows"] == written > 500 and result["seconds"] > 0
    # the samples' lines are all copied to the Lines sheet (fewer than 10,000)
    with imports.open(encoding="utf-8") as handle:
        assert result["preview_lines"] == sum(1 for _ in handle) - 1
    lines_cells = sum(v is not None for row in report["Lines"][1:] for v in row)  # no note row
    assert result["preview_cells"] == lines_cells
