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

import csv
import os
from pathlib import Path

from cbam.errors import InputError
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
    try:
        built = build_qreport(
            read_imports(Path(imports), year=year),
            period,
            declarant_file,
            suppliers,
            source=str(imports),
        )
    except UnicodeDecodeError as exc:
        # Safety net until the customs-line reader names the row itself (Latin-1, UTF-16).
        raise InputError(
            f"the file is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'",
            source=str(imports),
        ) from None
    except csv.Error as exc:
        raise InputError(f"not a readable CSV file: {exc}", source=str(imports)) from None
    except SyntaxError as exc:
        # The XML parser refusing a sheet of an .xlsx (a DTD, entities, broken XML).
        raise InputError(f"the workbook's XML cannot be read: {exc}", source=str(imports)) from None
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
