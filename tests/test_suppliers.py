"""Issue 17: supplier data requests -- plan, request, status (the "Done when" of the issue).

The expected figures are computed here from the Commission's workbooks in
``../shared/reference/xlsx`` (default values of IR 2025/2621 Annex I, benchmarks of IR
2025/2620), never from the library.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from contextlib import redirect_stdout
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import cbam
import cbam.suppliers
from cbam.cli import main
from cbam.formats.template import fill_template, read_template

BLANK = "communication-template-v2.1.1-blank.xlsx"
#: Directive 2003/87/EC Art. 10a(1a): the CBAM factor of 2026 (not in the workbooks).
CBAM_FACTOR_2026 = Decimal("0.975")
#: The price the test gives for 2026Q1 (a price table of its own, EUR per certificate).
PRICE = Decimal("80.00")

NINGBO = "Ningbo Jinhai Fasteners Co., Ltd."
ANHUI = "Anhui Conch Clinker Trading"
TURKISH = "TR-STEEL-1"

CUSTOMS = f"""line_id,cn_code,country,net_mass,import_date,installation_id,supplier,route
A1,7318 15 42,CN,60,2026-01-10,,"{NINGBO}",
A2,7318 15 42,CN,40,2026-02-10,,"{NINGBO}",
B1,7208 10 00,TR,120,2026-01-20,{TURKISH},,
B2,7208 10 00,TR,80,2026-03-20,{TURKISH},,
C1,2523 10 00,CN,300,2026-03-01,,{ANHUI},A
"""


# -- the hand computation from the official workbooks ----------------------------------------


def _default_row(xlsx: Path, sheet: str, cn: str, description: str | None = None) -> Any:
    """(total default value, route letter, 2026 mark-up) of the most specific row for ``cn``."""
    book = openpyxl.load_workbook(
        xlsx / "default-values-ir-2025-2621-v1-2026-02-04.xlsx", read_only=True, data_only=True
    )
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    markup_text = str(rows[2][5])  # "10% mark-up" above the 2026 column (IR 2025/2621 Annex I)
    markup = Decimal(markup_text.split("%")[0]) / 100
    best = None
    for row in rows[3:]:
        code = str(row[0] or "").replace(" ", "")
        if code and code.isdigit() and cn.startswith(code):
            if description is not None and row[1] != description:
                continue
            if best is None or len(code) > len(str(best[0]).replace(" ", "")):
                best = row
    assert best is not None, (sheet, cn)
    return Decimal(str(best[4])), str(best[8]).strip("()"), markup


def _column_b(xlsx: Path, cn: str, route: str) -> Decimal:
    """Column B of IR 2025/2620 for a CN code and route (rows of one code follow each other)."""
    book = openpyxl.load_workbook(
        xlsx / "benchmarks-ir-2025-2620-v1.xlsx", read_only=True, data_only=True
    )
    found = None
    inside = False
    for row in book["Benchmarks"].iter_rows(values_only=True):
        if row[0] == int(cn):
            inside = True
        elif row[0] is not None:
            inside = False
        if inside and row[5] in (f"({route})", None) and row[4] is not None:
            found = Decimal(str(row[4]))
            if row[5] == f"({route})":
                break
    book.close()
    assert found is not None, (cn, route)
    return found


def _expected(xlsx: Path) -> dict[str, dict[str, Decimal]]:
    """Certificates at default values per supplier: M x (D x (1 + mark-up) - CBAM x BM_B)."""
    goods = {
        NINGBO: ("China", "73181542", Decimal(100), None),
        TURKISH: ("Türkiye", "72081000", Decimal(200), None),
        ANHUI: ("China", "25231000", Decimal(300), "Grey clinker"),
    }
    out = {}
    for key, (sheet, cn, mass, description) in goods.items():
        total, route, markup = _default_row(xlsx, sheet, cn, description)
        see = total * (1 + markup)
        bench = _column_b(xlsx, cn, route)
        certificates = mass * (see - CBAM_FACTOR_2026 * bench)
        out[key] = {
            "see": see,
            "benchmark": bench,
            "mass": mass,
            "certificates": certificates,
            "cost": certificates * PRICE,
            "at_benchmark": mass * bench * (1 - CBAM_FACTOR_2026),
        }
    return out


@pytest.fixture(scope="module")
def customs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp_path = tmp_path_factory.mktemp("customs")
    lines = tmp_path / "customs.csv"
    lines.write_text(CUSTOMS, encoding="utf-8")
    prices = tmp_path / "prices.csv"
    prices.write_text(f"period,price_eur\n2026Q1,{PRICE}\n", encoding="utf-8")
    return lines, prices


def _cli(*argv: str) -> tuple[int, Any]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    text = out.getvalue()
    return code, json.loads(text, parse_float=Decimal) if text.strip().startswith("{") else text


# -- plan -----------------------------------------------------------------------------------------


def test_plan_ranks_three_suppliers_by_cost_at_default_values(
    customs: tuple[Path, Path], reference_dir: Path
) -> None:
    lines, prices = customs
    expected = _expected(reference_dir / "xlsx")
    found = cbam.suppliers.plan(lines, 2026, prices=prices)
    assert [row.key for row in found.suppliers] == [NINGBO, TURKISH, ANHUI]
    assert [row.kind for row in found.suppliers] == ["supplier", "installation", "supplier"]
    for row in found.suppliers:
        hand = expected[row.key]
        assert row.certificates_default == hand["certificates"]
        assert row.cost_default_eur == hand["cost"]
        assert row.certificates_now == row.certificates_default  # no supplier data given
        assert row.net_mass == hand["mass"]
        # Column B stands in for the benchmark of actual data: SEE* is the marked-up default.
        assert row.break_even_see == hand["see"]
        good = row.goods[0]
        assert good.benchmark_actual == hand["benchmark"] and good.benchmark_basis == "column-B"
        assert good.certificates_at_benchmark == hand["at_benchmark"]
        assert row.saving_at_benchmark == hand["certificates"] - hand["at_benchmark"]
    ningbo = expected[NINGBO]["certificates"]
    assert ningbo == Decimal("568.26")  # 100 t x (6.375 x 1.10 - 0.975 x 1.364)

    code, document = _cli(
        "suppliers", "plan", str(lines), "--year", "2026", "--prices", str(prices), "--json"
    )
    assert code == 0
    assert [s["key"] for s in document["suppliers"]] == [NINGBO, TURKISH, ANHUI]
    first = document["suppliers"][0]
    assert {"key", "lines", "net_mass", "cn_codes", "certificates_default", "cost_default_eur",
            "certificates_now"} <= set(first)  # fmt: skip
    assert first["certificates_default"] == ningbo and first["cn_codes"] == ["73181542"]
    assert first["lines"] == 2


def test_plan_table_and_workbook_say_the_same(customs: tuple[Path, Path], tmp_path: Path) -> None:
    lines, prices = customs
    out = tmp_path / "plan.xlsx"
    code, text = _cli(
        "suppliers", "plan", str(lines), "--year", "2026", "--prices", str(prices),
        "--xlsx", str(out),
    )  # fmt: skip
    assert code == 0
    sheet = openpyxl.load_workbook(out)["Suppliers"]
    keys = [sheet.cell(row, 2).value for row in range(2, 5)]
    assert keys == [NINGBO, TURKISH, ANHUI]
    assert sheet.cell(2, 8).value == pytest.approx(568.26)
    assert "568.260" in text and "45,460.80" in text  # the same figure on the screen


# -- request --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def requested(
    customs: tuple[Path, Path], reference_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The requests written once for the module's tests, which only read them."""
    lines, prices = customs
    out = tmp_path_factory.mktemp("requested") / "requests"
    code, document = _cli(
        "suppliers", "request", str(lines), "--year", "2026", "--prices", str(prices),
        "--template", str(reference_dir / "xlsx" / BLANK),
        "--declarant", "samples/declarant.json", "--out", str(out), "--json",
    )  # fmt: skip
    assert code == 0, document
    assert [r["key"] for r in document["requests"]] == [NINGBO, TURKISH, ANHUI]
    return out


def test_request_writes_one_addressed_template_per_supplier(
    requested: Path, reference_dir: Path
) -> None:
    templates = sorted(requested.glob("*.xlsx"))
    names = [p.name for p in templates]
    assert names == [
        "01-ningbo-jinhai-fasteners-co-ltd.xlsx",
        "02-tr-steel-1.xlsx",
        "03-anhui-conch-clinker-trading.xlsx",
        "tracker.xlsx",
    ]
    expected = {NINGBO: ("CN", "73181542", 100), TURKISH: ("TR", "72081000", 200),
                ANHUI: ("CN", "25231000", 300)}  # fmt: skip
    for path in templates[:3]:
        code, document = _cli("template", "read", str(path), "--json")
        assert code == 0
        assert document["blank"] is True and document["processes"] == []
        request = document["request"]
        country, cn, mass = expected[request["reference"]]
        assert request["requested_by"] == "Rheinmetallhandel Schrauben & Zement GmbH"
        assert request["eori"] == "DE123456789012345"
        assert request["period_start"] == "2026-01-01" and request["period_end"] == "2026-12-31"
        assert request["reply_by"] == "2027-06-30" and request["declaration_due"] == "2027-09-30"
        assert [(g["cn"], g["country"], g["net_mass"]) for g in request["goods"]] == [
            (cn, country, mass)
        ]
        # The official cells: the reporting period (IR 2025/2547 Art. 7) and the origin.
        assert document["reporting_period"] == {"start": "2026-01-01", "end": "2026-12-31"}
        assert document["installation"] == {"country": country}
        code, text = _cli("template", "read", str(path))
        assert code == 0 and "blank communication template" in text and "addressed" in text


def test_request_keeps_every_formula_of_the_blank(requested: Path, reference_dir: Path) -> None:
    from cbam.xlsxfile import open_workbook

    def formulas(path: Path) -> dict[tuple[str, str], str]:
        book = open_workbook(path, data_only=False)
        found = {}
        for name in ("A_InstData", "Summary_Products"):
            for row in book[name].iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        found[(name, cell.coordinate)] = cell.value
        book.close()
        return found

    blank = formulas(reference_dir / "xlsx" / BLANK)
    made = formulas(requested / "01-ningbo-jinhai-fasteners-co-ltd.xlsx")
    assert blank and made == blank
    book = openpyxl.load_workbook(requested / "01-ningbo-jinhai-fasteners-co-ltd.xlsx")
    assert book.sheetnames[-1] == "CBAM_Request"
    assert book["Summary_Products"]["F10"].value == "73181542"
    assert book["Summary_Products"]["D10"].value is None  # the process is the supplier's


#: Simplified characters whose Traditional forms the letter uses (none may appear).
SIMPLIFIED = (
    "请于贵采购货数据编号启进欧产国吨报关项间边调机须隐温气体并为凭证执会设范写认构时补预从订联络颂"
)


def test_letters_in_english_and_traditional_chinese(requested: Path) -> None:
    english = (requested / "01-ningbo-jinhai-fasteners-co-ltd.en.txt").read_text("utf-8")
    chinese = (requested / "01-ningbo-jinhai-fasteners-co-ltd.zh-Hant.txt").read_text("utf-8")
    for text in (english, chinese):
        assert "2027-06-30" in text and "2027-09-30" in text and "7318 15 42" in text
        assert "2023/956" in text and "2025/2547" in text and "2025/2621" in text
    assert "10 % in 2026, 20 % in 2027 and 30 % from 2028" in english
    assert "Art. 8" in english and f"(reference {NINGBO})" in english.splitlines()[0]
    assert "2026 年 10%、2027 年 20%、2028 年起 30%" in chinese
    assert "查證" in chinese and "請求" in chinese
    assert not set(SIMPLIFIED) & set(chinese)


def test_tracker_lists_every_request(requested: Path) -> None:
    sheet = openpyxl.load_workbook(requested / "tracker.xlsx")["Requests"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [r[1] for r in rows] == [NINGBO, TURKISH, ANHUI]
    assert [r[10] for r in rows] == ["yes", "yes", "yes"]
    assert rows[0][11] == "01-ningbo-jinhai-fasteners-co-ltd.xlsx" and rows[0][13] == "2027-06-30"


def test_request_templates_open_in_libreoffice(requested: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CBAM_REQUIRE_SOFFICE") == "1":
            pytest.fail("soffice not on PATH (CBAM_REQUIRE_SOFFICE=1)")
        pytest.skip("LibreOffice (soffice) is not installed")
    templates = sorted(p for p in requested.glob("0*.xlsx"))
    run = subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
         *map(str, templates)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    for path in templates:
        assert (tmp_path / (path.stem + ".pdf")).stat().st_size > 0


# -- status ---------------------------------------------------------------------------------------


def _verified_mill() -> dict[str, Any]:
    """A Turkish hot-rolling mill with verified 2026 data (its slabs bought with actual SEE)."""
    return {
        "installation": {"name": "Example Hot Strip Mill", "country": "TR", "id": TURKISH},
        "reporting_period": {"start": "2026-01-01", "end": "2026-12-31"},
        "verification": {
            "verifier": "Example Verification GmbH", "accreditation": "D-VS-00001",
            "report": "VR-TR-STEEL-1-2026", "date": "2027-03-31", "opinion": "satisfactory",
        },
        "processes": [{
            "id": "P1", "name": "Hot rolling", "good": "iron or steel products",
            "cn_codes": ["72081000"], "activity_level": 1000, "direct_emissions": 100,
            "precursors": [{"name": "slab", "good": "72071114", "route": "C", "country": "TR",
                            "mass": 1050, "see_direct": 1.2}],
        }],
    }  # fmt: skip


def test_status_coverage_changes_when_a_filled_template_arrives(
    requested: Path, customs: tuple[Path, Path], tmp_path: Path
) -> None:
    lines, prices = customs
    folder = tmp_path / "answers"
    folder.mkdir()
    before = cbam.suppliers.status(lines, 2026, folder, prices=prices)
    assert [r.state for r in before.suppliers] == ["no-answer"] * 3
    assert before.coverage.net_mass_answered == 0 and before.coverage.certificates_saved == 0

    # The Chinese supplier fills in the request it was sent and returns it.
    screws = json.loads(Path("samples/installations/screws.json").read_text("utf-8"))
    screws["installation"] = {"name": "Jinhai plant 2", "country": "CN"}
    screws["reporting_period"] = {"start": "2026-01-01", "end": "2026-12-31"}
    fill_template(screws, requested / "01-ningbo-jinhai-fasteners-co-ltd.xlsx",
                  folder / "reply-from-ningbo.xlsx")  # fmt: skip
    assert read_template(folder / "reply-from-ningbo.xlsx").blank is False
    after = cbam.suppliers.status(lines, 2026, folder, prices=prices)
    ningbo = after.suppliers[0]
    assert ningbo.key == NINGBO and ningbo.files == ("reply-from-ningbo.xlsx",)
    assert after.files[0].matched_by == "request"
    # A template holds no verification opinion: answered, not yet usable (Art. 8).
    assert ningbo.state == "not-usable" and ningbo.basis_reasons == {"unverified": 2}
    assert ningbo.lines_answered == 2 and ningbo.net_mass_answered == Decimal(100)
    assert after.coverage.net_mass_answered == Decimal(100)
    assert after.coverage.net_mass_answered_share == Decimal("0.166667")  # 100 of 600 t
    assert any("verification" in text for text in ningbo.missing)

    # The Turkish mill sends verified data: usable coverage and savings appear.
    (folder / "mill.json").write_text(json.dumps(_verified_mill()), encoding="utf-8")
    code, document = _cli(
        "suppliers", "status", str(lines), "--year", "2026", "--prices", str(prices),
        "--suppliers", str(folder), "--json",
    )  # fmt: skip
    assert code == 0
    coverage = document["coverage"]
    assert coverage["net_mass_covered"] == 200 and coverage["net_mass_share"] == Decimal("0.333333")
    assert coverage["certificates_saved"] > 0 and coverage["suppliers_covered"] == 1
    rows = {row["key"]: row for row in document["suppliers"]}
    assert rows[TURKISH]["state"] == "usable" and rows[TURKISH]["missing"] == []
    assert rows[ANHUI]["state"] == "no-answer"


def test_status_reports_unreadable_and_unmatched_files(
    customs: tuple[Path, Path], tmp_path: Path
) -> None:
    lines, prices = customs
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "broken.json").write_text("{", encoding="utf-8")
    shutil.copy("samples/suppliers/tw-fasteners.json", folder)
    found = cbam.suppliers.status(lines, 2026, folder, prices=prices)
    files = {f.file: f for f in found.files}
    assert files["broken.json"].state == "unreadable" and files["broken.json"].key is None
    assert files["tw-fasteners.json"].key is None
    assert any("tw-fasteners.json matches no supplier" in n for n in found.notes)


def test_a_supplier_named_in_the_erp_is_matched_by_its_installation_name(
    customs: tuple[Path, Path], tmp_path: Path
) -> None:
    lines, prices = customs
    folder = tmp_path / "answers"
    folder.mkdir()
    mill = _verified_mill()
    mill["installation"] = {"name": "ningbo  JINHAI fasteners co., ltd.", "country": "CN"}
    mill["processes"][0]["cn_codes"] = ["73181542"]
    (folder / "jinhai.json").write_text(json.dumps(mill), encoding="utf-8")
    found = cbam.suppliers.plan(lines, 2026, suppliers=folder, prices=prices)
    row = found.suppliers[0]
    assert row.key == NINGBO and row.certificates_now < row.certificates_default
    assert row.goods[0].basis_now == "actual" and row.goods[0].benchmark_basis == "supplier"
    assert any("cbam assess uses it only on lines with installation_id" in n for n in found.notes)


def test_request_refuses_bad_options(customs: tuple[Path, Path], tmp_path: Path) -> None:
    lines, _ = customs
    base = ["suppliers", "request", str(lines), "--year", "2026", "--template", "x.xlsx",
            "--declarant", "samples/declarant.json", "--out", str(tmp_path / "o")]  # fmt: skip
    assert main([*base, "--top", "0"]) == 1
    assert main([*base, "--reply-by", "30.6.2027"]) == 1
    assert main([*base]) == 1  # the template does not exist
    assert main(["suppliers", "status", str(lines), "--year", "2026",
                 "--suppliers", str(tmp_path / "none")]) == 1  # fmt: skip


def test_the_samples_ask_only_whom_the_data_do_not_cover_yet(
    reference_dir: Path, tmp_path: Path
) -> None:
    run = cbam.suppliers.request(
        "samples/imports-suppliers-2026.csv",
        2026,
        template=reference_dir / "xlsx" / BLANK,
        declarant="samples/declarant.json",
        out=tmp_path / "requests",
        suppliers="samples/suppliers",
    )
    assert [r.reference for r, _, _ in run.requests] == [
        "Ningbo Jinhai Fasteners Co., Ltd.",  # no answer yet
        "TR-CEM-001",  # answered for 2025, the lines need 2026 (IR 2025/2547 Art. 7)
    ]
    assert run.skipped["TW-FAST-001"].startswith("already answered")
    assert run.skipped["unknown supplier (KR, 7208 10 00)"].startswith("the lines name no")
    document = run.summary()
    assert document["requests"][0]["cn_codes"] == ["73181542"]
    assert document["requests"][0]["net_mass"] == Decimal("106.600")
