"""IR 2025/2547 Annex I pt 3.1 through whole installations, with the packaged goods catalogue.

Which indirect emissions reach a complex good in the definitive period. Every figure below is
worked out by hand from Eq. 55/56 (attributed emissions), Eq. 59/60 (SEE of a complex good)
and the rule of pt 3.1; the electricity emission factors are given, so no dataset is looked up
beyond the goods categories.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from cbam.installation import InstallationResult, compute_see
from tests.installation.helpers import installation


def run(processes: list[dict[str, Any]]) -> InstallationResult:
    data = {
        "installation": {"name": "Works", "country": "CN"},
        "reporting_period": {"start": "2026-01-01", "end": "2026-12-31"},
        "processes": processes,
    }
    return compute_see(installation(data))


def process(
    pid: str, good: str, al: int, direct: int, mwh: int, ef: str, **kw: Any
) -> dict[str, Any]:
    return {
        "id": pid,
        "good": good,
        "activity_level": al,
        "direct_emissions": direct,
        "electricity": {"consumed_mwh": mwh, "emission_factor": ef},
        **kw,
    }


def made(pid: str, mass: int) -> dict[str, Any]:
    return {"precursors": [{"from_process": pid, "mass": mass}]}


def test_sinter_indirect_reaches_crude_steel_and_products_through_pig_iron() -> None:
    result = run(
        [
            process("P1", "sintered ore", 1000, 200, 100, "0.5"),
            process("P2", "pig iron", 500, 600, 200, "0.5", **made("P1", 800)),
            process("P3", "crude steel", 400, 100, 400, "0.5", **made("P2", 450)),
            process("P4", "iron or steel products", 400, 40, 80, "0.5", **made("P3", 420)),
        ]
    )
    sinter, pig, steel, products = (result.process(p) for p in ("P1", "P2", "P3", "P4"))
    # Sintered ore (not in Annex II): own electricity 100 MWh x 0.5 = 50 t over 1000 t.
    assert sinter.see_indirect_definitive == D("0.05")
    # Pig iron (Annex II): own 200 x 0.5 = 100 t does not count; the sinter's does (pt 3.1,
    # first sentence): 800 t x 0.05 = 40 t over 500 t.
    assert pig.see_indirect == D("0.28")  # (100 + 800 x 0.05) / 500, all electricity
    assert pig.see_indirect_definitive == D("0.08")
    assert pig.precursors[0].indirect_counts_definitive
    # Crude steel (Annex II) from pig iron (Annex II): the pig iron's 0.08 flows on,
    # 450 t x 0.08 = 36 t over 400 t; its own 400 x 0.5 = 200 t does not count.
    assert steel.precursors[0].indirect_counts_definitive
    assert steel.precursors[0].embedded_indirect_definitive == D(36)
    assert steel.see_indirect_definitive == D("0.09")
    assert steel.see_indirect == D("0.815")  # (200 + 450 x 0.28) / 400
    # Iron or steel products (Annex II) from crude steel (Annex II): 420 t x 0.09 = 37.8 t
    # over 400 t; the plain figure is (80 x 0.5 + 420 x 0.815) / 400 = 382.3 / 400.
    assert products.precursors[0].indirect_counts_definitive
    assert products.see_indirect_definitive == D("0.0945")
    assert products.see_indirect == D("0.95575")
    # Direct: SEE_dir(pig) = (600 + 800 x 0.2) / 500 = 1.52, SEE_dir(steel) = (100 + 450 x 1.52)
    # / 400 = 1.96, SEE_dir(products) = (40 + 420 x 1.96) / 400 = 2.158; plus 0.0945.
    assert products.see_direct == D("2.158")
    assert products.see_total_definitive == D("2.2525")


def test_hydrogen_indirect_stops_at_ammonia_and_ammonia_indirect_reaches_urea() -> None:
    result = run(
        [
            process("P1", "hydrogen", 100, 1000, 500, "0.4"),
            process("P2", "ammonia", 500, 800, 250, "0.4", **made("P1", 90)),
            process("P3", "urea", 1000, 300, 150, "0.4", **made("P2", 600)),
        ]
    )
    hydrogen, ammonia, urea = (result.process(p) for p in ("P1", "P2", "P3"))
    # Hydrogen (Annex II): 500 x 0.4 = 200 t over 100 t is 2, none of it definitive.
    assert (hydrogen.see_indirect, hydrogen.see_indirect_definitive) == (D(2), D(0))
    # Ammonia (not in Annex II) from hydrogen (Annex II): pt 3.1, second sentence, leaves the
    # hydrogen's out: only its own 250 x 0.4 = 100 t over 500 t.
    assert not ammonia.precursors[0].indirect_counts_definitive
    assert ammonia.see_indirect_definitive == D("0.2")
    assert ammonia.see_indirect == D("0.56")  # (100 + 90 x 2) / 500
    # Urea (not in Annex II) from ammonia (not in Annex II): own 150 x 0.4 = 60 t plus
    # 600 t x 0.2 = 120 t, over 1000 t.
    assert urea.precursors[0].indirect_counts_definitive
    assert urea.see_indirect_definitive == D("0.18")
    assert urea.see_indirect == D("0.396")  # (60 + 600 x 0.56) / 1000
