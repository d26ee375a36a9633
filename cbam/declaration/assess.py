"""The importer's assessment: a year of customs lines -> embedded emissions, certificates, cost.

Each line is matched to its supplier's actual values (by installation and CN code) or takes the
default value; the SEE and the specific free allocation are computed once per good (CN code x
origin x route x installation) and applied to every line of that good, so a year of lines costs
one multiplication per line. Lines stream through; only the goods' running sums are kept.

Rules: Reg. (EU) 2023/956 Arts. 2a (de minimis), 6, 7, 9, 21, 22 as amended by
Reg. (EU) 2025/2083; IR 2025/2620 (free allocation); IR 2025/2621 (default values);
Q&A §4.32 (no netting across goods).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, localcontext
from typing import TYPE_CHECKING, NamedTuple

from cbam import goods
from cbam.declaration import certificates as cert
from cbam.declaration.audit import AuditStep
from cbam.declaration.cost import LineCost, cost_line
from cbam.declaration.model import (
    Assessment,
    DeMinimis,
    GoodResult,
    LineResult,
    QuarterHolding,
    SupplierValue,
    Totals,
    YearCost,
)
from cbam.errors import CbamError
from cbam.formats.imports import ImportLine
from cbam.reference.prices import CertificatePrice, PriceTable, import_period
from cbam.rules import (
    DE_MINIMIS_EXCLUDED_SECTORS,
    DE_MINIMIS_SOURCE,
    DE_MINIMIS_TONNES,
    cbam_factor,
    check_year,
    quarterly_holding_share,
)

if TYPE_CHECKING:
    from cbam.reference.defaults import DefaultValueTable

ZERO = Decimal(0)
#: Products of an SEE (at most ~28 significant digits from a division) and a mass, and sums of
#: a million such products, fit in 100 digits: with this context no line figure and no total is
#: ever rounded, so totals equal the sum of the lines exactly, in any order.
EXACT = Context(prec=100)
LineSink = Callable[[LineResult], None]


class _GoodKey(NamedTuple):
    cn: str
    country: str
    route: str | None
    installation_id: str | None


@dataclass
class _Good:
    """What is computed once per good, and its running sums."""

    key: str
    cost: LineCost
    category: str
    installation_id: str | None
    always_in_scope: bool
    see_without_markup: Decimal
    supplier: SupplierValue | None = None
    lines: int = 0
    net_mass: Decimal = ZERO
    embedded: Decimal = ZERO
    allocation: Decimal = ZERO
    deduction: Decimal = ZERO
    certificates: Decimal = ZERO
    cost_eur: Decimal = ZERO
    extra_audit: list[AuditStep] = field(default_factory=list)


#: Field names of the lookups -> the customs-lines column a user would fix.
_COLUMN_OF_FIELD = {"cn": "cn_code"}


def line_error(exc: CbamError, row: int) -> CbamError:
    """Locate an error raised while assessing a line at its row and customs-lines column."""
    if exc.field in _COLUMN_OF_FIELD:
        exc.field = _COLUMN_OF_FIELD[exc.field]
    return exc.located(location=f"row {row}")


class SupplierIndex:
    """Supplier values by (installation id, CN code)."""

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
            return found, f"actual values of installation {installation_id} ({found.source})"
        if installation_id in self._installations:
            return None, (
                f"installation {installation_id} communicated no value for CN {cn}: default value"
            )
        return None, f"no supplier data for installation {installation_id}: default value"

    def __len__(self) -> int:
        return len(self._installations)


class _Prices:
    """Price per pricing period, looked up once per period."""

    def __init__(self, table: PriceTable, year: int) -> None:
        self.table = table
        self._year = year
        self.cache: dict[str, CertificatePrice] = {}
        self.notes: set[str] = set()

    def __call__(self, line: ImportLine) -> CertificatePrice:
        if line.import_date is not None:
            period = import_period(line.import_date)
        else:
            period = f"{line.year}Q{line.quarter}"
        return self.for_period(period)

    def for_period(self, period: str) -> CertificatePrice:
        """The price of a pricing period (the year's estimate, noted, when none is known)."""
        found = self.cache.get(period)
        if found is None:
            try:
                found = self.table.price(period)
            except CbamError:
                base = self.table.for_year(self._year)
                found = base.model_copy(
                    update={
                        "period": period,
                        "note": f"no price published or supplied for {period}; "
                        f"{base.note or 'estimate'}",
                    }
                )
                self.notes.add(found.note or "")
            self.cache[period] = found
        return found


class Assessor:
    """Assess customs lines of one year, one line at a time (see :func:`assess`)."""

    def __init__(
        self,
        year: int,
        *,
        suppliers: Iterable[SupplierValue] = (),
        prices: PriceTable | None = None,
        cscf: Decimal = Decimal(1),
        defaults_table: DefaultValueTable | None = None,
        sink: LineSink | None = None,
    ) -> None:
        self.year = check_year(year)
        self.suppliers = SupplierIndex(suppliers)
        self.prices = _Prices(prices or PriceTable(), self.year)
        self.cscf = cscf
        self.defaults_table = defaults_table
        self.sink = sink
        self.goods: dict[tuple[str, str, str | None, str | None], _Good] = {}
        self.notes: set[str] = set()
        self.lines = 0
        self.mass_counted = ZERO
        self.mass_always = ZERO
        # Lines wait here while the importer may still be under the de minimis threshold.
        self._pending: list[tuple[LineResult, _Good]] = []
        self._threshold_passed = False
        self._totals: Totals | None = None
        self._quarters: dict[int, list[Decimal]] = {q: [ZERO, ZERO] for q in (1, 2, 3, 4)}

    # -- per good ------------------------------------------------------------------------

    def _good(self, line: ImportLine) -> _Good:
        return self.good_for(line.cn, line.country, line.route, line.installation_id)

    def good_for(
        self, cn: str, country: str, route: str | None, installation_id: str | None
    ) -> _Good:
        """The good of a validated line's (CN, origin, route, installation), made once.

        Its SEE, SEFA and audit are computed on first use (errors are not located: the caller
        names the row); later calls return the same object. The bulk path
        (:mod:`cbam.declaration.bulk`) reads the cached figures from it.
        """
        key = (cn, country, route, installation_id)
        found = self.goods.get(key)
        if found is not None:
            return found
        line = _GoodKey(cn, country, route, installation_id)
        supplier, reason = self.suppliers.match(line.installation_id, line.cn)
        cost = self._cost(line.cn, line.country, line.route, supplier, Decimal(1), self.year)
        # Quarterly holding counts default values without their mark-up (Art. 22(2)(a)).
        see_plain = cost.see_used / (Decimal(1) + cost.markup)
        category = goods.good(line.cn).category
        label = "|".join(
            [line.cn, line.country, line.route or "-", line.installation_id or "-", cost.basis]
        )
        good = _Good(
            key=label,
            cost=cost,
            category=category.name,
            installation_id=line.installation_id,
            always_in_scope=category.sector in DE_MINIMIS_EXCLUDED_SECTORS,
            see_without_markup=see_plain,
            supplier=supplier,
        )
        good.extra_audit.append(AuditStep(quantity="basis", value=cost.basis, note=reason))
        if supplier is not None and supplier.benchmark_note:
            good.extra_audit.append(
                AuditStep(
                    quantity="benchmark of actual data",
                    value=supplier.benchmark_a,
                    note=supplier.benchmark_note,
                )
            )
        self.notes.update(step.note for step in cost.audit if step.note and "fall" in step.note)
        self.notes.update(
            step.note
            for step in cost.audit
            if step.note and ("Other countries" in step.note or "CSCF" in step.quantity)
        )
        self.goods[key] = good
        return good

    def _cost(
        self,
        cn: str,
        country: str,
        route: str | None,
        supplier: SupplierValue | None,
        mass: Decimal,
        year: int,
        price: CertificatePrice | Decimal = Decimal(0),
    ) -> LineCost:
        """The certificate arithmetic of one good: the supplier's actual values or the default."""
        return cost_line(
            cn,
            country,
            mass,
            year,
            route=route,
            price=price,
            see_direct=supplier.see_direct if supplier else None,
            see_indirect=supplier.see_indirect if supplier else None,
            see_definitive=supplier.see_total_definitive if supplier else None,
            benchmark_a=supplier.benchmark_a if supplier else None,
            cscf=self.cscf,
            defaults_table=self.defaults_table,
        )

    # -- per line ------------------------------------------------------------------------

    def add(self, line: ImportLine) -> None:
        """Assess one line (errors name the row; the caller locates the file)."""
        with localcontext(EXACT):
            self._add(line)

    def _add(self, line: ImportLine) -> None:
        try:
            good = self._good(line)
        except CbamError as exc:
            raise line_error(exc, line.row) from None
        cost = good.cost
        price = self.prices(line)
        deduction = line.carbon_price_deduction or ZERO
        embedded = line.net_mass * cost.see_used
        allocation = line.net_mass * cost.sefa
        due = cert.certificates_due(embedded, allocation, deduction)
        result = LineResult(
            row=line.row,
            line_id=line.line_id,
            cn=line.cn,
            country=line.country,
            country_used=cost.country_used,
            installation_id=line.installation_id,
            route=cost.route,
            year=line.year,
            quarter=line.quarter,
            period=price.period,
            net_mass=line.net_mass,
            basis=cost.basis,
            see_used=cost.see_used,
            embedded_emissions=embedded,
            sefa=cost.sefa,
            free_allocation=allocation,
            carbon_price_deduction=deduction,
            certificates=due,
            price=price.value,
            price_is_assumption=price.assumption,
            cost_eur=due * price.value,
            exempt_de_minimis=False,
            group=good.key,
        )
        self.lines += 1
        if good.always_in_scope:
            self.mass_always += line.net_mass
        else:
            self.mass_counted += line.net_mass
        # Quarterly holding uses default values without mark-up (Art. 22(2)(a)).
        self._quarters[line.quarter][0] += line.net_mass * good.see_without_markup
        self._quarters[line.quarter][1] += allocation
        if self._threshold_passed:
            self._emit(result, good)
            return
        self._pending.append((result, good))
        if self.mass_counted > DE_MINIMIS_TONNES:
            self._threshold_passed = True
            self._flush(exempt=False)

    def _emit(self, result: LineResult, good: _Good) -> None:
        good.lines += 1
        good.net_mass += result.net_mass
        good.embedded += result.embedded_emissions
        good.allocation += result.free_allocation
        good.deduction += result.carbon_price_deduction
        good.certificates += result.certificates
        good.cost_eur += result.cost_eur
        if self.sink is not None:
            self.sink(result)

    def _flush(self, *, exempt: bool) -> None:
        for result, good in self._pending:
            if exempt and not good.always_in_scope:
                result = result.model_copy(
                    update={"certificates": ZERO, "cost_eur": ZERO, "exempt_de_minimis": True}
                )
            self._emit(result, good)
        self._pending.clear()

    def merge(
        self,
        good: _Good,
        *,
        lines: int,
        net_mass: Decimal,
        embedded: Decimal,
        allocation: Decimal,
        deduction: Decimal,
        certificates: Decimal,
        cost_eur: Decimal,
    ) -> None:
        """Add the exact sums of lines already assessed elsewhere (the bulk path) to a good.

        ``certificates`` and ``cost_eur`` are what the lines carry after the de minimis
        decision. The importer's counters follow from the goods' masses; call
        :meth:`merge_quarters` for the quarterly holding sums.
        """
        with localcontext(EXACT):
            good.lines += lines
            good.net_mass += net_mass
            good.embedded += embedded
            good.allocation += allocation
            good.deduction += deduction
            good.certificates += certificates
            good.cost_eur += cost_eur
            self.lines += lines
            if good.always_in_scope:
                self.mass_always += net_mass
            else:
                self.mass_counted += net_mass
            self._threshold_passed = self.mass_counted > DE_MINIMIS_TONNES

    def merge_quarters(self, quarter: int, embedded_plain: Decimal, allocation: Decimal) -> None:
        """Add year-to-date holding sums (Art. 22(2)(a): SEE without mark-up) of a quarter."""
        with localcontext(EXACT):
            self._quarters[quarter][0] += embedded_plain
            self._quarters[quarter][1] += allocation

    # -- the end -------------------------------------------------------------------------

    def finish(
        self, *, scenario_prices: Sequence[Decimal] = (), declarant: dict[str, str] | None = None
    ) -> Assessment:
        with localcontext(EXACT):
            return self._finish(scenario_prices, declarant)

    def _finish(
        self, scenario_prices: Sequence[Decimal], declarant: dict[str, str] | None
    ) -> Assessment:
        exempt = not self._threshold_passed
        self._flush(exempt=exempt)
        ordered = sorted(
            (g for g in self.goods.values() if g.lines),
            key=lambda g: (g.cost.cn, g.cost.country, g.installation_id or "", g.key),
        )
        goods_out = tuple(self._good_result(g) for g in ordered)
        totals = Totals(
            net_mass=sum((g.net_mass for g in goods_out), ZERO),
            embedded_emissions=sum((g.embedded_emissions for g in goods_out), ZERO),
            free_allocation=sum((g.free_allocation for g in goods_out), ZERO),
            carbon_price_deduction=sum((g.carbon_price_deduction for g in goods_out), ZERO),
            certificates=sum((g.certificates for g in goods_out), ZERO),
            cost_eur=sum((g.cost_eur for g in goods_out), ZERO),
        )
        self._totals = totals
        de_minimis = DeMinimis(
            threshold_t=DE_MINIMIS_TONNES,
            net_mass_counted=self.mass_counted,
            net_mass_always_in_scope=self.mass_always,
            exempt=exempt,
            rule=DE_MINIMIS_SOURCE,
        )
        notes = set(self.notes) | self.prices.notes
        if exempt:
            notes.add(
                f"de minimis: {self.mass_counted} t of goods in {self.year} do not exceed "
                f"{DE_MINIMIS_TONNES} t; no certificates for them (hydrogen and electricity "
                "stay in scope)"
            )
        datasets = self._datasets()
        return Assessment(
            year=self.year,
            declarant=declarant or {},
            cscf=self.cscf,
            totals=totals,
            de_minimis=de_minimis,
            goods=goods_out,
            quarters=self._holding(exempt),
            lines=self.lines,
            datasets=dict(sorted(datasets.items())),
            notes=tuple(sorted(n for n in notes if n)),
            trajectory=self._trajectory(exempt),
            scenarios={str(p): totals.certificates * p for p in scenario_prices},
        )

    def _datasets(self) -> dict[str, str]:
        """The datasets (with version) the goods' figures came from, by dataset id."""
        from cbam.reference.benchmarks import benchmarks_dataset
        from cbam.reference.defaults import packaged_defaults
        from cbam.reference.manifest import dataset

        used: dict[str, str] = {"cn_codes": dataset("cn_codes").label}
        for good in self.goods.values():
            cost = good.cost
            if cost.basis == "default":
                if cost.benchmark_column == "none":
                    used["electricity_factors"] = dataset("electricity_factors").label
                else:
                    info = (self.defaults_table or packaged_defaults()).info
                    used[info.id] = f"{info.label} (sha256 {info.sha256[:12]})"
            if cost.benchmark_column in ("A", "B"):
                used["benchmarks"] = benchmarks_dataset().label
        return dict(sorted(used.items()))

    def _trajectory(self, exempt: bool, last_year: int = 2034) -> tuple[YearCost, ...]:
        """The same goods and volumes priced in each year from 2026 to ``last_year``.

        Mark-up and CBAM factor of each year; the price of each year from the price table (an
        assumption, flagged, where none is known). Volumes and origins stay those assessed.
        """
        out = []
        for year in range(2026, last_year + 1):
            if year == self.year and self._totals is not None:
                # The assessed year is what the lines themselves say (each at its own period's
                # price), not a re-estimate at a yearly average price.
                totals = self._totals
                out.append(
                    YearCost(
                        year=year,
                        cbam_factor=cbam_factor(year),
                        embedded_emissions=totals.embedded_emissions,
                        free_allocation=totals.free_allocation,
                        certificates=totals.certificates,
                        price=totals.cost_eur / totals.certificates
                        if totals.certificates
                        else ZERO,
                        price_is_assumption=any(p.assumption for p in self.prices.cache.values()),
                        cost_eur=totals.cost_eur,
                    )
                )
                continue
            price = self.prices.table.for_year(year)
            embedded = allocation = due = ZERO
            for good in self.goods.values():
                if not good.lines or (exempt and not good.always_in_scope):
                    continue
                supplier = good.supplier
                cost = self._cost(
                    good.cost.cn,
                    good.cost.country,
                    good.cost.route,
                    supplier,
                    good.net_mass,
                    year,
                    price,
                )
                embedded += cost.embedded_emissions
                allocation += cost.free_allocation
                due += cert.certificates_due(
                    cost.embedded_emissions, cost.free_allocation, good.deduction
                )
            out.append(
                YearCost(
                    year=year,
                    cbam_factor=cbam_factor(year),
                    embedded_emissions=embedded,
                    free_allocation=allocation,
                    certificates=due,
                    price=price.value,
                    price_is_assumption=price.assumption,
                    cost_eur=due * price.value,
                )
            )
        return tuple(out)

    def _holding(self, exempt: bool) -> tuple[QuarterHolding, ...]:
        share = quarterly_holding_share(self.year)
        out = []
        embedded = allocation = ZERO
        for quarter in (1, 2, 3, 4):
            embedded += self._quarters[quarter][0]
            allocation += self._quarters[quarter][1]
            due = ZERO if exempt else max(ZERO, embedded - allocation) * share
            out.append(
                QuarterHolding(
                    quarter=f"{self.year}Q{quarter}",
                    embedded_emissions_to_date=embedded,
                    free_allocation_to_date=allocation,
                    share=share,
                    certificates_to_hold=due,
                )
            )
        return tuple(out)

    def _good_result(self, good: _Good) -> GoodResult:
        cost = good.cost
        return GoodResult(
            key=good.key,
            cn=cost.cn,
            category=good.category,
            country=cost.country,
            country_used=cost.country_used,
            installation_id=good.installation_id,
            route=cost.route,
            basis=cost.basis,
            lines=good.lines,
            net_mass=good.net_mass,
            see_direct=cost.see_direct,
            see_indirect=cost.see_indirect,
            indirect_counted=cost.indirect_counted,
            markup=cost.markup,
            see_used=cost.see_used,
            embedded_emissions=good.embedded,
            benchmark=cost.benchmark,
            benchmark_column=cost.benchmark_column,
            sefa=cost.sefa,
            free_allocation=good.allocation,
            carbon_price_deduction=good.deduction,
            certificates=good.certificates,
            cost_eur=good.cost_eur,
            audit=tuple(good.extra_audit) + tuple(s for s in cost.audit if s.quantity != "price"),
        )


def assess(
    lines: Iterable[ImportLine],
    year: int,
    *,
    suppliers: Iterable[SupplierValue] = (),
    prices: PriceTable | None = None,
    cscf: Decimal = Decimal(1),
    scenario_prices: Sequence[Decimal] = (),
    declarant: dict[str, str] | None = None,
    defaults_table: DefaultValueTable | None = None,
    sink: LineSink | None = None,
) -> Assessment:
    """Assess a year of customs lines: embedded emissions, free allocation, certificates, cost.

    Each line takes its supplier's actual values when its installation communicated them for
    its CN code, else the default value marked up for ``year``; Reg. (EU) 2023/956 Arts. 2a
    (de minimis), 7 (actual or default), 9 (carbon price paid), 21 (price), 22 (surrender and
    quarterly holding) as amended by Reg. (EU) 2025/2083; IR 2025/2620 (free allocation, CBAM
    factor); IR 2025/2621 (default values); Q&A §4.32 (no netting across goods).

    Parameters
    ----------
    lines:
        The customs lines (see :func:`cbam.read_imports`); net mass in t (MWh for electricity).
    year:
        The import year assessed (2026 onwards); every line must belong to it.
    suppliers:
        Actual values per installation and CN code (see :func:`cbam.load_suppliers`), SEE in
        t CO2e per t.
    prices:
        Certificate prices in EUR per t CO2e by quarter (2026) or ISO week (2027 on); the
        published ones when None. A period without a price takes an assumption, flagged.
    cscf:
        Cross-sectoral correction factor (dimensionless, default 1, flagged in the audit).
    scenario_prices:
        Extra prices (EUR per certificate) at which the year's certificates are also costed.
    declarant:
        The few declarant facts shown in the outputs (EORI, name, country).
    defaults_table:
        A newer default-value workbook (:func:`cbam.load_defaults_workbook`); the packaged
        IR 2025/2621 values when None.
    sink:
        Called with every :class:`~cbam.declaration.model.LineResult` in input order (lines
        wait until the de minimis question is settled), e.g. a ``lines.csv`` writer.

    Returns
    -------
    Assessment
        Totals in t CO2e and EUR (exact sums of the line results, never rounded), one result
        per good (CN code x origin x route x installation x basis) with its audit trail, the
        de minimis finding, the quarterly holding and the 2026-2034 cost trajectory.

    Raises
    ------
    InputError
        A line that cannot be assessed (not a CBAM good, EU origin, unknown route...): the
        message names the row and the column.
    """
    assessor = Assessor(
        year,
        suppliers=suppliers,
        prices=prices,
        cscf=cscf,
        defaults_table=defaults_table,
        sink=sink,
    )
    for line in lines:
        assessor.add(line)
    return assessor.finish(scenario_prices=scenario_prices, declarant=declarant)
