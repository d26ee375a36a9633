"""Certificate arithmetic: the certificate cases of examples.json and the rules around them."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cbam.declaration import certificates as cert
from cbam.declaration.cost import cost_line
from cbam.errors import InputError, NotACbamGoodError, UnknownCountryError
from cbam.reference.prices import PriceTable, import_period

D = Decimal


def _case(spec_dir: Path, case_id: str) -> dict[str, Any]:
    cases = json.loads((spec_dir / "examples.json").read_text())["certificate_cases"]
    return next(c for c in cases if c["id"] == case_id)


def _close(actual: Decimal, expected: float | int, rel: float = 1e-6) -> bool:
    exp = D(str(expected))
    return abs(actual - exp) <= abs(exp) * D(str(rel)) + D("1e-9")


@pytest.mark.parametrize("case_id", ["B1", "B1-2030"])
def test_b1_china_grey_clinker(spec_dir: Path, case_id: str) -> None:
    case = _case(spec_dir, case_id)
    line = cost_line(
        case["cn"],
        case["country"],
        D(case["mass_t"]),
        case["year"],
        route=case["route"],
        price=D(str(case["price_eur"])),
    )
    expected = case["expected"]
    assert line.basis == "default"
    assert _close(line.see_used, expected["see_used"])
    assert _close(line.embedded_emissions, expected["embedded_emissions"])
    assert _close(line.free_allocation, expected["free_allocation"])
    assert _close(line.certificates, expected["certificates"])
    if "cost_eur" in expected:
        assert line.summary()["cost_eur"] == D(str(expected["cost_eur"])).quantize(D("0.01"))


def test_b2_unlisted_country_takes_other_countries(spec_dir: Path) -> None:
    case = _case(spec_dir, "B2")
    # Fiji has no sheet in the default-value workbook.
    line = cost_line("72081000", "FJ", D(100), 2026, route="C", price=D("75.36"))
    expected = case["expected"]
    assert line.country_used == "OTHER"
    assert _close(line.see_used, expected["see_used"])
    assert _close(line.embedded_emissions, expected["embedded_emissions"])
    assert line.free_allocation == D("133.575")
    assert _close(line.certificates, expected["certificates"])
    assert line.summary()["cost_eur"] == D("23495.80")
    assert any(step.note and "Other countries" in step.note for step in line.audit)


def test_b4_electricity_from_turkiye(spec_dir: Path) -> None:
    case = _case(spec_dir, "B4")
    line = cost_line("27160000", "TR", D(1000), 2026, price=D("75.36"))
    assert line.see_used == D("0.718")
    assert line.markup == 0
    assert line.free_allocation == 0
    assert line.certificates == D(case["expected"]["certificates"])
    assert line.summary()["cost_eur"] == D("54108.48")


def test_b7_surplus_counts_zero_and_is_not_netted() -> None:
    # Actual DRI at 0.05 t/t against 0.975 x 0.295 of free allocation per tonne (DRI made
    # from ore without precursors: Column A 0.295 plus nothing).
    line = cost_line(
        "72031000", "IN", D(1000), 2026, see_direct=D("0.05"), benchmark_a=D("0.295"), price=D(80)
    )
    assert line.free_allocation == D(1000) * D("0.975") * D("0.295")
    assert line.certificates == 0
    assert line.summary()["cost_eur"] == 0
    assert any(s.note and "not netted" in s.note for s in line.audit)


def test_actual_values_of_annex_ii_goods_count_direct_only() -> None:
    line = cost_line(
        "73181542",
        "CN",
        D(10),
        2026,
        see_direct=D("2.0"),
        see_indirect=D("0.4"),
        benchmark_a=D("1.4"),
        price=D(70),
    )
    assert line.basis == "actual" and not line.indirect_counted
    assert line.see_used == D("2.0")
    assert line.benchmark_column == "user"


def test_actual_values_of_cement_count_indirect() -> None:
    line = cost_line(
        "25231000",
        "TR",
        D(10),
        2026,
        see_direct=D("0.8"),
        see_indirect=D("0.1"),
        price=D(70),
        route="A",
    )
    assert line.indirect_counted and line.see_used == D("0.9")


def test_error_paths() -> None:
    with pytest.raises(NotACbamGoodError):
        cost_line("72044100", "CN", D(1), 2026, price=D(1))
    with pytest.raises(UnknownCountryError):
        cost_line("72081000", "XX", D(1), 2026, price=D(1))
    with pytest.raises(InputError, match="not CBAM imports"):
        cost_line("72081000", "DE", D(1), 2026, price=D(1))
    with pytest.raises(InputError, match="mass"):
        cost_line("72081000", "CN", D(-1), 2026, price=D(1))
    with pytest.raises(InputError, match="direct"):
        cost_line("72081000", "CN", D(1), 2026, see_indirect=D(1), price=D(1))
    with pytest.raises(InputError, match="2025"):
        cost_line("72081000", "CN", D(1), 2025, price=D(1))


def test_price_fall_back_is_flagged() -> None:
    line = cost_line("25231000", "CN", D(1000), 2030, route="A")
    assert line.price_is_assumption
    assert any(s.quantity == "price" and s.note and "assumed" in s.note for s in line.audit)


def test_price_table_and_periods(tmp_path: Path) -> None:
    import datetime as dt

    assert import_period(dt.date(2026, 5, 2)) == "2026Q2"
    assert import_period(dt.date(2027, 1, 4)) == "2027-W01"
    table_file = tmp_path / "prices.csv"
    table_file.write_text("period,price_eur\n2026Q3,77.10\n2027-W05,80\n")
    table = PriceTable.from_csv(table_file)
    assert table.price("2026Q3").value == D("77.10")
    assert table.price("2026Q1").value == D("75.36")
    bad = tmp_path / "bad.csv"
    bad.write_text("period,price_eur\n2026Q9,1\n")
    with pytest.raises(InputError, match="row 2"):
        PriceTable.from_csv(bad)


@given(
    st.decimals(min_value=0, max_value=10**6, places=3),
    st.decimals(min_value=0, max_value=10**6, places=3),
)
def test_certificates_never_negative(ee: Decimal, faa: Decimal) -> None:
    assert cert.certificates_due(ee, faa) == max(D(0), ee - faa)


@given(st.decimals(min_value=0, max_value=10**5, places=4), st.integers(2, 9))
def test_linear_in_mass(mass: Decimal, k: int) -> None:
    one = cost_line("72081000", "CN", mass, 2027, route="C", price=D(80))
    many = cost_line("72081000", "CN", mass * k, 2027, route="C", price=D(80))
    assert many.certificates == one.certificates * k
