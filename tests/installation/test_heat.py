"""Heat and CHP emission factors (IR 2025/2547 Annex III A.2.2 Eqs. 44-52), by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cbam.errors import InputError
from cbam.installation.heat import (
    Fuel,
    chp_factors,
    fuel_mix_factor,
    heat_emissions,
    heat_factor,
)

D = Decimal
GAS = Fuel(activity_data=D(1000), ncv=D(48), emission_factor=D("56.1"))  # 48 TJ


def test_fuel_mix_eq_45() -> None:
    coal = Fuel(activity_data=D(100), ncv=D(25), emission_factor=D(95))  # 2.5 TJ
    ef = fuel_mix_factor([GAS, coal], flue_gas_cleaning=D(10))
    assert ef == (D(48) * D("56.1") + D("2.5") * 95 + 10) / D("50.5")


def test_waste_gas_factor_is_capped_at_natural_gas() -> None:
    blast_furnace_gas = Fuel(
        activity_data=D(1), ncv=D(1000), emission_factor=D(260), waste_gas=True
    )
    assert fuel_mix_factor([blast_furnace_gas]) == D("56.1")


def test_heat_eq_44_and_the_boiler_default() -> None:
    assert heat_emissions(D("56.1"), D(10), D("0.9")) == D(561) / D("0.9")
    # The natural-gas boiler at 90 % of IR 2025/2547 Annex III A.3 (exported heat, unknown mix).
    assert heat_factor(D("56.1"), D("0.9")) == D("56.1") / D("0.9")
    with pytest.raises(InputError, match="efficiency"):
        heat_emissions(D(1), D(1), D(0))


def test_chp_eqs_46_to_52() -> None:
    # 48 TJ of gas -> 24 TJ heat (eta 0.5) and 4000 MWh = 14.4 TJ electricity (eta 0.3).
    result = chp_factors(
        [GAS],
        net_heat_tj=D(24),
        electricity_mwh=D(4000),
        eta_ref_heat=D("0.9"),
        eta_ref_el=D("0.525"),
    )
    emissions = D(48) * D("56.1")
    assert result.emissions == emissions
    assert result.eta_heat == D("0.5") and result.eta_el == D("0.3")
    weight_heat, weight_el = D("0.5") / D("0.9"), D("0.3") / D("0.525")
    assert result.share_heat == weight_heat / (weight_heat + weight_el)
    assert result.heat_factor == emissions * result.share_heat / 24
    assert result.electricity_factor == emissions * result.share_el / 4000
    assert not result.standard_efficiencies


def test_chp_standard_efficiencies() -> None:
    result = chp_factors(
        [GAS],
        net_heat_tj=D(24),
        electricity_mwh=D(4000),
        eta_ref_heat=D("0.9"),
        eta_ref_el=D("0.525"),
        measured=False,
    )
    assert (result.eta_heat, result.eta_el) == (D("0.55"), D("0.25"))
    assert result.standard_efficiencies


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"net_heat_tj": D(0), "electricity_mwh": D(1)}, "net_heat_tj"),
        ({"net_heat_tj": D(1), "electricity_mwh": D(0)}, "electricity_mwh"),
    ],
)
def test_chp_needs_both_products(kwargs: dict[str, Decimal], field: str) -> None:
    with pytest.raises(InputError) as caught:
        chp_factors([GAS], eta_ref_heat=D("0.9"), eta_ref_el=D("0.5"), **kwargs)
    assert caught.value.field == field


def test_bad_fuels() -> None:
    with pytest.raises(InputError, match="at least one fuel"):
        fuel_mix_factor([])
    with pytest.raises(InputError) as caught:
        fuel_mix_factor([Fuel(activity_data=D(-1), ncv=D(1), emission_factor=D(1))])
    assert caught.value.location == "fuels[0]"
    with pytest.raises(InputError, match="no energy"):
        fuel_mix_factor([Fuel(activity_data=D(0), ncv=D(1), emission_factor=D(1))])
    with pytest.raises(InputError, match="reference"):
        chp_factors(
            [GAS], net_heat_tj=D(1), electricity_mwh=D(1), eta_ref_heat=D(0), eta_ref_el=D(1)
        )


@given(
    st.decimals(min_value=D("0.1"), max_value=D(40), places=3),
    st.decimals(min_value=D(1), max_value=D(4000), places=2),
)
def test_chp_shares_add_up_and_emissions_are_conserved(heat: Decimal, mwh: Decimal) -> None:
    result = chp_factors(
        [GAS], net_heat_tj=heat, electricity_mwh=mwh, eta_ref_heat=D("0.9"), eta_ref_el=D("0.525")
    )
    assert abs(result.share_heat + result.share_el - 1) < D("1e-25")
    split = result.heat_factor * heat + result.electricity_factor * mwh
    assert abs(split - result.emissions) < D("1e-20")
