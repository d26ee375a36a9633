"""The importer's assessment: supplier matching, totals, de minimis, holding, invariants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cbam.declaration.assess import EXACT, assess
from cbam.declaration.model import LineResult, SupplierValue
from cbam.errors import InputError
from cbam.formats.imports import ImportLine, read_imports
from cbam.formats.installation_files import load_suppliers
from tests.verified import VERIFIED_2026

D = Decimal


def line(
    row: int,
    cn: str,
    country: str,
    mass: str,
    *,
    month: int = 3,
    year: int = 2026,
    installation: str | None = None,
    route: str | None = None,
    deduction: str | None = None,
) -> ImportLine:
    date = dt.date(year, month, 15)
    return ImportLine(
        row=row,
        cn=cn,
        country=country,
        net_mass=D(mass),
        year=year,
        quarter=(month - 1) // 3 + 1,
        import_date=date,
        installation_id=installation,
        route=route,
        carbon_price_deduction=D(deduction) if deduction else None,
    )


SUPPLIER = SupplierValue(
    installation_id="TW-1",
    cn_codes=("73181542",),
    see_direct=D("2.1"),
    see_indirect=D("0.3"),
    see_total_definitive=D("2.1"),
    benchmark_a=D("1.4"),
    source="test",
    **VERIFIED_2026,
)


def test_supplier_matching_and_reasons() -> None:
    lines = [
        line(2, "73181542", "TW", "100", installation="TW-1"),
        line(3, "73181595", "TW", "100", installation="TW-1"),
        line(4, "73181542", "TW", "100", installation="NOPE"),
        line(5, "73181542", "TW", "100"),
    ]
    result = assess(lines, 2026, suppliers=[SUPPLIER])
    by_key = {(g.cn, g.installation_id): g for g in result.goods}
    actual = by_key[("73181542", "TW-1")]
    assert actual.basis == "actual" and actual.see_used == D("2.1")
    assert actual.free_allocation == D(100) * D("0.975") * D("1.4")
    notes = {
        g.installation_id: s.note for g in result.goods for s in g.audit if s.quantity == "basis"
    }
    assert (notes["TW-1"] or "").startswith("actual values of the installation (test)") or (
        "communicated no value for CN 73181595" in (notes["TW-1"] or "")
    )
    reasons = [s.note for g in result.goods for s in g.audit if s.quantity == "basis"]
    assert "actual values of the installation (test); verified: opinion 'satisfactory'" in " ".join(
        n or "" for n in reasons
    )
    assert any("communicated no value for CN 73181595" in (n or "") for n in reasons)
    assert notes["NOPE"] == "no supplier data for the installation: default value"
    assert notes[None] == "no installation given: default value"
    assert by_key[("73181595", "TW-1")].basis == "default"


def test_totals_equal_the_sum_of_the_lines(samples_dir: Path) -> None:
    seen: list[LineResult] = []
    suppliers = load_suppliers(samples_dir / "suppliers", 2026)
    result = assess(
        read_imports(samples_dir / "imports-2026.csv", year=2026),
        2026,
        suppliers=suppliers,
        sink=seen.append,
    )
    assert result.lines == len(seen) == 300
    with localcontext(EXACT):
        assert result.totals.embedded_emissions == sum((x.embedded_emissions for x in seen), D(0))
        assert result.totals.certificates == sum((x.certificates for x in seen), D(0))
        assert result.totals.cost_eur == sum((x.cost_eur for x in seen), D(0))
    assert {g.basis for g in result.goods} == {"actual", "default"}
    assert [x.row for x in seen] == sorted(x.row for x in seen)
    assert not result.de_minimis.exempt
    assert [y.year for y in result.trajectory] == list(range(2026, 2035))


def test_no_netting_across_goods() -> None:
    green = SupplierValue(
        installation_id="IN-DRI",
        cn_codes=("72031000",),
        see_direct=D("0.05"),
        source="t",
        benchmark_a=D("0.295"),
        **VERIFIED_2026,
    )
    lines = [
        line(2, "72031000", "IN", "1000", installation="IN-DRI"),
        line(3, "72081000", "IN", "100"),
    ]
    result = assess(lines, 2026, suppliers=[green])
    dri = next(g for g in result.goods if g.cn == "72031000")
    steel = next(g for g in result.goods if g.cn == "72081000")
    assert dri.certificates == 0
    assert result.totals.certificates == steel.certificates > 0


@pytest.mark.parametrize(
    ("masses", "exempt"),
    [(["45"], True), (["25", "25"], True), (["50.000001"], False), (["55"], False)],
)
def test_de_minimis_boundary(masses: list[str], exempt: bool) -> None:
    lines = [line(i + 2, "72081000", "IN", m) for i, m in enumerate(masses)]
    result = assess(lines, 2026)
    assert result.de_minimis.exempt is exempt
    assert (result.totals.certificates == 0) is exempt
    assert result.de_minimis.net_mass_counted == sum((D(m) for m in masses), D(0))


def test_hydrogen_and_electricity_are_always_in_scope() -> None:
    lines = [
        line(2, "72081000", "IN", "45"),
        line(3, "28041000", "CN", "1"),
        line(4, "27160000", "RS", "10"),
    ]
    result = assess(lines, 2026)
    assert result.de_minimis.exempt
    # Hydrogen in t, electricity in MWh: never added together.
    assert result.de_minimis.net_mass_always_in_scope == D(1)
    assert result.de_minimis.electricity_mwh == D(10)
    assert (result.totals.net_mass, result.totals.electricity_mwh) == (D(46), D(10))
    by_cn = {g.cn: g for g in result.goods}
    assert by_cn["72081000"].certificates == 0
    assert by_cn["28041000"].certificates > 0
    assert by_cn["27160000"].certificates == D(10) * D("1.041")


def test_quarterly_holding_from_2027() -> None:
    lines = [
        line(2, "72081000", "IN", "100", month=2, year=2027),
        line(3, "72081000", "IN", "100", month=8, year=2027),
    ]
    result = assess(lines, 2027)
    q1, q2, q3, q4 = result.quarters
    assert q1.share == D("0.5")
    # 100 t in Q1 pass the 50 t threshold in Q1: the holding is due from the end of Q2
    # (Art. 22(2a)), then 50 % of the year-to-date emissions less free allocation.
    assert result.de_minimis.exceeded_in == "2027Q1"
    assert result.de_minimis.holding_due_by == dt.date(2027, 6, 30)
    assert (q1.certificates_to_hold, q1.due_by) == (0, None)
    half = (q1.embedded_emissions_without_markup_to_date - q1.free_allocation_to_date) / 2
    assert q2.certificates_to_hold == half
    assert q2.due_by == dt.date(2027, 6, 30)
    assert q3.certificates_to_hold == 2 * half
    # Default values without mark-up (Art. 22(2)(a)).
    assert q1.embedded_emissions_without_markup_to_date == D(100) * D("4.28")
    assert q4.certificates_to_hold == q3.certificates_to_hold


def test_holding_is_zero_in_2026() -> None:
    result = assess([line(2, "72081000", "IN", "100")], 2026)
    assert all(q.certificates_to_hold == 0 for q in result.quarters)


def test_errors_name_the_row() -> None:
    with pytest.raises(InputError, match="row 7"):
        assess([line(7, "72081000", "DE", "1")], 2026)


def test_scenarios() -> None:
    result = assess([line(2, "72081000", "IN", "100")], 2026, scenario_prices=[D(60), D(100)])
    assert result.scenarios == {
        "60": result.totals.certificates * 60,
        "100": result.totals.certificates * 100,
    }


lines_strategy = st.lists(
    st.tuples(
        st.sampled_from(
            [
                ("72081000", "IN"),
                ("73181542", "TW"),
                ("25231000", "CN"),
                ("27160000", "TR"),
                ("31021090", "EG"),
            ]
        ),
        st.decimals(min_value=D("0.001"), max_value=D(5000), places=3),
        st.integers(1, 12),
    ),
    min_size=1,
    max_size=12,
)


def _lines(spec: list[tuple[tuple[str, str], Decimal, int]]) -> list[ImportLine]:
    return [
        line(i + 2, cn, country, str(mass), month=month, route="A" if cn == "25231000" else None)
        for i, ((cn, country), mass, month) in enumerate(spec)
    ]


@settings(max_examples=30, deadline=None)
@given(lines_strategy, st.data())
def test_splitting_a_line_changes_no_total(
    spec: list[tuple[tuple[str, str], Decimal, int]], data: st.DataObject
) -> None:
    lines = _lines(spec)
    index = data.draw(st.integers(0, len(lines) - 1))
    target = lines[index]
    part = target.net_mass * data.draw(st.sampled_from([D("0.5"), D("0.25"), D("0.001")]))
    split = [
        *lines[:index],
        line(
            target.row,
            target.cn,
            target.country,
            str(part),
            month=target.quarter * 3,
            route=target.route,
        ),
        line(
            target.row,
            target.cn,
            target.country,
            str(target.net_mass - part),
            month=target.quarter * 3,
            route=target.route,
        ),
        *lines[index + 1 :],
    ]
    whole = assess(lines, 2026, prices=None)
    parts = assess(split, 2026, prices=None)
    assert whole.totals == parts.totals
    assert whole.de_minimis == parts.de_minimis


@settings(max_examples=30, deadline=None)
@given(lines_strategy, st.randoms())
def test_line_order_changes_nothing(
    spec: list[tuple[tuple[str, str], Decimal, int]], rnd: object
) -> None:
    lines = _lines(spec)
    shuffled = list(lines)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    first, second = assess(lines, 2026), assess(shuffled, 2026)
    assert first.totals == second.totals
    assert sorted(first.goods, key=lambda g: g.key) == sorted(second.goods, key=lambda g: g.key)


def test_dataframes_and_plot() -> None:
    pandas = pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    result = assess([line(2, "72081000", "IN", "100"), line(3, "27160000", "TR", "5")], 2026)
    goods = result.to_dataframe()
    assert isinstance(goods, pandas.DataFrame) and len(goods) == 2
    assert goods["certificates"].sum() == result.totals.certificates
    trajectory = result.to_dataframe("trajectory", float_columns=True)
    assert list(trajectory["year"]) == list(range(2026, 2035))
    ax = result.plot_cost_trajectory()
    assert len(ax.patches) == 9
