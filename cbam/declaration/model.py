"""Models of the importer wing: customs lines, supplier values, assessment results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from cbam.declaration.audit import AuditStep
from cbam.declaration.carbon_price import CarbonPriceClaim
from cbam.installation.model import ElectricityEvidence, Verification


class ImportLine(NamedTuple):
    """One customs line, validated (what :func:`cbam.read_imports` yields).

    Attributes
    ----------
    row : int
        The row number as a spreadsheet shows it (header = row 1).
    cn : str
        The 8-digit CN code (a TARIC code's first 8 digits).
    country : str
        Country of origin, ISO 3166-1 alpha-2.
    net_mass : Decimal
        Net mass in t (MWh for electricity, CN 2716 00 00).
    year, quarter : int
        Import year and quarter (1-4), from ``import_date`` or given directly.
    import_date : datetime.date or None
        Date of release for free circulation, when given (prices by quarter or ISO week).
    installation_id : str or None
        The producing installation, matched against supplier data.
    route : str or None
        Production route indicator (A)-(L), without brackets.
    procedure : str or None
        Customs procedure code (e.g. 4000).
    supplementary_units : Decimal or None
        Quantity in the CN supplementary unit.
    clinker_content, nitrogen_content : Decimal or None
        Shares 0-1 for cement and fertilisers (IR 2025/2547 Eqs. 64-66).
    line_id : str or None
        The user's own reference, kept in the outputs.
    carbon_price_deduction : Decimal or None
        Deprecated: certificates deducted for a carbon price paid abroad, given as a bare
        number; accepted on actual-value lines only (Reg. (EU) 2023/956 Art. 9(1), 9(4)). Give
        ``carbon_price`` instead.
    production_year : int or None
        Evidenced year of production: the reporting period of goods imported from 2027 (IR
        2025/2547 Art. 7(1)); ignored for 2026 imports and electricity.
    importer_eori : str or None
        The importer (EORI number) the line was declared for: threshold, holding and
        declaration are per importer (Reg. (EU) 2023/956 Arts. 2a(1), 5(2a)).
    additional_procedure : tuple of str
        Additional procedure codes of the customs declaration (data element 1/11: ``F01``
        relief for returned goods ...).
    ip_cn, ip_country, ip_net_mass : str, str, Decimal or None
        For processed products released from inward processing: the CBAM goods placed under
        the procedure that resulted in them -- CN code, origin and net mass in t (Art. 6(3)).
    carbon_price : CarbonPriceClaim or None
        A carbon price effectively paid in a third country for the line's goods (Art. 9).
    supplier : str or None
        The seller or manufacturer as the importer's records name it (the ``supplier``
        column): who a supplier data request goes to when the line names no installation
        (:mod:`cbam.suppliers`); the assessment itself matches supplier data by installation.

    Examples
    --------
    >>> from decimal import Decimal
    >>> line = ImportLine(row=2, cn="73181542", country="CN", net_mass=Decimal("12.5"),
    ...                   year=2026, quarter=1)
    >>> line.cn, line.net_mass, line.installation_id
    ('73181542', Decimal('12.5'), None)
    """

    row: int
    cn: str
    country: str
    net_mass: Decimal
    year: int
    quarter: int
    import_date: dt.date | None = None
    installation_id: str | None = None
    route: str | None = None
    procedure: str | None = None
    supplementary_units: Decimal | None = None
    clinker_content: Decimal | None = None
    nitrogen_content: Decimal | None = None
    line_id: str | None = None
    carbon_price_deduction: Decimal | None = None
    production_year: int | None = None
    importer_eori: str | None = None
    additional_procedure: tuple[str, ...] = ()
    ip_cn: str | None = None
    ip_country: str | None = None
    ip_net_mass: Decimal | None = None
    carbon_price: CarbonPriceClaim | None = None
    supplier: str | None = None


class SupplierValue(BaseModel):
    """Actual SEE of goods from one installation, as its operator communicated them (Art. 7(2)(a)).

    Attributes
    ----------
    installation_id : str
        The installation's id, which customs lines name in ``installation_id``.
    installation_name : str or None
        Its name.
    country : str or None
        Its country, ISO 3166-1 alpha-2.
    cn_codes : tuple of str
        The CN codes the value covers.
    process_id : str or None
        The production process it comes from.
    good : str or None
        The aggregated goods category.
    see_direct : Decimal
        Specific direct embedded emissions, t CO2e per t (per MWh for electricity).
    see_indirect : Decimal
        Specific indirect embedded emissions, t CO2e per t.
    see_total_definitive : Decimal or None
        SEE counted in the definitive period, t CO2e per t: direct, plus indirect where it counts,
        including a non-Annex-II precursor's indirect share in an Annex II good (IR 2025/2547
        Annex I pt 3.1).
    benchmark_a : Decimal or None
        The whole benchmark for actual data, Column A plus the m_i-weighted benchmarks of the
        precursors (IR 2025/2620 Annex pt 3.3 Eq. 4, before the CBAM factor), t CO2e per t, when
        the user gives it; supplier files give ``precursor_benchmark`` instead, so that the
        good's own Column A follows the line's route.
    benchmark_note : str or None
        How the benchmark of actual data was obtained where a choice was made.
    route : str or None
        Production-route letter of the process (IR 2025/2620 / IR 2025/2621, ``"K"`` ...); the
        customs line's ``route`` overrides it.
    precursor_benchmark : Decimal or None
        sum m_i x BM_i of the process's precursors (IR 2025/2620 Annex pt 3.3 Eq. 4, before the
        CBAM factor), t CO2e per functional unit of the good; the good's own Column A is added
        for the route of the line (None: unknown, 0: no precursors).
    see_unit : str
        The functional unit the SEE and ``precursor_benchmark`` are per: ``"t"`` (tonnes of
        goods), ``"t clinker contained"`` or ``"kg N contained"`` (IR 2025/2547 Art. 4).
    contents : dict of str to Decimal
        Clinker or nitrogen share (0-1) per CN code, from the supplier (IR 2025/2547 Eqs. 64-66).
    period_start, period_end : datetime.date or None
        The reporting period of the values (IR 2025/2547 Art. 7).
    verification : Verification or None
        The verification of the values (Reg. (EU) 2023/956 Art. 8); None: not verified.
    electricity_evidence : ElectricityEvidence or None
        Evidence of Reg. (EU) 2023/956 Annex IV pt 5 for electricity.
    source : str
        The file the value came from (installation file or communication template).

    Examples
    --------
    >>> import datetime as dt
    >>> from decimal import Decimal
    >>> from cbam.installation.model import Verification
    >>> smelter = SupplierValue(installation_id="AL-1", cn_codes=("76011010",),
    ...     see_direct=Decimal("1.8"), route="K", precursor_benchmark=Decimal(0),
    ...     period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31),
    ...     verification=Verification(verifier="V", accreditation="A-1", report="R-1",
    ...                               date=dt.date(2027, 3, 1), opinion="satisfactory"),
    ...     source="smelter.json")
    >>> smelter.route, smelter.reporting_year
    ('K', 2026)
    """

    model_config = ConfigDict(frozen=True)

    installation_id: str
    installation_name: str | None = None
    country: str | None = None
    cn_codes: tuple[str, ...]
    process_id: str | None = None
    good: str | None = None
    see_direct: Decimal
    see_indirect: Decimal = Decimal(0)
    see_total_definitive: Decimal | None = None
    """SEE counted in the definitive period (direct, plus indirect where it counts, including a
    non-Annex-II precursor's indirect share in an Annex II good: IR 2025/2547 Annex I pt 3.1)."""
    benchmark_a: Decimal | None = None
    benchmark_note: str | None = None
    route: str | None = None
    precursor_benchmark: Decimal | None = None
    see_unit: str = "t"
    contents: dict[str, Decimal] = Field(default_factory=dict)
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    verification: Verification | None = None
    electricity_evidence: ElectricityEvidence | None = None
    source: str
    """The file the value came from (installation file or communication template)."""

    @property
    def reporting_year(self) -> int | None:
        """The calendar year of the values' reporting period; None when the period is unknown
        or is not one calendar year (IR 2025/2547 Art. 1(5), Art. 7)."""
        start, end = self.period_start, self.period_end
        if start is None or end is None or start.year != end.year:
            return None
        if (start.month, start.day, end.month, end.day) != (1, 1, 12, 31):
            return None
        return start.year


class LineResult(BaseModel):
    """One customs line with its figures (what ``lines.csv`` holds).

    ``route_basis`` names the rule that decided the benchmark's production route
    (:data:`cbam.reference.routes.ROUTE_BASES`); ``basis_reason`` why the line has its basis
    (:data:`cbam.declaration.eligibility.BASIS_REASONS`); ``estimate`` is true when the line
    uses actual values that may not reach a declaration (``accept_unverified``).
    ``procedure_rule`` is what the customs procedure made of the line
    (:data:`cbam.declaration.procedures.Rule`); for processed products released from inward
    processing ``cn``, ``country`` and ``net_mass`` are those of the goods placed under the
    procedure and ``declared_cn`` the product's (Art. 6(3)). ``price_basis`` names how ``price``
    was found (:mod:`cbam.declaration.price_basis`).
    """

    model_config = ConfigDict(frozen=True)

    row: int
    line_id: str | None
    cn: str
    country: str
    country_used: str
    installation_id: str | None
    route: str | None
    route_basis: str
    year: int
    quarter: int
    period: str
    net_mass: Decimal
    basis: Literal["actual", "default", "none"]
    basis_reason: str
    estimate: bool
    see_used: Decimal
    embedded_emissions: Decimal
    sefa: Decimal
    free_allocation: Decimal
    carbon_price_deduction: Decimal
    certificates: Decimal
    price: Decimal
    price_is_assumption: bool
    cost_eur: Decimal
    exempt_de_minimis: bool
    group: str
    procedure_rule: str = "import"
    declared_cn: str | None = None
    price_basis: str = ""


class ValuationTrail(BaseModel):
    """How one valuation's per-tonne figures (SEE used, benchmark, SEFA) were obtained.

    Goods that share a valuation -- the same CN code, origin, route and supplier values, e.g.
    the lines of many installations without supplier data -- share its trail, written once.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    """``V1``, ``V2`` ... in the order of the goods that first use it."""
    audit: tuple[AuditStep, ...]


@dataclass(frozen=True, slots=True)
class GoodResult:
    """One good (CN code x origin x installation x route x basis) summed over its lines.

    ``audit`` holds the good's own steps (why this basis); the steps of its per-tonne figures
    are in the assessment's valuation ``valuation`` (:meth:`Assessment.audit_of` joins both).
    A plain slotted dataclass: a year may hold 100,000 goods (one per installation). The engine
    makes them from figures it has typed itself, so they are not validated again when made
    (a pydantic dataclass spent 19 microseconds a good on it); read from a declaration file,
    they are validated as part of the :class:`Assessment` (pydantic validates the fields of a
    standard dataclass as those of its own).
    """

    key: str
    cn: str
    category: str
    country: str
    country_used: str
    installation_id: str | None
    route: str | None
    basis: Literal["actual", "default", "none"]
    lines: int
    net_mass: Decimal
    see_direct: Decimal | None
    see_indirect: Decimal | None
    indirect_counted: bool
    markup: Decimal
    see_used: Decimal
    embedded_emissions: Decimal
    benchmark: Decimal
    benchmark_column: str
    sefa: Decimal
    free_allocation: Decimal
    carbon_price_deduction: Decimal
    certificates: Decimal
    cost_eur: Decimal
    valuation: str
    """The id of the good's :class:`ValuationTrail` in :attr:`Assessment.valuations`."""
    audit: tuple[AuditStep, ...]
    route_basis: str | None = None
    """The rule that decided the benchmark's route (:data:`cbam.reference.routes.ROUTE_BASES`)."""
    basis_reason: str | None = None
    """Why the good has its basis (:data:`cbam.declaration.eligibility.BASIS_REASONS`)."""
    estimate: bool = False
    """True when unverified (or other-period) actual values were used: not for a declaration."""
    certificates_default: Decimal | None = None
    """Certificates the good would need at default values (t CO2e): for an actual-value good the
    same mass, origin and route valued without supplier data, max(0, M x SEE_default - M x
    SEFA_default - CP) on the good's totals; for a default-value good its certificates; None
    when no default value exists to compare with. Minus :attr:`certificates`: the saving that
    supplier data bring."""
    procedure_rule: str = "import"
    """What the customs procedure made of the good's lines: ``import``, ``returned goods``
    (zero embedded emissions, Art. 6(5)), ``inward processing`` (the goods placed under the
    procedure, Art. 6(3)) or ``outward processing`` (Art. 6(4))."""
    declared_cn: str | None = None
    """For goods placed under inward processing: the CN code of the processed products declared."""


class DeMinimis(BaseModel):
    """Reg. (EU) 2023/956 Art. 2a: the 50 t annual threshold (never hydrogen or electricity)."""

    model_config = ConfigDict(frozen=True)

    threshold_t: Decimal
    net_mass_counted: Decimal
    """Net mass of goods the threshold applies to (all but hydrogen and electricity), t."""
    net_mass_always_in_scope: Decimal
    """Hydrogen, always in scope, t (electricity, in MWh, is :attr:`electricity_mwh`)."""
    exempt: bool
    rule: str
    electricity_mwh: Decimal = Decimal(0)
    """Electricity, always in scope, MWh (never added to tonnes)."""
    exceeded_in: str | None = None
    """The quarter (``2027Q2``) in which the counted net mass passed the threshold, when it did."""
    holding_due_by: dt.date | None = None
    """From 2027: the end of the quarter after :attr:`exceeded_in`, by which the quarterly
    holding of Art. 22(2) must be complied with (Art. 22(2a))."""


class QuarterHolding(BaseModel):
    """Certificates to hold at a quarter's end (Art. 22(2) as amended: 50 % from 2027)."""

    model_config = ConfigDict(frozen=True)

    quarter: str
    embedded_emissions_without_markup_to_date: Decimal
    """Year to date, t CO2e, at default values without their mark-up where defaults are used
    (Art. 22(2)(a)); actual values where supplier data are used."""
    free_allocation_to_date: Decimal
    share: Decimal
    certificates_to_hold: Decimal
    """Certificates that must be on the account at the end of the quarter: the share of the
    year-to-date emissions less free allocation, per good and never below zero, of the goods
    the obligation applies to at that date (Art. 22(2a); hydrogen and electricity always)."""
    basis: str = ""
    """How the emissions were determined: ``a`` default values without mark-up (Art.
    22(2)(a)), ``b`` last year's surrendered certificates per tonne (Art. 22(2)(b)), ``a+b``."""
    due_by: dt.date | None = None
    """The date by which :attr:`certificates_to_hold` must be held (None: nothing due)."""


class YearCost(BaseModel):
    """What the same imports would cost if imported in another year (same volumes and origins)."""

    model_config = ConfigDict(frozen=True)

    year: int
    cbam_factor: Decimal
    embedded_emissions: Decimal
    free_allocation: Decimal
    certificates: Decimal
    price: Decimal
    price_is_assumption: bool
    cost_eur: Decimal
    price_basis: str = ""
    """How ``price`` was found (:mod:`cbam.declaration.price_basis`)."""


class ProcedureCount(BaseModel):
    """The lines of one customs-procedure rule and their net mass (t; MWh for electricity)."""

    model_config = ConfigDict(frozen=True)

    lines: int
    net_mass: Decimal


class Totals(BaseModel):
    """The exact sums of the goods; tonnes and MWh are never added together."""

    model_config = ConfigDict(frozen=True)

    net_mass: Decimal
    """Net mass of all goods but electricity, t."""
    embedded_emissions: Decimal
    free_allocation: Decimal
    carbon_price_deduction: Decimal
    certificates: Decimal
    cost_eur: Decimal
    electricity_mwh: Decimal = Decimal(0)
    """Electricity (CN 2716 00 00), MWh."""


class Assessment(BaseModel):
    """The result of assessing a year of customs lines (Reg. (EU) 2023/956 Arts. 2a, 6, 22).

    Attributes
    ----------
    year : int
        The assessed import year.
    declarant : dict of str to str
        EORI, name and country of the declarant, when a declarant file was given: who files
        the declaration (the importer, or an indirect customs representative).
    importer : str or None
        The importer whose lines were assessed (EORI number, the lines' ``importer_eori``):
        the person on whose behalf an indirect customs representative declares (Reg. (EU)
        2023/956 Art. 3(15), Art. 5(2a)); the threshold is per importer (Art. 2a(1)). None
        when the lines name no importer.
    cscf : Decimal
        Cross-sectoral correction factor used (Directive 2003/87/EC Art. 10a(5)).
    totals : Totals
        Net mass (t, all goods but electricity), electricity (MWh), embedded emissions, free
        allocation, carbon price deduction and certificates (t CO2e), cost (EUR): the exact
        sums of the lines.
    de_minimis : DeMinimis
        The 50 t threshold of Art. 2a: mass counted, mass always in scope, exempt or not.
    goods : tuple of GoodResult
        One entry per CN code x origin x installation x route x basis, with its SEE (t CO2e per
        t), figures and the id of its valuation.
    valuations : tuple of ValuationTrail
        The audit trail of each distinct valuation the goods use (:meth:`audit_of`).
    quarters : tuple of QuarterHolding
        Certificates to hold at each quarter's end (Art. 22(2): 50 % from 2027).
    lines : int
        Number of customs lines assessed.
    datasets : dict of str to str
        Every dataset used, with its version.
    notes : tuple of str
        Fall-backs and assumptions behind the figures.
    trajectory : tuple of YearCost
        The same imports priced in each year 2026-2034 with that year's mark-up (IR 2025/2621
        Annex I), CBAM factor (Directive 2003/87/EC Art. 10a(1a)) and price (EUR).
    scenarios : dict of str to Decimal
        Cost (EUR) at each scenario price (EUR per certificate).
    route_bases : dict of str to int
        Customs lines per rule that decided the benchmark's production route (``row``,
        ``single``, ``line``, ``two-letters``, ``family``, ``supplier``, ``lowest``, ``none``).
    basis_reasons : dict of str to int
        Customs lines per reason for their basis (``verified``, ``unverified``,
        ``other-period``, ``no-supplier-data`` ...).
    estimate : bool
        True when actual values without a satisfactory verification or of another reporting
        period were used (``accept_unverified``): an estimate, not a declaration.
    price_basis : str
        How the year's certificates are priced (the quarter of importation in 2026; from 2027
        the price, plan or path given, or an assumed price).
    procedures : dict of str to ProcedureCount
        Lines and net mass per customs-procedure rule (``import``, ``returned goods``,
        ``inward processing``, ``outward processing``, ``not imported``).
    carbon_price_reference : Decimal or None
        The certificate price (EUR) a carbon price paid abroad was converted at (Art. 9(5)).

    Examples
    --------
    >>> import cbam
    >>> result = cbam.assess(cbam.read_imports("samples/imports-2026.csv", year=2026), 2026)
    >>> result.lines, result.de_minimis.exempt, result.totals.certificates > 0
    (300, False, True)
    >>> good = result.goods[0]
    >>> [step.quantity for step in result.audit_of(good)][:3]
    ['basis', 'basis reason', 'default value (total)']
    """

    model_config = ConfigDict(frozen=True)

    year: int
    declarant: dict[str, str] = Field(default_factory=dict)
    importer: str | None = None
    """The importer (EORI number) whose lines were assessed; None when they name none."""
    cscf: Decimal
    totals: Totals
    de_minimis: DeMinimis
    goods: tuple[GoodResult, ...]
    valuations: tuple[ValuationTrail, ...] = ()
    quarters: tuple[QuarterHolding, ...]
    lines: int
    datasets: dict[str, str]
    notes: tuple[str, ...]
    trajectory: tuple[YearCost, ...] = ()
    """The same imports priced in each year 2026-2034 (mark-ups and CBAM factor of that year)."""
    scenarios: dict[str, Decimal] = Field(default_factory=dict)
    """Cost at scenario prices: price (EUR) -> cost (EUR)."""
    route_bases: dict[str, int] = Field(default_factory=dict)
    """Customs lines per rule that decided the benchmark's production route."""
    basis_reasons: dict[str, int] = Field(default_factory=dict)
    """Customs lines per reason for their basis (actual or default)."""
    estimate: bool = False
    """True when unverified or other-period actual values were used (an estimate)."""
    price_basis: str = ""
    """How the assessed year's certificates are priced (:mod:`cbam.declaration.price_basis`)."""
    procedures: dict[str, ProcedureCount] = Field(default_factory=dict)
    """Lines and net mass per customs-procedure rule (:mod:`cbam.declaration.procedures`),
    including lines not released for free circulation, which count nowhere else."""
    carbon_price_reference: Decimal | None = None
    """The certificate price (EUR) a carbon price paid abroad was converted at, when one was
    claimed (Art. 9(5), draft implementing act: the highest price known for the year)."""

    @cached_property
    def valuation_index(self) -> dict[str, ValuationTrail]:
        """The valuations by id."""
        return {trail.id: trail for trail in self.valuations}

    def audit_of(self, good: GoodResult) -> tuple[AuditStep, ...]:
        """A good's whole audit trail: its own steps, then those of its valuation."""
        trail = self.valuation_index.get(good.valuation)
        return good.audit if trail is None else (*good.audit, *trail.audit)

    def to_dataframe(self, what: str = "goods", *, float_columns: bool = False) -> Any:
        """DataFrame of ``goods``, ``trajectory``, ``quarters`` or ``audit`` (extra pandas)."""
        from cbam.declaration.frames import to_dataframe

        return to_dataframe(self, what, float_columns=float_columns)  # type: ignore[arg-type]

    def plot_cost_trajectory(self, ax: Any = None) -> Any:
        """Bar chart of the cost per year 2026-2034 (extra plot); returns the Axes."""
        from cbam.declaration.frames import plot_cost_trajectory

        return plot_cost_trajectory(self, ax)
