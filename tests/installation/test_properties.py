"""Invariants of the engine (hypothesis): scale invariance, order invariance, SEE >= own part."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cbam.installation import InstallationResult, compute_see
from tests.installation.helpers import FakeLookups, installation

GOODS = ["crude steel", "pig iron", "sintered ore", "cement", "ammonia", "iron or steel products"]


def num(lo: str, hi: str, places: int = 3) -> st.SearchStrategy[str]:
    return st.decimals(
        min_value=Decimal(lo), max_value=Decimal(hi), places=places,
        allow_nan=False, allow_infinity=False,
    ).map(str)  # fmt: skip


@st.composite
def installations(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 4))
    ids = [f"P{i}" for i in range(n)]
    streams: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 5))):
        process = draw(st.sampled_from(ids))
        kind = draw(st.sampled_from(["combustion", "process", "mass_balance", "pfc", "n2o"]))
        if kind == "combustion":
            s = {"method": "combustion", "activity_data": draw(num("0", "100000")),
                 "ncv": draw(num("0", "50")), "emission_factor": draw(num("0", "120")),
                 "oxidation_factor": draw(num("0.9", "1", 2)),
                 "biomass_fraction": draw(num("0", "1", 2))}  # fmt: skip
        elif kind == "process":
            s = {"method": "process", "activity_data": draw(num("0", "100000")),
                 "emission_factor": draw(num("0", "1"))}  # fmt: skip
        elif kind == "mass_balance":
            s = {"method": "mass_balance", "activity_data": draw(num("-50000", "100000")),
                 "carbon_content": draw(num("0", "1", 4))}  # fmt: skip
        elif kind == "pfc":
            s = {"method": "pfc_slope", "production": draw(num("0", "100000")),
                 "anode_effect_frequency": draw(num("0", "1")),
                 "anode_effect_duration": draw(num("0", "5")),
                 "slope_cf4": draw(num("0", "0.3")),
                 "c2f6_weight_fraction": draw(num("0", "0.3")),
                 "collection_efficiency": draw(num("0.5", "1", 2))}  # fmt: skip
        else:
            s = {"method": "n2o", "n2o_t": draw(num("0", "100"))}
        streams.append({"name": f"s{len(streams)}", "process": process, **s})
    with_streams = {s["process"] for s in streams}
    processes = []
    for i, pid in enumerate(ids):
        p: dict[str, Any] = {
            "id": pid,
            "good": draw(st.sampled_from(GOODS)),
            "activity_level": draw(num("1", "100000")),
            "heat": {"imported_tj": draw(num("0", "100")), "imported_ef": draw(num("0", "100")),
                     "exported_tj": draw(num("0", "100"))},
            "waste_gas": {"imported_tj": draw(num("0", "100")),
                          "exported_tj": draw(num("0", "100"))},
            "electricity": {"consumed_mwh": draw(num("0", "10000")),
                            "emission_factor": draw(num("0", "1")),
                            "produced_mwh": draw(num("0", "1000")),
                            "produced_ef": draw(num("0", "1"))},
        }  # fmt: skip
        if pid not in with_streams:
            p["direct_emissions"] = draw(num("0", "100000"))
        precursors: list[dict[str, Any]] = []
        for j in draw(st.lists(st.integers(0, max(i - 1, 0)), max_size=2)) if i else []:
            precursors.append({"from_process": ids[j], "mass": draw(num("0", "10000"))})
        if draw(st.booleans()):
            precursors.append(
                {"good": "pig iron", "country": draw(st.sampled_from(["CN", "FR"])),
                 "mass": draw(num("0", "10000")), "see_direct": draw(num("0", "3")),
                 "see_indirect": draw(num("0", "1"))}
            )  # fmt: skip
        p["precursors"] = precursors
        processes.append(p)
    return {
        "installation": {"name": "generated", "country": "CN"},
        "reporting_period": {"start": "2026-01-01", "end": "2026-12-31"},
        "source_streams": streams,
        "processes": processes,
    }


EXTENSIVE = {
    "activity_data", "production", "n2o_t", "activity_level", "direct_emissions",
    "imported_tj", "exported_tj", "consumed_mwh", "produced_mwh", "mass",
}  # fmt: skip


def scaled(data: dict[str, Any], k: Decimal) -> dict[str, Any]:
    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: str(Decimal(v) * k) if key in EXTENSIVE else walk(v) for key, v in node.items()
            }
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out: dict[str, Any] = walk(data)
    return out


def run(data: dict[str, Any]) -> InstallationResult:
    return compute_see(installation(json.loads(json.dumps(data))), lookups=FakeLookups())


def same(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= Decimal("1e-18") * max(abs(a), abs(b), Decimal(1))


def assert_same_see(a: InstallationResult, b: InstallationResult) -> None:
    for p in a.processes:
        q = b.process(p.id)
        for key in ("see_direct", "see_indirect", "see_total", "see_total_definitive"):
            assert same(getattr(p, key), getattr(q, key)), (p.id, key)


@settings(max_examples=60, deadline=None)
@given(installations(), st.sampled_from(["2", "0.001", "7.5", "1000", "3"]))
def test_scaling_extensive_quantities_leaves_see_unchanged(data: dict[str, Any], k: str) -> None:
    assert_same_see(run(data), run(scaled(data, Decimal(k))))


@settings(max_examples=60, deadline=None)
@given(installations(), st.randoms(use_true_random=False))
def test_permuting_processes_and_streams_changes_nothing(data: dict[str, Any], rnd: Any) -> None:
    shuffled = copy.deepcopy(data)
    rnd.shuffle(shuffled["processes"])
    rnd.shuffle(shuffled["source_streams"])
    a, b = run(data), run(shuffled)
    assert_same_see(a, b)
    for p in a.processes:
        q = b.process(p.id)
        assert same(p.attributed_direct, q.attributed_direct)
        assert same(p.attributed_indirect, q.attributed_indirect)


@settings(max_examples=80, deadline=None)
@given(installations())
def test_see_is_at_least_the_own_attributed_part(data: dict[str, Any]) -> None:
    for p in run(data).processes:
        assert p.see_direct >= p.ae_direct >= 0
        assert p.see_indirect >= p.ae_indirect >= 0
        assert p.see_total >= p.ae_direct + p.ae_indirect
        assert p.see_total_definitive <= p.see_total
        assert same(p.see_total, p.see_direct + p.see_indirect)
