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

from collections.abc import Callable, Iterable
from decimal import Context, Decimal, localcontext
from typing import TYPE_CHECKING, Any

from cbam import goods as catalogue
from cbam import values
from cbam.declaration import certificates as cert
from cbam.declaration.eligibility import reporting_year
from cbam.declaration.holding import quarterly_holding
from cbam.declaration.matching import Match, SupplierIndex
from cbam.declaration.model import (
    Assessment,
    DeMinimis,
    ImportLine,
    SupplierValue,
    Totals,
    ValuationTrail,
    YearCost,
)
from cbam.declaration.pricing import Period, Pricing
from cbam.declaration.state import (
    Figures,
    GoodKey,
    GoodState,
    LineSink,
    LineWriter,
    Variant,
    emitter,
    line_result,
)
from cbam.declaration.summary import (
    good_result,
    lines_per,
    rule_notes,
    totals_of,
)
from cbam.declaration.valuation import Valuation, value_good
from cbam.errors import CbamError
from cbam.reference.prices import PriceTable
from cbam.rules import (
    DE_MINIMIS_SOURCE,
    DE_MINIMIS_TONNES,
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
        self._emit = emitter(sink)
        self.lines = 0
        self.mass_counted = ZERO
        self.mass_always = ZERO
        # Lines wait here while the importer may still be under the de minimis threshold.
        self._pending: list[_Pending] = []
        self._settled = settle_at_once
        self.progress = progress

    def use_sink(self, sink: LineSink | None) -> None:
        """Send the lines settled from now on to ``sink``."""
        self._emit = emitter(sink)

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
                good_result(g, trails, self._certificates_at_default(g, exempt)) for g in used
            )
            totals = totals_of(results)
            route_bases = lines_per(used, lambda g: g.valuation.route_basis)
            basis_reasons = lines_per(used, lambda g: g.basis_reason)
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
        notes |= set(rule_notes(used, self.year, self.accept_unverified))
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


__all__ = [
    "EXACT",
    "Engine",
    "EnginePart",
    "Figures",
    "GoodKey",
    "GoodState",
    "LineSink",
    "LineWriter",
    "Match",
    "Period",
    "Pricing",
    "SupplierIndex",
    "line_error",
    "line_result",
]
