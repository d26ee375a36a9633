"""Reading numbers out of the Commission's workbooks and legal texts without losing a digit.

The workbooks store numbers as IEEE doubles; the value the Commission typed is the shortest
decimal that round-trips to that double, which is what ``repr`` gives. Text placeholders
("–", "_", "N/A", "see below", blanks) mean *no value*, never zero.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

#: Cell texts that mean "no value" in the default-value and benchmark workbooks.
NO_VALUE_TEXTS: frozenset[str] = frozenset(
    {"", "-", "–", "—", "_", "n/a", "na", "see below", "\xa0", "none"}
)

_ROUTE = re.compile(r"\(([A-L]|[12])\)")


def is_no_value(value: object) -> bool:
    """True for a blank cell or one of the placeholders meaning "no value"."""
    if value is None:
        return True
    return isinstance(value, str) and value.strip().casefold() in NO_VALUE_TEXTS


def to_decimal(value: object) -> Decimal | None:
    """The exact decimal a cell (or a legal-text token) holds, or None for "no value".

    Floats go through ``repr`` (shortest round-trip form) so ``0.1`` stays ``0.1``; text
    numbers may use a decimal comma as the Official Journal prints them ("0,605").
    Raises ``ValueError`` for text that is neither a number nor a known placeholder.
    """
    if is_no_value(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip().replace("\xa0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


SPREADSHEET_DIGITS = 15
"""Significant digits a spreadsheet program holds and shows of a number (Excel's precision)."""


def spreadsheet_decimal(value: object) -> Decimal | None:
    """:func:`to_decimal` for a cell a spreadsheet program typed or computed: a double keeps its
    15 significant digits.

    A formula's stored result is the double of binary arithmetic, whose shortest form can carry
    noise (``0.20355398249999998`` for 0.2035539825, ``3337.9500000000003`` for 3337.95); no
    spreadsheet program holds more than 15 significant digits of a number, so the 16th and 17th
    are noise and are dropped. A number typed with 15 digits or fewer keeps every digit.

    >>> spreadsheet_decimal(0.20355398249999998), spreadsheet_decimal(3337.9500000000003)
    (Decimal('0.2035539825'), Decimal('3337.95'))
    >>> spreadsheet_decimal(1.5389760645578654), spreadsheet_decimal("0,5")
    (Decimal('1.53897606455787'), Decimal('0.5'))
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return Decimal(f"{value:.{SPREADSHEET_DIGITS}g}")
    return to_decimal(value)


def route_indicators(value: object) -> tuple[str, ...]:
    """The production-route indicators in a cell: ``"(F)(1)"`` -> ``("F", "1")``.

    Letters (A)...(L) name the production route of IR 2025/2621 Annex IV's legend; (1) and (2)
    name the benchmark period (production years 2026-27 and 2028-30) of IR 2025/2620.
    """
    if value is None:
        return ()
    return tuple(_ROUTE.findall(str(value)))
