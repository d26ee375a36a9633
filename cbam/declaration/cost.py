"""Certificates and cost of one import line, on actual or default values (``cbam cost``).

The line's SEE is the supplier's verified actual value when given (directly, or from an
installation file's process, :func:`cbam.declaration.suppliers.installation_value`), else the
default value of IR 2025/2621 marked up for the year. Free allocation uses the Column A benchmark
of the production route plus the precursors' benchmarks for actual data (IR 2025/2620 Annex pt
3.1, 3.3 Eq. 4) -- never Column A alone for a good whose precursors count -- and Column B of the
route the rules of :mod:`cbam.reference.routes` give for default values (pt 4). Electricity gets
no free allocation (Q&A §3.8). Everything per tonne comes from
:func:`cbam.declaration.valuation.value_good`, the one place a good is valued.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from cbam.declaration import certificates as cert
from cbam.declaration.audit import AuditStep
from cbam.declaration.eligibility import Eligibility, eligibility, reporting_year
from cbam.declaration.valuation import CSCF_NOTE, Valuation, value_good
from cbam.reference.prices import CertificatePrice, PriceTable
from cbam.rules import Sector
from cbam.values import EXACT, figure

if TYPE_CHECKING:
    from cbam.declaration.model import SupplierValue
    from cbam.reference.defaults import DefaultValueTable

__all__ = ["CSCF_NOTE", "LineCost", "cost_line"]


class LineCost(BaseModel):
    """The certificate arithmetic of one line with its audit trail (IR 2025/2620; Art. 22).

    Attributes
    ----------
    cn : str
        The 8-digit CN code.
    country : str
        Country of origin, ISO 3166-1 alpha-2.
    country_used : str
        The default-value row's country (``"OTHER"`` after a fall-back); the origin for actual data.
    year : int
        Import year.
    mass : Decimal
        Net mass, t (MWh for electricity).
    basis : {"actual", "default"}
        Whether the supplier's actual values or the default value was used.
    route : str or None
        Production route of the default-value row or the benchmark.
    see_direct, see_indirect : Decimal or None
        The SEE channels of the value used, t CO2e per t (default values: as published).
    indirect_counted : bool
        False for Reg. (EU) 2023/956 Annex II goods (direct emissions only, Art. 7(1)).
    markup : Decimal
        Mark-up of the year on the default value (IR 2025/2621 Annex I); 0 for actual data.
    see_used : Decimal
        The SEE the line is charged with, t CO2e per t.
    embedded_emissions : Decimal
        EE = mass x see_used, t CO2e.
    benchmark : Decimal
        Benchmark used, t CO2e per t (IR 2025/2620 Annex).
    benchmark_column : {"A", "B", "none", "user"}
        Column A (actual), B (default), none (electricity) or given by the user.
    cbam_factor : Decimal
        CBAM factor of the year (Directive 2003/87/EC Art. 10a(1a)).
    cscf : Decimal
        Cross-sectoral correction factor used.
    sefa : Decimal
        Specific free allocation, t CO2e per t: cbam_factor x cscf x benchmark.
    free_allocation : Decimal
        FAA = mass x sefa, t CO2e.
    carbon_price_deduction : Decimal
        Certificates deducted for a carbon price paid abroad (Art. 9), t CO2e.
    certificates : Decimal
        N = max(0, EE - FAA - deduction), certificates (t CO2e).
    price : Decimal or None
        Certificate price, EUR per certificate.
    price_period : str or None
        The price's period (``2026Q3``, ``2027-W05`` or a year).
    price_is_assumption : bool
        True when the price is not a published or supplied price for the period.
    price_basis : str
        How the price was found, in words (:func:`price_basis_text`).
    cost_eur : Decimal or None
        certificates x price, EUR, unrounded.
    audit : tuple of AuditStep
        Every step: quantity, value, rule, source (dataset and row) and note.
    route_basis : str
        The rule that decided the benchmark's production route (``row``, ``single``, ``line``,
        ``two-letters``, ``family``, ``supplier``, ``lowest``, ``none``).
    basis_reason : str
        Why the line has its basis (``given``, ``verified``, ``unverified``, ...).
    estimate : bool
        True when an installation's values are unverified or of another reporting period.

    Examples
    --------
    >>> from decimal import Decimal
    >>> line = cost_line("76011010", "CN", Decimal(1000), 2026, see_direct=Decimal("1.8"),
    ...                  route="K", price=Decimal(80))
    >>> line.benchmark, line.route_basis, line.certificates  # 1000 x (1.8 - 0.975 x 1.423)
    (Decimal('1.423'), 'line', Decimal('412.575000'))
    """

    model_config = ConfigDict(frozen=True)

    cn: str
    country: str
    country_used: str
    year: int
    mass: Decimal
    basis: Literal["actual", "default"]
    route: str | None
    see_direct: Decimal | None
    see_indirect: Decimal | None
    indirect_counted: bool
    markup: Decimal
    see_used: Decimal
    embedded_emissions: Decimal
    benchmark: Decimal
    benchmark_column: Literal["A", "B", "none", "user"]
    cbam_factor: Decimal
    cscf: Decimal
    sefa: Decimal
    free_allocation: Decimal
    carbon_price_deduction: Decimal
    certificates: Decimal
    price: Decimal | None
    price_period: str | None
    price_is_assumption: bool
    cost_eur: Decimal | None
    audit: tuple[AuditStep, ...]
    route_basis: str = "none"
    basis_reason: str = "given"
    estimate: bool = False
    price_basis: str = ""

    def summary(self) -> dict[str, object]:
        """The ``cbam cost --json`` object (interfaces.md section 2); cost rounded to the cent."""
        return {
            "cn": self.cn,
            "country": self.country,
            "country_used": self.country_used,
            "year": self.year,
            "route": self.route,
            "route_basis": self.route_basis,
            "basis": self.basis,
            "basis_reason": self.basis_reason,
            "estimate": self.estimate,
            "mass": self.mass,
            "markup": self.markup,
            "see_used": self.see_used,
            "embedded_emissions": self.embedded_emissions,
            "benchmark": self.benchmark,
            "benchmark_column": self.benchmark_column,
            "cbam_factor": self.cbam_factor,
            "cscf": self.cscf,
            "free_allocation": self.free_allocation,
            "carbon_price_deduction": self.carbon_price_deduction,
            "certificates": self.certificates,
            "price": self.price,
            "price_period": self.price_period,
            "price_is_assumption": self.price_is_assumption,
            "price_basis": self.price_basis,
            "cost_eur": None if self.cost_eur is None else cert.round_eur(self.cost_eur),
            "audit": [step.model_dump() for step in self.audit],
        }


def cost_line(
    cn: str | int,
    country: str,
    mass: Decimal,
    year: int,
    *,
    route: str | None = None,
    price: Decimal | CertificatePrice | None = None,
    prices: PriceTable | None = None,
    see_direct: Decimal | None = None,
    see_indirect: Decimal | None = None,
    see_definitive: Decimal | None = None,
    benchmark_a: Decimal | None = None,
    cscf: Decimal = Decimal(1),
    carbon_price_deduction: Decimal = Decimal(0),
    defaults_table: DefaultValueTable | None = None,
    supplier: SupplierValue | None = None,
    clinker_content: Decimal | None = None,
    nitrogen_content: Decimal | None = None,
) -> LineCost:
    """Certificates and cost of one import line (Reg. (EU) 2023/956 Arts. 9, 21, 22; IR 2025/2620).

    EE = M x SEE (Annex IV); FAA = M x SEFA (IR 2025/2620 Annex pt 2-4); N = max(0, EE - FAA - CP)
    (Art. 9, 22; Q&A §4.32); cost = N x price (Art. 21); SEE and SEFA from ``value_good``.

    Parameters
    ----------
    cn : str or int
        CN code of the good (any accepted spelling).
    country : str
        Country of origin, ISO 3166-1 alpha-2 (not an EU or Annex III exempt country).
    mass : Decimal
        Net mass in t (MWh for electricity, CN 2716 00 00).
    year : int
        Import year (2026 onwards): sets the mark-up, the CBAM factor and the price.
    route : str, optional
        Production-route letter (``"A"`` ... ``"L"``) of the line; overrides the supplier's.
    price : Decimal or CertificatePrice, optional
        Certificate price in EUR per certificate (1 t CO2e); overrides ``prices``.
    prices : PriceTable, optional
        Known and user prices; without ``price`` the year's (an assumption, flagged, if none).
    see_direct, see_indirect : Decimal, optional
        The supplier's verified actual SEE, t CO2e per t (per MWh).
    see_definitive : Decimal, optional
        The definitive-period SEE (IR 2025/2547 Annex I pt 3.1), t CO2e per t; overrides the sum.
    benchmark_a : Decimal, optional
        Benchmark for actual data: Column A plus the precursors' (IR 2025/2620 Annex pt 3.3
        Eq. 4), t CO2e per t.
    cscf : Decimal, default 1
        Cross-sectoral correction factor (Directive 2003/87/EC Art. 10a(5)), dimensionless.
    carbon_price_deduction : Decimal, default 0
        Certificates deducted for a carbon price effectively paid abroad (Art. 9), t CO2e.
    defaults_table : DefaultValueTable, optional
        A newer default-value workbook (:func:`cbam.load_defaults_workbook`).
    supplier : SupplierValue, optional
        An installation's values (:func:`cbam.declaration.suppliers.installation_value`); if
        unverified or of another period the result is an estimate; electricity needs Annex IV pt 5.
    clinker_content, nitrogen_content : Decimal, optional
        The consignment's clinker or nitrogen share (0-1) (IR 2025/2547 Eqs. 64-66).

    Returns
    -------
    LineCost
        EE, FAA and certificates in t CO2e, cost in EUR (unrounded), with the audit trail.

    Raises
    ------
    InputError
        As :func:`cbam.declaration.valuation.value_good` (a good made from precursors with actual
        values needs ``benchmark_a`` or ``supplier``), or a negative, non-finite or out-of-range
        quantity, or a float (pass ``Decimal(str(x))``).

    Examples
    --------
    >>> from decimal import Decimal
    >>> cost_line("25231000", "CN", Decimal(1000), 2026, route="A", price=Decimal("75.36")
    ...           ).certificates  # 1000 x (1.39 x 1.1 - 0.975 x 0.666)
    Decimal('879.650000')
    """
    # Figures as the Python API takes them (cbam.values.figure: no floats), computed in the
    # library's own decimal context whatever the caller's.
    mass = figure(mass, "mass")
    carbon_price_deduction = figure(carbon_price_deduction, "carbon_price_deduction")
    see_direct, see_indirect, see_definitive, benchmark_a, clinker_content, nitrogen_content = (
        None if value is None else figure(value, name)
        for value, name in (
            (see_direct, "see_direct"),
            (see_indirect, "see_indirect"),
            (see_definitive, "see_definitive"),
            (benchmark_a, "benchmark_a"),
            (clinker_content, "clinker_content"),
            (nitrogen_content, "nitrogen_content"),
        )
    )
    cscf = figure(cscf, "cscf")
    with localcontext(EXACT):
        status, supplier = _supplier_status(supplier, cn, year)
        valuation = value_good(
            cn,
            country,
            year,
            route=route,
            see_direct=see_direct,
            see_indirect=see_indirect,
            supplier=supplier,
            see_definitive=see_definitive,
            benchmark_a=benchmark_a,
            clinker_content=clinker_content,
            nitrogen_content=nitrogen_content,
            cscf=cscf,
            defaults_table=defaults_table,
        )
        resolved = _price(price, prices, year)
        line = _line_cost(valuation, mass, carbon_price_deduction, resolved)
        line = line.model_copy(update={"price_basis": price_basis_text(resolved, year)})
        return _with_status(line, valuation, status, "given" if see_direct is not None else None)


def price_basis_text(price: CertificatePrice, year: int) -> str:
    """What the price of one line of ``cbam cost`` stands for (Reg. (EU) 2023/956 Arts. 20(4), 21).

    A line without an import date has no pricing period of its own: 2026 goods are priced at
    the quarter of importation (Art. 21(1a)), later ones at the week of purchase (Art. 20(4)).

    >>> from decimal import Decimal
    >>> given = CertificatePrice(period="2027", value=Decimal(80), source="given by the user")
    >>> price_basis_text(given, 2027)
    'flat price of EUR 80 per certificate given by the user'
    """
    if price.source == "given by the user":
        return f"flat price of EUR {price.value} per certificate given by the user"
    why = price.note or price.source
    if year == 2026:
        return (
            f"{why}; 2026 goods are priced at the quarter of importation (Art. 21(1a)): give "
            "that quarter's price with --price"
        )
    return (
        f"{why}; certificates are bought at the price of the week of purchase (Art. 20(4)): "
        "give your expected price with --price" + (" (assumed)" if price.assumption else "")
    )


def _with_status(
    line: LineCost, valuation: Valuation, status: Eligibility | None, given: str | None
) -> LineCost:
    """The line with its route basis, basis reason and estimate flag (and the basis step)."""
    reason = given or "no-installation"
    estimate = False
    steps: tuple[AuditStep, ...] = ()
    if status is not None:
        reason, estimate = status.reason, status.estimate and valuation.basis == "actual"
        steps = (
            AuditStep(
                quantity="basis",
                value=valuation.basis,
                rule="Reg. (EU) 2023/956 Art. 7(2), Art. 8; IR 2025/2547 Art. 7",
                note=("ESTIMATE: " if estimate else "") + status.text,
            ),
        )
    return line.model_copy(
        update={
            "route_basis": valuation.route_basis,
            "basis_reason": valuation.fallback_reason or reason,
            "estimate": estimate,
            "audit": steps + line.audit,
        }
    )


def _supplier_status(
    supplier: SupplierValue | None, cn: str | int, year: int
) -> tuple[Eligibility | None, SupplierValue | None]:
    """Whether an installation's values may be used for this line (rules of
    :mod:`cbam.declaration.eligibility`; a what-if may use unverified or other-period values as
    an estimate, never electricity without the Annex IV pt 5 evidence)."""
    if supplier is None:
        return None, None
    from cbam import goods

    electricity = goods.good(cn).sector is Sector.ELECTRICITY
    period = reporting_year(year, electricity=electricity, production_year=None)
    status = eligibility(supplier, period, electricity=electricity, accept_unverified=True)
    return status, supplier if status.usable else None


def _price(
    price: Decimal | CertificatePrice | None, prices: PriceTable | None, year: int
) -> CertificatePrice:
    """The price given, or the year's price from the table (an assumption where none is known)."""
    if isinstance(price, CertificatePrice):
        return price
    if price is not None:
        price = figure(price, "price")
        return CertificatePrice(period=str(year), value=price, source="given by the user")
    return (prices or PriceTable()).for_year(year)


def _line_cost(
    valuation: Valuation, mass: Decimal, deduction: Decimal, price: CertificatePrice
) -> LineCost:
    """A mass of a valued good: EE, FAA, certificates and cost with their audit steps.

    EE = M x SEE (Reg. (EU) 2023/956 Annex IV); FAA = M x SEFA (IR 2025/2620 Annex pt 2);
    N = max(0, EE - FAA - CP) (Art. 9, 22; Q&A §4.32); cost = N x price (Art. 21).
    """
    embedded = cert.embedded_emissions(mass, valuation.see_used)
    allocation = cert.free_allocation(mass, valuation.sefa)
    due = cert.certificates_due(embedded, allocation, deduction)
    cost = cert.cost_eur(due, price.value)
    steps = (
        AuditStep(
            quantity="embedded emissions",
            value=embedded,
            rule="Reg. (EU) 2023/956 Annex IV: mass x SEE",
        ),
        AuditStep(
            quantity="free allocation",
            value=allocation,
            rule="IR 2025/2620 Annex pt 2: mass x CBAM factor x CSCF x benchmark",
        ),
        AuditStep(
            quantity="certificates",
            value=due,
            rule="Reg. (EU) 2023/956 Art. 22; Q&A §4.32: max(0, EE - FAA - carbon price)",
            note="free allocation exceeds embedded emissions: 0 for this good, not netted"
            if embedded - allocation - deduction < 0
            else None,
        ),
        AuditStep(
            quantity="price",
            value=price.value,
            rule="Reg. (EU) 2023/956 Art. 21",
            source=price.source,
            note=price.note,
        ),
    )
    basis = valuation.basis
    assert basis != "none"  # cbam cost values a good; only the engine's procedures give none
    return LineCost(
        cn=valuation.cn,
        country=valuation.country,
        country_used=valuation.country_used,
        year=valuation.year,
        mass=mass,
        basis=basis,
        route=valuation.route,
        see_direct=valuation.see_direct,
        see_indirect=valuation.see_indirect,
        indirect_counted=valuation.indirect_counted,
        markup=valuation.markup,
        see_used=valuation.see_used,
        embedded_emissions=embedded,
        benchmark=valuation.benchmark,
        benchmark_column=valuation.benchmark_column,
        cbam_factor=valuation.cbam_factor,
        cscf=valuation.cscf,
        sefa=valuation.sefa,
        free_allocation=allocation,
        carbon_price_deduction=deduction,
        certificates=due,
        price=price.value,
        price_period=price.period,
        price_is_assumption=price.assumption,
        cost_eur=cost,
        audit=valuation.audit + steps,
    )
