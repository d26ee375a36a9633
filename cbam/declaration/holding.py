"""Certificates to hold at the end of each quarter (Reg. (EU) 2023/956 Art. 22(2)).

Art. 22(2) as replaced by Reg. (EU) 2025/2083: from 2027 an authorised declarant holds, at the
end of each quarter, certificates for at least 50 % of the embedded emissions of the goods
imported since the beginning of the calendar year, determined with default values without the
mark-up (point (a)), taking the free allocation adjustment into account. No certificates are
sold before 1 February 2027, so the 2026 share is zero (:func:`cbam.rules.quarterly_holding_share`).

>>> from decimal import Decimal
>>> sums = [Decimal(n) for n in (100, 40, 0, 0, 10, 4, 0, 0)]
>>> [q.certificates_to_hold for q in quarterly_holding(2027, [sums], exempt=False)]
[Decimal('30.00'), Decimal('30.00'), Decimal('33.00'), Decimal('33.00')]
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from cbam.declaration.model import QuarterHolding
from cbam.rules import quarterly_holding_share

ZERO = Decimal(0)

#: Per good, quarters 1-4 in turn: embedded emissions at the holding SEE, free allocation.
QuarterSums = Sequence[Decimal]


def quarterly_holding(
    year: int, goods: Sequence[QuarterSums], *, exempt: bool
) -> tuple[QuarterHolding, ...]:
    """The certificates to hold at the end of each quarter of ``year`` (Art. 22(2)).

    Parameters
    ----------
    year : int
        The import year.
    goods : sequence of per-good quarter sums
        For each good and quarter: embedded emissions at the SEE the holding rule takes (t CO2e)
        and free allocation (t CO2e) of the quarter's lines.
    exempt : bool
        The importer stayed within the de minimis threshold (Art. 2a): nothing to hold.

    Returns
    -------
    tuple of QuarterHolding
        For each quarter: year-to-date emissions and allocation, the share and the
        certificates to hold, max(0, emissions - allocation) x share.
    """
    share = quarterly_holding_share(year)
    out = []
    embedded = allocation = ZERO
    for quarter in range(4):
        for sums in goods:
            embedded += sums[2 * quarter]
            allocation += sums[2 * quarter + 1]
        due = ZERO if exempt else max(ZERO, embedded - allocation) * share
        out.append(
            QuarterHolding(
                quarter=f"{year}Q{quarter + 1}",
                embedded_emissions_without_markup_to_date=embedded,
                free_allocation_to_date=allocation,
                share=share,
                certificates_to_hold=due,
            )
        )
    return tuple(out)
