"""Fakes of the reference data and helpers for the installation-engine tests.

The fake goods catalogue, grid factors and default values are small and hand-written so that the
tests do not depend on the packaged datasets (integration tests use those separately).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from cbam.codes import EU_MEMBER_STATES, EXEMPT_COUNTRIES, compact_cn, validate_country
from cbam.errors import InputError, NotACbamGoodError, NoValueError
from cbam.installation import Installation, parse_installation
from cbam.reference.manifest import DatasetInfo
from cbam.rules import Sector, markup

D = Decimal

GRID_INFO = DatasetInfo(
    id="grid_factors",
    title="fake grid factors",
    legal_act="IR 2025/2621 Annex II",
    version="test",
    version_date="2025-12-31",
    source_file="fake.txt",
    sha256="0" * 64,
)
DEFAULT_INFO = DatasetInfo(
    id="default_values",
    title="fake defaults",
    legal_act="IR 2025/2621 Annex I",
    version="test",
    version_date="2026-02-04",
    source_file="fake.xlsx",
    sha256="1" * 64,
)
ANNEX_IV_INFO = DEFAULT_INFO.model_copy(
    update={"id": "default_values_unknown_country", "legal_act": "IR 2025/2621 Annex IV"}
)


@dataclass(frozen=True)
class FakeCategory:
    name: str
    sector: Sector
    direct_only: bool


CATS = {
    "cement clinker": FakeCategory("Cement clinker", Sector.CEMENT, False),
    "cement": FakeCategory("Cement", Sector.CEMENT, False),
    "sintered ore": FakeCategory("Sintered ore", Sector.IRON_STEEL, False),
    "pig iron": FakeCategory("Pig iron", Sector.IRON_STEEL, True),
    "crude steel": FakeCategory("Crude steel", Sector.IRON_STEEL, True),
    "iron or steel products": FakeCategory("Iron or steel products", Sector.IRON_STEEL, True),
    "unwrought aluminium": FakeCategory("Unwrought aluminium", Sector.ALUMINIUM, True),
    "hydrogen": FakeCategory("Hydrogen", Sector.HYDROGEN, True),
    "ammonia": FakeCategory("Ammonia", Sector.FERTILISERS, False),
    "nitric acid": FakeCategory("Nitric acid", Sector.FERTILISERS, False),
}
CN_CATS = {
    "25231000": "cement clinker",
    "25232900": "cement",
    "26011200": "sintered ore",
    "72011011": "pig iron",
    "72011019": "pig iron",
    "72061000": "crude steel",
    "72081000": "iron or steel products",
    "76011010": "unwrought aluminium",
    "28041000": "hydrogen",
    "28141000": "ammonia",
    "28080000": "nitric acid",
}


@dataclass(frozen=True)
class FakeFactor:
    country: str
    country_used: str
    value: Decimal
    dataset: DatasetInfo
    location: str
    fallback: str | None = None


GRID = {"CN": D("0.605"), "TR": D("0.420"), "IN": D("0.726")}
GRID_OTHER = D("0.465")


@dataclass(frozen=True)
class FakeDefault:
    cn: str
    row_cn: str
    country: str
    country_used: str
    route: str | None
    direct: Decimal | None
    indirect: Decimal | None
    total: Decimal
    sector: Sector
    dataset: DatasetInfo
    location: str
    fallback: str | None = None

    def markup(self, year: int) -> Decimal:
        return markup(self.sector, year)

    def value_used(self, year: int) -> Decimal:
        return self.total * (1 + self.markup(year))


# (cn, country) -> (direct, indirect, total, route); "OTHER" is the fall-back row,
# "UNKNOWN" is Annex IV.
DEFAULTS: dict[tuple[str, str], list[tuple[Any, Any, Any, str | None]]] = {
    ("25231000", "CN"): [
        (D("1.35"), D("0.04"), D("1.39"), "A"),
        (D("1.24"), D("0.06"), D("1.30"), "B"),
    ],
    ("25231000", "OTHER"): [(D("1.37"), D("0.05"), D("1.41"), "A")],
    ("25231000", "UNKNOWN"): [(None, None, D("1.440"), "A")],
    ("72011011", "CN"): [(None, None, D("1.66"), None)],
    ("72011019", "CN"): [(None, None, D("1.80"), None)],
    ("72011011", "OTHER"): [(None, None, D("3.48"), None)],
    ("26011200", "OTHER"): [(D("0.6166"), D("0.0704"), D("0.686"), None)],
    ("28141000", "CN"): [(D("4.17"), D("0.19"), D("4.36"), None)],
}


@dataclass
class FakeLookups:
    """Implements cbam.installation.ReferenceLookups from the dictionaries above."""

    calls: list[tuple[str, Any]] = field(default_factory=list)

    def category(self, good: str) -> FakeCategory:
        self.calls.append(("category", good))
        text = str(good).strip()
        if compact_cn(text).isdigit():
            code = compact_cn(text)
            if code.startswith("7204"):
                raise NotACbamGoodError("7204 is ferrous waste and scrap, not a CBAM good")
            if code not in CN_CATS:
                raise NotACbamGoodError(f"{code} is not listed in Annex I")
            return CATS[CN_CATS[code]]
        try:
            return CATS[text.casefold()]
        except KeyError:
            raise InputError(f"unknown goods category {text!r}", field="good") from None

    def category_cns(self, category: str) -> Sequence[str]:
        return tuple(cn for cn, cat in CN_CATS.items() if CATS[cat].name == category)

    def route_letters(self, cn: str) -> frozenset[str]:
        return frozenset(
            route
            for (code, _), rows in DEFAULTS.items()
            if code == cn
            for *_, route in rows
            if route
        )

    def grid_factor(self, country: str) -> FakeFactor:
        self.calls.append(("grid_factor", country))
        code = validate_country(country)
        if code in EU_MEMBER_STATES or code in EXEMPT_COUNTRIES:
            raise NoValueError(f"IR 2025/2621 Annex II has no grid factor for {code}")
        if code in GRID:
            return FakeFactor(code, code, GRID[code], GRID_INFO, f"Annex II, entry {code}")
        return FakeFactor(
            code,
            "OTHER",
            GRID_OTHER,
            GRID_INFO,
            "Annex II, entry 'Other countries and territories'",
            f"{code} is not listed in Annex II; 'Other countries and territories' applies",
        )

    def default_value(self, cn: str, country: str | None, *, route: str | None) -> FakeDefault:
        self.calls.append(("default_value", (cn, country, route)))
        key_country = "UNKNOWN" if country is None else country
        rows = DEFAULTS.get((cn, key_country))
        fallback = None
        used = key_country
        if rows is None and country is not None:
            rows = DEFAULTS.get((cn, "OTHER"))
            used = "OTHER"
            fallback = f"{country} has no value for {cn}; 'Other countries and territories'"
        if rows is None:
            raise NoValueError(f"no default value for {cn}")
        if len(rows) > 1:
            if route is None:
                raise InputError(f"{cn} has several routes: {[r[3] for r in rows]}", field="route")
            rows = [r for r in rows if r[3] == route]
            if not rows:
                raise InputError(f"no route {route} for {cn}", field="route")
        direct, indirect, total, row_route = rows[0]
        info = ANNEX_IV_INFO if country is None else DEFAULT_INFO
        return FakeDefault(
            cn=cn,
            row_cn=cn,
            country=key_country,
            country_used=used,
            route=row_route,
            direct=direct,
            indirect=indirect,
            total=total,
            sector=CATS[CN_CATS[cn]].sector,
            dataset=info,
            location=f"sheet {used}, row 1",
            fallback=fallback,
        )


def installation(data: dict[str, Any], source: str | None = "test.json") -> Installation:
    """Validate a dict the way load_installation does (numbers as Decimal)."""
    return parse_installation(json.loads(json.dumps(data), parse_float=D), source=source)


def write(tmp_path: Path, data: Any, name: str = "inst.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def base(**process: Any) -> dict[str, Any]:
    """A one-process installation in China, to be modified by the tests."""
    p = {"id": "P1", "good": "crude steel", "activity_level": 1000, "direct_emissions": 500}
    p.update(process)
    return {
        "installation": {"name": "Test plant", "country": "CN"},
        "reporting_period": {"start": "2026-01-01", "end": "2026-12-31"},
        "processes": [p],
    }
