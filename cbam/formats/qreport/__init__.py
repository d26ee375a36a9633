"""The CBAM transitional quarterly report (QReport v23.00 XML): build, write, read, validate.

This module is the front door; the work is done in

* :mod:`cbam.formats.qreport.model` - pydantic models of the schema (order, formats, counts);
* :mod:`cbam.formats.qreport.build` - the report from customs lines and supplier data;
* :mod:`cbam.formats.qreport.write` - the streaming writer (validates before it writes);
* :mod:`cbam.formats.qreport.read` - the safe, streaming reader;
* :mod:`cbam.formats.qreport.validate` - validation against the shipped official XSD;
* :mod:`cbam.formats.qreport.codes` - the (unofficial, replaceable) code lists.

:func:`qreport_command` and :func:`validate_command` are what ``cbam qreport`` and
``cbam validate`` run: they take the parsed arguments and return the JSON document.
"""

from __future__ import annotations

import os
from pathlib import Path

from cbam.errors import InputError
from cbam.formats.qreport.build import QReportBuild, build_qreport, parse_period
from cbam.formats.qreport.codes import QReportCodes, load_codelists
from cbam.formats.qreport.model import (
    NAMESPACE,
    SCHEMA_VERSION,
    ImportedGood,
    Installation,
    InstallationOperator,
    QReport,
    QReportHeader,
)
from cbam.formats.qreport.read import QReportReader, read_qreport
from cbam.formats.qreport.validate import (
    OFFICIAL_XSD,
    ValidationIssue,
    ValidationResult,
    validate_qreport,
)
from cbam.formats.qreport.write import QReportInvalidError, WriteResult, write_qreport

__all__ = [
    "NAMESPACE",
    "OFFICIAL_XSD",
    "SCHEMA_VERSION",
    "ImportedGood",
    "QReport",
    "QReportBuild",
    "QReportCodes",
    "QReportHeader",
    "QReportInvalidError",
    "QReportReader",
    "ValidationIssue",
    "ValidationResult",
    "WriteResult",
    "build_qreport",
    "load_codelists",
    "parse_period",
    "qreport_command",
    "read_qreport",
    "validate_command",
    "validate_qreport",
    "write_qreport",
]


def qreport_command(
    imports: str | os.PathLike[str],
    period: str,
    declarant: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    suppliers: str | os.PathLike[str] | None = None,
    xsd: str | os.PathLike[str] | None = None,
    installations: str | os.PathLike[str] | None = None,
) -> dict[str, object]:
    """``cbam qreport IMPORTS --period 2025Q4 --declarant FILE -o REPORT.xml [--suppliers DIR]``.

    ``installations``: a JSON file ``{"INSTALLATION-ID": {"installation": {...},
    "operator": {...}}}`` with the installations' addresses and operators, in the snake_case
    field names of :class:`Installation` and :class:`InstallationOperator` (neither customs
    lines nor supplier files hold them).

    Returns ``{"goods": N, "valid": true, "path": ..., "lines", "goods_actual",
    "goods_default", "notes"}``. Raises :class:`~cbam.errors.InputError` (exit 1) for bad
    input, and :class:`QReportInvalidError` when the report does not validate - nothing is
    written then.
    """
    from cbam.declaration.declarant import load_declarant
    from cbam.formats.imports import read_imports

    year, _quarter = parse_period(period)
    declarant_file = load_declarant(Path(declarant))
    places, operators = load_installations(installations) if installations else ({}, {})
    built = build_qreport(
        read_imports(Path(imports), year=year),
        period,
        declarant_file,
        suppliers,
        installations=places,
        operators=operators,
        source=str(imports),
    )
    written = write_qreport(built.report, Path(output), xsd=xsd)
    return {
        **written.summary(),
        "lines": built.lines,
        "goods_actual": built.goods_actual,
        "goods_default": built.goods_default,
        "notes": list(built.notes),
    }


def load_installations(
    path: str | os.PathLike[str],
) -> tuple[dict[str, Installation], dict[str, InstallationOperator]]:
    """Read the installations side file of ``cbam qreport --installations``.

    Errors name the file, the key path (``TW-FAST-001.operator.operator_name``) and the reason.
    """
    from pydantic import ValidationError

    from cbam.files import check_regular
    from cbam.jsonfile import load_json

    source = str(path)
    check_regular(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the installations file: {exc}", source=source) from None
    data = load_json(text, source=source, what="installations file")
    if not isinstance(data, dict):
        raise InputError("expected an object keyed by installation id", source=source)
    places: dict[str, Installation] = {}
    operators: dict[str, InstallationOperator] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict) or not {"installation", "operator"} & entry.keys():
            raise InputError(
                'expected {"installation": {...}, "operator": {...}}',
                source=source,
                location=str(key),
            )
        unknown = set(entry) - {"installation", "operator"}
        if unknown:
            raise InputError(
                f"unknown key(s) {', '.join(sorted(unknown))}", source=source, location=str(key)
            )
        try:
            if "installation" in entry:
                places[key] = Installation.model_validate(entry["installation"])
            if "operator" in entry:
                operators[key] = InstallationOperator.model_validate(entry["operator"])
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in (key, *first["loc"]))
            raise InputError(first["msg"], source=source, location=where) from None
    return places, operators


def validate_command(
    report: str | os.PathLike[str], *, xsd: str | os.PathLike[str] | None = None
) -> tuple[dict[str, object], int]:
    """``cbam validate REPORT.xml [--xsd PATH]``: (``{"valid", "errors": [{"line", "path",
    "message"}]}``, exit code 0 when valid else 1)."""
    result = validate_qreport(report, xsd=xsd)
    return result.summary(), 0 if result.valid else 1
