"""The reference data the installation engine needs, behind a Protocol so tests can fake it.

The engine asks five questions: what category (and so sector, Annex II status) a good is in,
which CN codes a category holds, the grid emission factor of a country (IR 2025/2621 Annex II),
the default value of a precursor (IR 2025/2621 Annex I, or Annex IV when the country of
production is unknown) and the production-route letters of a CN code (IR 2025/2620/2621).
:class:`PackagedLookups` answers them from the library's packaged datasets (``cbam.goods``,
``cbam.reference.factors``, ``cbam.reference.defaults``, ``cbam.reference.routes``), imported
lazily so that the engine loads even where a dataset is missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol, cast

from cbam.reference.manifest import DatasetInfo


class CategoryLike(Protocol):
    """An aggregated goods category (IR 2025/2547 Annex I Table 1)."""

    @property
    def name(self) -> str: ...
    @property
    def sector(self) -> Any: ...
    @property
    def direct_only(self) -> bool: ...


class FactorLike(Protocol):
    """A grid emission factor with its provenance (IR 2025/2621 Annex II)."""

    @property
    def country_used(self) -> str: ...
    @property
    def value(self) -> Decimal: ...
    @property
    def dataset(self) -> DatasetInfo: ...
    @property
    def location(self) -> str: ...
    @property
    def fallback(self) -> str | None: ...


class DefaultLike(Protocol):
    """A default value with its provenance (IR 2025/2621 Annex I or IV)."""

    @property
    def cn(self) -> str: ...
    @property
    def row_cn(self) -> str: ...
    @property
    def country_used(self) -> str: ...
    @property
    def route(self) -> str | None: ...
    @property
    def direct(self) -> Decimal | None: ...
    @property
    def indirect(self) -> Decimal | None: ...
    @property
    def total(self) -> Decimal: ...
    @property
    def dataset(self) -> DatasetInfo: ...
    @property
    def location(self) -> str: ...
    @property
    def fallback(self) -> str | None: ...
    def markup(self, year: int) -> Decimal: ...
    def value_used(self, year: int) -> Decimal: ...


class ReferenceLookups(Protocol):
    """What :func:`cbam.installation.compute_see` looks up; inject a fake in tests."""

    def category(self, good: str) -> CategoryLike:
        """The category of a category name (as the template spells it) or a CN code.

        Raises InputError / NotACbamGoodError / UnknownCNCodeError for an unknown good.
        """
        ...

    def category_cns(self, category: str) -> Sequence[str]:
        """The 8-digit CN codes of a category (canonical name)."""
        ...

    def grid_factor(self, country: str) -> FactorLike:
        """IR 2025/2621 Annex II factor; NoValueError for EU/exempt countries."""
        ...

    def default_value(self, cn: str, country: str | None, *, route: str | None) -> DefaultLike:
        """IR 2025/2621 Annex I value for ``country``; Annex IV when ``country`` is None."""
        ...

    def route_letters(self, cn: str) -> frozenset[str]:
        """The production-route letters of a CN code in IR 2025/2620 or IR 2025/2621."""
        ...


class PackagedLookups:
    """:class:`ReferenceLookups` answered by the library's packaged reference data."""

    def category(self, good: str) -> CategoryLike:
        return cast(CategoryLike, _module("cbam.goods").category(good))

    def category_cns(self, category: str) -> Sequence[str]:
        goods = _module("cbam.goods").all_goods()
        return tuple(str(g.cn) for g in goods if g.category.name == category)

    def grid_factor(self, country: str) -> FactorLike:
        return cast(FactorLike, _module("cbam.reference.factors").grid_factor(country))

    def route_letters(self, cn: str) -> frozenset[str]:
        return cast(frozenset[str], _module("cbam.reference.routes").route_letters(cn))

    def default_value(self, cn: str, country: str | None, *, route: str | None) -> DefaultLike:
        defaults = _module("cbam.reference.defaults")
        if country is None:
            return cast(DefaultLike, _unknown_country_lookup(defaults, cn, route))
        return cast(DefaultLike, defaults.packaged_defaults().lookup(cn, country, route=route))


def _unknown_country_lookup(defaults: Any, cn: str, route: str | None) -> Any:
    """IR 2025/2621 Annex IV: the table keyed by CN only (country of production unknown)."""
    table = defaults.unknown_country_defaults()
    return table.lookup(cn, route=route)


def _module(name: str) -> Any:
    """Import a reference module on first use (it may be absent in a partial install)."""
    return importlib.import_module(name)
