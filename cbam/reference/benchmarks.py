"""CBAM benchmarks of IR 2025/2620 (Column A and Column B), with provenance.

Column A is the benchmark of the good's own production process, used with actual embedded
emissions; Column B includes the precursors and is used with default values (IR 2025/2620
Annex pts 3 and 4, as summarised in the project methodology 3.2). Values in t CO2e per t.

How a row is chosen:

* **Period.** Route cells ``(1)`` and ``(2)`` mark values for production years 2026-2027 and
  2028-2030. The ``year`` argument picks the period. IR 2025/2620 sets no value beyond 2030;
  for 2031 onwards the library uses the 2028-2030 values and says so in ``note`` (the CBAM
  factor then falls to 0 by 2034, and revised benchmarks will need a new dataset anyway).
* **Route.** Letters (A)-(L) name production routes (e.g. (C) BF/BOF, (D) DRI/EAF, (E) scrap
  EAF, (K) primary, (L) secondary aluminium). When a CN code has several routes, the caller
  must name one - with default values it is the route indicator of the origin country's row in
  IR 2025/2621 Annex I (methodology 3.2). Without a route the lookup refuses and lists the
  options: the "highest benchmark" rule for several alloy grades (IR 2025/2620 Annex pt 5.1,
  known here only from a secondary quotation) is not applied automatically because the
  workbook's letters are production routes, not alloy grades. :func:`benchmark_options` gives
  all candidates for a caller that has established that pt 5.1 applies.
* A column that does not vary by route (e.g. Column A of 7208 10 00) answers any route and
  the note says the route did not matter.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cbam.codes import format_cn, validate_cn
from cbam.errors import InputError, NoValueError, ReferenceDataError
from cbam.goods import good
from cbam.reference.manifest import DATA_DIR, DatasetInfo, dataset
from cbam.rules import Sector, check_year

FILE = "benchmarks.csv"
SHEET = "Benchmarks"
Column = Literal["A", "B"]
Period = Literal["1", "2"]

#: Last production year IR 2025/2620 sets benchmarks for.
LAST_BENCHMARK_YEAR = 2030


class Benchmark(BaseModel):
    """One CBAM benchmark with where it came from and why this row was chosen."""

    model_config = ConfigDict(frozen=True)

    cn: str
    column: Column
    value: Decimal
    unit: str = "t CO2e/t"
    route: str | None
    """Production-route letter of the row, None when the value does not vary by route."""
    period: Period | None
    """"1" (2026-2027), "2" (2028-2030) or None when the value does not vary by period."""
    year: int
    dataset: DatasetInfo
    location: str
    """``"sheet 'Benchmarks', row 5"`` of the source workbook."""
    note: str | None = None


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)

    column: Column
    route: str | None
    period: Period | None
    value: Decimal
    row: int


def load_benchmarks(path: Path) -> dict[str, tuple[_Row, ...]]:
    """Read a ``benchmarks.csv`` into rows by CN code (ReferenceDataError when damaged)."""
    table: dict[str, list[_Row]] = {}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            for number, raw in enumerate(reader, start=2):
                try:
                    item = _Row.model_validate(
                        {
                            "column": raw["column"],
                            "route": raw["route"] or None,
                            "period": raw["period"] or None,
                            "value": raw["value"],
                            "row": raw["row"],
                        }
                    )
                    table.setdefault(validate_cn(raw["cn"]), []).append(item)
                except (ValueError, KeyError, TypeError) as exc:
                    raise ReferenceDataError(
                        f"damaged benchmark row: {exc}", source=str(path), location=f"row {number}"
                    ) from None
    except FileNotFoundError:
        raise ReferenceDataError(
            "benchmarks are not packaged; run cbam.reference.convert_benchmarks", source=str(path)
        ) from None
    return {cn: tuple(rows) for cn, rows in table.items()}


@cache
def _packaged() -> dict[str, tuple[_Row, ...]]:
    return load_benchmarks(DATA_DIR / FILE)


def period_of(year: int) -> tuple[Period, str | None]:
    """The benchmark period of a production year, and a note when the year is past 2030.

    IR 2025/2620 Annex: indicator (1) = 2026-2027, (2) = 2028-2030.
    """
    year = check_year(year)
    if year <= 2027:
        return "1", None
    if year <= LAST_BENCHMARK_YEAR:
        return "2", None
    return "2", (
        f"year {year} is after the last benchmark period of IR 2025/2620 (2028-2030); "
        "the 2028-2030 value is used until revised benchmarks are adopted"
    )


_ROUTE = re.compile(r"^\(?([A-La-l])\)?$")


def _route_letter(route: str) -> str:
    match = _ROUTE.match(route.strip())
    if match is None:
        raise InputError(
            f"route {route!r} is not a production-route indicator (a letter A-L, e.g. 'C' or "
            "'(C)')",
            field="route",
        )
    return match.group(1).upper()


def _candidates(cn: str, column: str, year: int) -> tuple[str, Column, list[_Row], str | None]:
    if column not in ("A", "B"):
        raise InputError(f"benchmark column must be 'A' or 'B', got {column!r}", field="column")
    col: Column = "A" if column == "A" else "B"
    item = good(cn)
    period, note = period_of(year)
    rows = _packaged().get(item.cn)
    if rows is None:
        if item.sector is Sector.ELECTRICITY:
            reason = "electricity has no CBAM benchmark: its free allocation adjustment is 0"
        else:
            reason = f"IR 2025/2620 sets no benchmark for CN {format_cn(item.cn)}" + (
                f" ({item.scope_note})" if item.scope_note else ""
            )
        raise NoValueError(reason, source=dataset("benchmarks").label, field="cn")
    chosen: list[_Row] = [r for r in rows if r.column == col and r.period in (None, period)]
    return item.cn, col, chosen, note


def _result(cn: str, row: _Row, year: int, note: str | None) -> Benchmark:
    return Benchmark(
        cn=cn,
        column=row.column,
        value=row.value,
        route=row.route,
        period=row.period,
        year=year,
        dataset=dataset("benchmarks"),
        location=f"sheet {SHEET!r}, row {row.row}",
        note=note,
    )


def _join(*notes: str | None) -> str | None:
    text = "; ".join(n for n in notes if n)
    return text or None


def benchmark(cn: str | int, column: Column, *, year: int, route: str | None = None) -> Benchmark:
    """The CBAM benchmark of a good (IR 2025/2620 Annex, Column A or B).

    Parameters
    ----------
    cn:
        CN code of the good (any accepted format).
    column:
        ``"A"`` (process benchmark, actual values) or ``"B"`` (incl. precursors, defaults).
    year:
        Production year; picks the benchmark period (see the module notes).
    route:
        Production-route letter (``"C"`` or ``"(C)"``) when the code has several routes.

    Raises
    ------
    InputError
        Bad column or route, a route the code does not have, or no route where one is needed
        (the message lists the routes and their values).
    NoValueError
        A CBAM good without a benchmark (electricity; CN 3102 10 10, replaced in CN 2025).
    """
    code, col, rows, note = _candidates(str(cn), column, year)
    routed = [r for r in rows if r.route is not None]
    if route is not None:
        letter = _route_letter(route)
        if not routed:
            return _result(
                code,
                rows[0],
                year,
                _join(
                    note,
                    f"Column {col} of CN {format_cn(code)} does not vary by production "
                    f"route; route ({letter}) did not change the value",
                ),
            )
        matching = [r for r in routed if r.route == letter]
        if not matching:
            raise InputError(
                f"CN {format_cn(code)} Column {col} has no route ({letter}); routes: "
                + _listing(routed),
                field="route",
            )
        return _result(code, matching[0], year, _join(note, f"route ({letter}) as requested"))
    if len(rows) == 1:
        return _result(code, rows[0], year, note)
    raise InputError(
        f"CN {format_cn(code)} Column {col} has one benchmark per production route; name the "
        f"route (for default values: the route indicator of the origin country in IR 2025/2621 "
        f"Annex I): {_listing(rows)}",
        field="route",
    )


def benchmark_options(cn: str | int, column: Column, *, year: int) -> tuple[Benchmark, ...]:
    """Every benchmark of a code and column valid in ``year`` (one per route, if any)."""
    code, _col, rows, note = _candidates(str(cn), column, year)
    return tuple(_result(code, r, year, note) for r in rows)


def _listing(rows: list[_Row]) -> str:
    return ", ".join(f"({r.route}) {r.value}" for r in rows)


def benchmarks_dataset() -> DatasetInfo:
    """Provenance of the packaged benchmarks (manifest entry ``benchmarks``)."""
    return dataset("benchmarks")


def clear_cache() -> None:
    """Forget the loaded table (after re-running the converter)."""
    _packaged.cache_clear()


__all__ = [
    "Benchmark",
    "benchmark",
    "benchmark_options",
    "benchmarks_dataset",
    "load_benchmarks",
    "period_of",
]
