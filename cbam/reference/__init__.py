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
    """The default value of a CBAM good from ``country`` (IR 2025/2621).

    Goods other than electricity: Annex I per country, falling back to "Other countries and
    territories" when the country has no value (and saying so). Electricity (CN 2716 00 00):
    the Annex III CO2 emission factor of the country, else the EU factor. Raises
    :class:`~cbam.errors.NotACbamGoodError` for goods outside Annex I of Reg. (EU) 2023/956
    and :class:`~cbam.errors.UnknownCountryError` for an unknown country code.
    ``table`` is a newer workbook loaded with :func:`load_defaults_workbook`.
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
    """A newer official default-value workbook, converted in memory (no new release needed)."""
    from cbam.reference.defaults import load_defaults_workbook as load

    return load(Path(path))


def benchmark(cn: str | int, column: str, *, year: int, route: str | None = None) -> Benchmark:
    """The CBAM benchmark of IR 2025/2620 (Column A or B) for a good, route and year."""
    from cbam.goods import good
    from cbam.reference.benchmarks import benchmark as lookup

    item = good(cn)
    return lookup(item.cn, column, year=year, route=route)  # type: ignore[arg-type]


def grid_factor(country: str) -> EmissionFactor:
    """Average grid emission factor for indirect emissions (IR 2025/2621 Annex II)."""
    from cbam.reference.factors import grid_factor as lookup

    return lookup(country)


def electricity_factor(country: str) -> EmissionFactor:
    """CO2 emission factor of imported electricity (IR 2025/2621 Annex III)."""
    from cbam.reference.factors import electricity_factor as lookup

    return lookup(country)
