"""Which certificate price a year's certificates are costed at: the price basis.

Reg. (EU) 2023/956 as amended by Reg. (EU) 2025/2083:

* 2026: the certificates for the emissions of goods imported in 2026 are priced at the
  quarterly average of the quarter of importation (Art. 21(1a)) -- bought in 2027, but at the
  price of the quarter each good was imported in. The basis is fixed by law.
* From 2027: certificates are sold at the weekly price (Art. 21(1)) of the week in which they
  are *bought* (Art. 20(4)), not of the week of import; at least 50 % of the year-to-date
  emissions must be held at each quarter's end (Art. 22(2)) and the rest bought by the
  surrender on 30 September of the next year (Art. 22(1)). What a year costs therefore depends
  on the declarant's purchases, which the library cannot know: it costs the year on the basis
  the user gives -- a flat price, a price path, a purchase plan -- and offers the price of the
  import week only as an approximation that says so.

Every cost figure carries the basis's ``label``.

>>> from decimal import Decimal
>>> basis = FlatPrice(Decimal("82.50"))
>>> basis.price(2027, 2, None).value, basis.label
(Decimal('82.50'), 'flat price of EUR 82.50 per certificate given by the user')
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

from cbam.errors import InputError, NoValueError
from cbam.reference.prices import CertificatePrice, PriceTable, import_period

ZERO = Decimal(0)


class PriceBasis(Protocol):
    """How the certificates of a year are priced; ``label`` names it in every output and
    ``code`` in every line of ``lines.csv``."""

    @property
    def code(self) -> str:
        """A short name: ``quarter-of-import``, ``import-week``, ``flat``, ``plan``, ``path``
        or ``assumed``."""
        ...

    @property
    def label(self) -> str:
        """The basis in words, for every cost figure that uses it."""
        ...

    def price(self, year: int, quarter: int, import_date: dt.date | None) -> CertificatePrice:
        """The price of the certificates for a line imported then (EUR per certificate)."""
        ...


def _estimate(table: PriceTable, year: int, period: str, why: str) -> CertificatePrice:
    base = table.for_year(year)
    return base.model_copy(
        update={"period": period, "assumption": True, "note": f"{why}; {base.note or 'estimate'}"}
    )


@dataclass(frozen=True)
class QuarterOfImport:
    """2026: the quarterly price of the quarter of importation (Art. 21(1a))."""

    table: PriceTable
    label: str = "quarterly price of the quarter of importation (Reg. (EU) 2023/956 Art. 21(1a))"
    code: str = "quarter-of-import"

    def price(self, year: int, quarter: int, import_date: dt.date | None) -> CertificatePrice:
        period = f"{year}Q{quarter}"
        try:
            return self.table.price(period)
        except NoValueError:
            return _estimate(self.table, year, period, f"no price published or given for {period}")


@dataclass(frozen=True)
class ImportWeek:
    """The weekly price of the week of import: an approximation (certificates are bought at
    the price of the week of purchase, Art. 20(4) and 21(1))."""

    table: PriceTable
    label: str = (
        "weekly price of the import week - an approximation: certificates are bought at the "
        "price of the week of purchase (Reg. (EU) 2023/956 Art. 20(4), 21(1))"
    )
    code: str = "import-week"

    def price(self, year: int, quarter: int, import_date: dt.date | None) -> CertificatePrice:
        if import_date is None:
            return _estimate(self.table, year, str(year), "no import date, so no import week")
        period = import_period(import_date)
        try:
            return self.table.price(period)
        except NoValueError:
            return _estimate(self.table, year, period, f"no price published or given for {period}")


@dataclass(frozen=True)
class FlatPrice:
    """One price for every certificate of the year, given by the user."""

    value: Decimal
    source: str = "given by the user"
    code: str = "flat"

    @property
    def label(self) -> str:
        return f"flat price of EUR {self.value} per certificate {self.source}"

    def price(self, year: int, quarter: int, import_date: dt.date | None) -> CertificatePrice:
        return CertificatePrice(period=str(year), value=self.value, source=self.label)


@dataclass(frozen=True)
class AveragePrice:
    """One average price for every certificate of the year, from a path or a purchase plan."""

    value: Decimal
    label: str
    assumption: bool = False
    code: str = "path"

    def price(self, year: int, quarter: int, import_date: dt.date | None) -> CertificatePrice:
        return CertificatePrice(
            period=str(year), value=self.value, source=self.label, assumption=self.assumption
        )


def purchase_window(year: int) -> tuple[dt.date, dt.date]:
    """When a year's certificates are bought: from 1 January of the import year (the quarterly
    holding, Art. 22(2)) to the surrender on 30 September of the next year (Art. 22(1))."""
    return dt.date(year, 1, 1), dt.date(year + 1, 9, 30)


def _period_start(period: str) -> dt.date:
    if "W" in period:
        iso_year, week = period.split("-W")
        return dt.date.fromisocalendar(int(iso_year), int(week), 1)
    quarter_year, quarter = period.split("Q")
    return dt.date(int(quarter_year), 3 * int(quarter) - 2, 1)


def path_average(table: PriceTable, year: int) -> AveragePrice:
    """The mean of a price path's prices over the year's purchase window (:func:`purchase_window`).

    Raises :class:`InputError` when the path has no price in the window.
    """
    first, last = purchase_window(year)
    values = [
        table.price(p).value
        for p in table.periods()
        if first <= _period_start(p) <= last and not p.startswith("2026")
    ]
    if not values:
        raise InputError(
            f"the price path has no price between {first} and {last}, when the certificates "
            f"for {year} are bought",
            field="prices",
        )
    return AveragePrice(
        sum(values, ZERO) / len(values),
        f"mean of the {len(values)} prices of the price path from {first} to {last}, the "
        "window in which the year's certificates are bought (Reg. (EU) 2023/956 Art. 22)",
    )


@dataclass(frozen=True)
class Purchase:
    """One purchase of a plan: its date, the certificates bought and the price, when known."""

    date: dt.date
    certificates: Decimal
    price: Decimal | None = None


def plan_average(purchases: list[Purchase], table: PriceTable, year: int) -> AveragePrice:
    """The certificates-weighted mean price of a purchase plan (Art. 20(4), 21(1)).

    A purchase without its own price takes the weekly price of its week from ``table``.
    """
    first, last = purchase_window(year)
    total = cost = ZERO
    for purchase in purchases:
        if not first <= purchase.date <= last:
            raise InputError(
                f"the purchase of {purchase.date} is outside {first} - {last}, when the "
                f"certificates for {year} are bought",
                field="date",
            )
        price = purchase.price
        if price is None:
            price = table.price(import_period(purchase.date)).value
        total += purchase.certificates
        cost += purchase.certificates * price
    if not total:
        raise InputError("the purchase plan buys no certificates", field="certificates")
    return AveragePrice(
        code="plan",
        value=cost / total,
        label=f"average price of the purchase plan ({len(purchases)} purchases, {total} "
        "certificates; the price of the week of purchase, Reg. (EU) 2023/956 Art. 20(4))",
    )


def read_purchase_plan(path: str | Path) -> list[Purchase]:
    """A purchase plan CSV: ``date,certificates[,price_eur]``; errors name file, row, field."""
    purchases = []
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            names = {(n or "").strip().lower() for n in reader.fieldnames or []}
            if not {"date", "certificates"} <= names:
                raise InputError(
                    "a purchase plan needs the columns date and certificates", source=str(path)
                )
            for number, raw in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
                purchases.append(_purchase(row, str(path), number))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read the purchase plan: {exc}", source=str(path)) from None
    return purchases


def _purchase(row: dict[str, str], source: str, number: int) -> Purchase:
    where = {"source": source, "location": f"row {number}"}
    try:
        date = dt.date.fromisoformat(row["date"])
    except ValueError:
        raise InputError(
            f"{row['date']!r} is not a date (YYYY-MM-DD)", field="date", **where
        ) from None
    values: dict[str, Decimal | None] = {}
    for field in ("certificates", "price_eur"):
        text = row.get(field, "")
        if not text:
            values[field] = None
            continue
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise InputError(f"{text!r} is not a number", field=field, **where) from None
        if not value.is_finite() or value < 0:
            raise InputError(f"{text!r} must be a number >= 0", field=field, **where)
        values[field] = value
    if values["certificates"] is None:
        raise InputError("a value is required", field="certificates", **where)
    return Purchase(date, values["certificates"] or ZERO, values["price_eur"])


def price_basis(
    year: int,
    table: PriceTable,
    *,
    flat: Decimal | None = None,
    plan: list[Purchase] | None = None,
    path: bool = False,
    import_week: bool = False,
) -> PriceBasis:
    """The price basis of an import year from what the user gives.

    2026 is always the quarter of importation (Art. 21(1a)); a flat price or a plan for 2026
    is an error. From 2027: a purchase plan, else a flat price, else the mean of a price path
    over the purchase window (``path``: the user's table holds prices of that window), else the
    import week if asked, else the latest known price, assumed and flagged.
    """
    if year == 2026:
        if flat is not None or plan:
            raise InputError(
                "certificates for 2026 are priced at the quarterly price of each good's quarter "
                "of importation (Reg. (EU) 2023/956 Art. 21(1a)); give published quarterly "
                "prices in a price table instead",
                field="price",
            )
        return QuarterOfImport(table)
    if plan:
        return plan_average(plan, table, year)
    if flat is not None:
        return FlatPrice(flat)
    if path:
        return path_average(table, year)
    if import_week:
        return ImportWeek(table)
    estimate = table.for_year(year)
    return AveragePrice(
        estimate.value,
        f"no price given for {year}: {estimate.note or 'estimate'} (assumed; give --price, "
        "--purchase-plan or a price path)",
        assumption=True,
        code="assumed",
    )
