"""Production routes: which benchmark route a good takes (IR 2025/2620; IR 2025/2621 Annex I).

IR 2025/2620 gives some CN codes one benchmark per production route, marked (A) to (L) (the
legend is in the preamble of IR 2025/2621 Annex I: (A)/(B) grey/white clinker, (C)/(D)/(E)
carbon steel BF/BOF, DRI/EAF, scrap/EAF, (F)/(G)/(H) low-alloy steel on the same three routes,
(J) high-alloy steel, (K)/(L) primary/secondary aluminium). Which route's benchmark applies:

* **Default values** (IR 2025/2620 Annex pt 4, Column B): "the corresponding underlying
  production route" of the default-value row (IR 2025/2621 Annex I preamble; Q&A §3.8).
  :func:`default_route` applies, in this order, the rules the library documents in
  ``docs/methodology.md`` (section "Production routes"); each answer names its rule in
  ``basis``:

  ``single``
      Column B of the code does not vary by route: its value, whatever the row says.
  ``row``
      The row's one route letter, which Column B has.
  ``line``
      The customs line's own route, which Column B has (it wins over the three rules below).
  ``two-letters``
      The row reads "(C)/(F)": the one of the two letters Column B has for the code.
  ``family``
      The row's letter is missing from Column B for the code (a defect of the official data,
      listed in ``docs/data-notes.md``): the same process route of the other steel family,
      C <-> F (BF/BOF), D <-> G (DRI/EAF), E <-> H (scrap/EAF).
  ``lowest``
      No route is known (no letter on the row, both letters of a two-letter row, or nothing
      above applies): the lowest benchmark, i.e. the most certificates, never fewer than the
      law could require.

* **Actual values** (IR 2025/2620 Annex pt 3.1, Column A): the route of the producing process.
  :func:`actual_route` takes ``single``, ``line`` (the customs line overrides), ``supplier``
  (the installation's process route), ``family`` (the supplier's BF/BOF, DRI or scrap route on
  a code of the other steel family) or ``lowest``.

* ``none``: no benchmark at all (electricity, IR 2025/2620 Art. 1(2)).

(1)/(2) marks within one route are periods (2026-2027, 2028-2030): :mod:`cbam.reference.benchmarks`
picks the period of the year, which for 2028-2030 is the lower value (the conservative reading;
see ``docs/methodology.md``).

>>> column_routes("76011010", "A", 2026)
{'K': Decimal('1.423'), 'L': Decimal('0.091')}
>>> default_route("72251990", ("F",), None, column_routes("72251990", "B", 2026))
RouteChoice(route='C', basis='family', note='...')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from cbam.codes import format_cn, validate_cn
from cbam.errors import InputError

if TYPE_CHECKING:
    from cbam.reference.defaults import DefaultValueTable

#: The route letters IR 2025/2621 Annex I defines (there is no (I)).
ROUTE_LETTERS = frozenset("ABCDEFGHJKL")

#: The same process route in the other steel family (IR 2025/2621 Annex I legend): BF/BOF,
#: DRI/EAF and scrap/EAF for carbon (C, D, E) and low-alloy (F, G, H) steel.
FAMILY: dict[str, str] = {"C": "F", "F": "C", "D": "G", "G": "D", "E": "H", "H": "E"}

RouteBasis = Literal["row", "single", "line", "two-letters", "family", "supplier", "lowest", "none"]

#: Every ``route_basis`` code with its meaning (lines.csv, summary, declaration).
ROUTE_BASES: dict[str, str] = {
    "row": "the default-value row's route letter, which Column B has",
    "single": "the benchmark does not vary by production route",
    "line": "the customs line's own route",
    "two-letters": "the one letter of a two-letter row ('(C)/(F)') that Column B has",
    "family": "the row's (or supplier's) letter is missing for the code: the same process "
    "route of the other steel family (C<->F, D<->G, E<->H)",
    "supplier": "the production route of the supplier's installation file",
    "lowest": "no route known: the lowest benchmark (the most certificates)",
    "none": "no benchmark (electricity)",
}

_LETTER = re.compile(r"^\(?\s*([A-Za-z])\s*\)?$")


class RouteChoice(NamedTuple):
    """The route a benchmark was taken for, the rule that decided (``basis``) and a note.

    >>> RouteChoice("K", "supplier").route
    'K'
    """

    route: str | None
    basis: RouteBasis
    note: str | None = None


def route_letter(route: str, *, field: str = "route") -> str:
    """A production-route indicator as one capital letter: ``"(c)"`` -> ``"C"``.

    IR 2025/2621 Annex I defines (A) to (L) without (I); anything else is an
    :class:`~cbam.errors.InputError` naming ``field``.

    >>> route_letter("(k)")
    'K'
    >>> route_letter("C/F")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: field 'route': 'C/F' is not a production-route indicator (one \
letter A to L without I, as in '(C)')
    """
    match = _LETTER.match(str(route).strip())
    letter = match.group(1).upper() if match else ""
    if letter not in ROUTE_LETTERS:
        raise InputError(
            f"{route!r} is not a production-route indicator (one letter A to L without I, "
            "as in '(C)')",
            field=field,
        )
    return letter


def column_routes(cn: str | int, column: Literal["A", "B"], year: int) -> dict[str, Decimal]:
    """The benchmarks of a code's column valid in ``year``, by route letter; ``{}`` when the
    column does not vary by route (IR 2025/2620 Annex, benchmark workbook).

    Raises :class:`~cbam.errors.NoValueError` for a good without a benchmark (electricity).

    >>> column_routes("72081000", "A", 2026)
    {}
    """
    from cbam.reference.benchmarks import benchmark_options

    return {b.route: b.value for b in benchmark_options(cn, column, year=year) if b.route}


@cache
def _letters_by_code() -> dict[str, frozenset[str]]:
    """Route letters by CN code (4, 6 or 8 digits) in IR 2025/2620 and IR 2025/2621 Annex I."""
    from cbam.reference.benchmarks import _packaged
    from cbam.reference.defaults import packaged_defaults

    found: dict[str, set[str]] = {}
    for code, rows in _packaged().items():
        found.setdefault(code, set()).update(r.route for r in rows if r.route)
    for row in packaged_defaults().rows:
        if row.routes:
            found.setdefault(row.cn, set()).update(row.routes)
    return {code: frozenset(letters) for code, letters in found.items()}


def route_letters(cn: str | int) -> frozenset[str]:
    """Every route letter a CN code has in IR 2025/2620 (Columns A and B) or IR 2025/2621
    Annex I (a row of any country for the code or its heading).

    >>> sorted(route_letters("76011010"))
    ['K', 'L']
    >>> sorted(route_letters("28141000"))
    []
    """
    code = validate_cn(cn)
    table = _letters_by_code()
    letters: set[str] = set()
    for length in (4, 6, 8):
        letters |= table.get(code[:length], frozenset())
    return frozenset(letters)


def _lowest(
    cn: str, options: Mapping[str, Decimal], why: str, extra: str | None = None
) -> RouteChoice:
    route = min(sorted(options), key=lambda letter: options[letter])
    listed = ", ".join(f"({r}) {options[r]}" for r in sorted(options))
    note = (
        f"CN {format_cn(cn)}: {why}; the lowest benchmark, route ({route}) {options[route]}, "
        f"is used (the most certificates; routes: {listed})"
    )
    return RouteChoice(route, "lowest", _join(note, extra))


def _join(*notes: str | None) -> str | None:
    text = "; ".join(n for n in notes if n)
    return text or None


def _ignored(cn: str, line_route: str | None, options: Mapping[str, Decimal]) -> str | None:
    """A note for a line route the benchmark column does not have (never an error)."""
    if line_route is None or line_route in options:
        return None
    return (
        f"the line's route ({line_route}) is not a route of CN {format_cn(cn)} in this "
        "benchmark column; it did not decide the benchmark"
    )


def default_route(
    cn: str,
    row_routes: Sequence[str],
    line_route: str | None,
    options: Mapping[str, Decimal],
) -> RouteChoice:
    """The Column B route of a default value (IR 2025/2620 Annex pt 4; IR 2025/2621 Annex I
    preamble, "underlying production route determining the CBAM BM"; Q&A §3.8).

    The ordered rules of the module notes: ``single``, ``row``, ``line``, ``two-letters``,
    ``family``, ``lowest``. ``options`` are the Column B values by route valid in the year
    (:func:`column_routes`).

    >>> b = {"C": Decimal("1.488"), "D": Decimal("0.563"), "E": Decimal("0.138")}
    >>> default_route("72251990", ("F",), "E", b).basis
    'line'
    >>> default_route("73063018", (), None, b)[:2]
    ('E', 'lowest')
    """
    letters = tuple(row_routes)
    if not options:
        note = None
        if letters:
            note = (
                f"Column B of CN {format_cn(cn)} does not vary by production route; the row's "
                f"({'/'.join(letters)}) did not change the benchmark"
            )
        return RouteChoice(None, "single", note)
    if len(letters) == 1 and letters[0] in options:
        note = _ignored(cn, line_route, options)
        if line_route is not None and line_route != letters[0] and note is None:
            note = (
                f"the line's route ({line_route}) differs from the default-value row's "
                f"({letters[0]}); with default values the row's route decides (Q&A §3.8)"
            )
        return RouteChoice(letters[0], "row", note)
    if line_route is not None and line_route in options:
        row = f"({'/'.join(letters)})" if letters else "no route letter"
        return RouteChoice(
            line_route,
            "line",
            f"CN {format_cn(cn)}: the default-value row gives {row}; the line's route "
            f"({line_route}) decides the benchmark",
        )
    ignored = _ignored(cn, line_route, options)
    if len(letters) >= 2:
        present = [r for r in letters if r in options]
        if len(present) == 1:
            note = (
                f"CN {format_cn(cn)}: the row reads ({')/('.join(letters)}); Column B has only "
                f"({present[0]}) for this code"
            )
            return RouteChoice(present[0], "two-letters", _join(note, ignored))
        if present:
            subset = {r: options[r] for r in present}
            return _lowest(cn, subset, f"the row reads ({')/('.join(letters)})", ignored)
    elif len(letters) == 1:
        twin = FAMILY.get(letters[0])
        if twin is not None and twin in options:
            note = (
                f"CN {format_cn(cn)}: Column B has no route ({letters[0]}) for this code (a "
                f"defect of the official data, see docs/data-notes.md); ({twin}) is the same "
                "process route of the other steel family"
            )
            return RouteChoice(twin, "family", _join(note, ignored))
    why = (
        f"the default-value row's route ({'/'.join(letters)}) is not in Column B"
        if letters
        else "the default-value row gives no route while Column B varies by route"
    )
    return _lowest(cn, options, why, ignored)


def actual_route(
    cn: str,
    supplier_route: str | None,
    line_route: str | None,
    options: Mapping[str, Decimal],
) -> RouteChoice:
    """The Column A route of actual values (IR 2025/2620 Annex pt 3.1): the producing
    process's route; the customs line's route overrides the installation file's.

    >>> a = {"K": Decimal("1.423"), "L": Decimal("0.091")}
    >>> actual_route("76011010", "K", None, a)[:2]
    ('K', 'supplier')
    >>> actual_route("76011010", "K", "L", a)[:2]
    ('L', 'line')
    >>> actual_route("76011010", None, None, a)[:2]
    ('L', 'lowest')
    """
    if not options:
        return RouteChoice(None, "single")
    ignored = _ignored(cn, line_route, options)
    if line_route is not None and line_route in options:
        note = None
        if supplier_route is not None and supplier_route != line_route:
            note = (
                f"the line's route ({line_route}) overrides the installation file's "
                f"({supplier_route})"
            )
        return RouteChoice(line_route, "line", note)
    if supplier_route is not None and supplier_route in options:
        return RouteChoice(supplier_route, "supplier", ignored)
    for given in (line_route, supplier_route):
        twin = FAMILY.get(given or "")
        if twin is not None and twin in options:
            note = (
                f"CN {format_cn(cn)} has no route ({given}); ({twin}) is the same process "
                "route of the other steel family"
            )
            return RouteChoice(twin, "family", _join(note, ignored))
    why = (
        "no production route given for the actual values"
        if supplier_route is None
        else f"the installation's route ({supplier_route}) is not a route of this code"
    )
    return _lowest(cn, options, why, ignored)


# -- data notes: rows whose route the official data do not decide ---------------------------

#: The section of ``docs/data-notes.md`` this module generates.
ROUTE_NOTES_KEY = "default_value_routes"


def route_findings(table: DefaultValueTable, year: int = 2026) -> list[str]:
    """Markdown table rows for ``docs/data-notes.md``: the default-value rows (with a value)
    whose Column B route is decided by ``two-letters``, ``family`` or ``lowest`` for a line
    without its own route (the defects rule 4 and the gaps rules 3 and 5 work around).

    Rows are grouped by countries, row letters and rule; each lists the codes as the row
    prints them with the route used (the 8-digit codes where they differ).

    >>> from cbam.reference.defaults import packaged_defaults
    >>> [r for r in route_findings(packaged_defaults()) if "7306 30 18" in r][0][-19:]
    ' | 7306 30 18 (E) |'
    """
    from cbam.errors import NotACbamGoodError, NoValueError
    from cbam.reference.benchmarks import _packaged

    codes = sorted(_packaged())
    by_row: dict[tuple[str, str, str, str], set[str]] = {}
    for row, routes in table.answering_rows():
        if row.total is None:
            continue
        letters = "/".join(routes) or "-"
        outcomes: dict[tuple[str, str], list[str]] = {}
        outcome: tuple[str, str]
        for cn in [c for c in codes if c.startswith(row.cn)] or [row.cn]:
            try:
                choice = default_route(cn, routes, None, column_routes(cn, "B", year))
                outcome = (choice.basis, choice.route or "-")
            except (NoValueError, NotACbamGoodError):
                outcome = ("no benchmark", "-")
            outcomes.setdefault(outcome, []).append(cn)
        for (basis, route), cns in outcomes.items():
            if basis not in ("two-letters", "family", "lowest", "no benchmark"):
                continue
            where = (
                format_cn(row.cn) if len(outcomes) == 1 else ", ".join(format_cn(c) for c in cns)
            )
            key = (letters, basis, where, route)
            by_row.setdefault(key, set()).add(row.country)
    grouped: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    for (letters, basis, where, route), countries in sorted(by_row.items()):
        group = (letters, basis, tuple(sorted(countries)))
        grouped.setdefault(group, []).append(f"{where} ({route})" if route != "-" else where)
    return [
        f"| {len(countries)}: {' '.join(countries)} | {letters} | {basis} | {'; '.join(items)} |"
        for (letters, basis, countries), items in sorted(
            grouped.items(), key=lambda item: (item[0][1], item[0][0], item[1][0])
        )
    ]


def _column_text(cn: str, year: int) -> str:
    try:
        options = column_routes(cn, "B", year)
    except InputError:
        return "-"
    return " ".join(f"{r} {v}" for r, v in sorted(options.items())) or "-"


def route_notes_section(table: DefaultValueTable) -> str:
    """The ``default_value_routes`` section of ``docs/data-notes.md`` (generated).

    >>> from cbam.reference.defaults import packaged_defaults
    >>> route_notes_section(packaged_defaults()).splitlines()[0]
    '## Production routes of IR 2025/2621 Annex I rows that Column B does not decide'
    """
    lines: Iterable[str] = route_findings(table)
    return "\n".join(
        [
            "## Production routes of IR 2025/2621 Annex I rows that Column B does not decide",
            "",
            "Generated by `cbam.reference.routes` (regenerated by `cbam data import-defaults` "
            "and `import-benchmarks`) from the packaged default values and benchmarks (IR "
            "2025/2620 Column B, 2026-2027 values); do not edit by hand. One row per group of "
            "countries, row route letters and rule; 'rule' is the `route_basis` a customs line "
            "without its own route gets (docs/methodology.md, section 9a): `two-letters` (a "
            "'(C)/(F)' row), `family` (the row's letter is missing from Column B for the code: "
            "a defect of the official data, e.g. 7225 19 90 '(F)' where Column B has C/D/E, "
            "and Brazil's letters shifted by a row), `lowest` (no letter while Column B varies "
            "by route: 7306 30 18 everywhere, North Macedonia's steel, Kuwait's aluminium), "
            "`no benchmark` (Tunisia's rows of heading 7615, not a CBAM good). Rows without a "
            "letter that share the description of a lettered 'Other countries' row (South "
            "Korea's white clinker and white hydraulic cements) take its letter and do not "
            "appear here.",
            "",
            "| countries | row letters | rule | codes as the rows print them (route used) |",
            "|---|---|---|---|",
            *(list(lines) or ["| none | – | – | – |"]),
            "",
        ]
    )


def write_route_notes(notes_path: Path) -> None:
    """Rewrite the ``default_value_routes`` section of ``notes_path`` from the packaged default
    values and benchmarks (run by ``cbam data import-defaults`` / ``import-benchmarks``).

    >>> import tempfile
    >>> notes = Path(tempfile.mkdtemp()) / "data-notes.md"
    >>> write_route_notes(notes)
    >>> "<!-- begin:default_value_routes -->" in notes.read_text(encoding="utf-8")
    True
    """
    from cbam.reference.benchmarks import clear_cache
    from cbam.reference.convert_defaults import _write_notes_section
    from cbam.reference.defaults import packaged_defaults

    clear_cache()
    packaged_defaults.cache_clear()
    _letters_by_code.cache_clear()
    _write_notes_section(notes_path, ROUTE_NOTES_KEY, route_notes_section(packaged_defaults()))


__all__ = [
    "FAMILY",
    "ROUTE_BASES",
    "ROUTE_LETTERS",
    "RouteBasis",
    "RouteChoice",
    "actual_route",
    "column_routes",
    "default_route",
    "route_findings",
    "route_letter",
    "route_letters",
    "route_notes_section",
    "write_route_notes",
]
