"""Exact JSON numbers."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cbam.declaration.audit import AuditStep
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


# Values json.dumps writes as our dumps does: texts, whole numbers, flags, null, arrays, objects.
_SCALARS = st.none() | st.booleans() | st.integers() | st.text()
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=25,
)


@given(_VALUES, st.sampled_from([None, 0, 2, 4]))
def test_layout_is_that_of_json_dumps(value: object, indent: int | None) -> None:
    """The same text as the standard library (non-ASCII kept), at any depth and indent."""
    assert dumps(value, indent=indent) == json.dumps(value, indent=indent, ensure_ascii=False)


def test_a_generator_is_written_item_by_item_as_an_array() -> None:
    value = {"goods": ({"n": i} for i in range(3)), "empty": (i for i in ())}
    expected = {"goods": [{"n": 0}, {"n": 1}, {"n": 2}], "empty": []}
    assert dumps(value) == json.dumps(expected, indent=2)


def test_a_shared_frozen_model_is_written_alike_wherever_it_is() -> None:
    """The text of a frozen model is reused only at the same depth (its indent differs)."""
    step = AuditStep(quantity="basis", value=Decimal("1.50"), note="shared")
    twin = AuditStep(quantity="basis", value=Decimal("1.50"), note="shared")
    shared = {"a": [step, step], "b": {"deeper": [step]}, "c": step}
    separate = {"a": [step, twin], "b": {"deeper": [twin]}, "c": twin}
    assert dumps(shared) == dumps(separate)
    assert json.loads(dumps(shared))["b"]["deeper"][0] == {
        "quantity": "basis",
        "value": 1.5,
        "rule": None,
        "source": None,
        "note": "shared",
    }
