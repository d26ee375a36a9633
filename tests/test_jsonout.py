"""Exact JSON numbers."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cbam.jsonout import dumps


def test_decimals_are_numbers_with_all_digits() -> None:
    text = dumps({"a": Decimal("1.5290"), "b": Decimal("4.4535581926"), "c": [Decimal("1E+3")]})
    assert json.loads(text) == {"a": 1.529, "b": 4.4535581926, "c": [1000]}
    assert '"b": 4.4535581926' in text and '"a": 1.529' in text


@given(st.decimals(allow_nan=False, allow_infinity=False, places=12))
def test_round_trip_through_decimal_parser(value: Decimal) -> None:
    parsed = json.loads(dumps({"v": value}), parse_float=Decimal, parse_int=Decimal)
    assert parsed["v"] == value


def test_strings_that_look_like_markers_stay_strings() -> None:
    assert json.loads(dumps({"s": "dec:1.5"})) == {"s": "dec:1.5"}
