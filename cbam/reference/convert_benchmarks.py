"""Benchmark workbook of IR 2025/2620 -> ``data/benchmarks.csv``.

The sheet "Benchmarks" lists each CN code once, followed by continuation rows (CN cell empty)
for further production routes or benchmark periods. A continuation row may leave Column A
empty: Column A then does not vary there and the value given on the code's first row stands.
Route cells hold indicators such as ``(C)``, ``(1)`` or ``(F)(2)``: a letter names the
production route, a digit the period (1 = production years 2026-2027, 2 = 2028-2030).

Each packaged row keeps its workbook row number, so every benchmark the library returns can be
found again in the Commission's file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from cbam.codes import validate_cn
from cbam.errors import InputError, ReferenceDataError
from cbam.files import write_text_atomic
from cbam.goods import good
from cbam.reference.cells import to_decimal
from cbam.reference.manifest import DATA_DIR, DatasetInfo, record, sha256_file
from cbam.xlsxfile import open_workbook

SHEET = "Benchmarks"
VERSIONS_SHEET = "Version history"
FILE = "benchmarks.csv"
COLUMNS = ("cn", "column", "route", "period", "value", "row")
LEGAL_ACT = "IR 2025/2620 Annex"

# One route cell: optional letter, optional period digit, each in parentheses.
_ROUTE_CELL = re.compile(r"^(?:\(([A-L])\))?(?:\(([12])\))?$")


@dataclass(frozen=True)
class BenchmarkRow:
    """One benchmark value of the workbook."""

    cn: str
    column: str
    route: str | None
    period: str | None
    value: Decimal
    row: int


def parse_route(cell: object) -> tuple[str | None, str | None]:
    """``"(F)(1)"`` -> ``("F", "1")``; ``None`` -> ``(None, None)``; junk -> ValueError."""
    if cell is None or not str(cell).strip():
        return None, None
    match = _ROUTE_CELL.match(str(cell).replace(" ", ""))
    if match is None or not any(match.groups()):
        raise ValueError(f"route indicator {cell!r} is not of the form (A)-(L), (1), (2)")
    return match.group(1), match.group(2)


def _find_header(rows: Iterator[tuple[Any, ...]], source: str) -> tuple[int, dict[str, int]]:
    for number, row in enumerate(rows, start=1):
        texts = [" ".join(str(v).split()) if v is not None else "" for v in row]
        if texts and texts[0] == "CN code":
            wanted = {
                "A": "Column A BMg [tCO2e/t]",
                "A_route": "Column A Production route indicator",
                "B": "Column B BMg [tCO2e/t]",
                "B_route": "Column B Production route indicator",
            }
            missing = [text for text in wanted.values() if text not in texts]
            if missing:
                raise ReferenceDataError(
                    f"header lacks {', '.join(repr(m) for m in missing)}",
                    source=source,
                    location=f"sheet {SHEET!r}, row {number}",
                )
            return number, {key: texts.index(text) for key, text in wanted.items()} | {"cn": 0}
    raise ReferenceDataError(
        "no header row starting with 'CN code'", source=source, location=f"sheet {SHEET!r}"
    )


def _cell(row: tuple[Any, ...], index: int) -> Any:
    return row[index] if index < len(row) else None


def read_benchmarks(workbook_path: Path) -> list[BenchmarkRow]:
    """Every benchmark of the sheet, checked; raises :class:`ReferenceDataError` naming the row."""
    source = workbook_path.name
    workbook = open_workbook(workbook_path)
    try:
        if SHEET not in workbook.sheetnames:
            raise ReferenceDataError(f"sheet {SHEET!r} is missing", source=source)
        rows = workbook[SHEET].iter_rows(values_only=True)
        header, col = _find_header(rows, source)
        out: list[BenchmarkRow] = []
        seen: set[tuple[str, str, str | None, str | None]] = set()
        codes: set[str] = set()
        current: str | None = None
        for number, row in enumerate(rows, start=header + 1):
            where = f"sheet {SHEET!r}, row {number}"
            first = _cell(row, col["cn"])
            rest = [_cell(row, col[k]) for k in ("A", "A_route", "B", "B_route")]
            if isinstance(first, str) and all(v is None for v in rest):
                current = None  # a sector heading ("Cement", "Iron & Steel")
                continue
            if first is None and all(v is None for v in rest):
                continue
            if first is not None:
                try:
                    current = validate_cn(str(first).zfill(8) if isinstance(first, int) else first)
                    good(current)  # every benchmark must be a code of the goods catalogue
                except InputError as exc:
                    raise ReferenceDataError(
                        exc.reason, source=source, location=where, field="CN code"
                    ) from None
                if current in codes:
                    raise ReferenceDataError(
                        f"CN {current} appears twice", source=source, location=where
                    )
                codes.add(current)
            elif current is None:
                raise ReferenceDataError(
                    "values without a CN code above them", source=source, location=where
                )
            for column in ("A", "B"):
                try:
                    value = to_decimal(_cell(row, col[column]))
                    route, period = parse_route(_cell(row, col[f"{column}_route"]))
                except ValueError as exc:
                    raise ReferenceDataError(
                        str(exc), source=source, location=where, field=f"Column {column}"
                    ) from None
                if value is None:
                    if first is not None or column == "B" or route or period:
                        raise ReferenceDataError(
                            f"Column {column} has no value",
                            source=source,
                            location=where,
                            field=f"Column {column}",
                        )
                    continue  # Column A does not vary on this continuation row
                key = (current, column, route, period)
                if key in seen:
                    raise ReferenceDataError(
                        f"CN {current} Column {column} repeats route {route} period {period}",
                        source=source,
                        location=where,
                    )
                seen.add(key)
                out.append(BenchmarkRow(current, column, route, period, value, number))
        return out
    finally:
        workbook.close()


def workbook_version(workbook_path: Path) -> tuple[str, str]:
    """The last ``(version, ISO date)`` of the "Version history" sheet.

    Note: version 1 is dated 6 Feb 2025 there although its notes say it is based on IR
    2025/2620 published on 22 Dec 2025 (2026-02-06 is likely meant). The date is recorded as the
    workbook prints it so that it matches the file; the defect is documented, not corrected.
    """
    source = workbook_path.name
    workbook = open_workbook(workbook_path)
    try:
        if VERSIONS_SHEET not in workbook.sheetnames:
            raise ReferenceDataError(f"sheet {VERSIONS_SHEET!r} is missing", source=source)
        found: tuple[str, str] | None = None
        for row in workbook[VERSIONS_SHEET].iter_rows(values_only=True):
            if len(row) >= 2 and row[0] is not None and isinstance(row[1], dt.datetime):
                found = (f"v{row[0]}", row[1].date().isoformat())
        if found is None:
            raise ReferenceDataError("no version row", source=source, location=VERSIONS_SHEET)
        return found
    finally:
        workbook.close()


def convert_benchmarks(workbook: str | Path, data_dir: Path = DATA_DIR) -> DatasetInfo:
    """Write ``benchmarks.csv`` from the IR 2025/2620 workbook; manifest entry ``benchmarks``."""
    path = Path(workbook)
    rows = read_benchmarks(path)
    version, date = workbook_version(path)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in rows:
        writer.writerow(
            [item.cn, item.column, item.route or "", item.period or "", str(item.value), item.row]
        )
    write_text_atomic(data_dir / FILE, buffer.getvalue())
    info = DatasetInfo(
        id="benchmarks",
        title="CBAM benchmarks (Column A: process benchmark; Column B: including precursors)",
        legal_act=LEGAL_ACT,
        version=version,
        version_date=date,
        source_file=path.name,
        sha256=sha256_file(path),
        files=(FILE,),
    )
    record(info, data_dir)
    return info
