"""Which cells of a blank communication template receive which values of an installation.

:func:`plan_cells` walks the installation file (interfaces.md section 1) sheet by sheet and
collects the values per cell in a :class:`CellPlan`, which refuses any cell that holds a formula
in the blank. Nothing is written here: :mod:`cbam.formats.template.fill` copies the blank and
puts the planned values into it.

>>> _dec("0.95", "processes[0]", "mass")
Decimal('0.95')
>>> _dec("lots", "processes[0]", "mass")
Traceback (most recent call last):
    ...
cbam.errors.InputError: processes[0], field 'mass': expected a number, found 'lots'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl.workbook.workbook import Workbook

from cbam.codes import validate_country
from cbam.errors import InputError
from cbam.formats.template import layout as lay
from cbam.formats.template.book import defined_values

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


def as_dict(installation: Any) -> dict[str, Any]:
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


class CellPlan:
    """The cells to write, per sheet, checked against the blank's formulas."""

    def __init__(self, grids: dict[str, lay.Grid], source: str) -> None:
        self.grids = grids
        self.source = source
        self.cells: dict[str, dict[tuple[int, int], Value]] = {}
        self.notes: list[str] = []
        """What the filled workbook leaves for its user to choose, and why."""

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


class _GoodNames:
    """Goods categories as the template's own list (``CONST_LIST_Goods``) spells them."""

    def __init__(self, book: Workbook) -> None:
        self.goods = {
            lay.norm(g): str(g)
            for g in defined_values(book, "CONST_LIST_Goods")
            if isinstance(g, str)
        }

    def __call__(self, value: object, where: str) -> str:
        text = lay.norm(value)
        text = _GOOD_ALIASES.get(text, text)
        if text in self.goods:
            return self.goods[text]
        if re.fullmatch(r"[\d .]{4,}", str(value)):
            try:
                from cbam import goods as catalogue

                template = catalogue.good(str(value)).template_category
                if lay.norm(template) in self.goods:
                    return self.goods[lay.norm(template)]
            except (ImportError, AttributeError):
                pass
        raise InputError(
            f"good {value!r} is not one of the template's aggregated goods categories "
            f"({', '.join(sorted(self.goods.values()))})",
            location=where,
            field="good",
        )


def _countries(book: Workbook) -> dict[str, str]:
    """ISO code -> the country's name in the template's own list."""
    return {
        str(code).strip(): str(name)
        for code, name in zip(
            defined_values(book, "CNTR_ListCountriesCode"),
            defined_values(book, "CNTR_ListCountriesName"),
            strict=False,
        )
        if isinstance(code, str) and isinstance(name, str)
    }


class _Lists:
    """The template's own drop-down lists, spelled as the template spells them."""

    def __init__(self, book: Workbook) -> None:
        def first(name: str, default: str) -> str:
            found = [v for v in defined_values(book, name) if isinstance(v, str)]
            return found[0] if found else default

        self.not_applicable = first("CONST_NA", "n.a.")
        self.only_direct = first("CONST_OnlyDirProd", "Only direct production")
        self.methods = _texts(defined_values(book, "CONST_MonitoringApproach"))
        self.ef_sources = _texts(defined_values(book, "CONST_ElecSource"))
        self.origins = _texts(defined_values(book, "CONST_MeasDefaultUnknown"))
        goods = defined_values(book, "CONST_LIST_Goods")
        matrix = defined_values(book, "CONST_MATRIX_ProductionRoute")
        width = len(matrix) // len(goods) if goods else 0
        #: Goods category (folded) -> its production routes where the template asks for one.
        self.routes: dict[str, list[str]] = {}
        for index, good in enumerate(goods):
            names = [
                str(v)
                for v in matrix[index * width : (index + 1) * width]
                if isinstance(v, str) and lay.norm(v) != lay.norm(self.not_applicable)
            ]
            if len(names) > 1:
                self.routes[lay.norm(good)] = names

    def pick(self, options: dict[str, str], value: object, where: str, field: str) -> str:
        """The option of a list that ``value`` names (case-insensitive); InputError otherwise."""
        found = options.get(lay.norm(value))
        if found is None:
            raise InputError(
                f"{value!r} is not one of the template's choices ({', '.join(options.values())})",
                location=where,
                field=field,
            )
        return found

    def unknown_route(self, category: str) -> str | None:
        """The category's "Unknown production routes" choice, if it has one."""
        return next(
            (
                r
                for r in self.routes.get(lay.norm(category), [])
                if lay.norm(r).startswith("unknown")
            ),
            None,
        )


def _texts(values: list[object]) -> dict[str, str]:
    return {lay.norm(v): str(v) for v in values if isinstance(v, str)}


@dataclass
class _Precursors:
    """Purchased precursors (one template entry per distinct name, good, country and SEE),
    the mass of each that each process uses, and the masses passed between processes."""

    bought: list[dict[str, Any]] = field(default_factory=list)
    uses: list[dict[int, Decimal]] = field(default_factory=list)
    internal: dict[tuple[int, int], Decimal] = field(default_factory=dict)


def plan_cells(
    data: dict[str, Any], grids: dict[str, lay.Grid], book: Workbook, source: str
) -> CellPlan:
    """The cells an installation fills in a blank template, sheet by sheet.

    Besides the figures, every selection the template's formulas depend on is made from the
    installation: the goods categories (with those produced inside a process's boundaries) and
    their production routes, each process's included categories ("Only direct production"
    when none), DirEm* from the process's source streams, the sources of electricity emission
    factors and of a purchased precursor's values. What the installation cannot tell is left
    to the workbook's user and said in :attr:`CellPlan.notes`.
    """
    plan = CellPlan(grids, source)
    good_name = _GoodNames(book)
    lists = _Lists(book)
    inst = lay.inst_layout(grids["A_InstData"])
    _plan_installation(plan, data, inst, _countries(book))
    processes: list[dict[str, Any]] = list(data.get("processes") or [])
    streams: list[dict[str, Any]] = list(data.get("source_streams") or [])
    _plan_processes_listed(plan, processes, inst, good_name, lists)
    precursors = _collect_precursors(processes, good_name)
    _plan_precursors_listed(plan, precursors.bought, inst)
    _plan_streams(plan, streams, lists)
    _plan_process_blocks(plan, processes, precursors.internal, _stream_totals(streams), lists)
    _plan_purchased(plan, precursors, lists)
    _plan_summary(plan, processes)
    return plan


def _stream_totals(streams: list[dict[str, Any]]) -> dict[str, Decimal]:
    """DirEm* per process id: the sum of its source streams (IR 2025/2547 Annex II B)."""
    if not streams:
        return {}
    from pydantic import TypeAdapter, ValidationError

    from cbam.installation.model import SourceStream
    from cbam.installation.streams import stream_emissions

    adapter: TypeAdapter[Any] = TypeAdapter(SourceStream)
    totals: dict[str, Decimal] = {}
    for index, stream in enumerate(streams):
        where = f"source_streams[{index}]"
        try:
            parsed = adapter.validate_python(stream)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"][1:]) or "method"
            raise InputError(str(first["msg"]), location=where, field=field) from None
        process = str(stream.get("process") or "")
        emitted = stream_emissions(parsed).fossil
        totals[process] = totals.get(process, Decimal(0)) + emitted
    return totals


def _plan_installation(
    plan: CellPlan, data: dict[str, Any], inst: lay.InstLayout, countries: dict[str, str]
) -> None:
    """A_InstData: the reporting period, the installation's name and country."""
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
    verification = data.get("verification") or {}
    for key, name in (
        ("name", "verifier"),
        ("accreditation", "accreditation"),
        ("accreditation_body", "accreditation_body"),
        ("accreditation_country", "accreditation_country"),
    ):
        if verification.get(name) and key in inst.verifier:
            plan.put("A_InstData", inst.verifier[key], str(verification[name]))
    if head.get("country"):
        code = validate_country(str(head["country"]))
        if code not in countries:
            raise InputError(
                f"country {code} is not in the template's country list",
                location="installation.country",
                field="country",
            )
        plan.put("A_InstData", inst.details["country"], countries[code])


def _plan_processes_listed(
    plan: CellPlan,
    processes: list[dict[str, Any]],
    inst: lay.InstLayout,
    good_name: _GoodNames,
    lists: _Lists,
) -> None:
    """A_InstData sections 4(a) and 4(b): the goods categories and the production processes."""
    if len(processes) > len(inst.process_rows):
        raise InputError(
            f"{len(processes)} processes, the template has room for {len(inst.process_rows)}",
            location="processes",
        )
    included = [_included(proc, index, good_name) for index, proc in enumerate(processes)]
    category: list[str] = []
    for index, proc in enumerate(processes):
        for name in (good_name(proc.get("good"), f"processes[{index}].good"), *included[index]):
            if name not in category:
                category.append(name)
    if len(category) > len(inst.goods_rows):
        raise InputError("more goods categories than the template has rows", location="processes")
    routes = _category_routes(processes, included, good_name)
    for row, name in zip(inst.goods_rows, category, strict=False):
        plan.put("A_InstData", (row, inst.goods_col), name)
        chosen = routes.get(name, [])
        unknown = lists.unknown_route(name)
        if not chosen and unknown is not None:
            chosen = [unknown]
            plan.notes.append(
                f"{name}: the installation file gives no route letter that names its production "
                f"route; '{unknown}' is selected (A_InstData section 4(a)): choose the route there"
            )
        for col, route in zip(inst.goods_route_cols, chosen, strict=False):
            plan.put("A_InstData", (row, col), route)
    cols = inst.process_cols
    for row, (index, proc) in zip(inst.process_rows, enumerate(processes), strict=False):
        good = good_name(proc.get("good"), f"processes[{index}].good")
        plan.put("A_InstData", (row, cols["good"]), good)
        plan.put("A_InstData", (row, cols["name"]), str(proc.get("name") or proc.get("id")))
        inside = included[index] or [lists.only_direct]
        slots = range(cols["included"], cols["name"])
        if len(inside) > len(slots):
            raise InputError(
                f"{len(inside)} included goods categories, the template has room for {len(slots)}",
                location=f"processes[{index}]",
                field="included_goods",
            )
        for col, name in zip(slots, inside, strict=False):
            plan.put("A_InstData", (row, col), name)


def _included(proc: dict[str, Any], index: int, good_name: _GoodNames) -> list[str]:
    """The goods categories a process produces inside its boundaries, as the template names them."""
    where = f"processes[{index}].included_goods"
    names: list[str] = []
    for number, good in enumerate(proc.get("included_goods") or []):
        name = good_name(good, f"{where}[{number}]")
        if name not in names:
            names.append(name)
    return names


def _route_name(category: str, route: object) -> str | None:
    """The template's name of a route letter for a goods category, if it has one."""
    if not route:
        return None
    return lay.ROUTE_NAME_OF_LETTER.get((lay.norm(category), str(route).strip("()").upper()))


def _category_routes(
    processes: list[dict[str, Any]], included: list[list[str]], good_name: _GoodNames
) -> dict[str, list[str]]:
    """Route names per goods category from the processes' route letters (section 4(a)).

    A process's letter names the route of its own category and of the categories produced
    inside it (a BF/BOF steelworks, letter C: pig iron by the blast furnace route, crude steel
    by basic oxygen steelmaking).
    """
    found: dict[str, list[str]] = {}
    for index, proc in enumerate(processes):
        own = good_name(proc.get("good"), f"processes[{index}].good")
        for category in (own, *included[index]):
            name = _route_name(category, proc.get("route"))
            if name is not None and name not in found.setdefault(category, []):
                found[category].append(name)
    return found


def _collect_precursors(processes: list[dict[str, Any]], good_name: _GoodNames) -> _Precursors:
    """Every process's precursors: made in another process (by slot number) or purchased."""
    slot = {str(p.get("id")): i for i, p in enumerate(processes, start=1)}
    found = _Precursors()
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
                key = (origin, p_index + 1)
                found.internal[key] = found.internal.get(key, Decimal(0)) + mass
                continue
            entry = _purchased_entry(prec, where, good_name)
            if entry not in found.bought:
                found.bought.append(entry)
                found.uses.append({})
            use = found.uses[found.bought.index(entry)]
            use[p_index + 1] = use.get(p_index + 1, Decimal(0)) + mass
    return found


def _purchased_entry(prec: dict[str, Any], where: str, good_name: _GoodNames) -> dict[str, Any]:
    """What the template records about one purchased precursor (A_InstData 5 and E_PurchPrec)."""
    good = good_name(prec.get("good"), where + ".good")
    return {
        "name": str(prec.get("name") or prec.get("good")),
        "good": good,
        "route": _route_name(good, prec.get("route")),
        "country": validate_country(str(prec["country"])) if prec.get("country") else None,
        "see_direct": _dec(prec.get("see_direct"), where, "see_direct"),
        "see_indirect": _dec(prec.get("see_indirect"), where, "see_indirect"),
        "electricity_mwh_per_t": _dec(
            prec.get("electricity_mwh_per_t"), where, "electricity_mwh_per_t"
        ),
        "electricity_ef": _dec(prec.get("electricity_ef"), where, "electricity_ef"),
        "electricity_ef_source": prec.get("electricity_ef_source"),
    }


def _plan_precursors_listed(
    plan: CellPlan, bought: list[dict[str, Any]], inst: lay.InstLayout
) -> None:
    """A_InstData section 5: the purchased precursors."""
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
        if entry["route"] and inst.precursor_route_cols:
            plan.put("A_InstData", (row, inst.precursor_route_cols[0]), entry["route"])


def _plan_process_blocks(
    plan: CellPlan,
    processes: list[dict[str, Any]],
    internal: dict[tuple[int, int], Decimal],
    stream_totals: dict[str, Decimal],
    lists: _Lists,
) -> None:
    """D_Processes: one block per process, in the order of A_InstData."""
    blocks = lay.process_blocks(plan.grids["D_Processes"])
    for index, proc in enumerate(processes, start=1):
        block = blocks[index - 1]
        where = f"processes[{index - 1}]"
        _plan_process_block(plan, block, proc, where)
        if proc.get("direct_emissions") is None and str(proc.get("id")) in stream_totals:
            # The template takes DirEm* as typed by the operator: the sum of the streams.
            plan.put(
                "D_Processes", block.cells["direct_emissions"], stream_totals[str(proc.get("id"))]
            )
        _plan_ef_source(plan, block, proc, where, lists)
        others = [i for i in range(1, len(blocks) + 1) if i != index]
        for row, other in zip(block.consumed_rows, others, strict=False):
            mass = internal.get((index, other))
            if mass is not None:
                plan.put("D_Processes", (row, block.value_col), mass)


def _plan_process_block(
    plan: CellPlan, block: lay.ProcessBlock, proc: dict[str, Any], where: str
) -> None:
    """One D_Processes block: activity level, DirEm*, heat, waste gases, electricity."""
    c = block.cells
    put = plan.put
    sheet = "D_Processes"
    put(
        sheet,
        (block.production_rows[0], block.value_col),
        _dec(proc.get("activity_level"), where, "activity_level"),
    )
    put(sheet, c["direct_emissions"], _dec(proc.get("direct_emissions"), where, "direct_emissions"))
    heat = proc.get("heat") or {}
    waste = proc.get("waste_gas") or {}
    elec = proc.get("electricity") or {}
    for key in ("imported_tj", "imported_ef", "exported_tj", "exported_ef"):
        put(sheet, c[f"heat_{key}"], _dec(heat.get(key), where + ".heat", key))
    for key in ("imported_tj", "exported_tj"):
        put(sheet, c[f"waste_gas_{key}"], _dec(waste.get(key), where + ".waste_gas", key))
    for cell, key in (
        ("electricity_consumed_mwh", "consumed_mwh"),
        ("electricity_ef", "emission_factor"),
        ("electricity_produced_mwh", "produced_mwh"),
        ("electricity_produced_ef", "produced_ef"),
    ):
        put(sheet, c[cell], _dec(elec.get(key), where + ".electricity", key))
    # The "applicable" switches grey out sections; set them from the data given.
    if "heat" in block.applicable:
        put(sheet, block.applicable["heat"], any(_dec(v, where, "heat") for v in heat.values()))
    if "waste_gas" in block.applicable:
        put(
            sheet,
            block.applicable["waste_gas"],
            any(_dec(v, where, "waste_gas") for v in waste.values()),
        )


def _plan_ef_source(
    plan: CellPlan, block: lay.ProcessBlock, proc: dict[str, Any], where: str, lists: _Lists
) -> None:
    """D_Processes (j) iii: the source of the electricity emission factor, where known."""
    elec = proc.get("electricity") or {}
    if elec.get("ef_source"):
        choice = lists.pick(
            lists.ef_sources, elec["ef_source"], where + ".electricity", "ef_source"
        )
        plan.put("D_Processes", block.cells["electricity_ef_source"], choice)
    elif elec.get("emission_factor") is not None:
        plan.notes.append(
            f"process {proc.get('id')}: the source of its electricity emission factor "
            "(electricity.ef_source) is not given; choose it in D_Processes (j) iii"
        )


def _plan_purchased(plan: CellPlan, precursors: _Precursors, lists: _Lists) -> None:
    """E_PurchPrec: per purchased precursor its masses, SEE (direct) and electricity.

    A value the supplier gave is an actual one: its source is "Measured" (the template's other
    choices, "Default" and "Unknown", are for values the installation file does not hold).
    """
    measured = lists.origins.get("measured")
    e_blocks = lay.precursor_blocks(plan.grids["E_PurchPrec"])
    sheet = "E_PurchPrec"
    for entry, use, e_block in zip(precursors.bought, precursors.uses, e_blocks, strict=False):
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
        if measured is not None:
            if entry["see_direct"] is not None:
                plan.put(sheet, c["see_direct_source"], measured)
            if per_t is not None:
                plan.put(sheet, c["electricity_mwh_per_t_source"], measured)
        if entry["electricity_ef_source"] is not None:
            where = f"precursor {entry['name']!r}"
            source = lists.pick(
                lists.ef_sources, entry["electricity_ef_source"], where, "electricity_ef_source"
            )
            plan.put(sheet, c["electricity_ef_source"], source)
        elif ef is not None:
            plan.notes.append(
                f"precursor {entry['name']!r}: the source of its electricity emission factor "
                "(electricity_ef_source) is not given; choose it in E_PurchPrec (e) iii"
            )


def _plan_summary(plan: CellPlan, processes: list[dict[str, Any]]) -> None:
    """Summary_Products: the CN codes of each process."""
    s_layout = lay.summary_layout(plan.grids["Summary_Products"])
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


def _plan_streams(plan: CellPlan, streams: list[dict[str, Any]], lists: _Lists) -> None:
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
        text = _METHOD_TEXT[method]
        plan.put(sheet, (row, cols["Method"]), lists.methods.get(lay.norm(text), text))
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
