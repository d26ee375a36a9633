"""Measure the main job against the I/O floor and opencbam; write docs/performance.md.

One command::

    python benchmarks/run.py                      # every case below
    python benchmarks/run.py --sizes 10000 --no-doc --no-shapes

Customs files are generated (benchmarks/generate_imports.py, seed 2026), then each measurement
runs in a fresh child process (its own peak memory: ``ru_maxrss`` of the child plus that of the
largest worker process it forked):

(a) floor: a bare ``csv.reader`` pass over the input plus a ``csv.writer`` of as many rows;
(b) cbam: :func:`cbam.job.assess_file` (read, assess, write lines.csv) plus declaration.json and
    declaration.xml -- what ``cbam assess`` does, less report.xlsx -- for the usual mix of few
    goods at 10k, 100k and 1M lines;
(c) assess: the whole ``cbam assess`` command (all four outputs, report.xlsx included, started
    as a new process would start it) on two shapes that test how the cost grows with goods:
    200,000 lines over 1,400 goods, and 100,000 lines each from an installation of its own;
    for the first, also the parts that no code of the job's own can take off (its lower
    bound): the library's imports, and the report's cells written again into a bare
    XlsxWriter workbook;
(d) opencbam (when installed; never a dependency): ``assess_good`` one line at a time over the
    default-value lines (no installation), comparing its certificates with cbam's lines.csv
    per line (cbam's exact figure rounded half-up to opencbam's 3 decimals).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import glob
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"


def _peak_mb() -> float:
    """Peak resident memory of this process plus its largest finished child, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024  # Linux reports kB


def _largest_mb() -> float:
    """Peak resident memory of the largest single process: this one or a finished child."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _pss_kb(pid: int) -> int:
    """Proportional set size of a process in kB (0 when it has ended or Linux lacks the file).

    Pages shared by several processes (a forked worker and its parent) count once in the sum
    of their PSS, each process bearing its share.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        one = todo.pop()
        found.append(one)
        for task in glob.glob(f"/proc/{one}/task/*/children"):
            with contextlib.suppress(OSError), open(task, encoding="ascii") as handle:
                todo.extend(int(child) for child in handle.read().split())
    return found


class PeakMemory:
    """Samples the memory of a process and its descendants every 50 ms, while the job runs.

    ``peak_mb`` is the largest sum of their PSS seen: the memory the whole job held at once,
    shared pages counted once. Sampling can miss a peak shorter than 50 ms; ``ru_maxrss``
    (largest process) bounds it from below. The benchmark samples the measured process from
    its parent (:func:`_measure`), so that the sampling takes nothing from the job's own
    interpreter.
    """

    def __init__(self, pid: int | None = None) -> None:
        self.pid = os.getpid() if pid is None else pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in _tree(self.pid)))

    def __enter__(self) -> PeakMemory:
        if os.path.exists(f"/proc/{self.pid}/smaps_rollup"):
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


# -- the three measurements (each runs in its own child process) --------------------------------


def floor(imports: Path, out: Path) -> dict[str, Any]:
    start = time.perf_counter()
    rows = 0
    with (
        imports.open(newline="", encoding="utf-8") as source,
        out.open("w", newline="", encoding="utf-8") as target,
    ):
        writer = csv.writer(target)
        for row in csv.reader(source):
            writer.writerow(row)
            rows += 1
    return {"seconds": time.perf_counter() - start, "rows": rows - 1}


def cbam(imports: Path, out: Path) -> dict[str, Any]:
    from cbam.formats.declaration_files import write_declaration_json, write_declaration_xml
    from cbam.formats.installation_files import load_suppliers
    from cbam.job import assess_file

    suppliers = load_suppliers(ROOT / "samples" / "suppliers", 2026)
    start = time.perf_counter()
    assessment = assess_file(imports, 2026, suppliers=suppliers, lines_csv=out / "lines.csv")
    write_declaration_json(assessment, out / "declaration.json")
    write_declaration_xml(assessment, out / "declaration.xml")
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows": assessment.lines,
        "certificates": str(assessment.totals.certificates),
    }


def opencbam(imports: Path, out: Path) -> dict[str, Any]:
    import opencbam as opencbam_pkg
    from opencbam.engine.orchestrator import assess_good
    from opencbam.engine.types import DataSource
    from opencbam.engine.types import Sector as OSector

    from cbam import goods
    from cbam.codes import iso_from_name, validate_cn, validate_country
    from cbam.errors import CbamError

    # line id -> (certificates, SEE used, SEFA, net mass) as cbam wrote them
    ours: dict[str, tuple[Decimal, Decimal, Decimal, Decimal]] = {}
    with (out / "lines.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["basis"] == "default":
                ours[row["line_id"]] = (
                    Decimal(row["certificates"]),
                    Decimal(row["see_used"]),
                    Decimal(row["sefa"]),
                    Decimal(row["net_mass"]),
                )
    prices: dict[str, Decimal] = {}
    with (out / "lines.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            prices.setdefault(row["period"], Decimal(row["price"]))
    sectors = {s.value: s for s in OSector}
    # opencbam looks countries up by the workbook's English sheet name, not the ISO code.
    names: dict[str, str] = {}
    for record in json.loads(
        (Path(opencbam_pkg.__file__).parent / "engine/data/default_values_2621.json").read_text()
    ):
        try:
            names.setdefault(iso_from_name(record["country"]), record["country"])
        except CbamError:
            continue
    # Parse like any caller would, then time assess_good alone, one line at a time.
    work = []
    with imports.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["installation_id"]:
                continue
            cn = validate_cn(row["cn_code"])
            sector = sectors[goods.good(cn).category.sector.value]
            quarter = (int(row["import_date"][5:7]) - 1) // 3 + 1
            work.append(
                (
                    row["line_id"],
                    f"{cn[:4]} {cn[4:6]} {cn[6:]}",
                    names.get(validate_country(row["country"]), row["country"]),
                    Decimal(row["net_mass"]),
                    sector,
                    prices.get(f"2026Q{quarter}", Decimal("75")),
                )
            )
    agree = 0
    differ: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    start = time.perf_counter()
    results = []
    for line_id, cn, country, mass, sector, price in work:
        try:
            extra = {"functional_unit_mass": mass} if sector is OSector.CEMENT else {}
            result = assess_good(
                cn_code=cn,
                country=country,
                mass=mass,
                year=2026,
                data_source=DataSource.DEFAULT,
                sector=sector,
                certificate_price=price,
                **extra,
            )
            results.append((line_id, cn, country, result))
        except ValueError as exc:
            failed[f"{cn} {country}: {str(exc)[:60]}"] += 1
    seconds = time.perf_counter() - start
    same_arithmetic = 0
    see_differs = 0
    sefa_differs: Counter[str] = Counter()
    three = Decimal("0.001")
    for line_id, cn, country, result in results:
        certificates, see_used, sefa, mass = ours[line_id]
        mine = certificates.quantize(three, rounding=ROUND_HALF_UP)
        if mine == result.certificates_due:
            agree += 1
        else:
            differ[f"{cn} {country}"] += 1
        if see_used != result.see_obligation:
            see_differs += 1
        # The same arithmetic on opencbam's default value: isolates the data from the engine.
        again = max(Decimal(0), mass * result.see_obligation - mass * sefa)
        if sefa != result.sefa:
            sefa_differs[f"{cn} {country}"] += 1
        elif again.quantize(three, ROUND_HALF_UP) == result.certificates_due:
            same_arithmetic += 1
    return {
        "seconds": seconds,
        "rows": len(work),
        "compared": len(results),
        "agree": agree,
        "same_arithmetic": same_arithmetic,
        "see_differs": see_differs,
        "differ": dict(differ.most_common()),
        "sefa_differs": dict(sefa_differs.most_common()),
        "failed": dict(failed.most_common()),
    }


def assess(imports: Path, out: Path) -> dict[str, Any]:
    """The whole ``cbam assess`` command, as the console script runs it (imports included)."""
    start = time.perf_counter()
    from cbam.cli import main

    code = main(["assess", str(imports), "--year", "2026", "--out", str(out / "assess")])
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"cbam assess failed with exit code {code}")
    with (out / "assess" / "lines.csv").open(encoding="utf-8") as handle:
        rows = sum(1 for _ in handle) - 1
    return {"seconds": seconds, "rows": rows}


def start(imports: Path, out: Path) -> dict[str, Any]:
    """The imports ``cbam assess`` makes (Python's own start not counted, as in :func:`assess`):
    part of every run, before the first line is read."""
    begin = time.perf_counter()
    import cbam.cli
    import cbam.formats.declaration_files
    import cbam.formats.workbook
    import cbam.job  # noqa: F401

    return {"seconds": time.perf_counter() - begin, "rows": 0}


def writer(imports: Path, out: Path) -> dict[str, Any]:
    """The cells of the report.xlsx that :func:`assess` wrote, written again into a bare
    XlsxWriter workbook (streamed, as the report is; one format for texts, one for numbers; no
    widths, filters or charts): what XlsxWriter alone needs for that report, a lower bound."""
    import openpyxl
    import xlsxwriter

    from cbam.formats.workbook import _cell_method

    report = openpyxl.load_workbook(out / "assess" / "report.xlsx", read_only=True)
    sheets = {s.title: list(s.iter_rows(values_only=True)) for s in report.worksheets}
    report.close()
    begin = time.perf_counter()
    bare = xlsxwriter.Workbook(str(out / "bare.xlsx"), {"constant_memory": True})
    text, number = bare.add_format({"valign": "top"}), bare.add_format({"num_format": "0.000"})
    cells = 0
    for title, rows in sheets.items():
        sheet = bare.add_worksheet(title)
        # The methods the report calls, without XlsxWriter's A1-notation decorator.
        write_string = _cell_method(sheet, "write_string")
        write_number = _cell_method(sheet, "write_number")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    write_string(r, c, value, text)
                elif isinstance(value, int | float):
                    write_number(r, c, value, number)
                else:
                    continue
                cells += 1
    bare.close()
    seconds = time.perf_counter() - begin
    # The copied customs lines: the rows that start with their row number in the customs file
    # (not the header, nor the closing note on the lines left out).
    preview = [row for row in sheets.get("Lines", []) if row and isinstance(row[0], int)]
    return {
        "seconds": seconds,
        "rows": cells,
        "preview_lines": len(preview),
        "preview_cells": sum(v is not None for row in preview for v in row),
    }


def child(kind: str, imports: Path, out: Path) -> None:
    measure = {
        "floor": floor,
        "cbam": cbam,
        "assess": assess,
        "opencbam": opencbam,
        "start": start,
        "writer": writer,
    }[kind]
    with contextlib.redirect_stdout(sys.stderr):  # stdout: the JSON
        result = measure(imports, out if kind != "floor" else out / "floor.csv")
    result["peak_mb"] = _peak_mb()
    result["largest_mb"] = _largest_mb()
    print(json.dumps(result))


# -- the driver ---------------------------------------------------------------------------------


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "generate_imports", ROOT / "benchmarks/generate_imports.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generate(lines: int, path: Path, shape: str = "mix") -> None:
    if path.exists():
        return
    module = _generator()
    rows = {
        "mix": lambda: module.generate(lines, 2026, 2026),
        "goods": lambda: module.generate_many_goods(lines, 1400, 2026, 2026),
        "installations": lambda: module.generate_many_installations(lines, 2026, 2026),
    }[shape]()
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _measure(kind: str, imports: Path, out: Path) -> dict[str, Any]:
    """One measurement in a fresh process, its memory sampled from here."""
    command = [sys.executable, __file__, "--child", kind, str(imports), str(out)]
    with (
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as process,
        PeakMemory(process.pid) as memory,
    ):
        stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command, stdout, stderr)
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    result["pss_mb"] = memory.peak_mb
    return result


def _best_of(
    kinds: tuple[str, ...], imports: Path, out: Path, repeat: int
) -> dict[str, dict[str, Any]]:
    """The fastest of ``repeat`` runs of each kind, taken in turn (floor, cbam, floor, cbam...)
    so that a machine whose speed drifts meets both alike; memory: the largest of the runs."""
    done: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    for _ in range(repeat):
        for kind in kinds:
            done[kind].append(_measure(kind, imports, out))
    runs = {}
    for kind, found in done.items():
        runs[kind] = min(found, key=lambda r: r["seconds"])
        for memory in ("peak_mb", "largest_mb", "pss_mb"):
            runs[kind][memory] = max(r.get(memory, 0) for r in found)
    return runs


def _has_opencbam() -> bool:
    return importlib.util.find_spec("opencbam") is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/cbam-bench"))
    parser.add_argument("--repeat", type=int, default=3, help="best of N for floor and cbam")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave the doc")
    parser.add_argument(
        "--no-shapes", action="store_true", help="skip the many-goods and many-installations cases"
    )
    parser.add_argument(
        "--child", nargs=3, metavar=("KIND", "IMPORTS", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    table = []
    details = []
    for size in args.sizes:
        imports = args.work / f"imports-{size}.csv"
        _generate(size, imports)
        out = args.work / f"out-{size}"
        out.mkdir(exist_ok=True)
        runs = _best_of(("floor", "cbam"), imports, out, args.repeat)
        if _has_opencbam():
            runs["opencbam"] = _measure("opencbam", imports, out)
        row = {"size": size, **{k: v for k, v in runs.items()}}
        table.append(row)
        print(json.dumps(row), flush=True)
        details.append(row)
    shapes = [] if args.no_shapes else _shapes(args)
    text = _markdown(table, args) + _shapes_markdown(shapes, table)
    print(text)
    if not args.no_doc:
        DOC.write_text(text, encoding="utf-8")
    return 0


#: The shapes of issue 12: (name, lines, generator shape, distinct goods, targets, what is
#: measured). Many goods also measures the parts no code of the job's own can take off
#: (:func:`start`, :func:`writer`): the lower bound of its ratio to the floor.
SHAPES = (
    ("many goods", 200_000, "goods", "1,400 (CN code, origin)", "within 10x the floor",
     ("floor", "assess", "start", "writer")),
    ("many installations", 100_000, "installations", "100,000 installations",
     "under 60 s and 500 MB", ("floor", "assess")),
)  # fmt: skip


def _shapes(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The whole ``cbam assess`` on the many-goods and many-installations files."""
    found = []
    for name, lines, shape, goods, target, kinds in SHAPES:
        imports = args.work / f"imports-{shape}-{lines}.csv"
        _generate(lines, imports, shape)
        out = args.work / f"out-{shape}"
        out.mkdir(exist_ok=True)
        runs: dict[str, Any] = _best_of(kinds, imports, out, args.repeat)
        row = {"name": name, "lines": lines, "goods": goods, "target": target, **runs}
        row["load"] = os.getloadavg()[0]
        print(json.dumps(row), flush=True)
        found.append(row)
    return found


def _met(row: dict[str, Any]) -> bool:
    floor_s, assess = row["floor"]["seconds"], row["assess"]
    if row["name"] == "many goods":
        return bool(assess["seconds"] / floor_s <= 10)
    return bool(assess["seconds"] < 60 and assess["pss_mb"] < 500)


def _shapes_markdown(rows: list[dict[str, Any]], table: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    lines = [
        "## How the cost grows with goods",
        "",
        "The whole `cbam assess` command (read, assess, `lines.csv`, `declaration.json`, "
        "`declaration.xml` and `report.xlsx`; Python started and the library imported as a new "
        "process does) on two files of `benchmarks/generate_imports.py`: `--goods 1400` (lines "
        "spread over 1,400 goods of the whole catalogue) and `--installations` (each line from "
        "an installation of its own, none with supplier data). Per-good work is done once per "
        "good and year (the valuation, shared by the goods that value alike). Up to 20,000 "
        "goods the report is written in a forked process while the declaration files are "
        "written; above, after them in the same process, with only the schema check of "
        "`declaration.xml` in a small process of its own (a forked process would copy the "
        "pages that hold the goods). Peak MB is the "
        "largest memory the job held at once: the sum of the proportional set sizes (PSS) of "
        "the main process and the processes it started, sampled every 50 ms from outside the "
        "job (pages they share after a fork count once). Largest MB is `ru_maxrss` of the "
        "largest single process, a lower bound; sum MB adds the `ru_maxrss` of the main "
        "process and of its largest worker, an upper bound (shared pages count twice, and "
        "the two peaks need not fall together).",
        "",
        "| case | lines | goods | floor s | cbam assess s | assess / floor | peak MB (PSS) "
        "| largest MB | sum MB | target | met | load (1 min) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for row in rows:
        f, a = row["floor"], row["assess"]
        lines.append(
            f"| {row['name']} | {row['lines']:,} | {row['goods']} | {f['seconds']:.3f} "
            f"| {a['seconds']:.2f} | {a['seconds'] / f['seconds']:.1f} | {a['pss_mb']:.0f} "
            f"| {a['largest_mb']:.0f} | {a['peak_mb']:.0f} | {row['target']} "
            f"| {'yes' if _met(row) else 'NO'} | {row['load']:.2f} |"
        )
    bound = next((_lower_bound(row, table) for row in rows if "writer" in row), None)
    lines += ["", *([bound, ""] if bound else []), *WHERE_THE_TIME_GOES, ""]
    return "\n".join(lines)


def _lower_bound(row: dict[str, Any], table: list[dict[str, Any]]) -> str:
    """The many-goods ratio no change to the job's own code can go below, from this run."""
    w_run = row["writer"]
    f, s, w = row["floor"]["seconds"], row["start"]["seconds"], w_run["seconds"]
    text = (
        f"**Lower bound of the many-goods case** (this run): the library's imports take "
        f"{s:.2f} s, and the {w_run['rows']:,} cells of its `report.xlsx`, written "
        f"again into a bare XlsxWriter workbook (streamed like the report, no widths, filters "
        f"or charts: `writer` in benchmarks/run.py), {w:.2f} s: {(s + w) / f:.1f}x the floor "
        "before a line is read."
    )
    few = max(table, key=lambda r: r["size"]) if table else None
    if few:
        lines_s = row["lines"] / _rate(few["cbam"])
        total = (s + w + lines_s) / f
        text += (
            f" Its {row['lines']:,} lines at the rate of the {few['size']:,}-line case (few "
            f"goods; `lines.csv` and the declaration files, no report) add {lines_s:.2f} s: "
            f"{total:.1f}x in all. "
        )
        text += (
            "No code of the job's own can meet the target."
            if total > 10
            else f"The target leaves {10 - total:.1f}x the floor ({(10 - total) * f:.2f} s) for "
            "everything else: the 1,400 goods' valuations in nine years, their rows of "
            "`lines.csv`, the report's own work around XlsxWriter's (its rows, rounding and "
            "formats)."
        )
    return text + (
        " The report comes after the assessment (its Goods and Audit sheets need every good's "
        "result), and the assessment already takes both cores, so they add up. Meeting the "
        "target needs another way to write `report.xlsx` than XlsxWriter, or a report with "
        f"fewer cells (the Lines sheet holds the first {w_run['preview_lines']:,} lines: "
        f"{w_run['preview_cells']:,} of them)."
    )


#: Why the targets of issue 12 are not all met, from profiles of 2026-12-01 (per-stage timings
#: in one process, cProfile, and a replay of the report's XlsxWriter calls).
WHERE_THE_TIME_GOES = (
    "### Where the time goes",
    "",
    "Per customs line, in one process, in CPU instructions (valgrind's cachegrind: the "
    "instructions of 60,000 lines of the 1,000,000-line file less those of 20,000, which "
    "unlike seconds do not move with the machine's load; measured on 2026-12-01): the bare "
    "`csv` parse 7,900, reading and checking the row 14,100 more, the engine 14,100 (one small "
    "function per rule: EE, FAA, carbon price, N, cost, in a 100-digit exact context), writing "
    "`lines.csv` 18,700 (29 columns, 226 MB for 1,000,000 lines, 4.8 times the 47 MB the floor "
    "writes back): about 54,900 a line, 66,600 before this round. This round took 17.6 % off: "
    "a good's lines without a deduction add only their mass to the good's mass of their "
    "pricing period, whose figures the same certificate functions give once when the good is "
    "settled (`GoodState.settle`, equal to the sum of the lines' figures to the last digit; "
    "each line added six figures to the good's sums before); the reader keys its caches on "
    "the columns the file has (an absent column tells no two rows apart) and builds a line "
    "without a starred unpacking; a row of `lines.csv` is joined from its template's pieces "
    "instead of `%`-formatted; a mass of at most 16 characters skips a range check it cannot "
    "fail. In seconds the ratio to the floor moves by a tenth or more from hour to hour on this "
    "machine, as its speed does (the 1,000,000-line floor measured 1.6 s to 2.7 s on one day). "
    "Tried and measured without gain: one cache key for all a row's texts (a 17-text tuple to "
    "hash), figures' texts with the `decimal_text` call written out five times a line (no "
    "fewer instructions: many figures end in a zero and then take both ways), the line id read "
    "by index.",
    "",
    "With many goods the whole `cbam assess` is about 0.35 s of imports, about 3 s of "
    "assessment (each of the two processes meets all 1,400 goods and values them in its half "
    "of the 2027-2034 years, then assesses its 100,000 lines) and then `report.xlsx`, 2.4-3.7 "
    "s, while the declaration files take 0.4 s in the other process. In one process (2026-12-"
    "01), 100,000 lines of the many-goods file take 2.9-3.2 s against 1.0 s for 100,000 lines "
    "of the few-goods file: 1.2-1.3 s of the difference is the 2027-2034 trajectory (11,200 "
    "valuations with their audit trail, 35-52 microseconds each, with the benchmark and route "
    "look-ups cached per year), the rest the goods' first valuations and `lines.csv` row "
    "templates. The lower bound above leaves little or no room for any of it, nor for the "
    "report's own work around XlsxWriter's (its rows, rounding and formats: about 0.5-1.5 s).",
    "",
    "With 100,000 installations each good is valued once per year and shared (one valuation "
    "for all installations without supplier data), but each has its own result, row template "
    "and report row. Measured in the morning of 2026-12-01, before the last round, in one run "
    "without sampling (49 s): 14 s of "
    "assessment (the two parts 6.3 s, merging 0.7 s, the figures of the year and the "
    "2027-2034 trajectory 6 s in one process), then, one after the other in the main process, "
    "`declaration.json` 4.2 s, `declaration.xml` 4.3 s (its schema check, 5.3 s, runs "
    "meanwhile in a small process of its own) and `report.xlsx` 27 s (XlsxWriter's 2.8 million "
    "cells). Until an earlier round the report was written in a forked process beside the "
    "declaration files: that process read every good, and CPython's reference counts made it "
    "copy each page that holds one, so the job held 685 MB at once. Above 20,000 goods it is "
    "now written after them. The peak falls at the end of the parallel assessment, when the "
    "worker sends its goods' sums back.",
    "",
    "The same stages for 10,000 installations in one process, in CPU instructions "
    "(cachegrind, 2026-12-01): assessment 8.2 G, `declaration.json` 2.7 G, `declaration.xml` "
    "2.4 G, `report.xlsx` 24.9 G: 38.2 G, 42.3 G before the last round (assessment 10.4 G: "
    "the engine's goods were validated again by pydantic when made, 19 microseconds a good; "
    "the trajectory priced every good in each of eight years, where goods that value alike "
    "and claim no deduction are now priced once on their summed mass; each good's row "
    "template of `lines.csv` was formatted cell by cell, where it is now made from the "
    "template of the goods valued alike, its installation and key written in; `declaration.json` "
    "3.0 G, a dictionary's scalar members now written without a call each; `declaration.xml` "
    "2.7 G; the report 26.2 G, its cells now written through XlsxWriter's methods without "
    "their A1-notation decorator). The report is 65 % of the whole: XlsxWriter spends about 9.6 "
    "microseconds on a text cell (three regular expressions over each text) and 3.5 on a "
    "number. Tried and dropped: the report written by a second process while the main one "
    "writes the declaration files. Forked, the two processes held every page of goods twice "
    "(a page either one writes after the fork is copied, and reading an object writes its "
    "reference count): 603-643 MB. A new process given the Goods rows in a file needed 5.6 s "
    "to have them prepared and pickled and took 65 s in all against 52 s, and a new process "
    "would run the caller's script again where it is not guarded by "
    '`if __name__ == "__main__"`.',
    "",
    "The 60 s depend on the hour. This machine's speed moves by up to 1.75 times within a day: "
    "the code before the last round took 52.7 s at one hour (its floor 0.18 s) and 62-68 s "
    "at another (floor 0.22 s); on the afternoon of 2026-12-01 the whole job took 52 s at "
    "13:13 and 70-79 s at 13:55, for the last round's code and the code before it alike.",
)


def _rate(run: dict[str, Any]) -> float:
    return run["rows"] / run["seconds"]  # display only


def _markdown(table: list[dict[str, Any]], args: argparse.Namespace) -> str:
    sizes = " ".join(str(s) for s in args.sizes)
    lines = [
        "# Performance of the main job",
        "",
        "Measured by `benchmarks/run.py` on this machine "
        f"({platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}). Reproduce with:",
        "",
        "```",
        f"python benchmarks/run.py --sizes {sizes} --repeat {args.repeat}",
        "```",
        "",
        "Customs files come from `benchmarks/generate_imports.py` (seed 2026: fasteners, flat "
        "steel, aluminium, cement, fertilisers, electricity; about 9 % of lines with supplier "
        "data). Each measurement runs in a fresh process; floor and cbam are the best of "
        f"{args.repeat} runs, taken in turn (floor, cbam, floor, cbam...) so that a drift in "
        "the machine's speed meets both alike. Peak memory is the largest sum of the "
        "proportional set sizes of the measured process and the processes it started, sampled "
        "every 50 ms by the benchmark's own process (shared pages count once).",
        "",
        "- **floor**: a bare `csv.reader` pass over the input plus a `csv.writer` of as many "
        "rows (the input rows written back).",
        "- **cbam**: `cbam.job.assess_file` (read, validate, assess, write `lines.csv`) plus "
        "`declaration.json` and `declaration.xml`: everything `cbam assess` does except "
        "`report.xlsx`. Exact Decimal arithmetic (100-digit context); the one engine, whole "
        "or split across processes (tests/test_job.py).",
        "- **opencbam** 0.1.0 (PyPI, installed for the benchmark only): `assess_good` called "
        "once per default-value line (lines without installation), the same lines cbam "
        "assesses; its time excludes reading the file.",
        "",
        f"Load average when the table was written: {os.getloadavg()[0]:.2f} (1 min); another "
        "process on a 2-core machine halves what the forked worker gains.",
        "",
        "| lines | floor s | cbam s | cbam lines/s | cbam / floor | cbam peak MB "
        "| opencbam lines/s | cbam / opencbam (lines/s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table:
        f, c = row["floor"], row["cbam"]
        o = row.get("opencbam")
        orate = f"{_rate(o):,.0f}" if o else "-"
        ratio = f"{_rate(c) / _rate(o):.1f}x" if o else "-"
        lines.append(
            f"| {row['size']:,} | {f['seconds']:.3f} | {c['seconds']:.3f} | {_rate(c):,.0f} "
            f"| {c['seconds'] / f['seconds']:.2f} | {c['pss_mb']:.0f} | {orate} | {ratio} |"
        )
    largest = max(table, key=lambda r: r["size"])
    f, c, o = largest["floor"], largest["cbam"], largest.get("opencbam")
    checks = [
        ("cbam / floor <= 3", c["seconds"] / f["seconds"] <= 3),
        ("peak memory < 500 MB", c["pss_mb"] < 500),
    ]
    if o:
        checks.append(("cbam >= 10x opencbam lines/s", _rate(c) / _rate(o) >= 10))
    lines += [
        "",
        f"Targets at {largest['size']:,} lines (issues 7 and 12): "
        + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in checks)
        + ".",
    ]
    lines += ["", "## Certificates compared with opencbam", ""]
    lines += [
        "opencbam is called with the workbook's country names (it does not read ISO codes: "
        "given `CN` it silently takes the 'Other countries' row) and rounds certificates to 3 "
        "decimals; cbam's exact figure is rounded half-up to 3 decimals for the comparison. "
        "Where they differ the cause is the default value itself: opencbam copies the "
        "workbook's mark-up column, which is rounded to 3 decimals (CN 7318 15 42 China: "
        "7.013), while cbam applies the mark-up to the total as IR 2025/2621 prescribes "
        "(6.375 x 1.10 = 7.0125); fertilisers (1.374 vs 1.3736) and some countries (South "
        "Korea 7208 10 00: 2.330 vs 2.3303238090) likewise. The SEFA differs only for cement "
        "(2523 29 00): the cement benchmark counts per tonne of clinker contained (IR "
        "2025/2547 Art. 4(5)), and the generated lines give no `clinker_content`, so cbam "
        "gives them no free allocation (conservative, noted) where opencbam applies the "
        "benchmark to the cement's own mass. opencbam refuses CN 2523 10 00 without a clinker "
        "route and electricity without its own licensed emission factors.",
        "",
    ]
    for row in table:
        o = row.get("opencbam")
        if not o:
            lines.append(f"- {row['size']:,} lines: opencbam not installed.")
            continue
        lines.append(
            f"- {row['size']:,} lines: {o['rows']:,} default-value lines, {o['compared']:,} "
            f"assessed by opencbam, {o['agree']:,} with the same certificates (3 decimals), "
            f"{o['compared'] - o['agree']:,} different, {o['rows'] - o['compared']:,} refused; "
            f"{o['see_differs']:,} lines where opencbam's default value differs from the lawful "
            f"one; with opencbam's own default value, cbam's arithmetic (same SEFA, same "
            f"certificates to 3 decimals) agrees on {o['same_arithmetic']:,} of "
            f"{o['compared']:,} compared lines."
        )
    last = next((r["opencbam"] for r in reversed(table) if r.get("opencbam")), None)
    if last and last.get("sefa_differs"):
        lines += ["", "Lines whose SEFA differs, by good (largest run):", ""]
        lines += [f"- {good}: {count:,} lines" for good, count in last["sefa_differs"].items()]
    if last:
        lines += ["", "Lines that differ, by good (largest run):", ""]
        lines += [f"- {good}: {count:,} lines" for good, count in last["differ"].items()]
        lines += ["", "Lines opencbam refused:", ""]
        lines += [f"- {why}: {count:,} lines" for why, count in last["failed"].items()]
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
