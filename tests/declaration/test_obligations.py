"""The year's obligations as the law attaches them (issue 14), with figures computed here.

Every expected figure is worked out in the test from the legal text and the official workbooks,
never from the library:

* IR 2025/2621 Annex I default values (column "total", t CO2e/t): Türkiye 7208 10 00
  2.427511737; India 7208 10 00 4.28; China 7318 15 42 6.375. Mark-up 10 % in 2026, 20 % in
  2027, 30 % from 2028 (IR 2025/2621 Art. 3-4).
* IR 2025/2620 Annex, Column B (default values), route (C): 7208 10 00 1.370; 7318 15 42
  1.364. CBAM factor (Reg. (EU) 2023/956 Art. 31): 0.975 in 2026, 0.95 in 2027, 0.90 in 2028.
* Certificate prices 2026 published by the Commission: Q1 EUR 75.36, Q2 EUR 75.28.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, localcontext

import pytest

from cbam.declaration.assess import EXACT, assess
from cbam.declaration.carbon_price import (
    CarbonPriceClaim,
    DefaultCarbonPrices,
    ExchangeRates,
    InstallationCarbonPrices,
    PaidPerTonne,
)
from cbam.declaration.holding import (
    HoldingGood,
    PreviousSurrender,
    exceeded_in,
    holding_due_by,
    quarterly_holding,
)
from cbam.declaration.model import ImportLine, LineResult, SupplierValue
from cbam.declaration.price_basis import FlatPrice, Purchase, price_basis
from cbam.declaration.year_inputs import YearInputs
from cbam.errors import InputError
from cbam.reference.prices import PriceTable
from tests.verified import VERIFIED_2026

D = Decimal

TR_7208 = D("2.427511737")  # IR 2025/2621 Annex I, Türkiye, 7208 10 00, total
IN_7208 = D("4.28")  # India, 7208 10 00
CN_7318 = D("6.375")  # China, 7318 15 42
B_7208 = D("1.370")  # IR 2025/2620 Annex, Column B, 7208 10 00, route (C)
B_7318 = D("1.364")  # Column B, 7318 15 42, route (C)
Q1_2026, Q2_2026 = D("75.36"), D("75.28")


def line(
    row: int,
    cn: str,
    country: str,
    mass: str,
    *,
    year: int = 2026,
    month: int = 2,
    procedure: str | None = "4000",
    **fields: object,
) -> ImportLine:
    return ImportLine(
        row=row,
        cn=cn,
        country=country,
        net_mass=D(mass),
        year=year,
        quarter=(month - 1) // 3 + 1,
        import_date=dt.date(year, month, 10),
        procedure=procedure,
        **fields,  # type: ignore[arg-type]
    )


def collected() -> tuple[list[LineResult], object]:
    results: list[LineResult] = []
    return results, results.append


# -- 1. customs procedures (Reg. (EU) 2023/956 Art. 6(3)-(5); Q&A §7.7, §7.11, §7.20) --------


def test_returned_goods_have_zero_emissions_but_count_towards_the_threshold() -> None:
    rows, sink = collected()
    result = assess(
        [
            line(2, "73181542", "CN", "40"),
            # Returned goods: release for free circulation (40), relief F01 (UCC Art. 203).
            line(3, "73181542", "CN", "15", procedure="6123", additional_procedure=("F01",)),
        ],
        2026,
        sink=sink,  # type: ignore[arg-type]
    )
    # 40 + 15 = 55 t > 50 t: the returned goods make the importer pass the threshold (§7.20).
    assert result.de_minimis.net_mass_counted == D(55)
    assert result.de_minimis.exempt is False
    # 40 t x (6.375 x 1.10 - 0.975 x 1.364) = 40 x (7.0125 - 1.3299) = 227.304
    assert result.totals.certificates == D("227.304")
    assert result.totals.cost_eur == D("227.304") * Q1_2026
    returned = next(g for g in result.goods if g.procedure_rule == "returned goods")
    assert (returned.embedded_emissions, returned.certificates) == (0, 0)
    assert [r.procedure_rule for r in rows] == ["import", "returned goods"]
    # Alone, the 40 t stay within the threshold.
    assert assess([line(2, "73181542", "CN", "40")], 2026).de_minimis.exempt is True


def test_goods_not_released_carry_no_obligation_and_do_not_count() -> None:
    rows, sink = collected()
    result = assess(
        [
            line(2, "72081000", "TR", "30"),
            line(3, "72081000", "TR", "30", procedure="5100"),  # placed under inward processing
        ],
        2026,
        sink=sink,  # type: ignore[arg-type]
    )
    assert result.de_minimis.net_mass_counted == D(30)
    assert result.de_minimis.exempt is True
    assert result.totals.net_mass == D(30)
    assert all(g.procedure_rule != "not imported" for g in result.goods)
    assert [r.procedure_rule for r in rows] == ["import", "not imported"]
    assert rows[1].certificates == 0


def test_inward_processing_declares_the_goods_placed_under_it() -> None:
    # 9.6 t of parts (8431 49 80, not a CBAM good) released from inward processing, made
    # from 60 t of Turkish hot-rolled steel placed under the procedure (Art. 6(3); §7.7).
    ip = line(
        2,
        "84314980",
        "TR",
        "9.6",
        procedure="4051",
        ip_cn="7208 10 00",
        ip_country="TR",
        ip_net_mass=D(60),
    )
    result = assess([ip], 2026)
    (good,) = result.goods
    assert (good.cn, good.procedure_rule, good.declared_cn) == (
        "72081000",
        "inward processing",
        "84314980",
    )
    assert good.net_mass == D(60)
    assert result.de_minimis.net_mass_counted == D(60)  # the input mass counts
    # 60 t x (2.427511737 x 1.10 - 0.975 x 1.370) = 60 x (2.6702629107 - 1.33575)
    assert result.totals.certificates == D(60) * (TR_7208 * D("1.10") - D("0.975") * B_7208)
    assert result.totals.certificates == D("80.070774642")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ip_cn": "72081000", "ip_net_mass": D(60)}, "ip_country"),
        ({"ip_cn": "72081000", "ip_country": "TR"}, "ip_net_mass"),
        ({}, "ip_cn"),  # the product is no CBAM good: the inputs must be named
    ],
)
def test_inward_processing_needs_its_inputs(fields: dict[str, object], field: str) -> None:
    bad = line(5, "84314980", "TR", "9.6", procedure="4051", **fields)
    with pytest.raises(InputError, match=rf"row 5.*{field}"):
        assess([bad], 2026)


def test_inputs_on_a_plain_release_are_refused() -> None:
    bad = line(4, "72081000", "TR", "10", ip_cn="72081000", ip_country="TR", ip_net_mass=D(1))
    with pytest.raises(InputError, match=r"row 4.*ip_"):
        assess([bad], 2026)


def test_outward_processing_takes_the_full_default_without_processing_data() -> None:
    rows, sink = collected()
    plain = assess([line(2, "73181542", "CN", "60")], 2026)
    op = assess([line(2, "73181542", "CN", "60", procedure="6121")], 2026, sink=sink)  # type: ignore[arg-type]
    # Conservative: the default value does not separate the processing abroad (Art. 6(4)).
    assert (
        op.totals.certificates
        == plain.totals.certificates
        == D(60) * (CN_7318 * D("1.10") - D("0.975") * B_7318)
    )
    assert rows[0].procedure_rule == "outward processing"
    assert any("Art. 6(4)" in note for note in op.notes)


@pytest.mark.parametrize("code", ["9999", "4", "4O00", "400000"])
def test_unknown_or_malformed_procedure_names_the_row(code: str) -> None:
    with pytest.raises(InputError, match=r"row 9.*procedure"):
        assess([line(9, "72081000", "TR", "10", procedure=code)], 2026)


# -- 3. quarterly holding (Art. 22(2) and (2a) as replaced by Reg. (EU) 2025/2083) ----------


def test_holding_uses_defaults_without_mark_up_and_is_due_after_the_quarter_passed() -> None:
    lines = [
        line(2, "72081000", "TR", "30", year=2027, month=2),
        line(3, "72081000", "TR", "30", year=2027, month=5),
    ]
    result = assess(lines, 2027)
    # 30 t in Q1, 60 t by Q2: the threshold is passed in Q2, the holding is due from the end
    # of Q3 (Art. 22(2a)).
    assert result.de_minimis.exceeded_in == "2027Q2"
    assert result.de_minimis.holding_due_by == dt.date(2027, 9, 30)
    q1, q2, q3, q4 = result.quarters
    assert q1.certificates_to_hold == q2.certificates_to_hold == 0
    # (a): 60 t x (2.427511737 - 0.95 x 1.370) x 50 % = 60 x 1.126011737 x 0.5
    expected = D(60) * (TR_7208 - D("0.95") * B_7208) * D("0.5")
    assert q3.certificates_to_hold == q4.certificates_to_hold == expected == D("33.78035211")
    assert (q3.basis, q3.due_by) == ("a", dt.date(2027, 9, 30))


def test_holding_ignores_actual_values() -> None:
    supplier = SupplierValue(
        installation_id="TR-1",
        cn_codes=("72081000",),
        see_direct=D("1.0"),
        see_total_definitive=D("1.0"),
        source="test",
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 12, 31),
        verification=VERIFIED_2026["verification"].model_copy(
            update={"date": dt.date(2028, 3, 31)}
        ),
    )
    lines = [line(2, "72081000", "TR", "100", year=2027, installation_id="TR-1")]
    result = assess(lines, 2027, suppliers=[supplier])
    assert result.goods[0].basis == "actual"
    # Basis (a) is the default value without mark-up, not the supplier's 1.0 (Art. 22(2)(a)).
    assert result.quarters[1].certificates_to_hold == D(100) * (TR_7208 - D("0.95") * B_7208) * D(
        "0.5"
    )


def test_holding_floors_each_good_at_zero() -> None:
    # Good 1: 10 t x (2 - 1) = 10; good 2: 10 t x (1 - 3) = -20, counts 0 (not -20).
    goods = [
        HoldingGood((D(10), D(0), D(0), D(0)), D(2), D(1)),
        HoldingGood((D(10), D(0), D(0), D(0)), D(1), D(3)),
    ]
    q1 = quarterly_holding(2027, goods, exceeded=0)[0]
    assert q1.certificates_to_hold == D(5)  # 50 % x 10; pooling would give 0


def test_threshold_quarter_and_due_dates() -> None:
    # 10 + 30 + 10 = 50 t is not above 50 t; the 5 t of Q4 pass it.
    assert exceeded_in([D(10), D(30), D(10), D(5)]) == 4
    assert exceeded_in([D(10), D(30), D(11), D(0)]) == 3
    assert exceeded_in([D(50), D(0), D(0), D(0)]) is None
    assert exceeded_in([D("50.001"), D(0), D(0), D(0)]) == 1
    assert holding_due_by(2027, 1) == dt.date(2027, 6, 30)
    assert holding_due_by(2027, 4) == dt.date(2028, 3, 31)
    assert holding_due_by(2027, None) is None


def test_holding_basis_b_from_the_declaration_of_two_years_before() -> None:
    # The declaration submitted in 2027 (imports of 2026): 90 certificates for 60 t.
    surrender = PreviousSurrender(2026, {("72081000", "TR"): (D(90), D(60))})
    lines = [
        line(2, "72081000", "TR", "60", year=2028, month=2),
        line(3, "72081000", "IN", "10", year=2028, month=2),
    ]
    result = assess(lines, 2028, inputs=YearInputs(previous_surrender=surrender))
    assert result.de_minimis.exceeded_in == "2028Q1"
    q2 = result.quarters[1]
    # (b) for TR: 60 t x 90/60 = 90; (a) for IN: 10 t x (4.28 - 0.90 x 1.370); x 50 %
    expected = (D(90) + D(10) * (IN_7208 - D("0.90") * B_7208)) * D("0.5")
    assert q2.certificates_to_hold == expected
    assert q2.basis == "a+b"


def test_basis_b_is_refused_for_the_wrong_year() -> None:
    lines = [line(2, "72081000", "TR", "60", year=2028)]
    stale = PreviousSurrender(2027, {("72081000", "TR"): (D(90), D(60))})
    with pytest.raises(InputError, match="2026"):
        assess(lines, 2028, inputs=YearInputs(previous_surrender=stale))
    early = PreviousSurrender(2026, {("72081000", "TR"): (D(90), D(60))})
    with pytest.raises(InputError, match="only basis \\(a\\)"):
        assess([line(2, "72081000", "TR", "60", year=2027)], 2027, inputs=YearInputs(
            previous_surrender=early))  # fmt: skip


# -- 4. carbon price paid abroad (Art. 9) --------------------------------------------------

TW_SUPPLIER = SupplierValue(
    installation_id="TW-1",
    cn_codes=("73181542",),
    see_direct=D("2.1"),
    see_total_definitive=D("2.1"),
    benchmark_a=D("1.4"),
    source="test",
    **VERIFIED_2026,
)
#: 100 t at 2.1 less 0.975 x 1.4 free allocation: 100 x (2.1 - 1.365) = 73.5 certificates.
BEFORE = D("73.5")


def test_carbon_price_in_another_currency_net_of_rebate() -> None:
    claim = CarbonPriceClaim(
        amount=D(1_000_000),
        currency="KRW",
        year=2026,
        rebate=D(100_000),
        evidence="K-ETS invoice 2026/17",
        certifier="Verifica Srl",
    )
    rates = ExchangeRates({("KRW", 2026): D(1500)})
    lines = [line(2, "73181542", "TW", "100", installation_id="TW-1", carbon_price=claim)]
    result = assess(lines, 2026, suppliers=[TW_SUPPLIER], inputs=YearInputs(exchange_rates=rates))
    # (1,000,000 - 100,000) KRW / 1,500 = EUR 600, at the highest 2026 price known (75.36).
    with localcontext(EXACT):
        reduction = D(600) / Q1_2026
        assert result.totals.carbon_price_deduction == reduction
        assert result.totals.certificates == BEFORE - reduction
    assert result.carbon_price_reference == Q1_2026


def test_carbon_price_per_installation_table() -> None:
    paid = PaidPerTonne(
        installation_id="TW-1",
        cn="73181542",
        per_tonne=D(6),
        currency="EUR",
        year=2026,
        evidence="TW ETS 2026",
        certifier="Verifica Srl",
    )
    inputs = YearInputs(carbon_prices_paid=InstallationCarbonPrices([paid]))
    lines = [line(2, "73181542", "TW", "100", installation_id="TW-1")]
    result = assess(lines, 2026, suppliers=[TW_SUPPLIER], inputs=inputs)
    with localcontext(EXACT):
        assert result.totals.certificates == BEFORE - D(600) / Q1_2026  # 100 t x EUR 6


def test_carbon_price_never_exceeds_the_certificates() -> None:
    claim = CarbonPriceClaim(
        amount=D(1_000_000), currency="EUR", year=2026, evidence="e", certifier="c"
    )
    lines = [line(2, "73181542", "TW", "100", installation_id="TW-1", carbon_price=claim)]
    result = assess(lines, 2026, suppliers=[TW_SUPPLIER])
    assert result.totals.carbon_price_deduction == BEFORE
    assert result.totals.certificates == 0


def test_default_value_line_needs_the_default_carbon_prices() -> None:
    claim = CarbonPriceClaim(amount=D(500), currency="EUR", year=2026, evidence="e", certifier="c")
    lines = [line(3, "73181542", "CN", "60", carbon_price=claim)]
    with pytest.raises(InputError, match=r"row 3.*carbon_price_paid.*Art. 9\(4\)"):
        assess(lines, 2026)
    prices = DefaultCarbonPrices({("CN", 2026): D(20)})
    result = assess(lines, 2026, inputs=YearInputs(default_carbon_prices=prices))
    # 60 t x 7.0125 = 420.75 t embedded x EUR 20 = EUR 8,415, / 75.36
    embedded = D(60) * CN_7318 * D("1.10")
    before = embedded - D(60) * D("0.975") * B_7318
    with localcontext(EXACT):
        assert result.totals.certificates == before - embedded * D(20) / Q1_2026


def test_a_bare_deduction_on_a_default_line_is_refused() -> None:
    bad = line(4, "73181542", "CN", "10", carbon_price_deduction=D(2))
    with pytest.raises(InputError, match=r"row 4.*carbon_price_deduction"):
        assess([bad], 2026)


# -- 5. prices by purchase, not by import week (Art. 20(4), 21) ----------------------------


def test_2026_lines_keep_their_quarter_price() -> None:
    rows, sink = collected()
    result = assess(
        [line(2, "72081000", "IN", "40", month=2), line(3, "72081000", "IN", "40", month=5)],
        2026,
        sink=sink,  # type: ignore[arg-type]
    )
    per_tonne = IN_7208 * D("1.10") - D("0.975") * B_7208
    assert result.totals.cost_eur == D(40) * per_tonne * (Q1_2026 + Q2_2026)
    assert {r.price_basis for r in rows} == {"quarter-of-import"}
    assert "quarter of importation" in result.price_basis


def test_2027_flat_price() -> None:
    rows, sink = collected()
    inputs = YearInputs(price_basis=FlatPrice(D(80)))
    result = assess(
        [line(2, "72081000", "IN", "100", year=2027)],
        2027,
        inputs=inputs,
        sink=sink,  # type: ignore[arg-type]
    )
    certificates = D(100) * (IN_7208 * D("1.20") - D("0.95") * B_7208)
    assert result.totals.certificates == certificates
    assert result.totals.cost_eur == certificates * 80
    assert rows[0].price_basis == "flat"
    assert result.price_basis.startswith("flat price of EUR 80")


def test_2027_purchase_plan_weighted_by_certificates() -> None:
    plan = [
        Purchase(dt.date(2027, 6, 1), D(60), D(70)),
        Purchase(dt.date(2028, 5, 2), D(40), D(90)),
    ]
    basis = price_basis(2027, PriceTable(), plan=plan)
    inputs = YearInputs(price_basis=basis)
    result = assess([line(2, "72081000", "IN", "100", year=2027)], 2027, inputs=inputs)
    # (60 x 70 + 40 x 90) / 100 = 78
    assert result.totals.cost_eur == result.totals.certificates * 78
    assert result.price_basis.startswith("average price of the purchase plan")


def test_2027_without_a_price_is_an_assumption_that_says_so() -> None:
    result = assess([line(2, "72081000", "IN", "100", year=2027)], 2027)
    assert "assumed" in result.price_basis
    assert all(year.price_basis for year in result.trajectory)


def test_a_flat_price_for_2026_is_refused() -> None:
    with pytest.raises(InputError, match=r"Art\. 21\(1a\)"):
        price_basis(2026, PriceTable(), flat=D(80))
