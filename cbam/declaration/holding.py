"""Certificates to hold at the end of each quarter (Reg. (EU) 2023/956 Art. 22(2) and (2a)).

Art. 22(2) as replaced by Reg. (EU) 2025/2083 (applicable from 1 January 2027, Art. 36(2)(c)):
at the end of each quarter the declarant holds certificates for at least 50 % of the embedded
emissions of the goods imported since the beginning of the calendar year, determined by
reference to

(a) default values without the mark-up of IR 2025/2621, or
(b) the certificates surrendered for the preceding year, where the goods have the same CN code
    and country of origin as in the declaration submitted in the calendar year preceding the
    current one,

taking the free allocation adjustment into account. Art. 22(2a): the obligation is complied
with by the end of the quarter following the one in which the 50 t threshold of Art. 2a is
exceeded; hydrogen and electricity, to which the threshold does not apply (Art. 2a(4)), count
from the first quarter.

The library's readings (docs/methodology.md, "Quarterly holding"):

* the floor at zero is per good: a good's free allocation above its emissions does not reduce
  another good's holding (as for the certificates themselves, Q&A §4.32);
* basis (b) is last year's surrendered certificates *per tonne* of the CN code and origin times
  this year's net mass; the "declaration submitted in the calendar year preceding the current
  year" is the one for the imports of two years before (so basis (b) exists from 2028). It is
  used for the goods it covers when the user gives the table, basis (a) for the others;
* returned goods, declared with zero embedded emissions (Art. 6(5)), add nothing.

>>> from decimal import Decimal
>>> steel = HoldingGood((Decimal(100), Decimal(0), Decimal(0), Decimal(0)),
...                     see=Decimal(2), sefa=Decimal("0.5"))
>>> [q.certificates_to_hold for q in quarterly_holding(2027, [steel], exceeded=1)]
[Decimal('0.00'), Decimal('75.000'), Decimal('75.000'), Decimal('75.000')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cbam.declaration.certificates import certificates_due
from cbam.declaration.model import QuarterHolding
from cbam.errors import InputError
from cbam.rules import exceeds_de_minimis, quarterly_holding_share

ZERO = Decimal(0)


@dataclass(frozen=True)
class HoldingGood:
    """One good's net mass per quarter and the per-tonne figures the holding takes.

    ``see`` and ``sefa``: t CO2e per tonne under the basis used (``a``: default value without
    mark-up and the default route's specific free allocation; ``b``: last year's certificates
    per tonne and zero). ``always``: hydrogen or electricity, due from the first quarter.
    """

    masses: tuple[Decimal, Decimal, Decimal, Decimal]
    see: Decimal
    sefa: Decimal
    always: bool = False
    basis: str = "a"


def quarter_end(year: int, quarter: int) -> dt.date:
    """The last day of a quarter (quarter 5 is the first of the next year).

    >>> quarter_end(2027, 2), quarter_end(2027, 5)
    (datetime.date(2027, 6, 30), datetime.date(2028, 3, 31))
    """
    year, quarter = (year + 1, quarter - 4) if quarter > 4 else (year, quarter)
    return dt.date(year, 3 * quarter, 30 if quarter in (2, 3) else 31)


def exceeded_in(counted: Sequence[Decimal]) -> int | None:
    """The quarter (1-4) in which the year-to-date counted net mass passes 50 t (Art. 2a).

    >>> exceeded_in([Decimal(20), Decimal(20), Decimal(20), Decimal(0)])
    3
    """
    to_date = ZERO
    for quarter, mass in enumerate(counted, start=1):
        to_date += mass
        if exceeds_de_minimis(to_date):
            return quarter
    return None


def holding_due_by(year: int, exceeded: int | None) -> dt.date | None:
    """Art. 22(2a): the end of the quarter after the one in which the threshold is exceeded.

    None in 2026 (Art. 22(2) applies from 2027, Art. 36(2)(c)) or when it is not exceeded.

    >>> holding_due_by(2027, 4)
    datetime.date(2028, 3, 31)
    """
    if exceeded is None or not quarterly_holding_share(year):
        return None
    return quarter_end(year, exceeded + 1)


def quarterly_holding(
    year: int, goods: Sequence[HoldingGood], *, exceeded: int | None
) -> tuple[QuarterHolding, ...]:
    """The certificates to hold at the end of each quarter of ``year`` (Art. 22(2), (2a)).

    Parameters
    ----------
    year : int
        The import year (the share is 0 in 2026).
    goods : sequence of HoldingGood
        Every good in scope, with its net mass per quarter.
    exceeded : int or None
        The quarter in which the threshold was passed (:func:`exceeded_in`); None when the
        importer stayed within it (only hydrogen and electricity are then due).

    Returns
    -------
    tuple of QuarterHolding
        Per quarter: year-to-date emissions and allocation of all goods, and the certificates
        to hold of the goods due then: share x sum over goods of max(0, E - A).
    """
    share = quarterly_holding_share(year)
    out = []
    masses = [ZERO] * len(goods)
    for quarter in range(1, 5):
        embedded = allocation = due = ZERO
        bases = set()
        for i, good in enumerate(goods):
            masses[i] += good.masses[quarter - 1]
            good_embedded, good_allocation = masses[i] * good.see, masses[i] * good.sefa
            embedded += good_embedded
            allocation += good_allocation
            if masses[i]:
                bases.add(good.basis)
            if good.always or (exceeded is not None and quarter > exceeded):
                # Floored per good, as the certificates are (Q&A §4.32).
                due += certificates_due(good_embedded, good_allocation)
        held = due * share
        out.append(
            QuarterHolding(
                quarter=f"{year}Q{quarter}",
                embedded_emissions_without_markup_to_date=embedded,
                free_allocation_to_date=allocation,
                share=share,
                certificates_to_hold=held,
                basis="+".join(sorted(bases)),
                due_by=quarter_end(year, quarter) if held else None,
            )
        )
    return tuple(out)


class PreviousSurrender:
    """Certificates surrendered for an earlier year per CN code and origin (Art. 22(2)(b)).

    A CSV ``year,cn_code,country,certificates,net_mass``: the import year declared, and per CN
    code and origin the certificates surrendered and the net mass declared. Only the
    declaration submitted in the calendar year preceding the holding's year counts, i.e. the
    one for the imports of two years before.

    >>> table = PreviousSurrender(2026, {("72081000", "TR"): (Decimal(90), Decimal(60))})
    >>> table.per_tonne("72081000", "TR"), table.per_tonne("72081000", "IN")
    (Decimal('1.5'), None)
    """

    def __init__(
        self, year: int, rows: dict[tuple[str, str], tuple[Decimal, Decimal]], source: str = ""
    ) -> None:
        self.year = year
        self.rows = rows
        self.source = source or "previous surrender table"

    def per_tonne(self, cn: str, country: str) -> Decimal | None:
        found = self.rows.get((cn, country))
        return None if found is None else found[0] / found[1]

    def check_year(self, year: int) -> None:
        """Refuse a table that is not the declaration submitted in ``year`` - 1."""
        if self.year != year - 2:
            raise InputError(
                f"Art. 22(2)(b) refers to the declaration submitted in {year - 1}, which covers "
                f"the imports of {year - 2}; the table covers {self.year}"
                + (" (no declaration is submitted before 2027, so in 2027 only basis (a) applies)"
                   if year < 2028 else ""),
                source=self.source,
                field="year",
            )  # fmt: skip

    @classmethod
    def from_csv(cls, path: str | Path) -> PreviousSurrender:
        """Read the table; errors name the file, row and field."""
        from cbam.codes import validate_cn, validate_country
        from cbam.declaration.carbon_price import table_rows
        from cbam.values import parse_figure, parse_year

        rows: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
        years = set()
        need = ("year", "cn_code", "country", "certificates", "net_mass")
        for number, row in table_rows(path, need):
            try:
                years.add(parse_year(row["year"].strip()))
                key = (validate_cn(row["cn_code"]), validate_country(row["country"]))
                certificates = parse_figure(row["certificates"], "certificates", required=True)
                mass = parse_figure(row["net_mass"], "net_mass", required=True)
                if not mass:
                    raise InputError("must be above zero", field="net_mass")
                if key in rows:
                    raise InputError("the CN code and origin are given twice", field="cn_code")
            except InputError as exc:
                raise exc.located(source=str(path), location=f"row {number}") from None
            assert certificates is not None and mass is not None
            rows[key] = (certificates, mass)
        if len(years) != 1:
            raise InputError("give the rows of one declaration (one year)", source=str(path))
        return cls(years.pop(), rows, source=str(path))
