"""Packaged official datasets and their typed, cached lookups.

The lookups answer with the value *and* its provenance (dataset, version, sheet and row,
fall-back taken). Modules load lazily so that importing :mod:`cbam` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cbam.reference.manifest import DatasetInfo, load_manifest
from cbam.reference.prices import CertificatePrice, PriceTable

if TYPE_CHECKING:
    from cbam.reference.benchmarks import Benchmark
    from cbam.reference.defaults import DefaultValue, DefaultValueTable
    from cbam.reference.factors import EmissionFactor

__all__ = [
    "CertificatePrice",
    "DatasetInfo",
    "PriceTable",
    "benchmark",
    "datasets",
    "default_value",
    "electricity_factor",
    "grid_factor",
    "load_defaults_workbook",
]


def datasets() -> dict[str, DatasetInfo]:
    """The packaged datasets by id, with their provenance."""
    return dict(load_manifest())


def default_value(
    cn: str | int,
    country: str,
    *,
    route: str | None = None,
    table: DefaultValueTable | None = None,
) -> DefaultValue:
    """The default value of a CBAM good from a country (IR 2025/2621 Art. 1, Annexes I and III).

    Goods other than electricity: IR 2025/2621 Annex I for the country, falling back to "Other
    countries and territories" when the country has no value (no sheet, no row, or a dash), and
    saying so in ``fallback``. Electricity (CN 2716 00 00): the Annex III CO2 emission factor of the
    country, else the EU factor (Art. 1(4)).

    Parameters
    ----------
    cn : str or int
        CN code: ``72081000``, ``"7208 10 00"``, ``"7208.10.00"`` or a 10-digit TARIC code.
    country : str
        Country of origin, ISO 3166-1 alpha-2.
    route : str, optional
        Production-route indicator (``"A"`` ... ``"L"``) where the CN code has several rows, e.g.
        grey (A) and white (B) clinker.
    table : DefaultValueTable, optional
        A newer official workbook loaded with :func:`load_defaults_workbook`; default: the
        packaged IR 2025/2621 Annex I dataset.

    Returns
    -------
    DefaultValue
        ``direct``, ``indirect`` and ``total`` in t CO2e per t of good (per MWh for electricity),
        as published, with ``dataset``, ``location`` (sheet and row), ``country_used`` and
        ``fallback``. ``value_used(year)`` adds the year's mark-up to the total (IR 2025/2621
        Annex I: 10 %, 20 %, 30 % ...).

    Raises
    ------
    NotACbamGoodError
        The CN code is outside Annex I of Reg. (EU) 2023/956.
    UnknownCountryError
        The country code is not ISO 3166-1 alpha-2.
    InputError
        The code has several rows by production route and ``route`` is missing or not among them.

    Examples
    --------
    >>> clinker = default_value("2523 10 00", "CN", route="A")
    >>> clinker.total, clinker.value_used(2026), clinker.location
    (Decimal('1.39'), Decimal('1.5290'), "sheet 'China', row 6")
    >>> default_value("7208 10 00", "AL").country_used  # no Albanian row: other countries
    'OTHER'
    >>> default_value("2523 10 00", "XX")
    Traceback (most recent call last):
        ...
    cbam.errors.UnknownCountryError: country code 'XX' is not an ISO 3166-1 alpha-2 code
    """
    from cbam.goods import good
    from cbam.reference.defaults import packaged_defaults
    from cbam.rules import Sector

    item = good(cn)
    if item.category.sector is Sector.ELECTRICITY:
        from cbam.reference.defaults import electricity_default

        return electricity_default(item.cn, country)
    return (table or packaged_defaults()).lookup(item.cn, country, route=route)


def load_defaults_workbook(path: str | Path) -> DefaultValueTable:
    """Load a newer official default-value workbook (IR 2025/2621 Annex I format) without a release.

    The workbook is converted in memory with the same checks as the packaged data (IR 2026/1740,
    for example, replaced Annex I from 1 January 2026).

    Parameters
    ----------
    path : str or Path
        The Commission's default-value workbook (.xlsx).

    Returns
    -------
    DefaultValueTable
        Values in t CO2e per t of good; pass it as ``table=`` / ``defaults_table=``. Its ``info``
        names the workbook's own version (sheet "Version History") and SHA-256.

    Raises
    ------
    InputError
        The file is not a readable default-value workbook (the reason names the file and what is
        missing).

    Examples
    --------
    ``reference_dir`` is the folder of the official sources (``../shared/reference``).

    >>> table = load_defaults_workbook(
    ...     reference_dir / "xlsx" / "default-values-ir-2025-2621-v1-2026-02-04.xlsx"
    ... )
    >>> table.info.version, default_value("2523 10 00", "CN", route="A", table=table).total
    ('v1', Decimal('1.39'))
    >>> load_defaults_workbook("samples/declarant.json")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: samples/declarant.json: not an Excel workbook (.xlsx): ...
    """
    from cbam.reference.defaults import load_defaults_workbook as load

    return load(Path(path))


def benchmark(cn: str | int, column: str, *, year: int, route: str | None = None) -> Benchmark:
    """The CBAM benchmark of a good for a year (IR 2025/2620 Annex, Columns A and B).

    Column A is the process benchmark, used with actual emissions (Annex pt 3.1; precursors add
    their own, pt 3.3 Eq. 4); Column B includes the precursors and is used with default values
    (Annex pt 4).

    Parameters
    ----------
    cn : str or int
        CN code (any accepted spelling).
    column : {"A", "B"}
        The benchmark column.
    year : int
        Import year (2026 onwards); rows limited to production periods ("(1)" 2026-27, "(2)"
        2028-30) are chosen by it.
    route : str, optional
        Production-route indicator (``"A"`` ... ``"L"``) where the code has several benchmarks.

    Returns
    -------
    Benchmark
        ``value`` in t CO2e per t of good (``unit``), with ``dataset``, ``location`` and ``note``
        (which route or period was used and why).

    Examples
    --------
    >>> grey_clinker = benchmark("2523 10 00", "A", year=2026, route="A")
    >>> grey_clinker.value, grey_clinker.unit
    (Decimal('0.666'), 't CO2e/t')
    >>> benchmark("2523 10 00", "C", year=2026)
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: field 'column': benchmark column must be 'A' or 'B', got 'C'
    """
    from cbam.goods import good
    from cbam.reference.benchmarks import benchmark as lookup

    item = good(cn)
    return lookup(item.cn, column, year=year, route=route)  # type: ignore[arg-type]


def grid_factor(country: str) -> EmissionFactor:
    """Average grid emission factor of a country for indirect emissions (IR 2025/2621 Annex II).

    Parameters
    ----------
    country : str
        Country of production, ISO 3166-1 alpha-2.

    Returns
    -------
    EmissionFactor
        ``value`` in t CO2e per MWh, with ``dataset``, ``location``, ``country_used`` and
        ``fallback`` ("Other countries and territories" when the country has no entry).

    Examples
    --------
    >>> grid_factor("CN").value
    Decimal('0.605')
    >>> grid_factor("FR")
    Traceback (most recent call last):
        ...
    cbam.errors.NoValueError: ...: IR 2025/2621 Annex II has no grid factor for France (FR): ...
    """
    from cbam.reference.factors import grid_factor as lookup

    return lookup(country)


def electricity_factor(country: str) -> EmissionFactor:
    """CO2 emission factor of electricity imported from a country (IR 2025/2621 Annex III).

    Parameters
    ----------
    country : str
        Country of origin of the electricity, ISO 3166-1 alpha-2.

    Returns
    -------
    EmissionFactor
        ``value`` in t CO2e per MWh (``unit``), with ``dataset`` and ``location``; the EU factor
        applies (``country_used="EU"``), and ``fallback`` says so, when Annex III lists no value
        for the country.

    Examples
    --------
    >>> electricity_factor("UA").value
    Decimal('0.907')
    >>> china = electricity_factor("CN")
    >>> china.country_used, china.value
    ('EU', Decimal('0.612'))
    >>> electricity_factor("NO")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: field 'country': electricity from Norway (NO) is not a CBAM import: ...
    """
    from cbam.reference.factors import electricity_factor as lookup

    return lookup(country)
