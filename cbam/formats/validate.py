"""``cbam validate``: the schema a file's root element asks for, and the validation against it.

Two kinds of XML file come out of the library: transitional quarterly reports (root
``QReport``, the Commission's XSD v23.00, :func:`cbam.formats.qreport.validate_qreport`) and
annual declarations (root ``Declaration`` in ``urn:cbam-py:declaration:2.0``, the library's own
schema, :func:`cbam.formats.declaration_files.validate_declaration_xml`). :func:`validate_file`
reads the root element -- after the same hostile-file checks as the QReport validator: size,
DTD, encoding (:func:`cbam.formats.qreport.validate.check_prolog`) -- and validates against the
schema it names; a file that is neither is invalid and says so. With ``xsd`` the file is
validated against that XSD, whatever its root.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from cbam.errors import InputError
from cbam.formats.declaration_files import (
    FORMAT,
    FORMAT_VERSION,
    NAMESPACE,
    SCHEMA_PATH,
    validate_declaration_xml,
)
from cbam.formats.qreport.model import SCHEMA_VERSION
from cbam.formats.qreport.validate import (
    OFFICIAL_XSD,
    SAFE_PARSER_OPTIONS,
    check_prolog,
    validate_qreport,
)

QREPORT_SCHEMA = f"QReport v{SCHEMA_VERSION}"
"""The name :func:`validate_file` gives the Commission's quarterly-report schema."""
DECLARATION_SCHEMA = f"{FORMAT} {FORMAT_VERSION}"
"""The name :func:`validate_file` gives the library's own declaration schema."""


@dataclass
class FileValidation:
    """What :func:`validate_file` found: valid or not, each problem, the schema used.

    ``schema`` names the schema (``"QReport v23.00"``, ``"cbam-py-declaration 2.0"`` or the
    XSD given); it is None when the file could not be matched to a schema at all.

    >>> FileValidation(True, "QReport v23.00", "QReport_ver23.00.xsd").summary()["schema"]
    'QReport v23.00'
    """

    valid: bool
    schema: str | None
    xsd: str | None
    errors: list[dict[str, object]] = field(default_factory=list)
    error_count: int = 0
    """All the problems found; ``errors`` lists the first ones (at most 1,000)."""

    def summary(self) -> dict[str, object]:
        """The ``cbam validate --json`` document: ``{"valid", "errors", "error_count", "schema",
        "xsd"}``."""
        return {
            "valid": self.valid,
            "errors": self.errors,
            "error_count": max(self.error_count, len(self.errors)),
            "schema": self.schema,
            "xsd": self.xsd,
        }


def _problem(message: str, line: int | None = None, path: str = "/") -> dict[str, object]:
    return {"line": line, "path": path, "message": message}


def root_element(path: Path) -> tuple[str, str]:
    """(namespace, local name) of a file's root element, read without reading further.

    Raises ``etree.XMLSyntaxError`` when the file breaks off before its root element is whole.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.xml"
    >>> _ = path.write_text('<Declaration xmlns="urn:cbam-py:declaration:2.0"><Notice>')
    >>> root_element(path)
    ('urn:cbam-py:declaration:2.0', 'Declaration')
    """
    for _event, element in etree.iterparse(str(path), events=("start",), **SAFE_PARSER_OPTIONS):
        name = etree.QName(element)
        return name.namespace or "", name.localname
    return "", ""  # not reached: a file without a root element is a syntax error


def validate_file(
    path: str | os.PathLike[str], xsd: str | os.PathLike[str] | None = None
) -> FileValidation:
    """Validate an XML file against the schema its root element names (or against ``xsd``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> other = pathlib.Path(tempfile.mkdtemp()) / "other.xml"
    >>> _ = other.write_text("<Invoice/>")
    >>> result = validate_file(other)
    >>> result.valid, result.schema, result.errors[0]["message"][:52]
    (False, None, 'the root element is Invoice: neither a QReport (Quar')
    """
    file = Path(path)
    if not file.is_file():
        raise InputError("the file does not exist", source=str(file))
    if xsd is not None:
        result = validate_qreport(file, xsd=xsd)
        errors = [e.model_dump() for e in result.errors]
        return FileValidation(result.valid, str(xsd), str(xsd), errors, result.error_count)
    refused = check_prolog(file)
    if refused is not None:
        line, reason = refused
        return FileValidation(False, None, None, [_problem(reason, line)])
    try:
        namespace, name = root_element(file)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        return FileValidation(
            False, None, None, [_problem(f"not well-formed XML: {exc.msg}", line)]
        )
    if name == "QReport":
        result = validate_qreport(file)
        errors = [e.model_dump() for e in result.errors]
        return FileValidation(
            result.valid, QREPORT_SCHEMA, str(OFFICIAL_XSD), errors, result.error_count
        )
    if (namespace, name) == (NAMESPACE, "Declaration"):
        problems = validate_declaration_xml(file)
        errors = [_problem(p.message, p.line, p.path or "/") for p in problems]
        return FileValidation(not problems, DECLARATION_SCHEMA, str(SCHEMA_PATH), errors)
    shown = f"{{{namespace}}}{name}" if namespace else name
    return FileValidation(
        False,
        None,
        None,
        [
            _problem(
                f"the root element is {shown}: neither a QReport (Quarterly report, "
                f"{QREPORT_SCHEMA}) nor a declaration of this library ({{{NAMESPACE}}}"
                "Declaration); give --xsd to validate it against another schema"
            )
        ],
    )
