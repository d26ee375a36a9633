"""The Commission's communication template for installations: read it, fill it.

Entry point of the template support (``cbam template read|fill``, ``cbam see WORKBOOK.xlsx``):

- :func:`read_template` turns a filled template (v2.x) into the installation-file shape of
  interfaces.md section 1 plus the workbook's own SEE per good (``workbook_summary``);
- :func:`fill_template` writes an installation into a copy of a blank official template.

Tables are found by their English header text (see :mod:`cbam.formats.template_layout`), never
by fixed cells, and the version in sheet ``0_Versions`` is checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from cbam.formats.template_fill import fill_template
from cbam.formats.template_read import TESTED_VERSIONS, read_workbook

__all__ = ["TESTED_VERSIONS", "TemplateWorkbook", "fill_template", "read_template"]


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
    details:
        Template content outside the installation shape: address details, goods included in
        a bubble, purchased precursors with their electricity split, source streams that the
        template does not attribute to a process, the Summary_Communication rows.
    """

    installation: Any
    installation_dict: dict[str, Any]
    workbook_summary: list[dict[str, Any]]
    version: str
    source: Path
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """The ``cbam template read --json`` document (Decimals left as Decimal)."""
        doc: dict[str, Any] = dict(self.installation_dict)
        doc["workbook_summary"] = [
            {k: v for k, v in row.items() if k != "location"} for row in self.workbook_summary
        ]
        doc["template_version"] = self.version
        doc["notes"] = list(self.notes)
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
    """
    file = Path(path)
    data, summary, version, notes, details = read_workbook(file)
    return TemplateWorkbook(
        installation=_validated(data, str(file)),
        installation_dict=data,
        workbook_summary=summary,
        version=version,
        source=file,
        notes=notes,
        details=details,
    )
