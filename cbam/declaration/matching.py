"""Which supplier values a customs line may use: the index of the suppliers' actual values.

A line names its producing installation (``installation_id``); the installation's values for
the line's CN code and reporting period are used only where the rules of the definitive period
allow (:mod:`cbam.declaration.eligibility`: reporting period, IR 2025/2547 Art. 7;
verification, Reg. (EU) 2023/956 Art. 8; electricity, Annex IV pt 5). Otherwise the default
value applies, and the match says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from cbam.declaration.eligibility import eligibility
from cbam.declaration.model import SupplierValue


class Match(NamedTuple):
    """A line's supplier value (or None), why, and whether using it makes an estimate.

    >>> Match(None, "no-installation", "no installation given: default value", False).reason
    'no-installation'
    """

    value: SupplierValue | None
    reason: str
    """A code of :data:`cbam.declaration.eligibility.BASIS_REASONS`."""
    text: str
    estimate: bool


class SupplierIndex:
    """Supplier values by installation id and CN code (one per reporting period).

    :meth:`match` applies the rules of :mod:`cbam.declaration.eligibility` (reporting period,
    verification, electricity criteria).

    >>> import datetime as dt
    >>> from decimal import Decimal
    >>> index = SupplierIndex([SupplierValue(installation_id="TW-1", cn_codes=("73181542",),
    ...     see_direct=Decimal("2.1"), period_start=dt.date(2026, 1, 1),
    ...     period_end=dt.date(2026, 12, 31), source="tw.json")])
    >>> index.match("TW-1", "73181542", 2026).reason
    'unverified'
    >>> index.match("TW-1", "73181542", 2026, accept_unverified=True).estimate
    True
    >>> index.match("TW-1", "73181535", 2026).text
    'the installation communicated no value for CN 73181535: default value'
    """

    def __init__(self, values: Iterable[SupplierValue] = ()) -> None:
        self._by_key: dict[tuple[str, str], list[SupplierValue]] = {}
        self._installations: set[str] = set()
        for value in values:
            self._installations.add(value.installation_id)
            for cn in value.cn_codes:
                self._by_key.setdefault((value.installation_id, cn), []).append(value)

    def find(self, installation_id: str | None, cn: str) -> tuple[SupplierValue | None, str]:
        """The first value of an installation and CN code, without the rules of the definitive
        period (the transitional report, Impl. Reg. (EU) 2023/1773), or None and why.

        >>> SupplierIndex().find(None, "72081000")
        (None, 'no installation given: default value')
        """
        if not installation_id:
            return None, "no installation given: default value"
        found = self._by_key.get((installation_id, cn))
        if found:
            return found[0], f"actual values of the installation ({found[0].source})"
        if installation_id in self._installations:
            return None, f"the installation communicated no value for CN {cn}: default value"
        # Not naming the installation: the good names it, and 100,000 installations without
        # supplier data then share one audit step.
        return None, "no supplier data for the installation: default value"

    def match(
        self,
        installation_id: str | None,
        cn: str,
        year: int,
        *,
        electricity: bool = False,
        accept_unverified: bool = False,
    ) -> Match:
        """The supplier value a line of reporting period ``year`` may use, or None and why."""
        if not installation_id:
            return Match(None, "no-installation", "no installation given: default value", False)
        found = self._by_key.get((installation_id, cn))
        if not found:
            if installation_id in self._installations:
                text = f"the installation communicated no value for CN {cn}: default value"
                return Match(None, "no-value-for-cn", text, False)
            # Not naming the installation: the good names it, and 100,000 installations without
            # supplier data then share one audit step.
            text = "no supplier data for the installation: default value"
            return Match(None, "no-supplier-data", text, False)
        # The values of the line's reporting period, else the most recent (for the reason).
        value = next(
            (v for v in found if v.reporting_year == year),
            max(found, key=lambda v: v.period_end or dt.date.min),
        )
        check = eligibility(
            value, year, electricity=electricity, accept_unverified=accept_unverified
        )
        if not check.usable:
            return Match(None, check.reason, f"{check.text}: default value", False)
        if check.estimate:
            text = f"ESTIMATE with the installation's actual values: {check.text}"
            return Match(value, check.reason, text, True)
        text = f"actual values of the installation ({value.source}); {check.text}"
        return Match(value, check.reason, text, False)

    def __len__(self) -> int:
        return len(self._installations)
