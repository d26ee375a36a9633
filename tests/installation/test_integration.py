"""The engine on the library's real reference data (goods catalogue, grid factors, defaults).

Each test skips with a reason when a reference module is not part of this checkout yet.
"""

from __future__ import annotations

import importlib
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from cbam.errors import InputError, NotACbamGoodError
from cbam.installation import InstallationResult, compute_see, load_installation
from tests.installation.helpers import base, installation


def need(module: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError as exc:
        pytest.skip(f"{module} is not available yet: {exc}")


def run(data: dict[str, Any], **kw: Any) -> InstallationResult:
    return compute_see(installation(data), **kw)


def test_samples_with_the_real_catalogue(samples_dir: Path) -> None:
    need("cbam.goods")
    cement = compute_see(load_installation(samples_dir / "installations" / "cement.json"))
    assert cement.processes[0].good == "Cement"
    assert not cement.processes[0].direct_only
    steel = compute_see(load_installation(samples_dir / "installations" / "steel-bf.json"))
    assert steel.processes[0].good == "Iron or steel products"
    assert steel.processes[0].direct_only
    assert abs(steel.processes[0].see_total - D("1.74253")) < D("1e-6")


def test_real_catalogue_refuses_scrap_and_unknown_names() -> None:
    need("cbam.goods")
    with pytest.raises(NotACbamGoodError) as err:
        run(base(good="7204 10 00"))
    assert (err.value.location, err.value.field) == ("processes[0]", "good")
    with pytest.raises(InputError) as err2:
        run(base(good="bananas"))
    assert err2.value.location == "processes[0]"


def test_real_grid_factor() -> None:
    need("cbam.goods")
    need("cbam.reference.factors")
    p = run(base(electricity={"consumed_mwh": 1000})).processes[0]
    assert p.attributed_indirect == D("605.000")  # China 0.605, IR 2025/2621 Annex II
    assert p.electricity_factor.provenance is not None
    assert "2025/2621" in p.electricity_factor.provenance.dataset
    data = base(electricity={"consumed_mwh": 1000})
    data["installation"]["country"] = "DE"
    with pytest.raises(InputError) as err:
        run(data)
    assert err.value.field == "emission_factor"


def test_real_default_values() -> None:
    need("cbam.goods")
    need("cbam.reference.defaults")
    data = base(good="cement", direct_emissions=0, activity_level=1000)
    data["processes"][0]["precursors"] = [
        {"cn": "25231000", "country": "CN", "route": "A", "mass": 1000},
        {"cn": "25231000", "country": None, "route": "A", "mass": 1000},
    ]
    p = run(data).processes[0]
    china, unknown = p.precursors
    assert china.default is not None and china.default.value_used == D("1.529")
    assert china.default.provenance.location == "sheet 'China', row 6"
    assert unknown.default is not None and unknown.default.value_used == D("1.584")
    assert unknown.default.provenance.dataset_id == "default_values_unknown_country"


def test_real_category_only_default_is_the_highest() -> None:
    need("cbam.goods")
    need("cbam.reference.defaults")
    data = base(good="crude steel", direct_emissions=0, activity_level=1000)
    data["processes"][0]["precursors"] = [{"good": "pig iron", "country": "CN", "mass": 1000}]
    pre = run(data).processes[0].precursors[0]
    assert pre.default is not None
    assert "highest default" in (pre.default.choice or "")
    from cbam.goods import all_goods
    from cbam.reference.defaults import packaged_defaults

    values = []
    for g in all_goods():
        if g.category.name == "Pig iron":
            try:
                values.append(packaged_defaults().lookup(g.cn, "CN").total)
            except (InputError, LookupError):
                continue
    assert pre.default.total == max(values)
