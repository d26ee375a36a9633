"""Emission factors of measurable heat and of CHP electricity: IR 2025/2547 Annex III A.2.2.

The installation file takes heat and electricity emission factors as numbers (t CO2/TJ and
t CO2/MWh). These functions derive them from the fuels of a boiler or a cogeneration unit, so an
operator can compute ``heat.imported_ef``, ``heat.exported_ef`` or
``electricity.produced_ef`` with the law's own equations. Energies in TJ; fuel quantities in any
unit with the NCV in GJ per that unit; all figures ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from cbam.errors import InputError
from cbam.rules import EF_NG

_GJ_PER_TJ = Decimal(1000)
_TJ_PER_MWH = Decimal("0.0036")

#: IR 2025/2547 Annex III A.2.2: conservative standard efficiencies of a CHP unit when neither
#: measured nor design values can be had.
DEFAULT_ETA_HEAT = Decimal("0.55")
DEFAULT_ETA_EL = Decimal("0.25")


class Fuel(BaseModel):
    """One fuel burnt in a boiler or CHP unit over the reporting period.

    Attributes
    ----------
    activity_data:
        Quantity burnt, in the fuel's unit (t, 1000 Nm3...).
    ncv:
        Net calorific value in GJ per unit of ``activity_data``.
    emission_factor:
        t CO2 per TJ.
    waste_gas:
        True for a waste gas: its factor is capped at EF_NG (56.1 t CO2/TJ) in the fuel mix
        (IR 2025/2547 Annex III A.2.2, last paragraph).
    """

    model_config = ConfigDict(frozen=True)

    activity_data: Decimal
    ncv: Decimal
    emission_factor: Decimal
    waste_gas: bool = False

    def energy_tj(self) -> Decimal:
        """AD x NCV in TJ (IR 2025/2547 Annex II Eq. 33 term)."""
        return self.activity_data * self.ncv / _GJ_PER_TJ

    def emissions(self) -> Decimal:
        """AD x NCV x EF in t CO2, with a waste gas's factor capped at EF_NG."""
        factor = min(self.emission_factor, EF_NG) if self.waste_gas else self.emission_factor
        return self.energy_tj() * factor


def _check(fuels: Iterable[Fuel]) -> tuple[Decimal, Decimal]:
    fuels = list(fuels)
    if not fuels:
        raise InputError("at least one fuel is needed", field="fuels")
    for index, fuel in enumerate(fuels):
        for name in ("activity_data", "ncv", "emission_factor"):
            if getattr(fuel, name) < 0:
                raise InputError("must be >= 0", location=f"fuels[{index}]", field=name)
    energy = sum((f.energy_tj() for f in fuels), Decimal(0))
    if energy <= 0:
        raise InputError("the fuels carry no energy (sum of AD x NCV is 0)", field="fuels")
    return energy, sum((f.emissions() for f in fuels), Decimal(0))


def fuel_mix_factor(fuels: Iterable[Fuel], flue_gas_cleaning: Decimal = Decimal(0)) -> Decimal:
    """EF_mix = (sum AD_i x NCV_i x EF_i + Em_FGC) / sum AD_i x NCV_i, t CO2/TJ of fuel.

    IR 2025/2547 Annex III A.2.2 Eq. 45; ``flue_gas_cleaning`` (Em_FGC) in t CO2.
    """
    energy, emissions = _check(fuels)
    return (emissions + flue_gas_cleaning) / energy


def heat_emissions(ef_mix: Decimal, heat_consumed_tj: Decimal, efficiency: Decimal) -> Decimal:
    """Em_Heat = EF_mix x Q_consumed / eta, t CO2 (IR 2025/2547 Annex III A.2.2 Eq. 44).

    ``efficiency`` of the heat production (dimensionless, 0 < eta <= 1).
    """
    if not Decimal(0) < efficiency <= 1:
        raise InputError("the efficiency must be > 0 and <= 1", field="efficiency")
    return ef_mix * heat_consumed_tj / efficiency


def heat_factor(ef_mix: Decimal, efficiency: Decimal) -> Decimal:
    """The emission factor of the heat itself, t CO2/TJ of heat: EF_mix / eta (from Eq. 44)."""
    return heat_emissions(ef_mix, Decimal(1), efficiency)


class CHPFactors(BaseModel):
    """What IR 2025/2547 Eqs. 46-52 give for one cogeneration unit.

    Attributes
    ----------
    emissions:
        Em_CHP, t CO2 (Eq. 46).
    eta_heat, eta_el:
        Average efficiencies (Eqs. 47-48), measured or the standard 0.55 / 0.25.
    share_heat, share_el:
        Attribution factors F_CHP,Heat and F_CHP,El (Eqs. 49-50); they add up to 1.
    heat_factor:
        EF_CHP,Heat in t CO2/TJ of net heat (Eq. 51).
    electricity_factor:
        EF_CHP,El in t CO2/MWh of electricity produced (Eq. 52, per MWh for the installation file).
    standard_efficiencies:
        True when the standard 0.55 / 0.25 were used.
    """

    model_config = ConfigDict(frozen=True)

    emissions: Decimal
    eta_heat: Decimal
    eta_el: Decimal
    share_heat: Decimal
    share_el: Decimal
    heat_factor: Decimal
    electricity_factor: Decimal
    standard_efficiencies: bool


def chp_factors(
    fuels: Iterable[Fuel],
    *,
    net_heat_tj: Decimal,
    electricity_mwh: Decimal,
    eta_ref_heat: Decimal,
    eta_ref_el: Decimal,
    flue_gas_cleaning: Decimal = Decimal(0),
    measured: bool = True,
) -> CHPFactors:
    """Split a cogeneration unit's emissions between its heat and its electricity.

    IR 2025/2547 Annex III A.2.2 Eqs. 46-52: Em_CHP = sum AD x NCV x EF + Em_FGC;
    eta_heat = Q_net / E_in, eta_el = E_el / E_in; F_CHP,Heat = (eta_heat/eta_ref,heat) /
    (eta_heat/eta_ref,heat + eta_el/eta_ref,el), F_CHP,El likewise; EF_CHP,Heat =
    Em_CHP x F_CHP,Heat / Q_net; EF_CHP,El = Em_CHP x F_CHP,El / E_el,prod.

    Parameters
    ----------
    fuels:
        The fuels of the unit (energy input E_in = sum AD x NCV, Eq. 33).
    net_heat_tj:
        Q_net, net measurable heat produced, TJ.
    electricity_mwh:
        Net electricity produced, MWh.
    eta_ref_heat, eta_ref_el:
        Reference efficiencies of separate production (IR 2025/2547 Annex III pt C, e.g. natural
        gas: heat 0.90 hot water / 0.85 steam (before 2016), electricity 0.525).
    flue_gas_cleaning:
        Em_FGC, t CO2.
    measured:
        False when the efficiencies cannot be determined: the standard 0.55 and 0.25 apply.
    """
    energy, fuel_emissions = _check(fuels)
    if net_heat_tj <= 0 or electricity_mwh <= 0:
        raise InputError(
            "a cogeneration unit produces both heat and electricity (> 0)",
            field="net_heat_tj" if net_heat_tj <= 0 else "electricity_mwh",
        )
    if eta_ref_heat <= 0 or eta_ref_el <= 0:
        raise InputError("reference efficiencies must be > 0", field="eta_ref")
    emissions = fuel_emissions + flue_gas_cleaning
    if measured:
        eta_heat = net_heat_tj / energy
        eta_el = electricity_mwh * _TJ_PER_MWH / energy
    else:
        eta_heat, eta_el = DEFAULT_ETA_HEAT, DEFAULT_ETA_EL
    weight_heat = eta_heat / eta_ref_heat
    weight_el = eta_el / eta_ref_el
    share_heat = weight_heat / (weight_heat + weight_el)
    share_el = weight_el / (weight_heat + weight_el)
    return CHPFactors(
        emissions=emissions,
        eta_heat=eta_heat,
        eta_el=eta_el,
        share_heat=share_heat,
        share_el=share_el,
        heat_factor=emissions * share_heat / net_heat_tj,
        electricity_factor=emissions * share_el / electricity_mwh,
        standard_efficiencies=not measured,
    )
