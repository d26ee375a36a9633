"""Installation files, declarant files, price tables, communication templates, other workbooks
and QReport XML: broken and hostile inputs through the CLI, each with its asserted outcome."""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from .conftest import assert_refused, cli
from .corpus import Entry, case, cases, refused
from .workbooks import XLSX_HEADER, billion_laughs_dtd, broken_workbook_xml, xlsx, zip_bomb

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
CEMENT = SAMPLES / "installations" / "cement.json"
DECLARANT = SAMPLES / "declarant.json"


def _installation(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CEMENT.read_text(encoding="utf-8"))
    data.update(changes)
    return data


def _see_json(run: Any) -> dict[str, Any]:
    assert run.code == 0, run.err
    document: dict[str, Any] = json.loads(run.out)
    return document


# -- installation files (cbam see) ---------------------------------------------------------------


@case("installation", "UTF-8 with byte-order mark", "accepted — the same SEE as without")
def test_installation_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + CEMENT.read_bytes())
    plain = _see_json(cli("see", CEMENT, "--json"))
    assert _see_json(cli("see", path, "--json"))["processes"] == plain["processes"]


def _unreadable(id: str, input: str, payload: bytes, location: str | None, reason: str) -> Entry:
    return Entry(id, input, refused(location, None, reason), (payload, location, reason))


@cases(
    "installation",
    "payload, location, reason",
    [
        _unreadable("empty", "empty file", b"", "line 1, column 1", "not valid JSON"),
        _unreadable(
            "truncated", "truncated JSON", b'{"installation": ', "line 1", "not valid JSON"
        ),
        _unreadable(
            "latin1",
            "Latin-1 text",
            '{"installation": {"name": "Café"}}'.encode("latin-1"),
            None,
            "not UTF-8",
        ),
        _unreadable("utf16", "UTF-16 text", "{}".encode("utf-16"), None, "not UTF-8"),
        _unreadable("list", "a JSON list", b"[1, 2]", None, "must hold one JSON/YAML object"),
        _unreadable(
            "5000-digit-int",
            "an integer of 5000 digits",
            b'{"a": ' + b"1" * 5000 + b"}",
            None,
            "not a usable JSON installation file",
        ),
        _unreadable(
            "deep-nesting",
            "arrays nested 100,000 deep",
            b"[" * 100_000 + b"]" * 100_000,
            None,
            "not a usable JSON installation file",
        ),
    ],
)
def test_unreadable_installation_file(
    payload: bytes, location: str | None, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / "inst.json"
    path.write_bytes(payload)
    message = assert_refused(cli("see", path), path, location)
    assert reason in message


def _invalid(
    id: str, input: str, edit: Any, location: str | None, field: str, reason: str
) -> Entry:
    return Entry(id, input, refused(location, field, reason), (edit, location, field, reason))


@cases(
    "installation",
    "edit, location, field, reason",
    [
        _invalid(
            "unknown-country",
            "unknown country",
            {"installation": {"name": "x", "country": "XX"}},
            "installation",
            "country",
            "XX",
        ),
        _invalid("no-process", "no process", {"processes": []}, None, "processes", "at least 1"),
        _invalid(
            "control-character-in-name",
            "installation name with a control character `Works\\x01`",
            {"installation": {"name": "Works\x01", "country": "CN"}},
            "installation",
            "name",
            "contains the control character U+0001",
        ),
        _invalid(
            "formula-name",
            "installation name `=HYPERLINK(...)`",
            {"installation": {"name": '=HYPERLINK("http://x")', "country": "CN"}},
            "installation",
            "name",
            "a spreadsheet would read it as a formula",
        ),
    ],
)
def test_invalid_installation_names_path_and_field(
    edit: dict[str, Any], location: str | None, field: str, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / "inst.json"
    path.write_text(json.dumps(_installation(**edit)), encoding="utf-8")
    message = assert_refused(cli("see", path), path, location, field)
    assert reason in message


def _number(id: str, input: str, value: object, reason: str) -> Entry:
    outcome = refused("source_streams[0]", "activity_data", reason)
    return Entry(id, input, outcome, (value, reason))


@cases(
    "installation",
    "value, reason",
    [
        _number("nan", "activity data `NaN`", "NaN", "finite"),
        _number("negative", "negative activity data", "-5", "greater than or equal to 0"),
        _number("formula", "activity data `=1255000/0.95`", "=1255000/0.95", "expected a number"),
        _number("boolean", "activity data `true`", True, "expected a number, got true"),
        _number("underscore", "activity data `1_255_000`", "1_255_000", "underscores are not part"),
        _number(
            "out-of-range",
            "activity data `1e30`",
            "1000000000000000000000000000000",
            "outside the range",
        ),
    ],
)
def test_bad_number_in_a_source_stream(value: object, reason: str, tmp_path: Path) -> None:
    data = _installation()
    data["source_streams"][0]["activity_data"] = value
    path = tmp_path / "inst.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    message = assert_refused(cli("see", path), path, "source_streams[0]", "activity_data")
    assert reason in message


@case(
    "installation",
    "`activity_level: 1e-30` (a JSON number; was an internal error)",
    refused("processes[0]", "activity_level", "outside the range of figures"),
)
def test_a_tiny_activity_level_is_refused(tmp_path: Path) -> None:
    text = CEMENT.read_text(encoding="utf-8").replace(
        '"activity_level": 1321052.631579', '"activity_level": 1e-30'
    )
    assert "1e-30" in text
    path = tmp_path / "inst.json"
    path.write_text(text, encoding="utf-8")
    message = assert_refused(cli("see", path), path, "processes[0]", "activity_level")
    assert "outside the range of figures" in message


@case("installation", 'activity data `"1 255 000"`', "accepted — 1255000, the same SEE")
def test_spaced_number_is_accepted_exactly(tmp_path: Path) -> None:
    data = _installation()
    data["source_streams"][0]["activity_data"] = "1 255 000"
    path = tmp_path / "inst.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    spaced = _see_json(cli("see", path, "--json"))["processes"]
    assert spaced == _see_json(cli("see", CEMENT, "--json"))["processes"]


@case(
    "installation",
    "a key given twice in one JSON object (`activity_level` 1 and 1321052.631579)",
    refused(None, "activity_level", "the key appears twice in one object") + " (was: the last won)",
)
def test_duplicate_keys_in_an_installation_json(tmp_path: Path) -> None:
    text = CEMENT.read_text(encoding="utf-8").replace(
        '"activity_level": 1321052.631579', '"activity_level": 1, "activity_level": 1321052.631579'
    )
    assert text.count('"activity_level"') == 2
    path = tmp_path / "inst.json"
    path.write_text(text, encoding="utf-8")
    message = assert_refused(cli("see", path), path, field="activity_level")
    assert "the key appears twice in one object" in message


def _chain(n: int, cycle: bool) -> dict[str, Any]:
    # Listed last-first, so that a recursive search would go n levels deep.
    processes: list[dict[str, Any]] = []
    for i in reversed(range(n)):
        process: dict[str, Any] = {
            "id": f"P{i}",
            "good": "cement clinker",
            "activity_level": 1,
            "direct_emissions": 1,
        }
        if i or cycle:
            process["precursors"] = [{"from_process": f"P{(i - 1) % n}", "mass": 1}]
        processes.append(process)
    return {"installation": {"name": "chain", "country": "CN"}, "processes": processes}


@case(
    "installation",
    "a precursor cycle through 3000 processes",
    refused(None, "precursors.from_process", "precursor cycle: P..."),
)
def test_precursor_cycle_thousands_deep_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cycle.json"
    path.write_text(json.dumps(_chain(3000, cycle=True)), encoding="utf-8")
    message = assert_refused(cli("see", path), path, field="precursors.from_process")
    assert "precursor cycle: P" in message


# -- YAML -----------------------------------------------------------------------------------


def _yaml(tmp_path: Path, text: str) -> Path:
    pytest.importorskip("yaml")
    path = tmp_path / "plant.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@case(
    "installation",
    "YAML billion laughs (aliases)",
    refused("processes[0]", None, "valid dictionary"),
)
def test_yaml_billion_laughs_is_refused(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        previous, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    lines += ["installation: {name: x, country: CN}", "processes: *j"]
    path = _yaml(tmp_path, "\n".join(lines) + "\n")
    message = assert_refused(cli("see", path), path, "processes[0]")
    assert "valid dictionary" in message


@case("installation", "YAML syntax error", refused("line 2", None, "not valid YAML") + ", one line")
def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = _yaml(tmp_path, "installation: [unclosed\n")
    message = assert_refused(cli("see", path), path, "line 2")
    assert "not valid YAML" in message


YAML_PLANT = """\
installation: {{name: Kiln, country: {country}}}
processes:
  - id: P1
    good: cement clinker
    activity_level: {level}
    direct_emissions: {emissions}
"""


@case(
    "installation",
    "YAML `activity_level: 17:00` (YAML 1.1 reads 1020, base 60)",
    refused("processes[0]", "activity_level", "'17:00' is not a number"),
)
def test_yaml_sexagesimal_is_not_a_number(tmp_path: Path) -> None:
    path = _yaml(tmp_path, YAML_PLANT.format(country="CN", level="17:00", emissions="1"))
    message = assert_refused(cli("see", path), path, "processes[0]", "activity_level")
    assert "'17:00' is not a number" in message


@case(
    "installation",
    "YAML numbers `0.1` and `1.529`, country `NO` (YAML 1.1: false)",
    "accepted — exactly 0.1 and 1.529 (never through a binary float); country Norway",
)
def test_yaml_numbers_are_exact_and_no_is_norway(tmp_path: Path) -> None:
    from cbam.installation import load_installation

    path = _yaml(tmp_path, YAML_PLANT.format(country="NO", level="0.1", emissions="1.529"))
    plant = load_installation(path)
    process = plant.processes[0]
    assert (process.activity_level, process.direct_emissions) == (
        Decimal("0.1"),
        Decimal("1.529"),
    )
    assert plant.installation.country == "NO"


@case(
    "installation",
    "YAML key given twice in one mapping",
    refused("line 7, column 5", None, "the key 'direct_emissions' appears twice"),
)
def test_yaml_duplicate_keys(tmp_path: Path) -> None:
    text = YAML_PLANT.format(country="CN", level="10", emissions="1") + "    direct_emissions: 2\n"
    path = _yaml(tmp_path, text)
    message = assert_refused(cli("see", path), path, "line 7, column 5")
    assert "the key 'direct_emissions' appears twice" in message


# -- declarant files (cbam assess --declarant) ---------------------------------------------------

LINE = "cn_code,country,net_mass,import_date\n72081000,CN,1.5,2026-03-01\n"


def _assess_with_declarant(tmp_path: Path, declarant: Path) -> Any:
    imports = tmp_path / "imports.csv"
    imports.write_text(LINE, encoding="utf-8")
    return cli(
        "assess", imports, "--year", "2026", "--out", tmp_path / "out", "--declarant", declarant
    )


@case("declarant", "declarant file with a byte-order mark", "accepted")
def test_declarant_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "declarant.json"
    path.write_bytes(b"\xef\xbb\xbf" + DECLARANT.read_bytes())
    run = _assess_with_declarant(tmp_path, path)
    assert run.code == 0, run.err
    saved = json.loads((tmp_path / "out" / "declaration.json").read_text(encoding="utf-8"))
    assert "DE123456789012345" in json.dumps(saved)


_DECLARANT_TEXT = DECLARANT.read_text(encoding="utf-8")


def _declarant(
    id: str, input: str, payload: bytes, location: str | None, field: str | None, reason: str
) -> Entry:
    return Entry(id, input, refused(location, field, reason), (payload, location, field, reason))


@cases(
    "declarant",
    "payload, location, field, reason",
    [
        _declarant(
            "latin1", "Latin-1 text", _DECLARANT_TEXT.encode("latin-1"), None, None, "not UTF-8"
        ),
        _declarant(
            "5000-digit-int",
            "an integer of 5000 digits",
            b'{"a": ' + b"9" * 5000 + b"}",
            None,
            None,
            "not a usable JSON declarant file",
        ),
        _declarant("truncated", "truncated JSON", b"{", "line 1", None, "not valid JSON"),
        _declarant("list", "a JSON list", b"[]", None, None, "valid dictionary"),
        _declarant(
            "unknown-country",
            "unknown country",
            _DECLARANT_TEXT.replace('"DE"', '"XX"', 1).encode(),
            "declarant.address",
            "country",
            "XX",
        ),
        _declarant(
            "bad-eori",
            "EORI number `12`",
            _DECLARANT_TEXT.replace("DE123456789012345", "12").encode(),
            "declarant",
            "identification_number",
            "not an EORI number",
        ),
        _declarant(
            "control-character-in-name",
            "declarant name with a control character (was an internal error)",
            _DECLARANT_TEXT.replace('"name": "', '"name": "\\u0007', 1).encode(),
            "declarant",
            "name",
            "contains the control character U+0007",
        ),
        _declarant(
            "formula-name",
            "declarant name `=1+1 Trading`",
            _DECLARANT_TEXT.replace('"name": "', '"name": "=1+1 ', 1).encode(),
            "declarant",
            "name",
            "a spreadsheet would read it as a formula",
        ),
        _declarant(
            "duplicate-key",
            "a key given twice",
            _DECLARANT_TEXT.replace('"name": "', '"name": "A", "name": "', 1).encode(),
            None,
            "name",
            "the key appears twice in one object",
        ),
    ],
)
def test_bad_declarant_file(
    payload: bytes, location: str | None, field: str | None, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / "declarant.json"
    path.write_bytes(payload)
    message = assert_refused(_assess_with_declarant(tmp_path, path), path, location, field)
    assert reason in message
    assert not (tmp_path / "out").exists()


# -- price tables (cbam cost --prices) ----------------------------------------------------------


def _cost(prices: Path) -> Any:
    return cli(
        "cost", "--cn", "72081000", "--country", "CN", "--mass", "2", "--year", "2027",
        "--prices", prices, "--json",
    )  # fmt: skip


@case(
    "declarant",
    "price table with BOM, CRLF, spaced headers, no-break space",
    "accepted — price 81.25",
)
def test_price_table_with_bom_crlf_and_spaces(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_bytes(b"\xef\xbb\xbf Period , Price_EUR \r\n2027-W10,\xc2\xa081.25\r\n")
    run = _cost(path)
    assert run.code == 0, run.err
    assert json.loads(run.out)["price"] == 81.25


def _price(
    id: str, input: str, payload: bytes, location: str | None, field: str | None, reason: str
) -> Entry:
    return Entry(id, input, refused(location, field, reason), (payload, location, field, reason))


@cases(
    "declarant",
    "payload, location, field, reason",
    [
        _price(
            "empty", "empty price table", b"", None, None, "needs the columns period and price_eur"
        ),
        _price(
            "latin1",
            "Latin-1 price table",
            "period,price_eur\n2026Q1,7é\n".encode("latin-1"),
            None,
            None,
            "not UTF-8",
        ),
        _price(
            "nan", "price `NaN`", b"period,price_eur\n2026Q1,NaN\n", "row 2", "price_eur", "finite"
        ),
        _price(
            "negative", "price `-3`", b"period,price_eur\n2026Q1,-3\n", "row 2", "price_eur", ">= 0"
        ),
        _price(
            "formula",
            "price `=1+1`",
            b"period,price_eur\n2026Q1,=1+1\n",
            "row 2",
            "price_eur",
            "not a number",
        ),
        _price(
            "bad-period",
            "period `2026-13`",
            b"period,price_eur\n2026-13,80\n",
            "row 2",
            "period",
            "neither a quarter",
        ),
        _price(
            "duplicate",
            "the same period twice with different prices",
            b"period,price_eur\n2027-W10,80\n2027-W10,81\n",
            "row 3",
            "period",
            "twice",
        ),
        _price(
            "long-cell",
            "a cell over 131,072 characters",
            b"period,price_eur\n" + b"x" * 200_000 + b",1\n",
            None,
            None,
            "not a readable CSV",
        ),
    ],
)
def test_bad_price_table(
    payload: bytes, location: str | None, field: str | None, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / "prices.csv"
    path.write_bytes(payload)
    message = assert_refused(_cost(path), path, location, field)
    assert reason in message


@case("declarant", "the same period twice with the same price", "accepted")
def test_same_price_twice_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("period,price_eur\n2027-W10,80\n2027-W10,80.0\n", encoding="utf-8")
    assert _cost(path).code == 0


# -- communication templates, the defaults workbook, the suppliers folder -----------------------


@cases(
    "workbooks",
    "payload, reason",
    [
        Entry(id, f"template: {what}", refused(None, None, reason), (payload, reason))
        for id, what, payload, reason in (
            ("empty", "empty file", b"", "not an Excel workbook"),
            ("broken-zip", "broken zip", b"PK\x03\x04broken", "not an Excel workbook"),
        )
    ],
)
def test_template_that_is_not_a_workbook(payload: bytes, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    path.write_bytes(payload)
    message = assert_refused(cli("template", "read", path), path)
    assert reason in message


@case(
    "workbooks",
    "template: a workbook that is not a template",
    refused(None, None, "not a Commission communication template"),
)
def test_workbook_that_is_not_a_template(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "other.xlsx", [["just", "a", "table"]])
    message = assert_refused(cli("template", "read", path), path)
    assert "not a Commission communication template" in message


@case(
    "workbooks",
    "template: zip bomb (a part of 300 MB compressed 1:1000)",
    refused(None, None, "refused as a zip bomb") + ", from the zip directory",
)
def test_template_zip_bomb_is_refused_from_the_directory(tmp_path: Path) -> None:
    path = zip_bomb(tmp_path / "bomb.xlsx", size_mb=300)
    message = assert_refused(cli("template", "read", path), path)
    assert "zip bomb" in message


def _template_with(blank: Path, target: Path, sheet_part: str, dtd: str, reference: str) -> Path:
    with zipfile.ZipFile(blank) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == sheet_part:
                text = data.decode("utf-8")
                start = text.index("<worksheet")
                text = text[:start] + f"<!DOCTYPE worksheet [{dtd}]>" + text[start:]
                text = text.replace("</worksheet>", f"<extLst>{reference}</extLst></worksheet>")
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return target


def _versions_part(blank: Path) -> str:
    with zipfile.ZipFile(blank) as archive:
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        book = archive.read("xl/workbook.xml").decode()
    rid = re.search(r'name="0_Versions" sheetId="\d+"[^>]*r:id="(rId\d+)"', book)
    assert rid is not None
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels
    )
    assert target is not None
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


@cases(
    "workbooks",
    "kind",
    [
        Entry(
            kind,
            f"template: {what} in sheet `0_Versions`",
            refused("sheet 0_Versions", None, "the sheet's XML cannot be read") + ", one line",
            (kind,),
        )
        for kind, what in (
            ("external-entity", "external entity"),
            ("billion-laughs", "billion laughs"),
        )
    ],
)
def test_template_with_entities_is_refused(kind: str, reference_dir: Path, tmp_path: Path) -> None:
    blank = reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx"
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    if kind == "external-entity":
        dtd, reference = f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">', "&xxe;"
    else:
        dtd, reference = billion_laughs_dtd(), "&j;"
    path = _template_with(blank, tmp_path / f"{kind}.xlsx", _versions_part(blank), dtd, reference)
    message = assert_refused(cli("template", "read", path), path, "sheet 0_Versions")
    assert "XML cannot be read" in message
    assert "secret" not in message.replace(str(secret), "")


def _broken_book(tmp_path: Path) -> Path:
    plain = xlsx(tmp_path / "plain.xlsx", [XLSX_HEADER])
    return broken_workbook_xml(plain, tmp_path / "broken.xlsx")


@cases(
    "workbooks",
    "command",
    [
        Entry(
            id,
            f"malformed `xl/workbook.xml`: {what} (was an internal error)",
            refused(None, None, "the workbook cannot be read"),
            (command,),
        )
        for id, what, command in (
            ("see", "`cbam see`", ("see", "{book}")),
            ("template-read", "`cbam template read`", ("template", "read", "{book}")),
            (
                "defaults-workbook",
                "`--defaults-workbook`",
                (
                    "defaults",
                    "--cn",
                    "72081000",
                    "--country",
                    "CN",
                    "--defaults-workbook",
                    "{book}",
                ),
            ),
        )
    ],
)
def test_a_malformed_workbook_part_anywhere(command: tuple[str, ...], tmp_path: Path) -> None:
    book = _broken_book(tmp_path)
    run = cli(*(str(book) if arg == "{book}" else arg for arg in command))
    assert "the workbook cannot be read" in assert_refused(run, book)


@case(
    "workbooks",
    "a suppliers folder holding a workbook with a malformed `xl/workbook.xml`",
    refused(None, None, "the workbook cannot be read") + ", the file named",
)
def test_a_malformed_workbook_in_the_suppliers_folder(tmp_path: Path) -> None:
    folder = tmp_path / "suppliers"
    folder.mkdir()
    book = _broken_book(tmp_path)
    shutil.move(book, folder / "plant.xlsx")
    run = cli(
        "assess", SAMPLES / "imports-2026.csv", "--year", "2026", "--out", tmp_path / "out",
        "--suppliers", folder,
    )  # fmt: skip
    assert "the workbook cannot be read" in assert_refused(run, folder / "plant.xlsx")


@case(
    "workbooks",
    "`--defaults-workbook` zip bomb (2.7 MB file, 2 GB unpacked)",
    refused(None, None, "refused as a zip bomb") + ", before openpyxl opens it",
)
def test_defaults_workbook_zip_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    path = zip_bomb(tmp_path / "bomb.xlsx", size_mb=300)

    def opened(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the zip bomb was handed to openpyxl")

    monkeypatch.setattr(openpyxl, "load_workbook", opened)
    run = cli("defaults", "--cn", "72081000", "--country", "CN", "--defaults-workbook", path)
    assert "zip bomb" in assert_refused(run, path)


def _assess_with_suppliers(tmp_path: Path, folder: Path) -> Any:
    return cli(
        "assess", SAMPLES / "imports-2026.csv", "--year", "2026", "--out", tmp_path / "out",
        "--suppliers", folder,
    )  # fmt: skip


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@case(
    "workbooks",
    "a FIFO named `plant.json` in the suppliers folder (hung)",
    refused(None, None, "is not a regular file") + ", at once",
)
def test_a_fifo_in_the_suppliers_folder(tmp_path: Path) -> None:
    folder = tmp_path / "suppliers"
    folder.mkdir()
    os.mkfifo(folder / "plant.json")
    run = _assess_with_suppliers(tmp_path, folder)
    assert "is not a regular file" in assert_refused(run, folder / "plant.json")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@case(
    "workbooks",
    "a link to `/dev/zero` named `plant.json` in the suppliers folder (grew without bound)",
    refused(None, None, "is not a regular file") + ", at once",
)
def test_a_device_link_in_the_suppliers_folder(tmp_path: Path) -> None:
    folder = tmp_path / "suppliers"
    folder.mkdir()
    (folder / "plant.json").symlink_to("/dev/zero")
    run = _assess_with_suppliers(tmp_path, folder)
    assert "is not a regular file" in assert_refused(run, folder / "plant.json")


# -- QReport XML (cbam validate) -----------------------------------------------------------------

LAUGHS = '<?xml version="1.0"?><!DOCTYPE r [' + billion_laughs_dtd() + "]><r>&j;</r>"


@cases(
    "qreport",
    "payload, reason",
    [
        Entry(id, what, f"INVALID (exit 1) — “{reason}”", (payload, reason))
        for id, what, payload, reason in (
            ("empty", "empty file", b"", "not an XML document"),
            ("binary", "binary", bytes(range(256)), "not an XML document"),
            (
                "external-entity",
                "external entity",
                b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b"<r>&x;</r>",
                "declares a DTD",
            ),
            ("billion-laughs", "billion laughs", LAUGHS.encode(), "declares a DTD"),
            ("malformed", "malformed XML", b"<QReport><unclosed></QReport>", "line 1"),
        )
    ],
)
def test_hostile_qreport_xml_is_invalid_not_a_crash(
    payload: bytes, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / "report.xml"
    path.write_bytes(payload)
    run = cli("validate", path)
    assert run.code == 1
    assert f"{path}: INVALID" in run.out
    assert reason in run.out
    assert "root:" not in run.out  # nothing of /etc/passwd


@case("qreport", "larger than the size limit", "INVALID (exit 1), not read")
def test_qreport_xml_larger_than_the_limit_is_refused_unread(tmp_path: Path) -> None:
    from cbam.formats.qreport.validate import MAX_BYTES

    path = tmp_path / "big.xml"
    with path.open("wb") as handle:
        handle.write(b'<?xml version="1.0"?><QReport>')
        handle.truncate(MAX_BYTES + 1024)
    run = cli("validate", path)
    assert run.code == 1
    assert "INVALID" in run.out


@case(
    "qreport",
    "a report of 3,000 goods with 9,000 schema errors (was quadratic: 14,213 errors took 100 s "
    "and printed 32 MB)",
    "INVALID (exit 1) — the first 1,000 errors with their element paths, “... and 8000 more "
    "errors”; `--json` counts them all (`error_count` 9000)",
)
def test_a_report_with_thousands_of_errors(tmp_path: Path) -> None:
    from cbam.formats.qreport.model import QReport
    from cbam.formats.qreport.write import write_qreport
    from tests.formats.qreport_helpers import good, header

    report = QReport(**header().model_dump(), imported_good=[good(i + 1) for i in range(3000)])
    path = tmp_path / "report.xml"
    write_qreport(report, path)
    path.write_text(
        path.read_text(encoding="utf-8").replace("<NetMass>12.5</NetMass>", "<NetMass>x</NetMass>"),
        encoding="utf-8",
    )
    run = cli("validate", path)
    assert run.code == 1
    lines = run.out.splitlines()
    assert len(lines) == 1 + 1000 + 1
    assert lines[-1] == "  ... and 8000 more errors (the first 1000 are listed)"
    assert (
        "/QReport/ImportedGood[334]/ImportedQuantity/MeasureProcedureImported/NetMass" in lines[-2]
    )
    document = json.loads(cli("validate", path, "--json").out)
    assert (document["error_count"], len(document["errors"])) == (9000, 1000)


@cases(
    "qreport",
    "payload, field, reason",
    [
        Entry(
            id,
            f"`cbam qreport --installations`: {what} (was an internal error or the last won)",
            refused(None, field, reason),
            (payload, field, reason),
        )
        for id, what, payload, field, reason in (
            (
                "duplicate-key",
                "a key given twice",
                b'{"TW-1": {"operator": {}}, "TW-1": {"operator": {}}}',
                "TW-1",
                "the key appears twice in one object",
            ),
            (
                "5000-digit-int",
                "an integer of 5000 digits",
                b'{"TW-1": ' + b"9" * 5000 + b"}",
                None,
                "not a usable installations file",
            ),
        )
    ],
)
def test_bad_qreport_installations_file(
    payload: bytes, field: str | None, reason: str, tmp_path: Path
) -> None:
    imports = tmp_path / "q4.csv"
    imports.write_text(
        "cn_code,country,net_mass,import_date\n72081000,CN,1,2025-11-03\n", encoding="utf-8"
    )
    side = tmp_path / "installations.json"
    side.write_bytes(payload)
    run = cli(
        "qreport", imports, "--period", "2025Q4", "--declarant", DECLARANT,
        "-o", tmp_path / "r.xml", "--installations", side,
    )  # fmt: skip
    assert reason in assert_refused(run, side, field=field)
    assert not (tmp_path / "r.xml").exists()


@case("qreport", "`cbam qreport` with a Latin-1 customs file", refused(None, None, "not UTF-8"))
def test_qreport_command_with_latin1_customs_file(tmp_path: Path) -> None:
    imports = tmp_path / "q4.csv"
    imports.write_bytes(
        "line_id,cn_code,country,net_mass,import_date\nRéf,72081000,CN,1,2025-11-03\n".encode(
            "latin-1"
        )
    )
    run = cli(
        "qreport", imports, "--period", "2025Q4", "--declarant", DECLARANT,
        "-o", tmp_path / "r.xml",
    )  # fmt: skip
    message = assert_refused(run, imports)
    assert "not UTF-8" in message
    assert not (tmp_path / "r.xml").exists()


@case(
    "cli",
    "a missing customs file; a folder given as the installation file; no `--out`",
    "refused (exit 1) naming the path; a missing option is a usage error (exit 2)",
)
def test_missing_and_folder_inputs(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    assert_refused(cli("assess", missing, "--year", "2026", "--out", tmp_path / "o"), missing)
    assert_refused(cli("see", tmp_path), tmp_path)
    assert cli("assess", "--year", "2026").code == 2  # usage error, not a crash
