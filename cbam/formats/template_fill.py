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
import tempfile
import zipfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree
from openpyxl.utils import column_index_from_string, get_column_letter

from cbam.codes import validate_country
from cbam.errors import InputError
from cbam.formats import template_layout as lay
from cbam.formats.template_read import SUPPORTED_MAJOR, _range_values, open_workbooks

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")

#: Installation-file method -> the template's drop-down text (B_EmInst column "Method").
_METHOD_TEXT: dict[str, str] = {
    "combustion": "Combustion",
    "process": "Process emissions",
    "mass_balance": "Mass balance",
}

#: Category names of interfaces.md that the template spells differently.
_GOOD_ALIASES: dict[str, str] = {
    "dri": "direct reduced iron",
    "ferro-manganese": "alloys (femn, fecr, feni)",
    "ferro-chromium": "alloys (femn, fecr, feni)",
    "ferro-nickel": "alloys (femn, fecr, feni)",
    "calcined clay": "calcined clays",
    "sintered ore": "sintered ore",
    "electricity": "electricity (export to eu)",
}

_HUNDRED = Decimal(100)
Value = Decimal | str | bool | dt.date


def _as_dict(installation: Any) -> dict[str, Any]:
    """The installation as a plain dict (accepts the dict or a pydantic model)."""
    if isinstance(installation, Mapping):
        return dict(installation)
    dump = getattr(installation, "model_dump", None)
    if callable(dump):
        data = dump(mode="python", exclude_none=True)
        if isinstance(data, dict):
            return data
    raise InputError(
        "the installation must be a dict or an Installation model", field="installation"
    )


def _dec(value: object, where: str, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"expected a number, found {value!r}", location=where, field=field)
    try:
        return Decimal(str(value).strip())
    except ArithmeticError:
        raise InputError(
            f"expected a number, found {value!r}", location=where, field=field
        ) from None


class _Plan:
    """The cells to write, per sheet, checked against the blank's formulas."""

    def __init__(self, grids: dict[str, lay.Grid], source: str) -> None:
        self.grids = grids
        self.source = source
        self.cells: dict[str, dict[tuple[int, int], Value]] = {}

    def put(self, sheet: str, cell: tuple[int, int], value: Value | None) -> None:
        if value is None:
            return
        grid = self.grids[sheet]
        if lay.is_formula(grid.raw(*cell)):
            raise InputError(
                "the blank template holds a formula in this cell; the library never overwrites "
                "a formula (is this the official blank template?)",
                source=self.source,
                location=grid.where(*cell),
            )
        self.cells.setdefault(sheet, {})[cell] = value

    def put_if_input(self, sheet: str, cell: tuple[int, int], value: Value | None) -> None:
        """Write a helper cell (a unit) only where the blank leaves it to the user."""
        if not lay.is_formula(self.grids[sheet].raw(*cell)):
            self.put(sheet, cell, value)


def _lookup_list(book: Any, name: str) -> list[object]:
    try:
        defined = book.defined_names[name]
    except KeyError:
        return []
    return _range_values(book, defined.destinations)


def _plan(data: dict[str, Any], grids: dict[str, lay.Grid], book: Any, source: str) -> _Plan:
    plan = _Plan(grids, source)
    goods = {
        lay.norm(g): str(g) for g in _lookup_list(book, "CONST_LIST_Goods") if isinstance(g, str)
    }
    countries = {
        str(code).strip(): str(name)
        for code, name in zip(
            _lookup_list(book, "CNTR_ListCountriesCode"),
            _lookup_list(book, "CNTR_ListCountriesName"),
            strict=False,
        )
        if isinstance(code, str) and isinstance(name, str)
    }

    def good_name(value: object, where: str) -> str:
        text = lay.norm(value)
        text = _GOOD_ALIASES.get(text, text)
        if text in goods:
            return goods[text]
        if re.fullmatch(r"[\d .]{4,}", str(value)):
            try:
                from cbam import goods as catalogue

                template = catalogue.good(str(value)).template_category
                if lay.norm(template) in goods:
                    return goods[lay.norm(template)]
            except (ImportError, AttributeError):
                pass
        raise InputError(
            f"good {value!r} is not one of the template's aggregated goods categories "
            f"({', '.join(sorted(goods.values()))})",
            location=where,
            field="good",
        )

    # ---- A_InstData ------------------------------------------------------------------
    inst_grid = grids["A_InstData"]
    inst = lay.inst_layout(inst_grid)
    head = data.get("installation") or {}
    period = data.get("reporting_period") or {}
    for key, cell in (("start", inst.period_start), ("end", inst.period_end)):
        if period.get(key):
            try:
                day = dt.date.fromisoformat(str(period[key]))
            except ValueError:
                raise InputError(
                    f"not an ISO date: {period[key]!r}",
                    location=f"reporting_period.{key}",
                    field=key,
                ) from None
            plan.put("A_InstData", cell, day)
    if head.get("name") is not None:
        plan.put("A_InstData", inst.details["name"], str(head["name"]))
    if head.get("country"):
        code = validate_country(str(head["country"]))
        if code not in countries:
            raise InputError(
                f"country {code} is not in the template's country list",
                location="installation.country",
                field="country",
            )
        plan.put("A_InstData", inst.details["country"], countries[code])

    processes: list[dict[str, Any]] = list(data.get("processes") or [])
    if len(processes) > len(inst.process_rows):
        raise InputError(
            f"{len(processes)} processes, the template has room for {len(inst.process_rows)}",
            location="processes",
        )
    slot = {str(p.get("id")): i for i, p in enumerate(processes, start=1)}
    category: list[str] = []
    for index, proc in enumerate(processes):
        name = good_name(proc.get("good"), f"processes[{index}].good")
        if name not in category:
            category.append(name)
    if len(category) > len(inst.goods_rows):
        raise InputError("more goods categories than the template has rows", location="processes")
    for row, name in zip(inst.goods_rows, category, strict=False):
        plan.put("A_InstData", (row, inst.goods_col), name)
    for row, (index, proc) in zip(inst.process_rows, enumerate(processes), strict=False):
        plan.put(
            "A_InstData",
            (row, inst.process_cols["good"]),
            good_name(proc.get("good"), f"processes[{index}].good"),
        )
        plan.put(
            "A_InstData", (row, inst.process_cols["name"]), str(proc.get("name") or proc.get("id"))
        )

    # Purchased precursors: one template entry per distinct (name, good, country, SEE).
    bought: list[dict[str, Any]] = []
    uses: list[dict[int, Decimal]] = []
    internal: dict[tuple[int, int], Decimal] = {}
    for p_index, proc in enumerate(processes):
        for q_index, prec in enumerate(proc.get("precursors") or []):
            where = f"processes[{p_index}].precursors[{q_index}]"
            mass = _dec(prec.get("mass"), where, "mass")
            if mass is None:
                raise InputError("a precursor needs its mass", location=where, field="mass")
            if prec.get("from_process") is not None:
                origin = slot.get(str(prec["from_process"]))
                if origin is None:
                    raise InputError(
                        f"from_process {prec['from_process']!r} names no process",
                        location=where,
                        field="from_process",
                    )
                internal[(origin, p_index + 1)] = (
                    internal.get((origin, p_index + 1), Decimal(0)) + mass
                )
                continue
            entry = {
                "name": str(prec.get("name") or prec.get("good")),
                "good": good_name(prec.get("good"), where + ".good"),
                "country": validate_country(str(prec["country"])) if prec.get("country") else None,
                "see_direct": _dec(prec.get("see_direct"), where, "see_direct"),
                "see_indirect": _dec(prec.get("see_indirect"), where, "see_indirect"),
                "electricity_mwh_per_t": _dec(
                    prec.get("electricity_mwh_per_t"), where, "electricity_mwh_per_t"
                ),
                "electricity_ef": _dec(prec.get("electricity_ef"), where, "electricity_ef"),
            }
            if entry not in bought:
                bought.append(entry)
                uses.append({})
            use = uses[bought.index(entry)]
            use[p_index + 1] = use.get(p_index + 1, Decimal(0)) + mass
    if len(bought) > len(inst.precursor_rows):
        raise InputError(
            f"{len(bought)} purchased precursors, the template has room for "
            f"{len(inst.precursor_rows)}",
            location="processes",
        )
    cols = inst.precursor_cols
    for row, entry in zip(inst.precursor_rows, bought, strict=False):
        plan.put("A_InstData", (row, cols["good"]), entry["good"])
        plan.put("A_InstData", (row, cols["country"]), entry["country"])
        plan.put("A_InstData", (row, cols["name"]), entry["name"])

    # ---- B_EmInst ----------------------------------------------------------------------
    _plan_streams(plan, list(data.get("source_streams") or []))

    # ---- D_Processes -------------------------------------------------------------------
    d_grid = grids["D_Processes"]
    blocks = lay.process_blocks(d_grid)
    for index, proc in enumerate(processes, start=1):
        block = blocks[index - 1]
        where = f"processes[{index - 1}]"
        c = block.cells
        put = plan.put
        sheet = "D_Processes"
        put(
            sheet,
            (block.production_rows[0], block.value_col),
            _dec(proc.get("activity_level"), where, "activity_level"),
        )
        put(
            sheet,
            c["direct_emissions"],
            _dec(proc.get("direct_emissions"), where, "direct_emissions"),
        )
        heat = proc.get("heat") or {}
        waste = proc.get("waste_gas") or {}
        elec = proc.get("electricity") or {}
        for key in ("imported_tj", "imported_ef", "exported_tj", "exported_ef"):
            put(sheet, c[f"heat_{key}"], _dec(heat.get(key), where + ".heat", key))
        for key in ("imported_tj", "exported_tj"):
            put(sheet, c[f"waste_gas_{key}"], _dec(waste.get(key), where + ".waste_gas", key))
        put(
            sheet,
            c["electricity_consumed_mwh"],
            _dec(elec.get("consumed_mwh"), where + ".electricity", "consumed_mwh"),
        )
        put(
            sheet,
            c["electricity_ef"],
            _dec(elec.get("emission_factor"), where + ".electricity", "emission_factor"),
        )
        put(
            sheet,
            c["electricity_produced_mwh"],
            _dec(elec.get("produced_mwh"), where + ".electricity", "produced_mwh"),
        )
        put(
            sheet,
            c["electricity_produced_ef"],
            _dec(elec.get("produced_ef"), where + ".electricity", "produced_ef"),
        )
        # The "applicable" switches grey out sections; set them from the data given.
        if "heat" in block.applicable:
            put(sheet, block.applicable["heat"], any(_dec(v, where, "heat") for v in heat.values()))
        if "waste_gas" in block.applicable:
            put(
                sheet,
                block.applicable["waste_gas"],
                any(_dec(v, where, "waste_gas") for v in waste.values()),
            )
        others = [i for i in range(1, len(blocks) + 1) if i != index]
        for row, other in zip(block.consumed_rows, others, strict=False):
            mass = internal.get((index, other))
            if mass is not None:
                put(sheet, (row, block.value_col), mass)

    # ---- E_PurchPrec -------------------------------------------------------------------
    e_blocks = lay.precursor_blocks(grids["E_PurchPrec"])
    for entry, use, e_block in zip(bought, uses, e_blocks, strict=False):
        sheet = "E_PurchPrec"
        c = e_block.cells
        total = sum(use.values(), Decimal(0))
        plan.put(sheet, (e_block.purchased_rows[0], e_block.value_col), total)
        for process, mass in use.items():
            plan.put(sheet, (e_block.consumed_rows[process - 1], e_block.value_col), mass)
        plan.put(sheet, c["see_direct"], entry["see_direct"])
        per_t, ef = entry["electricity_mwh_per_t"], entry["electricity_ef"]
        if per_t is None or ef is None:
            # The template splits SEE (indirect) into MWh/t x t CO2/MWh; with only the product
            # known, it goes in as consumption with a factor of 1 (the product is exact).
            per_t, ef = (
                entry["see_indirect"],
                (Decimal(1) if entry["see_indirect"] is not None else None),
            )
        plan.put(sheet, c["electricity_mwh_per_t"], per_t)
        plan.put(sheet, c["electricity_ef"], ef)

    # ---- Summary_Products: the CN codes of each process ---------------------------------
    s_layout = lay.summary_layout(grids["Summary_Products"])
    lines = [
        (str(p.get("name") or p.get("id")), cn)
        for p in processes
        for cn in (p.get("cn_codes") or [])
    ]
    if len(lines) > len(s_layout.rows):
        raise InputError("more CN codes than Summary_Products has rows", location="processes")
    for row, (name, cn) in zip(s_layout.rows, lines, strict=False):
        plan.put("Summary_Products", (row, s_layout.cols["process"]), name)
        plan.put(
            "Summary_Products",
            (row, s_layout.cols["cn"]),
            str(cn).replace(" ", "").replace(".", "")[:8],
        )
    return plan


def _plan_streams(plan: _Plan, streams: list[dict[str, Any]]) -> None:
    """B_EmInst tables (a) source streams and (b) PFC."""
    layout = lay.stream_layout(plan.grids["B_EmInst"])
    sheet = "B_EmInst"
    regular = [s for s in streams if s.get("method") != "pfc_slope"]
    pfc = [s for s in streams if s.get("method") == "pfc_slope"]
    if len(regular) > len(layout.stream_rows) or len(pfc) > len(layout.pfc_rows):
        raise InputError(
            "more source streams than the template has rows", location="source_streams"
        )
    cols = layout.stream_cols
    for row, stream in zip(layout.stream_rows, regular, strict=False):
        where = f"source_streams[{streams.index(stream)}]"
        method = str(stream.get("method"))
        if method not in _METHOD_TEXT:
            raise InputError(
                f"method {method!r} has no place in the template", location=where, field="method"
            )
        plan.put(sheet, (row, cols["Method"]), _METHOD_TEXT[method])
        plan.put(sheet, (row, cols["Source stream name"]), str(stream.get("name") or ""))
        plan.put(
            sheet,
            (row, cols["Activity data (AD)"]),
            _dec(stream.get("activity_data"), where, "activity_data"),
        )
        plan.put_if_input(sheet, (row, cols["AD Unit"]), "t")
        if method == "combustion":
            plan.put(
                sheet,
                (row, cols["Net calorific value (NCV)"]),
                _dec(stream.get("ncv"), where, "ncv"),
            )
            plan.put_if_input(sheet, (row, cols["EF Unit"]), "tCO2/TJ")
        if method == "process":
            plan.put_if_input(sheet, (row, cols["EF Unit"]), "tCO2/t")
        if method in ("combustion", "process"):
            plan.put(
                sheet,
                (row, cols["Emission factor (EF)"]),
                _dec(stream.get("emission_factor"), where, "emission_factor"),
            )
        if method == "mass_balance":
            plan.put(
                sheet,
                (row, cols["Carbon content"]),
                _dec(stream.get("carbon_content"), where, "carbon_content"),
            )
        # The template takes these factors as percentages (0..100).
        for key, header in (
            ("oxidation_factor", "Oxidation factor (OxF)"),
            ("conversion_factor", "Conversion factor (ConvF)"),
            ("biomass_fraction", "Biomass content (BioC)"),
        ):
            value = _dec(stream.get(key), where, key)
            if value is not None:
                plan.put(sheet, (row, cols[header]), value * _HUNDRED)
    pcols = layout.pfc_cols
    for row, stream in zip(layout.pfc_rows, pfc, strict=False):
        where = f"source_streams[{streams.index(stream)}]"
        plan.put(sheet, (row, pcols["Method"]), "Slope method")
        plan.put(sheet, (row, pcols["Technology type"]), str(stream.get("name") or ""))
        for key, header in (
            ("production", "Activity data (AD)"),
            ("anode_effect_frequency", "A: Frequency"),
            ("anode_effect_duration", "A: Duration"),
            ("slope_cf4", "A: SEF(CF4)"),
            ("c2f6_weight_fraction", "F(C2F6)"),
            ("collection_efficiency", "Collection efficiency, %"),
        ):
            plan.put(sheet, (row, pcols[header]), _dec(stream.get(key), where, key))


# --------------------------------------------------------------------------------------------
# Package-level writing


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
        text.text = value
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
    """
    blank, target = Path(template), Path(out)
    if target.exists() and blank.exists() and os.path.samefile(blank, target):
        # The blank template is only read: replacing it would lose the user's only copy.
        raise InputError(
            "the output is the blank template itself; write the filled workbook elsewhere",
            source=str(target),
        )
    data = _as_dict(installation)
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
        plan = _plan(data, grids, shown, str(blank))
    finally:
        shown.close()
        raw.close()

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(blank) as source, zipfile.ZipFile(tmp, "w") as dest:
            parts = _sheet_parts(source)
            changed = {parts[sheet]: cells for sheet, cells in plan.cells.items()}
            for info in source.infolist():
                payload = source.read(info.filename)
                if info.filename in changed:
                    payload = _write_cells(payload, changed[info.filename])
                elif info.filename == "xl/workbook.xml":
                    payload = _recalc_on_load(payload)
                dest.writestr(info, payload, compress_type=zipfile.ZIP_DEFLATED)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
