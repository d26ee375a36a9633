"""Actual values in the definitive period (issue 13): reporting period, verification,
electricity criteria, functional units, provisional benchmarks.

Expected figures come from the legal texts and the workbooks (tests/workbook_values.py) and are
computed here by hand; CBAM factor 97.5 % (2026), 95 % (2027) of Directive 2003/87/EC
Art. 10a(1a).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import cbam
from cbam.declaration.cost import cost_line
from cbam.declaration.eligibility import (
    electricity_problem,
    eligibility,
    period_problem,
    reporting_year,
    verification_problem,
)
from cbam.declaration.engine import SupplierIndex
from cbam.declaration.model import ImportLine, SupplierValue
from cbam.declaration.valuation import NO_CLINKER_NOTE, PROVISIONAL_NOTE, value_good
from cbam.errors import InputError
from cbam.formats.installation_files import load_suppliers
from cbam.installation.model import ElectricityEvidence, Verification
from tests.verified import VERIFICATION_BLOCK, VERIFIED_2026
from tests.workbook_values import benchmark

D = Decimal


def line(cn: str, country: str, mass: str, year: int = 2026, **extra: Any) -> ImportLine:
    return ImportLine(
        row=2, cn=cn, country=country, net_mass=D(mass), year=year, quarter=2, **extra
    )


def value(cn: str, see: str, **extra: Any) -> SupplierValue:
    fields: dict[str, Any] = {**VERIFIED_2026, **extra}
    return SupplierValue(
        installation_id="X-1", cn_codes=(cn,), see_direct=D(see), source="x.json", **fields
    )


# -- reporting period (IR 2025/2547 Art. 7) ---------------------------------------------------


def test_reporting_year_follows_article_7() -> None:
    # Art. 7(1): 2026 imports -> 2026 whatever the production year (Q&A §5.20).
    assert reporting_year(2026, electricity=False, production_year=2025) == 2026
    # Later imports: the year of import, unless the production year is evidenced (>= 2026).
    assert reporting_year(2028, electricity=False, production_year=None) == 2028
    assert reporting_year(2028, electricity=False, production_year=2026) == 2026
    assert reporting_year(2028, electricity=False, production_year=2025) == 2028
    # Art. 7(2): electricity always the year of import.
    assert reporting_year(2028, electricity=True, production_year=2026) == 2028


def test_period_and_verification_problems() -> None:
    assert period_problem(value("72081000", "1"), 2026) is None
    other = value(
        "72081000", "1", period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31)
    )
    assert "reporting period 2025" in (period_problem(other, 2026) or "")
    split = value("72081000", "1", period_end=dt.date(2026, 6, 30))
    assert "not one calendar year" in (period_problem(split, 2026) or "")
    assert verification_problem(value("72081000", "1")) is None
    with_comments = VERIFIED_2026["verification"].model_copy(
        update={"opinion": "satisfactory with comments"}
    )
    assert verification_problem(value("72081000", "1", verification=with_comments)) is None
    early = VERIFIED_2026["verification"].model_copy(update={"date": dt.date(2026, 12, 31)})
    problem = verification_problem(value("72081000", "1", verification=early))
    assert problem is not None and "predates" in problem[1]


def test_a_later_import_with_its_production_year_uses_that_years_values(
    reference_dir: Path,
) -> None:
    bm = benchmark(reference_dir, "72031000", "A")
    dri = value("72031000", "0.05", precursor_benchmark=D(0))
    produced_2026 = line("72031000", "IN", "10", year=2027, installation_id="X-1",
                         production_year=2026)  # fmt: skip
    result = cbam.assess([produced_2026], 2027, suppliers=[dri])
    good = result.goods[0]
    assert (good.basis, good.basis_reason) == ("actual", "verified")
    assert good.sefa == D("0.95") * bm
    presumed = line("72031000", "IN", "10", year=2027, installation_id="X-1")
    result = cbam.assess([presumed], 2027, suppliers=[dri])
    assert (result.goods[0].basis, result.goods[0].basis_reason) == ("default", "other-period")


def test_an_installation_may_give_several_reporting_periods(tmp_path: Path) -> None:
    base = json.loads(
        (Path(__file__).resolve().parents[2] / "samples/suppliers/tw-fasteners.json").read_text()
    )
    later = {**base, "reporting_period": {"start": "2027-01-01", "end": "2027-12-31"}}
    later["verification"] = {**VERIFICATION_BLOCK, "date": "2028-03-31"}
    (tmp_path / "a.json").write_text(json.dumps(base), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(later), encoding="utf-8")
    values = load_suppliers(tmp_path, 2027)
    assert sorted({v.reporting_year for v in values}) == [2026, 2027]
    match = SupplierIndex(values).match("TW-FAST-001", "73181542", 2027)
    assert match.value is not None and match.value.source == "b.json"
    (tmp_path / "c.json").write_text(json.dumps(later), encoding="utf-8")
    with pytest.raises(InputError, match="same reporting period"):
        load_suppliers(tmp_path, 2027)


def test_the_production_year_column(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        "cn_code,country,net_mass,import_date,production_year\n"
        "72081000,TR,1,2027-02-01,2026\n"
        "72081000,TR,1,2027-02-01,\n",
        encoding="utf-8",
    )
    found = list(cbam.read_imports(path, year=2027))
    assert [x.production_year for x in found] == [2026, None]
    path.write_text(
        "cn_code,country,net_mass,import_date,production_year\n72081000,TR,1,2027-02-01,2028\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"row 2.*production_year"):
        list(cbam.read_imports(path, year=2027))


# -- electricity (Reg. (EU) 2023/956 Annex IV pt 5) --------------------------------------------


def _serbia_factor(reference_dir: Path) -> Decimal:
    text = (reference_dir / "legal" / "ir-2025-2621-default-values.txt").read_text("utf-8")
    annex = text[text.index("ANNEX III \nDefault values for electricity") :]
    entry = next(x for x in annex.splitlines() if x.startswith("Serbia "))
    return D(entry.split()[-1].replace(",", "."))


EVIDENCE = ElectricityEvidence(
    ppa="PPA-2026-7", connection="TSO statement, no congestion", nomination="nominations 2026",
    monthly_reports="verifier interim reports 2026",
)  # fmt: skip


def test_electricity_takes_actual_values_only_with_the_evidence(reference_dir: Path) -> None:
    mwh = line("27160000", "RS", "500", installation_id="X-1")
    with_evidence = value("27160000", "0.3", electricity_evidence=EVIDENCE)
    result = cbam.assess([mwh], 2026, suppliers=[with_evidence])
    assert result.totals.certificates == D(500) * D("0.3")
    assert result.goods[0].basis_reason == "verified"
    for missing in (
        value("27160000", "0.3"),
        value("27160000", "0.6", electricity_evidence=EVIDENCE),
    ):
        result = cbam.assess([mwh], 2026, suppliers=[missing], accept_unverified=True)
        good = result.goods[0]
        assert (good.basis, good.basis_reason) == ("default", "electricity-criteria")
        assert result.totals.certificates == D(500) * _serbia_factor(reference_dir)
    assert "(c) 0.6 t CO2/MWh exceeds 550 g CO2/kWh" in (
        electricity_problem(value("27160000", "0.6", electricity_evidence=EVIDENCE)) or ""
    )
    partial = EVIDENCE.model_copy(update={"nomination": None})
    assert "(d) nomination" in (
        electricity_problem(value("27160000", "0.3", electricity_evidence=partial)) or ""
    )


def test_electricity_evidence_only_on_an_electricity_process(tmp_path: Path) -> None:
    doc = {
        "installation": {"name": "Mill", "country": "TR"},
        "processes": [{"id": "P1", "good": "crude steel", "activity_level": 1,
                       "direct_emissions": 1, "electricity_evidence": {"ppa": "x"}}],
    }  # fmt: skip
    with pytest.raises(InputError, match=r"processes\[0\].*electricity_evidence"):
        cbam.compute_see(cbam.installation.parse_installation(doc, source="mill.json"))


# -- functional units (IR 2025/2547 Art. 4(4)-(5), Eqs. 64-66) ---------------------------------


def test_an_see_per_kg_nitrogen_becomes_per_tonne_with_the_nitrogen_content(
    reference_dir: Path,
) -> None:
    # 1,000 t of urea at 46 % N = 460,000 kg N; 460 t CO2e direct, 46 t indirect.
    per_kg = D(460) / D(460000), D(46) / D(460000)
    assert per_kg == (D("0.001"), D("0.0001"))
    urea = value(
        "31021012",
        str(per_kg[0]),
        see_indirect=per_kg[1],
        see_unit="kg N contained",
        precursor_benchmark=D(0),
    )
    lot = line("31021012", "EG", "100", installation_id="X-1", nitrogen_content=D("0.46"))
    good = cbam.assess([lot], 2026, suppliers=[urea]).goods[0]
    assert good.basis == "actual"
    # Eq. 65: SEE per kg N x 460 kg N per t = (460 + 46) t CO2e / 1,000 t of urea.
    assert good.see_used == (per_kg[0] + per_kg[1]) * 460 == D("0.506")
    assert good.sefa == D("0.975") * benchmark(reference_dir, "31021012", "A")
    # Without the content anywhere: the default value, saying why.
    bare = line("31021012", "EG", "100", installation_id="X-1")
    good = cbam.assess([bare], 2026, suppliers=[urea]).goods[0]
    assert (good.basis, good.basis_reason) == ("default", "content-missing")
    # The supplier's content per product serves when the line has none.
    urea_with = urea.model_copy(update={"contents": {"31021012": D("0.46")}})
    assert cbam.assess([bare], 2026, suppliers=[urea_with]).goods[0].see_used == D("0.506")


def test_an_see_per_tonne_of_clinker_becomes_per_tonne_of_cement(reference_dir: Path) -> None:
    cement = value("25232900", "0.9", see_indirect=D("0.1"), see_unit="t clinker contained",
                   precursor_benchmark=D("0.666"))  # fmt: skip
    lot = line("25232900", "TR", "1000", installation_id="X-1", clinker_content=D("0.8"))
    good = cbam.assess([lot], 2026, suppliers=[cement]).goods[0]
    assert good.see_used == D("1.0") * D("0.8")  # Eq. 64: SEE x CK
    column_a = benchmark(reference_dir, "25232900", "A")
    assert good.sefa == D("0.975") * (column_a + D("0.666") * D("0.8"))
    # No clinker content: 1 t of clinker per t, the upper bound, and the trail says so.
    bare = line("25232900", "TR", "1000", installation_id="X-1")
    result = cbam.assess([bare], 2026, suppliers=[cement])
    assert result.goods[0].see_used == D("1.0")
    steps = result.audit_of(result.goods[0])
    assert any("upper bound" in (s.note or "") for s in steps)


def test_cement_default_values_count_the_benchmark_per_tonne_of_clinker(
    reference_dir: Path,
) -> None:
    bm = benchmark(reference_dir, "25232900", "B")
    with_ck = value_good("25232900", "TR", 2026, clinker_content=D("0.75"))
    assert with_ck.sefa == D("0.975") * D("0.75") * bm
    without = value_good("25232900", "TR", 2026)
    assert without.sefa == 0
    assert any(s.note == NO_CLINKER_NOTE for s in without.audit)
    # Clinker itself is 1 t of clinker per t: no content needed.
    clinker = value_good("25231000", "TR", 2026, route="A")
    assert clinker.benchmark == benchmark(reference_dir, "25231000", "B", "(A)")
    result = cbam.assess([line("25232900", "TR", "100")], 2026)
    assert any("cement line(s) without clinker_content" in n for n in result.notes)


def test_fertiliser_default_values_are_per_tonne_of_goods(reference_dir: Path) -> None:
    # Not multiplied by the nitrogen content (docs/methodology.md, functional units).
    plain = value_good("31021012", "EG", 2026)
    with_n = value_good("31021012", "EG", 2026, nitrogen_content=D("0.46"))
    assert plain.see_used == with_n.see_used and plain.sefa == with_n.sefa
    assert plain.benchmark == benchmark(reference_dir, "31021012", "B")


# -- provisional benchmarks (Q&A §3.9) ----------------------------------------------------------


def test_figures_for_2027_and_later_say_the_benchmarks_are_provisional() -> None:
    later = cost_line("72081000", "TR", D(100), 2027, price=D(80))
    assert any(PROVISIONAL_NOTE in (s.note or "") for s in later.audit)
    now = cost_line("72081000", "TR", D(100), 2026, price=D(80))
    assert not any(PROVISIONAL_NOTE in (s.note or "") for s in now.audit)
    year_2026 = cbam.assess([line("72081000", "TR", "100")], 2026)
    assert any("2027-2034 cost trajectory uses provisional" in n for n in year_2026.notes)
    year_2027 = cbam.assess([line("72081000", "TR", "100", year=2027)], 2027)
    assert PROVISIONAL_NOTE in year_2027.notes


# -- eligibility and the index -----------------------------------------------------------------


def test_eligibility_outcomes() -> None:
    ok = eligibility(value("72081000", "1"), 2026, electricity=False)
    assert (ok.usable, ok.reason, ok.estimate) == (True, "verified", False)
    bare = SupplierValue(installation_id="X", cn_codes=("72081000",), see_direct=D(1), source="x")
    assert eligibility(bare, 2026, electricity=False).reason == "other-period"
    accepted = eligibility(bare, 2026, electricity=False, accept_unverified=True)
    assert (accepted.usable, accepted.estimate) == (True, True)
    index = SupplierIndex([value("72081000", "1")])
    assert index.match(None, "72081000", 2026).reason == "no-installation"
    assert index.match("X-1", "72081090", 2026).reason == "no-value-for-cn"
    assert index.match("NOPE", "72081000", 2026).reason == "no-supplier-data"
    with pytest.raises(ValueError, match="opinion must be one of"):
        Verification(opinion="fine")  # type: ignore[arg-type]
