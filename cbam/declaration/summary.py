"""What the engine tells at the end: the goods' results, totals, counts and notes.

Small functions over the goods' final states (:class:`cbam.declaration.state.GoodState`) that
:meth:`cbam.declaration.engine.Engine.finish` puts together into the
:class:`~cbam.declaration.model.Assessment`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache

from cbam import goods as catalogue
from cbam.declaration.audit import AuditStep
from cbam.declaration.model import GoodResult, Totals, ValuationTrail
from cbam.declaration.state import GoodState
from cbam.rules import FIRST_YEAR

ZERO = Decimal(0)


def lines_per(used: list[GoodState], of: Callable[[GoodState], str]) -> dict[str, int]:
    """Customs lines per value of ``of`` (a good's lines share it), largest first."""
    counts: dict[str, int] = {}
    for good in used:
        value = of(good)
        counts[value] = counts.get(value, 0) + good.lines
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


def rule_notes(used: list[GoodState], year: int, accept_unverified: bool) -> list[str]:
    """The assessment's notes on routes, bases, contents, estimates and provisional benchmarks."""
    from cbam.declaration.eligibility import BASIS_REASONS
    from cbam.declaration.valuation import NO_CLINKER_NOTE, PROVISIONAL_NOTE
    from cbam.reference.routes import ROUTE_BASES

    notes = []
    for code, count in lines_per(used, lambda g: g.valuation.route_basis).items():
        if code in ("two-letters", "family", "lowest"):
            notes.append(
                f"route_basis '{code}' on {count} line(s): {ROUTE_BASES[code]} (IR 2025/2620; "
                "IR 2025/2621 Annex I; see lines.csv and the audit trail)"
            )
    for code, count in lines_per(used, lambda g: g.basis_reason).items():
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


#: What each customs-procedure rule means for the lines, in the assessment's notes.
_PROCEDURE_NOTES = {
    "returned goods": "returned goods (UCC Art. 203, relief F01/F02/F03/F05): declared "
    "separately with zero embedded emissions and counted towards the 50 t (Reg. (EU) 2023/956 "
    "Art. 6(5); Q&A §7.20)",
    "not imported": "not released for free circulation (inward processing, warehousing, "
    "temporary admission, export ...): no obligation, not counted towards the 50 t, listed in "
    "lines.csv only (Reg. (EU) 2023/956 Art. 3(4); Q&A §7.5, §7.7, §7.11)",
    "inward processing": "processed products released from inward processing: the CBAM goods "
    "placed under the procedure are declared with their CN code, origin and net mass (ip_* "
    "columns), even where the products are not CBAM goods (Reg. (EU) 2023/956 Art. 6(3); "
    "Q&A §7.7)",
    "outward processing": "processed products of outward processing: Art. 6(4) counts only "
    "the emissions of the processing abroad - the values of the installation that processed "
    "the goods where its data are given, else the good's full default value (conservative: "
    "default values do not separate the processing)",
}


def procedure_notes(every: list[GoodState]) -> list[str]:
    """One note per customs-procedure rule other than a plain import, with its line count."""
    notes = []
    for rule, count in lines_per(every, lambda g: g.rule).items():
        if rule in _PROCEDURE_NOTES:
            notes.append(f"{count} line(s) of {_PROCEDURE_NOTES[rule]}")
    own = _lines_where(every, lambda g: g.rule == "inward processing" and not g.declared_cn)
    if own:
        notes.append(
            f"{own} line(s) released from inward processing without ip_* columns: the released "
            "product, a CBAM good, is declared with its own mass (give the goods placed under the "
            "procedure where they differ)"
        )
    return notes


def totals_of(goods: tuple[GoodResult, ...]) -> Totals:
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


def good_result(
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
        procedure_rule=good.rule,
        declared_cn=good.declared_cn,
    )
