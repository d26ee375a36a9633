"""Attributed emissions of a production process: IR 2025/2547 Annex III A (Eqs. 52-58).

Pure formula functions first (one equation each), then :func:`attribute_process`, which
assembles Eq. 55 and 56 for one process of an installation file and records every term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cbam.errors import CbamError, InputError
from cbam.installation.lookups import ReferenceLookups
from cbam.installation.model import Process
from cbam.installation.result import ElectricityFactor, Provenance, Term
from cbam.rules import EF_NG, WASTE_GAS_CORR

_ZERO = Decimal(0)

#: IR 2025/2547 Annex III A.2.2 / A.3: boiler efficiency assumed for heat whose fuel mix is
#: unknown (standard emission factor of the fuel / 0.9).
BOILER_EFFICIENCY = Decimal("0.9")

#: Exported heat of unknown fuel mix: natural gas (Annex II G Table 1, 56.1 t CO2/TJ) burnt in a
#: boiler of 90 % efficiency: 56.1 / 0.9 = 62.333... t CO2/TJ of heat.
EXPORTED_HEAT_DEFAULT_EF = EF_NG / BOILER_EFFICIENCY

#: Tolerance for "DirEm* from source streams agrees with the given direct_emissions": half a
#: tonne (emissions are reported in whole tonnes, Annex II A.1(6)) or 1e-6 relative.
AGREEMENT_ABS = Decimal("0.5")
AGREEMENT_REL = Decimal("1e-6")


# --- Formulas ---------------------------------------------------------------------------------


def heat_emissions(heat_tj: Decimal, emission_factor: Decimal) -> Decimal:
    """Emissions of measurable heat, IR 2025/2547 Annex III A.3 (printed there as "Equation 52"):
    ``Em_H = Q x EF_heat`` with Q in TJ and EF_heat in t CO2/TJ."""
    return heat_tj * emission_factor


def waste_gas_import_correction(energy_tj: Decimal) -> Decimal:
    """IR 2025/2547 Annex III A.2.3 Eq. 53: ``WG_corr,imp = V_WG x NCV_WG x EF_NG``.

    ``energy_tj`` is V_WG x NCV_WG (TJ); EF_NG = 56.1 t CO2/TJ (Annex II G Table 1).
    """
    return energy_tj * EF_NG


def waste_gas_export_correction(energy_tj: Decimal, corr_eta: Decimal = WASTE_GAS_CORR) -> Decimal:
    """IR 2025/2547 Annex III A.2.3 Eq. 54: ``WG_corr,exp = V x NCV x EF_NG x Corr_eta``.

    Corr_eta = 0.667 unless the operator evidences another value.
    """
    return energy_tj * EF_NG * corr_eta


def electricity_emissions(mwh: Decimal, emission_factor: Decimal) -> Decimal:
    """IR 2025/2547 Annex II D Eq. 35: ``Em_el = E_el [MWh] x EF_el [t CO2/MWh]``."""
    return mwh * emission_factor


def attributed_direct(
    dir_em_star: Decimal,
    heat_imported: Decimal = _ZERO,
    heat_exported: Decimal = _ZERO,
    wg_import: Decimal = _ZERO,
    wg_export: Decimal = _ZERO,
    electricity_produced: Decimal = _ZERO,
) -> tuple[Decimal, bool]:
    """IR 2025/2547 Annex III A.3 Eq. 55; returns (AttrEm_Dir, whether it was set to zero).

    ``AttrEm_Dir = DirEm* + Em_H,imp - Em_H,exp + WG_corr,imp - WG_corr,exp - Em_el,prod``;
    a negative result is set to zero, as Eq. 55 requires.
    """
    value = (
        dir_em_star + heat_imported - heat_exported + wg_import - wg_export - electricity_produced
    )
    if value < 0:
        return _ZERO, True
    return value, False


def specific(attributed: Decimal, activity_level: Decimal) -> Decimal:
    """IR 2025/2547 Annex III Eqs. 57, 58 and 63: ``SEE (or ae_g) = AttrEm / AL_g``."""
    return attributed / activity_level


# --- One process ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribution:
    """Eq. 55/56 for one process, with its terms."""

    dir_em_star: Decimal
    dir_em_basis: str
    terms: tuple[Term, ...]
    direct: Decimal
    set_to_zero: bool
    indirect: Decimal
    electricity_factor: ElectricityFactor
    notes: tuple[str, ...]


def direct_emissions_star(
    process: Process,
    stream_total: Decimal | None,
    *,
    source: str | None,
    location: str,
) -> tuple[Decimal, str, list[str]]:
    """DirEm* of a process (IR 2025/2547 Annex III A.3): its source streams, or the given value.

    When both are present they must agree within half a tonne or 1e-6 relative; the streams'
    full-precision sum is then used. Neither present: DirEm* = 0, said in the notes.
    """
    notes: list[str] = []
    given = process.direct_emissions
    if stream_total is None and given is None:
        notes.append("no source streams and no direct_emissions for this process: DirEm* = 0")
        return _ZERO, "none given (0)", notes
    if stream_total is None:
        assert given is not None
        return given, "direct_emissions given", notes
    if given is None:
        return stream_total, "sum of source streams", notes
    tolerance = max(AGREEMENT_ABS, AGREEMENT_REL * abs(stream_total))
    if abs(given - stream_total) > tolerance:
        raise InputError(
            f"direct_emissions {given} t CO2e disagrees with the sum of this process's source "
            f"streams, {stream_total} t CO2e; give one of them, or make them agree",
            source=source,
            location=location,
            field="direct_emissions",
        )
    notes.append(
        f"direct_emissions {given} agrees with the source streams ({stream_total}); "
        "the streams' full-precision sum is used"
    )
    return stream_total, "sum of source streams (agrees with direct_emissions)", notes


def attribute_process(
    process: Process,
    stream_total: Decimal | None,
    *,
    country: str,
    lookups: ReferenceLookups,
    source: str | None,
    location: str,
) -> Attribution:
    """Eq. 55 (direct) and Eq. 56 (indirect) for one process, every term recorded.

    - Imported heat needs its emission factor (``heat.imported_ef``): the law's fall-back is
      the standard factor of the country's most used industrial fuel / 0.9, which the library
      cannot know, so it asks instead of guessing.
    - Exported heat without ``exported_ef``: natural gas in a 90 % boiler, 56.1/0.9 t CO2/TJ,
      said in the notes.
    - Electricity consumed without ``emission_factor``: the grid factor of ``country``
      (IR 2025/2621 Annex II), with its dataset and any fall-back in the result.
    - Electricity produced needs ``electricity.produced_ef`` (Annex II D).
    """
    notes: list[str] = []
    dir_em, basis, dir_notes = direct_emissions_star(
        process, stream_total, source=source, location=location
    )
    notes.extend(dir_notes)
    heat_imp = _imported_heat(process, source=source, location=location)
    heat_exp, heat_exp_note = _exported_heat(process)
    if heat_exp_note is not None:
        notes.append(heat_exp_note)
    wg = process.waste_gas
    wg_imp = waste_gas_import_correction(wg.imported_tj)
    corr = WASTE_GAS_CORR if wg.corr_eta is None else wg.corr_eta
    wg_exp = waste_gas_export_correction(wg.exported_tj, corr)
    el_prod = _produced_electricity(process, source=source, location=location)

    direct, zeroed = attributed_direct(dir_em, heat_imp, heat_exp, wg_imp, wg_exp, el_prod)
    if zeroed:
        notes.append(
            "the attributed direct emissions came out negative and were set to zero "
            "(IR 2025/2547 Annex III Eq. 55)"
        )
    terms = (
        Term(name="DirEm*", value=dir_em, equation="IR 2025/2547 Annex III Eq. 55", note=basis),
        Term(name="Em_H,imp", value=heat_imp, equation="IR 2025/2547 Annex III A.3 Em_H = Q x EF"),
        Term(
            name="-Em_H,exp",
            value=-heat_exp,
            equation="IR 2025/2547 Annex III A.3 Em_H = Q x EF",
            note=heat_exp_note,
        ),
        Term(name="WG_corr,imp", value=wg_imp, equation="IR 2025/2547 Annex III Eq. 53"),
        Term(
            name="-WG_corr,exp",
            value=-wg_exp,
            equation="IR 2025/2547 Annex III Eq. 54",
            note=None if wg.corr_eta is None else f"Corr_eta {corr} given instead of 0.667",
        ),
        Term(name="-Em_el,prod", value=-el_prod, equation="IR 2025/2547 Annex II D Eq. 35"),
    )

    factor = _electricity_factor(
        process, country=country, lookups=lookups, source=source, location=location
    )
    indirect = _ZERO
    if factor.value is not None:
        indirect = electricity_emissions(process.electricity.consumed_mwh, factor.value)
    grid_note = _grid_factor_note(factor)
    if grid_note is not None:
        notes.append(grid_note)
    return Attribution(
        dir_em_star=dir_em,
        dir_em_basis=basis,
        terms=terms,
        direct=direct,
        set_to_zero=zeroed,
        indirect=indirect,
        electricity_factor=factor,
        notes=tuple(notes),
    )


def _imported_heat(process: Process, *, source: str | None, location: str) -> Decimal:
    """Em_H,imp of IR 2025/2547 Annex III A.3; the emission factor must be given."""
    heat = process.heat
    if heat.imported_tj <= 0:
        return _ZERO
    if heat.imported_ef is None:
        raise InputError(
            "imported heat needs its emission factor in t CO2/TJ: the supplier's verified "
            "value, or the standard factor of the fuel most used in the country's industry "
            "divided by 0.9 (IR 2025/2547 Annex III A.2.2)",
            source=source,
            location=f"{location}.heat",
            field="imported_ef",
        )
    return heat_emissions(heat.imported_tj, heat.imported_ef)


def _exported_heat(process: Process) -> tuple[Decimal, str | None]:
    """Em_H,exp of IR 2025/2547 Annex III A.3, and the note when natural gas was assumed."""
    heat = process.heat
    if heat.exported_tj <= 0:
        return _ZERO, None
    if heat.exported_ef is not None:
        return heat_emissions(heat.exported_tj, heat.exported_ef), None
    note = (
        "exported heat has no emission factor: natural gas in a 90 % boiler assumed, "
        "56.1/0.9 t CO2/TJ (IR 2025/2547 Annex III A.3, Annex II G Table 1)"
    )
    return heat_emissions(heat.exported_tj, EXPORTED_HEAT_DEFAULT_EF), note


def _produced_electricity(process: Process, *, source: str | None, location: str) -> Decimal:
    """Em_el,prod of IR 2025/2547 Annex II D Eq. 35; the emission factor must be given."""
    el = process.electricity
    if el.produced_mwh <= 0:
        return _ZERO
    if el.produced_ef is None:
        raise InputError(
            "electricity produced in the process needs its emission factor in t CO2/MWh "
            "(IR 2025/2547 Annex II D, e.g. Eq. 38 from the fuels used)",
            source=source,
            location=f"{location}.electricity",
            field="produced_ef",
        )
    return electricity_emissions(el.produced_mwh, el.produced_ef)


def _grid_factor_note(factor: ElectricityFactor) -> str | None:
    """The note saying which grid factor stood in for a missing electricity factor."""
    if factor.basis != "grid factor" or factor.provenance is None:
        return None
    return (
        f"no electricity emission factor given: grid factor {factor.value} t CO2/MWh of "
        f"{factor.provenance.country_used} used ({factor.provenance.dataset}, "
        f"{factor.provenance.location})"
        + (f"; {factor.provenance.fallback}" if factor.provenance.fallback else "")
    )


def _electricity_factor(
    process: Process,
    *,
    country: str,
    lookups: ReferenceLookups,
    source: str | None,
    location: str,
) -> ElectricityFactor:
    el = process.electricity
    if el.emission_factor is not None:
        return ElectricityFactor(value=el.emission_factor, basis="given")
    if el.consumed_mwh == 0:
        return ElectricityFactor(value=None, basis="not needed")
    try:
        found = lookups.grid_factor(country)
    except CbamError as exc:
        raise InputError(
            f"no electricity emission factor is given and the installation's country {country} "
            f"has no grid factor to fall back on ({exc.reason}); give "
            "electricity.emission_factor in t CO2/MWh",
            source=source,
            location=f"{location}.electricity",
            field="emission_factor",
        ) from exc
    return ElectricityFactor(
        value=found.value,
        basis="grid factor",
        provenance=Provenance(
            dataset=found.dataset.label,
            dataset_id=found.dataset.id,
            location=found.location,
            country_used=found.country_used,
            fallback=found.fallback,
        ),
    )


def sum_or_none(values: Sequence[Decimal]) -> Decimal | None:
    """The sum of ``values``, or None when there are none (no streams for a process)."""
    if not values:
        return None
    return sum(values, _ZERO)
