"""The carbon price paid in a third country, as a reduction of certificates (Art. 9).

Reg. (EU) 2023/956 Art. 9 as replaced by Reg. (EU) 2025/2083:

* Art. 9(1): with *actual* embedded emissions a declarant may claim a reduction for the carbon
  price effectively paid in a third country, net of any rebate or other compensation available
  there; Art. 9(2): the documentation is certified by a person independent of the declarant
  and of the third country's authorities, whose name appears on it, with evidence of payment.
* Art. 9(4): a reduction may also be claimed by reference to the Commission's yearly *default*
  carbon prices; with default embedded emissions it may be claimed *only* that way. The
  Commission "may" publish them from 2027; none is published yet, so a default-value line's
  claim needs a table of them loaded by the user and is refused without it.
* Art. 9(5): implementing acts will set the conversion into certificates and the conversion of
  foreign currency "at the yearly average exchange rate". The act is a draft (Ares(2026)4841230,
  13.5.2026) that converts the euro amount at a yearly reference certificate price.

Until the act is adopted the library converts as the draft does and chooses, where the draft
leaves a choice open, the reading that gives the smaller reduction (never fewer certificates
than the law could require): the amount in euro at the user's yearly average rate for the year
of payment, divided by the *highest* certificate price known for the import year (for 2026 the
highest of the four quarterly prices of Art. 21(1a)). The reduction never exceeds the good's
certificates (Q&A §4.32). Every figure that rests on the draft says so.

>>> from decimal import Decimal
>>> claim = CarbonPriceClaim(amount=Decimal(1200), currency="EUR", year=2026, rebate=Decimal(200),
...                          evidence="KR-ETS statement 2026/17", certifier="Verifica Srl")
>>> certificates_for_price(euro_amount(claim, ExchangeRates()), Decimal(80))
Decimal('12.5')
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cbam.errors import InputError

ZERO = Decimal(0)
DRAFT_ACT = (
    "conversion as in the draft implementing act under Reg. (EU) 2023/956 Art. 9(5) "
    "(Ares(2026)4841230 of 13.5.2026, not adopted)"
)


class CarbonPriceClaim(BaseModel):
    """A carbon price effectively paid in a third country for a good's embedded emissions.

    Attributes
    ----------
    amount : Decimal
        The carbon price effectively paid for the embedded emissions of the goods, in
        ``currency`` (Art. 9(1)).
    currency : str
        ISO 4217 code of ``amount`` (``"EUR"``, ``"CNY"``, ``"KRW"`` ...).
    year : int
        The year of payment: the yearly average exchange rate of this year applies (Art. 9(5)).
    rebate : Decimal
        Rebates and other compensation available in that country, in ``currency`` (Art. 9(1)).
    evidence : str
        Reference of the documentation and the evidence of payment (Art. 9(2)).
    certifier : str
        The independent person who certified the documentation (Art. 9(2)).
    basis : {"actual", "default price"}
        ``actual``: the price effectively paid (Art. 9(1)); ``default price``: the claim refers
        to the Commission's yearly default carbon price (Art. 9(4)).

    Examples
    --------
    >>> from decimal import Decimal
    >>> CarbonPriceClaim(amount=Decimal(10), currency="krw", year=2026, evidence="x",
    ...                  certifier="y").currency
    'KRW'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Decimal = Field(ge=0)
    currency: str
    year: int
    rebate: Decimal = Field(default=ZERO, ge=0)
    evidence: str = Field(min_length=1)
    certifier: str = Field(min_length=1)
    basis: Literal["actual", "default price"] = "actual"

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR, CNY)")
        return code


class ExchangeRates:
    """Yearly average exchange rates (units of currency per euro) supplied by the user.

    None is fetched: Art. 9(5) leaves the series to the implementing act, so the user gives the
    rates with their source in a CSV ``currency,year,per_eur[,source]`` (e.g. ECB yearly
    averages). EUR needs no rate.

    >>> from decimal import Decimal
    >>> ExchangeRates({("CNY", 2026): Decimal("7.8")}).per_eur("cny", 2026)
    Decimal('7.8')
    """

    def __init__(self, rates: dict[tuple[str, int], Decimal] | None = None) -> None:
        self.rates = {(c.upper(), y): r for (c, y), r in (rates or {}).items()}
        self.source = "user exchange-rate table"

    def per_eur(self, currency: str, year: int) -> Decimal:
        """Units of ``currency`` per euro in ``year``; an error naming what is missing."""
        code = currency.upper()
        if code == "EUR":
            return Decimal(1)
        found = self.rates.get((code, year))
        if found is None:
            raise InputError(
                f"no yearly average exchange rate for {code} in {year}: add it to the "
                "exchange-rate table (currency,year,per_eur) - Reg. (EU) 2023/956 Art. 9(5)",
                field="carbon_price_currency",
            )
        return found

    @classmethod
    def from_csv(cls, path: str | Path) -> ExchangeRates:
        """Read ``currency,year,per_eur`` rows; errors name the file, row and field."""
        rates: dict[tuple[str, int], Decimal] = {}
        for number, row in table_rows(path, ("currency", "year", "per_eur")):
            where = {"source": str(path), "location": f"row {number}"}
            currency = row["currency"].strip().upper()
            if len(currency) != 3 or not currency.isalpha():
                raise InputError("not an ISO 4217 currency code", field="currency", **where)
            year = _year(row["year"], where)
            rate = _positive(row["per_eur"], "per_eur", where)
            if (currency, year) in rates and rates[(currency, year)] != rate:
                raise InputError(f"{currency} {year} is given twice with different rates", **where)
            rates[(currency, year)] = rate
        table = cls(rates)
        table.source = f"exchange-rate table {Path(path).name}"
        return table


class DefaultCarbonPrices:
    """The Commission's yearly default carbon prices per country (Art. 9(4)), loaded by the user.

    A CSV ``country,year,price_eur[,source]`` (EUR per t CO2e). None is published yet; a
    default-value line's claim is refused without this table.

    >>> from decimal import Decimal
    >>> DefaultCarbonPrices({("KR", 2027): Decimal("9.5")}).price("KR", 2027)
    Decimal('9.5')
    """

    def __init__(self, prices: dict[tuple[str, int], Decimal] | None = None) -> None:
        self.prices = dict(prices or {})
        self.source = "user table of default carbon prices"

    def price(self, country: str, year: int) -> Decimal:
        found = self.prices.get((country, year))
        if found is None:
            raise InputError(
                f"no default carbon price for {country} in {year} in the table loaded "
                "(Reg. (EU) 2023/956 Art. 9(4))",
                field="carbon_price_paid",
            )
        return found

    @classmethod
    def from_csv(cls, path: str | Path) -> DefaultCarbonPrices:
        from cbam.codes import validate_country

        prices: dict[tuple[str, int], Decimal] = {}
        for number, row in table_rows(path, ("country", "year", "price_eur")):
            where = {"source": str(path), "location": f"row {number}"}
            try:
                country = validate_country(row["country"])
            except InputError as exc:
                raise exc.located(field="country", **where) from None
            prices[(country, _year(row["year"], where))] = _positive(
                row["price_eur"], "price_eur", where, zero=True
            )
        table = cls(prices)
        table.source = f"default carbon prices {Path(path).name}"
        return table


def euro_amount(claim: CarbonPriceClaim, rates: ExchangeRates) -> Decimal:
    """The carbon price effectively paid, net of rebates, in EUR (Art. 9(1) and 9(5)).

    (amount - rebate) / units of the currency per euro in the year of payment; a rebate larger
    than the amount leaves nothing (never a negative price).
    """
    net = max(ZERO, claim.amount - claim.rebate)
    return net / rates.per_eur(claim.currency, claim.year)


def certificates_for_price(amount_eur: Decimal, reference_price: Decimal) -> Decimal:
    """Certificates equivalent to a euro amount: amount / reference certificate price (Art. 9(5);
    the draft implementing act's conversion)."""
    if reference_price <= 0:
        raise InputError(
            "the reference certificate price must be above zero", field="reference_price"
        )
    return amount_eur / reference_price


def reduction_cap(reduction: Decimal, certificates_before: Decimal) -> Decimal:
    """The reduction, never more than the good's certificates before it (Q&A §4.32)."""
    return min(reduction, max(ZERO, certificates_before))


def table_rows(path: str | Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a small CSV table by number (header = 1), keys lower-cased; errors name it."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            names = {(n or "").strip().lower() for n in reader.fieldnames or []}
            if not set(required) <= names:
                raise InputError(
                    f"the table needs the columns {', '.join(required)}", source=str(path)
                )
            return [
                (number, {(k or "").strip().lower(): (v or "") for k, v in row.items()})
                for number, row in enumerate(reader, start=2)
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read the table: {exc}", source=str(path)) from None


def _year(text: str, where: dict[str, str]) -> int:
    if not text.strip().isdigit() or not 2026 <= int(text) <= 2100:
        raise InputError(f"{text!r} is not a year 2026-2100", field="year", **where)
    return int(text)


def _positive(text: str, field: str, where: dict[str, str], *, zero: bool = False) -> Decimal:
    from decimal import InvalidOperation

    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InputError(f"{text!r} is not a number", field=field, **where) from None
    if not value.is_finite() or value < 0 or (value == 0 and not zero):
        raise InputError(f"{text!r} must be a number above zero", field=field, **where)
    return value


class PaidPerTonne(BaseModel):
    """A carbon price an installation paid per tonne of a good (Art. 9; per installation).

    ``cn`` None: every good of the installation. The claim of a line is this times its mass.

    >>> from decimal import Decimal
    >>> paid = PaidPerTonne(installation_id="KR-1", per_tonne=Decimal(15000), currency="KRW",
    ...                     year=2026, evidence="K-ETS 2026/4", certifier="Verifica Srl")
    >>> paid.claim(Decimal(2)).amount
    Decimal('30000')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    installation_id: str = Field(min_length=1)
    cn: str | None = None
    per_tonne: Decimal = Field(ge=0)
    currency: str
    year: int
    rebate_per_tonne: Decimal = Field(default=ZERO, ge=0)
    evidence: str = Field(min_length=1)
    certifier: str = Field(min_length=1)

    def claim(self, mass: Decimal) -> CarbonPriceClaim:
        """The claim for ``mass`` tonnes of the good."""
        return CarbonPriceClaim(
            amount=self.per_tonne * mass,
            currency=self.currency,
            year=self.year,
            rebate=self.rebate_per_tonne * mass,
            evidence=self.evidence,
            certifier=self.certifier,
        )


class InstallationCarbonPrices:
    """Carbon prices paid per installation (and CN code), loaded from a CSV by the user.

    Columns ``installation_id,cn_code,paid_per_t,currency,year,rebate_per_t,evidence,
    certifier``; an empty ``cn_code`` covers every good of the installation, a row with the
    CN code wins over it.

    >>> from decimal import Decimal
    >>> paid = PaidPerTonne(installation_id="KR-1", per_tonne=Decimal(3), currency="EUR",
    ...                     year=2026, evidence="e", certifier="c")
    >>> InstallationCarbonPrices([paid]).find("KR-1", "72081000") is paid
    True
    """

    def __init__(self, rows: list[PaidPerTonne], source: str = "") -> None:
        self.rows = {(r.installation_id, r.cn): r for r in rows}
        self.source = source or "carbon prices paid per installation"

    def find(self, installation_id: str | None, cn: str) -> PaidPerTonne | None:
        if not installation_id:
            return None
        return self.rows.get((installation_id, cn)) or self.rows.get((installation_id, None))

    @classmethod
    def from_csv(cls, path: str | Path) -> InstallationCarbonPrices:
        """Read the table; errors name the file, row and field."""
        from cbam.codes import validate_cn

        rows = []
        need = ("installation_id", "paid_per_t", "currency", "year", "evidence", "certifier")
        for number, row in table_rows(path, need):
            where = {"source": str(path), "location": f"row {number}"}
            cn = row.get("cn_code", "").strip()
            try:
                rows.append(
                    PaidPerTonne(
                        installation_id=row["installation_id"].strip(),
                        cn=validate_cn(cn) if cn else None,
                        per_tonne=_positive(row["paid_per_t"], "paid_per_t", where, zero=True),
                        currency=row["currency"],
                        year=_year(row["year"], where),
                        rebate_per_tonne=_positive(
                            row.get("rebate_per_t") or "0", "rebate_per_t", where, zero=True
                        ),
                        evidence=row["evidence"].strip(),
                        certifier=row["certifier"].strip(),
                    )
                )
            except ValidationError as exc:
                first = exc.errors()[0]
                raise InputError(str(first["msg"]), field=str(first["loc"][0]), **where) from None
            except InputError as exc:
                raise exc.located(**where) from None
        return cls(rows, source=str(path))


def carbon_price_reduction(
    claim: CarbonPriceClaim,
    *,
    actual: bool,
    embedded: Decimal,
    before: Decimal,
    country: str,
    rates: ExchangeRates,
    default_prices: DefaultCarbonPrices | None,
    reference_price: Decimal,
) -> Decimal:
    """Certificates a carbon price paid abroad takes off a line (Reg. (EU) 2023/956 Art. 9).

    * Actual embedded emissions (``actual``) and a claim of the price effectively paid:
      (amount - rebate) in EUR at the yearly average rate (Art. 9(1), 9(5)) / reference price.
    * Default embedded emissions, or a claim by reference to default carbon prices: only by
      the Commission's yearly default carbon price of the origin (Art. 9(4)): (embedded x
      default price - rebate in EUR) / reference price; refused without a table of them.

    Never more than ``before``, the line's certificates before the reduction (Q&A §4.32). The
    conversion follows the draft implementing act (:data:`DRAFT_ACT`).

    >>> from decimal import Decimal
    >>> claim = CarbonPriceClaim(amount=Decimal(900), currency="EUR", year=2026,
    ...                          evidence="e", certifier="c")
    >>> carbon_price_reduction(claim, actual=True, embedded=Decimal(40), before=Decimal(30),
    ...     country="KR", rates=ExchangeRates(), default_prices=None,
    ...     reference_price=Decimal(75))
    Decimal('12')
    """
    if before <= 0:
        return ZERO
    if actual and claim.basis == "actual":
        amount = euro_amount(claim, rates)
    elif default_prices is None:
        raise InputError(
            "a carbon price paid on goods valued at default values may reduce the certificates "
            "only by reference to the Commission's yearly default carbon prices (Reg. (EU) "
            "2023/956 Art. 9(4)); none is published yet: load a table of them "
            "(--default-carbon-prices) or remove the claim",
            field="carbon_price_paid",
        )
    else:
        price = default_prices.price(country, claim.year)
        rebate = claim.rebate / rates.per_eur(claim.currency, claim.year) if claim.rebate else ZERO
        amount = max(ZERO, embedded * price - rebate)
    return reduction_cap(certificates_for_price(amount, reference_price), before)
