"""SEE of complex goods (IR 2025/2547 Annex III B, Eqs. 59-63) against hand-computed values."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from cbam.errors import InputError, NoValueError
from cbam.installation import InstallationResult, PrecursorResult, compute_see
from tests.installation.helpers import FakeLookups, base, installation


def run(data: dict[str, Any], **kw: Any) -> InstallationResult:
    return compute_see(installation(data), lookups=FakeLookups(), **kw)


def chain() -> dict[str, Any]:
    """Sinter -> pig iron -> crude steel, listed out of order on purpose."""
    el = {"emission_factor": 0.5}
    return {
        "installation": {"name": "Works", "country": "CN"},
        "reporting_period": {"start": "2026-01-01", "end": "2026-12-31"},
        "processes": [
            {"id": "P3", "good": "crude steel", "activity_level": 400, "direct_emissions": 100,
             "electricity": {"consumed_mwh": 400, **el},
             "precursors": [{"from_process": "P2", "mass": 450}]},
            {"id": "P1", "good": "sintered ore", "activity_level": 1000, "direct_emissions": 200,
             "electricity": {"consumed_mwh": 100, **el}},
            {"id": "P2", "good": "pig iron", "activity_level": 500, "direct_emissions": 600,
             "electricity": {"consumed_mwh": 200, **el},
             "precursors": [{"name": "sinter", "from_process": "P1", "mass": 800}]},
        ],
    }  # fmt: skip


def test_internal_precursors_in_dependency_order() -> None:
    result = run(chain())
    assert [p.id for p in result.processes] == ["P3", "P1", "P2"]  # file order kept
    p1, p2, p3 = (result.process(i) for i in ("P1", "P2", "P3"))
    assert (p1.see_direct, p1.see_indirect) == (D("0.2"), D("0.05"))
    # P2: (600 + 800 x 0.2) / 500 and (100 + 800 x 0.05) / 500
    assert (p2.see_direct, p2.see_indirect) == (D("1.52"), D("0.28"))
    # P3: (100 + 450 x 1.52) / 400 and (200 + 450 x 0.28) / 400
    assert (p3.see_direct, p3.see_indirect) == (D("1.96"), D("0.815"))
    assert p3.see_total == D("2.775")
    assert p3.ae_direct == D("0.25") and p3.ae_indirect == D("0.5")
    (pre,) = p3.precursors
    assert pre.basis == "own process" and pre.specific_mass == D("1.125")  # Eq. 61
    assert pre.embedded_direct == D(684)


def test_definitive_period_cross_rule() -> None:
    result = run(chain())
    p1, p2, p3 = (result.process(i) for i in ("P1", "P2", "P3"))
    # Sintered ore is not an Annex II good: its indirect emissions count.
    assert p1.indirect_counts_definitive and p1.see_total_definitive == p1.see_total
    # Pig iron (Annex II) counts no own indirect, but its sinter's: 800 x 0.05 / 500.
    assert not p2.indirect_counts_definitive
    assert p2.see_indirect_definitive == D("0.08")
    assert p2.see_total_definitive == D("1.60")
    # Crude steel inherits the sinter share through pig iron: 450 x 0.08 / 400.
    assert p3.see_indirect_definitive == D("0.09")
    assert p3.see_total_definitive == D("2.05")


def test_annex_ii_precursor_in_a_non_annex_ii_good_counts_no_indirect() -> None:
    data = base(good="ammonia", direct_emissions=100, activity_level=100)
    data["processes"][0]["precursors"] = [
        {"good": "hydrogen", "country": "IN", "mass": 10, "see_direct": 10, "see_indirect": 2}
    ]
    p = run(data).processes[0]
    assert p.see_indirect == D("0.2")
    assert p.see_indirect_definitive == 0
    assert p.see_total_definitive == p.see_direct == D(2)
    assert not p.precursors[0].indirect_counts_definitive


def cement(precursor: dict[str, Any], **kw: Any) -> PrecursorResult:
    data = base(good="cement", direct_emissions=0, activity_level=1000)
    data["processes"][0]["precursors"] = [{"mass": 800, **precursor}]
    data.update(kw)
    return run(data).processes[0].precursors[0]


def test_default_value_with_cn_and_route() -> None:
    pre = cement({"good": "cement clinker", "cn": "2523 10 00", "country": "CN", "route": "A"})
    assert pre.basis == "default"
    assert pre.default is not None
    assert pre.default.value_used == D("1.529")  # 1.39 x 1.10 (2026)
    assert pre.see_direct == D("1.485")  # 1.35 x 1.10
    assert pre.see_indirect == D("0.044")
    assert pre.see_direct + pre.see_indirect == D("1.529")
    assert pre.default.markup == D("0.10") and pre.default.markup_year == 2026
    assert pre.default.provenance.dataset_id == "default_values"
    assert "no supplier values" in (pre.note or "")


def test_default_value_markup_follows_the_year() -> None:
    pre = cement({"good": "25231000", "country": "CN", "route": "A"})
    assert pre.see_direct + pre.see_indirect == D("1.529")
    data = base(good="cement", direct_emissions=0, activity_level=1000)
    data["processes"][0]["precursors"] = [
        {"good": "25231000", "country": "CN", "route": "A", "mass": 800}
    ]
    p = run(data, year=2028).processes[0]
    assert p.precursors[0].default is not None
    assert p.precursors[0].default.value_used == D("1.807")  # 1.39 x 1.30
    assert p.see_total == D(800) * D("1.807") / 1000


def test_period_before_2026_takes_the_2026_markup_and_says_so() -> None:
    period = {"start": "2025-01-01", "end": "2025-12-31"}
    data = base(good="cement", direct_emissions=0, activity_level=1000)
    data["reporting_period"] = period
    data["processes"][0]["precursors"] = [
        {"cn": "25231000", "country": "CN", "route": "A", "mass": 800}
    ]
    result = run(data)
    assert result.year == 2025
    assert result.processes[0].precursors[0].default is not None
    assert result.processes[0].precursors[0].default.markup_year == 2026
    assert any("2026 mark-up" in n for n in result.notes)


def test_category_only_takes_the_highest_default_and_says_so() -> None:
    pre = cement({"good": "cement clinker", "country": "CN"})
    assert pre.default is not None
    assert pre.default.route == "A"  # grey 1.39 > white 1.30
    assert "highest default" in (pre.default.choice or "")
    data = base(good="crude steel", direct_emissions=0, activity_level=1000)
    data["processes"][0]["precursors"] = [{"good": "pig iron", "country": "CN", "mass": 100}]
    pre = run(data).processes[0].precursors[0]
    assert pre.default is not None and pre.default.cn == "72011019"  # 1.80 > 1.66
    assert pre.see_direct == D("1.80") * D("1.10") and pre.see_indirect == 0


def test_unknown_country_uses_annex_iv() -> None:
    pre = cement({"cn": "25231000", "country": None})
    assert pre.default is not None
    assert pre.default.provenance.dataset_id == "default_values_unknown_country"
    assert pre.see_direct == D("1.440") * D("1.10")
    assert "unknown country" in (pre.note or "")


def test_other_countries_fallback_is_carried_and_split_keeps_the_total() -> None:
    data = base(good="pig iron", direct_emissions=0, activity_level=1000)
    data["processes"][0]["precursors"] = [{"good": "sintered ore", "country": "IN", "mass": 1000}]
    pre = run(data).processes[0].precursors[0]
    assert pre.default is not None
    assert pre.default.provenance.country_used == "OTHER"
    assert "Other countries" in (pre.default.provenance.fallback or "")
    assert pre.see_direct == D("0.6166") * D("1.1")
    assert pre.see_direct + pre.see_indirect == D("0.686") * D("1.1")
    assert "differs from its total" in (pre.note or "")
    # An Annex II good includes the indirect emissions of its non-Annex-II precursor.
    assert pre.indirect_counts_definitive and pre.embedded_indirect_definitive > 0


@pytest.mark.parametrize("country", ["FR", "CH", "NO"])
def test_eu_or_exempt_origin_counts_zero_but_is_listed(country: str) -> None:
    pre = cement({"cn": "25231000", "country": country, "see_direct": 0.9, "see_indirect": 0.1})
    assert pre.basis == "zero (EU or exempt origin)"
    assert (pre.see_direct, pre.see_indirect, pre.embedded_direct) == (0, 0, 0)
    assert pre.mass == 800
    assert "counted as zero" in (pre.note or "")


def test_actual_direct_only_for_an_annex_ii_precursor() -> None:
    data = base(direct_emissions=0, activity_level=100)
    data["processes"][0]["precursors"] = [
        {"good": "pig iron", "country": "IN", "mass": 100, "see_direct": 2}
    ]
    p = run(data).processes[0]
    assert (p.see_direct, p.see_indirect) == (D(2), D(0))
    assert "taken as 0" in (p.precursors[0].note or "")


def test_actual_values_need_see_indirect_when_indirect_counts() -> None:
    with pytest.raises(InputError) as err:
        cement({"cn": "25231000", "country": "CN", "see_direct": 0.9})
    assert (err.value.location, err.value.field) == ("processes[0].precursors[0]", "see_indirect")


def test_cn_must_belong_to_the_named_good() -> None:
    with pytest.raises(InputError) as err:
        cement({"good": "cement clinker", "cn": "72061000", "country": "CN"})
    assert err.value.field == "cn"
    assert "Crude steel" in err.value.reason


def test_default_without_any_year_is_an_error() -> None:
    data = base(good="cement", direct_emissions=0, activity_level=1000)
    del data["reporting_period"]
    data["processes"][0]["precursors"] = [{"cn": "25231000", "country": "CN", "mass": 1}]
    with pytest.raises(InputError) as err:
        run(data)
    assert "year" in err.value.reason
    data["processes"][0]["precursors"][0]["route"] = "A"
    pre = run(data, year=2027).processes[0].precursors[0]
    assert pre.default is not None and pre.default.value_used == D("1.668")  # 1.39 x 1.20


def test_route_ambiguity_takes_the_highest_row_and_missing_value_is_located() -> None:
    # Grey or white clinker, no route: the higher default value (conservative), said.
    used = cement({"cn": "25231000", "country": "CN"})
    assert used.default is not None and used.default.choice is not None
    assert "does not pick one default-value row" in used.default.choice
    # China: white clinker 1.30 against grey 1.39 (IR 2025/2621 Annex I): the grey row.
    assert (used.default.route, used.default.total) == ("A", D("1.39"))
    with pytest.raises(NoValueError) as nv:
        cement({"cn": "28141000", "country": None})
    assert nv.value.location == "processes[0].precursors[0]"


def test_year_out_of_range_is_refused() -> None:
    with pytest.raises(InputError):
        run(base(), year=2201)


def test_no_year_note_without_defaults() -> None:
    data = base()
    data["reporting_period"] = {"start": "2023-01-01", "end": "2023-12-31"}
    assert run(data).notes == ()
