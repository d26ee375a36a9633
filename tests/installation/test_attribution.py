"""Attribution (IR 2025/2547 Annex III A, Eqs. 53-58): heat, waste gas, electricity."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from cbam.errors import InputError
from cbam.installation import ProcessResult, compute_see
from cbam.installation.attribution import EXPORTED_HEAT_DEFAULT_EF, attributed_direct
from tests.installation.helpers import FakeLookups, base, installation


def one(data: dict[str, Any]) -> ProcessResult:
    return compute_see(installation(data), lookups=FakeLookups()).processes[0]


def terms(p: ProcessResult) -> dict[str, D]:
    return {t.name: t.value for t in p.direct_terms}


def test_heat_export_without_factor_uses_natural_gas_boiler() -> None:
    p = one(base(direct_emissions=1000, heat={"exported_tj": 10}))
    assert D("56.1") / D("0.9") == EXPORTED_HEAT_DEFAULT_EF
    assert terms(p)["-Em_H,exp"] == -(D(10) * D("56.1") / D("0.9"))
    assert p.attributed_direct == D(1000) - D(561) / D("0.9")  # 376.666...
    assert any("56.1/0.9" in n for n in p.notes)


def test_heat_export_with_factor() -> None:
    p = one(base(direct_emissions=1000, heat={"exported_tj": 10, "exported_ef": 70}))
    assert p.attributed_direct == D(300)
    assert not any("56.1/0.9" in n for n in p.notes)


def test_heat_import() -> None:
    p = one(base(direct_emissions=1000, heat={"imported_tj": 5, "imported_ef": 80}))
    assert terms(p)["Em_H,imp"] == D(400)
    assert p.attributed_direct == D(1400)
    assert p.see_direct == D("1.4")


def test_waste_gas_import_and_export() -> None:
    p = one(base(direct_emissions=10000, waste_gas={"imported_tj": 100}))
    assert terms(p)["WG_corr,imp"] == D(5610)  # Eq. 53: 100 x 56.1
    assert p.attributed_direct == D(15610)
    p = one(base(direct_emissions=10000, waste_gas={"exported_tj": 100}))
    assert terms(p)["-WG_corr,exp"] == D("-3741.87")  # Eq. 54: 100 x 56.1 x 0.667
    assert p.attributed_direct == D("6258.13")
    p = one(base(direct_emissions=10000, waste_gas={"exported_tj": 100, "corr_eta": 0.5}))
    assert p.attributed_direct == D(10000) - D(2805)


def test_electricity_produced_is_subtracted() -> None:
    p = one(base(direct_emissions=1000, electricity={"produced_mwh": 1000, "produced_ef": 0.5}))
    assert terms(p)["-Em_el,prod"] == D(-500)
    assert p.attributed_direct == D(500)


def test_negative_attributed_direct_is_set_to_zero() -> None:
    p = one(base(direct_emissions=10, heat={"exported_tj": 100, "exported_ef": 60}))
    assert p.attributed_direct == 0
    assert p.attributed_direct_set_to_zero
    assert any("set to zero" in n for n in p.notes)
    assert attributed_direct(D(10), heat_exported=D(20)) == (D(0), True)
    assert attributed_direct(D(10), heat_exported=D(5)) == (D(5), False)


def test_given_electricity_factor() -> None:
    p = one(base(electricity={"consumed_mwh": 1000, "emission_factor": 0.7}))
    assert p.attributed_indirect == D(700)
    assert p.see_indirect == D("0.7")
    assert p.electricity_factor.basis == "given"


def test_grid_factor_of_the_country_when_no_factor_given() -> None:
    p = one(base(electricity={"consumed_mwh": 1000}))
    assert p.attributed_indirect == D(605)  # China 0.605 (IR 2025/2621 Annex II)
    factor = p.electricity_factor
    assert factor.basis == "grid factor"
    assert factor.value == D("0.605")
    assert factor.provenance is not None
    assert factor.provenance.dataset == "IR 2025/2621 Annex II, test of 2025-12-31"
    assert factor.provenance.fallback is None
    assert any("grid factor 0.605" in n for n in p.notes)


def test_grid_factor_fallback_is_said() -> None:
    data = base(electricity={"consumed_mwh": 1000})
    data["installation"]["country"] = "KZ"
    p = one(data)
    assert p.attributed_indirect == D(465)
    assert p.electricity_factor.provenance is not None
    assert p.electricity_factor.provenance.country_used == "OTHER"
    assert "not listed" in (p.electricity_factor.provenance.fallback or "")
    assert any("not listed" in n for n in p.notes)


def test_no_factor_needed_without_consumption() -> None:
    data = base()
    data["installation"]["country"] = "DE"
    p = one(data)
    assert p.attributed_indirect == 0
    assert p.electricity_factor.basis == "not needed"


def test_country_without_grid_factor_and_no_factor_is_an_error() -> None:
    data = base(electricity={"consumed_mwh": 1000})
    data["installation"]["country"] = "DE"
    with pytest.raises(InputError) as err:
        one(data)
    assert err.value.location == "processes[0].electricity"
    assert err.value.field == "emission_factor"
    assert "DE" in err.value.reason and err.value.source == "test.json"


def test_imported_heat_needs_a_factor() -> None:
    with pytest.raises(InputError) as err:
        one(base(heat={"imported_tj": 5}))
    assert (err.value.location, err.value.field) == ("processes[0].heat", "imported_ef")


def test_produced_electricity_needs_a_factor() -> None:
    with pytest.raises(InputError) as err:
        one(base(electricity={"produced_mwh": 5}))
    assert (err.value.location, err.value.field) == ("processes[0].electricity", "produced_ef")


def test_streams_and_direct_emissions_must_agree() -> None:
    data = base(direct_emissions=1000)
    data["source_streams"] = [
        {"name": "limestone", "method": "process", "process": "P1",
         "activity_data": 1000, "emission_factor": 0.44},
    ]  # fmt: skip
    with pytest.raises(InputError) as err:
        one(data)
    assert (err.value.location, err.value.field) == ("processes[0]", "direct_emissions")
    assert "440" in err.value.reason
    data["processes"][0]["direct_emissions"] = 440.3  # within half a tonne: agrees
    p = one(data)
    assert p.direct_emissions_star == D("440.00")
    assert "agrees" in p.direct_emissions_basis


def test_no_streams_and_no_direct_emissions_means_zero_and_says_so() -> None:
    p = one(base(direct_emissions=None))
    assert p.direct_emissions_star == 0
    assert any("DirEm* = 0" in n for n in p.notes)
