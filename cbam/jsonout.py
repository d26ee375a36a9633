"""JSON output with exact decimals, written as it is produced.

:mod:`json` writes binary floats only; the library's figures are :class:`~decimal.Decimal`. This
module writes them as JSON *numbers* carrying every digit of the Decimal (no binary rounding),
so ``1.529`` stays ``1.529`` and ``4.4535581926`` keeps its ten decimals. Texts are escaped by
:mod:`json` itself; nothing is marked in-band, so no text can turn into a number. The outer
object is written member by member and every array item by item, each item (a good) as one
text, so a large document (a declaration of 100,000 goods) streams to its file without being
built in memory first.

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
from collections.abc import Callable, Iterator
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from pathlib import Path
from types import GeneratorType
from typing import IO, Any

from pydantic import BaseModel

#: :mod:`json`'s own escaping of a text (non-ASCII kept as it is, as ``ensure_ascii=False``).
_text: Callable[[str], str] = json.encoder.encode_basestring


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


def _decimal_number(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} cannot be written as a JSON number")
    return decimal_text(value)


#: The scalars met most, by their exact type (one dictionary lookup instead of a test chain).
_EXACT: dict[type, Callable[[Any], str]] = {
    str: _text,
    Decimal: _decimal_number,
    bool: lambda value: "true" if value else "false",
    int: str,
    type(None): lambda _value: "null",
}


def _scalar(value: Any) -> str | None:
    """The JSON text of a scalar, or None for a container."""
    exact = _EXACT.get(type(value))
    if exact is not None:
        return exact(value)
    if isinstance(value, str):
        return str(_text(value))
    if isinstance(value, Decimal):
        return _decimal_number(value)
    if isinstance(value, int):  # bool is exact above; an int subclass is written as a number
        return str(int(value))
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


def _frozen(value: Any) -> bool:
    """A frozen pydantic model: the same object always has the same text."""
    return isinstance(value, BaseModel) and bool(type(value).model_config.get("frozen"))


_ARRAYS = (list, tuple, set, frozenset, GeneratorType)
_Seen = dict[tuple[int, int], tuple[Any, str]]


def iter_json(value: Any, indent: int | None = 2, level: int = 0) -> Iterator[str]:
    """The JSON text of ``value`` in pieces (the layout of ``json.dumps(value, indent=...)``).

    Decimals become exact numbers; models are written field by field; dates as ISO text;
    lists, tuples, sets and generators as arrays. The outer object and every array are given
    item by item (a generator is consumed item by item: 100,000 goods are never one text);
    an object inside them (a good) is one piece. A frozen model met again at the same depth
    (an audit step that many goods share) is written from the text made the first time.
    """
    return _pieces(value, indent, level, {})


def _layout(indent: int | None, level: int) -> tuple[str, str, str]:
    """What opens an item, separates two items and closes a container at ``level``."""
    if indent is None:
        return "", ", ", ""
    inner = "\n" + " " * (indent * (level + 1))
    return inner, "," + inner, "\n" + " " * (indent * level)


def _items(value: Any) -> tuple[Iterator[tuple[str | None, Any]], str, str]:
    """The (key or None, item) pairs of a container and its brackets; TypeError otherwise."""
    pairs = _pairs(value)
    if pairs is not None:
        return pairs, "{", "}"
    if isinstance(value, _ARRAYS):
        return ((None, v) for v in value), "[", "]"
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def _pieces(value: Any, indent: int | None, level: int, seen: _Seen) -> Iterator[str]:
    scalar = _scalar(value)
    if scalar is not None:
        yield scalar
        return
    items, open_, close = _items(value)
    first_lead, lead, end = _layout(indent, level)
    first = True
    for key, item in items:
        head = (open_ + first_lead) if first else lead
        first = False
        if key is not None:
            head += f"{_key(key)}: "
        if isinstance(item, _ARRAYS):  # what grows with the goods: item by item
            yield head
            yield from _pieces(item, indent, level + 1, seen)
        else:
            yield head + _whole(item, indent, level + 1, seen)
    yield open_ + close if first else end + close


def _whole(value: Any, indent: int | None, level: int, seen: _Seen) -> str:
    """The JSON text of ``value`` as one string (see :func:`iter_json`)."""
    exact = _EXACT.get(type(value))  # most values: one lookup, before the whole test chain
    if exact is not None:
        return exact(value)
    if type(value) is dict:  # a good's object: no scalar to look for
        return _container(value, indent, level, seen)
    scalar = _scalar(value)
    if scalar is not None:
        return scalar
    if _frozen(value):
        # The object is kept beside its text, so that its id is not reused meanwhile.
        known = seen.get((id(value), level))
        if known is None:
            known = seen[(id(value), level)] = (value, _container(value, indent, level, seen))
        return known[1]
    return _container(value, indent, level, seen)


def _container(value: Any, indent: int | None, level: int, seen: _Seen) -> str:
    deeper = level + 1
    if type(value) is dict:  # the common case, without the generic pairs
        texts = []
        for k, v in value.items():
            exact = _EXACT.get(type(v))  # a scalar (nearly every member) without _whole's call
            text = _whole(v, indent, deeper, seen) if exact is None else exact(v)
            texts.append(f"{_key(k)}: {text}")
        open_, close = "{", "}"
    else:
        items, open_, close = _items(value)
        texts = [
            _whole(v, indent, deeper, seen)
            if k is None
            else f"{_key(k)}: {_whole(v, indent, deeper, seen)}"
            for k, v in items
        ]
    if not texts:
        return open_ + close
    first_lead, lead, end = _layout(indent, level)
    return open_ + first_lead + lead.join(texts) + end + close


@lru_cache(maxsize=4096)
def _key(key: object) -> str:
    """A member name as JSON text (the same few names again and again)."""
    return str(_text(str(key)))


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
