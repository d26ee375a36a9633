"""Streaming writer of QReport v23.00 XML on lxml's incremental writer (``etree.xmlfile``).

The header is written first, then each imported good as it comes from an iterable, so a report
of 99,999 goods never exists as one tree (nor as one list, when the goods come from a
generator). Elements are indented for people to read; leaf values are written exactly as the
models hold them, with no whitespace added (the schema counts it).

:func:`write_qreport` writes to a temporary file next to the target, validates it against the
XSD and renames it into place only when it is valid: an invalid report is never left behind.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from lxml import etree
from pydantic import BaseModel, ConfigDict

from cbam.errors import InputError
from cbam.files import atomic_path
from cbam.formats.qreport.model import (
    MAX_GOODS,
    NAMESPACE,
    ImportedGood,
    QModel,
    QReport,
    QReportHeader,
    decimal_text,
)
from cbam.formats.qreport.validate import ValidationResult, validate_qreport

INDENT = "  "
_ROOT = f"{{{NAMESPACE}}}QReport"


def leaf_text(value: object) -> str:
    """The text of a leaf element (xs:boolean, integers, decimals, dates, base64, strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot write a {type(value).__name__} as an XML value")


def _children(xf: Any, model: QModel, depth: int) -> None:
    """Write the fields of ``model`` as child elements, in the model's (= schema's) order."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if value is None:
            continue
        tag = f"{{{NAMESPACE}}}{info.alias or name}"
        for item in value if isinstance(value, list) else (value,):
            xf.write("\n" + INDENT * depth)
            with xf.element(tag):
                if isinstance(item, QModel):
                    _children(xf, item, depth + 1)
                    xf.write("\n" + INDENT * depth)
                else:
                    xf.write(leaf_text(item))


def write_xml(
    header: QReportHeader, goods: Iterable[ImportedGood], out: str | os.PathLike[str] | IO[bytes]
) -> int:
    """Write a report to ``out`` without validating it; returns the number of goods.

    ``header`` may be a whole :class:`QReport`; its goods are then written before ``goods``.
    Raises :class:`InputError` when there are no goods or more than the schema's 99,999 (the
    file is then incomplete: :func:`write_qreport` never keeps it).
    """
    head = header.header if isinstance(header, QReport) else header
    first: Iterable[ImportedGood] = header.imported_good if isinstance(header, QReport) else ()
    count = 0
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(_ROOT, nsmap={None: NAMESPACE}):
            _children(xf, head, 1)
            tag = f"{{{NAMESPACE}}}ImportedGood"
            for good in _chain(first, goods):
                count += 1
                if count > MAX_GOODS:
                    raise InputError(
                        f"a quarterly report holds at most {MAX_GOODS} imported goods "
                        "(QReport v23.00 ImportedGood maxOccurs); split the report",
                        field="ImportedGood",
                    )
                xf.write("\n" + INDENT)
                with xf.element(tag):
                    _children(xf, good, 2)
                    xf.write("\n" + INDENT)
            xf.write("\n")
    if count == 0:
        raise InputError(
            "a quarterly report needs at least one imported good", field="ImportedGood"
        )
    return count


def _chain(*parts: Iterable[ImportedGood]) -> Iterator[ImportedGood]:
    for part in parts:
        yield from part


class WriteResult(BaseModel):
    """What :func:`write_qreport` wrote."""

    model_config = ConfigDict(frozen=True)

    path: Path
    goods: int
    validation: ValidationResult

    def summary(self) -> dict[str, object]:
        """The ``cbam qreport --json`` object: ``{"goods", "valid", "path"}``."""
        return {"goods": self.goods, "valid": self.validation.valid, "path": str(self.path)}


class QReportInvalidError(InputError):
    """The report does not validate against the XSD; nothing was written."""

    def __init__(self, result: ValidationResult, *, source: str | None = None) -> None:
        self.result = result
        first = result.errors[0] if result.errors else None
        reason = (
            f"the report is not valid against the QReport schema ({len(result.errors)} error(s)); "
            "nothing was written"
        )
        if first is not None:
            reason += f"; first: line {first.line}, {first.path}: {first.message}"
        super().__init__(reason, source=source)


def write_qreport(
    report: QReport | QReportHeader,
    path: str | os.PathLike[str],
    goods: Iterable[ImportedGood] = (),
    *,
    xsd: str | os.PathLike[str] | None = None,
    validate: bool = True,
) -> WriteResult:
    """Write a QReport v23.00 XML file, validated against the XSD before it is put in place.

    The file is written to a temporary file in the target folder, validated and renamed to
    ``path`` only when valid; otherwise nothing is written.

    Parameters
    ----------
    report : QReport or QReportHeader
        A whole report, or its header with the goods given in ``goods``.
    path : str or PathLike
        The XML file to write (its folder is created if needed).
    goods : iterable of ImportedGood
        The goods when ``report`` is a header; a generator keeps memory bounded.
    xsd : str or PathLike, optional
        The XSD to validate against; default: the official v23.00 schema shipped with the library.
    validate : bool
        False skips the validation (the result then says "not validated").

    Returns
    -------
    WriteResult
        The path written, the number of goods and the validation result.

    Raises
    ------
    QReportInvalidError
        The report does not validate; its ``result`` lists line, path and message of each error.
    Examples
    --------
    >>> import tempfile, pathlib
    >>> from decimal import Decimal
    >>> import cbam
    >>> line = cbam.ImportLine(row=2, cn="72081000", country="TR", net_mass=Decimal("12.5"),
    ...                        year=2025, quarter=4)
    >>> built = cbam.build_qreport([line], "2025Q4", cbam.load_declarant("samples/declarant.json"))
    >>> result = cbam.write_qreport(built.report, pathlib.Path(tempfile.mkdtemp()) / "q.xml")
    >>> result.goods, result.validation.valid
    (1, True)
    """
    target = Path(path)
    with atomic_path(target) as tmp:
        with tmp.open("wb") as handle:
            count = write_xml(report, goods, handle)
        result = (
            validate_qreport(tmp, xsd=xsd)
            if validate
            else ValidationResult(valid=True, errors=(), xsd="not validated")
        )
        if not result.valid:
            raise QReportInvalidError(result, source=str(target))
    return WriteResult(path=target, goods=count, validation=result)
