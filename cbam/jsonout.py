"""JSON output with exact decimals, written as it is produced.

:mod:`json` writes binary floats only; the library's figures are :class:`~decimal.Decimal`. This
module writes them as JSON *numbers* carrying every digit of the Decimal (no binary rounding),
so ``1.529`` stays ``1.529`` and ``4.4535581926`` keeps its ten decimals. Texts are escaped by
:mod:`json` itself; nothing is marked in-band, so no text can turn into a number. Models are
written field by field and lists item by item, so a large document (a declaration of 100,000
goods) streams to its file without being built in memory first.

>>> print(dumps({"see": Decimal("1.5290"), "basis": "default", "lines": [1, 2]}))
{
  "see": 1.529,
  "basis": "default",
  "lines": [
    1,
    2
  ]
}
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from enum import Enum
from pathlib import Path
from types import GeneratorType
from typing import IO, Any

from pydantic import BaseModel

#: :mod:`json`'s own escaping of a text (non-ASCII kept as it is, as ``ensure_ascii=False``).
_text = json.encoder.encode_basestring


def decimal_text(value: Decimal) -> str:
    """Plain positional notation without superfluous trailing zeros (``1.5290`` -> ``1.529``).

    >>> decimal_text(Decimal("1.5290")), decimal_text(Decimal("1E+3")), decimal_text(Decimal("-0"))
    ('1.529', '1000', '0')
    """
    text = str(value)  # positional for most figures, and fast
    if "E" in text:
        text = format(value, "f")  # positional, every digit (normalize() would round to 28)
    elif text[-1] != "0":
        return text  # nothing to strip
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _scalar(value: Any) -> str | None:
    """The JSON text of a scalar, or None for a container."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return str(_text(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as a JSON number")
        return decimal_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value)  # float-ok: a float someone passed in stays what it is
    if isinstance(value, Enum):
        return _scalar(value.value)
    if isinstance(value, dt.date | dt.datetime):
        return str(_text(value.isoformat()))
    if isinstance(value, Path):
        return str(_text(str(value)))
    return None


def _pairs(value: Any) -> Iterator[tuple[str, Any]] | None:
    if isinstance(value, BaseModel):
        return ((name, getattr(value, name)) for name in type(value).model_fields)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return ((str(k), v) for k, v in value.items())
    return None


def iter_json(value: Any, indent: int | None = 2, level: int = 0) -> Iterator[str]:
    """The JSON text of ``value`` in pieces (the layout of ``json.dumps(value, indent=...)``).

    Decimals become exact numbers; models are written field by field; dates as ISO text;
    lists, tuples, sets and generators as arrays (a generator is consumed item by item).
    """
    scalar = _scalar(value)
    if scalar is not None:
        yield scalar
        return
    pairs = _pairs(value)
    if pairs is not None:
        items: Iterator[tuple[str | None, Any]] = pairs
        open_, close = "{", "}"
    elif isinstance(value, list | tuple | set | frozenset | GeneratorType):
        items = ((None, v) for v in value)
        open_, close = "[", "]"
    else:
        raise TypeError(f"cannot write a {type(value).__name__} as JSON")
    inner = "" if indent is None else "\n" + " " * (indent * (level + 1))
    first = True
    for key, item in items:
        lead = (open_ if first else ",") + (inner if indent is not None else ("" if first else " "))
        first = False
        if key is not None:
            lead += f"{_text(key)}: "
        scalar = _scalar(item)
        if scalar is not None:  # one piece, without a nested generator per number or text
            yield lead + scalar
            continue
        yield lead
        yield from iter_json(item, indent, level + 1)
    if first:
        yield open_ + close
    else:
        yield ("" if indent is None else "\n" + " " * (indent * level)) + close


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """Serialise ``value`` to JSON text; Decimals become exact JSON numbers."""
    return "".join(iter_json(value, indent))


def write_json(value: Any, handle: IO[str], *, indent: int | None = 2) -> None:
    """Write ``value`` as JSON to an open text file, piece by piece."""
    batch: list[str] = []
    for piece in iter_json(value, indent):
        batch.append(piece)
        if len(batch) >= 8192:
            handle.write("".join(batch))
            batch.clear()
    handle.write("".join(batch))
