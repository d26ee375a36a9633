"""Default values of IR 2025/2621: lookups with their provenance and fall-backs.

* Annex I (country of production known): :func:`packaged_defaults` (the packaged Commission
  workbook) or :func:`load_defaults_workbook` (a newer official workbook, read at run time).
* Annex IV (precursor whose country of production cannot be identified):
  :func:`unknown_country_defaults`.

Lookup rules (IR 2025/2621 Annex I, introductory text): the country's own row applies; a country
without a table, or whose row shows no value ("–"), takes the row of "Other countries and
territories", and the result says so in ``fallback``. An 8-digit code takes the most specific
row whose code is a prefix of it; "see below" headings never answer. The mark-up is added to the
*total* by :meth:`DefaultValue.value_used`; the workbook's own mark-up columns are not used.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from pydantic import BaseModel

from cbam.codes import (
    EU_MEMBER_STATES,
    EXEMPT_COUNTRIES,
    OTHER,
    country_name,
    format_cn,
    validate_cn,
    validate_country,
)
from cbam.errors import InputError, NoValueError, ReferenceDataError
from cbam.reference.default_rows import (
    DEFAULT_VALUES_CSV,
    GOOD,
    UNKNOWN,
    UNKNOWN_COUNTRY_CSV,
    DefaultRow,
    rows_from_csv,
    unknown_rows_from_csv,
)
from cbam.reference.manifest import DATA_DIR, DatasetInfo, dataset
from cbam.rules import Sector, marked_up
from cbam.rules import markup as sector_markup

__all__ = [
    "DefaultValue",
    "DefaultValueTable",
    "UnknownCountryDefaults",
    "electricity_default",
    "load_defaults_workbook",
    "packaged_defaults",
    "unknown_country_defaults",
]


class DefaultValue(BaseModel, frozen=True):
    """A default value (t CO2e per t of good) with where it came from and why.

    ``direct``/``indirect``/``total`` are the values of the row used, exactly as published;
    ``indirect`` is None where the table says N/A (Reg. (EU) 2023/956 Annex II goods) and both
    are None for Annex IV rows, which publish one "highest default value" only.
    """

    cn: str
    """The 8-digit CN code asked for."""
    row_cn: str
    """The code of the row used (4, 6 or 8 digits, compact)."""
    description: str
    country: str
    """The ISO code asked for (``"UNKNOWN"`` for Annex IV lookups)."""
    country_used: str
    """ISO code of the row used, ``"OTHER"`` (other countries and territories) or ``"UNKNOWN"``."""
    route: str | None
    """Production-route indicator of the row used (``"A"``; ``"C/F"`` when the row names two and
    no route was asked for); None when the row has none."""
    direct: Decimal | None
    indirect: Decimal | None
    total: Decimal
    sector: Sector
    dataset: DatasetInfo
    location: str
    """Where in the dataset: ``"sheet 'China', row 6"`` or ``"Annex IV, line 72749"``."""
    fallback: str | None = None
    """None, or the sentence saying why another row than the country's own applied."""
    note: str | None = None
    """Anything else the reader should know (e.g. a route indicator the row itself lacks)."""

    def markup(self, year: int) -> Decimal:
        """The mark-up on the total for imports in ``year`` (IR 2025/2621 Annex I; rules.markup)."""
        return sector_markup(self.sector, year)

    def value_used(self, year: int) -> Decimal:
        """total x (1 + mark-up of ``year``), exact (IR 2025/2621 Annex I, mark-up columns)."""
        return marked_up(self.total, self.sector, year)

    def summary(self, year: int) -> dict[str, object]:
        """The ``cbam defaults --json`` object for imports in ``year`` (interfaces.md §2)."""
        return {
            "cn": self.cn,
            "country": self.country,
            "country_used": self.country_used,
            "route": self.route,
            "direct": self.direct,
            "indirect": self.indirect,
            "total": self.total,
            "year": year,
            "markup": self.markup(year),
            "value_used": self.value_used(year),
            "dataset": self.dataset.label,
            "dataset_sha256": self.dataset.sha256,
            "location": self.location,
            "description": self.description,
            "fallback": self.fallback,
        }


@dataclass(frozen=True, slots=True)
class _Entry:
    """A row that can answer, with its effective route indicators."""

    row: DefaultRow
    routes: tuple[str, ...]
    route_note: str | None


def _normalise_route(route: str | None) -> str | None:
    if route is None:
        return None
    text = str(route).strip().strip("()").strip().upper()
    if not text:
        return None
    if len(text) != 1 or not ("A" <= text <= "L"):
        raise InputError(
            f"route {route!r} is not a production-route indicator (A to L, as in '(A)')",
            field="route",
        )
    return text


def _label(entry: _Entry) -> str:
    route = "/".join(f"({r})" for r in entry.routes) or "(no route indicator)"
    return f"{route} {entry.row.description} [{_where(entry.row)}]"


def _where(row: DefaultRow) -> str:
    if row.country == UNKNOWN:
        return f"Annex IV, line {row.row}"
    return f"sheet '{row.sheet}', row {row.row}"


def _same_values(entries: Sequence[_Entry]) -> bool:
    first = entries[0]
    return all(
        (e.routes, e.row.direct, e.row.indirect, e.row.total)
        == (first.routes, first.row.direct, first.row.indirect, first.row.total)
        for e in entries
    )


class _RowIndex:
    """Rows that answer (no headings, no continuation rows), by country then by code."""

    def __init__(self, rows: Iterable[DefaultRow]) -> None:
        grouped: dict[str, dict[str, list[DefaultRow]]] = {}
        self.sheets: dict[str, str] = {}
        for row in rows:
            self.sheets.setdefault(row.country, row.sheet)
            if row.kind == GOOD:
                grouped.setdefault(row.country, {}).setdefault(row.cn, []).append(row)
        reference = grouped.get(OTHER, {})
        self.codes: dict[str, dict[str, tuple[_Entry, ...]]] = {
            country: {
                code: self._entries(group, reference.get(code, []))
                for code, group in by_code.items()
            }
            for country, by_code in grouped.items()
        }

    @staticmethod
    def _entries(group: list[DefaultRow], reference: list[DefaultRow]) -> tuple[_Entry, ...]:
        """Entries of one code; duplicate rows without an indicator borrow the route of the
        reference row of the same description (the legend: (A) grey, (B) white clinker)."""
        entries = []
        for row in group:
            routes = row.routes
            note = None
            if not routes and len(group) > 1:
                twin = next(
                    (
                        r
                        for r in reference
                        if r.routes and r.description.casefold() == row.description.casefold()
                    ),
                    None,
                )
                if twin is not None:
                    routes = twin.routes
                    note = (
                        f"{_where(row)} gives no route indicator; "
                        f"({'/'.join(routes)}) is that of the row of the same description "
                        f"in {_where(twin)}"
                    )
            entries.append(_Entry(row, routes, note))
        return tuple(entries)

    def match(self, country: str, cn: str) -> tuple[_Entry, ...]:
        """Entries of the most specific code (8 > 6 > 4 digits) that is a prefix of ``cn``."""
        by_code = self.codes.get(country, {})
        for length in (8, 6, 4):
            found = by_code.get(cn[:length])
            if found:
                return found
        return ()


def _choose(
    entries: Sequence[_Entry], route: str | None, cn: str, *, prefer: _Entry | None = None
) -> tuple[_Entry, str | None] | None:
    """The entry for ``route`` and the route to report; None when no entry has that route.

    Raises InputError when no route is given and the rows differ (white/grey clinker).
    """
    if route is None:
        if prefer is not None and len(entries) > 1:
            # Falling back for a known row: keep its route, else its description.
            same = [e for e in entries if prefer.routes and e.routes == prefer.routes] or [
                e
                for e in entries
                if e.row.description.casefold() == prefer.row.description.casefold()
            ]
            if len(same) == 1:
                return same[0], "/".join(same[0].routes) or None
        if len(entries) == 1 or _same_values(entries):
            return entries[0], "/".join(entries[0].routes) or None
        listed = "; ".join(_label(e) for e in entries)
        raise InputError(
            f"CN {format_cn(cn)} has several default values by production route; "
            f"give the route: {listed}",
            field="route",
        )
    matching = [e for e in entries if route in e.routes]
    if matching:
        return matching[0], route
    if len(entries) == 1 and not entries[0].routes:
        return entries[0], None  # the row's value does not depend on the route
    return None


def _available(entries: Sequence[_Entry]) -> str:
    return "; ".join(_label(e) for e in entries)


def _result(
    entry: _Entry,
    route: str | None,
    *,
    cn: str,
    country: str,
    info: DatasetInfo,
    fallback: str | None,
) -> DefaultValue:
    row = entry.row
    if row.total is None:  # the callers check; kept as a guard against a damaged CSV
        raise ReferenceDataError(f"{_where(row)} has no total", source=info.source_file)
    return DefaultValue(
        cn=cn,
        row_cn=row.cn,
        description=row.description,
        country=country,
        country_used=row.country,
        route=route,
        direct=row.direct,
        indirect=row.indirect,
        total=row.total,
        sector=row.sector,
        dataset=info,
        location=_where(row),
        fallback=fallback,
        note=entry.route_note if route is not None else None,
    )


def _placeholder(row: DefaultRow) -> str:
    text = row.total_text or "blank"
    shifted = any(v is not None for v in (row.wb_2026, row.wb_2027, row.wb_2028))
    extra = " (its values stand shifted into the mark-up columns)" if shifted else ""
    return f"{_where(row)} reads {text!r}{extra}"


class _Table:
    """Rows of one dataset, indexed by country and CN prefix; immutable once built."""

    __slots__ = ("_index", "_rows", "info")

    def __init__(self, info: DatasetInfo, rows: Iterable[DefaultRow]) -> None:
        self.info = info
        self._rows = tuple(rows)
        self._index = _RowIndex(self._rows)

    @property
    def rows(self) -> tuple[DefaultRow, ...]:
        """Every row of the dataset, in source order (headings and continuations included)."""
        return self._rows


class DefaultValueTable(_Table):
    """One loaded IR 2025/2621 Annex I dataset (the packaged one or a user's newer workbook).

    Immutable once built; look values up with :meth:`lookup`.
    """

    __slots__ = ()

    @property
    def countries(self) -> frozenset[str]:
        """ISO codes with a table of their own (``"OTHER"`` included)."""
        return frozenset(self._index.sheets)

    def lookup(self, cn: str | int, country: str, *, route: str | None = None) -> DefaultValue:
        """The default value of CN code ``cn`` produced in ``country``.

        IR 2025/2621 Annex I: the country's row, else "Other countries and territories"
        (``fallback`` says why). Raises :class:`~cbam.errors.UnknownCNCodeError` /
        :class:`~cbam.errors.UnknownCountryError` for malformed codes, :class:`InputError` for
        EU or Annex III origins and for a missing or unknown ``route`` where rows differ by
        route, :class:`NoValueError` when no row anywhere answers.
        """
        code = validate_cn(cn)
        iso = validate_country(country)
        if iso in EU_MEMBER_STATES:
            raise InputError(
                f"{country_name(iso)} ({iso}) is an EU member state: goods from there are not "
                "CBAM imports and have no default value (Reg. (EU) 2023/956 Art. 2(1))",
                field="country",
            )
        if iso in EXEMPT_COUNTRIES:
            raise InputError(
                f"{country_name(iso)} ({iso}) is listed in Reg. (EU) 2023/956 Annex III point 1: "
                "goods originating there are not CBAM imports",
                field="country",
            )
        want = _normalise_route(route)
        name = country_name(iso)
        act = self.info.legal_act
        sheet = self._index.sheets.get(iso)
        own: _Entry | None = None
        if sheet is None:
            reason = f"{name} ({iso}) has no table of its own in {act}"
        else:
            entries = self._index.match(iso, code)
            if not entries:
                reason = (
                    f"{name} has no default value for {format_cn(code)} (no row in sheet '{sheet}')"
                )
            else:
                picked = _choose(entries, want, code)
                if picked is None:
                    reason = (
                        f"sheet '{sheet}' has no row for {format_cn(code)} with route ({want}) "
                        f"(it has: {_available(entries)})"
                    )
                else:
                    own, used_route = picked
                    if own.row.total is not None:
                        return _result(
                            own, used_route, cn=code, country=iso, info=self.info, fallback=None
                        )
                    reason = (
                        f"{name} has no default value for {format_cn(own.row.cn)} "
                        f"({_placeholder(own.row)})"
                    )
        other = self._index.match(OTHER, code)
        if not other:
            raise NoValueError(
                f"no default value for CN {format_cn(code)}: {reason}, and 'Other countries and "
                f"territories' has no row for it either",
                source=self.info.label,
            )
        picked = _choose(other, want, code, prefer=own)
        if picked is None:
            raise InputError(
                f"no default value for CN {format_cn(code)} with route ({want}); "
                f"available: {_available(other)}",
                field="route",
            )
        entry, used_route = picked
        if entry.row.total is None:
            raise NoValueError(
                f"no default value for CN {format_cn(code)}: {reason}, and "
                f"{_placeholder(entry.row)}",
                source=self.info.label,
            )
        fallback = f"{reason}; {act} 'Other countries and territories' applies"
        return _result(entry, used_route, cn=code, country=iso, info=self.info, fallback=fallback)

    def answering_rows(self) -> Iterator[tuple[DefaultRow, tuple[str, ...]]]:
        """Every row that can answer a lookup, with its effective route letters (a row without
        a letter borrows that of the "Other countries" row of the same description).

        >>> row, routes = next(packaged_defaults().answering_rows())
        >>> row.country, routes
        ('AL', ())
        """
        for by_code in self._index.codes.values():
            for entries in by_code.values():
                for entry in entries:
                    yield entry.row, entry.routes

    def lookup_all(self, cn: str | int, country: str) -> tuple[DefaultValue, ...]:
        """Every default value of ``cn`` from ``country``: one, or one per production route
        where the rows differ by route (grey (A) and white (B) clinker), IR 2025/2621 Annex I.

        Same fall-backs and errors as :meth:`lookup`, but never an error for a missing route.

        >>> [(v.route, v.total) for v in packaged_defaults().lookup_all("25231000", "DZ")]
        [('A', Decimal('1.28')), ('B', Decimal('1.34'))]
        """
        try:
            return (self.lookup(cn, country),)
        except InputError as exc:
            if exc.field != "route":
                raise
        code = validate_cn(cn)
        entries = self._index.match(validate_country(country), code) or self._index.match(
            OTHER, code
        )
        letters = sorted({letter for entry in entries for letter in entry.routes})
        return tuple(self.lookup(code, country, route=letter) for letter in letters)


class UnknownCountryDefaults(_Table):
    """IR 2025/2621 Annex IV: precursors whose country of production cannot be identified."""

    __slots__ = ()

    def lookup(self, cn: str | int, *, route: str | None = None) -> DefaultValue:
        """The Annex IV "highest default value" of ``cn`` (IR 2025/2621 Art. 1 and Annex IV).

        Same code and route rules as :meth:`DefaultValueTable.lookup`; ``country`` and
        ``country_used`` are ``"UNKNOWN"``.
        """
        code = validate_cn(cn)
        want = _normalise_route(route)
        entries = self._index.match(UNKNOWN, code)
        if not entries:
            raise NoValueError(
                f"{self.info.legal_act} has no default value for CN {format_cn(code)}",
                source=self.info.label,
            )
        picked = _choose(entries, want, code)
        if picked is None:
            raise InputError(
                f"no default value for CN {format_cn(code)} with route ({want}) in "
                f"{self.info.legal_act}; available: {_available(entries)}",
                field="route",
            )
        entry, used_route = picked
        reason = (
            f"country of production unknown: {self.info.legal_act} (highest default value) applies"
        )
        return _result(entry, used_route, cn=code, country=UNKNOWN, info=self.info, fallback=reason)


def _read_packaged(name: str, dataset_id: str, data_dir: Path) -> tuple[DatasetInfo, str]:
    info = dataset(dataset_id)
    path = data_dir / name
    try:
        return info, path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReferenceDataError(
            "packaged default values are missing; run the converter "
            "(cbam.reference.convert_defaults)",
            source=str(path),
        ) from None


@cache
def packaged_defaults() -> DefaultValueTable:
    """The packaged IR 2025/2621 Annex I default values (loaded once, then cached)."""
    info, text = _read_packaged(DEFAULT_VALUES_CSV, "default_values", DATA_DIR)
    try:
        rows = rows_from_csv(text)
    except (ValueError, IndexError) as exc:
        raise ReferenceDataError(f"damaged data file: {exc}", source=DEFAULT_VALUES_CSV) from None
    return DefaultValueTable(info, rows)


@cache
def unknown_country_defaults() -> UnknownCountryDefaults:
    """The packaged IR 2025/2621 Annex IV default values (loaded once, then cached)."""
    info, text = _read_packaged(UNKNOWN_COUNTRY_CSV, "default_values_unknown_country", DATA_DIR)
    try:
        rows = unknown_rows_from_csv(text)
    except (ValueError, IndexError) as exc:
        raise ReferenceDataError(f"damaged data file: {exc}", source=UNKNOWN_COUNTRY_CSV) from None
    return UnknownCountryDefaults(info, rows)


def load_defaults_workbook(path: Path) -> DefaultValueTable:
    """A newer official default-value workbook (same layout), converted in memory.

    Its :class:`DatasetInfo` comes from its own "Version History" sheet and SHA-256, so results
    name the version used. A file that cannot be read raises :class:`InputError` naming the
    file, sheet and cell.
    """
    # The workbook reader (and openpyxl) is only needed here: imported on first use.
    from cbam.reference.convert_defaults import read_default_values_workbook

    parsed = read_default_values_workbook(Path(path))
    return DefaultValueTable(parsed.info, parsed.rows)


def electricity_default(cn: str | int, country: str) -> DefaultValue:
    """Default for imported electricity: the IR 2025/2621 Annex III CO2 emission factor.

    In t CO2 per MWh (the law's functional unit is kWh; Annex III publishes per MWh); no
    mark-up (:func:`cbam.rules.markup` is 0 for electricity). The factor, its fall-back (a
    country not listed takes the EU factor) and provenance come from
    :func:`cbam.reference.factors.electricity_factor`; this only reshapes it.
    """
    code = validate_cn(cn)
    iso = validate_country(country)
    if iso in EU_MEMBER_STATES or iso in EXEMPT_COUNTRIES:
        raise InputError(
            f"electricity from {country_name(iso)} ({iso}) is not a CBAM import "
            "(Reg. (EU) 2023/956 Art. 2(1) and Annex III)",
            field="country",
        )
    # Imported lazily: the factors module belongs to another part of the reference data.
    factors = importlib.import_module("cbam.reference.factors")
    factor = factors.electricity_factor(iso)
    return DefaultValue(
        cn=code,
        row_cn=code,
        description="Electrical energy",
        country=iso,
        country_used=factor.country_used,
        route=None,
        direct=factor.value,
        indirect=None,
        total=factor.value,
        sector=Sector.ELECTRICITY,
        dataset=factor.dataset,
        location=factor.location,
        fallback=factor.fallback,
        note="t CO2 per MWh of electricity (IR 2025/2621 Annex III)",
    )
