"""Installation files, declarant files, price tables, communication templates and QReport XML:
broken and hostile inputs through the CLI, each with its asserted outcome."""

from __future__ import annotations

import json
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from .conftest import assert_refused, cli
from .test_customs_lines import _xlsx, billion_laughs_dtd, zip_bomb

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


def test_installation_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + CEMENT.read_bytes())
    plain = _see_json(cli("see", CEMENT, "--json"))
    assert _see_json(cli("see", path, "--json"))["processes"] == plain["processes"]


@pytest.mark.parametrize(
    ("payload", "location", "reason"),
    [
        (b"", "line 1, column 1", "not valid JSON"),
        (b'{"installation": ', "line 1", "not valid JSON"),
        ('{"installation": {"name": "Café"}}'.encode("latin-1"), None, "not UTF-8"),
        ("{}".encode("utf-16"), None, "not UTF-8"),
        (b"[1, 2]", None, "must hold one JSON/YAML object"),
        (b'{"a": ' + b"1" * 5000 + b"}", None, "not a usable JSON installation file"),
        (b"[" * 100_000 + b"]" * 100_000, None, "not a usable JSON installation file"),
    ],
    ids=["empty", "truncated", "latin1", "utf16", "list", "5000-digit-int", "deep-nesting"],
)
def test_unreadable_installation_file(
    payload: bytes, location: str | None, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / "inst.json"
    path.write_bytes(payload)
    message = assert_refused(cli("see", path), path, location)
    assert reason in message


@pytest.mark.parametrize(
    ("edit", "location", "field", "reason"),
    [
        ({"installation": {"name": "x", "country": "XX"}}, "installation", "country", "XX"),
        ({"processes": []}, None, "processes", "at least 1"),
    ],
    ids=["unknown-country", "no-process"],
)
def test_invalid_installation_names_path_and_field(
    edit: dict[str, Any], location: str | None, field: str, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / "inst.json"
    path.write_text(json.dumps(_installation(**edit)), encoding="utf-8")
    message = assert_refused(cli("see", path), path, location, field)
    assert reason in message


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("NaN", "finite"),
        ("-5", "greater than or equal to 0"),
        ("=1255000/0.95", "expected a number"),
        (True, "expected a number, got true"),
    ],
    ids=["nan", "negative", "formula", "boolean"],
)
def test_bad_number_in_a_source_stream(value: object, reason: str, tmp_path: Path) -> None:
    data = _installation()
    data["source_streams"][0]["activity_data"] = value
    path = tmp_path / "inst.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    message = assert_refused(cli("see", path), path, "source_streams[0]", "activity_data")
    assert reason in message


def test_spaced_number_is_accepted_exactly(tmp_path: Path) -> None:
    data = _installation()
    data["source_streams"][0]["activity_data"] = "1 255 000"
    path = tmp_path / "inst.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    spaced = _see_json(cli("see", path, "--json"))["processes"]
    assert spaced == _see_json(cli("see", CEMENT, "--json"))["processes"]


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


def test_precursor_cycle_thousands_deep_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cycle.json"
    path.write_text(json.dumps(_chain(3000, cycle=True)), encoding="utf-8")
    message = assert_refused(cli("see", path), path, field="precursors.from_process")
    assert "precursor cycle: P" in message


def test_yaml_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        previous, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    lines += ["installation: {name: x, country: CN}", "processes: *j"]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.monotonic()
    message = assert_refused(cli("see", path), path, "processes[0]")
    assert time.monotonic() - started < 10
    assert "valid dictionary" in message


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    path = tmp_path / "bad.yaml"
    path.write_text("installation: [unclosed\n", encoding="utf-8")
    message = assert_refused(cli("see", path), path, "line 2")
    assert "not valid YAML" in message


# -- declarant files (cbam assess --declarant) ---------------------------------------------------

LINE = "cn_code,country,net_mass,import_date\n72081000,CN,1.5,2026-03-01\n"


def _assess_with_declarant(tmp_path: Path, declarant: Path) -> Any:
    imports = tmp_path / "imports.csv"
    imports.write_text(LINE, encoding="utf-8")
    return cli(
        "assess", imports, "--year", "2026", "--out", tmp_path / "out", "--declarant", declarant
    )


def test_declarant_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "declarant.json"
    path.write_bytes(b"\xef\xbb\xbf" + DECLARANT.read_bytes())
    run = _assess_with_declarant(tmp_path, path)
    assert run.code == 0, run.err
    saved = json.loads((tmp_path / "out" / "declaration.json").read_text(encoding="utf-8"))
    assert "DE123456789012345" in json.dumps(saved)


@pytest.mark.parametrize(
    ("payload", "location", "field", "reason"),
    [
        (DECLARANT.read_text(encoding="utf-8").encode("latin-1"), None, None, "not UTF-8"),
        (b'{"a": ' + b"9" * 5000 + b"}", None, None, "not a usable JSON declarant file"),
        (b"{", "line 1", None, "not valid JSON"),
        (b"[]", None, None, "valid dictionary"),
        (
            DECLARANT.read_text(encoding="utf-8").replace('"DE"', '"XX"', 1).encode(),
            "declarant.address",
            "country",
            "XX",
        ),
        (
            DECLARANT.read_text(encoding="utf-8").replace("DE123456789012345", "12").encode(),
            "declarant",
            "identification_number",
            "not an EORI number",
        ),
    ],
    ids=["latin1", "5000-digit-int", "truncated", "list", "unknown-country", "bad-eori"],
)
def test_bad_declarant_file(
    payload: bytes, location: str | None, field: str | None, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / "declarant.json"
    path.write_bytes(payload)
    message = assert_refused(_assess_with_declarant(tmp_path, path), path, location, field)
    assert reason in message
    assert not (tmp_path / "out" / "lines.csv").exists()


# -- price tables (cbam cost --prices) ----------------------------------------------------------


def _cost(prices: Path) -> Any:
    return cli(
        "cost", "--cn", "72081000", "--country", "CN", "--mass", "2", "--year", "2027",
        "--prices", prices, "--json",
    )  # fmt: skip


def test_price_table_with_bom_crlf_and_spaces(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_bytes(b"\xef\xbb\xbf Period , Price_EUR \r\n2027-W10,\xc2\xa081.25\r\n")
    run = _cost(path)
    assert run.code == 0, run.err
    assert '"price": 81.25' in run.out or "81.25" in run.out


@pytest.mark.parametrize(
    ("payload", "location", "field", "reason"),
    [
        (b"", None, None, "needs the columns period and price_eur"),
        ("period,price_eur\n2026Q1,7é\n".encode("latin-1"), None, None, "not UTF-8"),
        (b"period,price_eur\n2026Q1,NaN\n", "row 2", "price_eur", "finite"),
        (b"period,price_eur\n2026Q1,-3\n", "row 2", "price_eur", ">= 0"),
        (b"period,price_eur\n2026Q1,=1+1\n", "row 2", "price_eur", "not a number"),
        (b"period,price_eur\n2026-13,80\n", "row 2", "period", "neither a quarter"),
        (b"period,price_eur\n2027-W10,80\n2027-W10,81\n", "row 3", "period", "twice"),
        (b"period,price_eur\n" + b"x" * 200_000 + b",1\n", None, None, "not a readable CSV"),
    ],
    ids=["empty", "latin1", "nan", "negative", "formula", "bad-period", "duplicate", "long-cell"],
)
def test_bad_price_table(
    payload: bytes, location: str | None, field: str | None, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / "prices.csv"
    path.write_bytes(payload)
    message = assert_refused(_cost(path), path, location, field)
    assert reason in message


def test_same_price_twice_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("period,price_eur\n2027-W10,80\n2027-W10,80.0\n", encoding="utf-8")
    assert _cost(path).code == 0


# -- communication templates (cbam template read / see) ----------------------------------------


@pytest.mark.parametrize(
    ("payload", "reason"),
    [(b"", "not a zip archive"), (b"PK\x03\x04broken", "not a zip archive")],
    ids=["empty", "broken-zip"],
)
def test_template_that_is_not_a_workbook(payload: bytes, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    path.write_bytes(payload)
    message = assert_refused(cli("template", "read", path), path)
    assert reason in message


def test_workbook_that_is_not_a_template(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "other.xlsx", [["just", "a", "table"]])
    message = assert_refused(cli("template", "read", path), path)
    assert "not a Commission communication template" in message


def test_template_zip_bomb_is_refused_from_the_directory(tmp_path: Path) -> None:
    path = zip_bomb(tmp_path / "bomb.xlsx", size_mb=300)
    started = time.monotonic()
    message = assert_refused(cli("template", "read", path), path)
    assert time.monotonic() - started < 5
    assert "zip bomb" in message


def _template_with(blank: Path, target: Path, sheet_part: str, dtd: str, reference: str) -> Path:
    with zipfile.ZipFile(blank) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == sheet_part:
                text = data.decode("utf-8")
                start = text.index("<worksheet")
                text = text[:start] + f"<!DOCTYPE worksheet [{dtd}]>" + text[start:]
                text = text.replace("<sheetData>", f"<sheetData><!-- {reference} -->", 1)
                text = text.replace("</sheetData>", "</sheetData>", 1)
                # The reference goes where the parser must expand it: an attribute-free text.
                text = text.replace("<!-- " + reference + " -->", "", 1)
                text = text.replace("</worksheet>", f"<extLst>{reference}</extLst></worksheet>")
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return target


@pytest.mark.parametrize("kind", ["external-entity", "billion-laughs"])
def test_template_with_entities_is_refused(kind: str, reference_dir: Path, tmp_path: Path) -> None:
    blank = reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx"
    with zipfile.ZipFile(blank) as archive:
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        book = archive.read("xl/workbook.xml").decode()
    # The part of sheet 0_Versions (read first by the reader).
    import re

    rid = re.search(r'name="0_Versions" sheetId="\d+"[^>]*r:id="(rId\d+)"', book)
    assert rid is not None
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels
    )
    assert target is not None
    part = "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    if kind == "external-entity":
        dtd, reference = f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">', "&xxe;"
    else:
        dtd, reference = billion_laughs_dtd(), "&j;"
    path = _template_with(blank, tmp_path / f"{kind}.xlsx", part, dtd, reference)
    started = time.monotonic()
    message = assert_refused(cli("template", "read", path), path, "sheet 0_Versions")
    assert time.monotonic() - started < 30
    assert "XML cannot be read" in message
    assert "secret" not in message.replace(str(secret), "")


# -- QReport XML (cbam validate) -----------------------------------------------------------------

LAUGHS = '<?xml version="1.0"?><!DOCTYPE r [' + billion_laughs_dtd() + "]><r>&j;</r>"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "not an XML document"),
        (bytes(range(256)), "not an XML document"),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<r>&x;</r>",
            "declares a DTD",
        ),
        (LAUGHS.encode(), "declares a DTD"),
        (b"<QReport><unclosed></QReport>", "line 1"),
    ],
    ids=["empty", "binary", "external-entity", "billion-laughs", "malformed"],
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


def test_qreport_xml_larger_than_the_limit_is_refused_unread(tmp_path: Path) -> None:
    from cbam.formats.qreport.validate import MAX_BYTES

    path = tmp_path / "big.xml"
    with path.open("wb") as handle:
        handle.write(b'<?xml version="1.0"?><QReport>')
        handle.truncate(MAX_BYTES + 1024)
    run = cli("validate", path)
    assert run.code == 1
    assert "INVALID" in run.out


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


def test_missing_and_folder_inputs(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    assert_refused(cli("assess", missing, "--year", "2026", "--out", tmp_path / "o"), missing)
    assert_refused(cli("see", tmp_path), tmp_path)
    assert cli("assess", "--year", "2026").code == 2  # usage error, not a crash
    shutil.rmtree(tmp_path / "o", ignore_errors=True)
