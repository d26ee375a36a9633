"""Read the operator's input cells of each template sheet into installation-file sections.

One :class:`SheetReader` per workbook: A_InstData (installation, reporting period, processes and
purchased precursors listed), B_EmInst (source streams), D_Processes (per process data),
E_PurchPrec (purchased precursors' SEE) and Summary_Products (CN codes, the workbook's own SEE).
:mod:`cbam.formats.template.read` assembles the sections into the installation file.

A cell that holds a formula typed by the operator (``=1255000/0.95``) is read through its
stored result; when the workbook carries none (saved by a tool that does not calculate), the
reader stops and says which cell, instead of guessing.

>>> SheetReader({}, "supplier.xlsx").notes
[]
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from openpyxl.workbook.workbook import Workbook

from cbam.codes import iso_from_name, validate_cn, validate_country
from cbam.errors import CbamError, InputError
from cbam.formats.template import layout as lay
from cbam.formats.template.book import defined_values
from cbam.reference.cells import spreadsheet_decimal, to_decimal

#: The template's method texts (B_EmInst column "Method") -> installation-file method.
_METHODS: dict[str, str] = {
    "combustion": "combustion",
    "process emissions": "process",
    "mass balance": "mass_balance",
}

_HUNDRED = Decimal(100)


class SheetReader:
    """Reads one workbook; collects notes on fall-backs and things the shape cannot hold."""

    def __init__(self, grids: dict[str, lay.Grid], source: str) -> None:
        self.g = grids
        self.source = source
        self.notes: list[str] = []
        self.details: dict[str, str] = {}
        self._country_names: dict[str, str] = {}

    # ---- cells -------------------------------------------------------------------------

    def value(self, grid: lay.Grid, row: int, col: int) -> object:
        """The input's value: what was typed, or the stored result of a typed formula."""
        raw = grid.raw(row, col)
        if not lay.is_formula(raw):
            return raw
        shown = grid.shown(row, col)
        if shown is None:
            raise InputError(
                "the cell holds a formula but the workbook has no stored result for it; open "
                "and save it in Excel or LibreOffice so that the results are stored",
                source=self.source,
                location=grid.where(row, col),
            )
        return shown

    def number(self, grid: lay.Grid, row: int, col: int, field: str) -> Decimal | None:
        """A numeric input as Decimal (None when blank); InputError naming the cell for text."""
        value = self.value(grid, row, col)
        if isinstance(value, str) and value.strip().casefold() in {"n.a.", "n/a"}:
            return None
        if isinstance(value, (dt.datetime, dt.date)):
            raise InputError(
                f"expected a number, found the date {value:%Y-%m-%d}",
                source=self.source,
                location=grid.where(row, col),
                field=field,
            )
        try:
            return spreadsheet_decimal(value)
        except ValueError:
            raise InputError(
                f"expected a number, found the text {value!r}",
                source=self.source,
                location=grid.where(row, col),
                field=field,
            ) from None

    def text(self, grid: lay.Grid, row: int, col: int) -> str | None:
        """A text input, stripped; None when blank."""
        value = self.value(grid, row, col)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        return text or None

    def date(self, grid: lay.Grid, row: int, col: int, field: str) -> str | None:
        """An ISO date from a date cell (or an Excel serial number, or ISO text)."""
        value = self.value(grid, row, col)
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            serial = to_decimal(value)
            assert serial is not None
            return (dt.date(1899, 12, 30) + dt.timedelta(days=int(serial))).isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise InputError(
                f"expected a date, found {value!r}",
                source=self.source,
                location=grid.where(row, col),
                field=field,
            ) from None

    # ---- sheets ------------------------------------------------------------------------

    def installation(self) -> tuple[dict[str, Any], lay.InstLayout]:
        grid = self.g["A_InstData"]
        layout = lay.inst_layout(grid)
        inst: dict[str, Any] = {}
        row, col = layout.details["name"]
        name = self.text(grid, row, col)
        if name is None and "name_optional" in layout.details:
            name = self.text(grid, *layout.details["name_optional"])
        inst["name"] = name
        country_cell = layout.details.get("country")
        if country_cell is not None:
            country = self.text(grid, *country_cell)
            inst["country"] = self._country(country, grid, *country_cell) if country else None
        else:
            inst["country"] = None
        details: dict[str, str] = {}
        for key in (
            "street",
            "economic_activity",
            "post_code",
            "po_box",
            "city",
            "unlocode",
            "latitude",
            "longitude",
            "representative",
            "email",
            "telephone",
        ):
            cell = layout.details.get(key)
            if cell is not None:
                found = self.text(grid, *cell)
                if found is not None:
                    details[key] = found
        self.details = details
        return inst, layout

    def _country(self, text: str, grid: lay.Grid, row: int, col: int) -> str:
        """ISO code of a country cell: a code, or a name as the template's list spells it."""
        try:
            if len(text) == 2 and text.isalpha():
                return validate_country(text)
            code = self.country_names.get(lay.norm(text)) or iso_from_name(text)
            return validate_country(code)
        except CbamError as exc:
            raise exc.located(
                source=self.source, location=grid.where(row, col), field="country"
            ) from None

    @property
    def country_names(self) -> dict[str, str]:
        return self._country_names

    def load_country_list(self, shown: Workbook) -> None:
        """The template's own list of country names and codes (c_CodeLists)."""
        names = defined_values(shown, "CNTR_ListCountriesName")
        codes = defined_values(shown, "CNTR_ListCountriesCode")
        for name, code in zip(names, codes, strict=False):
            if isinstance(name, str) and isinstance(code, str):
                self._country_names[lay.norm(name)] = code.strip()

    def period(self, layout: lay.InstLayout) -> dict[str, str | None]:
        grid = self.g["A_InstData"]
        return {
            "start": self.date(grid, *layout.period_start, field="reporting period start"),
            "end": self.date(grid, *layout.period_end, field="reporting period end"),
        }

    def processes_listed(self, layout: lay.InstLayout) -> list[dict[str, Any]]:
        """Production processes of A_InstData section 4(b), in template order."""
        grid = self.g["A_InstData"]
        found: list[dict[str, Any]] = []
        for index, row in enumerate(layout.process_rows, start=1):
            good = self.text(grid, row, layout.process_cols["good"])
            if good is None:
                continue
            name = self.text(grid, row, layout.process_cols["name"])
            included = []
            for col in range(layout.process_cols["included"], layout.process_cols["name"]):
                extra = self.text(grid, row, col)
                if extra is not None:
                    included.append(extra)
            found.append(
                {
                    "index": index,
                    "id": f"P{index}",
                    "name": name or good,
                    "good": good,
                    "included": included,
                }
            )
        return found

    def goods_routes(self, layout: lay.InstLayout) -> dict[str, list[str]]:
        """A_InstData section 4(a): the route names given per goods category (folded name)."""
        grid = self.g["A_InstData"]
        found: dict[str, list[str]] = {}
        for row in layout.goods_rows:
            good = self.text(grid, row, layout.goods_col)
            if good is None:
                continue
            routes = [self.text(grid, row, col) for col in layout.goods_route_cols]
            found.setdefault(lay.norm(good), []).extend(r for r in routes if r)
        return found

    def route_letter(self, names: list[str], codes: list[str], what: str) -> str | None:
        """The one route letter the template's route names determine, else None (noted).

        IR 2025/2547 Annex I route names -> IR 2025/2620 letters (:data:`ROUTE_LETTER_OF_NAME`);
        basic oxygen steelmaking is (C) for carbon and (F) for low-alloy steel codes.
        """
        letters = {lay.ROUTE_LETTER_OF_NAME.get(lay.norm(n)) for n in names}
        if not names or letters == {None}:
            if any(lay.norm(n) == "electric arc furnace" for n in names):
                self.notes.append(
                    f"{what}: the template's 'Electric arc furnace' does not tell DRI (D/G) from "
                    "scrap (E/H); no route letter is read, so the lowest benchmark applies"
                )
            return None
        if len(letters) > 1:
            self.notes.append(
                f"{what}: several production routes ({', '.join(names)}); no single route "
                "letter, so the lowest benchmark applies"
            )
            return None
        letter = letters.pop()
        if letter == "C" and codes:
            from cbam.reference.routes import route_letters

            known = frozenset().union(*(route_letters(c) for c in codes))
            if "C" not in known and "F" in known:
                letter = "F"
        return letter

    def verification(self, layout: lay.InstLayout) -> dict[str, Any] | None:
        """A_InstData section 3: the verifier and accreditation, where filled in.

        The template has no field for the opinion, the statement's date or the report's id
        (IR 2025/2546 Annex 1.2, 2.6): the block read is incomplete, so the values count as
        unverified until the installation file completes it.
        """
        grid = self.g["A_InstData"]
        cells = layout.verifier
        found = {key: self.text(grid, *cell) for key, cell in cells.items()}
        if not any(found.values()):
            return None
        block = {
            "verifier": found.get("name"),
            "accreditation": found.get("accreditation"),
            "accreditation_body": found.get("accreditation_body"),
            "accreditation_country": found.get("accreditation_country"),
        }
        self.notes.append(
            "the template names the verifier but has no field for the verification opinion, its "
            "date or the report id: the verification block is incomplete, so the values count "
            "as unverified (Reg. (EU) 2023/956 Art. 8) until the installation file completes it"
        )
        return {k: v for k, v in block.items() if v is not None}

    def precursors_listed(self, layout: lay.InstLayout) -> dict[int, dict[str, Any]]:
        """Purchased precursors of A_InstData section 5, by their number."""
        grid = self.g["A_InstData"]
        found: dict[int, dict[str, Any]] = {}
        cols = layout.precursor_cols
        for index, row in enumerate(layout.precursor_rows, start=1):
            good = self.text(grid, row, cols["good"])
            if good is None:
                continue
            country = self.text(grid, row, cols["country"])
            routes = [self.text(grid, row, col) for col in layout.precursor_route_cols]
            found[index] = {
                "name": self.text(grid, row, cols["name"]) or good,
                "good": good,
                "country": self._country(country, grid, row, cols["country"]) if country else None,
                "route_names": [r for r in routes if r],
            }
        return found

    def source_streams(self) -> list[dict[str, Any]]:
        """Source streams (B_EmInst (a)) and PFC streams (B_EmInst (b))."""
        grid = self.g["B_EmInst"]
        layout = lay.stream_layout(grid)
        cols = layout.stream_cols
        streams: list[dict[str, Any]] = []
        for row in layout.stream_rows:
            method_text = self.text(grid, row, cols["Method"])
            name = self.text(grid, row, cols["Source stream name"])
            ad = self.number(grid, row, cols["Activity data (AD)"], "activity data")
            if method_text is None and ad is None:
                continue
            where = grid.where(row, cols["Method"])
            method = _METHODS.get(lay.norm(method_text))
            if method is None:
                raise InputError(
                    f"unknown source-stream method {method_text!r} (expected Combustion, "
                    "Process emissions or Mass balance)",
                    source=self.source,
                    location=where,
                    field="method",
                )
            stream: dict[str, Any] = {
                "name": name or f"source stream {row}",
                "method": method,
                "activity_data": ad,
            }
            ncv = self.number(grid, row, cols["Net calorific value (NCV)"], "net calorific value")
            ef = self.number(grid, row, cols["Emission factor (EF)"], "emission factor")
            carbon = self.number(grid, row, cols["Carbon content"], "carbon content")
            oxf = self.number(grid, row, cols["Oxidation factor (OxF)"], "oxidation factor")
            convf = self.number(grid, row, cols["Conversion factor (ConvF)"], "conversion factor")
            bio = self.number(grid, row, cols["Biomass content (BioC)"], "biomass content")
            if method == "combustion":
                stream["ncv"] = ncv
                stream["emission_factor"] = ef
                self._check_unit(grid, row, cols["EF Unit"], {"tco2/tj"}, "emission factor unit")
            elif method == "process":
                stream["emission_factor"] = ef
            else:
                stream["carbon_content"] = carbon
            # The template asks for the factors as percentages (0..100); the file takes 0..1.
            if oxf is not None and method == "combustion":
                stream["oxidation_factor"] = oxf / _HUNDRED
            if convf is not None and method == "process":
                stream["conversion_factor"] = convf / _HUNDRED
            if bio is not None and method != "process":
                stream["biomass_fraction"] = bio / _HUNDRED
            streams.append({k: v for k, v in stream.items() if v is not None})
        pcols = layout.pfc_cols
        for row in layout.pfc_rows:
            ad = self.number(grid, row, pcols["Activity data (AD)"], "activity data")
            method_text = self.text(grid, row, pcols["Method"])
            if ad is None and method_text is None:
                continue
            if lay.norm(method_text) != "slope method":
                raise InputError(
                    f"PFC method {method_text!r} is not supported (only the slope method)",
                    source=self.source,
                    location=grid.where(row, pcols["Method"]),
                    field="method",
                )
            streams.append(
                {
                    "name": self.text(grid, row, pcols["Technology type"]) or f"PFC {row}",
                    "method": "pfc_slope",
                    "production": ad,
                    "anode_effect_frequency": self.number(
                        grid, row, pcols["A: Frequency"], "frequency"
                    ),
                    "anode_effect_duration": self.number(
                        grid, row, pcols["A: Duration"], "duration"
                    ),
                    "slope_cf4": self.number(grid, row, pcols["A: SEF(CF4)"], "SEF(CF4)"),
                    "c2f6_weight_fraction": self.number(grid, row, pcols["F(C2F6)"], "F(C2F6)"),
                    "collection_efficiency": self.number(
                        grid, row, pcols["Collection efficiency, %"], "collection efficiency"
                    ),
                }
            )
        for row in layout.source_rows:
            if self.text(grid, row, layout.source_cols["Name"]) is not None:
                self.notes.append(
                    f"B_EmInst row {row}: measurement-based emission sources are not carried into "
                    "the installation file; their emissions count through the processes' DirEm*"
                )
        return streams

    def _check_unit(
        self, grid: lay.Grid, row: int, col: int, allowed: set[str], field: str
    ) -> None:
        unit = self.text(grid, row, col)
        if unit is not None and lay.norm(unit) not in allowed:
            raise InputError(
                f"unit {unit!r} is not supported here (expected {', '.join(sorted(allowed))})",
                source=self.source,
                location=grid.where(row, col),
                field=field,
            )

    def process_data(self, listed: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
        """D_Processes: per listed process its activity level, DirEm*, heat, waste gas..."""
        grid = self.g["D_Processes"]
        blocks = {b.number: b for b in lay.process_blocks(grid)}
        by_index = {p["index"]: p for p in listed}
        data: dict[int, dict[str, Any]] = {}
        for index in by_index:
            block = blocks.get(index)
            if block is None:
                raise InputError(
                    f"process P{index} is listed in A_InstData but D_Processes has no block for it",
                    source=self.source,
                    location=f"sheet {grid.title}",
                )
            c = block.cells
            num = self.number
            level = Decimal(0)
            any_level = False
            for row in block.production_rows:
                amount = num(grid, row, block.value_col, "activity level")
                if amount is not None:
                    level += amount
                    any_level = True
            item: dict[str, Any] = {
                "activity_level": level if any_level else None,
                "direct_emissions": num(
                    grid, *c["direct_emissions"], "directly attributable emissions"
                ),
                "heat": {
                    "imported_tj": num(grid, *c["heat_imported_tj"], "heat imported"),
                    "imported_ef": num(
                        grid, *c["heat_imported_ef"], "heat imported emission factor"
                    ),
                    "exported_tj": num(grid, *c["heat_exported_tj"], "heat exported"),
                    "exported_ef": num(
                        grid, *c["heat_exported_ef"], "heat exported emission factor"
                    ),
                },
                "waste_gas": {
                    "imported_tj": num(grid, *c["waste_gas_imported_tj"], "waste gas imported"),
                    "exported_tj": num(grid, *c["waste_gas_exported_tj"], "waste gas exported"),
                },
                "electricity": {
                    "consumed_mwh": num(
                        grid, *c["electricity_consumed_mwh"], "electricity consumption"
                    ),
                    "emission_factor": num(
                        grid, *c["electricity_ef"], "electricity emission factor"
                    ),
                    "produced_mwh": num(
                        grid, *c["electricity_produced_mwh"], "electricity exported"
                    ),
                    "produced_ef": num(
                        grid, *c["electricity_produced_ef"], "electricity exported emission factor"
                    ),
                    "ef_source": self.ef_source(grid, c["electricity_ef_source"]),
                },
                "consumed_by": {},
            }
            # Section (c) lists the other processes in template order, skipping this one.
            others = [i for i in range(1, len(blocks) + 1) if i != index]
            for row, other in zip(block.consumed_rows, others, strict=False):
                mass = num(grid, row, block.value_col, "consumed in other production processes")
                if mass:
                    item["consumed_by"][other] = mass
            data[index] = item
        return data

    def purchased(self, listed: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
        """E_PurchPrec: per listed precursor its SEE and the mass each process consumed."""
        grid = self.g["E_PurchPrec"]
        blocks = {b.number: b for b in lay.precursor_blocks(grid)}
        result: dict[int, dict[str, Any]] = {}
        for index, precursor in listed.items():
            block = blocks.get(index)
            if block is None:
                raise InputError(
                    f"purchased precursor PP{index} is listed in A_InstData but E_PurchPrec has "
                    "no block for it",
                    source=self.source,
                    location=f"sheet {grid.title}",
                )
            c = block.cells
            see_direct = self.number(grid, *c["see_direct"], "SEE (direct)")
            per_t = self.number(
                grid, *c["electricity_mwh_per_t"], "specific electricity consumption"
            )
            ef = self.number(grid, *c["electricity_ef"], "electricity emission factor")
            see_indirect = self._see_indirect(grid, c["see_indirect"], per_t, ef)
            consumed: dict[int, Decimal] = {}
            for process, row in enumerate(block.consumed_rows, start=1):
                mass = self.number(grid, row, block.value_col, "consumed in production processes")
                if mass:
                    consumed[process] = mass
            result[index] = {
                **precursor,
                "electricity_ef_source": self.ef_source(grid, c["electricity_ef_source"]),
                "see_direct": see_direct,
                "see_indirect": see_indirect,
                "electricity_mwh_per_t": per_t,
                "electricity_ef": ef,
                "consumed": consumed,
            }
        return result

    def _see_indirect(
        self, grid: lay.Grid, cell: tuple[int, int], per_t: Decimal | None, ef: Decimal | None
    ) -> Decimal | None:
        """Template sheet E item iv: SEE (indirect) = specific consumption x EF (MWh/t x t/MWh)."""
        raw = grid.raw(*cell)
        if not lay.is_formula(raw):
            # Some workbooks hold a typed value here; take it as the operator's figure.
            return self.number(grid, *cell, "SEE (indirect)")
        stored = grid.shown(*cell)
        if stored not in (None, ""):
            return self.number(grid, *cell, "SEE (indirect)")
        if per_t is None or ef is None:
            return None
        return per_t * ef

    def summary(self, sheet: str) -> list[dict[str, Any]]:
        """The workbook's own SEE per good (cached results)."""
        grid = self.g[sheet]
        layout = lay.summary_layout(grid)
        cols = layout.cols
        rows: list[dict[str, Any]] = []
        for row in layout.rows:
            cn_text = _text(grid.shown(row, cols["cn"]))
            see_d = grid.shown(row, cols["see_direct"])
            if cn_text is None or see_d in (None, ""):
                continue
            entry: dict[str, Any] = {
                "cn": validate_cn(cn_text),
                "process": _text(grid.shown(row, cols["process"])),
                "good": _text(grid.shown(row, cols["good"])),
                "product": _text(grid.shown(row, cols["product"])),
                "see_direct": self._cached(grid, row, cols["see_direct"], "SEE (direct)"),
                "see_indirect": self._cached(grid, row, cols["see_indirect"], "SEE (indirect)"),
                "see_total": self._cached(grid, row, cols["see_total"], "SEE (total)"),
                "location": f"sheet {sheet}, row {row}",
            }
            for key in ("electricity_mwh_per_t", "electricity_ef"):
                if key in cols:
                    entry[key] = self._cached(grid, row, cols[key], key)
            if "ef_source" in cols:
                entry["electricity_ef_source"] = _text(grid.shown(row, cols["ef_source"]))
            rows.append(entry)
        return rows

    def ef_source(self, grid: lay.Grid, cell: tuple[int, int]) -> str | None:
        """A "Source of the emission factor" selection (D.4(a) ... Mix), None when empty."""
        text = self.text(grid, *cell)
        if text is None:
            return None
        from cbam.installation.model import ef_source

        try:
            return ef_source(text)
        except ValueError as exc:
            raise InputError(
                str(exc), source=self.source, location=grid.where(*cell), field="ef_source"
            ) from None

    def uncalculated(self, sheet: str) -> list[int]:
        """Rows of a products table that name a process but hold no stored SEE: the workbook's
        formulas were never calculated (a file :func:`cbam.formats.template.fill_template`
        wrote, not yet opened and saved in a spreadsheet program)."""
        grid = self.g[sheet]
        layout = lay.summary_layout(grid)
        cols = layout.cols
        return [
            row
            for row in layout.rows
            if _text(grid.raw(row, cols["process"])) is not None
            and not lay.is_formula(grid.raw(row, cols["process"]))
            and grid.shown(row, cols["see_direct"]) in (None, "")
        ]

    def _cached(self, grid: lay.Grid, row: int, col: int, field: str) -> Decimal | None:
        value = grid.shown(row, col)
        try:
            return spreadsheet_decimal(value)
        except ValueError:
            raise InputError(
                f"the workbook's result is not a number: {value!r}",
                source=self.source,
                location=grid.where(row, col),
                field=field,
            ) from None

    def cn_codes(self) -> dict[str, list[str]]:
        """CN codes per process name, from the operator's entries in Summary_Products."""
        grid = self.g["Summary_Products"]
        layout = lay.summary_layout(grid)
        found: dict[str, list[str]] = {}
        for row in layout.rows:
            process = self.text(grid, row, layout.cols["process"])
            cn = self.text(grid, row, layout.cols["cn"])
            if process is None or cn is None:
                continue
            try:
                code = validate_cn(cn)
            except CbamError as exc:
                raise exc.located(
                    source=self.source, location=grid.where(row, layout.cols["cn"]), field="CN code"
                ) from None
            codes = found.setdefault(lay.norm(process), [])
            if code not in codes:
                codes.append(code)
        return found


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
