"""Electricity emission factors of IR 2025/2621 Annexes II and III, with provenance.

* :func:`grid_factor` - Annex II: average emission factor of the grid of the country of
  production, used for the indirect emissions of goods outside Annex II of Reg. (EU) 2023/956
  when no actual factor may be used (IR 2025/2547 Annex II pt D; methodology 1.6). A third
  country without an entry takes the "Other countries and territories" value, and says so.
* :func:`electricity_factor` - Annex III: CO2 emission factor of electricity imported from a
  third country (CN 2716 00 00). A third country without an entry takes the "European Union"
  value, and says so.

Values in t CO2e/MWh. The data are IEA data under CC BY-NC-SA 4.0: the dataset's ``licence``
carries the notice (:data:`cbam.reference.convert_factors.IEA_LICENCE`).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from cbam.codes import (
    EU_MEMBER_STATES,
    EXEMPT_COUNTRIES,
    OTHER,
    country_name,
    validate_country,
)
from cbam.errors import InputError, NoValueError, ReferenceDataError, UnknownCountryError
from cbam.reference.manifest import DATA_DIR, DatasetInfo, dataset

GRID_FILE = "grid_factors.csv"
ELECTRICITY_FILE = "electricity_factors.csv"
EU = "EU"


class EmissionFactor(BaseModel):
    """An electricity emission factor and where it came from."""

    model_config = ConfigDict(frozen=True)

    country: str
    """The country asked for (ISO 3166-1 alpha-2; ``"OTHER"`` / ``"EU"`` when asked directly)."""
    country_used: str
    """The entry that answered: the ISO code, ``"OTHER"`` (Annex II) or ``"EU"`` (Annex III)."""
    value: Decimal
    unit: str = "t CO2e/MWh"
    dataset: DatasetInfo
    location: str
    """``"IR 2025/2621 Annex II, entry 'China'"`` (and the line of the source text)."""
    fallback: str | None = None
    """Why another entry than the country's own answered; None when the country is listed."""


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    value: Decimal
    line: int


def load_factors(path: Path) -> dict[str, _Entry]:
    """Read a factors CSV (as the converter writes it) into entries by country code."""
    table: dict[str, _Entry] = {}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                try:
                    entry = _Entry.model_validate(
                        {"name": row["name"], "value": row["value"], "line": row["line"]}
                    )
                    code = row["country"]
                except (ValueError, KeyError, TypeError) as exc:
                    raise ReferenceDataError(
                        f"damaged factor row: {exc}", source=str(path), location=f"row {number}"
                    ) from None
                if code in table:
                    raise ReferenceDataError(
                        f"country {code} appears twice",
                        source=str(path),
                        location=f"row {number}",
                    )
                table[code] = entry
    except FileNotFoundError:
        raise ReferenceDataError(
            "emission factors are not packaged; run cbam.reference.convert_factors",
            source=str(path),
        ) from None
    return table


@cache
def _grid() -> dict[str, _Entry]:
    return load_factors(DATA_DIR / GRID_FILE)


@cache
def _electricity() -> dict[str, _Entry]:
    return load_factors(DATA_DIR / ELECTRICITY_FILE)


def _factor(
    country: str, used: str, entry: _Entry, info: DatasetInfo, fallback: str | None
) -> EmissionFactor:
    return EmissionFactor(
        country=country,
        country_used=used,
        value=entry.value,
        dataset=info,
        location=f"{info.legal_act}, entry '{entry.name}' (line {entry.line} of "
        f"{info.source_file})",
        fallback=fallback,
    )


def _country(country: str) -> str:
    """validate_country, with the field named for the caller's message."""
    try:
        return validate_country(country)
    except UnknownCountryError as exc:
        raise exc.located(field="country") from None


def _label(code: str) -> str:
    return f"{country_name(code)} ({code})"


def grid_factor(country: str) -> EmissionFactor:
    """Average grid emission factor of a third country (IR 2025/2621 Annex II), t CO2e/MWh.

    Used as EF_el in Em_el,cons = E_el x EF_el (IR 2025/2547 Annex II Eq. 35) for the indirect
    emissions of goods outside Annex II of Reg. (EU) 2023/956.

    Raises
    ------
    UnknownCountryError
        Not an ISO 3166-1 alpha-2 code.
    NoValueError
        An EU member state or an Annex III pt 1 exempt country: Annex II lists third countries
        subject to CBAM only.
    """
    info = dataset("grid_factors")
    table = _grid()
    if country.strip().upper() == OTHER:
        return _factor(OTHER, OTHER, table[OTHER], info, None)
    if country.strip().upper() == EU:
        raise NoValueError(
            "IR 2025/2621 Annex II has no grid factor for the European Union (it lists third "
            "countries); for electricity imports see Annex III",
            source=info.label,
            field="country",
        )
    code = _country(country)
    if code in EU_MEMBER_STATES or code in EXEMPT_COUNTRIES:
        why = (
            "an EU member state"
            if code in EU_MEMBER_STATES
            else "outside the scope of CBAM (Reg. (EU) 2023/956 Annex III pt 1)"
        )
        raise NoValueError(
            f"IR 2025/2621 Annex II has no grid factor for {_label(code)}: it is {why}",
            source=info.label,
            field="country",
        )
    if code in table:
        return _factor(code, code, table[code], info, None)
    return _factor(
        code,
        OTHER,
        table[OTHER],
        info,
        f"{_label(code)} has no entry in IR 2025/2621 Annex II; the value for 'Other countries "
        "and territories' applies",
    )


def electricity_factor(country: str) -> EmissionFactor:
    """CO2 emission factor of electricity imported from a third country (IR 2025/2621
    Annex III), t CO2e/MWh; the "European Union" value when the country has no entry.

    Default embedded emissions of electricity = imported MWh x this factor (Reg. (EU) 2023/956
    Annex IV pt 4.1; no mark-up). ``country="EU"`` returns the European Union entry itself.

    Raises
    ------
    UnknownCountryError
        Not an ISO 3166-1 alpha-2 code.
    InputError
        An EU member state or an Annex III pt 1 exempt country: electricity from there is not
        a CBAM import.
    """
    info = dataset("electricity_factors")
    table = _electricity()
    if country.strip().upper() == EU:
        return _factor(EU, EU, table[EU], info, None)
    code = _country(country)
    if code in EU_MEMBER_STATES or code in EXEMPT_COUNTRIES:
        why = (
            "an EU member state"
            if code in EU_MEMBER_STATES
            else "outside the scope of CBAM (Reg. (EU) 2023/956 Annex III pt 1)"
        )
        raise InputError(
            f"electricity from {_label(code)} is not a CBAM import: the country is {why}",
            field="country",
        )
    if code in table:
        return _factor(code, code, table[code], info, None)
    return _factor(
        code,
        EU,
        table[EU],
        info,
        f"{_label(code)} has no entry in IR 2025/2621 Annex III; the 'European Union' value "
        "applies",
    )


def grid_countries() -> tuple[str, ...]:
    """Codes with an Annex II entry (ISO codes and ``"OTHER"``)."""
    return tuple(_grid())


def electricity_countries() -> tuple[str, ...]:
    """Codes with an Annex III entry (ISO codes and ``"EU"``)."""
    return tuple(_electricity())


def clear_cache() -> None:
    """Forget the loaded tables (after re-running the converter)."""
    _grid.cache_clear()
    _electricity.cache_clear()
