"""A good's running state in the engine, and the one definition of a line's columns.

:class:`GoodState` holds what is computed once per good (its valuation, its supplier match) and
the exact running sums of its lines; :func:`line_values` is the one definition of the columns of
a line (``lines.csv``, and through :func:`line_result` the models the sink of
:func:`cbam.assess` receives).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from cbam import goods as catalogue
from cbam.declaration import certificates as cert
from cbam.declaration.matching import Match
from cbam.declaration.model import LineResult
from cbam.declaration.pricing import Period
from cbam.declaration.valuation import Valuation
from cbam.rules import DE_MINIMIS_EXCLUDED_SECTORS
from cbam.values import shortest

ZERO = Decimal(0)

Variant = tuple[int | None, Decimal | None, Decimal | None] | None
"""(reporting year of actual values, clinker content, nitrogen content) where they matter."""

Treatment = tuple[str, str | None] | None
"""What the customs procedure makes of a good (:mod:`cbam.declaration.procedures`): None for
an ordinary import, else (rule, CN code of the processed product declared when the good was
placed under inward processing, or None)."""

GoodKey = tuple[str, str, str | None, str | None, Variant, Treatment]
"""(CN code, origin, route, installation id, variant, treatment): what makes a good."""


class GoodState:
    """One good of the assessment: its valuation and the exact running sums of its lines.

    A line without a carbon price deduction adds only its net mass, to the mass of its pricing
    period in :attr:`plain`; :meth:`settle` turns each period's mass into its figures by the
    good's own formulas. The sums are the same, exactly: every such line has the good's SEE,
    SEFA and price, and a mass of at least zero, so its certificates are its mass times
    max(0, SEE - SEFA), and the certificates of the period's mass are the sum of the lines'.
    Lines with a deduction add their own figures (:meth:`add_figures`). Read the sums after
    :meth:`settle` (the engine settles its goods in ``part()`` and ``finish()``).
    """

    __slots__ = (
        "allocation",
        "always_in_scope",
        "basis_reason",
        "carbon_price",
        "category",
        "certificates",
        "cost_eur",
        "counted",
        "country",
        "declared_cn",
        "deduction",
        "embedded",
        "estimate",
        "input_mass",
        "installation_id",
        "key",
        "label",
        "lines",
        "net_mass",
        "plain",
        "quarters",
        "reason",
        "rule",
        "see",
        "sefa",
        "supplier",
        "valuation",
    )

    def __init__(self, key: GoodKey, valuation: Valuation, match: Match) -> None:
        cn, country, route, installation_id, variant, treatment = key
        category = catalogue.good(cn).category
        self.key = key
        self.rule, self.declared_cn = treatment or ("import", None)
        parts = [cn, country, route or "-", installation_id or "-", valuation.basis]
        if treatment is not None:
            parts.append(f"{self.rule} of {self.declared_cn}" if self.declared_cn else self.rule)
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
        # Goods not released for free circulation count nowhere (Art. 3(4)).
        self.counted = self.rule != "not imported"
        # Processed products of inward processing: the mass of the goods placed under the
        # procedure is the line's mass (Art. 6(3)).
        self.input_mass = self.declared_cn is not None
        # The per-tonne factors of every line, without needless trailing zeros (equal values).
        self.see = shortest(valuation.see_used)
        self.sefa = shortest(valuation.sefa)
        # A carbon price paid per tonne by the installation (Art. 9), set by the engine.
        self.carbon_price: Any = None
        self.lines = 0
        self.net_mass = self.embedded = self.allocation = ZERO
        self.deduction = self.certificates = self.cost_eur = ZERO
        # Net mass imported in quarters 1-4: the quarterly holding's basis (Art. 22(2)).
        self.quarters = [ZERO] * 4
        self.plain: dict[Period, Decimal] = {}
        """Net mass of the lines without a deduction by pricing period, not yet settled."""

    def add_figures(
        self,
        quarter: int,
        mass: Decimal,
        embedded: Decimal,
        allocation: Decimal,
        deduction: Decimal,
        due: Decimal,
        cost: Decimal,
    ) -> None:
        """Add a line's own figures (a line with a deduction; in the caller's context)."""
        self._add(mass, embedded, allocation, deduction, due, cost)
        self.quarters[quarter - 1] += mass

    def _add(self, *figures: Decimal) -> None:
        """Add net mass, emissions, allocation, deduction, certificates and cost."""
        mass, embedded, allocation, deduction, due, cost = figures
        self.net_mass += mass
        self.embedded += embedded
        self.allocation += allocation
        self.deduction += deduction
        self.certificates += due
        self.cost_eur += cost

    def settle(self) -> None:
        """Add the figures of the masses in :attr:`plain`, period by period (in the caller's
        exact context), by the functions of :mod:`cbam.declaration.certificates`: EE = M x SEE
        (Reg. (EU) 2023/956 Annex IV pt 2-3), FAA = M x SEFA (IR 2025/2620 Annex pt 2),
        N = max(0, EE - FAA) (Reg. (EU) 2023/956 Art. 9, 22, 31; Q&A §4.32), cost = N x price
        (Art. 21)."""
        for period, mass in self.plain.items():
            embedded = cert.embedded_emissions(mass, self.see)
            allocation = cert.free_allocation(mass, self.sefa)
            due = cert.certificates_due(embedded, allocation)
            self.add_figures(
                period.quarter,
                mass,
                embedded,
                allocation,
                ZERO,
                due,
                cert.cost_eur(due, period.price),
            )
        self.plain.clear()

    def sums(self) -> tuple[Any, ...]:
        """The running sums, to merge into another engine's good (:meth:`Engine.merge`); the
        good is settled first."""
        self.settle()
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

    def add_sums(self, sums: tuple[Any, ...]) -> None:
        """Add another engine's :meth:`sums` of the same good (:meth:`Engine.merge`)."""
        lines, mass, embedded, allocation, deduction, due, cost, quarters = sums
        if not self.lines:
            # Only the other engine met the good: its sums as they are. They too began at
            # ZERO, so they are the very figures ZERO + sums would give, without copies.
            self.lines, self.net_mass, self.embedded = lines, mass, embedded
            self.allocation, self.deduction, self.certificates = allocation, deduction, due
            self.cost_eur, self.quarters = cost, list(quarters)
            return
        self.lines += lines
        self._add(mass, embedded, allocation, deduction, due, cost)
        self.quarters = [a + b for a, b in zip(self.quarters, quarters, strict=True)]


def _variant_label(variant: Variant) -> list[str]:
    """``["2026", "ck=0.7"]`` for a good's label: what sets it apart beyond its key."""
    if variant is None:
        return []
    year, clinker, nitrogen = variant
    parts = [] if year is None else [f"period={year}"]
    parts += [] if clinker is None else [f"clinker={clinker}"]
    parts += [] if nitrogen is None else [f"nitrogen={nitrogen}"]
    return parts


Figures = tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]
"""A line's net mass, embedded emissions, free allocation, deduction, certificates, cost."""


def line_result(
    good: GoodState,
    period: Period,
    row: int,
    line_id: str | None,
    figures: Figures,
    exempt: bool,
) -> LineResult:
    """The one definition of a line's columns (``lines.csv``, the sink of :func:`cbam.assess`).

    ``figures``: net mass, embedded emissions, free allocation, carbon price deduction,
    certificates and cost (EUR) of the line.
    """
    return LineResult.model_construct(**line_values(good, period, row, line_id, figures, exempt))


def line_values(
    good: GoodState,
    period: Period,
    row: int,
    line_id: str | None,
    figures: Figures,
    exempt: bool,
) -> dict[str, Any]:
    """The fields of :func:`line_result` by name, without building the model (the lines.csv
    writer formats the cells a good's lines share from them once per good and period)."""
    mass, embedded, allocation, deduction, due, cost = figures
    valuation = good.valuation
    return dict(
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
        procedure_rule=good.rule,
        declared_cn=good.declared_cn,
        price_basis=period.basis,
    )


class LineWriter(Protocol):
    """A sink that takes a line in parts (the ``lines.csv`` writer), avoiding a model per line."""

    def write_line(
        self,
        good: GoodState,
        period: Period,
        row: int,
        line_id: str | None,
        figures: Figures,
        exempt: bool,
    ) -> None: ...


LineSink = Callable[[LineResult], None] | LineWriter
"""Where settled lines go: a callable taking :class:`LineResult`, or a :class:`LineWriter`."""

_Emit = Callable[[GoodState, Period, int, str | None, Figures, bool], None]


def emitter(sink: LineSink | None) -> _Emit | None:
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
