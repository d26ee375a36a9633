"""Open a communication template, and read the lists its defined names hold.

Shared by the reader (:mod:`cbam.formats.template.read`) and the filler
(:mod:`cbam.formats.template.fill`): both open the file twice, once for the values a
spreadsheet program displays and once for the formulas behind them.

>>> from pathlib import Path
>>> open_workbooks(Path("no-such-template.xlsx"))
Traceback (most recent call last):
    ...
cbam.errors.InputError: no-such-template.xlsx: file not found
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from openpyxl.workbook.workbook import Workbook

from cbam.errors import InputError
from cbam.xlsxfile import open_workbook

#: Template versions the reader knows; other 2.x versions are read too, with a warning note.
TESTED_VERSIONS: frozenset[str] = frozenset({"2.1", "2.1.1"})
SUPPORTED_MAJOR = "2"


def open_workbooks(path: Path) -> tuple[Workbook, Workbook]:
    """Open the file twice (displayed values, then formulas); InputError if not a workbook."""
    source = str(path)
    if not path.is_file():
        raise InputError("file not found", source=source)
    if not zipfile.is_zipfile(path):
        raise InputError(
            "not an Excel workbook (.xlsx): the file is not a zip archive; it may be truncated, "
            "an old .xls file or another format",
            source=source,
        )
    # Read-only mode parses a sheet only when it is asked for: the template's big hidden sheets
    # (translations, CN lists) are never parsed. open_workbook checks the archive (zip bomb)
    # and turns a malformed xl/workbook.xml into an InputError.
    shown = open_workbook(path, data_only=True, source=source)
    raw = open_workbook(path, data_only=False, source=source)
    return shown, raw


def range_values(book: Workbook, destinations: Any) -> list[object]:
    """The values of a defined name's cells, in reading order."""
    values: list[object] = []
    for title, ref in destinations:
        if title not in book.sheetnames:
            continue
        cells = book[title][ref.replace("$", "")]
        rows = cells if isinstance(cells, tuple) else ((cells,),)
        for row in rows:
            for cell in row if isinstance(row, tuple) else (row,):
                values.append(getattr(cell, "value", None))
    return values


def defined_values(book: Workbook, name: str) -> list[object]:
    """The values of the cells a defined name covers (the template's lists); [] if undefined."""
    try:
        defined = book.defined_names[name]
    except KeyError:
        return []
    return range_values(book, defined.destinations)
