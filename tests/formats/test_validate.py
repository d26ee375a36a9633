"""``cbam validate``: the schema follows the root element, is named; "neither" is said plainly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cbam.cli import main
from cbam.formats.declaration_files import SCHEMA_PATH, write_declaration_xml
from cbam.formats.qreport import OFFICIAL_XSD, write_qreport
from cbam.formats.validate import validate_file
from tests.formats.qreport_helpers import report
from tests.formats.test_outputs import _assessment, _sample_lines


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def declaration(tmp_path: Path) -> Path:
    return write_declaration_xml(_assessment(_sample_lines()), tmp_path / "declaration.xml")


@pytest.fixture
def qreport(tmp_path: Path) -> Path:
    path = tmp_path / "report.xml"
    write_qreport(report(), path)
    return path


def test_a_declaration_is_validated_against_the_library_schema(
    declaration: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, str(declaration))
    assert code == 0
    assert out.strip() == (
        f"{declaration}: valid against the cbam-py-declaration 2.0 schema ({SCHEMA_PATH})"
    )
    code, out, _ = _run(capsys, str(declaration), "--json")
    document = json.loads(out)
    assert document == {
        "valid": True,
        "errors": [],
        "error_count": 0,
        "schema": "cbam-py-declaration 2.0",
        "xsd": str(SCHEMA_PATH),
    }


def test_an_invalid_declaration_names_the_schema_and_the_element(
    declaration: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Embedded emissions over the year are whole tonnes in the schema (IR 2025/2547 Annex II
    # A.1(6)): a figure with decimals is refused.
    text = declaration.read_text(encoding="utf-8")
    start = text.index("<EmbeddedEmissions>") + len("<EmbeddedEmissions>")
    end = text.index("</EmbeddedEmissions>", start)
    declaration.write_text(text[:start] + "12.5" + text[end:], encoding="utf-8")
    code, out, _ = _run(capsys, str(declaration))
    assert code == 1
    assert out.startswith(f"{declaration}: INVALID against the cbam-py-declaration 2.0 schema")
    assert "Declaration/Totals/EmbeddedEmissions" in out and "12.5" in out


def test_a_qreport_is_validated_against_the_official_schema(
    qreport: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, str(qreport))
    assert code == 0
    assert out.strip() == f"{qreport}: valid against the QReport v23.00 schema ({OFFICIAL_XSD})"
    result = validate_file(qreport)
    assert (result.valid, result.schema) == (True, "QReport v23.00")


def test_a_file_that_is_neither_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "invoice.xml"
    other.write_text('<?xml version="1.0"?><Invoice xmlns="urn:example:invoice"/>')
    code, out, _ = _run(capsys, str(other))
    assert code == 1
    assert out.startswith(f"{other}: INVALID\n")
    assert "the root element is {urn:example:invoice}Invoice: neither a QReport" in out
    assert "nor a declaration of this library" in out
    code, out, _ = _run(capsys, str(other), "--json")
    document = json.loads(out)
    assert document["valid"] is False and document["schema"] is None


def test_with_xsd_the_given_schema_is_named(
    declaration: Path, qreport: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, str(declaration), "--xsd", str(SCHEMA_PATH))
    assert code == 0
    assert out.strip() == f"{declaration}: valid against the XSD {SCHEMA_PATH}"
    assert "QReport" not in out
    # A QReport checked against the declaration schema is invalid, and says against what.
    code, out, _ = _run(capsys, str(qreport), "--xsd", str(SCHEMA_PATH))
    assert code == 1
    assert out.startswith(f"{qreport}: INVALID against the XSD {SCHEMA_PATH}")


def test_missing_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, str(tmp_path / "missing.xml"))
    assert code == 1 and "does not exist" in err
