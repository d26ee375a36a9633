"""Opening an .xlsx safely: the one gate every workbook the library reads passes through.

An .xlsx is a zip archive of XML parts. Before anything is unpacked, :func:`check_archive`
refuses zip bombs from the archive's directory alone (declared sizes, never a part).
:func:`open_workbook` then opens the file with openpyxl and turns everything a damaged or
hostile workbook can raise -- a broken zip, a malformed ``xl/workbook.xml``, a DTD with
entities (refused by the XML parser, or by defusedxml where it is installed) -- into one
:class:`~cbam.errors.InputError` of one line naming the file; :func:`reading` does the same for
the parts openpyxl parses only later, sheet by sheet. The customs reader, the communication
template reader and ``--defaults-workbook`` all open workbooks here.

>>> import tempfile, pathlib
>>> bad = pathlib.Path(tempfile.mkdtemp()) / "not.xlsx"
>>> _ = bad.write_bytes(b"cn_code,country\\n")
>>> check_archive(bad)  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
cbam.errors.InputError: .../not.xlsx: not an Excel workbook (.xlsx): File is not a zip file; ...
"""

from __future__ import annotations

import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
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
