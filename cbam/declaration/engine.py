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
from typing import TYPE_CHECKING, Any, Protocol

from cbam import goods as catalogue
from cbam import values
from cbam.declaration import certificates as cert
from cbam.declaration.audit import AuditStep
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
    LAST_SCHEDULED_YEAR,
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

GoodKey = tuple[str, str, str | None, str | None]
"""(CN code, origin, route, installation id): what makes a good."""


class SupplierIndex:
    """Supplier values by (installation id, CN code).

    >>> from decimal import Decimal
    >>> index = SupplierIndex([SupplierValue(installation_id="TW-1", cn_codes=("73181542",),
    ...                                      see_direct=Decimal("2.1"), source="tw.json")])
    >>> index.match("TW-1", "73181542")[1]
    'actual values of the installation (tw.json)'
    >>> index.match("TW-1", "73181535")[1]
    'the installation communicated no value for CN 73181535: default value'
    """

    def __init__(self, values: Iterable[SupplierValue] = ()) -> None:
        self._by_key: dict[tuple[str, str], SupplierValue] = {}
        self._installations: set[str] = set()
        for value in values:
            self._installations.add(value.installation_id)
            for cn in value.cn_codes:
                self._by_key.setdefault((value.installation_id, cn), value)

    def match(self, installation_id: str | None, cn: str) -> tuple[SupplierValue | None, str]:
        """The supplier value for a line, or None and the reason the default value applies."""
        if not installation_id:
            return None, "no installation given: default value"
        found = self._by_key.get((installation_id, cn))
        if found is not None:
            return found, f"actual values of the installation ({found.source})"
        if installation_id in self._installations:
            return None, f"the installation communicated no value for CN {cn}: default value"
        # Not naming the installation: the good names it, and 100,000 installations without
        # supplier data then share one audit step.
        return None, "no supplier data for the installation: default value"

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
        "category",
        "certificates",
        "cost_eur",
        "country",
        "deduction",
        "embedded",
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

    def __init__(
        self,
        key: GoodKey,
        valuation: Valuation,
        supplier: SupplierValue | None,
        reason: str,
    ) -> None:
        cn, country, route, installation_id = key
        category = catalogue.good(cn).category
        self.key = key
        self.label = "|".join([cn, country, route or "-", installation_id or "-", valuation.basis])
        self.country = country
        self.installation_id = installation_id
        self.valuation = valuation
        self.supplier = supplier
        self.reason = reason
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
        year=period.year,
        quarter=period.quarter,
        period=period.label,
        net_mass=mass,
        basis=valuation.basis,
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
    ) -> None:
        self.year = check_year(year)
        self.suppliers = SupplierIndex(suppliers)
        self.pricing = Pricing(prices or PriceTable(), self.year)
        self.cscf = cscf
        self.defaults_table = defaults_table
        self.goods: dict[GoodKey, GoodState] = {}
        self._valuations: dict[tuple[Any, ...], Valuation] = {}
        self._emit = _emitter(sink)
        self.lines = 0
        self.mass_counted = ZERO
        self.mass_always = ZERO
        # Lines wait here while the importer may still be under the de minimis threshold.
        self._pending: list[_Pending] = []
        self._settled = settle_at_once

    def use_sink(self, sink: LineSink | None) -> None:
        """Send the lines settled from now on to ``sink``."""
        self._emit = _emitter(sink)

    # -- per good --------------------------------------------------------------------------

    def valuation(
        self, cn: str, country: str, route: str | None, supplier: SupplierValue | None, year: int
    ) -> Valuation:
        """The valuation of a good in ``year``, computed once per good and year."""
        key = (cn, country, route, supplier.installation_id if supplier else None, year)
        found = self._valuations.get(key)
        if found is None:
            found = self._valuations[key] = value_good(
                cn,
                country,
                year,
                route=route,
                see_direct=supplier.see_direct if supplier else None,
                see_indirect=supplier.see_indirect if supplier else None,
                see_definitive=supplier.see_total_definitive if supplier else None,
                benchmark_a=supplier.benchmark_a if supplier else None,
                cscf=self.cscf,
                defaults_table=self.defaults_table,
            )
        return found

    def good(
        self, cn: str, country: str, route: str | None, installation_id: str | None
    ) -> GoodState:
        """The good of a validated line's texts, made and valued on first use."""
        key = (cn, country, route, installation_id)
        found = self.goods.get(key)
        if found is None:
            supplier, reason = self.suppliers.match(installation_id, cn)
            valuation = self.valuation(cn, country, route, supplier, self.year)
            found = self.goods[key] = GoodState(key, valuation, supplier, reason)
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
        goods, periods, pricing = self.goods, self.pricing.periods, self.pricing
        embedded_of, allocation_of = cert.embedded_emissions, cert.free_allocation
        due_of, cost_of = cert.certificates_due, cert.cost_eur
        emit, pending = self._emit, self._pending
        count, counted, always = 0, self.mass_counted, self.mass_always
        try:
            with localcontext(EXACT):
                for line in lines:
                    row, cn, country, mass, year, quarter, date, installation, route = line[:9]
                    good = goods.get((cn, country, route, installation))
                    if good is None:
                        good = self._good_of(line)
                    period = periods.get(date if date is not None else (year, quarter))
                    if period is None:
                        period = pricing.period(date, year, quarter)
                    deduction = line.carbon_price_deduction or ZERO
                    embedded = embedded_of(mass, good.see)
                    allocation = allocation_of(mass, good.sefa)
                    due = due_of(embedded, allocation, deduction)
                    cost = cost_of(due, period.price)
                    count += 1
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
            return self.good(line.cn, line.country, line.route, line.installation_id)
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
            results = tuple(_good_result(g, trails) for g in used)
            totals = _totals(results)
            return Assessment(
                year=self.year,
                declarant=declarant or {},
                cscf=self.cscf,
                totals=totals,
                de_minimis=self._de_minimis(exempt),
                goods=results,
                valuations=tuple(trails.values()),
                quarters=quarterly_holding(self.year, [g.quarters for g in used], exempt=exempt),
                lines=self.lines,
                datasets=self._datasets(used),
                notes=self._notes(used, exempt),
                trajectory=self._trajectory(used, totals, exempt),
                scenarios={str(p): totals.certificates * p for p in scenario_prices},
            )

    def _de_minimis(self, exempt: bool) -> DeMinimis:
        return DeMinimis(
            threshold_t=DE_MINIMIS_TONNES,
            net_mass_counted=self.mass_counted,
            net_mass_always_in_scope=self.mass_always,
            exempt=exempt,
            rule=DE_MINIMIS_SOURCE,
        )

    def _notes(self, used: list[GoodState], exempt: bool) -> tuple[str, ...]:
        notes = {note for good in used for note in good.valuation.notes} | self.pricing.notes
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
                cn, country, route, _ = good.key
                valuation = self.valuation(cn, country, route, good.supplier, year)
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


def _totals(goods: tuple[GoodResult, ...]) -> Totals:
    """The exact sums of the goods (and so of the lines)."""
    return Totals(
        net_mass=sum((g.net_mass for g in goods), ZERO),
        embedded_emissions=sum((g.embedded_emissions for g in goods), ZERO),
        free_allocation=sum((g.free_allocation for g in goods), ZERO),
        carbon_price_deduction=sum((g.carbon_price_deduction for g in goods), ZERO),
        certificates=sum((g.certificates for g in goods), ZERO),
        cost_eur=sum((g.cost_eur for g in goods), ZERO),
    )


def _good_audit(good: GoodState) -> tuple[AuditStep, ...]:
    """The good's own steps: why it has its basis (its valuation's steps are shared)."""
    supplier = good.supplier
    if supplier is None or not supplier.benchmark_note:
        return _basis_steps(good.valuation.basis, good.reason, None, None)
    return _basis_steps(
        good.valuation.basis, good.reason, supplier.benchmark_a, supplier.benchmark_note
    )


@lru_cache(maxsize=4096)
def _basis_steps(
    basis: str, reason: str, benchmark_a: Decimal | None, benchmark_note: str | None
) -> tuple[AuditStep, ...]:
    """The steps, made once and shared by every good with the same reason."""
    steps = [AuditStep(quantity="basis", value=basis, note=reason)]
    if benchmark_note is not None:
        steps.append(
            AuditStep(quantity="benchmark of actual data", value=benchmark_a, note=benchmark_note)
        )
    return tuple(steps)


def _good_result(good: GoodState, trails: dict[int, ValuationTrail]) -> GoodResult:
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
    )
