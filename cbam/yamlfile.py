"""YAML input files: one reader for every file the library accepts as YAML.

PyYAML is an optional extra (``pip install '.[yaml]'`` in the source folder): it is imported
only when a YAML document is read, so ``import cbam`` never needs it. Only PyYAML's safe loader
is used (plain data, no Python objects). A syntax error becomes an
:class:`~cbam.errors.InputError` naming the file, the line and the column.

>>> load_yaml("installation: {name: Works, country: CN}\\n", source="plant.yaml")
{'installation': {'name': 'Works', 'country': 'CN'}}
>>> load_yaml("processes: [P1\\n", source="plant.yaml")  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
cbam.errors.InputError: plant.yaml, line 2, column 1: not valid YAML: expected ',' or ']', ...
"""

from __future__ import annotations

from typing import Any

from cbam.errors import InputError, install_hint

INSTALL_HINT = f"reading YAML needs PyYAML ({install_hint('yaml')}); or give the file as JSON"


def load_yaml(text: str, *, source: str) -> Any:
    """The data of one YAML document, read with PyYAML's safe loader.

    Raises :class:`InputError` naming ``source`` when PyYAML is not installed, and naming the
    line and column when the text is not valid YAML.

    >>> load_yaml("mass: 1.5", source="plant.yaml")
    {'mass': 1.5}
    """
    try:
        import yaml
    except ImportError:
        raise InputError(INSTALL_HINT, source=source) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        location = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        # PyYAML's own text spans several lines with a caret drawing; keep one line.
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise InputError(f"not valid YAML: {problem}", source=source, location=location) from None
