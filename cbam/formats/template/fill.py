"""Write an installation into a copy of a blank Commission communication template.

The copy is made at the level of the .xlsx package: every part of the user's blank template
(formulas, data validations, conditional formats incl. Excel's extensions, defined names,
sheet protection, comments, printer settings) is copied byte for byte, and only the cells
the installation fills are changed in the sheets that hold them. The results the blank
stores are those of an empty template: every formula's stored result is dropped (labels
excepted, :func:`_drop_results`), the workbook is flagged to recalculate on opening
(``fullCalcOnLoad``, which Excel honours) and it names its writer truthfully (``cbam`` in
``docProps/app.xml``, :data:`WRITER`, instead of the blank's "Microsoft Excel"). Excel and
LibreOffice then calculate every formula when they open the file, and
:func:`cbam.formats.template.read_template` sees that its results were never calculated.

Rules: a cell that holds a formula in the blank is never written (InputError instead); text
is always written as text (an inline string, so a name beginning with "=" stays text); the
output is written to a temporary file in the target folder and renamed into place.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils import column_index_from_string, get_column_letter

from cbam.errors import InputError
from cbam.files import atomic_path
from cbam.formats.template import layout as lay
from cbam.formats.template.book import SUPPORTED_MAJOR, open_workbooks
from cbam.formats.template.plan import Value, as_dict, plan_cells
from cbam.formats.workbook import sheet_text

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"

#: The application a filled workbook names as its writer (``docProps/app.xml``) until a
#: spreadsheet program saves it with its results calculated.
WRITER = "cbam"


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> part name (``xl/worksheets/sheet8.xml``)."""
    book = etree.fromstring(archive.read("xl/workbook.xml"))
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{_PKG_REL}}}Relationship")}
    parts: dict[str, str] = {}
    for sheet in book.iter(f"{{{_MAIN}}}sheet"):
        target = str(targets[sheet.get(f"{{{_REL}}}id")])
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts[str(sheet.get("name"))] = path
    return parts


def _col_index(ref: str) -> tuple[int, int]:
    match = _CELL_REF.match(ref)
    if match is None:
        raise ValueError(ref)
    return int(match.group(2)), column_index_from_string(match.group(1))


def _excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def _number_text(value: Decimal) -> str:
    text = format(value, "f") if -25 < value.adjusted() < 25 else str(value)
    return text


def _set_cell(cell: Any, value: Value) -> None:
    for child in list(cell):
        cell.remove(child)
    cell.attrib.pop("t", None)
    if isinstance(value, bool):
        cell.set("t", "b")
        etree.SubElement(cell, f"{{{_MAIN}}}v").text = "1" if value else "0"
    elif isinstance(value, Decimal):
        etree.SubElement(cell, f"{{{_MAIN}}}v").text = _number_text(value)
    elif isinstance(value, dt.date):
        etree.SubElement(cell, f"{{{_MAIN}}}v").text = str(_excel_serial(value))
    else:
        # Always text: an inline string is never parsed as a formula or a number.
        cell.set("t", "inlineStr")
        holder = etree.SubElement(cell, f"{{{_MAIN}}}is")
        text = etree.SubElement(holder, f"{{{_MAIN}}}t")
        text.text = sheet_text(value)  # the same cleaning as every text cell the library writes
        text.set(_XML_SPACE, "preserve")


def _write_cells_unchecked(
    xml: bytes, cells: dict[tuple[int, int], Value], *, refuse_formulas: bool = False
) -> bytes:
    """Write values into a sheet part (tests use it without the formula check)."""
    root = etree.fromstring(xml)
    _write_into(root, cells, refuse_formulas=refuse_formulas)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _rewrite_sheet(xml: bytes, cells: dict[tuple[int, int], Value]) -> bytes:
    """A sheet part with ``cells`` written and the blank's stale results dropped."""
    root = etree.fromstring(xml)
    if cells:
        _write_into(root, cells, refuse_formulas=True)
    _drop_results(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _write_into(
    root: Any, cells: dict[tuple[int, int], Value], *, refuse_formulas: bool = False
) -> None:
    """Write values into a parsed sheet part."""
    data = root.find(f"{{{_MAIN}}}sheetData")
    assert data is not None
    rows = {int(str(r.get("r"))): r for r in data.findall(f"{{{_MAIN}}}row")}
    for (row_no, col_no), value in sorted(cells.items()):
        row = rows.get(row_no)
        if row is None:
            row = etree.Element(f"{{{_MAIN}}}row", r=str(row_no))
            later = [n for n in rows if n > row_no]
            if later:
                rows[min(later)].addprevious(row)
            else:
                data.append(row)
            rows[row_no] = row
        ref = f"{get_column_letter(col_no)}{row_no}"
        cell = _cell_in(row, ref, col_no)
        if refuse_formulas and cell.find(f"{{{_MAIN}}}f") is not None:
            raise InputError("refusing to overwrite a formula", location=ref)
        _set_cell(cell, value)


def _cell_in(row: Any, ref: str, col_no: int) -> Any:
    """The ``<c>`` element ``ref`` of a row, made in its place when missing."""
    for existing in row.findall(f"{{{_MAIN}}}c"):
        if existing.get("r") == ref:
            return existing
    cell = etree.Element(f"{{{_MAIN}}}c", r=ref)
    after = [c for c in row.findall(f"{{{_MAIN}}}c") if _col_index(str(c.get("r")))[1] > col_no]
    if after:
        after[0].addprevious(cell)
    else:
        row.append(cell)
    spans = row.get("spans")
    if spans:
        low, _, high = spans.partition(":")
        row.set("spans", f"{min(int(low), col_no)}:{max(int(high or low), col_no)}")
    return cell


#: Functions whose result a formula's text does not tell.
_VOLATILE = frozenset({"INDIRECT(", "OFFSET(", "CELL(", "INFO(", "NOW(", "TODAY(", "RAND("})
_SINGLE_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


class _Labels:
    """Which formulas of one sheet are labels: results no input can change.

    A label's references are all to the Translations sheet, to the template's constants
    (defined names ``CONST_...`` other than its counters ``CONST_CNTR_...``) or to cells of the
    same sheet that are typed values or labels themselves (the block numbers of "Production
    process 2:" count on from the typed 1 of block 1).
    """

    def __init__(self, cells: list[Any]) -> None:
        self.typed: set[str] = set()
        self.formulas: dict[str, str] = {}
        for cell in cells:
            formula = cell.find(f"{{{_MAIN}}}f")
            if formula is not None:
                if formula.text:
                    self.formulas[str(cell.get("r"))] = formula.text
            elif cell.find(f"{{{_MAIN}}}v") is not None or cell.find(f"{{{_MAIN}}}is") is not None:
                self.typed.add(str(cell.get("r")))
        self._known: dict[str, bool] = {}

    def label(self, ref: str, formula: str) -> bool:
        """True when the formula ``formula`` of cell ``ref`` is a label."""
        if "Translations!" not in formula and "CONST_" not in formula:
            return False  # the quick answer for nearly all of the template's formulas
        return self._constant(ref)

    def _constant(self, ref: str) -> bool:
        if ref in self._known:
            return self._known[ref]
        formula = self.formulas.get(ref)
        if formula is None:
            return ref in self.typed
        self._known[ref] = False  # a circular reference is no label
        self._known[ref] = found = self._references_constant(formula)
        return found

    def _references_constant(self, formula: str) -> bool:
        try:
            tokens = Tokenizer("=" + formula).items
        except Exception:  # a formula openpyxl cannot split: not a label
            return False
        for token in tokens:
            volatile = token.type == Token.FUNC and token.value.upper() in _VOLATILE
            reference = token.type == Token.OPERAND and token.subtype == Token.RANGE
            if volatile or (reference and not self._constant_reference(token.value)):
                return False
        return True

    def _constant_reference(self, ref: str) -> bool:
        if "!" in ref:
            return ref.rpartition("!")[0].strip("'") == "Translations"
        single = _SINGLE_CELL.match(ref)
        if single is not None:
            return self._constant(single.group(1) + single.group(2))
        name = ref.upper()
        return name.startswith("CONST_") and not name.startswith("CONST_CNTR")


def _drop_results(root: Any) -> None:
    """Remove the stored result of every formula except the labels (:class:`_Labels`).

    The blank's results are those of an empty template. Without them a spreadsheet program
    must calculate every formula when it opens the file (LibreOffice keeps a stored result
    otherwise), and nobody reads a stale figure. The labels keep theirs: the reader finds the
    template's tables by them.
    """
    cells = list(root.iter(f"{{{_MAIN}}}c"))
    labels = _Labels(cells)
    for cell in cells:
        formula = cell.find(f"{{{_MAIN}}}f")
        if formula is None or labels.label(str(cell.get("r")), formula.text or ""):
            continue
        value = cell.find(f"{{{_MAIN}}}v")
        if value is not None:
            cell.remove(value)
        cell.attrib.pop("t", None)


def _recalc_on_load(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    calc = root.find(f"{{{_MAIN}}}calcPr")
    if calc is None:
        calc = etree.SubElement(root, f"{{{_MAIN}}}calcPr")
    calc.set("fullCalcOnLoad", "1")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _name_writer(xml: bytes) -> bytes:
    """``docProps/app.xml`` naming this library as the application that wrote the file."""
    root = etree.fromstring(xml)
    app = root.find(f"{{{_EXTENDED}}}Application")
    if app is None:
        app = etree.SubElement(root, f"{{{_EXTENDED}}}Application")
    app.text = WRITER
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def fill_template(installation: Any, template: str | Path, out: str | Path) -> list[str]:
    """Fill a copy of the blank communication template with an installation's inputs.

    Parameters
    ----------
    installation:
        The installation (interfaces.md section 1) as a dict or an Installation model.
    template:
        The user's blank official template (v2.x), which is only read.
    out:
        The workbook to write (replaced atomically; the folder is created if needed).

    Returns
    -------
    list of str
        Notes on the selections the installation file cannot make (a production route it does
        not name, the source of an emission factor it does not give): the workbook's user
        makes them.

    Raises :class:`cbam.errors.InputError` when the template is not a v2.x template, when a
    target cell holds a formula, or when the installation does not fit the template (too many
    processes, precursors or streams; a good or country the template does not list).

    Examples
    --------
    ``reference_dir`` is the folder of the official sources (``../shared/reference``).

    >>> import tempfile
    >>> from cbam.formats.template import read_template
    >>> from cbam.installation import load_installation
    >>> plant = load_installation("samples/installations/cement.json")
    >>> blank = reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     notes = fill_template(plant, blank, Path(folder) / "cement.xlsx")
    ...     filled = read_template(Path(folder) / "cement.xlsx")
    >>> filled.version, filled.installation_dict["installation"], filled.calculated
    ('2.1.1', {'name': 'Example Cement Producer', 'country': 'TR'}, False)
    >>> notes
    []
    >>> fill_template({"processes": [{"id": "P1", "good": "plastics"}]}, blank, "out.xlsx")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: processes[0].good, field 'good': good 'plastics' is not one of the ...
    """
    blank, target = Path(template), Path(out)
    if target.exists() and blank.exists() and os.path.samefile(blank, target):
        # The blank template is only read: replacing it would lose the user's only copy.
        raise InputError(
            "the output is the blank template itself; write the filled workbook elsewhere",
            source=str(target),
        )
    data = as_dict(installation)
    shown, raw = open_workbooks(blank)
    try:
        grids = lay.grids(shown, raw, str(blank))
        version = lay.version_of(grids["0_Versions"])
        if version.split(".")[0] != SUPPORTED_MAJOR:
            raise InputError(
                f"communication template version {version} is not supported (2.x only)",
                source=str(blank),
                location="sheet 0_Versions",
                field="version",
            )
        plan = plan_cells(data, grids, shown, str(blank))
    finally:
        shown.close()
        raw.close()

    with (
        atomic_path(target) as tmp,
        zipfile.ZipFile(blank) as source,
        zipfile.ZipFile(tmp, "w") as dest,
    ):
        parts = _sheet_parts(source)
        changed = {parts[sheet]: cells for sheet, cells in plan.cells.items()}
        sheets = set(parts.values())
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename in sheets:
                payload = _rewrite_sheet(payload, changed.get(info.filename, {}))
            elif info.filename == "xl/workbook.xml":
                payload = _recalc_on_load(payload)
            elif info.filename == "docProps/app.xml":
                payload = _name_writer(payload)
            dest.writestr(info, payload, compress_type=zipfile.ZIP_DEFLATED)
    return plan.notes
