"""Write an installation into a copy of a blank Commission communication template.

The copy is made at the level of the .xlsx package: every part of the user's blank template
(formulas, data validations, conditional formats incl. Excel's extensions, defined names,
sheet protection, comments, printer settings) is copied byte for byte, and only the cells
the installation fills are changed in the sheets that hold them. The workbook is flagged to
recalculate on opening (``fullCalcOnLoad``), because the results it stores are the blank's.

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


def _write_cells(xml: bytes, cells: dict[tuple[int, int], Value]) -> bytes:
    """Write values into a sheet part; a cell holding a formula is refused."""
    return _write_cells_unchecked(xml, cells, refuse_formulas=True)


def _write_cells_unchecked(
    xml: bytes, cells: dict[tuple[int, int], Value], *, refuse_formulas: bool = False
) -> bytes:
    """Write values into a sheet part (tests use it without the formula check)."""
    root = etree.fromstring(xml)
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
        cell = None
        for existing in row.findall(f"{{{_MAIN}}}c"):
            if existing.get("r") == ref:
                cell = existing
                break
        if cell is None:
            cell = etree.Element(f"{{{_MAIN}}}c", r=ref)
            after = [
                c for c in row.findall(f"{{{_MAIN}}}c") if _col_index(str(c.get("r")))[1] > col_no
            ]
            if after:
                after[0].addprevious(cell)
            else:
                row.append(cell)
            spans = row.get("spans")
            if spans:
                low, _, high = spans.partition(":")
                row.set("spans", f"{min(int(low), col_no)}:{max(int(high or low), col_no)}")
        if refuse_formulas and cell.find(f"{{{_MAIN}}}f") is not None:
            raise InputError("refusing to overwrite a formula", location=ref)
        _set_cell(cell, value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _recalc_on_load(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    calc = root.find(f"{{{_MAIN}}}calcPr")
    if calc is None:
        calc = etree.SubElement(root, f"{{{_MAIN}}}calcPr")
    calc.set("fullCalcOnLoad", "1")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def fill_template(installation: Any, template: str | Path, out: str | Path) -> None:
    """Fill a copy of the blank communication template with an installation's inputs.

    Parameters
    ----------
    installation:
        The installation (interfaces.md section 1) as a dict or an Installation model.
    template:
        The user's blank official template (v2.x), which is only read.
    out:
        The workbook to write (replaced atomically; the folder is created if needed).

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
    ...     fill_template(plant, blank, Path(folder) / "cement.xlsx")
    ...     filled = read_template(Path(folder) / "cement.xlsx")
    >>> filled.version, filled.installation_dict["installation"]
    ('2.1.1', {'name': 'Example Cement Producer', 'country': 'TR'})
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
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename in changed:
                payload = _write_cells(payload, changed[info.filename])
            elif info.filename == "xl/workbook.xml":
                payload = _recalc_on_load(payload)
            dest.writestr(info, payload, compress_type=zipfile.ZIP_DEFLATED)
