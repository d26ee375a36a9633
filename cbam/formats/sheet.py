"""The rows of one worksheet of an .xlsx, read in full, streamed, bounded.

The customs reader's XLSX path. It reads the sheet's XML itself instead of trusting what other
tools store about it:

* **every row and column** is read, whatever the sheet's stored ``<dimension>`` says (files
  written by other tools often carry a stale one: ``A1:E2`` over five lines);
* **the sheet is chosen explicitly**: the first *visible* sheet, or the one named; a hidden
  sheet is refused (it is easily out of date and nobody sees it);
* **a formula referring to another workbook** is refused with its cell named: its stored value
  is whatever that workbook held when the file was last saved;
* **bounded work**: at most :data:`MAX_COLUMNS` columns and :data:`MAX_ROWS` rows (Excel's own
  limits) and :data:`MAX_CELL` characters per cell, checked while the XML streams -- a row of
  100 million empty cells is refused at its 16,385th cell, never held in memory;
* **no DTD**: a sheet declaring one (external entities, "billion laughs") is refused unread.

Cells become the text a user sees: numbers in plain decimal notation with the digits of the
stored double's shortest form (``0.1`` stays ``0.1``), real Excel dates as ``YYYY-MM-DD``,
booleans ``TRUE``/``FALSE``, a formula's stored result (empty when none is stored).
"""

from __future__ import annotations

import datetime as dt
import re
import xml.parsers.expat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

from lxml import etree

from cbam.errors import InputError
from cbam.xlsxfile import SheetInfo, check_archive, check_parts, parse_part, reading, sheets

MAX_COLUMNS = 16_384
MAX_ROWS = 1_048_576
MAX_CELL = 32_767

_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")
_INT = re.compile(r"-?[0-9]+")
#: ``[1]Sheet1!A1``, ``'[1]My sheet'!A1``, ``'C:\\x\\[Book.xlsx]Sheet1'!A1``, ``[1]!Name``.
_EXTERNAL = re.compile(r"\[[^\[\]]+\][^\[\]!\"]*!")
_BUILTIN_DATES = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})


def column_letter(number: int) -> str:
    """1 -> ``A``, 27 -> ``AA``.

    >>> column_letter(1), column_letter(28), column_letter(16384)
    ('A', 'AB', 'XFD')
    """
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def _local(name: str) -> str:
    """The local part of an expat ``namespace local`` name."""
    return name.rpartition(" ")[2]


@dataclass
class Book:
    """What reading a sheet needs from the rest of the workbook."""

    sheets: list[SheetInfo]
    shared: list[str] = field(default_factory=list)
    date_styles: frozenset[int] = frozenset()
    epoch_1904: bool = False


def _shared_strings(archive: zipfile.ZipFile, part: str | None, source: str) -> list[str]:
    """Every shared string, each the concatenation of its runs (phonetic runs left out)."""
    if part is None or part not in archive.namelist():
        return []
    strings: list[str] = []
    pieces: list[str] = []
    depth = {"si": 0, "t": 0, "rPh": 0}

    def start(name: str, _attrs: dict[str, str]) -> None:
        local = _local(name)
        if local in depth:
            depth[local] += 1

    def end(name: str) -> None:
        local = _local(name)
        if local in depth:
            depth[local] -= 1
        if local == "si":
            text = "".join(pieces)
            if len(text) > MAX_CELL:
                raise InputError(
                    f"shared string {len(strings)} has {len(text)} characters, more than a "
                    f"cell holds ({MAX_CELL})",
                    source=source,
                )
            strings.append(text)
            pieces.clear()

    def text(data: str) -> None:
        if depth["t"] and not depth["rPh"]:
            pieces.append(data)

    with archive.open(part) as handle:
        for _ in _feed(handle, source, part, start, end, text):
            pass
    return strings


def _date_styles(archive: zipfile.ZipFile, part: str | None, source: str) -> frozenset[int]:
    """The indexes of the cell formats (``s`` attribute) that show a number as a date."""
    if part is None or part not in archive.namelist():
        return frozenset()
    from openpyxl.styles.numbers import is_date_format

    root = parse_part(archive.read(part), source, part)
    custom = {
        int(el.get("numFmtId", "-1")): el.get("formatCode", "")
        for el in root.iter("{*}numFmt")
        if (el.get("numFmtId") or "").isdigit()
    }
    dates = set()
    for xfs in root.iter("{*}cellXfs"):
        for index, xf in enumerate(el for el in xfs if etree.QName(el).localname == "xf"):
            number = int(xf.get("numFmtId", "0")) if (xf.get("numFmtId") or "0").isdigit() else 0
            if number in _BUILTIN_DATES or (number in custom and is_date_format(custom[number])):
                dates.add(index)
    return frozenset(dates)


def open_book(archive: zipfile.ZipFile, source: str) -> Book:
    """The sheets, shared strings, date formats and date system of a workbook."""
    root, found, listed = sheets(archive, source)
    by_type = {kind.rpartition("/")[2]: target for kind, target in found.values()}
    pr = next(root.iter("{*}workbookPr"), None)
    epoch_1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
    return Book(
        listed,
        _shared_strings(archive, by_type.get("sharedStrings"), source),
        _date_styles(archive, by_type.get("styles"), source),
        epoch_1904,
    )


def choose_sheet(book: Book, name: str | None, source: str) -> SheetInfo:
    """The sheet named (case-insensitively), or the first visible one; a hidden one refused."""
    if name is None:
        visible = [s for s in book.sheets if s.state == "visible"]
        if not visible:
            raise InputError("the workbook has no visible sheet", source=source)
        return visible[0]
    found = [s for s in book.sheets if s.name.casefold() == name.casefold()]
    if not found:
        names = ", ".join(repr(s.name) for s in book.sheets)
        raise InputError(f"no sheet {name!r}; the sheets are: {names}", source=source)
    if found[0].state != "visible":
        raise InputError(
            f"sheet {found[0].name!r} is hidden; a hidden sheet is easily out of date -- "
            "unhide it in the spreadsheet program if it holds the lines",
            source=source,
        )
    return found[0]


def _feed(
    handle: IO[bytes],
    source: str,
    part: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None],
) -> Iterator[None]:
    """Expat over a part, one 64 KB piece per step; a DTD is refused at its first byte."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")

    def no_dtd(*_args: object) -> None:
        raise InputError(
            f"part {part} declares a DTD (<!DOCTYPE ...>), which no workbook has; refused "
            "unread (external entities, entity expansion)",
            source=source,
        )

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.buffer_text = True
    try:
        while block := handle.read(1 << 16):
            parser.Parse(block, False)
            yield
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        raise InputError(
            f"part {part} is not well-formed XML ({exc}); the workbook is damaged",
            source=source,
        ) from None


class _SheetParser:
    """Expat callbacks turning a sheet's XML into rows of cell texts (see module docstring)."""

    def __init__(self, book: Book, source: str, sheet: str) -> None:
        self.book = book
        self.source = source
        self.sheet = sheet
        self.done: list[list[str]] = []
        self.row = 0
        self.cells: dict[int, str] = {}
        self.col = 0
        self.kind = "n"
        self.style = 0
        self.ref = ""
        self.value: list[str] = []
        self.formula: list[str] = []
        self.formula_shared = ""
        self.size = 0
        self.into: list[str] | None = None
        self.phonetic = 0
        self.external: set[str] = set()
        """Shared-formula groups (``si``) whose master formula refers to another workbook."""

    def error(self, reason: str, where: str | None = None) -> InputError:
        location = f"sheet {self.sheet!r}" + (f", {where}" if where else "")
        return InputError(reason, source=self.source, location=location)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "c":
            self._start_cell(attrs)
        elif local == "v":
            self.into = self.value
        elif local == "f":
            self.into = self.formula
            self.formula_shared = attrs.get("si", "") if attrs.get("t") == "shared" else ""
        elif local == "t" and not self.phonetic:
            self.into = self.value
        elif local == "rPh":
            self.phonetic += 1
        elif local == "row":
            self._start_row(attrs)

    def _start_row(self, attrs: dict[str, str]) -> None:
        number = attrs.get("r", "")
        row = int(number) if number.isdigit() else self.row + 1
        if row <= self.row or row > MAX_ROWS:
            raise self.error(f"row number {row} out of order or beyond Excel's {MAX_ROWS} rows")
        self.done.extend([] for _ in range(row - self.row - 1))
        self.row, self.col, self.cells = row, 0, {}

    def _start_cell(self, attrs: dict[str, str]) -> None:
        ref = attrs.get("r", "")
        match = _CELL_REF.fullmatch(ref)
        col = _column_number(match.group(1)) if match else self.col + 1
        if col > MAX_COLUMNS or col <= self.col:
            raise self.error(
                f"row {self.row} has a cell beyond column {column_letter(MAX_COLUMNS)} or out "
                f"of order (at most {MAX_COLUMNS} columns, Excel's limit)",
                f"row {self.row}",
            )
        self.col, self.ref = col, f"{column_letter(col)}{self.row}"
        self.kind, self.style = attrs.get("t", "n"), int(attrs.get("s", "0") or 0)
        self.value, self.formula, self.formula_shared, self.size = [], [], "", 0

    def text(self, data: str) -> None:
        if self.into is None:
            return
        self.size += len(data)
        if self.size > MAX_CELL:
            raise self.error(
                f"the cell holds more than {MAX_CELL} characters (Excel's limit)",
                f"cell {self.ref}",
            )
        self.into.append(data)

    def end(self, name: str) -> None:
        local = _local(name)
        if local in ("v", "f", "t"):
            self.into = None
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "c":
            self._end_cell()
        elif local == "row":
            width = max(self.cells, default=0)
            self.done.append([self.cells.get(i, "") for i in range(1, width + 1)])

    def _end_cell(self) -> None:
        formula = "".join(self.formula)
        if formula and _EXTERNAL.search(formula) and self.formula_shared:
            self.external.add(self.formula_shared)
        if (formula and _EXTERNAL.search(formula)) or (
            not formula and self.formula_shared in self.external
        ):
            raise self.error(
                f"the cell's formula refers to another workbook ({formula or 'shared formula'}); "
                "its stored value is whatever that workbook held when this file was saved -- "
                "paste the values instead",
                f"cell {self.ref}",
            )
        text = self._cell_text("".join(self.value))
        if text:
            self.cells[self.col] = text

    def _cell_text(self, raw: str) -> str:
        kind = self.kind
        if kind == "s":
            try:
                return self.book.shared[int(raw)]
            except (ValueError, IndexError):
                raise self.error(
                    f"the cell refers to shared string {raw!r}, which does not exist",
                    f"cell {self.ref}",
                ) from None
        if kind in ("inlineStr", "str", "e"):
            return raw
        if kind == "b":
            return {"1": "TRUE", "0": "FALSE"}.get(raw.strip(), raw)
        if kind == "d":
            return raw.strip()[:10] if re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T|$)", raw) else raw
        return self._number_text(raw.strip())

    def _number_text(self, raw: str) -> str:
        if not raw:
            return ""
        try:
            number = float(raw)  # float-ok: an xlsx number is a stored double; read exact below
        except ValueError:
            raise self.error(f"the number {raw!r} cannot be read", f"cell {self.ref}") from None
        if self.style in self.book.date_styles:
            return _excel_date(number, self.book.epoch_1904)
        if _INT.fullmatch(raw):
            return raw
        # A stored double, shown with the digits of its shortest form (2.675, not 2.67499...).
        return format(Decimal(repr(number)), "f")


def _excel_date(serial: float, epoch_1904: bool) -> str:  # float-ok: a date serial, not a figure
    """An Excel date serial as ``YYYY-MM-DD`` (a time of day is dropped)."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    moment = from_excel(serial, CALENDAR_MAC_1904 if epoch_1904 else CALENDAR_WINDOWS_1900)
    if isinstance(moment, dt.datetime):
        return moment.date().isoformat()
    return str(moment)


def sheet_rows(path: Path, sheet: str | None = None) -> Iterator[list[str]]:
    """The cell texts of every row of the chosen sheet, row 1 first (empty lists for gaps).

    Parameters
    ----------
    path : Path
        The workbook (.xlsx, .xlsm).
    sheet : str, optional
        The sheet's name (case-insensitive); default: the first visible sheet.

    Yields
    ------
    list of str
        One list per row, as long as the row's last cell that holds a value.

    Raises
    ------
    InputError
        A zip bomb, a damaged workbook, a hidden or missing sheet, a DTD, a formula referring
        to another workbook, a row or cell beyond Excel's limits (cell or row named).
    """
    source = str(path)
    check_archive(path, source)
    check_parts(path, source)
    with reading(source), zipfile.ZipFile(path) as archive:
        book = open_book(archive, source)
        chosen = choose_sheet(book, sheet, source)
        parser = _SheetParser(book, source, chosen.name)
        try:
            handle = archive.open(chosen.part)
        except KeyError:
            raise InputError(
                f"the part {chosen.part} of sheet {chosen.name!r} is missing", source=source
            ) from None
        with handle:
            yield from _rows(handle, parser, source, chosen.part)


def _rows(handle: IO[bytes], parser: _SheetParser, source: str, part: str) -> Iterator[list[str]]:
    """Stream the sheet, handing over the rows completed by each 64 KB piece."""
    for _ in _feed(handle, source, part, parser.start, parser.end, parser.text):
        done, parser.done = parser.done, []
        yield from done
    yield from parser.done
