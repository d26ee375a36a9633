"""What one tonne of a good embeds and is allocated in an import year: its valuation.

A good's valuation -- the SEE it is charged with, its specific free allocation (SEFA) and the
audit trail of both -- depends on its CN code, origin, production route, the supplier's actual
values (if any), the clinker or nitrogen content where the functional unit needs it, and the
import year, never on a mass or a line. It is computed once per good and year and reused for
every line of the good and for every good that shares it; this module is where the importer
wing does its per-good work.

* SEE: the supplier's verified actual value (Reg. (EU) 2023/956 Art. 7(2)(a), Annex IV), per
  tonne of goods (IR 2025/2547 Eqs. 64-66 where the supplier gives it per functional unit),
  else the default value of IR 2025/2621 marked up for the year (Annex I; Annex III for
  electricity), per tonne of goods.
* SEFA = CBAM_y x CSCF_y x BM (IR 2025/2620 Annex pt 3.1 and 4): Column A of the production
  route plus the precursors' benchmarks (Eq. 4) for actual data, Column B of the route the
  rules of :mod:`cbam.reference.routes` give for default values; zero for electricity (IR
  2025/2620 Art. 1(2); Q&A §3.8). Cement benchmarks count per tonne of clinker contained.
* Benchmarks for imports from 2027 are provisional (Q&A §3.9): the trail says so.

>>> v = value_good("25231000", "CN", 2026, route="A")
>>> v.basis, v.see_used, v.benchmark, v.sefa, v.route_basis
('default', Decimal('1.5290'), Decimal('0.666'), Decimal('0.649350'), 'line')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from cbam import goods
from cbam.codes import check_origin, format_cn
from cbam.declaration import certificates as cert
from cbam.declaration.audit import AuditStep
from cbam.errors import InputError
from cbam.reference.routes import RouteChoice, actual_route, default_route, route_letter
from cbam.rules import CBAM_FACTOR_SOURCE, FIRST_YEAR, MARKUP_SOURCE, Sector, cbam_factor

if TYPE_CHECKING:
    from cbam.declaration.model import SupplierValue
    from cbam.reference.defaults import DefaultValue, DefaultValueTable

ZERO = Decimal(0)
ONE = Decimal(1)
Basis = Literal["actual", "default", "none"]
"""Actual values, default values, or none: no embedded emissions are determined (returned goods,
Art. 6(5); lines not released for free circulation)."""
Column = Literal["A", "B", "none", "user"]

#: Cement codes whose functional unit is the tonne of clinker contained (IR 2025/2547 Art.
#: 4(5)) other than clinker itself, whose clinker content is 1.
_CLINKER_GOODS = frozenset({"25232100", "25232900", "25239000"})

CSCF_NOTE = (
    "cross-sectoral correction factor taken as given (default 1): its value for 2026 onwards "
    "is not in the sources available to this release"
)

#: A cement line without its clinker content gets no free allocation (conservative).
NO_CLINKER_NOTE = (
    "the cement benchmark counts per t of clinker contained (IR 2025/2547 Art. 4(5)) and the "
    "line gives no clinker_content: no free allocation (conservative); give clinker_content"
)

#: Q&A §3.9 (citing IR 2025/2620 recital 10): the 2026 benchmarks are provisional; revised
#: ones, based on the final EU ETS benchmarks 2026-2030, are to apply from 1 January 2027.
PROVISIONAL_NOTE = (
    "benchmarks for imports from 2027 are provisional: IR 2025/2620 values are to be revised "
    "after the final EU ETS benchmarks 2026-2030 and apply from 1 January 2027 (Q&A §3.9); "
    "the adopted values are used until then"
)


@dataclass(frozen=True, slots=True)
class Valuation:
    """The per-tonne figures of a good in one import year, with their audit trail.

    Attributes
    ----------
    cn, country : str
        The 8-digit CN code and the origin (ISO 3166-1 alpha-2).
    year : int
        Import year: its mark-up, CBAM factor and benchmark period apply.
    basis : {"actual", "default"}
        Whether the supplier's actual values or the default value was used.
    country_used : str
        The default-value row's country (``"OTHER"`` after a fall-back); the origin for actual data.
    route : str or None
        Production route of the benchmark (or of the default-value row where the benchmark does
        not vary by route).
    see_direct, see_indirect : Decimal or None
        The SEE channels of the value used, t CO2e per t (default values: as published).
    indirect_counted : bool
        False for Reg. (EU) 2023/956 Annex II goods (direct emissions only, Art. 7(1)).
    markup : Decimal
        Mark-up of the year on the default value (IR 2025/2621 Annex I); 0 for actual data.
    see_used : Decimal
        The SEE every tonne is charged with, t CO2e per t (per MWh for electricity).
    benchmark : Decimal
        Benchmark used per tonne of goods, t CO2e per t (IR 2025/2620 Annex).
    benchmark_column : {"A", "B", "none", "user"}
        Column A (actual), B (default), none (electricity) or given by the user.
    cbam_factor, cscf : Decimal
        CBAM factor of the year (Directive 2003/87/EC Art. 10a(1a)) and cross-sectoral
        correction factor.
    sefa : Decimal
        Specific free allocation, t CO2e per t: cbam_factor x cscf x benchmark.
    audit : tuple of AuditStep
        How each per-tonne figure was obtained: rule, dataset with version, note.
    route_basis : str
        The rule that decided the benchmark's route (:data:`cbam.reference.routes.ROUTE_BASES`).
    fallback_reason : str or None
        ``"content-missing"`` when actual values had to give way to the default value.
    """

    cn: str
    country: str
    year: int
    basis: Basis
    country_used: str
    route: str | None
    see_direct: Decimal | None
    see_indirect: Decimal | None
    indirect_counted: bool
    markup: Decimal
    see_used: Decimal
    benchmark: Decimal
    benchmark_column: Column
    cbam_factor: Decimal
    cscf: Decimal
    sefa: Decimal
    audit: tuple[AuditStep, ...]
    route_basis: str = "none"
    fallback_reason: str | None = None

    @property
    def see_without_markup(self) -> Decimal:
        """The SEE before the year's mark-up (the default value as published for defaults)."""
        return self.see_used / (Decimal(1) + self.markup)

    @property
    def notes(self) -> tuple[str, ...]:
        """The fall-backs and assumptions among the audit notes."""
        return tuple(
            step.note
            for step in self.audit
            if step.note
            and ("fall" in step.note or "Other countries" in step.note or step.quantity == "CSCF")
        )


@dataclass(frozen=True, slots=True)
class _See:
    basis: Basis
    country_used: str
    route: str | None
    see_direct: Decimal | None
    see_indirect: Decimal | None
    markup: Decimal
    see_used: Decimal
    steps: tuple[AuditStep, ...]


@dataclass(frozen=True, slots=True)
class _Bench:
    """The benchmark per tonne of goods, its column, route choice and audit steps."""

    value: Decimal
    column: Column
    choice: RouteChoice
    steps: tuple[AuditStep, ...]


@lru_cache(maxsize=65536)
def _default_values(
    cn: str, country: str, table: DefaultValueTable | None
) -> tuple[DefaultValue, ...]:
    """The default value(s) of a good: one, or one per route where rows differ by route."""
    from cbam.reference import default_value
    from cbam.reference.defaults import packaged_defaults

    if goods.good(cn).sector is Sector.ELECTRICITY:
        return (default_value(cn, country, table=table),)
    return (table or packaged_defaults()).lookup_all(cn, country)


@lru_cache(maxsize=65536)
def _routes(cn: str, column: Literal["A", "B"], year: int) -> Mapping[str, Decimal]:
    """The column's benchmarks by route valid in ``year`` ({} when it does not vary)."""
    from cbam.reference.routes import column_routes

    return column_routes(cn, column, year)


@lru_cache(maxsize=65536)
def _column_value(cn: str, column: Literal["A", "B"], year: int, route: str | None) -> AuditStep:
    """The benchmark of a column and route as an audit step (value, rule, row)."""
    from cbam.reference import benchmark

    found = benchmark(cn, column, year=year, route=route)
    # "route (C) as requested" tells nothing the route column does not.
    note = None if (found.note or "").endswith("as requested") else found.note
    return AuditStep(
        quantity="benchmark",
        value=found.value,
        rule="IR 2025/2620 Annex pt 3.1 (Column A, actual data)"
        if column == "A"
        else "IR 2025/2620 Annex pt 4 (Column B, default values)",
        source=f"{found.dataset.label}, {found.location}",
        note=note,
    )


def _non_negative(value: Decimal | None, field: str) -> None:
    if value is not None and value < 0:
        raise InputError(f"must be >= 0, got {value}", field=field)


def _letters(value: DefaultValue) -> tuple[str, ...]:
    return tuple(value.route.split("/")) if value.route else ()


# -- functional units -----------------------------------------------------------------------


def content_factor(
    item: goods.Good,
    see_unit: str,
    clinker_content: Decimal | None,
    nitrogen_content: Decimal | None,
    supplier_content: Decimal | None,
) -> tuple[Decimal | None, AuditStep | None]:
    """Tonnes of goods per functional unit: SEE per FU x factor = SEE per t of goods.

    IR 2025/2547 Art. 4(4)-(5) and Annex III Eq. 64 (``SEE x CK``, CK in t clinker per t of
    goods), Eqs. 65-66 (``SEE x N``, N in kg N per t of goods = 1000 x the nitrogen share). The
    line's content (per consignment) wins over the supplier's per-product content. Missing
    clinker content: 1, the upper bound (conservative, said). Missing nitrogen content: None --
    no bound short of pure nitrogen exists, so the actual value cannot be converted and the
    default value applies (IR 2025/2547 Annex II E(3), incomplete data).

    >>> content_factor(goods.good("25232900"), "t clinker contained", Decimal("0.7"), None,
    ...                None)[0]
    Decimal('0.7')
    >>> content_factor(goods.good("31021012"), "kg N contained", None, Decimal("0.46"), None)[0]
    Decimal('460.00')
    """
    if see_unit == goods.UNIT_TONNE:
        return ONE, None
    rule = "IR 2025/2547 Art. 4(4)-(5), Annex III Eqs. 64-66"
    if see_unit == goods.UNIT_CLINKER:
        share = clinker_content if clinker_content is not None else supplier_content
        note = (
            "the line's clinker content"
            if clinker_content is not None
            else "the supplier's clinker content for the CN code"
        )
        if share is None:
            share, note = ONE, "no clinker content given: 1 t clinker per t of goods, the upper "
            note += "bound (conservative); give clinker_content"
        return share, AuditStep(
            quantity="t clinker per t of goods", value=share, rule=rule + " (Eq. 64)", note=note
        )
    share = nitrogen_content if nitrogen_content is not None else supplier_content
    if share is None:
        return None, None
    factor = share * 1000
    return factor, AuditStep(
        quantity="kg N per t of goods",
        value=factor,
        rule=rule + " (Eqs. 65-66)",
        note=f"nitrogen share {share} x 1000 kg/t",
    )


# -- SEE --------------------------------------------------------------------------------------


def _actual_see(
    item: goods.Good,
    country: str,
    route: str | None,
    see_direct: Decimal,
    see_indirect: Decimal | None,
    see_definitive: Decimal | None,
    factor: Decimal,
    source: str,
) -> _See:
    """The supplier's actual SEE per tonne of goods (Reg. (EU) 2023/956 Art. 7(2)(a), Annex IV
    pt 2-3; IR 2025/2547 Eqs. 64-66 with ``factor``).

    Indirect emissions count only for goods outside Annex II (Art. 7(1)); ``see_definitive``,
    from the installation engine, already applies IR 2025/2547 Annex I pt 3.1 to precursors.
    """
    category = item.category
    direct = see_direct * factor
    indirect = (see_indirect or ZERO) * factor
    see_used = direct + (ZERO if category.direct_only else indirect)
    if see_definitive is not None:
        see_used = see_definitive * factor
    step = AuditStep(
        quantity="SEE used",
        value=see_used,
        rule="Reg. (EU) 2023/956 Art. 7(2)(a), Annex IV pt 2-3 (actual emissions)",
        source=source,
        note=f"{category.name} is an Annex II good: direct emissions only (Art. 7(1))"
        if category.direct_only
        else None,
    )
    indirect_out = None if see_indirect is None else indirect
    return _See("actual", country, route, direct, indirect_out, ZERO, see_used, (step,))


def _default_see(item: goods.Good, value: DefaultValue, year: int) -> _See:
    """The default value marked up for ``year`` (IR 2025/2621 Art. 1, Annex I; III: electricity).

    Annex II goods are charged their direct default value (indirect emissions do not count,
    Reg. (EU) 2023/956 Art. 7(1)); the mark-up applies to the total (IR 2025/2621 Annex I). The
    value is per tonne of goods for every good, cement and fertilisers included: Reg. (EU)
    2023/956 Annex IV pt 1(c) and Art. 6(2)(b) (docs/methodology.md, functional units).
    """
    markup = value.markup(year)
    see_used = _base(item, value) * (ONE + markup)
    electricity = item.category.sector is Sector.ELECTRICITY
    counted = not item.category.direct_only
    steps = (
        AuditStep(
            quantity="default value (total)" if counted else "default value (direct)",
            value=_base(item, value),
            rule="IR 2025/2621 Art. 1(4), Annex III"
            if electricity
            else "IR 2025/2621 Art. 1(1), Annex I",
            source=f"{value.dataset.label}, {value.location}",
            note=value.fallback,
        ),
        AuditStep(
            quantity="SEE used",
            value=see_used,
            rule=MARKUP_SOURCE,
            note=f"mark-up {markup * 100:f}% for {year}".replace(".00%", "%"),
        ),
    )
    return _See(
        "default",
        value.country_used,
        value.route,
        value.direct,
        value.indirect,
        markup,
        see_used,
        steps,
    )


def _base(item: goods.Good, value: DefaultValue) -> Decimal:
    """The published default counted: the total, or the direct value of an Annex II good."""
    if item.category.direct_only:
        return value.direct or value.total
    return value.total


# -- benchmarks -------------------------------------------------------------------------------


def _clinker_share(item: goods.Good, clinker_content: Decimal | None) -> AuditStep | None:
    """The clinker content the Column B benchmark of a cement counts for (per t of goods).

    IR 2025/2547 Art. 4(5) makes the tonne of clinker contained the functional unit of 2523 21
    00, 29 00 and 90 00; Column B of these codes is the clinker benchmark itself (Column A is
    0), so the benchmark is per tonne of clinker: BM per t of goods = CK x BM. Without the
    line's clinker content the free allocation is 0, the conservative assumption (docs/
    methodology.md, functional units).
    """
    if item.cn not in _CLINKER_GOODS:
        return None
    if clinker_content is not None:
        return AuditStep(
            quantity="t clinker per t of goods",
            value=clinker_content,
            rule="IR 2025/2547 Art. 4(5); IR 2025/2620 Annex pt 4",
            note="the line's clinker content: the cement benchmark counts per t of clinker",
        )
    return AuditStep(
        quantity="t clinker per t of goods",
        value=ZERO,
        rule="IR 2025/2547 Art. 4(5); IR 2025/2620 Annex pt 4",
        note=NO_CLINKER_NOTE,
    )


def _provisional(year: int) -> str | None:
    return PROVISIONAL_NOTE if year > FIRST_YEAR else None


def _default_benchmark(
    item: goods.Good, choice: RouteChoice, year: int, clinker_content: Decimal | None
) -> _Bench:
    """Column B of the chosen route, per tonne of goods (IR 2025/2620 Annex pt 4)."""
    step = _column_value(item.cn, "B", year, choice.route)
    value = step.value
    assert isinstance(value, Decimal)
    steps = [
        step.model_copy(update={"note": _join(step.note, choice.note, _provisional(year))}),
        AuditStep(quantity="route basis", value=choice.basis, rule="IR 2025/2621 Annex I"),
    ]
    share = _clinker_share(item, clinker_content)
    if share is not None:
        assert isinstance(share.value, Decimal)
        value *= share.value
        steps.append(share)
    return _Bench(value, "B", choice, tuple(steps))


def _actual_benchmark(
    item: goods.Good,
    supplier_route: str | None,
    line_route: str | None,
    precursors: Decimal | None,
    factor: Decimal,
    year: int,
    note: str | None,
) -> _Bench:
    """Column A of the route plus the precursors' benchmarks (IR 2025/2620 Annex pt 3.1, 3.3
    Eq. 4), per tonne of goods; the precursors' share, per functional unit, times ``factor``."""
    choice = actual_route(item.cn, supplier_route, line_route, _routes(item.cn, "A", year))
    step = _column_value(item.cn, "A", year, choice.route)
    own = step.value
    assert isinstance(own, Decimal)
    steps = [
        step.model_copy(update={"note": _join(step.note, choice.note, _provisional(year))}),
        AuditStep(quantity="route basis", value=choice.basis, rule="IR 2025/2620 Annex pt 3.1"),
    ]
    total = own
    if precursors:
        total = own + precursors * factor
        per = "" if factor == ONE else f" x {factor} functional units per t of goods"
        steps.append(
            AuditStep(
                quantity="benchmark of actual data",
                value=total,
                rule="IR 2025/2620 Annex pt 3.3 Eq. 4: Column A + sum m_i x BM_i",
                note=_join(f"Column A {own} + precursors {precursors}{per}", note),
            )
        )
    elif note:
        steps.append(AuditStep(quantity="benchmark of actual data", value=total, note=note))
    return _Bench(total, "A", choice, tuple(steps))


def _join(*notes: str | None) -> str | None:
    text = "; ".join(n for n in notes if n)
    return text or None


def _precursors_matter(item: goods.Good, year: int) -> bool:
    """True where Column B (with precursors) differs from Column A (without): the precursors'
    free allocation counts, so Column A alone would drop it (Q&A §3.9: equal for simple goods)."""
    from cbam.reference.benchmarks import benchmark_options

    column_a = {(b.route, b.value) for b in benchmark_options(item.cn, "A", year=year)}
    column_b = {(b.route, b.value) for b in benchmark_options(item.cn, "B", year=year)}
    return column_a != column_b


# -- the good ---------------------------------------------------------------------------------


def _choose_default(
    item: goods.Good,
    country: str,
    line_route: str | None,
    year: int,
    table: DefaultValueTable | None,
    allocation_factor: Decimal,
) -> tuple[DefaultValue, RouteChoice]:
    """The default-value row and its Column B route (rules of :mod:`cbam.reference.routes`).

    Where a country has rows by route (grey (A) and white (B) clinker, IR 2025/2621 Annex I):
    the row of the line's route, else the row that gives the most certificates per tonne
    (conservative), said in the note.
    """
    values = _default_values(item.cn, country, table)
    if item.sector is Sector.ELECTRICITY:
        return values[0], RouteChoice(None, "none")
    options = _routes(item.cn, "B", year)
    pairs = [(v, default_route(item.cn, _letters(v), line_route, options)) for v in values]
    if len(pairs) == 1:
        return pairs[0]
    for value, choice in pairs:
        if line_route is not None and line_route in _letters(value):
            return value, RouteChoice(choice.route, "line", choice.note)

    def certificates(pair: tuple[DefaultValue, RouteChoice]) -> Decimal:
        value, choice = pair
        bench = _column_value(item.cn, "B", year, choice.route).value
        assert isinstance(bench, Decimal)
        return _base(item, value) * (ONE + value.markup(year)) - allocation_factor * bench

    value, choice = max(pairs, key=certificates)
    listed = ", ".join(f"({'/'.join(_letters(v))}) {v.description} {v.total}" for v, _ in pairs)
    note = (
        f"CN {format_cn(item.cn)} has default values by production route ({listed}) and no route "
        f"is known: ({'/'.join(_letters(value))}) gives the most certificates per tonne"
    )
    return value, RouteChoice(choice.route, "lowest", _join(note, choice.note))


def choose_default(
    cn: str | int,
    country: str,
    year: int,
    *,
    route: str | None = None,
    cscf: Decimal = ONE,
    defaults_table: DefaultValueTable | None = None,
) -> tuple[DefaultValue, RouteChoice]:
    """The default-value row a line takes and the Column B route of its benchmark.

    The rules :func:`value_good` applies (IR 2025/2621 Annex I; IR 2025/2620 Annex pt 4;
    :mod:`cbam.reference.routes`), for ``cbam defaults``: never an error for a route question.

    >>> value, choice = choose_default("72251990", "CN", 2026)
    >>> value.route, choice.route, choice.basis
    ('F', 'C', 'family')
    """
    item = goods.good(cn)
    line_route = route_letter(route) if route else None
    allocation = cbam_factor(year) * cscf
    return _choose_default(
        item, check_origin(country), line_route, year, defaults_table, allocation
    )


def _electricity_bench() -> _Bench:
    step = AuditStep(
        quantity="benchmark",
        value=ZERO,
        rule="IR 2025/2620 Art. 1(2); Q&A §3.8",
        note="electricity receives no free allocation adjustment",
    )
    return _Bench(ZERO, "none", RouteChoice(None, "none"), (step,))


def value_good(
    cn: str | int,
    country: str,
    year: int,
    *,
    route: str | None = None,
    see_direct: Decimal | None = None,
    see_indirect: Decimal | None = None,
    see_definitive: Decimal | None = None,
    benchmark_a: Decimal | None = None,
    supplier: SupplierValue | None = None,
    clinker_content: Decimal | None = None,
    nitrogen_content: Decimal | None = None,
    cscf: Decimal = Decimal(1),
    defaults_table: DefaultValueTable | None = None,
) -> Valuation:
    """The valuation of one tonne of a good imported in ``year`` (IR 2025/2620; IR 2025/2621).

    SEFA = CBAM_y x CSCF_y x BM (IR 2025/2620 Annex pt 3.1 and 4, via
    :func:`cbam.declaration.certificates.specific_free_allocation`).

    Parameters
    ----------
    cn : str or int
        CN code of the good (any accepted spelling).
    country : str
        Country of origin, ISO 3166-1 alpha-2 (not an EU or Annex III exempt country).
    year : int
        Import year (2026 onwards).
    route : str, optional
        The customs line's production-route letter (``"A"`` ... ``"L"``): it overrides the
        supplier's route and decides where the default-value row does not
        (:mod:`cbam.reference.routes`).
    see_direct, see_indirect : Decimal, optional
        Actual SEE given directly, t CO2e per t (per MWh); with them the basis is "actual".
    see_definitive : Decimal, optional
        The SEE counted in the definitive period from the installation engine, t CO2e per t.
    benchmark_a : Decimal, optional
        Benchmark for actual data: Column A plus precursors (Annex pt 3.3 Eq. 4), t CO2e per t.
    supplier : SupplierValue, optional
        The supplier's actual values (SEE, route, precursors' benchmark, functional unit);
        the caller has established they may be used (:mod:`cbam.declaration.eligibility`).
    clinker_content, nitrogen_content : Decimal, optional
        The consignment's clinker or nitrogen share (0-1) (IR 2025/2547 Eqs. 64-66).
    cscf : Decimal, default 1
        Cross-sectoral correction factor (Directive 2003/87/EC Art. 10a(5)).
    defaults_table : DefaultValueTable, optional
        A newer default-value workbook (:func:`cbam.load_defaults_workbook`).

    Returns
    -------
    Valuation
        SEE used and SEFA in t CO2e per t with the audit trail of both.

    Raises
    ------
    InputError
        A negative figure, an indirect SEE without the direct one, actual values of a good made
        from precursors without ``benchmark_a`` or a ``supplier``, a malformed route; also
        NotCbamOriginError, NotACbamGoodError, UnknownCountryError.
    """
    for given, name in ((see_direct, "see_direct"), (see_indirect, "see_indirect"), (cscf, "cscf")):
        _non_negative(given, name)
    item = goods.good(cn)
    country = check_origin(country)
    factor = cbam_factor(year)
    line_route = route_letter(route) if route else None
    if see_direct is None and see_indirect is not None:
        raise InputError(
            "an actual indirect SEE needs the actual direct SEE too", field="see_direct"
        )
    if supplier is not None and see_direct is not None:
        raise InputError("give the supplier's values or see_direct, not both", field="see_direct")
    see: _See | None = None
    bench: _Bench | None = None
    extra: tuple[AuditStep, ...] = ()
    fallback: str | None = None
    if supplier is not None:
        see, bench, extra, fallback = _supplier_values(
            item, country, supplier, line_route, clinker_content, nitrogen_content, year
        )
    elif see_direct is not None:
        source = "actual values given by the user (supplier's verified data)"
        see = _actual_see(
            item, country, line_route, see_direct, see_indirect, see_definitive, ONE, source
        )
        bench = _given_bench(item, benchmark_a, line_route, year)
    if see is None or bench is None:
        allocation = factor * cscf
        value, choice = _choose_default(item, country, line_route, year, defaults_table, allocation)
        see = _default_see(item, value, year)
        bench = (
            _electricity_bench()
            if item.sector is Sector.ELECTRICITY
            else _default_benchmark(item, choice, year, clinker_content)
        )
    return _valuation(item, country, year, factor, cscf, see, bench, extra, fallback)


def _supplier_values(
    item: goods.Good,
    country: str,
    supplier: SupplierValue,
    line_route: str | None,
    clinker_content: Decimal | None,
    nitrogen_content: Decimal | None,
    year: int,
) -> tuple[_See | None, _Bench | None, tuple[AuditStep, ...], str | None]:
    """SEE and benchmark of a supplier's actual values per tonne of goods (IR 2025/2547 Eqs.
    64-66); (None, None, steps, "content-missing") where they cannot be converted."""
    content = supplier.contents.get(item.cn)
    scale, fu_step = content_factor(
        item, supplier.see_unit, clinker_content, nitrogen_content, content
    )
    if scale is None:
        step = AuditStep(
            quantity="basis",
            value="default",
            rule="IR 2025/2547 Art. 4(4), Annex III Eqs. 65-66; Annex II E(3)",
            note=f"{supplier.source} gives the SEE per kg of nitrogen and neither the line nor "
            "the supplier gives the nitrogen content: the default value applies",
        )
        return None, None, (step,), "content-missing"
    see = _actual_see(
        item,
        country,
        line_route or supplier.route,
        supplier.see_direct,
        supplier.see_indirect,
        supplier.see_total_definitive,
        scale,
        f"actual values of installation {supplier.installation_id} ({supplier.source})",
    )
    bench = _supplier_bench(item, supplier, line_route, scale, year)
    return see, bench, (fu_step,) if fu_step else (), None


def _supplier_bench(
    item: goods.Good,
    supplier: SupplierValue,
    line_route: str | None,
    scale: Decimal,
    year: int,
) -> _Bench:
    """The benchmark of a supplier's actual values: the full one if given, else Column A of the
    route plus the precursors' (IR 2025/2620 Annex pt 3.1, 3.3 Eq. 4)."""
    if item.sector is Sector.ELECTRICITY:
        return _electricity_bench()
    if supplier.benchmark_a is not None:
        return _user_bench(supplier.benchmark_a, f"given with {supplier.source}")
    note = supplier.benchmark_note
    if supplier.precursor_benchmark is None and _precursors_matter(item, year):
        note = _join(
            note,
            f"{supplier.source} gives no precursors' benchmark: Column A alone, without the "
            "precursors' free allocation (conservative)",
        )
    return _actual_benchmark(
        item, supplier.route, line_route, supplier.precursor_benchmark, scale, year, note
    )


def _given_bench(
    item: goods.Good, benchmark_a: Decimal | None, line_route: str | None, year: int
) -> _Bench:
    """The benchmark of actual values given directly: ``benchmark_a``, else Column A where the
    precursors do not count; refused where they do (never Column A alone silently)."""
    if item.sector is Sector.ELECTRICITY:
        return _electricity_bench()
    if benchmark_a is not None:
        return _user_bench(benchmark_a, "given by the user")
    if _precursors_matter(item, year):
        raise InputError(
            f"CN {format_cn(item.cn)} is made from precursors whose free allocation counts "
            "(IR 2025/2620 Annex pt 3.3 Eq. 4; its Column B differs from Column A, Q&A §3.9): "
            "with actual values give the installation file (cbam cost --installation FILE "
            "[--process ID]) or the benchmark for actual data (--benchmark-a)",
            field="benchmark_a",
        )
    return _actual_benchmark(item, None, line_route, None, ONE, year, None)


def _user_bench(value: Decimal, source: str) -> _Bench:
    step = AuditStep(
        quantity="benchmark",
        value=value,
        rule="IR 2025/2620 Annex pt 3.1 and 3.3 (Column A plus precursors)",
        source=source,
    )
    return _Bench(value, "user", RouteChoice(None, "single"), (step,))


def _valuation(
    item: goods.Good,
    country: str,
    year: int,
    factor: Decimal,
    cscf: Decimal,
    see: _See,
    bench: _Bench,
    extra: tuple[AuditStep, ...],
    fallback: str | None,
) -> Valuation:
    sefa = cert.specific_free_allocation(bench.value, factor, cscf)
    audit = (
        *extra,
        *see.steps,
        *bench.steps,
        AuditStep(quantity=f"CBAM factor {year}", value=factor, rule=CBAM_FACTOR_SOURCE),
        AuditStep(
            quantity="CSCF",
            value=cscf,
            rule="Directive 2003/87/EC Art. 10a(5)",
            note=CSCF_NOTE if cscf == 1 else "given by the user",
        ),
        AuditStep(
            quantity="SEFA",
            value=sefa,
            rule="IR 2025/2620 Annex pt 3.1 and 4: CBAM factor x CSCF x benchmark (t CO2e/t)",
        ),
    )
    return Valuation(
        cn=item.cn,
        country=country,
        year=year,
        basis=see.basis,
        country_used=see.country_used,
        route=bench.choice.route or see.route,
        see_direct=see.see_direct,
        see_indirect=see.see_indirect,
        indirect_counted=not item.category.direct_only,
        markup=see.markup,
        see_used=see.see_used,
        benchmark=bench.value,
        benchmark_column=bench.column,
        cbam_factor=factor,
        cscf=cscf,
        sefa=sefa,
        audit=audit,
        route_basis=bench.choice.basis,
        fallback_reason=fallback,
    )


def unvalued(cn: str, country: str, year: int, rule: str, reason: str) -> Valuation:
    """The valuation of goods whose embedded emissions the law sets to zero or does not ask for.

    Returned goods are declared with 'zero' embedded emissions (Reg. (EU) 2023/956 Art. 6(5));
    goods not released for free circulation carry no obligation (Art. 3(4)). Their SEE, benchmark
    and specific free allocation are zero and the basis is ``"none"``; the CN code must still be
    a CBAM good and, for returned goods, the origin a CBAM origin.

    >>> v = unvalued("73181542", "CN", 2026, "returned goods", "UCC Art. 203")
    >>> v.basis, v.see_used, v.sefa, v.route_basis
    ('none', Decimal('0'), Decimal('0'), 'none')
    """
    item = goods.good(cn)
    if rule != "not imported":
        country = check_origin(country)
    step = AuditStep(quantity="SEE used", value=ZERO, rule=rule, note=reason)
    return Valuation(
        cn=item.cn,
        country=country,
        year=year,
        basis="none",
        country_used=country,
        route=None,
        see_direct=None,
        see_indirect=None,
        indirect_counted=not item.category.direct_only,
        markup=ZERO,
        see_used=ZERO,
        benchmark=ZERO,
        benchmark_column="none",
        cbam_factor=cbam_factor(year),
        cscf=Decimal(1),
        sefa=ZERO,
        audit=(step,),
    )
