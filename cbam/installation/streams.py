"""Source-stream equations: direct emissions of fuels, materials, carbon balances, PFC and N2O.

Each function implements one equation of IR 2025/2547 Annex II section B and returns a
:class:`StreamEmissions` holding fossil emissions (t CO2e, the part that counts), the zero-rated
biomass CO2 (reported separately, Annex II B.3.3) and the fuel energy input (TJ) where the
stream has one. Units are those of the installation file (see :mod:`cbam.installation.model`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from cbam.installation.model import (
    CombustionStream,
    MassBalanceStream,
    N2OStream,
    PfcSlopeStream,
    ProcessStream,
    SourceStream,
)
from cbam.rules import CARBON_TO_CO2, GWP

_ONE = Decimal(1)
_GJ_PER_TJ = Decimal(1000)
_KG_PER_T = Decimal(1000)


@dataclass(frozen=True)
class StreamEmissions:
    """What one source stream emits over the reporting period."""

    fossil: Decimal
    """t CO2e that count (biomass share removed)."""
    biomass: Decimal = Decimal(0)
    """t CO2 of the zero-rated biomass share (reported, not counted)."""
    energy_tj: Decimal | None = None
    """Fuel energy input in TJ (combustion; mass balance when an NCV is given)."""
    equation: str = ""
    """The legal source of the formula used."""
    gases: dict[str, Decimal] = field(default_factory=dict)
    """Tonnes of non-CO2 gases (CF4, C2F6, N2O) before conversion to CO2e."""


def _zero_rate_biomass(
    gross: Decimal, biomass_fraction: Decimal, equation: str, energy: Decimal | None = None
) -> StreamEmissions:
    """Split gross CO2 into the counted fossil part and the zero-rated biomass part.

    IR 2025/2547 Annex II B.3.1.1 Eq. 10 (EF x (1 - BF)) and B.3.2 Eq. 15 (CC x (1 - BF)).
    """
    return StreamEmissions(
        fossil=gross * (_ONE - biomass_fraction),
        biomass=gross * biomass_fraction,
        energy_tj=energy,
        equation=equation,
    )


def combustion(
    activity_data: Decimal,
    ncv: Decimal,
    emission_factor: Decimal,
    oxidation_factor: Decimal = _ONE,
    biomass_fraction: Decimal = Decimal(0),
) -> StreamEmissions:
    """Combustion emissions, IR 2025/2547 Annex II B.3.1.1 Eqs. 5, 6 and 10.

    ``AD [TJ] = FQ x NCV / 1000`` (Eq. 6, NCV in GJ per unit of FQ, so fuels in 1000 Nm3 with an
    NCV per 1000 Nm3 work as well as tonnes); ``Em = AD x EF x OF`` (Eq. 5) with
    ``EF = EF_pre x (1 - BF)`` (Eq. 10); the biomass share ``AD x EF_pre x OF x BF`` is reported.

    Parameters
    ----------
    activity_data: fuel quantity in its own unit (t, 1000 Nm3, ...).
    ncv: net calorific value, GJ per unit of ``activity_data``.
    emission_factor: preliminary emission factor, t CO2/TJ.
    oxidation_factor: dimensionless (1 is always allowed, Eq. 7).
    biomass_fraction: zero-rated share, 0-1.
    """
    energy = activity_data * ncv / _GJ_PER_TJ
    gross = energy * emission_factor * oxidation_factor
    return _zero_rate_biomass(
        gross, biomass_fraction, "IR 2025/2547 Annex II B.3.1.1 Eqs. 5, 6, 10", energy
    )


def process_emissions(
    activity_data: Decimal,
    emission_factor: Decimal,
    conversion_factor: Decimal = _ONE,
    biomass_fraction: Decimal = Decimal(0),
) -> StreamEmissions:
    """Process emissions, IR 2025/2547 Annex II B.3.1.2 Eq. 11: ``Em = AD x EF x CF``.

    ``emission_factor`` in t CO2 per unit of activity data; a biomass share (mixed organic
    materials, B.3.1.2) is zero-rated as in Eq. 10.
    """
    gross = activity_data * emission_factor * conversion_factor
    return _zero_rate_biomass(gross, biomass_fraction, "IR 2025/2547 Annex II B.3.1.2 Eq. 11")


def mass_balance(
    activity_data: Decimal,
    carbon_content: Decimal,
    biomass_fraction: Decimal = Decimal(0),
    ncv: Decimal | None = None,
) -> StreamEmissions:
    """Mass balance, IR 2025/2547 Annex II B.3.2 Eqs. 12 and 15: ``Em = f x AD x CC``.

    ``f = 3.664 t CO2/t C``; outputs carry negative ``activity_data`` and so subtract; the biomass
    share of the carbon (``CC = CC_pre x (1 - BF)``, Eq. 15) is zero-rated and reported. With an
    ``ncv`` (GJ/t) the stream's energy content ``AD x NCV / 1000`` TJ is reported for inputs.
    """
    gross = CARBON_TO_CO2 * activity_data * carbon_content
    energy = None
    if ncv is not None and activity_data > 0:
        energy = activity_data * ncv / _GJ_PER_TJ
    return _zero_rate_biomass(
        gross, biomass_fraction, "IR 2025/2547 Annex II B.3.2 Eqs. 12, 15", energy
    )


def pfc_slope(
    production: Decimal,
    anode_effect_frequency: Decimal,
    anode_effect_duration: Decimal,
    slope_cf4: Decimal,
    c2f6_weight_fraction: Decimal,
    collection_efficiency: Decimal = _ONE,
) -> StreamEmissions:
    """PFC emissions by the slope method, IR 2025/2547 Annex II B.7 Eqs. 20-23 and 26.

    ``AEM = frequency x duration`` (Eq. 23); duct emissions ``CF4 = AEM x SEF/1000 x Pr_Al``
    (Eq. 21) and ``C2F6 = CF4 x F_C2F6`` (Eq. 22); total including fugitive emissions = duct
    emissions / collection efficiency (Eq. 20); CO2e with GWP 6 630 (CF4) and 11 100 (C2F6)
    (Eq. 26, Annex II G Table 6).
    """
    aem = anode_effect_frequency * anode_effect_duration
    cf4_duct = aem * slope_cf4 / _KG_PER_T * production
    c2f6_duct = cf4_duct * c2f6_weight_fraction
    cf4 = cf4_duct / collection_efficiency
    c2f6 = c2f6_duct / collection_efficiency
    return StreamEmissions(
        fossil=cf4 * GWP["CF4"] + c2f6 * GWP["C2F6"],
        equation="IR 2025/2547 Annex II B.7.1 Eqs. 20-23, B.7.3 Eq. 26",
        gases={"CF4": cf4, "C2F6": c2f6},
    )


def nitrous_oxide(n2o_t: Decimal) -> StreamEmissions:
    """Measured N2O to CO2e with GWP 265 (IR 2025/2547 Annex II G Table 6)."""
    return StreamEmissions(
        fossil=n2o_t * GWP["N2O"],
        equation="IR 2025/2547 Annex II B.6, G Table 6 (GWP N2O 265)",
        gases={"N2O": n2o_t},
    )


def stream_emissions(stream: SourceStream) -> StreamEmissions:
    """Dispatch one installation-file source stream to its equation."""
    if isinstance(stream, CombustionStream):
        return combustion(
            stream.activity_data,
            stream.ncv,
            stream.emission_factor,
            stream.oxidation_factor,
            stream.biomass_fraction,
        )
    if isinstance(stream, ProcessStream):
        return process_emissions(
            stream.activity_data,
            stream.emission_factor,
            stream.conversion_factor,
            stream.biomass_fraction,
        )
    if isinstance(stream, MassBalanceStream):
        return mass_balance(
            stream.activity_data, stream.carbon_content, stream.biomass_fraction, stream.ncv
        )
    if isinstance(stream, PfcSlopeStream):
        return pfc_slope(
            stream.production,
            stream.anode_effect_frequency,
            stream.anode_effect_duration,
            stream.slope_cf4,
            stream.c2f6_weight_fraction,
            stream.collection_efficiency,
        )
    if isinstance(stream, N2OStream):
        return nitrous_oxide(stream.n2o_t)
    raise TypeError(f"unknown source stream type {type(stream).__name__}")  # pragma: no cover
