"""CBAM certificate prices: the published ones and a table the user extends.

Reg. (EU) 2023/956 Art. 21 as amended by Reg. (EU) 2025/2083: goods imported in 2026 are priced
at the quarterly average of EU ETS auction closing prices of the quarter of importation
(Art. 21(1a)); from 2027 at the weekly average of the week (Art. 21(1)). A price table is a CSV
with the columns ``period,price_eur`` where period is ``2026Q3`` or an ISO week ``2027-W05``.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from cbam.errors import InputError, NoValueError
from cbam.reference.cells import to_decimal
from cbam.rules import CERTIFICATE_PRICE_SOURCE, CERTIFICATE_PRICES_2026, check_year

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class CertificatePrice(BaseModel):
    """A price and its source; ``assumption`` marks a price not published for the period."""

    model_config = ConfigDict(frozen=True)

    period: str
    value: Decimal
    source: str
    assumption: bool = False
    note: str | None = None


def import_period(date: dt.date) -> str:
    """The pricing period of an import date: its quarter in 2026, its ISO week from 2027."""
    if date.year <= 2026:
        return f"{date.year}Q{(date.month - 1) // 3 + 1}"
    iso_year, week, _ = date.isocalendar()
    return f"{iso_year}-W{week:02d}"


def _check_period(period: str) -> str:
    period = period.strip().upper()
    if not (_QUARTER.match(period) or _WEEK.match(period)):
        raise InputError(
            f"price period {period!r} is neither a quarter (2026Q3) nor an ISO week (2027-W05)",
            field="period",
        )
    return period


class PriceTable:
    """Published prices plus user-supplied ones (user prices override)."""

    def __init__(self, user_prices: dict[str, Decimal] | None = None, source: str = "") -> None:
        self._prices: dict[str, tuple[Decimal, str]] = {
            p: (v, CERTIFICATE_PRICE_SOURCE) for p, v in CERTIFICATE_PRICES_2026.items()
        }
        for period, value in (user_prices or {}).items():
            self._prices[_check_period(period)] = (value, source or "user price table")

    @classmethod
    def from_csv(cls, path: Path) -> PriceTable:
        """Read ``period,price_eur`` rows; errors name the file, row and field."""
        try:
            return cls._read_csv(path)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"the price table is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV",
                source=str(path),
            ) from None
        except csv.Error as exc:
            # e.g. a cell longer than the csv module's limit, or a NUL byte: not a price table.
            raise InputError(f"not a readable CSV price table: {exc}", source=str(path)) from None

    @classmethod
    def _read_csv(cls, path: Path) -> PriceTable:
        prices: dict[str, Decimal] = {}
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fields = {(f or "").strip().lower() for f in reader.fieldnames or []}
            if not {"period", "price_eur"} <= fields:
                raise InputError(
                    "a price table needs the columns period and price_eur", source=str(path)
                )
            for number, row in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): (v or "") for k, v in row.items()}
                where = {"source": str(path), "location": f"row {number}"}
                try:
                    period = _check_period(row["period"])
                    value = to_decimal(row["price_eur"])
                except InputError as exc:
                    raise exc.located(**where) from None
                except ValueError as exc:
                    raise InputError(str(exc), field="price_eur", **where) from None
                if value is None or value < 0:
                    raise InputError("price must be a number >= 0", field="price_eur", **where)
                if period in prices and prices[period] != value:
                    # Which one is right? Taking the last row silently could misprice a year.
                    raise InputError(
                        f"period {period} is given twice with different prices "
                        f"({prices[period]} and {value})",
                        field="period",
                        **where,
                    )
                prices[period] = value
        return cls(prices, source=f"user price table {path.name}")

    def periods(self) -> list[str]:
        return sorted(self._prices)

    def price(self, period: str) -> CertificatePrice:
        """The price of a period; :class:`NoValueError` when neither published nor supplied."""
        period = _check_period(period)
        try:
            value, source = self._prices[period]
        except KeyError:
            raise NoValueError(
                f"no certificate price for {period}: supply it in a price table "
                "(period,price_eur) or give a price"
            ) from None
        return CertificatePrice(period=period, value=value, source=source)

    def for_year(self, year: int) -> CertificatePrice:
        """A price for a whole year when no import date is known.

        The average of the year's known periods when there are any (an assumption, flagged);
        otherwise the latest known price (an assumption, flagged).
        """
        year = check_year(year)
        known = [p for p in self._prices if p.startswith(str(year))]
        if known:
            values = [self._prices[p][0] for p in known]
            average = sum(values, Decimal(0)) / len(values)
            return CertificatePrice(
                period=str(year),
                value=average,
                source="; ".join(sorted({self._prices[p][1] for p in known})),
                # Complete only with every pricing period: 4 quarters in 2026 (Art. 21(1a)),
                # the weeks of the year from 2027 (Art. 21(1)).
                assumption=len(known) < (4 if year == 2026 else 52),
                note=f"average of the known prices of {', '.join(sorted(known))}",
            )
        latest = max(self._prices)
        value, source = self._prices[latest]
        return CertificatePrice(
            period=str(year),
            value=value,
            source=source,
            assumption=True,
            note=f"no price known for {year}: the latest known price ({latest}) is assumed",
        )
