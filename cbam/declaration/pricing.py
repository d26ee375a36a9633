"""Certificate prices per pricing period, each looked up once (Reg. (EU) 2023/956 Art. 21).

A line's price comes from the year's price basis (:mod:`cbam.declaration.price_basis`): the
quarter of importation in 2026 (Art. 21(1a)); from 2027 what the user gives (a flat price, a
purchase plan, a price path) or, as a labelled approximation, the week of import. A period
without a published or supplied price takes an estimate, flagged as an assumption and noted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cbam.declaration.price_basis import PriceBasis, price_basis
from cbam.reference.prices import CertificatePrice, PriceTable
from cbam.values import shortest


class Period:
    """A pricing period of the lines and its price, with the quarter of the lines in it.

    Lines of one quarter priced at one price share one Period: the lines' ``period`` column
    is the price's period (``2026Q2``, ``2027-W14``, ``2027`` for a price of the whole year)
    and ``basis`` the price basis's code.
    """

    __slots__ = ("assumption", "basis", "label", "price", "quarter", "year")

    def __init__(self, year: int, quarter: int, price: CertificatePrice, basis: str = "") -> None:
        self.year = year
        self.quarter = quarter
        self.label = price.period
        self.price = shortest(price.value)  # the same price; its lines' costs come out shorter
        self.assumption = price.assumption
        self.basis = basis


class Pricing:
    """Certificate prices per pricing period, each looked up once (Reg. (EU) 2023/956 Art. 21).

    >>> pricing = Pricing(PriceTable(), 2026)
    >>> period = pricing.period(dt.date(2026, 5, 4), 2026, 2)
    >>> period.label, period.basis, pricing.basis.code
    ('2026Q2', 'quarter-of-import', 'quarter-of-import')
    """

    def __init__(self, table: PriceTable, year: int, basis: PriceBasis | None = None) -> None:
        self.table = table
        self.year = year
        self.basis = basis if basis is not None else price_basis(year, table)
        self.prices: dict[str, CertificatePrice] = {}
        self.notes: set[str] = set()
        self.periods: dict[Any, Period] = {}
        """Periods by import date, or by (year, quarter) for lines without a date."""
        self._made: dict[tuple[str, int, int], Period] = {}

    def period(self, import_date: dt.date | None, year: int, quarter: int) -> Period:
        """The period of a line's date (or year and quarter), made once per distinct value."""
        key = import_date if import_date is not None else (year, quarter)
        found = self.periods.get(key)
        if found is None:
            price = self.remember(self.basis.price(year, quarter, import_date))
            made = (price.period, year, quarter)
            found = self._made.get(made)
            if found is None:
                found = self._made[made] = Period(year, quarter, price, self.basis.code)
            self.periods[key] = found
        return found

    def remember(self, price: CertificatePrice) -> CertificatePrice:
        """Keep a period's price (and its note when it is an estimate); the one kept."""
        known = self.prices.setdefault(price.period, price)
        if known.note and known.assumption:
            self.notes.add(known.note)
        return known

    def reference_price(self) -> CertificatePrice:
        """The certificate price a carbon price paid abroad is converted at (Art. 9(5)).

        The implementing act is a draft; the library takes the highest price known for the
        import year (the highest of the four quarterly prices in 2026, the highest of the
        basis's price and the year's known prices from 2027), the conversion that gives the
        smaller reduction.
        """
        year = self.year
        found = [self.basis.price(year, q, None) for q in (1, 2, 3, 4)]
        found += [self.table.price(p) for p in self.table.periods() if p[:4] == str(year)]
        best = max(found, key=lambda price: price.value)
        return best.model_copy(update={"note": f"highest price known for {year}: {best.period}"})
