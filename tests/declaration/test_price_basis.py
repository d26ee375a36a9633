"""Prices by purchase, not by import week (Reg. (EU) 2023/956 Art. 20(4), 21, 22)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from cbam.declaration.price_basis import (
    FlatPrice,
    ImportWeek,
    Purchase,
    QuarterOfImport,
    plan_average,
    price_basis,
    purchase_window,
    read_purchase_plan,
)
from cbam.errors import InputError
from cbam.reference.prices import PriceTable

D = Decimal


def test_2026_is_the_quarter_of_importation_whatever_is_given() -> None:
    basis = price_basis(2026, PriceTable())
    assert isinstance(basis, QuarterOfImport) and "Art. 21(1a)" in basis.label
    assert basis.price(2026, 1, dt.date(2026, 2, 3)).value == D("75.36")
    assert basis.price(2026, 2, None).value == D("75.28")
    q4 = basis.price(2026, 4, None)
    assert q4.assumption and q4.period == "2026Q4"
    with pytest.raises(InputError, match=r"Art\. 21\(1a\)"):
        price_basis(2026, PriceTable(), flat=D(80))


def test_flat_price_from_2027() -> None:
    basis = price_basis(2027, PriceTable(), flat=D("90.5"))
    assert isinstance(basis, FlatPrice)
    price = basis.price(2027, 3, dt.date(2027, 8, 2))
    assert price.value == D("90.5") and not price.assumption
    assert "flat price of EUR 90.5" in price.source


def test_price_path_mean_over_the_purchase_window() -> None:
    # Prices for 2027 Q1-Q4 and 2028 Q1-Q3 are inside the window (1 Jan 2027 - 30 Sep 2028);
    # 2028 Q4 is not.
    table = PriceTable(
        {"2027Q1": D(80), "2027Q2": D(82), "2027Q3": D(84), "2027Q4": D(86),
         "2028Q1": D(88), "2028Q2": D(90), "2028Q3": D(92), "2028Q4": D(200)}
    )  # fmt: skip
    assert purchase_window(2027) == (dt.date(2027, 1, 1), dt.date(2028, 9, 30))
    basis = price_basis(2027, table, path=True)
    assert basis.price(2027, 1, None).value == (80 + 82 + 84 + 86 + 88 + 90 + 92) / D(7)
    assert "mean of the 7 prices" in basis.label


def test_purchase_plan_weighted_by_certificates() -> None:
    # 600 certificates at the week price 85 (2027-W13), 400 at an agreed 95 -> 89 on average.
    table = PriceTable({"2027-W13": D(85)})
    plan = [
        Purchase(dt.date(2027, 3, 31), D(600)),
        Purchase(dt.date(2028, 9, 1), D(400), D(95)),
    ]
    average = plan_average(plan, table, 2027)
    assert average.value == (D(600) * 85 + D(400) * 95) / 1000 == D(89)
    assert "1000 certificates" in average.label
    with pytest.raises(InputError, match="outside"):
        plan_average([Purchase(dt.date(2029, 1, 2), D(1), D(1))], table, 2027)


def test_import_week_is_only_an_approximation() -> None:
    basis = price_basis(2027, PriceTable({"2027-W05": D(70)}), import_week=True)
    assert isinstance(basis, ImportWeek) and "approximation" in basis.label
    assert basis.price(2027, 1, dt.date(2027, 2, 1)).value == D(70)


def test_nothing_given_is_an_assumption_that_says_so() -> None:
    basis = price_basis(2028, PriceTable())
    price = basis.price(2028, 1, None)
    assert price.assumption and "assumed" in basis.label


def test_purchase_plan_file(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("date,certificates,price_eur\n2027-03-31,600,\n2028-09-01,400,95\n")
    assert read_purchase_plan(path) == [
        Purchase(dt.date(2027, 3, 31), D(600), None),
        Purchase(dt.date(2028, 9, 1), D(400), D(95)),
    ]
    path.write_text("date,certificates\n2027-13-01,5\n")
    with pytest.raises(InputError, match="row 2") as caught:
        read_purchase_plan(path)
    assert caught.value.field == "date"
