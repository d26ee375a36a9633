"""Issue 17: who matters among the suppliers, and what their actual data are worth."""

from __future__ import annotations

from decimal import Decimal

import cbam
from cbam.declaration import certificates as cert
from cbam.declaration.supplier_plan import (
    SupplierTally,
    break_even_see,
    build_plan,
    supplier_key,
    value_at_benchmark,
)
from cbam.declaration.valuation import value_good


def _line(row: int, cn: str, country: str, mass: str, **extra: object) -> cbam.ImportLine:
    return cbam.ImportLine(
        row=row, cn=cn, country=country, net_mass=Decimal(mass), year=2026, quarter=1, **extra
    )  # type: ignore[arg-type]


def test_the_supplier_key_follows_installation_then_supplier_then_origin_and_code() -> None:
    named = _line(2, "73181542", "CN", "1", installation_id="CN-1", supplier="Trader")
    assert supplier_key(named) == ("CN-1", "installation")
    assert supplier_key(named._replace(installation_id=None)) == ("Trader", "supplier")
    assert supplier_key(named._replace(installation_id=None, supplier=None)) == (
        "unknown supplier (CN, 7318 15 42)",
        "unknown",
    )


def test_at_the_break_even_see_actual_data_owe_what_default_values_owe() -> None:
    # The default valuation of Chinese screws and an actual one with a supplier's benchmark.
    default = value_good("73181542", "CN", 2026, route="C")
    supplier_bm = Decimal("1.6427")
    actual_sefa = value_good(
        "73181542", "CN", 2026, see_direct=Decimal(1), benchmark_a=supplier_bm
    ).sefa
    star = break_even_see(default.see_used, default.sefa, actual_sefa)
    mass, deduction = Decimal(250), Decimal("3.5")
    at_default = cert.certificates_due(
        cert.embedded_emissions(mass, default.see_used),
        cert.free_allocation(mass, default.sefa),
        deduction,
    )
    at_star = cert.certificates_due(
        cert.embedded_emissions(mass, star), cert.free_allocation(mass, actual_sefa), deduction
    )
    assert at_star == at_default
    # Column B as the benchmark of actual data: the break-even is the marked-up default value.
    assert break_even_see(default.see_used, default.sefa, default.sefa) == Decimal("7.0125")


def test_electricity_has_no_value_at_a_benchmark() -> None:
    result = cbam.assess([_line(2, "27160000", "UA", "100")], 2026)
    due, bench, note = value_at_benchmark(result.goods[0], 2026)
    assert due is None and bench is None and note is not None and "electricity" in note


def test_within_de_minimis_nothing_is_owed_or_saved() -> None:
    tally = SupplierTally(2026)
    lines = [tally.add(_line(2, "72081000", "TR", "20", supplier="Izmir"))]
    result = cbam.assess(lines, 2026)
    plan = build_plan(tally, result, result)
    row = plan.suppliers[0]
    assert plan.exempt and row.certificates_default == 0 and row.saving_at_benchmark == 0
    assert row.break_even_see is None  # nothing owed, nothing to save


def test_lines_without_a_supplier_group_by_origin_and_code() -> None:
    tally = SupplierTally(2026)
    lines = [
        tally.add(_line(2, "72081000", "TR", "40")),
        tally.add(_line(3, "72081000", "TR", "20")),
        tally.add(_line(4, "72081000", "KR", "30")),
    ]
    result = cbam.assess(lines, 2026)
    plan = build_plan(tally, result, result)
    assert [(r.key, r.lines, r.net_mass) for r in plan.suppliers] == [
        ("unknown supplier (TR, 7208 10 00)", 2, Decimal(60)),
        ("unknown supplier (KR, 7208 10 00)", 1, Decimal(30)),
    ]
    assert sum(r.certificates_default for r in plan.suppliers) == result.totals.certificates
