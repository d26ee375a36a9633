"""The CBAM transitional quarterly report (QReport v23.00 XML): build, write, read, validate.

This module is the front door; the work is done in

* :mod:`cbam.formats.qreport_model` - pydantic models of the schema (order, formats, counts);
* :mod:`cbam.formats.qreport_build` - the report from customs lines and supplier data;
* :mod:`cbam.formats.qreport_write` - the streaming writer (validates before it writes);
* :mod:`cbam.formats.qreport_read` - the safe, streaming reader;
* :mod:`cbam.formats.qreport_validate` - validation against the shipped official XSD;
* :mod:`cbam.formats.qreport_codes` - the (unofficial, replaceable) code lists.

:func:`qreport_command` and :func:`validate_command` are what ``cbam qreport`` and
``cbam validate`` run: they take the parsed arguments and return the JSON document.
"""

from __future__ import annotations

import os
from pathlib import Path

from cbam.formats.qreport_build import QReportBuild, build_qreport, parse_period
from cbam.formats.qreport_codes import QReportCodes, load_codelists
from cbam.formats.qreport_model import (
    NAMESPACE,
    SCHEMA_VERSION,
    ImportedGood,
    QReport,
    QReportHeader,
)
from cbam.formats.qreport_read import QReportReader, read_qreport
from cbam.formats.qreport_validate import (
    OFFICIAL_XSD,
    ValidationIssue,
    ValidationResult,
    validate_qreport,
)
from cbam.formats.qreport_write import QReportInvalidError, WriteResult, write_qreport

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
) -> dict[str, object]:
    """``cbam qreport IMPORTS --period 2025Q4 --declarant FILE -o REPORT.xml [--suppliers DIR]``.

    Returns ``{"goods": N, "valid": true, "path": ..., "lines", "goods_actual",
    "goods_default", "notes"}``. Raises :class:`~cbam.errors.InputError` (exit 1) for bad
    input, and :class:`QReportInvalidError` when the report does not validate - nothing is
    written then.
    """
    from cbam.declaration.declarant import load_declarant
    from cbam.formats.imports import read_imports

    year, _quarter = parse_period(period)
    declarant_file = load_declarant(Path(declarant))
    built = build_qreport(
        read_imports(Path(imports), year=year),
        period,
        declarant_file,
        suppliers,
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


def validate_command(
    report: str | os.PathLike[str], *, xsd: str | os.PathLike[str] | None = None
) -> tuple[dict[str, object], int]:
    """``cbam validate REPORT.xml [--xsd PATH]``: (``{"valid", "errors": [{"line", "path",
    "message"}]}``, exit code 0 when valid else 1)."""
    result = validate_qreport(report, xsd=xsd)
    return result.summary(), 0 if result.valid else 1
