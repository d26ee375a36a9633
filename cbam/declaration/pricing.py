"""Certificate prices per pricing period, each looked up once (Reg. (EU) 2023/956 Art. 21).

A line's pricing period is the quarter of importation in 2026 (Art. 21(1a)); from 2027 the
period of the price basis (:mod:`cbam.declaration.price_basis`). A period without a published
or supplied price takes an estimate, flagged as an assumption and noted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cbam.errors import CbamError
from cbam.reference.prices import CertificatePrice, PriceTable, import_period


class Period:
    """A pricing period of the lines (a quarter in 2026, an ISO week from 2027) and its price."""

    __slots__ = ("assumption", "label", "price", "quarter", "year")

    def __init__(self, year: int, quarter: int, price: CertificatePrice) -> None:
        self.year = year
        self.quarter = quarter
        self.label = price.period
        self.price = price.value
        self.assumption = price.assumption


class Pricing:
    """Certificate prices per pricing period, each looked up once (Reg. (EU) 2023/956 Art. 21).

    A period without a published or supplied price takes the year's estimate, flagged as an
    assumption and noted.
    """

    def __init__(self, table: PriceTable, year: int) -> None:
        self.table = table
        self.year = year
        self.prices: dict[str, CertificatePrice] = {}
        self.notes: set[str] = set()
        self.periods: dict[Any, Period] = {}
        """Periods by import date, or by (year, quarter) for lines without a date."""

    def period(self, import_date: dt.date | None, year: int, quarter: int) -> Period:
        """The period of a line's date (or year and quarter), made once per distinct value."""
        key = import_date if import_date is not None else (year, quarter)
        found = self.periods.get(key)
        if found is None:
            label = import_period(import_date) if import_date is not None else f"{year}Q{quarter}"
            found = self.periods[key] = Period(year, quarter, self.price(label))
        return found

    def price(self, label: str) -> CertificatePrice:
        """The price of a pricing period (the year's estimate, noted, when none is known)."""
        found = self.prices.get(label)
        if found is None:
            try:
                found = self.table.price(label)
            except CbamError:
                base = self.table.for_year(self.year)
                found = base.model_copy(
                    update={
                        "period": label,
                        "note": f"no price published or supplied for {label}; "
                        f"{base.note or 'estimate'}",
                    }
                )
                self.notes.add(found.note or "")
            self.prices[label] = found
        return found
