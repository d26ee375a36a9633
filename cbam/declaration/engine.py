"""The assessment engine: the one path from a customs line to certificates.

Every way of assessing customs lines goes through :class:`Engine`: :func:`cbam.assess` over
:class:`~cbam.declaration.model.ImportLine` objects, :func:`cbam.job.assess_file` over a file
(in one process or split across several), and the transitional report's aggregation uses its
goods. A line is assessed in three steps, each done once where it belongs:

1. per good (CN code x origin x route x installation): the supplier's values are matched and the
   good is valued once per import year (:func:`cbam.declaration.valuation.value_good`);
2. per pricing period (quarter in 2026, ISO week from 2027): the certificate price is looked up
   once;
3. per line: EE = M x SEE, FAA = M x SEFA, N = max(0, EE - FAA - CP), cost = N x price
   (:mod:`cbam.declaration.certificates`), added to the good's exact running sums.

Lines wait until the importer's counted net mass exceeds the 50 t of the de minimis rule
(Reg. (EU) 2023/956 Art. 2a); from then on each line is handed to the sink as it comes, so a
year of lines never sits in memory. All arithmetic runs in the 100-digit :data:`EXACT` context,
where no figure is ever rounded: totals equal the sum of the lines in any order and any split.

>>> from decimal import Decimal
>>> from cbam.declaration.model import ImportLine
>>> engine = Engine(2026)
>>> engine.add_line(ImportLine(row=2, cn="25231000", country="CN", net_mass=Decimal(1000),
...                            year=2026, quarter=1, route="A"))
>>> result = engine.finish()
>>> result.totals.certificates, result.de_minimis.exempt
(Decimal('879.650000'), False)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Context, Decimal, localcontext
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from cbam import goods as catalogue
from cbam import values
from cbam.declaration import certificates as cert
from cbam.declaration.audit import AuditStep
from cbam.declaration.eligibility import eligibility, reporting_year
from cbam.declaration.holding import quarterly_holding
from cbam.declaration.model import (
    Assessment,
    DeMinimis,
    GoodResult,
    ImportLine,
    LineResult,
    SupplierValue,
    Totals,
    ValuationTrail,
    YearCost,
)
from cbam.declaration.valuation import Valuation, value_good
from cbam.errors import CbamError
from cbam.reference.prices import CertificatePrice, PriceTable, import_period
from cbam.rules import (
    DE_MINIMIS_EXCLUDED_SECTORS,
    DE_MINIMIS_SOURCE,
    DE_MINIMIS_TONNES,
    FIRST_YEAR,
    LAST_SCHEDULED_YEAR,
    Sector,
    cbam_factor,
    check_year,
    exceeds_de_minimis,
)

if TYPE_CHECKING:
    from cbam.reference.defaults import DefaultValueTable

ZERO = Decimal(0)
#: Products of an SEE (at most ~28 significant digits from a division) and a mass, and sums of
#: a million such products, fit in 100 digits: with this context no line figure and no total is
#: ever rounded, so totals equal the sum of the lines exactly, in any order. (The library's one
#: context, :data:`cbam.values.EXACT`.)
EXACT: Context = values.EXACT

Variant = tuple[int | None, Decimal | None, Decimal | None] | None
"""(reporting year of actual values, clinker content, nitrogen content) where they matter."""

GoodKey = tuple[str, str, str | None, str | None, Variant]
"""(CN code, origin, route, installation id, variant): what makes a good."""


class Match(NamedTuple):
    """A line's supplier value (or None), why, and whether using it makes an estimate.

    >>> Match(None, "no-installation", "no installation given: default value", False).reason
    'no-installation'
    """

    value: SupplierValue | None
    reason: str
    """A code of :data:`cbam.declaration.eligibility.BASIS_REASONS`."""
    text: str
    estimate: bool


class SupplierIndex:
    """Supplier values by installation id and CN code (one per reporting period).

    :meth:`match` applies the rules of :mod:`cbam.declaration.eligibility` (reporting period,
    verification, electricity criteria).

    >>> import datetime as dt
    >>> from decimal import Decimal
    >>> index = SupplierIndex([SupplierValue(installation_id="TW-1", cn_codes=("73181542",),
    ...     see_direct=Decimal("2.1"), period_start=dt.date(2026, 1, 1),
    ...     period_end=dt.date(2026, 12, 31), source="tw.json")])
    >>> index.match("TW-1", "73181542", 2026).reason
    'unverified'
    >>> index.match("TW-1", "73181542", 2026, accept_unverified=True).estimate
    True
    >>> index.match("TW-1", "73181535", 2026).text
    'the installation communicated no value for CN 73181535: default value'
    """

    def __init__(self, values: Iterable[SupplierValue] = ()) -> None:
        self._by_key: dict[tuple[str, str], list[SupplierValue]] = {}
        self._installations: set[str] = set()
        for value in values:
            self._installations.add(value.installation_id)
            for cn in value.cn_codes:
                self._by_key.setdefault((value.installation_id, cn), []).append(value)

    def find(self, installation_id: str | None, cn: str) -> tuple[SupplierValue | None, str]:
        """The first value of an installation and CN code, without the rules of the definitive
        period (the transitional report, Impl. Reg. (EU) 2023/1773), or None and why.

        >>> SupplierIndex().find(None, "72081000")
        (None, 'no installation given: default value')
        """
        if not installation_id:
            return None, "no installation given: default value"
        found = self._by_key.get((installation_id, cn))
        if found:
            return found[0], f"actual values of the installation ({found[0].source})"
        if installation_id in self._installations:
            return None, f"the installation communicated no value for CN {cn}: default value"
        # Not naming the installation: the good names it, and 100,000 installations without
        # supplier data then share one audit step.
        return None, "no supplier data for the installation: default value"

    def match(
        self,
        installation_id: str | None,
        cn: str,
        year: int,
        *,
        electricity: bool = False,
        accept_unverified: bool = False,
    ) -> Match:
        """The supplier value a line of reporting period ``year`` may use, or None and why."""
        if not installation_id:
            return Match(None, "no-installation", "no installation given: default value", False)
        found = self._by_key.get((installation_id, cn))
        if not found:
            if installation_id in self._installations:
                text = f"the installation communicated no value for CN {cn}: default value"
                return Match(None, "no-value-for-cn", text, False)
            # Not naming the installation: the good names it, and 100,000 installations without
            # supplier data then share one audit step.
            text = "no supplier data for the installation: default value"
            return Match(None, "no-supplier-data", text, False)
        # The values of the line's reporting period, else the most recent (for the reason).
        value = next(
            (v for v in found if v.reporting_year == year),
            max(found, key=lambda v: v.period_end or dt.date.min),
        )
        check = eligibility(
            value, year, electricity=electricity, accept_unverified=accept_unverified
        )
        if not check.usable:
            return Match(None, check.reason, f"{check.text}: default value", False)
        if check.estimate:
            text = f"ESTIMATE with the installation's actual values: {check.text}"
            return Match(value, check.reason, text, True)
        text = f"actual values of the installation ({value.source}); {check.text}"
        return Match(value, check.reason, text, False)

    def __len__(self) -> int:
        return len(self._installations)


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


class GoodState:
    """One good of the assessment: its valuation and the exact running sums of its lines."""

    __slots__ = (
        "allocation",
        "always_in_scope",
        "basis_reason",
        "category",
        "certificates",
        "cost_eur",
        "country",
        "deduction",
        "embedded",
        "estimate",
        "installation_id",
        "key",
        "label",
        "lines",
        "net_mass",
        "quarters",
        "reason",
        "see",
        "see_plain",
        "sefa",
        "supplier",
        "valuation",
    )

    def __init__(self, key: GoodKey, valuation: Valuation, match: Match) -> None:
        cn, country, route, installation_id, variant = key
        category = catalogue.good(cn).category
        self.key = key
        parts = [cn, country, route or "-", installation_id or "-", valuation.basis]
        self.label = "|".join(parts + _variant_label(variant))
        self.country = country
        self.installation_id = installation_id
        self.valuation = valuation
        self.supplier = match.value
        self.reason = match.text
        self.basis_reason = valuation.fallback_reason or match.reason
        self.estimate = match.estimate and valuation.basis == "actual"
        self.category = category.name
        self.always_in_scope = category.sector in DE_MINIMIS_EXCLUDED_SECTORS
        self.see = valuation.see_used
        self.sefa = valuation.sefa
        # Quarterly holding counts default values without their mark-up (Art. 22(2)(a)).
        self.see_plain = valuation.see_without_markup
        self.lines = 0
        self.net_mass = self.embedded = self.allocation = ZERO
        self.deduction = self.certificates = self.cost_eur = ZERO
        # Quarters 1-4 in turn: net mass x SEE without mark-up, and free allocation.
        self.quarters = [ZERO] * 8

    def sums(self) -> tuple[Any, ...]:
        """The running sums, to merge into another engine's good (:meth:`Engine.merge`)."""
        return (
            self.lines,
            self.net_mass,
            self.embedded,
            self.allocation,
            self.deduction,
            self.certificates,
            self.cost_eur,
            tuple(self.quarters),
        )


def _variant_label(variant: Variant) -> list[str]:
    """``["2026", "ck=0.7"]`` for a good's label: what sets it apart beyond its key."""
    if variant is None:
        return []
    year, clinker, nitrogen = variant
    parts = [] if year is None else [f"period={year}"]
    parts += [] if clinker is None else [f"clinker={clinker}"]
    parts += [] if nitrogen is None else [f"nitrogen={nitrogen}"]
    return parts


def line_result(
    good: GoodState,
    period: Period,
    row: int,
    line_id: str | None,
    figures: tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal],
    exempt: bool,
) -> LineResult:
    """The one definition of a line's columns (``lines.csv``, the sink of :func:`cbam.assess`).

    ``figures``: net mass, embedded emissions, free allocation, carbon price deduction,
    certificates and cost (EUR) of the line.
    """
    mass, embedded, allocation, deduction, due, cost = figures
    valuation = good.valuation
    return LineResult.model_construct(
        row=row,
        line_id=line_id,
        cn=valuation.cn,
        country=good.country,
        country_used=valuation.country_used,
        installation_id=good.installation_id,
        route=valuation.route,
        route_basis=valuation.route_basis,
        year=period.year,
        quarter=period.quarter,
        period=period.label,
        net_mass=mass,
        basis=valuation.basis,
        basis_reason=good.basis_reason,
        estimate=good.estimate,
        see_used=valuation.see_used,
        embedded_emissions=embedded,
        sefa=valuation.sefa,
        free_allocation=allocation,
        carbon_price_deduction=deduction,
        certificates=due,
        price=period.price,
        price_is_assumption=period.assumption,
        cost_eur=cost,
        exempt_de_minimis=exempt,
        group=good.label,
    )


class LineWriter(Protocol):
    """A sink that takes a line in parts (the ``lines.csv`` writer), avoiding a model per line."""

    def write_line(
        self,
        good: GoodState,
        period: Period,
        row: int,
        line_id: str | None,
        figures: tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal],
        exempt: bool,
    ) -> None: ...


LineSink = Callable[[LineResult], None] | LineWriter
"""Where settled lines go: a callable taking :class:`LineResult`, or a :class:`LineWriter`."""

Figures = tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]
"""A line's net mass, embedded emissions, free allocation, deduction, certificates, cost."""

_Emit = Callable[[GoodState, Period, int, str | None, Figures, bool], None]


def _emitter(sink: LineSink | None) -> _Emit | None:
    if sink is None:
        return None
    write_line = getattr(sink, "write_line", None)
    if write_line is not None:
        return write_line  # type: ignore[no-any-return]
    call: Callable[[LineResult], None] = sink  # type: ignore[assignment]

    def emit(
        good: GoodState,
        period: Period,
        row: int,
        line_id: str | None,
        figures: Figures,
        exempt: bool,
    ) -> None:
        call(line_result(good, period, row, line_id, figures, exempt))

    return emit


#: Lines between two calls of an engine's ``progress`` callback.
PROGRESS_EVERY = 100_000

Progress = Callable[[int], None]
"""Called with the number of lines assessed so far, every :data:`PROGRESS_EVERY` lines."""


def _no_progress(_lines: int) -> None:
    """The progress callback of an engine without one."""


#: Field names of the lookups -> the customs-lines column a user would fix.
_COLUMN_OF_FIELD = {"cn": "cn_code"}


def line_error(exc: CbamError, row: int) -> CbamError:
    """Locate an error raised while assessing a line at its row and customs-lines column."""
    if exc.field in _COLUMN_OF_FIELD:
        exc.field = _COLUMN_OF_FIELD[exc.field]
    return exc.located(location=f"row {row}")


class EnginePart:
    """The exact sums of the lines one engine assessed, to be merged into another engine."""

    def __init__(self, goods: dict[GoodKey, tuple[Any, ...]], periods: set[str]) -> None:
        self.goods = goods
        self.periods = periods


_Pending = tuple["GoodState", "Period", int, "str | None", "Figures"]


class Engine:
    """Assess the customs lines of one import year, one line at a time (see module docstring).

    Parameters
    ----------
    year : int
        The import year assessed (2026 onwards).
    suppliers : iterable of SupplierValue
        Actual values per installation and CN code (:func:`cbam.load_suppliers`).
    prices : PriceTable, optional
        Certificate prices; the published ones when None.
    cscf : Decimal
        Cross-sectoral correction factor (default 1, flagged).
    defaults_table : DefaultValueTable, optional
        A newer default-value workbook; the packaged IR 2025/2621 values when None.
    sink : callable or LineWriter, optional
        Receives every settled line in input order.
    settle_at_once : bool
        Hand every line to the sink as in scope at once instead of waiting for the de minimis
        question (used for the parts of a split file; the caller checks the whole year's mass).
    accept_unverified : bool
        Let actual values without a satisfactory verification, or of another reporting period,
        be used: every output then says the figures are an estimate
        (:mod:`cbam.declaration.eligibility`).
    progress : callable, optional
        Called with the number of lines assessed so far every :data:`PROGRESS_EVERY` lines.
    """

    def __init__(
        self,
        year: int,
        *,
        suppliers: Iterable[SupplierValue] = (),
        prices: PriceTable | None = None,
        cscf: Decimal = Decimal(1),
        defaults_table: DefaultValueTable | None = None,
        sink: LineSink | None = None,
        settle_at_once: bool = False,
        accept_unverified: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.year = check_year(year)
        self.suppliers = SupplierIndex(suppliers)
        self.pricing = Pricing(prices or PriceTable(), self.year)
        self.cscf = cscf
        self.defaults_table = defaults_table
        self.accept_unverified = accept_unverified
        self.goods: dict[GoodKey, GoodState] = {}
        # The goods by the texts of a line (several texts may make one good).
        self._line_goods: dict[tuple[Any, ...], GoodState] = {}
        self._valuations: dict[tuple[Any, ...], Valuation] = {}
        self._emit = _emitter(sink)
        self.lines = 0
        self.mass_counted = ZERO
        self.mass_always = ZERO
        # Lines wait here while the importer may still be under the de minimis threshold.
        self._pending: list[_Pending] = []
        self._settled = settle_at_once
        self.progress = progress

    def use_sink(self, sink: LineSink | None) -> None:
        """Send the lines settled from now on to ``sink``."""
        self._emit = _emitter(sink)

    # -- per good --------------------------------------------------------------------------

    def valuation(self, key: GoodKey, supplier: SupplierValue | None, year: int) -> Valuation:
        """The valuation of a good in ``year``, computed once per good and year."""
        cn, country, route, _, variant = key
        clinker, nitrogen = (variant[1], variant[2]) if variant else (None, None)
        cache = (cn, country, route, id(supplier) if supplier else None, clinker, nitrogen, year)
        found = self._valuations.get(cache)
        if found is None:
            found = self._valuations[cache] = value_good(
                cn,
                country,
                year,
                route=route,
                supplier=supplier,
                clinker_content=clinker,
                nitrogen_content=nitrogen,
                cscf=self.cscf,
                defaults_table=self.defaults_table,
            )
        return found

    def variant(
        self,
        cn: str,
        installation_id: str | None,
        production_year: int | None,
        clinker: Decimal | None,
        nitrogen: Decimal | None,
    ) -> Variant:
        """What beyond CN, origin, route and installation changes a good's figures.

        The reporting period of actual values (IR 2025/2547 Art. 7; only where an installation
        is named and it differs from the import year), the clinker content of cement (its
        benchmark counts per tonne of clinker, IR 2025/2547 Art. 4(5)) and the nitrogen content
        of fertilisers with supplier data (Eqs. 65-66).

        >>> from decimal import Decimal
        >>> Engine(2027).variant("25232900", None, 2026, Decimal("0.8"), None)
        (None, Decimal('0.8'), None)
        >>> Engine(2027).variant("72081000", "TR-1", 2026, None, None)
        (2026, None, None)
        """
        item = catalogue.good(cn)
        period = None
        if installation_id:
            electricity = item.sector is Sector.ELECTRICITY
            found = reporting_year(
                self.year, electricity=electricity, production_year=production_year
            )
            period = None if found == self.year else found
        unit = item.functional_unit
        ck = clinker if unit == catalogue.UNIT_CLINKER else None
        n = nitrogen if unit == catalogue.UNIT_NITROGEN and installation_id else None
        if period is None and ck is None and n is None:
            return None
        return (period, ck, n)

    def good(
        self,
        cn: str,
        country: str,
        route: str | None,
        installation_id: str | None,
        variant: Variant = None,
    ) -> GoodState:
        """The good of a validated line's texts, made and valued on first use."""
        key = (cn, country, route, installation_id, variant)
        found = self.goods.get(key)
        if found is None:
            year = variant[0] if variant and variant[0] is not None else self.year
            electricity = catalogue.good(cn).sector is Sector.ELECTRICITY
            match = self.suppliers.match(
                installation_id,
                cn,
                year,
                electricity=electricity,
                accept_unverified=self.accept_unverified,
            )
            valuation = self.valuation(key, match.value, self.year)
            found = self.goods[key] = GoodState(key, valuation, match)
        return found

    # -- per line --------------------------------------------------------------------------

    def add_line(self, line: ImportLine) -> None:
        """Assess one line (errors name its row and column; the caller names the file)."""
        self.add_lines((line,))

    def add_lines(self, lines: Iterable[ImportLine]) -> None:
        """Assess lines in order (Reg. (EU) 2023/956 Art. 2a, 9, 21, 22; IR 2025/2620 Annex).

        For each line: its good and pricing period (made once each), then EE = M x SEE,
        FAA = M x SEFA, N = max(0, EE - FAA - CP) and cost = N x price through the functions of
        :mod:`cbam.declaration.certificates`, in the :data:`EXACT` context. The good's sums
        count the line as in scope; :meth:`finish` takes the certificates back if the year
        stays within the de minimis threshold. The sink gets each line once that question is
        settled.
        """
        goods, periods, pricing = self._line_goods, self.pricing.periods, self.pricing
        embedded_of, allocation_of = cert.embedded_emissions, cert.free_allocation
        due_of, cost_of = cert.certificates_due, cert.cost_eur
        emit, pending = self._emit, self._pending
        count, counted, always = 0, self.mass_counted, self.mass_always
        progress = self.progress or _no_progress
        # The line count at which progress is next reported (never, without a callback).
        report_at = PROGRESS_EVERY - self.lines % PROGRESS_EVERY if self.progress else -1
        try:
            with localcontext(EXACT):
                for line in lines:
                    row, cn, country, mass, year, quarter, date, installation, route = line[:9]
                    texts = (cn, country, route, installation, line[11], line[12], line[15])
                    good = goods.get(texts)
                    if good is None:
                        good = goods[texts] = self._good_of(line)
                    period = periods.get(date if date is not None else (year, quarter))
                    if period is None:
                        period = pricing.period(date, year, quarter)
                    deduction = line.carbon_price_deduction or ZERO
                    embedded = embedded_of(mass, good.see)
                    allocation = allocation_of(mass, good.sefa)
                    due = due_of(embedded, allocation, deduction)
                    cost = cost_of(due, period.price)
                    count += 1
                    if count == report_at:
                        progress(self.lines + count)
                        report_at += PROGRESS_EVERY
                    good.lines += 1
                    good.net_mass += mass
                    good.embedded += embedded
                    good.allocation += allocation
                    good.deduction += deduction
                    good.certificates += due
                    good.cost_eur += cost
                    quarters, at = good.quarters, 2 * period.quarter - 2
                    quarters[at] += mass * good.see_plain
                    quarters[at + 1] += allocation
                    if good.always_in_scope:
                        always += mass
                    else:
                        counted += mass
                    if emit is None:
                        continue
                    figures = (mass, embedded, allocation, deduction, due, cost)
                    if self._settled:
                        emit(good, period, row, line.line_id, figures, False)
                        continue
                    # The sink waits while the importer may still be under the threshold.
                    pending.append((good, period, row, line.line_id, figures))
                    if exceeds_de_minimis(counted):
                        self._settled = True
                        self._flush(exempt=False)
        finally:
            self.lines += count
            self.mass_counted, self.mass_always = counted, always

    def _good_of(self, line: ImportLine) -> GoodState:
        try:
            variant = self.variant(
                line.cn,
                line.installation_id,
                line.production_year,
                line.clinker_content,
                line.nitrogen_content,
            )
            return self.good(line.cn, line.country, line.route, line.installation_id, variant)
        except CbamError as exc:
            raise line_error(exc, line.row) from None

    def _flush(self, *, exempt: bool) -> None:
        """Hand the waiting lines to the sink; exempt ones without certificates (Art. 2a)."""
        emit = self._emit
        for good, period, row, line_id, figures in self._pending:
            if emit is None:
                break
            if exempt and not good.always_in_scope:
                mass, embedded, allocation, deduction, _, _ = figures
                emit(
                    good,
                    period,
                    row,
                    line_id,
                    (mass, embedded, allocation, deduction, ZERO, ZERO),
                    True,
                )
            else:
                emit(good, period, row, line_id, figures, False)
        self._pending.clear()

    # -- parts of a split file -------------------------------------------------------------

    def part(self) -> EnginePart:
        """The exact sums of the lines assessed so far (all settled), for :meth:`merge`."""
        return EnginePart(
            {key: good.sums() for key, good in self.goods.items() if good.lines},
            set(self.pricing.prices),
        )

    def merge(self, part: EnginePart) -> None:
        """Add the sums of lines assessed by another engine of the same year and inputs."""
        with localcontext(EXACT):
            for key, (
                lines,
                mass,
                embedded,
                allocation,
                deduction,
                due,
                cost,
                quarters,
            ) in part.goods.items():
                good = self.good(*key)
                good.lines += lines
                good.net_mass += mass
                good.embedded += embedded
                good.allocation += allocation
                good.deduction += deduction
                good.certificates += due
                good.cost_eur += cost
                good.quarters = [a + b for a, b in zip(good.quarters, quarters, strict=True)]
                self.lines += lines
                if good.always_in_scope:
                    self.mass_always += mass
                else:
                    self.mass_counted += mass
            for label in sorted(part.periods):
                self.pricing.price(label)
            self._settled = self._settled or exceeds_de_minimis(self.mass_counted)

    # -- the end ---------------------------------------------------------------------------

    def finish(
        self, *, scenario_prices: Iterable[Decimal] = (), declarant: dict[str, str] | None = None
    ) -> Assessment:
        """Settle the waiting lines (exempt when the year stayed within 50 t); the Assessment."""
        with localcontext(EXACT):
            exempt = not exceeds_de_minimis(self.mass_counted)
            self._flush(exempt=exempt)
            if exempt:
                # Art. 2a(1): within 50 t the importer owes nothing for the goods counted.
                for good in self.goods.values():
                    if not good.always_in_scope:
                        good.certificates = good.cost_eur = ZERO
            used = sorted(
                (g for g in self.goods.values() if g.lines),
                key=lambda g: (g.key[0], g.country, g.installation_id or "", g.label),
            )
            trails: dict[int, ValuationTrail] = {}
            results = tuple(
                _good_result(g, trails, self._certificates_at_default(g, exempt)) for g in used
            )
            totals = _totals(results)
            route_bases = _count(used, lambda g: g.valuation.route_basis)
            basis_reasons = _count(used, lambda g: g.basis_reason)
            return Assessment(
                year=self.year,
                declarant=declarant or {},
                cscf=self.cscf,
                totals=totals,
                de_minimis=self._de_minimis(exempt, totals),
                goods=results,
                valuations=tuple(trails.values()),
                quarters=quarterly_holding(self.year, [g.quarters for g in used], exempt=exempt),
                lines=self.lines,
                datasets=self._datasets(used),
                notes=self._notes(used, exempt),
                trajectory=self._trajectory(used, totals, exempt),
                scenarios={str(p): totals.certificates * p for p in scenario_prices},
                route_bases=route_bases,
                basis_reasons=basis_reasons,
                estimate=any(g.estimate for g in used),
            )

    def _de_minimis(self, exempt: bool, totals: Totals) -> DeMinimis:
        # Always in scope: hydrogen (t) and electricity (MWh), never added together.
        return DeMinimis(
            threshold_t=DE_MINIMIS_TONNES,
            net_mass_counted=self.mass_counted,
            net_mass_always_in_scope=self.mass_always - totals.electricity_mwh,
            electricity_mwh=totals.electricity_mwh,
            exempt=exempt,
            rule=DE_MINIMIS_SOURCE,
        )

    def _certificates_at_default(self, good: GoodState, exempt: bool) -> Decimal | None:
        """The good's certificates at default values: an actual-value good valued without its
        supplier's data (:meth:`valuation` with no supplier), on the good's totals; None when no
        default value exists for it. The difference to its certificates is what supplier data
        save."""
        if good.valuation.basis == "default":
            return good.certificates
        if exempt and not good.always_in_scope:
            return ZERO
        try:
            default = self.valuation(good.key, None, self.year)
        except CbamError:
            return None
        embedded = cert.embedded_emissions(good.net_mass, default.see_used)
        allocation = cert.free_allocation(good.net_mass, default.sefa)
        return cert.certificates_due(embedded, allocation, good.deduction)

    def _notes(self, used: list[GoodState], exempt: bool) -> tuple[str, ...]:
        notes = {note for good in used for note in good.valuation.notes} | self.pricing.notes
        notes |= set(_rule_notes(used, self.year, self.accept_unverified))
        if exempt:
            notes.add(
                f"de minimis: {self.mass_counted} t of goods in {self.year} do not exceed "
                f"{DE_MINIMIS_TONNES} t; no certificates for them (hydrogen and electricity "
                "stay in scope)"
            )
        return tuple(sorted(n for n in notes if n))

    def _datasets(self, used: list[GoodState]) -> dict[str, str]:
        """The datasets (with version) the goods' figures came from, by dataset id."""
        from cbam.reference.benchmarks import benchmarks_dataset
        from cbam.reference.defaults import packaged_defaults
        from cbam.reference.manifest import dataset

        found: dict[str, str] = {"cn_codes": dataset("cn_codes").label}
        for valuation in {id(g.valuation): g.valuation for g in used}.values():
            if valuation.basis == "default":
                if valuation.benchmark_column == "none":
                    found["electricity_factors"] = dataset("electricity_factors").label
                else:
                    info = (self.defaults_table or packaged_defaults()).info
                    found[info.id] = f"{info.label} (sha256 {info.sha256[:12]})"
            if valuation.benchmark_column in ("A", "B"):
                found["benchmarks"] = benchmarks_dataset().label
        return dict(sorted(found.items()))

    def _trajectory(
        self, used: list[GoodState], totals: Totals, exempt: bool
    ) -> tuple[YearCost, ...]:
        """The same goods and volumes priced in each year 2026-2034.

        Each year's mark-up and CBAM factor (through the good's valuation for that year) and the
        price of the year from the price table (an assumption, flagged, where none is known); the
        assessed year is what its lines say, each at its own period's price.
        """
        out = []
        for year in range(2026, LAST_SCHEDULED_YEAR + 1):
            if year == self.year:
                out.append(self._assessed_year(totals))
                continue
            price = self.pricing.table.for_year(year)
            embedded = allocation = due = ZERO
            for good in used:
                if exempt and not good.always_in_scope:
                    continue
                valuation = self.valuation(good.key, good.supplier, year)
                good_embedded = cert.embedded_emissions(good.net_mass, valuation.see_used)
                good_allocation = cert.free_allocation(good.net_mass, valuation.sefa)
                embedded += good_embedded
                allocation += good_allocation
                due += cert.certificates_due(good_embedded, good_allocation, good.deduction)
            out.append(
                YearCost(
                    year=year,
                    cbam_factor=cbam_factor(year),
                    embedded_emissions=embedded,
                    free_allocation=allocation,
                    certificates=due,
                    price=price.value,
                    price_is_assumption=price.assumption,
                    cost_eur=cert.cost_eur(due, price.value),
                )
            )
        return tuple(out)

    def _assessed_year(self, totals: Totals) -> YearCost:
        return YearCost(
            year=self.year,
            cbam_factor=cbam_factor(self.year),
            embedded_emissions=totals.embedded_emissions,
            free_allocation=totals.free_allocation,
            certificates=totals.certificates,
            price=totals.cost_eur / totals.certificates if totals.certificates else ZERO,
            price_is_assumption=any(p.assumption for p in self.pricing.prices.values()),
            cost_eur=totals.cost_eur,
        )


def _count(used: list[GoodState], of: Callable[[GoodState], str]) -> dict[str, int]:
    """Customs lines per value of ``of`` (a good's lines share it), largest first."""
    counts: dict[str, int] = {}
    for good in used:
        counts[of(good)] = counts.get(of(good), 0) + good.lines
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


#: Reasons for which a line with supplier data takes the default value (or, accepted, estimates).
_DEFAULT_REASONS = (
    "other-period",
    "unverified",
    "not-satisfactory",
    "electricity-criteria",
    "content-missing",
)


def _lines_where(used: list[GoodState], test: Callable[[GoodState], bool]) -> int:
    return sum(g.lines for g in used if test(g))


def _rule_notes(used: list[GoodState], year: int, accept_unverified: bool) -> list[str]:
    """The assessment's notes on routes, bases, contents, estimates and provisional benchmarks."""
    from cbam.declaration.eligibility import BASIS_REASONS
    from cbam.declaration.valuation import NO_CLINKER_NOTE, PROVISIONAL_NOTE
    from cbam.reference.routes import ROUTE_BASES

    notes = []
    for code, count in _count(used, lambda g: g.valuation.route_basis).items():
        if code in ("two-letters", "family", "lowest"):
            notes.append(
                f"route_basis '{code}' on {count} line(s): {ROUTE_BASES[code]} (IR 2025/2620; "
                "IR 2025/2621 Annex I; see lines.csv and the audit trail)"
            )
    for code, count in _count(used, lambda g: g.basis_reason).items():
        if code in _DEFAULT_REASONS:
            estimate = sum(g.lines for g in used if g.basis_reason == code and g.estimate)
            used_as = f"; used as an ESTIMATE on {estimate}" if estimate else ": default value"
            notes.append(
                f"basis_reason '{code}' on {count} line(s): {BASIS_REASONS[code]}{used_as}"
            )
    estimates = _lines_where(used, lambda g: g.estimate)
    if estimates:
        notes.append(
            f"ESTIMATE: {estimates} line(s) use actual values without a satisfactory "
            "verification or of another reporting period (accept_unverified); such values may "
            "not be declared (Reg. (EU) 2023/956 Art. 8(1); IR 2025/2547 Art. 7)"
        )
    elif accept_unverified:
        notes.append("accept_unverified was set, but every actual value used is verified")
    clinker = _lines_where(
        used, lambda g: any(step.note == NO_CLINKER_NOTE for step in g.valuation.audit)
    )
    if clinker:
        notes.append(f"{clinker} cement line(s) without clinker_content: {NO_CLINKER_NOTE}")
    benchmarked = any(g.valuation.benchmark_column in ("A", "B") for g in used)
    if benchmarked:
        notes.append(
            PROVISIONAL_NOTE
            if year > FIRST_YEAR
            else "the 2027-2034 cost trajectory uses provisional benchmarks: " + PROVISIONAL_NOTE
        )
    return notes


def _totals(goods: tuple[GoodResult, ...]) -> Totals:
    """The exact sums of the goods (and so of the lines); electricity's MWh apart from tonnes."""
    electricity = sum((g.net_mass for g in goods if catalogue.is_electricity(g.cn)), ZERO)
    return Totals(
        net_mass=sum((g.net_mass for g in goods), ZERO) - electricity,
        electricity_mwh=electricity,
        embedded_emissions=sum((g.embedded_emissions for g in goods), ZERO),
        free_allocation=sum((g.free_allocation for g in goods), ZERO),
        carbon_price_deduction=sum((g.carbon_price_deduction for g in goods), ZERO),
        certificates=sum((g.certificates for g in goods), ZERO),
        cost_eur=sum((g.cost_eur for g in goods), ZERO),
    )


def _good_audit(good: GoodState) -> tuple[AuditStep, ...]:
    """The good's own steps: why it has its basis (its valuation's steps are shared)."""
    return _basis_steps(good.valuation.basis, good.reason, good.basis_reason, good.estimate)


@lru_cache(maxsize=4096)
def _basis_steps(
    basis: str, reason: str, basis_reason: str, estimate: bool
) -> tuple[AuditStep, ...]:
    """The steps, made once and shared by every good with the same reason."""
    steps = [
        AuditStep(
            quantity="basis",
            value=basis,
            rule="Reg. (EU) 2023/956 Art. 7(2), Art. 8; IR 2025/2547 Art. 7",
            note=reason,
        ),
        AuditStep(quantity="basis reason", value=basis_reason),
    ]
    if estimate:
        steps.append(
            AuditStep(
                quantity="estimate",
                value="true",
                note="actual values used under accept_unverified: not for the declaration",
            )
        )
    return tuple(steps)


def _good_result(
    good: GoodState, trails: dict[int, ValuationTrail], certificates_default: Decimal | None
) -> GoodResult:
    valuation = good.valuation
    trail = trails.get(id(valuation))
    if trail is None:
        trail = trails[id(valuation)] = ValuationTrail(
            id=f"V{len(trails) + 1}", audit=valuation.audit
        )
    return GoodResult(
        key=good.label,
        cn=valuation.cn,
        category=good.category,
        country=good.country,
        country_used=valuation.country_used,
        installation_id=good.installation_id,
        route=valuation.route,
        basis=valuation.basis,
        route_basis=valuation.route_basis,
        basis_reason=good.basis_reason,
        estimate=good.estimate,
        lines=good.lines,
        net_mass=good.net_mass,
        see_direct=valuation.see_direct,
        see_indirect=valuation.see_indirect,
        indirect_counted=valuation.indirect_counted,
        markup=valuation.markup,
        see_used=valuation.see_used,
        embedded_emissions=good.embedded,
        benchmark=valuation.benchmark,
        benchmark_column=valuation.benchmark_column,
        sefa=valuation.sefa,
        free_allocation=good.allocation,
        carbon_price_deduction=good.deduction,
        certificates=good.certificates,
        cost_eur=good.cost_eur,
        valuation=trail.id,
        audit=_good_audit(good),
        certificates_default=certificates_default,
    )
