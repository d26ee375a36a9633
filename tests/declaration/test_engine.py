"""The one engine: a line's figures by hand, per-good work done once, parts merged exactly."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

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


def test_lines_csv_columns_are_the_line_model() -> None:
    assert tuple(LineResult.model_fields) == COLUMNS
    engine = Engine(2026)
    good = engine.good("25231000", "CN", "A", None)
    period = engine.pricing.period(None, 2026, 1)
    figures = (D(1), D(2), D(3), D(0), D(4), D(5))
    model = line_result(good, period, 2, "x", figures, False)
    assert set(model.model_dump()) == set(COLUMNS)


@pytest.mark.parametrize("text", ["a,b", '"quoted"', "100%s", "{0}", "%(x)s", "x\ny", "é€"])
def test_row_templates_write_what_the_models_say(tmp_path: Path, text: str) -> None:
    """The lines.csv writer formats the cells of a good once into a template; any installation
    id or line id comes out exactly as from the line models."""
    outputs = []
    for kind in ("parts", "models"):
        path = tmp_path / f"{kind}.csv"
        with LinesCsvWriter(path) as writer:
            sink: Any = writer if kind == "parts" else (lambda line, w=writer: w(line))
            engine = Engine(2026, sink=sink)
            engine.add_lines(
                [line(2, "60", installation_id=text, line_id=text), line(3, "1", line_id=text)]
            )
            engine.finish()
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]
    rows = list(csv.reader(io.StringIO(outputs[0].decode("utf-8"), newline="")))
    assert rows[1][COLUMNS.index("installation_id")] == text
    assert rows[1][COLUMNS.index("line_id")] == text.strip()
