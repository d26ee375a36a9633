"""Read the Commission's communication template (v2.x) into the installation-file shape.

The installation's *inputs* are read from the template's input cells (sheets A, B, D, E and
Summary_Products columns the operator fills in, :mod:`cbam.formats.template.sheets`); the
workbook's own *results* (SEE per good) are read from the cached values of Summary_Products and
Summary_Communication. No arithmetic beyond what the template itself asks the operator to supply
in two parts: a purchased precursor's SEE (indirect) is its specific electricity consumption
times the electricity emission factor (template sheet E, item iv), read from the workbook when it
stored the result and multiplied here otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from cbam.errors import InputError
from cbam.formats.template import layout as lay
from cbam.formats.template.book import SUPPORTED_MAJOR, TESTED_VERSIONS, open_workbooks
from cbam.formats.template.sheets import SheetReader


@dataclass
class TemplateWorkbook:
    """What :func:`read_template` found in one workbook.

    Attributes
    ----------
    installation:
        The installation (interfaces.md section 1): a validated
        ``cbam.installation.model.Installation`` when that module is available, else the
        plain dict of the same shape (Decimal numbers).
    installation_dict:
        The plain dict, always (what ``cbam template read --json`` prints).
    workbook_summary:
        The workbook's own results from Summary_Products, one dict per good/CN code:
        ``cn``, ``process``, ``good``, ``product``, ``see_direct``, ``see_indirect``,
        ``see_total`` (t CO2e/t, Decimal; None where the workbook shows nothing),
        ``electricity_mwh_per_t``, ``location``.
    version:
        The template version from sheet 0_Versions (``"2.1"``, ``"2.1.1"``).
    source:
        The file read.
    notes:
        What the reader could not carry into the installation shape, and why.
    calculated:
        False when the workbook's formulas were never calculated (a file written by
        :func:`cbam.formats.template.fill_template` and not yet opened and saved in a
        spreadsheet program): ``workbook_summary`` is then empty although processes are listed.
    details:
        Template content outside the installation shape: address details, goods included in
        a bubble, purchased precursors with their electricity split, source streams that the
        template does not attribute to a process, the Summary_Communication rows.
    blank:
        True when no production process is filled in: a blank template, or one an importer
        addressed to its supplier (``cbam suppliers request``); ``installation`` is then None.
    request:
        The request a template addressed by ``cbam suppliers request`` names (who asks, the
        reporting period, the goods), from its ``CBAM_Request`` sheet; None otherwise.
    """

    installation: Any
    installation_dict: dict[str, Any]
    workbook_summary: list[dict[str, Any]]
    version: str
    source: Path
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    calculated: bool = True
    blank: bool = False
    request: dict[str, Any] | None = None

    def to_json_dict(self) -> dict[str, Any]:
        """The ``cbam template read --json`` document (Decimals left as Decimal)."""
        doc: dict[str, Any] = dict(self.installation_dict)
        doc["workbook_summary"] = [
            {k: v for k, v in row.items() if k != "location"} for row in self.workbook_summary
        ]
        doc["template_version"] = self.version
        doc["notes"] = list(self.notes)
        if self.blank:
            doc["blank"] = True
            doc["request"] = self.request
        return doc

    def summary_see(self) -> dict[str, tuple[Decimal | None, Decimal | None]]:
        """The workbook's (SEE direct, SEE indirect) per CN code."""
        return {
            row["cn"]: (row["see_direct"], row["see_indirect"]) for row in self.workbook_summary
        }


def _validated(data: dict[str, Any], source: str) -> Any:
    """The Installation model when the installation engine is importable, else the dict.

    The engine's ``installation_from_dict`` raises InputError (file, JSON path, field) when
    the workbook's inputs do not make a valid installation.
    """
    try:
        from cbam.installation import model
    except ImportError:
        return data
    validate = getattr(model, "installation_from_dict", None)
    if not callable(validate):
        return data
    return validate(data, source=source)


def read_template(path: str | Path) -> TemplateWorkbook:
    """Read a Commission communication template (v2.x) into the installation shape.

    Inputs come from the operator's input cells of sheets A_InstData, B_EmInst, D_Processes,
    E_PurchPrec and Summary_Products (CN codes); the workbook's own SEE per good come from the
    cached results of Summary_Products.

    Parameters
    ----------
    path : str or Path
        The filled template (.xlsx).

    Returns
    -------
    TemplateWorkbook
        The installation (for :func:`cbam.compute_see`), the workbook's own SEE per CN code in
        t CO2e per t, its version, and notes on what could not be carried over.

    Raises
    ------
    InputError
        Naming file, sheet and cell, for a file that is not a template, a damaged file, a text in
        a numeric input cell, or an unsupported version.

    Examples
    --------
    ``reference_dir`` is the folder of the official sources (``../shared/reference``); example 1
    of the Commission's template is a cement installation:

    >>> book = read_template(reference_dir / "xlsx" / "example-1-cement.xlsx")
    >>> book.version, book.installation_dict["installation"]
    ('2.1', {'name': 'Example Cement Producer', 'country': 'TR'})
    >>> [(row["cn"], round(row["see_direct"], 4)) for row in book.workbook_summary]
    [('25232900', Decimal('0.7852'))]

    A template without any production process is blank (perhaps addressed by ``cbam
    suppliers request``): nothing to validate yet.

    >>> blank = read_template(reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx")
    >>> blank.blank, blank.installation, blank.request
    (True, None, None)
    >>> read_template("samples/declarant.json")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: samples/declarant.json: not an Excel workbook (.xlsx): the file is ...
    """
    file = Path(path)
    data, summary, version, notes, details = read_workbook(file)
    if not data["processes"]:
        # Nothing filled in yet: a blank template, perhaps addressed to a supplier.
        from cbam.formats.template.request import read_request

        return TemplateWorkbook(
            None, data, summary, version, file, notes, details,
            blank=True, request=read_request(file),
        )  # fmt: skip
    return TemplateWorkbook(
        installation=_validated(data, str(file)),
        installation_dict=data,
        workbook_summary=summary,
        version=version,
        source=file,
        notes=notes,
        details=details,
        calculated=not details.get("uncalculated_rows"),
    )


def _drop_empty(section: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in section.items() if v is not None}


def _process_entry(
    proc: dict[str, Any],
    listed: list[dict[str, Any]],
    data: dict[int, dict[str, Any]],
    purchased: dict[int, dict[str, Any]],
    cn_by_name: dict[str, list[str]],
    goods_routes: dict[str, list[str]],
    reader: SheetReader,
) -> dict[str, Any]:
    """One process of the installation shape: its data, CN codes, route and precursors."""
    item = data[proc["index"]]
    out: dict[str, Any] = {"id": proc["id"], "name": proc["name"], "good": proc["good"]}
    codes = cn_by_name.get(lay.norm(proc["name"]))
    if codes:
        out["cn_codes"] = codes
    route = reader.route_letter(
        goods_routes.get(lay.norm(proc["good"]), []), codes or [], f"process {proc['id']}"
    )
    if route is not None:
        out["route"] = route
    included = [g for g in proc["included"] if lay.norm(g) != "only direct production"]
    if included:
        out["included_goods"] = included
    if item["activity_level"] is not None:
        out["activity_level"] = item["activity_level"]
    if item["direct_emissions"] is not None:
        out["direct_emissions"] = item["direct_emissions"]
    for key in ("heat", "waste_gas", "electricity"):
        section = _drop_empty(item[key])
        if section:
            out[key] = section
    precursors: list[dict[str, Any]] = []
    for other in listed:
        mass = data[other["index"]]["consumed_by"].get(proc["index"])
        if mass:
            precursors.append({"from_process": other["id"], "mass": mass})
    for bought in purchased.values():
        mass = bought["consumed"].get(proc["index"])
        if not mass:
            continue
        entry = {
            "name": bought["name"],
            "good": bought["good"],
            "country": bought["country"],
            "route": reader.route_letter(bought["route_names"], [], f"precursor {bought['name']}"),
            "mass": mass,
            "see_direct": bought["see_direct"],
            "see_indirect": bought["see_indirect"],
            "electricity_ef_source": bought.get("electricity_ef_source"),
        }
        precursors.append(_drop_empty(entry))
    if precursors:
        out["precursors"] = precursors
    return out


def read_workbook(
    path: Path,
) -> tuple[dict[str, Any], list[dict[str, Any]], str, list[str], dict[str, Any]]:
    """Read a template: (installation dict, workbook summary, version, notes, details)."""
    source = str(path)
    shown, raw = open_workbooks(path)
    grids = lay.grids(shown, raw, source)
    version = lay.version_of(grids["0_Versions"])
    if version.split(".")[0] != SUPPORTED_MAJOR:
        raise InputError(
            f"communication template version {version} is not supported (the library reads "
            f"versions 2.x; tested with {', '.join(sorted(TESTED_VERSIONS))})",
            source=source,
            location="sheet 0_Versions",
            field="version",
        )
    reader = SheetReader(grids, source)
    if version not in TESTED_VERSIONS:
        reader.notes.append(
            f"template version {version} has not been tested; tables were located by their "
            "header text"
        )
    reader.load_country_list(shown)
    shown.close()
    raw.close()
    inst, layout = reader.installation()
    period = reader.period(layout)
    listed = reader.processes_listed(layout)
    data = reader.process_data(listed)
    purchased = reader.purchased(reader.precursors_listed(layout))
    streams = reader.source_streams()
    cn_by_name = reader.cn_codes()
    goods_routes = reader.goods_routes(layout)
    verification = reader.verification(layout)

    processes = [
        _process_entry(proc, listed, data, purchased, cn_by_name, goods_routes, reader)
        for proc in listed
    ]

    unattributed: list[dict[str, Any]] = []
    if len(processes) == 1:
        for stream in streams:
            stream["process"] = processes[0]["id"]
    elif streams:
        unattributed = streams
        streams = []
        reader.notes.append(
            "the template does not attribute source streams to production processes; with "
            f"{len(processes)} processes they are kept aside (TemplateWorkbook.details"
            "['unattributed_source_streams']) and each process's DirEm* is used"
        )

    installation: dict[str, Any] = {"installation": _drop_empty(inst)}
    if period["start"] or period["end"]:
        installation["reporting_period"] = _drop_empty(period)
    if verification is not None:
        installation["verification"] = verification
    installation["source_streams"] = streams
    installation["processes"] = processes

    details: dict[str, Any] = {
        "installation_details": reader.details,
        "included_goods": {p["id"]: p["included"] for p in listed if p["included"]},
        "purchased_precursors": {
            f"PP{i}": {k: v for k, v in p.items() if k not in ("consumed", "route_names")}
            for i, p in purchased.items()
        },
        "unattributed_source_streams": unattributed,
        "summary_communication": reader.summary("Summary_Communication"),
        "uncalculated_rows": reader.uncalculated("Summary_Products"),
    }
    summary = reader.summary("Summary_Products")
    return installation, summary, version, reader.notes, details
