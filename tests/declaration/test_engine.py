"""The one engine: a line's figures by hand, per-good work done once, parts merged exactly."""

from __future__ import annotations

import csv
import io
from decimal import Context, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cbam.declaration import engine as engine_module
from cbam.declaration.engine import Engine, line_result
from cbam.declaration.model import ImportLine, LineResult
from cbam.formats.lines import COLUMNS, LinesCsvWriter, read_lines_csv

D = Decimal


def line(row: int, mass: str, **kw: Any) -> ImportLine:
    values: dict[str, Any] = {
        "cn": "25231000",
        "country": "CN",
        "year": 2026,
        "quarter": 1,
        "route": "A",
        **kw,
    }
    return ImportLine(row=row, net_mass=D(mass), **values)


def test_b1_grey_clinker_from_china_by_hand(tmp_path: Path) -> None:
    """methodology.md 5.B case B1: IR 2025/2621 China grey clinker total 1.39, mark-up 10 %
    (2026); IR 2025/2620 Column B route (A) 0.666; CBAM factor 2026 97.5 %; Q1 2026 price
    EUR 75.36."""
    see = D("1.39") * D("1.10")
    sefa = D("0.975") * D("0.666")
    embedded = D(1000) * see
    allocation = D(1000) * sefa
    due = embedded - allocation
    with LinesCsvWriter(tmp_path / "lines.csv") as writer:
        engine = Engine(2026, sink=writer)
        engine.add_line(line(2, "1000", line_id="B1"))
        result = engine.finish()
    (row,) = list(read_lines_csv(tmp_path / "lines.csv"))
    assert (row.see_used, row.sefa) == (see, sefa)
    assert (row.embedded_emissions, row.free_allocation) == (D("1529"), D("649.35"))
    assert row.certificates == due == D("879.65")
    assert row.price == D("75.36") and row.period == "2026Q1"
    assert row.cost_eur == due * D("75.36")
    assert str(row.cost_eur.quantize(D("0.01"))) == "66290.42"
    assert result.totals.certificates == due
    good = result.goods[0]
    assert (good.basis, good.route, good.benchmark_column) == ("default", "A", "B")
    assert [s.quantity for s in good.audit] == ["basis", "basis reason"]
    assert (good.route_basis, good.basis_reason) == ("line", "no-installation")
    assert [s.quantity for s in result.audit_of(good)] == [
        "basis",
        "basis reason",
        "default value (total)",
        "SEE used",
        "benchmark",
        "route basis",
        "CBAM factor 2026",
        "CSCF",
        "SEFA",
    ]


def test_each_good_is_valued_once_per_year(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    real = engine_module.value_good

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine_module, "value_good", counting)
    engine = Engine(2026)
    goods = [("25231000", "CN", "A"), ("72081000", "TR", None), ("73181542", "CN", None)]
    lines = [
        line(n + 2, "3", cn=cn, country=country, route=route, installation_id=f"I-{n % 500}")
        for n, (cn, country, route) in ((n, goods[n % 3]) for n in range(3000))
    ]
    engine.add_lines(lines)
    result = engine.finish()
    assert result.lines == 3000 and len(result.goods) == 1500  # 3 goods x 500 installations
    # one valuation per good and year: the assessed year and the eight other years 2027-2034
    assert len(calls) == 3 * 9
    valuations = {id(g.valuation) for g in engine.goods.values() if g.key[0] == "25231000"}
    assert len(valuations) == 1  # the installations share the one valuation


def test_parts_merge_to_the_whole() -> None:
    lines = [
        line(n + 2, f"{n % 7}.{n % 13}", cn=cn, country=country, route=route, quarter=n % 4 + 1)
        for n, (cn, country, route) in (
            (n, [("25231000", "CN", "A"), ("72081000", "IN", None)][n % 2]) for n in range(200)
        )
    ]
    whole = Engine(2027)
    whole.add_lines(lines)
    first, second = Engine(2027, settle_at_once=True), Engine(2027, settle_at_once=True)
    first.add_lines(lines[:77])
    second.add_lines(lines[77:])
    first.merge(second.part())
    assert repr(first.finish().model_dump()) == repr(whole.finish().model_dump())


def test_trajectory_shares_merge_to_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """A split file's parts value their goods in a share of the trajectory's years each; the
    merged figures, and a good met by one part only, price the years as one engine does."""
    lines = [
        line(2, "100", cn="25231000", country="CN", route="A", quarter=1),
        line(3, "40.5", cn="72081000", country="IN", route=None, quarter=2),  # first part only
        line(4, "20", cn="25231000", country="CN", route="A", quarter=3),
        line(5, "7", cn="73181542", country="CN", route=None, quarter=4),  # second part only
    ]
    whole = Engine(2026)
    whole.add_lines(lines)
    first, second = Engine(2026, settle_at_once=True), Engine(2026, settle_at_once=True)
    years = first.trajectory_years()
    assert years == (2027, 2028, 2029, 2030, 2031, 2032, 2033, 2034)
    first.add_lines(lines[:2])
    first.value_years(years[0::2])
    second.add_lines(lines[2:])
    second.value_years(years[1::2])
    part = second.part()
    assert {key[-1] for key in part.year_figures} == set(years[1::2])
    first.merge(part)
    calls: list[int] = []
    real = engine_module.value_good

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(engine_module, "value_good", counting)
    merged = first.finish()
    # only what no part valued: 7318 15 42 (second part only) in the first part's years and
    # 7208 10 00 (first part only) in the second's; the clinker was valued in every year
    assert sorted(calls) == list(years)
    assert repr(merged.model_dump()) == repr(whole.finish().model_dump())
    assert not merged.de_minimis.exempt
    # 2030 by hand for the grey clinker (China 1.39 total + 30 %, Column B (A) 0.666, CBAM
    # factor 2030 51.5 %: IR 2025/2621 Annex I, IR 2025/2620 Annex; methodology.md B1')
    clinker = next(g for g in whole.goods.values() if g.key[0] == "25231000")
    assert first.year_figures(clinker, 2030) == (D("1.807"), D("0.34299"))


def test_lines_csv_columns_are_the_line_model() -> None:
    assert tuple(LineResult.model_fields) == COLUMNS
    engine = Engine(2026)
    good = engine.good("25231000", "CN", "A", None)
    period = engine.pricing.period(None, 2026, 1)
    figures = (D(1), D(2), D(3), D(0), D(4), D(5))
    model = line_result(good, period, 2, "x", figures, False)
    assert set(model.model_dump()) == set(COLUMNS)


def _written_both_ways(tmp_path: Path, given: list[ImportLine]) -> list[bytes]:
    """lines.csv of ``given`` written from the engine's parts (row templates) and from the line
    models."""
    outputs = []
    for kind in ("parts", "models"):
        path = tmp_path / f"{kind}.csv"
        with LinesCsvWriter(path) as writer:
            sink: Any = writer if kind == "parts" else (lambda line, w=writer: w(line))
            engine = Engine(2026, sink=sink)
            engine.add_lines(given)
            engine.finish()
        outputs.append(path.read_bytes())
    return outputs


@pytest.mark.parametrize("text", ["a,b", '"quoted"', "100%s", "{0}", "%(x)s", "x\ny", "é€"])
def test_row_templates_write_what_the_models_say(tmp_path: Path, text: str) -> None:
    """The lines.csv writer formats the cells of a good once into a template, made from the
    template of the goods valued alike (installations without supplier data); any installation
    id or line id comes out exactly as from the line models."""
    given = [
        line(2, "60", installation_id=text, line_id=text),
        line(3, "1", line_id=text),
        # Valued alike, a template of their own each from the shared one.
        line(4, "2", installation_id="plain", line_id=text),
        line(5, "3", installation_id=text + "2", quarter=2),
        line(6, "4", installation_id=text, quarter=2),
    ]
    outputs = _written_both_ways(tmp_path, given)
    assert outputs[0] == outputs[1]
    rows = list(csv.reader(io.StringIO(outputs[0].decode("utf-8"), newline="")))
    assert rows[1][COLUMNS.index("installation_id")] == text
    assert rows[1][COLUMNS.index("line_id")] == text.strip()


# -- the figures at default values beside actual values (issue 16) ------------------------------


def _supplier(cn: str, see: str, installation: str = "TR-1") -> Any:
    from cbam.declaration.model import SupplierValue
    from tests.verified import VERIFIED_2026

    return SupplierValue(
        installation_id=installation,
        cn_codes=(cn,),
        see_direct=D(see),
        see_total_definitive=D(see),
        benchmark_a=D("0.693"),
        source="tr.json",
        **VERIFIED_2026,
    )


def test_certificates_at_default_values_of_an_actual_value_good() -> None:
    """1000 t of grey clinker (route A) from China: actual SEE 1.0 with a Column A benchmark
    0.693; at default values IR 2025/2621 China grey clinker 1.39 x 1.10 (2026 mark-up) and
    Column B 0.666, both with the CBAM factor 0.975 of 2026."""
    engine = Engine(2026, suppliers=[_supplier("25231000", "1.0")])
    engine.add_line(line(2, "1000", installation_id="TR-1"))
    engine.add_line(line(3, "500"))
    result = engine.finish()
    actual, default = sorted(result.goods, key=lambda g: g.basis)
    assert actual.basis == "actual"
    assert actual.certificates == D(1000) * (D("1.0") - D("0.975") * D("0.693"))
    assert actual.certificates_default == D(1000) * (
        D("1.39") * D("1.10") - D("0.975") * D("0.666")
    )
    assert actual.certificates_default - actual.certificates == D("555.325")
    # A default-value good needs at default values what it needs.
    assert default.certificates_default == default.certificates


def test_certificates_at_default_values_when_exempt() -> None:
    # Within the 50 t of de minimis nothing is due, at default values neither.
    engine = Engine(2026, suppliers=[_supplier("25231000", "1.0")])
    engine.add_line(line(2, "10", installation_id="TR-1"))
    result = engine.finish()
    assert result.de_minimis.exempt
    assert result.goods[0].certificates == result.goods[0].certificates_default == 0


def test_progress_counts_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "PROGRESS_EVERY", 3)
    seen: list[int] = []
    engine = Engine(2026, progress=seen.append)
    engine.add_lines(line(row, "1") for row in range(2, 9))  # 7 lines
    engine.add_lines(line(row, "1") for row in range(9, 12))  # 3 more
    assert seen == [3, 6, 9]
    assert engine.lines == 10
    quiet = Engine(2026)
    quiet.add_lines(line(row, "1") for row in range(2, 9))
    assert quiet.lines == 7


def test_electricity_is_never_added_to_tonnes() -> None:
    engine = Engine(2026)
    engine.add_line(line(2, "60"))
    engine.add_line(
        ImportLine(row=3, cn="27160000", country="RS", net_mass=D(40), year=2026, quarter=1)
    )
    engine.add_line(
        ImportLine(row=4, cn="28041000", country="CN", net_mass=D(2), year=2026, quarter=1)
    )
    result = engine.finish()
    assert (result.totals.net_mass, result.totals.electricity_mwh) == (D(62), D(40))
    assert result.de_minimis.net_mass_counted == D(60)
    assert result.de_minimis.net_mass_always_in_scope == D(2)  # hydrogen, t
    assert result.de_minimis.electricity_mwh == D(40)


# A good's deduction-free lines add only their mass per pricing period; the good's figures come
# from those masses (GoodState.settle). Each good must still sum its lines' own figures exactly.
def _two_suppliers() -> list[Any]:
    """TR-1 with an actual SEE above its SEFA (1.0), TR-2 below it (0.5)."""
    return [_supplier("25231000", "1.0"), _supplier("25231000", "0.5", "TR-2")]


_MASSES = st.decimals(min_value=0, max_value=5000, places=3, allow_nan=False)
#: A bare deduction per line: none, zero, small, larger than any line's emissions.
_DEDUCTIONS = st.sampled_from([None, D(0), D("3.5"), D("1000")])

_GOODS = (
    {"installation_id": "TR-1"},  # actual SEE 1.0 above its SEFA: certificates due
    {"installation_id": "TR-2"},  # actual SEE 0.5 below its SEFA: nothing due on any line
    {},  # China's default value
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(range(len(_GOODS))),
            _MASSES,
            st.integers(min_value=1, max_value=4),
            _DEDUCTIONS,
        ),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=0, max_value=30),
)
def test_goods_sum_their_lines_figures_exactly(
    drawn: list[tuple[int, Decimal, int, Decimal | None]], split: int
) -> None:
    suppliers = _two_suppliers()
    lines = [
        line(
            row,
            str(mass),
            quarter=quarter,
            # The deprecated bare deduction is accepted on actual values only.
            carbon_price_deduction=deduction if _GOODS[good] else None,
            **_GOODS[good],
        )
        for row, (good, mass, quarter, deduction) in enumerate(drawn, start=2)
    ]
    written: list[LineResult] = []
    whole = Engine(2026, suppliers=suppliers, sink=written.append)
    whole.add_lines(lines)
    result = whole.finish()

    for good in result.goods:
        own = [w for w in written if w.group == good.key]
        assert good.lines == len(own)
        for name in ("net_mass", "embedded_emissions", "free_allocation", "certificates"):
            assert getattr(good, name) == sum((getattr(w, name) for w in own), D(0)), name
        assert good.carbon_price_deduction == sum((w.carbon_price_deduction for w in own), D(0))
        assert good.cost_eur == sum((w.cost_eur for w in own), D(0))
    for state in whole.goods.values():  # the quarterly holding's basis: each quarter's mass
        own = [w for w in written if w.group == state.label]
        assert state.quarters == [
            sum((w.net_mass for w in own if w.quarter == quarter), D(0)) for quarter in range(1, 5)
        ]

    # Split anywhere and merged, the parts give the same goods.
    cut = min(split, len(lines))
    first = Engine(2026, suppliers=suppliers, settle_at_once=True)
    second = Engine(2026, suppliers=suppliers, settle_at_once=True)
    first.add_lines(lines[:cut])
    second.add_lines(lines[cut:])
    first.merge(second.part())
    assert repr(first.finish().goods) == repr(result.goods)


# The trajectory prices goods that value alike, without a deduction, on their summed mass
# (Engine._priced_alike). Each year must still be the goods' own figures, each good's
# certificates floored at zero with its own deduction (Q&A §4.32).
_YEAR_GOODS = (
    {"installation_id": "TR-1"},  # actual SEE 1.0 above its SEFA
    {"installation_id": "TR-2"},  # actual SEE 0.5 below its SEFA
    {"installation_id": "CN-1"},  # three installations without supplier data: China's default
    {"installation_id": "CN-2"},
    {},
)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(range(len(_YEAR_GOODS))), _MASSES, _DEDUCTIONS),
        min_size=1,
        max_size=25,
    )
)
def test_trajectory_is_the_goods_own_figures_each_floored(
    drawn: list[tuple[int, Decimal, Decimal | None]],
) -> None:
    suppliers = _two_suppliers()
    lines = [line(1, "100", installation_id="CN-1")]  # above the de minimis threshold
    lines += [
        line(
            row,
            str(mass),
            # The deprecated bare deduction is accepted on actual values only.
            carbon_price_deduction=deduction if good < 2 else None,
            **_YEAR_GOODS[good],
        )
        for row, (good, mass, deduction) in enumerate(drawn, start=2)
    ]
    engine = Engine(2026, suppliers=suppliers)
    engine.add_lines(lines)
    result = engine.finish()
    states = {state.label: state for state in engine.goods.values()}
    years = [y for y in result.trajectory if y.year != 2026]
    assert [y.year for y in years] == list(range(2027, 2035))
    with localcontext(Context(prec=100)):
        for year in years:
            embedded = allocation = due = D(0)
            for good in result.goods:
                state = states[good.key]  # its valuation that year, not the grouping's key
                valued = engine.valuation(state.key, state.supplier, year.year)
                see, sefa = valued.see_used, valued.sefa
                good_embedded, good_allocation = good.net_mass * see, good.net_mass * sefa
                embedded += good_embedded
                allocation += good_allocation
                due += max(D(0), good_embedded - good_allocation - good.carbon_price_deduction)
            assert (year.embedded_emissions, year.free_allocation, year.certificates) == (
                embedded,
                allocation,
                due,
            ), year.year


def test_row_templates_are_the_same_when_shared_ones_are_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer keeps at most _SHARED_MAX shared templates (goods with supplier data share
    none): dropping them changes no row."""
    from cbam.formats import lines as lines_module

    monkeypatch.setattr(lines_module, "_SHARED_MAX", 2)
    given = [
        line(row, f"{row}.5", installation_id=f"I{row % 3}", country=country, quarter=quarter)
        for row, (country, quarter) in enumerate(
            [(c, q) for c in ("CN", "IN", "TR") for q in (1, 2, 3)], start=2
        )
    ]
    outputs = _written_both_ways(tmp_path, given)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == 1 + len(given)
