"""The register of the corpus: every broken, hostile or unlucky input tried, its outcome, its test.

Each test of ``tests/bad_inputs/`` (and the fault tests of ``tests/test_atomic_writes.py`` and
``tests/test_pipeline_properties.py``) registers the input it tries and the outcome it asserts,
next to the assertion itself: :func:`case` for a test, :func:`cases` for a parametrized one
(its outcome text is built from the same values the test asserts). ``docs/reliability.md`` is
generated from this register (``python -m tests.bad_inputs.reliability``), and
``test_reliability_doc.py`` fails when the committed file differs or a test is not registered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., Any])

#: The sections of docs/reliability.md, in order: key -> (title, what the section is about).
SECTIONS: dict[str, tuple[str, str]] = {
    "customs": (
        "Customs lines (`cbam assess`, `cbam qreport`, `read_imports`)",
        "CSV exports as they come. Figures are plain decimal notation only, dates exactly "
        "`YYYY-MM-DD`, identifiers free of control characters and of a formula's first "
        "character; nothing is guessed and no value is ignored.",
    ),
    "xlsx": (
        "Customs lines in workbooks (XLSX)",
        "The sheet's XML is streamed in full by the library itself: every row and column "
        "whatever the stored `<dimension>` says, the first visible sheet or `--sheet NAME`, "
        "Excel's row, column and cell limits checked while reading.",
    ),
    "installation": (
        "Installation files (`cbam see`, suppliers folder)",
        "JSON, and YAML read with the YAML 1.2 core schema and numbers kept as their text.",
    ),
    "declarant": ("Declarant files, price tables", ""),
    "workbooks": (
        "Workbooks opened anywhere (templates, `--defaults-workbook`, suppliers folder)",
        "Every workbook passes one gate (`cbam/xlsxfile.py`): the zip-bomb check from the "
        "archive's directory, a DTD in any XML part refused before a parser sees it, then "
        "openpyxl, whose every failure is one line naming the file. `defusedxml` is not a "
        "dependency: with it installed (jupyter's nbconvert brings it) openpyxl would refuse "
        "DTDs with its own multi-line errors, but it never gets one, so the outcomes are the "
        "same with and without it (the suite is run both ways).",
    ),
    "qreport": ("QReport XML (`cbam validate`)", ""),
    "cli": (
        "Command-line values and the environment",
        "An invalid value of an option is invalid input (exit 1 naming the option); a full "
        "disk, a name too long or a folder without permission is exit 1 naming the path. "
        "Exit 3 is left for defects of the library.",
    ),
    "outputs": (
        "One consistent set of outputs (`cbam assess`)",
        "The four outputs are written into a new hidden folder beside `--out`, which is "
        "exchanged with `--out` in one atomic step (`renameat2(RENAME_EXCHANGE)`; elsewhere "
        "two renames, see `cbam/files.py`) under a lock. Worker processes die with their "
        "parent; SIGTERM and Ctrl-C clean up and print one line.",
    ),
    "writers": (
        "Writers that cannot be fooled",
        "Defence in depth behind the input checks: texts reach the Excel outputs as text "
        "cells after cleaning, and JSON carries Decimals as numbers without in-band markers.",
    ),
    "api": (
        "The Python API",
        "`cbam.assess` checks each line as the customs reader checks a row and computes in "
        "the library's own decimal context.",
    ),
    "faults": (
        "Faults while writing",
        "Every writer writes a temporary file in the target folder and renames it into place; "
        "each is made to fail midway, and the previous file is unchanged, no temporary file "
        "left.",
    ),
    "inputs": ("Outputs never replace inputs", ""),
    "properties": (
        "Exactness under stress (hypothesis)",
        "Property tests; CI profile (`CI` set): derandomised, at most 50 examples per property.",
    ),
}


@dataclass(frozen=True)
class Case:
    """One entry of the corpus: what was tried, what must happen, the test asserting it."""

    section: str
    input: str
    outcome: str
    test: str
    order: tuple[int, int] = (0, 0)
    """(line of the test function, place among its parameters): the order of the doc."""


REGISTER: dict[str, Case] = {}


def _node(func: Callable[..., Any]) -> str:
    path = func.__module__.replace(".", "/") + ".py"
    return f"{path}::{func.__name__}"


def _add(case_: Case) -> None:
    if case_.section not in SECTIONS:
        raise KeyError(f"unknown corpus section {case_.section!r}")
    REGISTER[case_.test] = case_


def case(section: str, input: str, outcome: str) -> Callable[[F], F]:
    """Register a test as one case of ``section``."""

    def mark(func: F) -> F:
        _add(Case(section, input, outcome, _node(func), (func.__code__.co_firstlineno, 0)))
        return func

    return mark


@dataclass(frozen=True)
class Entry:
    """One case of a parametrized test: its id, input, outcome and the test's arguments."""

    id: str
    input: str
    outcome: str
    args: tuple[Any, ...]


def cases(section: str, argnames: str, entries: Sequence[Entry]) -> Callable[[F], F]:
    """Parametrize a test with ``entries`` and register each as a case of ``section``."""

    def mark(func: F) -> F:
        line = func.__code__.co_firstlineno
        for number, entry in enumerate(entries):
            test = f"{_node(func)}[{entry.id}]"
            _add(Case(section, entry.input, entry.outcome, test, (line, number)))
        params = [pytest.param(*entry.args, id=entry.id) for entry in entries]
        marked: F = pytest.mark.parametrize(argnames, params)(func)
        return marked

    return mark


def refused(location: str | None, field: str | None, reason: str) -> str:
    """The outcome text of a refusal: exit 1 naming location and field, with the reason."""
    where = ", ".join(p for p in (location, f"`{field}`" if field else None) if p)
    return f"refused{': ' + where if where else ''} — “{reason}”"
