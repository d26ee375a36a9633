"""The assessment engine: the one path from a customs line to certificates.

Every way of assessing customs lines goes through :class:`Engine`: :func:`cbam.assess` over
:class:`~cbam.declaration.model.ImportLine` objects, :func:`cbam.job.assess_file` over a file
(in one process or split across several) and the ``cbam suppliers`` commands. A line is
assessed in three steps, each done once where it belongs:

1. per good (CN code x origin x route x installation x what its customs procedure makes of it,
   :mod:`cbam.declaration.procedures`): the supplier's values are matched and the good is
   valued once per import year (:func:`cbam.declaration.valuation.value_good`);
2. per pricing period (the quarter of importation in 2026, Art. 21(1a); from 2027 the price
   basis the user gives, :mod:`cbam.declaration.price_basis`): the price is looked up once;
3. per line: EE = M x SEE, FAA = M x SEFA, N = max(0, EE - FAA - CP), cost = N x price
   (:mod:`cbam.declaration.certificates`; CP from a carbon price paid abroad,
   :mod:`cbam.declaration.carbon_price`), added to the good's exact running sums. A line
   without a deduction adds only its mass, to its good's mass of the pricing period; the same
   functions give that mass's figures once (:meth:`GoodState.settle`), equal to the sum of the
   lines' figures to the last digit.

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
(Decimal('879.65000'), False)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Context, Decimal, localcontext
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from cbam import goods as catalogue
from cbam import values
from cbam.declaration import certificates as cert
from cbam.declaration.carbon_price import carbon_price_reduction, reduction_cap
from cbam.declaration.eligibility import BASIS_REASONS, reporting_year
from cbam.declaration.holding import (
    HoldingGood,
    exceeded_in,
    holding_due_by,
    quarterly_holding,
)
from cbam.declaration.matching import Match, SupplierIndex
from cbam.declaration.model import (
    Assessment,
    DeMinimis,
    ImportLine,
    ProcedureCount,
    QuarterHolding,
    SupplierValue,
    Totals,
    ValuationTrail,
    YearCost,
)
from cbam.declaration.pricing import Period, Pricing
from cbam.declaration.procedures import rule_of
from cbam.declaration.state import (
    Figures,
    GoodKey,
    GoodState,
    LineSink,
    LineWriter,
    Treatment,
    Variant,
    emitter,
    line_result,
)
from cbam.declaration.summary import (
    good_result,
    lines_per,
    procedure_notes,
    rule_notes,
    totals_of,
)
from cbam.declaration.valuation import Valuation, unvalued, value_good
from cbam.declaration.year_inputs import YearInputs
from cbam.errors import CbamError, InputError
from cbam.reference.prices import CertificatePrice, PriceTable
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
#: The same for the goods placed under inward processing (Art. 6(3)).
_INPUT_COLUMN_OF_FIELD = {"cn": "ip_cn_code", "cn_code": "ip_cn_code", "country": "ip_country"}


def line_error(exc: CbamError, row: int, *, inputs: bool = False) -> CbamError:
    """Locate an error raised while assessing a line at its row and customs-lines column.

    ``inputs``: the error concerns the goods placed under inward processing (``ip_*``).
    """
    columns = _INPUT_COLUMN_OF_FIELD if inputs else _COLUMN_OF_FIELD
    if exc.field in columns or (inputs and exc.field is None):
        exc.field = columns.get(exc.field or "cn", "ip_cn_code")
    return exc.located(location=f"row {row}")


def _treatment(line: ImportLine) -> tuple[Treatment, str, str]:
    """The treatment of a line's customs procedure and the CN code and origin of its good.

    Processed products released from inward processing declare the CBAM goods placed under
    the procedure (``ip_cn``, ``ip_country``; Art. 6(3)), even when the products are not CBAM
    goods; without those columns the product itself, when it is a CBAM good.
    """
    found = rule_of(line.procedure, line.additional_procedure)
    given = (line.ip_cn, line.ip_country, line.ip_net_mass)
    if found.rule != "inward processing":
        if any(value is not None for value in given):
            raise InputError(
                "ip_cn_code, ip_country and ip_net_mass describe the goods placed under inward "
                f"processing; the line's procedure {found.code or '(none)'} is not a release "
                "from inward processing",
                field="ip_cn_code",
            )
        treatment = None if found.rule == "import" else (found.rule, None)
        return treatment, line.cn, line.country
    if line.ip_cn is None:
        if line.ip_country is not None or line.ip_net_mass is not None:
            raise InputError("give ip_cn_code with ip_country and ip_net_mass", field="ip_cn_code")
        if not catalogue.is_cbam_good(line.cn):
            raise InputError(
                f"the processed product {line.cn} released from inward processing is not a CBAM "
                "good: give the CBAM goods placed under the procedure that resulted in it "
                "(ip_cn_code, ip_country, ip_net_mass; Reg. (EU) 2023/956 Art. 6(3))",
                field="ip_cn_code",
            )
        return ("inward processing", None), line.cn, line.country
    if line.ip_country is None:
        raise InputError(
            "ip_country is needed with ip_cn_code: the origin of the goods placed under inward "
            "processing (Reg. (EU) 2023/956 Art. 6(3))",
            field="ip_country",
        )
    return ("inward processing", line.cn), line.ip_cn, line.ip_country


class EnginePart:
    """The exact sums of the lines one engine assessed, to be merged into another engine."""

    def __init__(
        self,
        goods: dict[GoodKey, tuple[Any, ...]],
        prices: dict[str, CertificatePrice],
        flags: set[str],
        year_figures: dict[tuple[Any, ...], tuple[Decimal, Decimal]] | None = None,
    ) -> None:
        self.goods = goods
        self.prices = prices
        self.flags = flags
        self.year_figures = year_figures or {}
        """SEE used and SEFA in other years of the trajectory (:meth:`Engine.year_figures`)."""


_Pending = tuple["GoodState", "Period", int, "str | None", "Figures"]


#: Every text of a line that decides its good: CN code, origin, route, installation, clinker
#: and nitrogen content, production year, procedure, relief codes and inward-processing inputs.
_GOOD_TEXTS = itemgetter(
    *map(
        ImportLine._fields.index,
        (
            "cn", "country", "route", "installation_id", "clinker_content", "nitrogen_content",
            "production_year", "procedure", "additional_procedure", "ip_cn", "ip_country",
        ),
    )
)  # fmt: skip


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
    inputs : YearInputs, optional
        The price basis, last year's surrendered certificates and what a carbon price paid
        abroad needs (:class:`~cbam.declaration.year_inputs.YearInputs`).
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
        inputs: YearInputs | None = None,
    ) -> None:
        self.year = check_year(year)
        self.suppliers = SupplierIndex(suppliers)
        self.inputs = inputs or YearInputs()
        if self.inputs.previous_surrender is not None:
            self.inputs.previous_surrender.check_year(self.year)
        self.pricing = Pricing(prices or PriceTable(), self.year, self.inputs.price_basis)
        self._reference: CertificatePrice | None = None
        # What the notes must mention: a carbon price claimed, the deprecated column used.
        self.flags: set[str] = set()
        self.cscf = cscf
        self.defaults_table = defaults_table
        self.accept_unverified = accept_unverified
        self.goods: dict[GoodKey, GoodState] = {}
        # The goods by the texts of a line (several texts may make one good).
        self._line_goods: dict[tuple[Any, ...], GoodState] = {}
        self._valuations: dict[tuple[Any, ...], Valuation] = {}
        # Keyed by what values alike (the installations without supplier data share one).
        self._year_figures: dict[tuple[Any, ...], tuple[Decimal, Decimal]] = {}
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
        cn, country, route, _, variant, _ = key
        clinker, nitrogen = (variant[1], variant[2]) if variant else (None, None)
        cache = (cn, country, route, id(supplier) if supplier else None, clinker, nitrogen, year)
        found = self._valuations.get(cache)
        if found is None:
            with localcontext(EXACT):  # whoever asks: the figures never depend on the caller
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

    def year_figures(self, good: GoodState, year: int) -> tuple[Decimal, Decimal]:
        """The SEE used and SEFA of ``good`` imported in another ``year`` (its valuation for
        that year: mark-up, benchmark period and CBAM factor), computed once per good and year.
        """
        key = (*self._values_alike(good), year)
        found = self._year_figures.get(key)
        if found is None:
            valuation = self.valuation(good.key, good.supplier, year)
            found = self._year_figures[key] = (valuation.see_used, valuation.sefa)
        return found

    @staticmethod
    def _values_alike(good: GoodState) -> tuple[Any, ...]:
        """What decides a good's valuation in any year: goods with the same value alike.

        The supplier's values follow from the installation and reporting period: a key that
        means the same in every process of a split file (unlike the supplier object's id).
        """
        cn, country, route, installation_id, variant, _ = good.key
        supplier = (installation_id, variant and variant[0]) if good.supplier else None
        content = variant[1:] if variant else None
        return (cn, country, route, supplier, content)

    def trajectory_years(self) -> tuple[int, ...]:
        """The years 2026-2034 other than the assessed one, which :meth:`finish` prices the
        year's goods in.

        >>> Engine(2026).trajectory_years()
        (2027, 2028, 2029, 2030, 2031, 2032, 2033, 2034)
        """
        return tuple(y for y in range(2026, LAST_SCHEDULED_YEAR + 1) if y != self.year)

    def value_years(self, years: Iterable[int]) -> None:
        """Value the goods met so far in ``years`` of the trajectory now.

        A part of a file split across processes does its share of the years while the others
        still assess their lines; :meth:`merge` brings the figures together.
        """
        for good in self.goods.values():
            if good.valuation.basis != "none":
                for year in years:
                    self.year_figures(good, year)

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
        treatment: Treatment = None,
    ) -> GoodState:
        """The good of a validated line's texts, made and valued on first use."""
        key = (cn, country, route, installation_id, variant, treatment)
        found = self.goods.get(key)
        if found is None:
            found = self.goods[key] = self._new_good(key)
        return found

    def _new_good(self, key: GoodKey) -> GoodState:
        cn, country, _route, installation_id, variant, treatment = key
        rule = treatment[0] if treatment else "import"
        if rule in ("not imported", "returned goods"):
            # Art. 3(4), Art. 6(5): no embedded emissions are determined for these goods.
            code = rule.replace(" ", "-")
            cache = ("none", cn, country, rule)
            valuation = self._valuations.get(cache)
            if valuation is None:
                valuation = self._valuations[cache] = unvalued(
                    cn, country, self.year, rule, BASIS_REASONS[code]
                )
            return GoodState(key, valuation, Match(None, code, BASIS_REASONS[code], False))
        year = variant[0] if variant and variant[0] is not None else self.year
        electricity = catalogue.good(cn).sector is Sector.ELECTRICITY
        match = self.suppliers.match(
            installation_id,
            cn,
            year,
            electricity=electricity,
            accept_unverified=self.accept_unverified,
        )
        good = GoodState(key, self.valuation(key, match.value, self.year), match)
        paid = self.inputs.carbon_prices_paid
        if paid is not None:
            good.carbon_price = paid.find(installation_id, cn)
        return good

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
        texts_of = _GOOD_TEXTS
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
                    row, _, _, mass, year, quarter, date = line[:7]
                    texts = texts_of(line)
                    good = goods.get(texts)
                    if good is None:
                        good = goods[texts] = self._good_of(line)
                    if good.input_mass:  # the goods placed under inward processing (Art. 6(3))
                        mass = self._input_mass(line)
                    period = periods.get(date if date is not None else (year, quarter))
                    if period is None:
                        period = pricing.period(date, year, quarter)
                    embedded = embedded_of(mass, good.see)
                    allocation = allocation_of(mass, good.sefa)
                    if line[14] is None and line[21] is None and good.carbon_price is None:
                        deduction = ZERO
                    else:
                        deduction = self._deduction(line, good, mass, embedded, allocation)
                    due = due_of(embedded, allocation, deduction)
                    cost = cost_of(due, period.price)
                    count += 1
                    if count == report_at:
                        progress(self.lines + count)
                        report_at += PROGRESS_EVERY
                    good.lines += 1
                    # Without a deduction (the reader and check_line refuse a negative mass)
                    # the line's figures come from its period's mass (GoodState.settle).
                    if deduction is ZERO and mass >= ZERO:
                        masses = good.plain
                        masses[period] = masses.get(period, ZERO) + mass
                    else:
                        good.add_figures(quarter, mass, embedded, allocation, deduction, due, cost)
                    if not good.counted:  # not released for free circulation (Art. 3(4))
                        pass
                    elif good.always_in_scope:
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
        treatment, cn, country = self._treatment(line)
        try:
            variant = self.variant(
                cn,
                line.installation_id,
                line.production_year,
                line.clinker_content,
                line.nitrogen_content,
            )
            return self.good(cn, country, line.route, line.installation_id, variant, treatment)
        except CbamError as exc:
            inputs = treatment is not None and treatment[1] is not None
            raise line_error(exc, line.row, inputs=inputs) from None

    def _treatment(self, line: ImportLine) -> tuple[Treatment, str, str]:
        """What the line's customs procedure makes of it: the treatment, CN code and origin of
        the good it declares (Reg. (EU) 2023/956 Art. 3(4), 6(3)-(5))."""
        try:
            return _treatment(line)
        except CbamError as exc:
            raise line_error(exc, line.row) from None

    def _input_mass(self, line: ImportLine) -> Decimal:
        if line.ip_net_mass is None:
            error = InputError(
                "ip_net_mass is needed with ip_cn_code: the net mass of the goods placed under "
                "inward processing (Reg. (EU) 2023/956 Art. 6(3))",
                field="ip_net_mass",
            )
            raise line_error(error, line.row)
        return line.ip_net_mass

    def _deduction(
        self,
        line: ImportLine,
        good: GoodState,
        mass: Decimal,
        embedded: Decimal,
        allocation: Decimal,
    ) -> Decimal:
        """The certificates a carbon price paid abroad takes off the line (Art. 9)."""
        try:
            before = cert.certificates_due(embedded, allocation)  # the line before the reduction
            return self._carbon_price(line, good, mass, embedded, before)
        except CbamError as exc:
            raise line_error(exc, line.row) from None

    def _carbon_price(
        self, line: ImportLine, good: GoodState, mass: Decimal, embedded: Decimal, before: Decimal
    ) -> Decimal:
        claim, paid = line.carbon_price, good.carbon_price
        if line.carbon_price_deduction is not None:
            if claim is not None or paid is not None:
                raise InputError(
                    "give the carbon price paid (carbon_price_* columns) or the deprecated "
                    "carbon_price_deduction, not both",
                    field="carbon_price_deduction",
                )
            if good.valuation.basis != "actual":
                raise InputError(
                    "a deduction on goods valued at default values may refer only to the "
                    "Commission's yearly default carbon prices (Reg. (EU) 2023/956 Art. 9(4)): "
                    "give the carbon price paid in the carbon_price_* columns and load "
                    "--default-carbon-prices, or remove the deduction",
                    field="carbon_price_deduction",
                )
            self.flags.add("deprecated-deduction")
            return reduction_cap(line.carbon_price_deduction, before)
        if claim is None:
            assert paid is not None  # the caller checked that the line has a claim
            claim = paid.claim(mass)
        elif paid is not None:
            raise InputError(
                "the line claims a carbon price and the table of carbon prices paid per "
                "installation covers its installation too: give one of them",
                field="carbon_price_paid",
            )
        self.flags.add("carbon-price")
        return carbon_price_reduction(
            claim,
            actual=good.valuation.basis == "actual",
            embedded=embedded,
            before=before,
            country=good.country,
            rates=self.inputs.exchange_rates,
            default_prices=self.inputs.default_carbon_prices,
            reference_price=self.reference_price().value,
        )

    def reference_price(self) -> CertificatePrice:
        """The price a carbon price paid converts at (:meth:`Pricing.reference_price`)."""
        if self._reference is None:
            self._reference = self.pricing.reference_price()
        return self._reference

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
        with localcontext(EXACT):
            goods = {key: good.sums() for key, good in self.goods.items() if good.lines}
        return EnginePart(
            goods,
            dict(self.pricing.prices),
            set(self.flags),
            dict(self._year_figures),
        )

    def merge(self, part: EnginePart) -> None:
        """Add the sums of lines assessed by another engine of the same year and inputs."""
        with localcontext(EXACT):
            for key, sums in part.goods.items():
                good = self.good(*key)
                good.add_sums(sums)
                lines, mass, *_ = sums
                self.lines += lines
                if not good.counted:
                    pass
                elif good.always_in_scope:
                    self.mass_always += mass
                else:
                    self.mass_counted += mass
            self._year_figures.update(part.year_figures)
            for label in sorted(part.prices):
                self.pricing.remember(part.prices[label])
            self.flags |= part.flags
            self._settled = self._settled or exceeds_de_minimis(self.mass_counted)

    # -- the end ---------------------------------------------------------------------------

    def finish(
        self, *, scenario_prices: Iterable[Decimal] = (), declarant: dict[str, str] | None = None
    ) -> Assessment:
        """Settle the waiting lines (exempt when the year stayed within 50 t); the Assessment."""
        with localcontext(EXACT):
            for good in self.goods.values():
                good.settle()
            exempt = not exceeds_de_minimis(self.mass_counted)
            self._flush(exempt=exempt)
            if exempt:
                # Art. 2a(1): within 50 t the importer owes nothing for the goods counted.
                for good in self.goods.values():
                    if not good.always_in_scope:
                        good.certificates = good.cost_eur = ZERO
            every = [g for g in self.goods.values() if g.lines]
            # Lines not released for free circulation are only counted (Art. 3(4)).
            used = sorted(
                (g for g in every if g.counted),
                key=lambda g: (g.key[0], g.country, g.installation_id or "", g.label),
            )
            trails: dict[int, ValuationTrail] = {}
            results = tuple(
                good_result(g, trails, self._certificates_at_default(g, exempt)) for g in used
            )
            totals = totals_of(results)
            quarters, exceeded = self._holding(used, exempt)
            return Assessment(
                year=self.year,
                declarant=declarant or {},
                cscf=self.cscf,
                totals=totals,
                de_minimis=self._de_minimis(exempt, totals, exceeded),
                goods=results,
                valuations=tuple(trails.values()),
                quarters=quarters,
                lines=self.lines,
                datasets=self._datasets(used),
                notes=self._notes(used, every, exempt, quarters, exceeded),
                trajectory=self._trajectory(used, totals, exempt),
                scenarios={str(p): totals.certificates * p for p in scenario_prices},
                route_bases=lines_per(used, lambda g: g.valuation.route_basis),
                basis_reasons=lines_per(used, lambda g: g.basis_reason),
                estimate=any(g.estimate for g in used),
                price_basis=self.pricing.basis.label,
                procedures=_procedures(every),
                carbon_price_reference=(
                    self.reference_price().value if "carbon-price" in self.flags else None
                ),
            )

    def _holding(
        self, used: list[GoodState], exempt: bool
    ) -> tuple[tuple[QuarterHolding, ...], int | None]:
        """The quarterly holding (Art. 22(2), (2a)) and the quarter the threshold was passed."""
        counted = [
            sum((g.quarters[q] for g in used if not g.always_in_scope), ZERO) for q in range(4)
        ]
        exceeded = None if exempt else exceeded_in(counted)
        goods = [self._holding_good(g) for g in used]
        if exceeded == 4:
            # Due by 31 March of the next year (Art. 22(2a)): the whole year's share.
            late = quarterly_holding(self.year, goods, exceeded=0)[3].certificates_to_hold
            self.flags.add(f"late-holding:{late}")
        return quarterly_holding(self.year, goods, exceeded=exceeded), exceeded

    def _holding_good(self, good: GoodState) -> HoldingGood:
        """A good's per-tonne figures for the holding: basis (b) where last year's surrender
        covers its CN code and origin, else (a) its default value without mark-up and the
        default route's specific free allocation; returned goods add nothing (Art. 6(5))."""
        masses = (good.quarters[0], good.quarters[1], good.quarters[2], good.quarters[3])
        always = good.always_in_scope
        if good.rule == "returned goods":
            return HoldingGood(masses, ZERO, ZERO, always)
        surrender = self.inputs.previous_surrender
        per_tonne = surrender.per_tonne(good.key[0], good.country) if surrender else None
        if per_tonne is not None:
            return HoldingGood(masses, per_tonne, ZERO, always, "b")
        valuation = good.valuation
        if valuation.basis != "default":
            try:
                valuation = self.valuation(good.key, None, self.year)
            except CbamError:
                self.flags.add("holding-without-default")
        return HoldingGood(masses, valuation.see_without_markup, valuation.sefa, always)

    def _de_minimis(self, exempt: bool, totals: Totals, exceeded: int | None) -> DeMinimis:
        # Always in scope: hydrogen (t) and electricity (MWh), never added together.
        return DeMinimis(
            threshold_t=DE_MINIMIS_TONNES,
            net_mass_counted=self.mass_counted,
            net_mass_always_in_scope=self.mass_always - totals.electricity_mwh,
            electricity_mwh=totals.electricity_mwh,
            exempt=exempt,
            rule=DE_MINIMIS_SOURCE,
            exceeded_in=None if exceeded is None else f"{self.year}Q{exceeded}",
            holding_due_by=holding_due_by(self.year, exceeded),
        )

    def _certificates_at_default(self, good: GoodState, exempt: bool) -> Decimal | None:
        """The good's certificates at default values: an actual-value good valued without its
        supplier's data (:meth:`valuation` with no supplier), on the good's totals; None when no
        default value exists for it. The difference to its certificates is what supplier data
        save."""
        if good.valuation.basis != "actual":
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

    def _notes(
        self,
        used: list[GoodState],
        every: list[GoodState],
        exempt: bool,
        quarters: tuple[QuarterHolding, ...],
        exceeded: int | None,
    ) -> tuple[str, ...]:
        notes = {note for good in used for note in good.valuation.notes} | self.pricing.notes
        notes |= set(rule_notes(used, self.year, self.accept_unverified))
        notes |= set(procedure_notes(every))
        notes |= set(self._obligation_notes(used, quarters, exceeded))
        if exempt:
            notes.add(
                f"de minimis: {self.mass_counted} t of goods in {self.year} do not exceed "
                f"{DE_MINIMIS_TONNES} t; no certificates for them (hydrogen and electricity "
                "stay in scope)"
            )
        return tuple(sorted(n for n in notes if n))

    def _obligation_notes(
        self, used: list[GoodState], quarters: tuple[QuarterHolding, ...], exceeded: int | None
    ) -> list[str]:
        """Notes on the carbon price paid, the quarterly holding and its basis."""
        from cbam.declaration.carbon_price import DRAFT_ACT

        notes = []
        if "carbon-price" in self.flags:
            reference = self.reference_price()
            deducted = sum((g.deduction for g in used), ZERO)
            notes.append(
                f"carbon price paid abroad (Reg. (EU) 2023/956 Art. 9): {deducted} certificates "
                f"deducted, the amounts converted at EUR {reference.value} per certificate "
                f"({reference.note}); {DRAFT_ACT}"
            )
        if "deprecated-deduction" in self.flags:
            notes.append(
                "carbon_price_deduction (a bare number of certificates) is deprecated: Art. 9(2) "
                "asks for the price effectively paid, its evidence and an independent certifier "
                "- give the carbon_price_* columns"
            )
        if "holding-without-default" in self.flags:
            notes.append(
                "quarterly holding: a good without a default value is counted at its actual "
                "values without mark-up (Art. 22(2)(a) names default values)"
            )
        late = next((f.split(":", 1)[1] for f in self.flags if f.startswith("late-holding:")), "")
        due = holding_due_by(self.year, exceeded)
        if due is not None:
            rule = "quarterly holding (Reg. (EU) 2023/956 Art. 22(2), (2a)): the 50 t threshold"
            notes.append(
                f"{rule} was passed in {self.year}Q{exceeded}: by {due} hold {late} certificates, "
                "50 % of the year's embedded emissions less free allocation"
                if late
                else f"{rule} was passed in {self.year}Q{exceeded}: the holding applies from the "
                f"end of the next quarter, {due}"
            )
        if self.inputs.previous_surrender is not None:
            count = sum(1 for q in quarters if "b" in q.basis.split("+"))
            notes.append(
                "quarterly holding basis (b) (Art. 22(2)(b)): last year's surrendered "
                f"certificates per tonne from {self.inputs.previous_surrender.source} for the "
                f"goods it covers ({count} quarter(s) use it), basis (a) for the others"
            )
        return notes

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
        priced = self._priced_alike(used, exempt)
        out = []
        for year in range(2026, LAST_SCHEDULED_YEAR + 1):
            if year == self.year:
                out.append(self._assessed_year(totals))
                continue
            price = self.pricing.table.for_year(year)
            embedded = allocation = due = ZERO
            for good, mass, deduction in priced:
                see_used, sefa = self.year_figures(good, year)
                good_embedded = cert.embedded_emissions(mass, see_used)
                good_allocation = cert.free_allocation(mass, sefa)
                embedded += good_embedded
                allocation += good_allocation
                due += cert.certificates_due(good_embedded, good_allocation, deduction)
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
                    price_basis=price.note or price.source,
                )
            )
        return tuple(out)

    def _priced_alike(
        self, used: list[GoodState], exempt: bool
    ) -> list[tuple[GoodState, Decimal, Decimal]]:
        """What the trajectory prices: (a good whose figures to take, mass, deduction).

        Goods that value alike (:meth:`_values_alike`) and claim no deduction are priced once,
        on their summed mass: each year they share an SEE and a SEFA, so each one's
        certificates are its mass (at least zero) times max(0, SEE - SEFA), and those of the
        summed mass are the sum of theirs, exactly -- floored per good as the law floors
        them (Q&A §4.32). 100,000 installations without supplier data are one such group. A
        good with a deduction, or a negative mass (refused at the edge; kept apart for
        safety), is priced on its own. Goods exempt under the de minimis threshold and goods
        without a valuation are left out.
        """
        alike: dict[tuple[Any, ...], list[Any]] = {}
        apart: list[tuple[GoodState, Decimal, Decimal]] = []
        for good in used:
            if (exempt and not good.always_in_scope) or good.valuation.basis == "none":
                continue
            if good.deduction or good.net_mass < 0:
                apart.append((good, good.net_mass, good.deduction))
                continue
            group = alike.get(key := self._values_alike(good))
            if group is None:
                alike[key] = [good, good.net_mass]
            else:
                group[1] += good.net_mass
        return [(good, mass, ZERO) for good, mass in alike.values()] + apart

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
            price_basis=self.pricing.basis.label,
        )


def _procedures(every: list[GoodState]) -> dict[str, ProcedureCount]:
    """Lines and net mass per customs-procedure rule, over every good (counted or not)."""
    found: dict[str, tuple[int, Decimal]] = {}
    for good in every:
        lines, mass = found.get(good.rule, (0, ZERO))
        found[good.rule] = (lines + good.lines, mass + good.net_mass)
    return {
        rule: ProcedureCount(lines=lines, net_mass=mass)
        for rule, (lines, mass) in sorted(found.items())
    }


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
