"""Production routes of the benchmark (cbam.reference.routes): every default-value line resolves.

Expected figures are read by hand from the Commission's workbooks (tests/workbook_values.py);
the CBAM factor is the Directive's (2003/87/EC Art. 10a(1a): 97.5 % in 2026, 0 in 2034) and the
mark-up the one of IR 2025/2621 Annex I (10 % in 2026, 30 % from 2028 for steel and cement).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cbam.declaration.valuation import choose_default, value_good
from cbam.errors import CbamError, InputError
from cbam.goods import all_goods
from cbam.reference.defaults import packaged_defaults
from cbam.reference.routes import (
    ROUTE_BASES,
    ROUTE_NOTES_KEY,
    actual_route,
    column_routes,
    default_route,
    route_letter,
    route_letters,
    route_notes_section,
)
from tests.workbook_values import benchmark, default_row

D = Decimal
FACTOR_2026 = D("0.975")
MARKUP_2026 = D("0.10")
ROOT = Path(__file__).resolve().parents[2]


def test_family_rule_for_a_letter_column_b_lacks(reference_dir: Path) -> None:
    # China's 7225 19 90 row names (F); Column B of the code has only (C), (D), (E).
    direct, total, route = default_row(reference_dir, "China", "7225 19 90")
    assert route == "(F)"
    bm_c = benchmark(reference_dir, "72251990", "B", "(C)")
    v = value_good("72251990", "CN", 2026)
    assert (v.route, v.route_basis, v.benchmark) == ("C", "family", bm_c)
    assert v.see_used == (direct or total) * (1 + MARKUP_2026)
    assert v.sefa == FACTOR_2026 * bm_c
    step = next(s for s in v.audit if s.quantity == "benchmark")
    assert step.note is not None and "docs/data-notes.md" in step.note


def test_two_letter_rows_take_the_letter_column_b_has(reference_dir: Path) -> None:
    _, _, route = default_row(reference_dir, "China", "7227")
    assert route == "(C)/(F)"
    v = value_good("72271000", "CN", 2026)
    assert (v.route, v.route_basis) == ("F", "two-letters")
    assert v.benchmark == benchmark(reference_dir, "72271000", "B", "(F)(1)")
    later = value_good("72271000", "CN", 2028)  # (2): production years 2028-2030
    assert later.benchmark == benchmark(reference_dir, "72271000", "B", "(F)(2)")
    carbon = value_good("72279010", "CN", 2026)  # the same row, a code of the other family
    assert (carbon.route, carbon.route_basis) == ("C", "two-letters")


def test_no_letter_while_column_b_varies_takes_the_lowest(reference_dir: Path) -> None:
    _, _, route = default_row(reference_dir, "China", "7306 30 18")
    assert route == ""  # a blank cell (a non-breaking space)
    values = {r: benchmark(reference_dir, "73063018", "B", f"({r})") for r in "CDE"}
    v = value_good("73063018", "CN", 2026)
    assert (v.route, v.route_basis) == ("E", "lowest")
    assert v.benchmark == min(values.values()) == values["E"]
    # Kuwait's aluminium table has no letters at all: (L), the lower of K and L.
    kw = value_good("76011010", "KW", 2026)
    assert (kw.route, kw.route_basis) == ("L", "lowest")
    assert kw.benchmark == benchmark(reference_dir, "76011010", "B", "(L)")


def test_the_line_route_wins_over_the_gap_rules(reference_dir: Path) -> None:
    cases = [("73063018", "C", "(C)"), ("72251990", "E", "(E)"), ("72271000", "H", "(H)(1)")]
    for cn, line, cell in cases:
        v = value_good(cn, "CN", 2026, route=line)
        assert (v.route, v.route_basis) == (line, "line"), cn
        assert v.benchmark == benchmark(reference_dir, cn, "B", cell)


def test_the_row_route_wins_over_the_line_route(reference_dir: Path) -> None:
    _, _, route = default_row(reference_dir, "Türkiye", "7208")
    assert route == "(C)"
    v = value_good("72081000", "TR", 2026, route="E")
    assert (v.route, v.route_basis) == ("C", "row")
    assert v.benchmark == benchmark(reference_dir, "72081000", "B", "(C)")
    notes = " ".join(s.note or "" for s in v.audit)
    assert "the line's route (E) differs" in notes


def test_column_b_without_letters_ignores_the_row_letter(reference_dir: Path) -> None:
    _, _, route = default_row(reference_dir, "China", "7318 12 10")
    assert route == "(C)"  # stainless screws: the row names (C), Column B has no routes
    v = value_good("73181210", "CN", 2026)
    assert v.route_basis == "single"
    assert v.benchmark == benchmark(reference_dir, "73181210", "B", "(1)")


def test_grey_or_white_clinker_without_a_route_takes_the_most_certificates(
    reference_dir: Path,
) -> None:
    _, grey, _ = default_row(reference_dir, "Algeria", "2523 10 00", "Grey clinker")
    _, white, _ = default_row(reference_dir, "Algeria", "2523 10 00", "White clinker")
    bm_a = benchmark(reference_dir, "25231000", "B", "(A)")
    bm_b = benchmark(reference_dir, "25231000", "B", "(B)")
    per_t_2026 = {
        "A": grey * (1 + MARKUP_2026) - FACTOR_2026 * bm_a,
        "B": white * (1 + MARKUP_2026) - FACTOR_2026 * bm_b,
    }
    best = max(per_t_2026, key=lambda r: per_t_2026[r])
    v = value_good("25231000", "DZ", 2026)
    assert (v.route, v.route_basis) == (best, "lowest") == ("A", "lowest")
    assert v.see_used - v.sefa == per_t_2026["A"]
    # 2034: no free allocation left (CBAM factor 0), 30 % mark-up: the higher default wins.
    late = value_good("25231000", "DZ", 2034)
    assert (late.route, late.see_used) == ("B", white * D("1.3"))
    # With the line's route, that row.
    assert value_good("25231000", "DZ", 2026, route="B").see_used == white * (1 + MARKUP_2026)


def test_every_default_value_line_resolves() -> None:
    """Done when: no route question stops an assessment (every country x every CN code)."""
    table = packaged_defaults()
    countries = sorted(c for c in table.countries if c != "OTHER")
    codes = [g.cn for g in all_goods() if g.cn != "31021010"]  # CN 2025 replaced 3102 10 10
    bases: dict[str, int] = {}
    for country in countries:
        for cn in codes:
            v = value_good(cn, country, 2026)
            bases[v.route_basis] = bases.get(v.route_basis, 0) + 1
    assert set(bases) <= set(ROUTE_BASES)
    assert {"row", "single", "two-letters", "family", "lowest", "none"} <= set(bases)
    # Any route letter on a line: never an error either.
    for cn in ("25231000", "72081000", "72251990", "72271000", "76011010", "28141000"):
        for letter in "ABCDEFGHJKL":
            assert value_good(cn, "BR", 2026, route=letter).route_basis in ROUTE_BASES


def test_route_letters_and_errors() -> None:
    assert route_letter("(k)") == "K" and route_letter(" e ") == "E"
    for bad in ("I", "M", "C/F", "(1)", "CC", ""):
        with pytest.raises(InputError, match="not a production-route indicator"):
            route_letter(bad)
    assert route_letters("72081000") == frozenset("CDE")
    assert route_letters("25231000") == frozenset("AB")
    assert route_letters("28041000") == frozenset()
    with pytest.raises(InputError, match="not a production-route indicator"):
        value_good("72081000", "TR", 2026, route="X")


def test_actual_route_rules() -> None:
    a = {"K": D("1.423"), "L": D("0.091")}
    assert actual_route("76011010", "K", None, a)[:2] == ("K", "supplier")
    assert actual_route("76011010", "K", "L", a)[:2] == ("L", "line")
    assert actual_route("76011010", None, None, a)[:2] == ("L", "lowest")
    assert actual_route("76011010", None, "C", a)[:2] == ("L", "lowest")
    steel = column_routes("72249018", "A", 2026)
    assert actual_route("72249018", "C", None, steel)[:2] == ("F", "family")
    assert actual_route("72081000", "C", None, {})[:2] == (None, "single")
    assert default_route("72081000", (), None, {}).basis == "single"


def test_choose_default_is_what_cbam_defaults_shows() -> None:
    value, choice = choose_default("72251990", "CN", 2026)
    assert (value.route, choice.route, choice.basis) == ("F", "C", "family")
    assert [v.route for v in packaged_defaults().lookup_all("25231000", "DZ")] == ["A", "B"]
    with pytest.raises(CbamError):
        choose_default("72081000", "DE", 2026)


def test_data_notes_list_the_rows_the_rules_work_around() -> None:
    text = (ROOT / "docs" / "data-notes.md").read_text(encoding="utf-8")
    begin, end = f"<!-- begin:{ROUTE_NOTES_KEY} -->\n", f"\n<!-- end:{ROUTE_NOTES_KEY} -->"
    section = text[text.index(begin) + len(begin) : text.index(end)]
    assert section == route_notes_section(packaged_defaults()).rstrip()
    assert "| family | 7225 19 90 (C); 7226 19 80 (C) |" in section
    assert "| lowest | 7306 30 18 (E) |" in section
    assert "1: KW | - | lowest | 7601 (L)" in section
