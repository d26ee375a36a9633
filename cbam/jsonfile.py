"""JSON input files: one reader for the installation, declarant and other JSON files.

Numbers are read exactly (``parse_float=Decimal``: ``0.833`` stays ``Decimal('0.833')``); a key
given twice in one object is refused (Python's :mod:`json` would keep the last silently, so
``{"activity_level": 1, "activity_level": 1000}`` would be read as 1000); a syntax error names
the line and column; an integer of thousands of digits or arrays nested thousands deep -- which
no input of this library has -- are refused in one line.

>>> load_json('{"mass": 0.1}', source="plant.json")
{'mass': Decimal('0.1')}
>>> load_json('{"name": "a", "name": "b"}', source="plant.json")
Traceback (most recent call last):
    ...
cbam.errors.InputError: plant.json, field 'name': the key appears twice in one object ...
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from cbam.errors import InputError


class _Repeated(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Repeated(key)
        found[key] = value
    return found


def load_json(text: str, *, source: str, what: str = "JSON file") -> Any:
    """The data of a JSON document (see the module docstring); ``what`` names the file's kind.

    Raises :class:`InputError` naming ``source`` (and the line and column of a syntax error,
    the key given twice).
    """
    try:
        return json.loads(text, parse_float=Decimal, object_pairs_hook=_unique)
    except _Repeated as exc:
        raise InputError(
            "the key appears twice in one object (which one counts?); give it once",
            source=source,
            field=exc.key,
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}",
            source=source,
            location=f"line {exc.lineno}, column {exc.colno}",
        ) from None
    except (ValueError, RecursionError) as exc:
        # An integer of thousands of digits (ValueError) or arrays nested thousands deep
        # (RecursionError): no input of this library looks like that.
        raise InputError(f"not a usable {what}: {exc}", source=source) from None
