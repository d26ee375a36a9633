"""Validation of QReport XML against the official v23.00 XSD, safe against hostile files.

The XSD ships unchanged in ``cbam/schemas/qreport-v23.00`` (see its PROVENANCE.md). The main
file includes ``stypes.xsd`` while the Commission publishes ``stypes_ver23.00.xsd``: a resolver
maps the one to the other, so neither file is edited. A user may give another XSD (a newer
version); its include is resolved the same way.

Hostile files: a QReport never has a DTD, so any ``<!DOCTYPE`` (the only way to declare an
entity) makes the file invalid *before* the parser sees it - an external entity is never
fetched and a billion-laughs payload never expanded. The parser itself runs with entity
resolution, DTD loading and network access off and libxml2's size limits on (``huge_tree``
off), and a file larger than ``max_bytes`` is refused unread.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import BaseModel, ConfigDict

from cbam.errors import InputError, clip

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "qreport-v23.00"
OFFICIAL_XSD = SCHEMA_DIR / "QReport_ver23.00.xsd"

#: Largest report read or validated by default (bytes). A full 99,999-good report written by
#: this library is far smaller (docs/qreport.md); raise it with ``max_bytes`` if needed.
MAX_BYTES = 512 * 1024 * 1024
#: Up to this size a report that fails streaming validation is parsed whole once more, so that
#: every error (not only the first) is listed.
FULL_LIST_BYTES = 32 * 1024 * 1024
#: How far into the file the root element must start (the prolog is small in a real report).
PROLOG_BYTES = 64 * 1024
#: Errors listed at most (all are counted); each message is cut to MAX_MESSAGE characters.
MAX_ERRORS = 1000
MAX_MESSAGE = 500

_GOOD_TAG = "{http://xmlns.ec.eu/BusinessObjects/CBAM/Types/V1}ImportedGood"

SAFE_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
}


class ValidationIssue(BaseModel):
    """One problem: the line in the file, the element path and the validator's message."""

    model_config = ConfigDict(frozen=True)

    line: int | None
    path: str
    message: str


class ValidationResult(BaseModel):
    """The outcome of :func:`validate_qreport`."""

    model_config = ConfigDict(frozen=True)

    valid: bool
    errors: tuple[ValidationIssue, ...] = ()
    """The first :data:`MAX_ERRORS` errors."""
    xsd: str = ""
    """The XSD used (file path)."""
    error_count: int = 0
    """How many errors were found in all (more than ``errors`` lists when over the cap)."""

    def summary(self) -> dict[str, object]:
        """The ``cbam validate --json`` object: ``{"valid", "errors": [{"line", "path",
        "message"}], "error_count"}``."""
        return {
            "valid": self.valid,
            "errors": [issue.model_dump() for issue in self.errors],
            "error_count": max(self.error_count, len(self.errors)),
        }


def _invalid(
    message: str, schema: str, line: int | None = None, path: str = "/"
) -> ValidationResult:
    return ValidationResult(
        valid=False,
        errors=(ValidationIssue(line=line, path=path, message=message),),
        xsd=schema,
        error_count=1,
    )


# --- the schema ------------------------------------------------------------------------------


class _IncludeResolver(etree.Resolver):
    """Maps ``stypes.xsd`` to the versioned ``stypes_ver*.xsd`` beside the main XSD."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def resolve(self, system_url: str, public_id: str, context: Any = None) -> Any:
        name = Path(system_url or "").name
        if name == "stypes.xsd" and not (self.folder / name).exists():
            candidates = sorted(self.folder.glob("stypes_ver*.xsd"))
            if len(candidates) == 1:
                resolve_filename: Any = getattr(self, "resolve_filename")  # noqa: B009 (stubs lack it)
                return resolve_filename(str(candidates[0]), context)
        return None


@cache
def _schema(path: Path) -> etree.XMLSchema:
    if not path.is_file():
        raise InputError("the XSD file does not exist", source=str(path))
    parser = etree.XMLParser(**SAFE_PARSER_OPTIONS)
    parser.resolvers.add(_IncludeResolver(path.parent))
    try:
        document = etree.parse(str(path), parser)
        return etree.XMLSchema(document)
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise InputError(f"not a usable XML Schema: {exc}", source=str(path)) from None


def load_schema(xsd: str | os.PathLike[str] | None = None) -> etree.XMLSchema:
    """The QReport XSD: the shipped official v23.00, or the file ``xsd`` (cached per path)."""
    return _schema(Path(xsd).resolve() if xsd is not None else OFFICIAL_XSD)


# --- hostile-file checks ---------------------------------------------------------------------


def check_prolog(path: Path, *, max_bytes: int = MAX_BYTES) -> tuple[int | None, str] | None:
    """Refuse what must not be parsed: oversize files, DTDs, non-UTF-8 prologs.

    Returns None when the file may be parsed, else (line, reason). Reads at most
    ``PROLOG_BYTES`` bytes; nothing the prolog declares is ever interpreted.
    """
    size = path.stat().st_size
    if size > max_bytes:
        return None, f"the file has {size} bytes, more than the limit of {max_bytes}"
    with path.open("rb") as handle:
        head = handle.read(PROLOG_BYTES)
    text = head.decode("latin-1")  # byte-preserving; markup of the prolog is ASCII in UTF-8
    pos = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        line = text.count("\n", 0, pos) + 1
        if text.startswith("<?", pos):
            end = text.find("?>", pos)
            if end < 0:
                return line, "unterminated processing instruction in the prolog"
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
            if end < 0:
                return line, "comment in the prolog too long or unterminated"
            pos = end + 3
        elif text.startswith("<!", pos):
            return line, (
                "the file declares a DTD (<!DOCTYPE ...>); a QReport has none, and entity "
                "declarations are refused unread (external entities, entity expansion)"
            )
        elif (
            pos < len(text)
            and text[pos] == "<"
            and pos + 1 < len(text)
            and (text[pos + 1].isalpha() or text[pos + 1] in "_:")
        ):
            return None
        else:
            return line, "not an XML document in UTF-8 (no root element at the start)"


# --- validation ------------------------------------------------------------------------------

_STEP = re.compile(r"\*\[local-name\(\)\s*=\s*'([^']+)'(?: and namespace-uri\(\)\s*=\s*'[^']*')?\]")


def _clean_path(path: str | None) -> str:
    """``/*[local-name()='QReport' and namespace-uri()='...']/*[...]`` -> ``/QReport/...``."""
    if not path:
        return "/"
    return _STEP.sub(r"\1", path)


_POSITION = re.compile(r"/\*(?:\[(\d+)\])?")


class _Locator:
    """Named element paths of schema errors, in time linear in the document's size.

    libxml2 gives positional paths (``/*/*[2004]/*[6]``). Each parent's children are listed
    once and each child's named step (``ImportedGood[2000]``) computed once, so 14,000 errors
    in a 30 MB report cost one pass over it, not one per error.
    """

    def __init__(self, document: Any) -> None:
        self.root = document.getroot()
        self._children: dict[Any, list[Any]] = {}
        self._steps: dict[Any, dict[Any, str]] = {}

    def children(self, node: Any) -> list[Any]:
        found = self._children.get(node)
        if found is None:
            found = self._children[node] = [c for c in node if isinstance(c.tag, str)]
        return found

    def find(self, path: str) -> Any:
        """The element of a positional path, or None."""
        steps = _POSITION.findall(path)
        if not steps or "".join(f"/*[{n}]" if n else "/*" for n in steps) != path:
            return None
        node = self.root
        for number in steps[1:]:
            children = self.children(node)
            index = int(number or 1) - 1
            if index >= len(children):
                return None
            node = children[index]
        return node

    def named(self, element: Any) -> str:
        """``/QReport/ImportedGood[2]/GoodsEmissions[1]/...``: positions where repeated."""
        steps = []
        node = element
        while node is not None:
            parent = node.getparent()
            if parent is None:
                steps.append(etree.QName(node).localname)
                break
            names = self._steps.get(parent)
            if names is None:
                names = self._steps[parent] = self._name_children(parent)
            steps.append(names[node])
            node = parent
        return "/" + "/".join(reversed(steps))

    def _name_children(self, parent: Any) -> dict[Any, str]:
        children = self.children(parent)
        counts: dict[Any, int] = {}
        for child in children:
            counts[child.tag] = counts.get(child.tag, 0) + 1
        seen: dict[Any, int] = {}
        names = {}
        for child in children:
            name = etree.QName(child).localname
            if counts[child.tag] > 1:
                seen[child.tag] = seen.get(child.tag, 0) + 1
                name += f"[{seen[child.tag]}]"
            names[child] = name
        return names


def _issues(log: Any, document: Any = None) -> tuple[list[ValidationIssue], int]:
    """The first :data:`MAX_ERRORS` errors of a log, and how many it holds in all."""
    issues: list[ValidationIssue] = []
    count = 0
    locator = _Locator(document) if document is not None else None
    for entry in log:
        if entry.level < etree.ErrorLevels.ERROR:
            continue
        count += 1
        if len(issues) >= MAX_ERRORS:
            continue
        message = re.sub(r"\{[^}]*\}", "", entry.message)  # drop the namespace from names
        path = _clean_path(entry.path)
        if locator is not None and entry.path:
            found = locator.find(entry.path)
            if found is not None:
                path = locator.named(found)
        issues.append(
            ValidationIssue(
                line=entry.line, path=clip(path, MAX_MESSAGE), message=clip(message, MAX_MESSAGE)
            )
        )
    return issues, count


def _well_formed(path: Path) -> list[ValidationIssue]:
    """Streaming well-formedness check (lxml's validating iterparse misses a truncated file)."""
    try:
        for _event, element in etree.iterparse(str(path), events=("end",), **SAFE_PARSER_OPTIONS):
            _drop(element)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        return [ValidationIssue(line=line, path="/", message=f"not well-formed XML: {exc.msg}")]
    return []


def _drop(element: Any) -> None:
    """Free an imported good once read, so that memory stays bounded."""
    if element.tag == _GOOD_TAG:
        element.clear()
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]


def _streaming(path: Path, schema: etree.XMLSchema) -> list[ValidationIssue]:
    """Validate while parsing, dropping each good once read (bounded memory); [] when valid.

    libxml2 reports no line for errors found this way; the line of the last element read
    before the error is given instead ("near line").
    """
    issues = _well_formed(path)
    if issues:
        return issues
    last = 0
    try:
        for _event, element in etree.iterparse(
            str(path), events=("start", "end"), schema=schema, **SAFE_PARSER_OPTIONS
        ):
            last = element.sourceline or last
            if _event == "end":
                _drop(element)
    except etree.XMLSyntaxError as exc:
        found = [
            issue
            if issue.line
            else issue.model_copy(
                update={"line": last or None, "message": f"{issue.message} (near line {last})"}
            )
            for issue in _issues(exc.error_log)[0]
        ]
        return found or [ValidationIssue(line=last or None, path="/", message=str(exc.msg))]
    return []


def _whole(path: Path, schema: etree.XMLSchema) -> tuple[list[ValidationIssue], int]:
    """Parse the whole file; its first MAX_ERRORS schema errors and their count."""
    parser = etree.XMLParser(**SAFE_PARSER_OPTIONS)
    try:
        document = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as exc:
        issues, count = _issues(exc.error_log)
        if issues:
            return issues, count
        return [ValidationIssue(line=exc.position[0], path="/", message=str(exc.msg))], 1
    if schema.validate(document):
        return [], 0
    return _issues(schema.error_log, document)


def validate_qreport(
    path: str | os.PathLike[str],
    xsd: str | os.PathLike[str] | None = None,
    *,
    max_bytes: int = MAX_BYTES,
) -> ValidationResult:
    """Validate a QReport XML file against the official v23.00 XSD (or the XSD ``xsd``).

    Parameters
    ----------
    path : str or PathLike
        The report file.
    xsd : str or PathLike, optional
        The XSD to validate against; default: the official v23.00 schema shipped with the library.
    max_bytes : int
        A larger file is invalid at once, without being parsed.

    Returns
    -------
    ValidationResult
        ``valid`` and each error's line, element path and message (the first
        :data:`MAX_ERRORS`, each message at most :data:`MAX_MESSAGE` characters;
        ``error_count`` counts them all). A file with a DTD, one larger than ``max_bytes`` or
        not XML at all is invalid at once, without being parsed.

    Raises
    ------
    InputError
        Only when the file (or the XSD) does not exist or is not a usable schema.
    Examples
    --------
    >>> import tempfile, pathlib
    >>> import cbam
    >>> broken = pathlib.Path(tempfile.mkdtemp()) / "broken.xml"
    >>> _ = broken.write_text("<QReport/>")
    >>> result = cbam.validate_qreport(broken)
    >>> result.valid, len(result.errors) > 0
    (False, True)
    """
    file = Path(path)
    schema = load_schema(xsd)
    schema_name = str(Path(xsd) if xsd is not None else OFFICIAL_XSD)
    if not file.is_file():
        raise InputError("the report file does not exist", source=str(file))
    refused = check_prolog(file, max_bytes=max_bytes)
    if refused is not None:
        line, reason = refused
        return _invalid(reason, schema_name, line=line)
    issues = _streaming(file, schema)
    count = len(issues)
    if issues and file.stat().st_size <= FULL_LIST_BYTES:
        every, total = _whole(file, schema)
        if every:
            issues, count = every, total
    return ValidationResult(
        valid=not issues, errors=tuple(issues), xsd=schema_name, error_count=count
    )
