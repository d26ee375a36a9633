"""YAML input files: one reader for every file the library accepts as YAML.

PyYAML is an optional extra (``pip install '.[yaml]'`` in the source folder, or
``pip install 'cbam[yaml]'``): it is imported only when a YAML document is read, so
``import cbam`` never needs it. The reader is PyYAML's safe loader (plain
data, no Python objects) with two changes:

* the **YAML 1.2 core schema** decides what a plain scalar is, not PyYAML's YAML 1.1 rules:
  ``17:00`` stays the text "17:00" (YAML 1.1 reads it as 1020, base 60), ``NO`` stays the
  country code (not false), ``1_000`` and ``2025-01-01`` stay texts (the file's model then
  reads or refuses them), ``0o17`` and ``0x1F`` are integers;
* **numbers are kept as written**: a YAML float becomes the exact :class:`~decimal.Decimal` of
  its text (``0.1`` is ``Decimal('0.1')``, never a binary float first);
* a **key given twice** in one mapping is refused (PyYAML would keep the last silently).

A syntax error becomes an :class:`~cbam.errors.InputError` naming the file, the line and the
column.

>>> load_yaml("installation: {name: Works, country: NO}\\n", source="plant.yaml")
{'installation': {'name': 'Works', 'country': 'NO'}}
>>> load_yaml("start: 17:00\\nmass: 0.1\\n", source="plant.yaml")
{'start': '17:00', 'mass': Decimal('0.1')}
>>> load_yaml("processes: [P1\\n", source="plant.yaml")  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
cbam.errors.InputError: plant.yaml, line 2, column 1: not valid YAML: expected ',' or ']', ...
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any

from cbam.errors import InputError, install_hint

INSTALL_HINT = f"reading YAML needs PyYAML ({install_hint('yaml')}); or give the file as JSON"

#: The YAML 1.2 core schema (yaml.org/spec/1.2.2, 10.3.2): tag, pattern, first characters.
CORE_SCHEMA = (
    ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", list("tTfF")),
    ("tag:yaml.org,2002:int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
        r"|[-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN",
        list("-+.0123456789"),
    ),
)


def _integer(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


def _number(text: str) -> Decimal:
    bare = text.lstrip("+")
    lower = bare.lower()
    if lower.endswith(".inf"):
        return Decimal("-Infinity" if lower.startswith("-") else "Infinity")
    if lower == ".nan":
        return Decimal("NaN")
    return Decimal(bare)


@cache
def _loader() -> type[Any]:
    """PyYAML's SafeLoader with the core schema, exact numbers and unique keys."""
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _value in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    repeated = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key: the base class refuses it
                    continue
                if repeated:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"the key {key!r} appears twice in one mapping (which one counts?)",
                        key_node.start_mark,
                    )
            return super().construct_mapping(node, deep=deep)

    Loader.yaml_implicit_resolvers = {}
    for tag, pattern, first in CORE_SCHEMA:
        Loader.add_implicit_resolver(tag, re.compile(f"^(?:{pattern})$"), first)

    def integer(loader: Any, node: Any) -> int:
        return _integer(loader.construct_scalar(node))

    def number(loader: Any, node: Any) -> Decimal:
        return _number(loader.construct_scalar(node))

    Loader.add_constructor("tag:yaml.org,2002:int", integer)
    Loader.add_constructor("tag:yaml.org,2002:float", number)
    return Loader


def load_yaml(text: str, *, source: str) -> Any:
    """The data of one YAML document, read as the module docstring says.

    Raises :class:`InputError` naming ``source`` when PyYAML is not installed, and naming the
    line and column when the text is not valid YAML (or repeats a key).

    >>> load_yaml("mass: 1.5", source="plant.yaml")
    {'mass': Decimal('1.5')}
    """
    try:
        import yaml
    except ImportError:
        raise InputError(INSTALL_HINT, source=source) from None
    try:
        return yaml.load(text, Loader=_loader())  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        location = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        # PyYAML's own text spans several lines with a caret drawing; keep one line.
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise InputError(f"not valid YAML: {problem}", source=source, location=location) from None
    except ValueError as exc:  # an integer of thousands of digits
        raise InputError(f"not usable YAML: {exc}", source=source) from None
