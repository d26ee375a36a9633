"""Whether a supplier's actual values may reach the declaration for a customs line.

Three rules, each a function citing its source; :func:`eligibility` applies them in order:

1. **Reporting period** (IR 2025/2547 Art. 7; Q&A §5.17, §5.20): goods imported in 2026 take the
   reporting period 2026, whenever they were produced; goods imported later take the calendar
   year of import, unless the line gives evidence of the production year (``production_year``,
   never before 2026: recital 24); electricity always the year of import (Art. 7(2)). Actual
   values of another reporting period, or of a period that is not one calendar year (Art. 1(5)),
   do not apply.
2. **Verification** (Reg. (EU) 2023/956 Art. 8(1) as replaced by Reg. (EU) 2025/2083 Art. 1(7);
   Annex VI pt 1(b); IR 2025/2546 Annex 1.2, 1.3, 2.6): actual values count only when an
   accredited verifier found with reasonable assurance that the report is free of material
   misstatements and non-conformities: a verification block naming the verifier, the
   accreditation, the report and the statement's date, dated after the reporting period ended,
   with the opinion "satisfactory" or "satisfactory with comments".
3. **Electricity** (Reg. (EU) 2023/956 Art. 7(3), Annex IV pt 5; IR 2025/2547 Annex II D.2.4):
   actual values only with evidence of all five cumulative criteria (a)-(e); (c), at most
   550 g CO2 of fossil origin per kWh, is checked on the value itself.

Where a rule fails the line takes the default value and ``basis_reason`` says why;
``accept_unverified`` lets rules 1 and 2 pass as an *estimate* (never rule 3, which is a
condition for any actual value of electricity, not a matter of verification).

>>> reporting_year(2026, electricity=False, production_year=2025)
2026
>>> reporting_year(2028, electricity=False, production_year=2027)
2027
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from cbam.declaration.model import SupplierValue
from cbam.rules import FIRST_YEAR

#: Every ``basis_reason`` code with its meaning (lines.csv, summary, declaration).
BASIS_REASONS: dict[str, str] = {
    "verified": "actual values of the reporting period with a satisfactory verification",
    "no-installation": "the line names no installation: default value",
    "no-supplier-data": "no supplier file for the line's installation: default value",
    "no-value-for-cn": "the installation communicated no value for the CN code: default value",
    "other-period": "the actual values are of another reporting period (IR 2025/2547 Art. 7)",
    "unverified": "the actual values have no (complete) satisfactory verification "
    "(Reg. (EU) 2023/956 Art. 8)",
    "not-satisfactory": "the verifier's opinion is 'not satisfactory' (Reg. (EU) 2023/956 "
    "Annex VI pt 1(b))",
    "electricity-criteria": "electricity without the evidence of Reg. (EU) 2023/956 Annex IV "
    "pt 5: default value",
    "content-missing": "an SEE per kg of nitrogen without the nitrogen content: default value "
    "(IR 2025/2547 Eqs. 65-66)",
    "given": "actual values given directly (cbam cost, Python API)",
    "returned-goods": "returned goods: 'zero' embedded emissions (Reg. (EU) 2023/956 Art. 6(5))",
    "not-imported": "not released for free circulation: no obligation (Reg. (EU) 2023/956 "
    "Art. 3(4))",
}

#: Opinions concluding with reasonable assurance (Reg. (EU) 2023/956 Annex VI pt 1(b)).
SATISFACTORY = frozenset({"satisfactory", "satisfactory with comments"})

#: Annex IV pt 5(c): at most 550 g CO2 of fossil origin per kWh = 0.550 t CO2 per MWh.
ELECTRICITY_LIMIT = Decimal("0.550")


class Eligibility(NamedTuple):
    """The outcome for one supplier value and line: usable, reason code and explanation.

    ``usable``: the values may be used at all (for the declaration when ``estimate`` is false,
    as an estimate when it is true).

    >>> Eligibility(True, "verified", "ok", False).usable
    True
    """

    usable: bool
    reason: str
    text: str
    estimate: bool


def reporting_year(import_year: int, *, electricity: bool, production_year: int | None) -> int:
    """The reporting period (calendar year) of goods imported in ``import_year``.

    IR 2025/2547 Art. 7(1): 2026 imports -> 2026; later imports -> the year of import unless
    there is evidence of the actual time of production; Art. 7(2): electricity -> the year of
    import. A production year before 2026 is no reporting period (recital 24): the year of import
    stays (and no actual value of that earlier year can apply).

    >>> reporting_year(2027, electricity=True, production_year=2026)
    2027
    >>> reporting_year(2027, electricity=False, production_year=None)
    2027
    """
    if electricity or import_year <= FIRST_YEAR or production_year is None:
        return import_year
    if FIRST_YEAR <= production_year <= import_year:
        return production_year
    return import_year


def period_problem(value: SupplierValue, year: int) -> str | None:
    """Why the values' reporting period is not ``year`` (IR 2025/2547 Art. 1(5), Art. 7), or None.

    >>> period_problem(SupplierValue(installation_id="X", cn_codes=("72081000",),
    ...     see_direct=Decimal(1), source="x.json"), 2026)
    'x.json gives no reporting period; actual values must be of the reporting period 2026 ...'
    """
    start, end = value.period_start, value.period_end
    if start is None or end is None:
        return (
            f"{value.source} gives no reporting period; actual values must be of the reporting "
            f"period {year} (IR 2025/2547 Art. 7)"
        )
    found = value.reporting_year
    if found is None:
        return (
            f"{value.source}: reporting period {start} to {end} is not one calendar year "
            "(IR 2025/2547 Art. 1(5))"
        )
    if found != year:
        return (
            f"{value.source}: actual values of the reporting period {found}; the line's "
            f"reporting period is {year} (IR 2025/2547 Art. 7)"
        )
    return None


def verification_problem(value: SupplierValue) -> tuple[str, str] | None:
    """Why the values are not verified, as (reason code, text), or None when they are.

    Reg. (EU) 2023/956 Art. 8(1) as replaced by Reg. (EU) 2025/2083 and Annex VI pt 1(b): the
    verifier finds with reasonable assurance that the report is free of material misstatements
    and non-conformities; IR 2025/2546 Annex 1.2 (report id), 1.3 (verifier, accreditation) and
    2.6 (statement, date). A statement dated before the reporting period ends cannot cover it.

    >>> verification_problem(SupplierValue(installation_id="X", cn_codes=("72081000",),
    ...     see_direct=Decimal(1), source="x.json"))[0]
    'unverified'
    """
    check = value.verification
    if check is None:
        return "unverified", f"{value.source} has no verification (Reg. (EU) 2023/956 Art. 8)"
    if check.opinion == "not satisfactory":
        return "not-satisfactory", (
            f"{value.source}: the verifier's opinion is 'not satisfactory' (Reg. (EU) 2023/956 "
            "Annex VI pt 1(b))"
        )
    missing = [
        name
        for name in ("verifier", "accreditation", "report", "date", "opinion")
        if getattr(check, name) in (None, "")
    ]
    if missing:
        return "unverified", (
            f"{value.source}: the verification is incomplete (no {', '.join(missing)}; IR "
            "2025/2546 Annex 1.2, 1.3, 2.6): the values count as unverified"
        )
    if check.date is not None and value.period_end is not None and check.date <= value.period_end:
        return "unverified", (
            f"{value.source}: the verification statement ({check.date}) predates the end of the "
            f"reporting period ({value.period_end}), so it cannot cover it"
        )
    return None


def electricity_problem(value: SupplierValue) -> str | None:
    """The Annex IV pt 5 criteria of Reg. (EU) 2023/956 the value lacks evidence for, or None.

    (a) PPA, (b) direct connection or no congestion, (c) at most 550 g CO2/kWh (checked on the
    SEE), (d) firm nomination, (e) verifier certification (IR 2025/2547 Annex II D.2.4).

    >>> electricity_problem(SupplierValue(installation_id="X", cn_codes=("27160000",),
    ...     see_direct=Decimal("0.3"), source="x.json"))
    'x.json: imported electricity takes actual values only where all criteria of Reg. ...'
    """
    evidence = value.electricity_evidence
    missing = []
    for letter, key in (("a", "ppa"), ("b", "connection"), ("d", "nomination")):
        if evidence is None or not getattr(evidence, key):
            missing.append(f"({letter}) {key}")
    if value.see_direct > ELECTRICITY_LIMIT:
        missing.append(f"(c) {value.see_direct} t CO2/MWh exceeds 550 g CO2/kWh")
    if evidence is None or not evidence.monthly_reports:
        missing.append("(e) monthly_reports")
    if not missing:
        return None
    return (
        f"{value.source}: imported electricity takes actual values only where all criteria of "
        f"Reg. (EU) 2023/956 Annex IV pt 5 are evidenced (Art. 7(3)); missing: "
        f"{', '.join(missing)}"
    )


def eligibility(
    value: SupplierValue, year: int, *, electricity: bool, accept_unverified: bool = False
) -> Eligibility:
    """May ``value`` be used for a line of reporting period ``year`` (see the module notes)?

    >>> e = eligibility(SupplierValue(installation_id="X", cn_codes=("72081000",),
    ...     see_direct=Decimal(1), source="x.json"), 2026, electricity=False)
    >>> e.usable, e.reason
    (False, 'other-period')
    """
    if electricity:
        problem = electricity_problem(value)
        if problem is not None:
            return Eligibility(False, "electricity-criteria", problem, False)
    period = period_problem(value, year)
    if period is not None:
        return Eligibility(accept_unverified, "other-period", period, accept_unverified)
    verification = verification_problem(value)
    if verification is not None:
        code, text = verification
        return Eligibility(accept_unverified, code, text, accept_unverified)
    check = value.verification
    assert check is not None
    return Eligibility(
        True,
        "verified",
        f"verified: opinion '{check.opinion}' of {check.verifier} (accreditation "
        f"{check.accreditation}), report {check.report} of {check.date}",
        False,
    )


__all__ = [
    "BASIS_REASONS",
    "ELECTRICITY_LIMIT",
    "SATISFACTORY",
    "Eligibility",
    "electricity_problem",
    "eligibility",
    "period_problem",
    "reporting_year",
    "verification_problem",
]
