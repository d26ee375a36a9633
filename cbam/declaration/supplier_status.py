"""Which suppliers answered a data request, and how much of the year their data cover.

Built on :mod:`cbam.declaration.supplier_plan`: the year's lines assessed at default values and
with the supplier files at hand (the eligibility rules of :mod:`cbam.declaration.eligibility`
applied: reporting period, IR 2025/2547 Art. 7; verification, Reg. (EU) 2023/956 Art. 8). A
line is *covered* when it uses verified actual values of its reporting period; coverage is the
share of net mass (t) and of embedded emissions (t CO2e) on such lines. What a supplier still
owes is said in words, from the engine's own reasons (``basis_reason``).

>>> Coverage.empty().net_mass_share
Decimal('0')
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cbam import goods as catalogue
from cbam.codes import format_cn
from cbam.declaration.certificates import round_figure
from cbam.declaration.model import Assessment, GoodResult
from cbam.declaration.supplier_plan import SupplierPlan, SupplierTally
from cbam.values import EXACT

ZERO = Decimal(0)
FileState = Literal["values", "blank", "unreadable"]
State = Literal["usable", "partial", "not-usable", "blank", "unreadable", "no-answer", "unknown"]


class AnswerFile(BaseModel):
    """One file of the suppliers folder: whose answer it is, and what it gives.

    Attributes
    ----------
    file : str
        The file name.
    key : str or None
        The supplier it answers (None: it matches no supplier of the customs lines).
    matched_by : str or None
        ``request`` (the template's CBAM_Request sheet), ``installation_id`` or ``name``.
    state : str
        ``values`` (actual values computed), ``blank`` (no production process filled in) or
        ``unreadable`` (the reason says why).
    installation_id, installation_name : str or None
        The installation the file describes.
    reporting_period : str or None
        ``2026-01-01 to 2026-12-31``.
    verification : str or None
        Why the values are not verified, or ``verified``.
    cn_codes : tuple of str
        The CN codes the file gives values for.
    reason : str or None
        Why an unreadable file could not be read (file, cell, field, reason).

    Examples
    --------
    >>> AnswerFile(file="tw.json", key="TW-1", state="values").state
    'values'
    """

    model_config = ConfigDict(frozen=True)

    file: str
    key: str | None = None
    matched_by: str | None = None
    state: FileState
    installation_id: str | None = None
    installation_name: str | None = None
    reporting_period: str | None = None
    verification: str | None = None
    cn_codes: tuple[str, ...] = ()
    reason: str | None = None


class Coverage(BaseModel):
    """How much of the year's imports usable actual data cover.

    Attributes
    ----------
    net_mass, net_mass_covered : Decimal
        Net mass of goods (t, electricity apart), all and on lines with usable actual data.
    net_mass_share : Decimal
        Their ratio (0-1).
    net_mass_answered, net_mass_answered_share : Decimal
        Net mass (t) on lines a supplier file gives values for, usable or not, and its share.
    embedded_emissions, embedded_emissions_covered : Decimal
        Embedded emissions as assessed now (t CO2e), all and on covered lines.
    embedded_emissions_share : Decimal
        Their ratio (0-1).
    certificates_default, certificates_now, certificates_saved : Decimal
        Certificates (t CO2e) at default values, now, and the difference.
    cost_default_eur, cost_now_eur, cost_saved_eur : Decimal
        The same in EUR.
    suppliers, suppliers_answered, suppliers_covered : int
        Named suppliers, those with a file, those whose every line is covered.

    Examples
    --------
    >>> Coverage.empty().suppliers
    0
    """

    model_config = ConfigDict(frozen=True)

    net_mass: Decimal
    net_mass_covered: Decimal
    net_mass_share: Decimal
    net_mass_answered: Decimal
    net_mass_answered_share: Decimal
    embedded_emissions: Decimal
    embedded_emissions_covered: Decimal
    embedded_emissions_share: Decimal
    certificates_default: Decimal
    certificates_now: Decimal
    certificates_saved: Decimal
    cost_default_eur: Decimal
    cost_now_eur: Decimal
    cost_saved_eur: Decimal
    suppliers: int
    suppliers_answered: int
    suppliers_covered: int

    @classmethod
    def empty(cls) -> Coverage:
        """Coverage of nothing."""
        zero = {name: ZERO for name, info in cls.model_fields.items() if info.annotation is Decimal}
        return cls(**zero, suppliers=0, suppliers_answered=0, suppliers_covered=0)


class SupplierStatusRow(BaseModel):
    """One supplier: answered or not, covered lines, savings so far, and what is missing.

    Attributes
    ----------
    rank : int
        Its rank by cost at default values.
    key, kind : str
        The supplier and how it is known.
    state : str
        ``usable`` (every line covered), ``partial``, ``not-usable`` (an answer that covers no
        line), ``blank`` (the template came back empty), ``unreadable``, ``no-answer``, or
        ``unknown`` (lines that name no supplier).
    files : tuple of str
        Its files in the suppliers folder.
    lines, lines_covered, lines_answered : int
        Customs lines, those with usable actual data, those a file gives values for.
    net_mass, net_mass_covered, net_mass_answered : Decimal
        Net mass (t), all, covered and answered.
    embedded_emissions, embedded_emissions_covered : Decimal
        Embedded emissions as assessed now (t CO2e), all and covered.
    certificates_default, certificates_now, certificates_saved, cost_saved_eur : Decimal
        Certificates (t CO2e) at default values, now, saved; EUR saved.
    basis_reasons : dict of str to int
        Lines per reason for their basis (:data:`cbam.declaration.eligibility.BASIS_REASONS`).
    missing : tuple of str
        What is still missing, in words.

    Examples
    --------
    >>> SupplierStatusRow(rank=1, key="TW-1", kind="installation", state="no-answer").state
    'no-answer'
    """

    model_config = ConfigDict(frozen=True)

    rank: int
    key: str
    kind: str
    state: State
    files: tuple[str, ...] = ()
    lines: int = 0
    lines_covered: int = 0
    lines_answered: int = 0
    net_mass: Decimal = ZERO
    net_mass_covered: Decimal = ZERO
    net_mass_answered: Decimal = ZERO
    embedded_emissions: Decimal = ZERO
    embedded_emissions_covered: Decimal = ZERO
    certificates_default: Decimal = ZERO
    certificates_now: Decimal = ZERO
    certificates_saved: Decimal = ZERO
    cost_saved_eur: Decimal = ZERO
    basis_reasons: dict[str, int] = {}
    missing: tuple[str, ...] = ()


class SupplierStatus(BaseModel):
    """Who answered, and the coverage of the year by usable actual data (``cbam suppliers
    status``).

    Attributes
    ----------
    year : int
        The import year.
    coverage : Coverage
        Net mass (t) and embedded emissions (t CO2e) covered; certificates and EUR saved.
    suppliers : tuple of SupplierStatusRow
        By rank (cost at default values, highest first).
    files : tuple of AnswerFile
        Every file of the suppliers folder, matched or not.
    notes : tuple of str
        What the figures rest on.

    Examples
    --------
    >>> SupplierStatus(year=2026, coverage=Coverage.empty(), suppliers=()).summary()["suppliers"]
    []
    """

    model_config = ConfigDict(frozen=True)

    year: int
    coverage: Coverage
    suppliers: tuple[SupplierStatusRow, ...]
    files: tuple[AnswerFile, ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self) -> dict[str, object]:
        """The ``cbam suppliers status --json`` document (interfaces.md section 2)."""
        return {
            "year": self.year,
            "coverage": self.coverage.model_dump(),
            "suppliers": [row.model_dump() for row in self.suppliers],
            "files": [f.model_dump() for f in self.files],
            "notes": list(self.notes),
        }


def _covered(good: GoodResult) -> bool:
    """A good on usable actual data: actual basis, verified, not an estimate."""
    return good.basis == "actual" and not good.estimate


#: Reasons of lines no supplier file gives a value for.
_UNANSWERED = frozenset({"no-installation", "no-supplier-data", "no-value-for-cn"})


def _answered(good: GoodResult) -> bool:
    """A good a supplier file gives values for (usable or not: period, verification)."""
    return good.basis == "actual" or (good.basis_reason or "") not in _UNANSWERED


def _reason_text(good: GoodResult) -> str:
    """The engine's own words for why a good has its basis (the audit's basis step)."""
    for step in good.audit:
        if step.quantity == "basis" and step.note:
            return step.note
    return good.basis_reason or good.basis


def _missing(goods: list[GoodResult], answers: list[AnswerFile]) -> list[str]:
    """What a supplier still owes, in words: one sentence per reason, with lines and mass."""
    out: list[str] = []
    if not answers:
        out.append("no answer yet: send the request (cbam suppliers request) or remind")
    for answer in answers:
        if answer.state == "blank":
            out.append(f"{answer.file} came back blank: no production process is filled in")
        elif answer.state == "unreadable":
            out.append(f"{answer.file} cannot be used: {answer.reason}")
    if not answers:
        return out
    grouped: dict[str, list[GoodResult]] = {}
    for good in goods:
        if not _covered(good):
            grouped.setdefault(_reason_text(good), []).append(good)
    for text, group in grouped.items():
        lines = sum(g.lines for g in group)
        mass = sum((g.net_mass for g in group), ZERO)
        codes = ", ".join(sorted({format_cn(g.cn) for g in group}))
        out.append(f"{text} (CN {codes}: {lines} line(s), {mass} t)")
    return out


def _state(answers: list[AnswerFile], lines: int, covered: int) -> State:
    if any(a.state == "values" for a in answers):
        if covered == lines:
            return "usable"
        return "partial" if covered else "not-usable"
    if any(a.state == "unreadable" for a in answers):
        return "unreadable"
    if answers:
        return "blank"
    return "no-answer"


def _status_row(
    rank: int, key: str, kind: str, goods: list[GoodResult], answers: list[AnswerFile]
) -> SupplierStatusRow:
    covered = [g for g in goods if _covered(g)]
    answered = [g for g in goods if _answered(g)]
    with localcontext(EXACT):

        def mass(of: list[GoodResult]) -> Decimal:
            return sum((g.net_mass for g in of if not catalogue.is_electricity(g.cn)), ZERO)

        reasons: dict[str, int] = {}
        for good in goods:
            code = good.basis_reason or good.basis
            reasons[code] = reasons.get(code, 0) + good.lines
        lines = sum(g.lines for g in goods)
        lines_covered = sum(g.lines for g in covered)
        state = _state(answers, lines, lines_covered) if kind != "unknown" else "unknown"
        missing = (
            _missing(goods, answers)
            if kind != "unknown"
            else [
                "the lines name no supplier: give installation_id or supplier in the customs file"
            ]
        )
        return SupplierStatusRow(
            rank=rank,
            key=key,
            kind=kind,
            state=state,
            files=tuple(a.file for a in answers),
            lines=lines,
            lines_covered=lines_covered,
            lines_answered=sum(g.lines for g in answered),
            net_mass=mass(goods),
            net_mass_covered=mass(covered),
            net_mass_answered=mass(answered),
            embedded_emissions=sum((g.embedded_emissions for g in goods), ZERO),
            embedded_emissions_covered=sum((g.embedded_emissions for g in covered), ZERO),
            certificates_now=sum((g.certificates for g in goods), ZERO),
            basis_reasons=dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
            missing=tuple(missing),
        )


def _share(part: Decimal, whole: Decimal) -> Decimal:
    """A share 0-1 to 6 decimals (a ratio for reading; the parts stay exact)."""
    return round_figure(part / whole) if whole else ZERO


def build_status(
    plan: SupplierPlan, tally: SupplierTally, now: Assessment, answers: list[AnswerFile]
) -> SupplierStatus:
    """Who answered, what their files cover, and the coverage of the year.

    Parameters
    ----------
    plan : SupplierPlan
        The suppliers ranked, with their certificates at default values and now (t CO2e).
    tally : SupplierTally
        The lines per supplier.
    now : Assessment
        The lines assessed with the supplier files at hand (eligibility rules applied).
    answers : list of AnswerFile
        The files of the suppliers folder, matched to suppliers.

    Returns
    -------
    SupplierStatus
        Coverage of net mass (t) and embedded emissions (t CO2e); savings in t CO2e and EUR.

    Examples
    --------
    >>> import cbam
    >>> from decimal import Decimal
    >>> from cbam.declaration.supplier_plan import build_plan
    >>> tally = SupplierTally(2026)
    >>> lines = [tally.add(cbam.ImportLine(row=2, cn="72081000", country="TR",
    ...     net_mass=Decimal(100), year=2026, quarter=1, supplier="Izmir Steel"))]
    >>> result = cbam.assess(lines, 2026)
    >>> status = build_status(build_plan(tally, result, result), tally, result, [])
    >>> status.suppliers[0].state, status.coverage.net_mass_share
    ('no-answer', Decimal('0.000000'))
    """
    goods: dict[str, list[GoodResult]] = {}
    for good in now.goods:
        goods.setdefault(tally.key_of(good), []).append(good)
    by_key: dict[str, list[AnswerFile]] = {}
    for answer in answers:
        if answer.key is not None:
            by_key.setdefault(answer.key, []).append(answer)
    rows = []
    for row in plan.suppliers:
        status = _status_row(
            row.rank, row.key, row.kind, goods.get(row.key, []), by_key.get(row.key, [])
        )
        with localcontext(EXACT):
            saved = row.certificates_default - row.certificates_now
            rows.append(
                status.model_copy(
                    update={
                        "certificates_default": row.certificates_default,
                        "certificates_saved": saved,
                        "cost_saved_eur": row.cost_default_eur - row.cost_now_eur,
                    }
                )
            )
    return SupplierStatus(
        year=plan.year,
        coverage=_coverage(plan, rows),
        suppliers=tuple(rows),
        files=tuple(answers),
        notes=tuple(n for n in plan.notes),
    )


def _coverage(plan: SupplierPlan, rows: list[SupplierStatusRow]) -> Coverage:
    with localcontext(EXACT):
        totals = plan.totals()
        mass = sum((r.net_mass for r in rows), ZERO)
        mass_covered = sum((r.net_mass_covered for r in rows), ZERO)
        mass_answered = sum((r.net_mass_answered for r in rows), ZERO)
        embedded = sum((r.embedded_emissions for r in rows), ZERO)
        embedded_covered = sum((r.embedded_emissions_covered for r in rows), ZERO)
        named = [r for r in rows if r.kind != "unknown"]
        return Coverage(
            net_mass=mass,
            net_mass_covered=mass_covered,
            net_mass_share=_share(mass_covered, mass),
            net_mass_answered=mass_answered,
            net_mass_answered_share=_share(mass_answered, mass),
            embedded_emissions=embedded,
            embedded_emissions_covered=embedded_covered,
            embedded_emissions_share=_share(embedded_covered, embedded),
            certificates_default=totals["certificates_default"],
            certificates_now=totals["certificates_now"],
            certificates_saved=totals["certificates_default"] - totals["certificates_now"],
            cost_default_eur=totals["cost_default_eur"],
            cost_now_eur=totals["cost_now_eur"],
            cost_saved_eur=totals["cost_default_eur"] - totals["cost_now_eur"],
            suppliers=len(named),
            suppliers_answered=sum(1 for r in named if r.files),
            suppliers_covered=sum(1 for r in named if r.state == "usable"),
        )


__all__ = [
    "AnswerFile",
    "Coverage",
    "SupplierStatus",
    "SupplierStatusRow",
    "build_status",
]
