"""Carbon price paid abroad (Reg. (EU) 2023/956 Art. 9): euro amount, certificates, cap."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from cbam.declaration.carbon_price import (
    CarbonPriceClaim,
    DefaultCarbonPrices,
    ExchangeRates,
    certificates_for_price,
    euro_amount,
    reduction_cap,
)
from cbam.errors import InputError

D = Decimal


def claim(**kw: object) -> CarbonPriceClaim:
    values: dict[str, object] = {
        "amount": D("1560000"),
        "currency": "KRW",
        "year": 2026,
        "evidence": "K-ETS surrender statement",
        "certifier": "Independent Verifier Ltd",
        **kw,
    }
    return CarbonPriceClaim.model_validate(values)


def test_korean_won_net_of_rebate_at_the_yearly_rate() -> None:
    # 1,560,000 KRW paid, 260,000 KRW rebated, 1,500 KRW per EUR -> EUR 866.666...;
    # at EUR 80 per certificate: 10.8333... certificates (Art. 9(1), 9(5)).
    rates = ExchangeRates({("KRW", 2026): D(1500)})
    eur = euro_amount(claim(rebate=D(260000)), rates)
    assert eur == (D(1560000) - D(260000)) / D(1500)
    assert certificates_for_price(eur, D(80)) == eur / D(80)


def test_rebate_above_the_amount_leaves_nothing() -> None:
    assert euro_amount(claim(currency="EUR", amount=D(5), rebate=D(9)), ExchangeRates()) == 0


def test_missing_rate_names_currency_and_year() -> None:
    with pytest.raises(InputError, match="no yearly average exchange rate for KRW in 2026"):
        euro_amount(claim(), ExchangeRates())


def test_the_reduction_never_exceeds_the_goods_certificates() -> None:
    assert reduction_cap(D(12), D(10)) == D(10)
    assert reduction_cap(D(3), D(10)) == D(3)
    assert reduction_cap(D(3), D(-1)) == D(0)


def test_claims_need_evidence_and_a_certifier() -> None:
    with pytest.raises(ValidationError):
        claim(certifier="")
    with pytest.raises(ValidationError):
        claim(currency="euro")
    with pytest.raises(ValidationError):
        claim(amount=D(-1))


def test_reference_price_must_be_positive() -> None:
    with pytest.raises(InputError):
        certificates_for_price(D(1), D(0))


def test_tables_from_csv(tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,year,per_eur,source\nKRW,2026,1500.5,ECB\ncny,2026,7.81,ECB\n")
    table = ExchangeRates.from_csv(rates)
    assert table.per_eur("CNY", 2026) == D("7.81") and table.per_eur("KRW", 2026) == D("1500.5")
    prices = tmp_path / "defaults.csv"
    prices.write_text("country,year,price_eur\nKR,2027,9.50\n")
    assert DefaultCarbonPrices.from_csv(prices).price("KR", 2027) == D("9.50")
    with pytest.raises(InputError, match="no default carbon price for CN in 2027"):
        DefaultCarbonPrices.from_csv(prices).price("CN", 2027)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("currency,year\nKRW,2026\n", "the columns"),
        ("currency,year,per_eur\nKRWX,2026,1\n", "row 2"),
        ("currency,year,per_eur\nKRW,26,1\n", "row 2"),
        ("currency,year,per_eur\nKRW,2026,0\n", "row 2"),
        ("currency,year,per_eur\nKRW,2026,1\nKRW,2026,2\n", "row 3"),
    ],
)
def test_bad_rate_tables(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=where):
        ExchangeRates.from_csv(path)
