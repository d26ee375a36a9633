"""Year rules as data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cbam import rules
from cbam.errors import InputError


@pytest.mark.parametrize(
    ("year", "factor"),
    [
        (2026, "0.975"),
        (2027, "0.95"),
        (2028, "0.90"),
        (2029, "0.775"),
        (2030, "0.515"),
        (2031, "0.39"),
        (2032, "0.265"),
        (2033, "0.14"),
        (2034, "0"),
        (2040, "0"),
    ],
)
def test_cbam_factor_schedule(year: int, factor: str) -> None:
    assert rules.cbam_factor(year) == Decimal(factor)


@pytest.mark.parametrize("year", [2025, 1999, 206, 2101])
def test_years_outside_the_definitive_period_are_refused(year: int) -> None:
    with pytest.raises(InputError, match=str(year)):
        rules.cbam_factor(year)


@pytest.mark.parametrize(
    ("sector", "year", "expected"),
    [
        ("cement", 2026, "0.10"),
        ("iron_steel", 2027, "0.20"),
        ("aluminium", 2028, "0.30"),
        ("hydrogen", 2034, "0.30"),
        ("fertilisers", 2026, "0.01"),
        ("fertilisers", 2030, "0.01"),
        ("electricity", 2026, "0"),
    ],
)
def test_markups(sector: str, year: int, expected: str) -> None:
    assert rules.markup(sector, year) == Decimal(expected)


def test_marked_up_is_exact() -> None:
    assert rules.marked_up(Decimal("1.39"), rules.Sector.CEMENT, 2026) == Decimal("1.529")
    assert rules.marked_up(Decimal("4.36"), "fertilisers", 2026) == Decimal("4.4036")


def test_constants_and_dates() -> None:
    assert rules.EF_NG == Decimal("56.1")
    assert rules.WASTE_GAS_CORR == Decimal("0.667")
    assert rules.GWP == {"N2O": 265, "CF4": 6630, "C2F6": 11100}
    assert rules.DE_MINIMIS_TONNES == 50
    assert rules.DE_MINIMIS_EXCLUDED_SECTORS == {rules.Sector.HYDROGEN, rules.Sector.ELECTRICITY}
    assert rules.quarterly_holding_share(2026) == 0
    assert rules.quarterly_holding_share(2027) == Decimal("0.5")
    assert rules.declaration_deadline(2026) == dt.date(2027, 9, 30)
    assert rules.CERTIFICATE_PRICES_2026["2026Q1"] == Decimal("75.36")
