"""The Python API: bad values refused with the library's own errors, results independent of the
caller's decimal context, an iterator read twice detected."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import cbam
from cbam.errors import InputError

from .corpus import Entry, case, cases, refused

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
LINE = cbam.ImportLine(
    row=2, cn="72081000", country="CN", net_mass=Decimal("10"), year=2026, quarter=1
)


def _bad(id: str, input: str, changes: dict[str, Any], field: str, reason: str) -> Entry:
    return Entry(id, input, refused("row 2", field, reason), (changes, field, reason))


@cases(
    "api",
    "changes, field, reason",
    [
        _bad(
            "float-mass",
            "`net_mass=1.5` (a float; was a raw TypeError)",
            {"net_mass": 1.5},
            "net_mass",
            "1.5 is a binary float, which cannot hold most decimal figures exactly; pass a "
            "Decimal (Decimal(str(x)))",
        ),
        _bad("text-mass", "`net_mass='abc'`", {"net_mass": "abc"}, "net_mass", "is not a number"),
        _bad(
            "nan-mass",
            "`net_mass=Decimal('NaN')`",
            {"net_mass": Decimal("NaN")},
            "net_mass",
            "not a finite number",
        ),
        _bad(
            "infinite-mass",
            "`net_mass=Decimal('Infinity')`",
            {"net_mass": Decimal("Infinity")},
            "net_mass",
            "not a finite number",
        ),
        _bad(
            "negative-mass",
            "`net_mass=Decimal(-5)` (was accepted and reduced the year's certificates)",
            {"net_mass": Decimal(-5)},
            "net_mass",
            "must be >= 0",
        ),
        _bad(
            "huge-mass",
            "`net_mass=10**30`",
            {"net_mass": 10**30},
            "net_mass",
            "outside the range of figures",
        ),
        _bad(
            "quarter-0",
            "`quarter=0` (was a raw KeyError)",
            {"quarter": 0},
            "quarter",
            "0 is not a quarter",
        ),
        _bad("quarter-5", "`quarter=5`", {"quarter": 5}, "quarter", "5 is not a quarter"),
        _bad(
            "other-year",
            "a line of 2027 in the assessment of 2026 (was accepted)",
            {"year": 2027},
            "year",
            "outside the assessed year 2026",
        ),
        _bad(
            "date-contradicts-quarter",
            "`import_date` 2026-05-04 on a line of quarter 1",
            {"import_date": dt.date(2026, 5, 4)},
            "import_date",
            "contradicts the line's year 2026 and quarter 1",
        ),
        _bad(
            "float-deduction",
            "`carbon_price_deduction=0.5`",
            {"carbon_price_deduction": 0.5},
            "carbon_price_deduction",
            "is a binary float",
        ),
        _bad(
            "share-over-one",
            "`clinker_content=Decimal('1.5')`",
            {"clinker_content": Decimal("1.5")},
            "clinker_content",
            "share between 0 and 1",
        ),
        _bad(
            "formula-line-id",
            "`line_id='=1+2'`",
            {"line_id": "=1+2"},
            "line_id",
            "a spreadsheet would read it as a formula",
        ),
        _bad(
            "control-installation-id",
            "`installation_id='A\\x00B'`",
            {"installation_id": "A\x00B"},
            "installation_id",
            "control character U+0000",
        ),
        _bad("unknown-cn", "`cn='72089999'`", {"cn": "72089999"}, "cn_code", "not an 8-digit code"),
    ],
)
def test_a_bad_line_is_refused_by_assess(changes: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        cbam.assess([LINE._replace(**changes)], 2026)
    assert (caught.value.location, caught.value.field) == ("row 2", field)
    assert reason in caught.value.reason


@case(
    "api",
    "`net_mass` given as the int 10 and the text `'10.0'`; CN `'7208 10 00'`, country `'cn'`",
    "accepted — the same certificates as `Decimal('10')`, CN 72081000, country CN",
)
def test_ints_and_decimal_texts_are_accepted() -> None:
    reference = cbam.assess([LINE], 2026)
    for changes in ({"net_mass": 10}, {"net_mass": "10.0", "cn": "7208 10 00", "country": "cn"}):
        result = cbam.assess([LINE._replace(**changes)], 2026)
        assert result.totals == reference.totals
        assert (result.goods[0].cn, result.goods[0].country) == ("72081000", "CN")


@case(
    "api",
    "a second `assess` over the same `read_imports` iterator (was: silently nothing)",
    refused(
        None,
        "lines",
        "the lines were already read: an iterator (such as read_imports()) can be read once",
    ),
)
def test_an_iterator_read_twice_is_refused() -> None:
    lines = cbam.read_imports(SAMPLES / "imports-2026.csv", year=2026)
    first = cbam.assess(lines, 2026)
    assert first.lines == 300
    with pytest.raises(InputError) as caught:
        cbam.assess(lines, 2026)
    assert caught.value.field == "lines"
    assert "can be read once" in caught.value.reason


@case(
    "api",
    "an iterator partly read before `assess`",
    refused(None, "lines", "the lines were already read"),
)
def test_a_partly_read_iterator_is_refused() -> None:
    lines = cbam.read_imports(SAMPLES / "imports-2026.csv", year=2026)
    next(lines)
    with pytest.raises(InputError, match="the lines were already read"):
        cbam.assess(lines, 2026)


@case(
    "api",
    "`cost_line(mass=2.5)` (a float); `scenario_prices=[80.5]`",
    refused(None, "mass", "2.5 is a binary float") + "; likewise `scenario_prices`",
)
def test_floats_are_refused_by_cost_line_and_assess() -> None:
    with pytest.raises(InputError) as caught:
        cbam.cost_line("72081000", "CN", 2.5, 2026)  # type: ignore[arg-type]
    assert caught.value.field == "mass"
    assert "2.5 is a binary float" in caught.value.reason
    with pytest.raises(InputError) as caught:
        cbam.assess([LINE], 2026, scenario_prices=[80.5])  # type: ignore[list-item]
    assert caught.value.field == "scenario_prices"


def _results() -> dict[str, object]:
    lines = list(cbam.read_imports(SAMPLES / "imports-2026.csv", year=2026))
    suppliers = cbam.load_suppliers(SAMPLES / "suppliers", 2026)
    assessment = cbam.assess(lines, 2026, suppliers=suppliers, scenario_prices=[Decimal("97.3")])
    plant = cbam.compute_see(cbam.load_installation(SAMPLES / "installations" / "screws.json"))
    return {
        "assess": (assessment.totals, assessment.scenarios),
        "suppliers": suppliers,
        "cost_line": cbam.cost_line("72081000", "IN", Decimal("1.23456789"), 2027).cost_eur,
        "compute_see": [(p.see_direct, p.see_indirect) for p in plant.processes],
        "default_value": cbam.default_value("72081000", "IN").value_used(2026),
    }


@case(
    "api",
    "the caller's decimal context at 3 digits, rounding down, `Inexact` trapped (was: results "
    "depended on the caller's precision)",
    "the same results as under the default context: `assess`, `load_suppliers`, `cost_line`, "
    "`compute_see`, `default_value`",
)
def test_results_do_not_depend_on_the_callers_decimal_context() -> None:
    expected = _results()
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_DOWN
        context.traps[decimal.Inexact] = True
        assert _results() == expected


@case(
    "api",
    "lines from any iterable of `ImportLine`s (a list, a generator of the caller's)",
    "accepted — a fresh generator is read once, as a list",
)
def test_a_fresh_generator_is_read() -> None:
    def lines() -> Iterator[cbam.ImportLine]:
        yield LINE
        yield LINE._replace(row=3)

    assert (
        cbam.assess(lines(), 2026).totals == cbam.assess([LINE, LINE._replace(row=3)], 2026).totals
    )
