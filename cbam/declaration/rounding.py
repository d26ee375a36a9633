"""How each figure of an assessment is rounded where it is given out, field by field.

``declaration.json``, ``declaration.xml`` and ``report.xlsx`` give every figure rounded half up
by one rule per kind of quantity (the functions of :mod:`cbam.declaration.certificates`):

* emissions over the period -- the embedded emissions of a good, of the year, of the year to
  date and of each year of the trajectory -- in whole tonnes CO2e (IR 2025/2547 Annex II
  A.1(6), :func:`~cbam.declaration.certificates.round_tonnes`);
* specific embedded emissions (SEE) with at most 5 decimals (A.1(8),
  :func:`~cbam.declaration.certificates.round_see`);
* money (costs, prices) to the cent (:func:`~cbam.declaration.certificates.round_eur`);
* every other figure -- masses, MWh, free allocation, deductions, certificates, benchmarks,
  SEFA, mark-ups, factors, shares -- with at most 6 decimals, where the law sets no precision
  (:func:`~cbam.declaration.certificates.round_figure`).

The exact figures stay in the :class:`~cbam.declaration.model.Assessment` (Python), in
``lines.csv`` and in the audit trail (whose steps are never rounded). Rounded figures need not add
up to the rounded totals: each total is the exact sum, rounded once.

>>> from decimal import Decimal
>>> GOOD["embedded_emissions"](Decimal("29760.412737")), GOOD["see_used"](Decimal("1.5514"))
(Decimal('29760'), Decimal('1.55140'))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from cbam.declaration.certificates import round_eur, round_figure, round_see, round_tonnes
from cbam.declaration.model import (
    Assessment,
    DeMinimis,
    GoodResult,
    ProcedureCount,
    QuarterHolding,
    Totals,
    YearCost,
)

Rule = Callable[[Decimal], Decimal]
"""One rounding rule: an exact figure in, the figure to give out."""

GOOD: dict[str, Rule] = {
    "net_mass": round_figure,
    "see_direct": round_see,
    "see_indirect": round_see,
    "markup": round_figure,
    "see_used": round_see,
    "embedded_emissions": round_tonnes,
    "benchmark": round_figure,
    "sefa": round_figure,
    "free_allocation": round_figure,
    "carbon_price_deduction": round_figure,
    "certificates": round_figure,
    "cost_eur": round_eur,
    "certificates_default": round_figure,
}
"""The rule of each figure of a :class:`~cbam.declaration.model.GoodResult`."""

TOTALS: dict[str, Rule] = {
    "net_mass": round_figure,
    "electricity_mwh": round_figure,
    "embedded_emissions": round_tonnes,
    "free_allocation": round_figure,
    "carbon_price_deduction": round_figure,
    "certificates": round_figure,
    "cost_eur": round_eur,
}
"""The rule of each figure of :class:`~cbam.declaration.model.Totals`."""

DE_MINIMIS: dict[str, Rule] = {
    "threshold_t": round_figure,
    "net_mass_counted": round_figure,
    "net_mass_always_in_scope": round_figure,
    "electricity_mwh": round_figure,
}
"""The rule of each figure of :class:`~cbam.declaration.model.DeMinimis`."""

QUARTER: dict[str, Rule] = {
    "embedded_emissions_without_markup_to_date": round_tonnes,
    "free_allocation_to_date": round_figure,
    "share": round_figure,
    "certificates_to_hold": round_figure,
}
"""The rule of each figure of :class:`~cbam.declaration.model.QuarterHolding`."""

YEAR: dict[str, Rule] = {
    "cbam_factor": round_figure,
    "embedded_emissions": round_tonnes,
    "free_allocation": round_figure,
    "certificates": round_figure,
    "price": round_eur,
    "cost_eur": round_eur,
}
"""The rule of each figure of :class:`~cbam.declaration.model.YearCost`."""

PROCEDURE: dict[str, Rule] = {"net_mass": round_figure}
"""The rule of each figure of :class:`~cbam.declaration.model.ProcedureCount`."""

CSCF: Rule = round_figure
SCENARIO_COST: Rule = round_eur
REFERENCE_PRICE: Rule = round_eur


_PLANS: dict[tuple[type, int], tuple[tuple[str, Rule | None], ...]] = {}
#: Fields given out beside a related one rather than in model order (a field added with a
#: default must follow the required ones in the model).
_BESIDE = {"certificates_default": "certificates"}


def _plan(kind: type, rules: dict[str, Rule]) -> tuple[tuple[str, Rule | None], ...]:
    """The fields of a result type with the rule of each (None: given out as it is)."""
    found = _PLANS.get((kind, id(rules)))
    if found is None:
        names = (
            list(kind.model_fields)
            if hasattr(kind, "model_fields")
            else [f.name for f in dataclasses.fields(kind)]
        )
        for name, anchor in _BESIDE.items():
            if name in names and anchor in names:
                names.remove(name)
                names.insert(names.index(anchor) + 1, name)
        found = _PLANS[(kind, id(rules))] = tuple((name, rules.get(name)) for name in names)
    return found


def rounded_fields(value: Any, rules: dict[str, Rule]) -> dict[str, Any]:
    """The fields of a result as they are given out: figures rounded by ``rules``, the rest as is.

    >>> from decimal import Decimal
    >>> from cbam.declaration.model import YearCost
    >>> year = YearCost(year=2026, cbam_factor=Decimal("0.975"), embedded_emissions=Decimal(
    ...     "10.5"), free_allocation=Decimal(4), certificates=Decimal("6.5"), price=Decimal(
    ...     "75.318593"), price_is_assumption=True, cost_eur=Decimal("489.5708545"))
    >>> fields = rounded_fields(year, YEAR)
    >>> fields["embedded_emissions"], fields["price"], fields["cost_eur"], fields["year"]
    (Decimal('11'), Decimal('75.32'), Decimal('489.57'), 2026)
    """
    out: dict[str, Any] = {}
    for name, rule in _plan(type(value), rules):
        figure = getattr(value, name)
        out[name] = figure if rule is None or figure is None else rule(figure)
    return out


def rounded(assessment: Assessment) -> Assessment:
    """The assessment as the declaration files give it: every figure rounded by its rule.

    What :func:`~cbam.formats.declaration_files.read_declaration_json` and
    :func:`~cbam.formats.declaration_files.read_declaration_xml` return for the files written
    from ``assessment``; rounding it again changes nothing.

    >>> import cbam
    >>> result = cbam.assess(cbam.read_imports("samples/imports-2026.csv", year=2026), 2026)
    >>> result.totals.embedded_emissions, result.totals.cost_eur
    (Decimal('120638.6674080449350'), Decimal('5301198.240789324175552'))
    >>> rounded(result).totals.embedded_emissions, rounded(result).totals.cost_eur
    (Decimal('120639'), Decimal('5301198.24'))
    >>> rounded(rounded(result)) == rounded(result)
    True
    """
    return assessment.model_copy(
        update={
            "cscf": CSCF(assessment.cscf),
            "totals": Totals(**rounded_fields(assessment.totals, TOTALS)),
            "de_minimis": DeMinimis(**rounded_fields(assessment.de_minimis, DE_MINIMIS)),
            "goods": tuple(GoodResult(**rounded_fields(good, GOOD)) for good in assessment.goods),
            "quarters": tuple(
                QuarterHolding(**rounded_fields(q, QUARTER)) for q in assessment.quarters
            ),
            "trajectory": tuple(YearCost(**rounded_fields(y, YEAR)) for y in assessment.trajectory),
            "scenarios": {k: SCENARIO_COST(v) for k, v in assessment.scenarios.items()},
            "procedures": {
                rule: ProcedureCount(**rounded_fields(count, PROCEDURE))
                for rule, count in assessment.procedures.items()
            },
            "carbon_price_reference": optional(REFERENCE_PRICE, assessment.carbon_price_reference),
        }
    )


def optional(rule: Rule, value: Decimal | None) -> Decimal | None:
    """A figure that may be absent, rounded by ``rule``.

    >>> optional(REFERENCE_PRICE, Decimal("75.315")), optional(REFERENCE_PRICE, None)
    (Decimal('75.32'), None)
    """
    return None if value is None else rule(value)
