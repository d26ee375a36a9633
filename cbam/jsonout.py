"""JSON output with exact decimals.

``json`` writes floats only; the library's figures are :class:`~decimal.Decimal`. They are
written here as JSON *numbers* carrying every digit of the Decimal (no binary rounding), so
``1.529`` stays ``1.529`` and ``4.4535581926`` keeps its ten decimals.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

_MARK = "\u0000dec:"
_MARKED = re.compile(r'"\\u0000dec:([-0-9.]+)"')


def decimal_text(value: Decimal) -> str:
    """Plain positional notation without superfluous trailing zeros (``1.5290`` -> ``1.529``)."""
    text = format(value, "f")  # positional, every digit (normalize() would round to 28)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def to_jsonable(value: Any) -> Any:
    """Turn models, Decimals, dates and paths into plain JSON values (Decimals marked)."""
    if isinstance(value, BaseModel):
        return to_jsonable(value.model_dump(mode="python"))
    if isinstance(value, Decimal):
        return _MARK + decimal_text(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """Serialise ``value`` to JSON text; Decimals become exact JSON numbers."""
    text = json.dumps(to_jsonable(value), indent=indent, ensure_ascii=False)
    return _MARKED.sub(r"\1", text)
