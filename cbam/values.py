"""The rules every input value passes, whichever file or function it comes through.

One place decides what a figure, a date, a year, a quarter and a text identifier may look like,
so that the customs reader, the installation and declarant files, the command line and the
Python API accept and refuse exactly the same things:

* **figures** (masses, prices, shares) in plain decimal notation only: ASCII digits with at most
  one decimal point, spaces or no-break spaces as thousands separators. No exponent (``1e3``), no
  underscores (``1_5``, which Python's Decimal would read as 15), no non-ASCII digits, no ``NaN``
  or ``Infinity``; at most :data:`MAX_DIGITS` significant digits and a magnitude between 1e-15
  and 1e15 -- anything beyond is a typing or export error, and would overflow or bloat the
  outputs;
* **dates** exactly ISO 8601 ``YYYY-MM-DD`` (``2026-03-0155`` is not cut to ``2026-03-01``);
  **years** four ASCII digits (``2026.7`` is refused), **quarters** 1-4 or Q1-Q4;
* **texts** without control characters (a workbook or XML file cannot hold most of them), and
  **identifiers and names** that do not begin with ``=``, ``+``, ``-`` or ``@`` (a spreadsheet
  would run them as a formula), so that no output has to guess.

The library computes in its own contexts -- :data:`EXACT` (100 digits, never rounding a figure of
this range) for products and sums, :data:`STANDARD` for an installation's divisions -- so results
never depend on the caller's :mod:`decimal` context.

>>> parse_figure("1 234.5", "net_mass")
Decimal('1234.5')
>>> parse_figure("1_5", "net_mass")
Traceback (most recent call last):
    ...
cbam.errors.InputError: field 'net_mass': '1_5' is not a number: underscores are not part of ...
>>> check_identifier("=HYPERLINK(1)", "line_id")
Traceback (most recent call last):
    ...
cbam.errors.InputError: field 'line_id': '=HYPERLINK(1)' begins with '=': a spreadsheet would ...
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Annotated

from pydantic import AfterValidator

from cbam.errors import InputError

#: The library's own decimal context: figures within the accepted range multiply and sum in it
#: without ever being rounded, whatever context the caller has set.
EXACT = Context(prec=100)
#: The context of computations that divide (an installation's SEE): Python's default context
#: (28 digits, half even), fixed here so that a caller's own settings never change a result.
STANDARD = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

#: Figures beyond these bounds are typing or export errors, not masses or prices: ``1e999999``
#: would overflow the arithmetic and ``1e-999999`` would write a million-digit figure.
MAX_DIGITS = 40
MIN_ADJUSTED, MAX_ADJUSTED = -15, 15

#: The longest identifier or name accepted (line ids, installation ids, names).
MAX_NAME = 255

#: Years the library computes (the definitive period, bounded so a range is never absurd).
FIRST_YEAR, LAST_YEAR = 2026, 2100

_PLAIN = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SEPARATORS = str.maketrans("", "", " \u00a0\u202f")
_NOT_FINITE = {"nan", "snan", "inf", "infinity"}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
#: C0 and C1 control characters, DEL, and the two non-characters XML 1.0 cannot hold.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
#: First characters a spreadsheet takes as the start of a formula.
FORMULA_START = ("=", "+", "-", "@")


def shortest(value: Decimal) -> Decimal:
    """The same number without trailing zeros after the decimal point: ``7.01250`` -> ``7.0125``.

    Exactly equal (no rounding: :data:`EXACT` holds every digit). A per-tonne factor in this
    form keeps needless zeros out of every line's product with it (``7.01250 x 5.687``), which
    makes them shorter to compute and to write.

    >>> shortest(Decimal("7.01250")), shortest(Decimal("10.00")), shortest(Decimal("0.000"))
    (Decimal('7.0125'), Decimal('10'), Decimal('0'))
    """
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= 0:
        return value
    reduced = value.normalize(EXACT)
    if reduced == reduced.to_integral_value():  # 10.00 normalises to 1E+1: write 10
        return value.quantize(Decimal(1), context=EXACT)
    return reduced


def in_range(value: Decimal) -> bool:
    """True for zero, or a figure of at most MAX_DIGITS digits and magnitude 1e-15 to 1e15.

    >>> in_range(Decimal("0.001")), in_range(Decimal("1e-30")), in_range(Decimal("1E+16"))
    (True, False, False)
    """
    if not value:
        return True
    return (
        MIN_ADJUSTED <= value.adjusted() <= MAX_ADJUSTED
        and len(value.as_tuple().digits) <= MAX_DIGITS
    )


def range_reason(shown: object) -> str:
    """The words of a figure outside :func:`in_range`."""
    return (
        f"{shown} is outside the range of figures this library accepts "
        f"(at most {MAX_DIGITS} significant digits, magnitude 1e-15 to 1e15)"
    )


def _why_not_plain(text: str) -> str:
    """Why ``text`` (separators removed) is not a figure in plain decimal notation."""
    bare = text.lower().lstrip("+-")
    if bare in _NOT_FINITE:
        return "is not a finite number"
    if "_" in text:
        return "is not a number: underscores are not part of a number"
    if any(unicodedata.category(c) == "Nd" and not c.isascii() for c in text):
        return "is not a number: only the digits 0-9 are read"
    try:
        Decimal(text)
    except (InvalidOperation, ValueError):
        return "is not a number"
    if text.startswith("+"):
        return "is not a number in plain decimal notation (no leading '+')"
    return "is not a number in plain decimal notation (no exponent: write 1.5E-3 as 0.0015)"


def parse_figure(
    text: str, field: str, *, required: bool = False, negative: bool = False
) -> Decimal | None:
    """A figure written in plain decimal notation, exactly; None for an empty text.

    Parameters
    ----------
    text : str
        The text as read (surrounding spaces ignored; spaces and no-break spaces inside are
        thousands separators).
    field : str
        The field named in an error.
    required : bool
        An empty text is an error rather than None.
    negative : bool
        Accept a negative figure (otherwise "must be >= 0").

    Returns
    -------
    Decimal or None
        The exact value.

    Raises
    ------
    InputError
        Naming ``field`` and why the text is not a figure this library accepts.

    Examples
    --------
    >>> parse_figure("0.1", "net_mass"), parse_figure(" ", "net_mass")
    (Decimal('0.1'), None)
    >>> parse_figure("1e3", "net_mass")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: field 'net_mass': '1e3' is not a number in plain decimal notation ...
    """
    shown = text.strip()
    if not shown:
        if required:
            raise InputError("a value is required", field=field)
        return None
    bare = shown.translate(_SEPARATORS)
    if not _PLAIN.fullmatch(bare):
        raise InputError(f"{shown!r} {_why_not_plain(bare)}", field=field)
    value = Decimal(bare)
    if not in_range(value):
        raise InputError(range_reason(repr(shown)), field=field)
    if value < 0 and not negative:
        raise InputError(f"must be >= 0, got {shown}", field=field)
    return value


#: Digits with at most one point, this many characters or fewer, make zero or a magnitude
#: within MIN_ADJUSTED..MAX_ADJUSTED: n characters hold at most n digits, so the first
#: significant digit stands at most n - 1 places from the units.
_SHORT = min(-MIN_ADJUSTED, MAX_ADJUSTED) + 1


def quick_figure(text: str) -> Decimal | None:
    """The value of a plain non-negative figure without separators, or None (then use
    :func:`parse_figure`, which accepts or explains). The fast path of bulk readers.

    >>> quick_figure("12.5"), quick_figure("1_5"), quick_figure("-1")
    (Decimal('12.5'), None, None)
    """
    # ASCII digits with at most one point somewhere ("12", "12.5", "12.", ".5"): no sign,
    # exponent, separator, underscore or non-ASCII digit, which Decimal() would accept.
    if not (text.isascii() and text.replace(".", "", 1).isdigit()):
        return None
    value, size = Decimal(text), len(text)
    if size <= _SHORT:
        return value  # too few characters to be out of range
    if size <= MAX_DIGITS:
        # No more significant digits than characters: only the magnitude can be out of range.
        return value if not value or MIN_ADJUSTED <= value.adjusted() <= MAX_ADJUSTED else None
    return value if in_range(value) else None


def figure(value: object, field: str, *, negative: bool = False) -> Decimal:
    """A figure given to the Python API: a Decimal, an int or a decimal string.

    A float is refused: a binary float cannot hold most decimal figures (0.1 is
    0.1000000000000000055511151231257827...), so the caller says which decimal is meant.

    Parameters
    ----------
    value : Decimal, int or str
        The figure.
    field : str
        The parameter or field named in an error.
    negative : bool
        Accept a negative figure.

    Returns
    -------
    Decimal
        The exact value (finite, within the accepted range).

    Raises
    ------
    InputError
        For a float, a boolean, another type, a non-finite, negative or out-of-range value.

    Examples
    --------
    >>> figure(12, "net_mass"), figure("0.5", "net_mass"), figure(Decimal("2.5"), "net_mass")
    (Decimal('12'), Decimal('0.5'), Decimal('2.5'))
    >>> figure(0.1, "net_mass")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: field 'net_mass': 0.1 is a binary float, which cannot hold most ...
    """
    if isinstance(value, bool):
        raise InputError(f"expected a number, got {value}", field=field)
    if isinstance(value, float):
        raise InputError(
            f"{value!r} is a binary float, which cannot hold most decimal figures exactly; "
            "pass a Decimal (Decimal(str(x))), an int or a decimal string",
            field=field,
        )
    if isinstance(value, str):
        found = parse_figure(value, field, required=True, negative=negative)
        assert found is not None
        return found
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    else:
        raise InputError(
            f"expected a Decimal, an int or a decimal string, got {type(value).__name__}",
            field=field,
        )
    check_figure(number, field, negative=negative)
    return number


def check_figure(value: Decimal, field: str, *, negative: bool = False) -> Decimal:
    """``value`` when finite, within range and (unless ``negative``) not below zero.

    >>> check_figure(Decimal("NaN"), "price")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: field 'price': NaN is not a finite number
    """
    if not value.is_finite():
        raise InputError(f"{value} is not a finite number", field=field)
    if not in_range(value):
        raise InputError(range_reason(value), field=field)
    if value < 0 and not negative:
        raise InputError(f"must be >= 0, got {value}", field=field)
    return value


# -- dates, years, quarters ----------------------------------------------------------------------


def parse_date(text: str, field: str) -> dt.date:
    """A date written exactly ``YYYY-MM-DD`` (ISO 8601).

    >>> parse_date("2026-03-01", "import_date")
    datetime.date(2026, 3, 1)
    >>> parse_date("2026-03-0155", "import_date")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: field 'import_date': '2026-03-0155' is not a date (YYYY-MM-DD)
    """
    shown = text.strip()
    if _DATE.fullmatch(shown):
        try:
            return dt.date.fromisoformat(shown)
        except ValueError:
            pass
    raise InputError(f"{shown!r} is not a date (YYYY-MM-DD)", field=field)


def parse_year(text: str, field: str = "year") -> int:
    """A year written as four ASCII digits.

    >>> parse_year("2026")
    2026
    >>> parse_year("2026.7")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: field 'year': '2026.7' is not a year (four digits, e.g. 2026)
    """
    shown = text.strip()
    if not _YEAR.fullmatch(shown):
        raise InputError(f"{shown!r} is not a year (four digits, e.g. 2026)", field=field)
    return int(shown)


def parse_quarter(text: str, field: str = "quarter") -> int:
    """A quarter written 1-4 or Q1-Q4.

    >>> parse_quarter("Q3"), parse_quarter("2")
    (3, 2)
    """
    shown = text.strip()
    bare = shown.upper().removeprefix("Q")
    if bare not in ("1", "2", "3", "4"):
        raise InputError(f"{shown!r} is not a quarter (1-4 or Q1-Q4)", field=field)
    return int(bare)


def quarter_of(day: dt.date) -> int:
    """The calendar quarter (1-4) of a date."""
    return (day.month - 1) // 3 + 1


# -- texts -------------------------------------------------------------------------------------


def check_text(text: str, field: str) -> str:
    """``text`` when it holds no control character (which no workbook or XML file can hold).

    >>> check_text("Ümraniye Çelik A.Ş.", "name")
    'Ümraniye Çelik A.Ş.'
    >>> check_text("Steel\\x01Works", "name")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: field 'name': 'Steel\\x01Works' contains the control character U+0001
    """
    found = CONTROL.search(text)
    if found:
        raise InputError(
            f"{text!r} contains the control character U+{ord(found.group()):04X}", field=field
        )
    return text


def check_identifier(text: str, field: str) -> str:
    """An identifier or a name: no control character, no formula start, at most 255 characters.

    >>> check_identifier("MRN 26DE0000001-3", "line_id")
    'MRN 26DE0000001-3'
    """
    check_text(text, field)
    if text.lstrip().startswith(FORMULA_START):
        raise InputError(
            f"{text!r} begins with {text.lstrip()[0]!r}: a spreadsheet would read it as a "
            "formula; remove the character or put a letter first",
            field=field,
        )
    if len(text) > MAX_NAME:
        raise InputError(
            f"has {len(text)} characters; an identifier or name has at most {MAX_NAME}",
            field=field,
        )
    return text


def text_rule(value: str) -> str:
    """The pydantic form of :func:`check_text` (raises ValueError)."""
    found = CONTROL.search(value)
    if found:
        raise ValueError(f"contains the control character U+{ord(found.group()):04X}")
    return value


def name_rule(value: str) -> str:
    """The pydantic form of :func:`check_identifier` (raises ValueError)."""
    text_rule(value)
    if value.lstrip().startswith(FORMULA_START):
        raise ValueError(
            f"{value!r} begins with {value.lstrip()[0]!r}: a spreadsheet would read it as a "
            "formula; remove the character or put a letter first"
        )
    if len(value) > MAX_NAME:
        raise ValueError(f"has {len(value)} characters; a name has at most {MAX_NAME}")
    return value


Text = Annotated[str, AfterValidator(text_rule)]
"""A pydantic text field without control characters."""

Name = Annotated[str, AfterValidator(name_rule)]
"""A pydantic identifier or name field: :func:`check_identifier`'s rules."""
