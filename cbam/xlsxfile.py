"""Opening an .xlsx safely: the one gate every workbook the library reads passes through.

An .xlsx is a zip archive of XML parts. Before anything is unpacked, :func:`check_archive`
refuses zip bombs from the archive's directory alone (declared sizes, never a part). Then
:func:`check_parts` reads the start of every XML part and refuses one that declares a DTD
(``<!DOCTYPE``: the only way to declare entities -- external entities, "billion laughs"), naming
the sheet: no workbook has one, and no XML parser ever sees it, so the outcome is the same
whether or not defusedxml is installed. :func:`open_workbook` then opens the file with openpyxl
and turns everything a damaged workbook can raise -- a broken zip, a malformed
``xl/workbook.xml`` -- into one :class:`~cbam.errors.InputError` of one line naming the file;
:func:`reading` does the same for the parts openpyxl parses only later, sheet by sheet. The
customs reader, the communication template reader and ``--defaults-workbook`` all open
workbooks here.

>>> import tempfile, pathlib
>>> bad = pathlib.Path(tempfile.mkdtemp()) / "not.xlsx"
>>> _ = bad.write_bytes(b"cn_code,country\\n")
>>> check_archive(bad)  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
cbam.errors.InputError: .../not.xlsx: not an Excel workbook (.xlsx): File is not a zip file; ...
"""

from __future__ import annotations

import posixpath
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from cbam.errors import CbamError, InputError
from cbam.files import check_regular

#: Limits on what an .xlsx may unpack to. The official template unpacks to about 10 MB (its
#: largest part 1.1 MB, compressed 1:9); a workbook far beyond these is a zip bomb, not data.
MAX_PART_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200

#: What a damaged or hostile workbook makes openpyxl, lxml, expat, zlib or defusedxml raise
#: (the XML parsers' errors derive from SyntaxError; defusedxml's from ValueError).
READ_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    SyntaxError,
    RecursionError,
)

#: lxml parser options for the small XML parts (no entities, no DTD, no network, size limits).
SAFE_XML: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
}


@dataclass
class SheetInfo:
    """A sheet of the workbook: its name, state (visible, hidden, veryHidden) and part."""

    name: str
    state: str
    part: str


def _target(base: str, target: str) -> str:
    """A relationship target as a part name (relative to ``base``'s folder, or absolute)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def relations(archive: zipfile.ZipFile, part: str, source: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, part) of ``part``."""
    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels not in archive.namelist():
        return {}
    root = parse_part(archive.read(rels), source, rels)
    return {
        el.get("Id", ""): (el.get("Type", ""), _target(part, el.get("Target", "")))
        for el in root
        if etree.QName(el).localname == "Relationship"
    }


def workbook_part(archive: zipfile.ZipFile, source: str) -> str:
    """The name of the workbook part (``xl/workbook.xml`` in every file seen)."""
    for kind, part in relations(archive, "", source).values():
        if kind.endswith("/officeDocument"):
            return part
    return "xl/workbook.xml"


def _sheet_list(root: Any, relations: dict[str, tuple[str, str]], source: str) -> list[SheetInfo]:
    found = []
    for el in root.iter("{*}sheet"):
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
        part = relations.get(rid, ("", ""))[1]
        if not part:
            raise InputError(
                f"sheet {el.get('name')!r} has no part in the workbook; the file is damaged",
                source=source,
            )
        found.append(SheetInfo(el.get("name", ""), el.get("state", "visible"), part))
    return found


def sheets(
    archive: zipfile.ZipFile, source: str
) -> tuple[Any, dict[str, tuple[str, str]], list[SheetInfo]]:
    """The workbook part's root element, its relationships and its sheets, in tab order."""
    part = workbook_part(archive, source)
    try:
        data = archive.read(part)
    except KeyError:
        raise InputError(f"the workbook part {part} is missing", source=source) from None
    root = parse_part(data, source, part)
    found = relations(archive, part, source)
    return root, found, _sheet_list(root, found, source)


def _declares_dtd(head: bytes) -> bool:
    """True when an XML part's prolog (its first bytes) holds a ``<!DOCTYPE`` declaration.

    >>> _declares_dtd(b'<?xml version="1.0"?><!-- x --><!DOCTYPE w [<!ENTITY a "b">]><w/>')
    True
    >>> _declares_dtd(b'\\xef\\xbb\\xbf<?xml version="1.0"?>\\n<worksheet/>')
    False
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")  # the codec drops the byte-order mark
    else:
        text = head.decode("latin-1")  # byte-preserving; the prolog's markup is ASCII
    pos = 3 if text.startswith("\xef\xbb\xbf") else 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        for opening, closing in (("<?", "?>"), ("<!--", "-->")):
            if text.startswith(opening, pos):
                end = text.find(closing, pos + len(opening))
                if end < 0:
                    return False  # unterminated: the XML parser refuses the part itself
                pos = end + len(closing)
                break
        else:
            return text.startswith("<!", pos)


def check_parts(path: Path, source: str | None = None) -> None:
    """Refuse a workbook any of whose XML parts declares a DTD, naming the sheet or the part."""
    where = source or str(path)
    with reading(where), zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.endswith((".xml", ".rels", ".vml"))]
        suspects = []
        for name in names:
            with archive.open(name) as handle:
                if _declares_dtd(handle.read(1 << 16)):
                    suspects.append(name)
        if not suspects:
            return
        try:
            titles = {s.part: s.name for s in sheets(archive, where)[2]}
        except InputError:
            titles = {}
    part = suspects[0]
    raise InputError(
        f"the sheet's XML cannot be read: part {part} declares a DTD (<!DOCTYPE ...>), which "
        "no workbook has; refused unread (external entities, entity expansion)",
        source=where,
        location=f"sheet {titles[part]}" if part in titles else None,
    )


def _words(exc: BaseException) -> str:
    """An exception as one line of words (some parsers' messages span several lines)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def check_archive(path: Path, source: str | None = None) -> None:
    """Refuse an .xlsx that is not a zip archive, or whose parts would unpack to absurd sizes.

    Reads only the archive's directory (declared sizes), never the parts themselves.
    """
    where = source or str(path)
    check_regular(path, where)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(
            f"not an Excel workbook (.xlsx): {exc}; it may be truncated or damaged", source=where
        ) from None
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_PART_BYTES or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
            raise InputError(
                f"part {info.filename} would unpack to {info.file_size} bytes "
                f"(compressed 1:{ratio:.0f}); refused as a zip bomb",
                source=where,
            )
    if total > MAX_TOTAL_BYTES:
        raise InputError(
            f"the workbook would unpack to {total} bytes; refused as a zip bomb", source=where
        )


@contextmanager
def reading(source: str, location: str | None = None) -> Iterator[None]:
    """Turn what a damaged or hostile workbook raises inside the block into an InputError."""
    try:
        yield
    except CbamError:
        raise
    except READ_ERRORS as exc:
        raise InputError(
            f"the workbook cannot be read ({_words(exc)}); it is damaged, hostile or was not "
            "written by a spreadsheet program",
            source=source,
            location=location,
        ) from None


def open_workbook(path: Path, *, data_only: bool = True, source: str | None = None) -> Any:
    """``openpyxl.load_workbook(path, read_only=True)`` after :func:`check_archive`.

    Every failure is an :class:`InputError` naming the file; sheets are parsed later, when read
    (wrap the reading in :func:`reading`).
    """
    import openpyxl

    where = source or str(path)
    check_archive(path, where)
    check_parts(path, where)
    with reading(where), warnings.catch_warnings():
        # openpyxl warns about Excel extensions it does not model; they do not matter here.
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(path, read_only=True, data_only=data_only)


def parse_part(data: bytes, source: str, part: str) -> Any:
    """A small XML part of a workbook as an lxml element; a DTD is refused unread."""
    parser = etree.XMLParser(**SAFE_XML)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(
            f"part {part} is not well-formed XML ({_words(exc)}); the workbook is damaged",
            source=source,
        ) from None
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise InputError(
            f"part {part} declares a DTD (<!DOCTYPE ...>), which no workbook has; refused "
            "unread (external entities, entity expansion)",
            source=source,
        )
    return root
