"""What one tonne of a good embeds and is allocated in an import year: its valuation.

A good's valuation -- the SEE it is charged with, its specific free allocation (SEFA) and the
audit trail of both -- depends on its CN code, origin, production route, the supplier's actual
values (if any) and the import year, never on a mass or a line. It is computed once per good and
year and reused for every line of the good and for every good that shares it; this module is
where the importer wing does its per-good work.

* SEE: the supplier's verified actual value (Reg. (EU) 2023/956 Art. 7(2)(a), Annex IV), else the
  default value of IR 2025/2621 marked up for the year (Annex I; Annex III for electricity).
* SEFA = CBAM_y x CSCF_y x BM (IR 2025/2620 Annex pt 3.1 and 4): Column A (plus the precursors'
  benchmarks, Eq. 4) for actual data, Column B of the default value's route for default values;
  zero for electricity (IR 2025/2620 Art. 1(2); Q&A §3.8).

>>> v = value_good("25231000", "CN", 2026, route="A")
>>> v.basis, v.see_used, v.benchmark, v.sefa
('default', Decimal('1.5290'), Decimal('0.666'), Decimal('0.649350'))
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from cbam import goods
from cbam.codes import check_origin
from cbam.declaration import certificates as cert
from cbam.declaration.audit import AuditStep
from cbam.errors import InputError
from cbam.rules import CBAM_FACTOR_SOURCE, MARKUP_SOURCE, Sector, cbam_factor

if TYPE_CHECKING:
    from cbam.reference.benchmarks import Benchmark
    from cbam.reference.defaults import DefaultValue, DefaultValueTable

ZERO = Decimal(0)
Basis = Literal["actual", "default"]
Column = Literal["A", "B", "none", "user"]

CSCF_NOTE = (
    "cross-sectoral correction factor taken as given (default 1): its value for 2026 onwards "
    "is not in the sources available to this release"
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
        Production route of the default-value row or the benchmark.
    see_direct, see_indirect : Decimal or None
        The SEE channels of the value used, t CO2e per t (default values: as published).
    indirect_counted : bool
        False for Reg. (EU) 2023/956 Annex II goods (direct emissions only, Art. 7(1)).
    markup : Decimal
        Mark-up of the year on the default value (IR 2025/2621 Annex I); 0 for actual data.
    see_used : Decimal
        The SEE every tonne is charged with, t CO2e per t (per MWh for electricity).
    benchmark : Decimal
        Benchmark used, t CO2e per t (IR 2025/2620 Annex).
    benchmark_column : {"A", "B", "none", "user"}
        Column A (actual), B (default), none (electricity) or given by the user.
    cbam_factor, cscf : Decimal
        CBAM factor of the year (Directive 2003/87/EC Art. 10a(1a)) and cross-sectoral
        correction factor.
    sefa : Decimal
        Specific free allocation, t CO2e per t: cbam_factor x cscf x benchmark.
    audit : tuple of AuditStep
        How each per-tonne figure was obtained: rule, dataset with version, note.
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


@lru_cache(maxsize=65536)
def _default_value(
    cn: str, country: str, route: str | None, table: DefaultValueTable | None
) -> DefaultValue:
    """:func:`cbam.default_value`, looked up once per good (the answer does not change)."""
    from cbam.reference import default_value

    return default_value(cn, country, route=route, table=table)


@lru_cache(maxsize=65536)
def _column_benchmark(cn: str, column: Column, year: int, route: str | None) -> Benchmark:
    """:func:`cbam.benchmark`, looked up once per good, column and year."""
    from cbam.reference import benchmark

    return benchmark(cn, column, year=year, route=route)


def _non_negative(value: Decimal | None, field: str) -> None:
    if value is not None and value < 0:
        raise InputError(f"must be >= 0, got {value}", field=field)


def _actual_see(
    item: goods.Good,
    country: str,
    route: str | None,
    see_direct: Decimal,
    see_indirect: Decimal | None,
    see_definitive: Decimal | None,
) -> _See:
    """The supplier's actual SEE (Reg. (EU) 2023/956 Art. 7(2)(a), Annex IV pt 2-3).

    Indirect emissions count only for goods outside Annex II (Art. 7(1)); ``see_definitive``,
    from the installation engine, already applies IR 2025/2547 Annex I pt 3.1 to precursors.
    """
    category = item.category
    indirect = see_indirect or ZERO
    see_used = see_direct + (ZERO if category.direct_only else indirect)
    if see_definitive is not None:
        see_used = see_definitive
    step = AuditStep(
        quantity="SEE used",
        value=see_used,
        rule="Reg. (EU) 2023/956 Art. 7(2)(a), Annex IV pt 2-3 (actual emissions)",
        source="actual values given by the user (supplier's verified data)",
        note=f"{category.name} is an Annex II good: direct emissions only (Art. 7(1))"
        if category.direct_only
        else None,
    )
    return _See("actual", country, route, see_direct, see_indirect, ZERO, see_used, (step,))


def _default_see(
    item: goods.Good,
    country: str,
    route: str | None,
    year: int,
    table: DefaultValueTable | None,
) -> _See:
    """The default value marked up for ``year`` (IR 2025/2621 Art. 1, Annex I; III: electricity).

    Annex II goods are charged their direct default value (indirect emissions do not count,
    Reg. (EU) 2023/956 Art. 7(1)); the mark-up applies to the total (IR 2025/2621 Annex I).
    """
    value = _default_value(item.cn, country, route, table)
    markup = value.markup(year)
    counted = not item.category.direct_only
    base = value.total if counted else (value.direct or value.total)
    see_used = base * (Decimal(1) + markup)
    electricity = item.category.sector is Sector.ELECTRICITY
    steps = (
        AuditStep(
            quantity="default value (total)" if counted else "default value (direct)",
            value=base,
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


def _benchmark(
    item: goods.Good, see: _See, year: int, benchmark_a: Decimal | None
) -> tuple[Decimal, Column, AuditStep]:
    """The benchmark of IR 2025/2620 Annex: Column A (actual), B (default), none (electricity)."""
    if item.category.sector is Sector.ELECTRICITY:
        return (
            ZERO,
            "none",
            AuditStep(
                quantity="benchmark",
                value=ZERO,
                rule="IR 2025/2620 Art. 1(2); Q&A §3.8",
                note="electricity receives no free allocation adjustment",
            ),
        )
    if see.basis == "actual" and benchmark_a is not None:
        return (
            benchmark_a,
            "user",
            AuditStep(
                quantity="benchmark",
                value=benchmark_a,
                rule="IR 2025/2620 Annex pt 3.1 and 3.3 (Column A plus precursors)",
                source="given by the user",
            ),
        )
    column: Column = "A" if see.basis == "actual" else "B"
    found = _column_benchmark(item.cn, column, year, see.route)
    return (
        found.value,
        column,
        AuditStep(
            quantity="benchmark",
            value=found.value,
            rule="IR 2025/2620 Annex pt 3.1 (Column A, actual data)"
            if column == "A"
            else "IR 2025/2620 Annex pt 4 (Column B, default values)",
            source=f"{found.dataset.label}, {found.location}",
            # "route (C) as requested" tells nothing the route column does not.
            note=None if (found.note or "").endswith("as requested") else found.note,
        ),
    )


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
        Production-route indicator (``"A"`` ... ``"L"``).
    see_direct, see_indirect : Decimal, optional
        The supplier's verified actual SEE, t CO2e per t (per MWh); with them the basis is
        "actual", without them "default".
    see_definitive : Decimal, optional
        The SEE counted in the definitive period from the installation engine, t CO2e per t.
    benchmark_a : Decimal, optional
        Benchmark for actual data: Column A plus the precursors' (IR 2025/2620 Annex pt 3.3
        Eq. 4), t CO2e per t.
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
        A negative figure, an actual indirect SEE without the direct one, or a CN code with
        several routes and no ``route``; :class:`~cbam.errors.NotCbamOriginError` for an EU or
        exempt origin; :class:`~cbam.errors.NotACbamGoodError`,
        :class:`~cbam.errors.UnknownCountryError`.
    """
    _non_negative(see_direct, "see_direct")
    _non_negative(see_indirect, "see_indirect")
    _non_negative(cscf, "cscf")
    item = goods.good(cn)
    country = check_origin(country)
    factor = cbam_factor(year)
    if see_direct is None and see_indirect is not None:
        raise InputError(
            "an actual indirect SEE needs the actual direct SEE too", field="see_direct"
        )
    if see_direct is not None:
        see = _actual_see(item, country, route, see_direct, see_indirect, see_definitive)
    else:
        see = _default_see(item, country, route, year, defaults_table)
    bm, column, bm_step = _benchmark(item, see, year, benchmark_a)
    sefa = cert.specific_free_allocation(bm, factor, cscf)
    audit = (
        *see.steps,
        bm_step,
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
        route=see.route,
        see_direct=see.see_direct,
        see_indirect=see.see_indirect,
        indirect_counted=not item.category.direct_only,
        markup=see.markup,
        see_used=see.see_used,
        benchmark=bm,
        benchmark_column=column,
        cbam_factor=factor,
        cscf=cscf,
        sefa=sefa,
        audit=audit,
    )
