"""Source-stream equations (IR 2025/2547 Annex II B) against values computed by hand."""

from __future__ import annotations

from decimal import Decimal as D

from cbam.installation import compute_see
from cbam.installation.streams import (
    combustion,
    mass_balance,
    nitrous_oxide,
    pfc_slope,
    process_emissions,
)
from tests.installation.helpers import FakeLookups, base, installation


def test_combustion_natural_gas_in_thousand_nm3() -> None:
    # 10 000 x 1000 Nm3 at 34.5 GJ per 1000 Nm3 = 345 TJ; x 56.1 t/TJ = 19 354.5 t.
    em = combustion(D(10000), D("34.5"), D("56.1"))
    assert em.energy_tj == D(345)
    assert em.fossil == D("19354.5")
    assert em.biomass == 0


def test_combustion_oxidation_and_biomass() -> None:
    # 100 t x 20 GJ/t = 2 TJ; x 100 t/TJ x 0.99 = 198 t, half of it biomass.
    em = combustion(D(100), D(20), D(100), D("0.99"), D("0.5"))
    assert em.fossil == D(99)
    assert em.biomass == D(99)
    assert em.energy_tj == D(2)


def test_process_emissions_with_conversion_factor() -> None:
    assert process_emissions(D(1000), D("0.44"), D("0.98")).fossil == D("431.2")


def test_mass_balance_output_is_negative() -> None:
    em = mass_balance(D(-100), D("0.5"))
    assert em.fossil == D("-183.2")
    assert em.energy_tj is None


def test_mass_balance_biomass_and_energy() -> None:
    em = mass_balance(D(1000), D("0.5"), D("0.2"), ncv=D(30))
    assert em.fossil == D("1465.6")  # 3.664 x 1000 x 0.5 x 0.8
    assert em.biomass == D("366.4")
    assert em.energy_tj == D(30)


def test_pfc_slope_method() -> None:
    # AEM = 0.5 x 2 = 1 min/cell-day; CF4 (duct) = 1 x 0.143/1000 x 200 000 = 28.6 t;
    # C2F6 = 28.6 x 0.121 = 3.4606 t; total = duct / 0.95 (Eq. 20);
    # CO2e = (28.6 x 6630 + 3.4606 x 11100) / 0.95 = 228 030.66 / 0.95.
    em = pfc_slope(D(200000), D("0.5"), D(2), D("0.143"), D("0.121"), D("0.95"))
    assert em.gases["CF4"] == D("28.6") / D("0.95")
    assert em.gases["C2F6"] == D("3.4606") / D("0.95")
    assert abs(em.fossil - D("228030.66") / D("0.95")) < D("1e-20")


def test_n2o_to_co2e() -> None:
    em = nitrous_oxide(D("12.5"))
    assert em.fossil == D("3312.5")
    assert em.gases == {"N2O": D("12.5")}


def test_streams_from_a_file_sum_per_process() -> None:
    data = base(direct_emissions=None, good="unwrought aluminium")
    data["source_streams"] = [
        {"name": "gas", "method": "combustion", "process": "P1",
         "activity_data": 10000, "ncv": 34.5, "emission_factor": 56.1},
        {"name": "anodes PFC", "method": "pfc_slope", "process": "P1", "production": 200000,
         "anode_effect_frequency": 0.5, "anode_effect_duration": 2, "slope_cf4": 0.143,
         "c2f6_weight_fraction": 0.121, "collection_efficiency": 0.95},
        {"name": "N2O", "method": "n2o", "process": "P1", "n2o_t": 12.5},
    ]  # fmt: skip
    result = compute_see(installation(data), lookups=FakeLookups())
    p = result.process("P1")
    want = D("19354.5") + D("228030.66") / D("0.95") + D("3312.5")
    assert abs(p.direct_emissions_star - want) < D("1e-18")
    assert result.fuel_input_tj == D(345)
    assert [s.method for s in result.streams] == ["combustion", "pfc_slope", "n2o"]
    assert result.streams[1].equation.startswith("IR 2025/2547 Annex II B.7")
