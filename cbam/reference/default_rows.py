"""The rows of the packaged default-value tables (IR 2025/2621 Annexes I and IV) and their CSV.

Shared by the converters (:mod:`cbam.reference.convert_defaults`, which write the CSV files from
the official sources) and the run-time lookups (:mod:`cbam.reference.defaults`, which read them),
so that looking up a default value never imports the converters or openpyxl.

>>> row = rows_from_csv(rows_to_csv([]) + "China,6,CN,cement,25231000,good,Clinker,"
...                     "1.35,0.04,1.39,,A,1.529,1.668,1.807\\n")[0]
>>> row.total, row.routes, row.printed(2030)
(Decimal('1.39'), ('A',), Decimal('1.807'))
>>> rows_from_csv("cn,total\\n")  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
ValueError: unexpected header ['cn', 'total']; expected sheet,row,country,...
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from cbam.rules import Sector

DEFAULT_VALUES_CSV = "default_values.csv"
UNKNOWN_COUNTRY_CSV = "default_values_unknown_country.csv"

#: The country_used code of Annex IV rows.
UNKNOWN = "UNKNOWN"

CSV_FIELDS: tuple[str, ...] = (
    "sheet",
    "row",
    "country",
    "sector",
    "cn",
    "kind",
    "description",
    "direct",
    "indirect",
    "total",
    "total_text",
    "route",
    "wb_2026",
    "wb_2027",
    "wb_2028",
)

UNKNOWN_CSV_FIELDS: tuple[str, ...] = (
    "line",
    "sector",
    "cn",
    "kind",
    "description",
    "total",
    "law_2026",
    "law_2027",
    "law_2028",
    "route",
)

#: Row kinds: a good with values, a "see below" heading, a continuation of the previous row.
GOOD, HEADING, CONTINUATION = "good", "heading", "continuation"


@dataclass(frozen=True, slots=True)
class DefaultRow:
    """One row of a default-value table, each value exactly as the source holds it.

    ``route`` is the production-route indicator(s) without brackets, ``"C/F"`` for a cell
    reading "(C)/(F)", empty when none. ``total_text`` keeps the cell text when the total is
    not a number ("–", "_", "see below"), so that a fall-back can quote it.
    """

    sheet: str
    row: int
    country: str
    sector: Sector
    cn: str
    kind: str
    description: str
    direct: Decimal | None
    indirect: Decimal | None
    total: Decimal | None
    total_text: str
    route: str
    wb_2026: Decimal | None
    wb_2027: Decimal | None
    wb_2028: Decimal | None

    @property
    def routes(self) -> tuple[str, ...]:
        """The route indicators as a tuple (``"C/F"`` -> ``("C", "F")``)."""
        return tuple(self.route.split("/")) if self.route else ()

    def printed(self, year: int) -> Decimal | None:
        """The source's own "including mark-up" column for ``year`` (2028 = 2028 onwards)."""
        return (self.wb_2026, self.wb_2027, self.wb_2028)[min(year, 2028) - 2026]


def decimal_text(value: Decimal | None) -> str:
    """CSV text of an exact decimal ('' for no value); never exponent notation."""
    if value is None:
        return ""
    return format(value, "f")


def rows_to_csv(rows: Iterable[DefaultRow]) -> str:
    """The CSV text of ``default_values.csv`` (UTF-8, ``\\n`` line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in rows:
        writer.writerow(
            [
                r.sheet,
                r.row,
                r.country,
                r.sector.value,
                r.cn,
                r.kind,
                r.description,
                decimal_text(r.direct),
                decimal_text(r.indirect),
                decimal_text(r.total),
                r.total_text,
                r.route,
                decimal_text(r.wb_2026),
                decimal_text(r.wb_2027),
                decimal_text(r.wb_2028),
            ]
        )
    return buffer.getvalue()


def _dec(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def rows_from_csv(text: str) -> list[DefaultRow]:
    """Parse ``default_values.csv`` back into rows (the inverse of :func:`rows_to_csv`)."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(header) != CSV_FIELDS:
        raise ValueError(f"unexpected header {header!r}; expected {','.join(CSV_FIELDS)}")
    return [
        DefaultRow(
            sheet=f[0],
            row=int(f[1]),
            country=f[2],
            sector=Sector(f[3]),
            cn=f[4],
            kind=f[5],
            description=f[6],
            direct=_dec(f[7]),
            indirect=_dec(f[8]),
            total=_dec(f[9]),
            total_text=f[10],
            route=f[11],
            wb_2026=_dec(f[12]),
            wb_2027=_dec(f[13]),
            wb_2028=_dec(f[14]),
        )
        for f in reader
    ]


def unknown_rows_to_csv(rows: Iterable[DefaultRow]) -> str:
    """The CSV text of ``default_values_unknown_country.csv``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(UNKNOWN_CSV_FIELDS)
    for r in rows:
        writer.writerow(
            [
                r.row,
                r.sector.value,
                r.cn,
                r.kind,
                r.description,
                decimal_text(r.total),
                decimal_text(r.wb_2026),
                decimal_text(r.wb_2027),
                decimal_text(r.wb_2028),
                r.route,
            ]
        )
    return buffer.getvalue()


def unknown_rows_from_csv(text: str) -> list[DefaultRow]:
    """Parse ``default_values_unknown_country.csv`` back into rows."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(header) != UNKNOWN_CSV_FIELDS:
        raise ValueError(f"unexpected header {header!r}; expected {','.join(UNKNOWN_CSV_FIELDS)}")
    return [
        DefaultRow(
            sheet="Annex IV",
            row=int(f[0]),
            country=UNKNOWN,
            sector=Sector(f[1]),
            cn=f[2],
            kind=f[3],
            description=f[4],
            direct=None,
            indirect=None,
            total=_dec(f[5]),
            total_text="see below" if f[3] == HEADING else "",
            route=f[9],
            wb_2026=_dec(f[6]),
            wb_2027=_dec(f[7]),
            wb_2028=_dec(f[8]),
        )
        for f in reader
    ]
