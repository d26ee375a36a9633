"""Figures: the shortest form of a per-tonne factor is the same number, written the same."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given
from hypothesis import strategies as st

from cbam.jsonout import decimal_text
from cbam.values import EXACT, shortest

D = Decimal

#: Figures as the library meets them: finite, up to 30 digits, any number of trailing zeros.
figures = st.decimals(
    min_value=D("-1E+12"), max_value=D("1E+12"), allow_nan=False, allow_infinity=False, places=12
)


@given(figures)
def test_shortest_is_the_same_number_without_trailing_zeros(value: Decimal) -> None:
    short = shortest(value)
    assert short == value
    _, digits, exponent = short.as_tuple()
    assert isinstance(exponent, int) and exponent <= 0  # never 1E+3
    assert exponent == 0 or digits[-1] != 0  # no zero after the point ends it
    assert decimal_text(short) == decimal_text(value)


@given(figures, figures)
def test_products_with_the_shortest_factor_are_equal(mass: Decimal, factor: Decimal) -> None:
    """A line's product with the good's factor is the same figure (the exact context)."""
    with localcontext(EXACT):
        assert mass * shortest(factor) == mass * factor
        assert decimal_text(mass * shortest(factor)) == decimal_text(mass * factor)


def test_shortest_by_hand() -> None:
    # 6.375 x 1.10 (IR 2025/2621 mark-up 2026) and 0.975 x 0.666 (CBAM factor x Column B)
    assert str(shortest(D("6.375") * D("1.10"))) == "7.0125"
    assert str(shortest(D("0.975") * D("0.666"))) == "0.64935"
    assert [str(shortest(D(t))) for t in ("10.00", "0.000", "75.20", "12", "-0.50")] == [
        "10",
        "0",
        "75.2",
        "12",
        "-0.5",
    ]
