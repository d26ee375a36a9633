"""Code lists of the QReport (UNOFFICIAL reconstruction) and the codes the report builder uses.

The XSD enumerates no codes: the Commission publishes them in its "Report Structure ver 23.00"
workbook, which is not available to this project. ``reference/data/codelists/*.csv`` holds the
lists as reconstructed from third-party generators (``code,label[,description,validity_date]``).
They are data, not code: a user with the official lists points :func:`load_codelists` (and the
builder's ``codelists`` argument) at a folder of CSV files of the same names.

A code not found in a list is *reported* (a note), never refused: the lists are unofficial. The
codes for which no reconstructed list exists (determination type, measurement units) are
settings of :class:`QReportCodes`, documented as assumptions in docs/qreport.md.
"""

from __future__ import annotations

import csv
import hashlib
import os
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from cbam.errors import ReferenceDataError
from cbam.reference.manifest import DATA_DIR, DatasetInfo

CODELIST_DIR = DATA_DIR / "codelists"
DATASET_ID = "qreport_codelists"

#: Which list each coded element uses (element -> CSV file stem).
ELEMENT_LISTS = {
    "ReportingPeriod": "Reporting_period",
    "Role": "Role",
    "RequestedProc": "Customs_Procedure",
    "PreviousProc": "Customs_Procedure",
    "ImportArea": "Area_of_import",
    "ApplicableReportingTypeMethodology": "Reporting_Rule",
    "ElectricitySource": "Source_of_electricity",
    "MethodId": "ProductionMethod",
    "ParameterId": "EmissionQualifParams",
    "InstrumentType": "Instrument",
    "Type": "Goods_Document",
    "CoordinatesType": "Coordinate_System",
}


class QReportCodes(BaseModel):
    """The codes the builder writes. Defaults follow the reconstructed lists where they exist;
    the others are ASSUMPTIONS (no list available) - replace them with the official codes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unit_tonnes: str = Field(default="01", max_length=5)
    """MeasurementUnit of net mass and of t CO2e per t (assumed code)."""
    unit_mwh: str = Field(default="02", max_length=5)
    """MeasurementUnit of electricity in MWh and t CO2 per MWh (assumed code)."""
    determination_actual: str = Field(default="01", max_length=5)
    """DeterminationType of actual data (assumed code)."""
    determination_default: str = Field(default="02", max_length=5)
    """DeterminationType of default values (assumed code)."""
    reporting_methodology: str = Field(default="TOM01", max_length=5)
    """ApplicableReportingTypeMethodology: Commission rules (Reporting_Rule list)."""
    electricity_source: str = Field(default="SOE03", max_length=5)
    """ElectricitySource of indirect emissions: received from the grid (list)."""
    import_area: str = Field(default="EU", max_length=5)
    """ImportArea: by customs import declaration (Area_of_import list)."""
    default_procedure: str = Field(default="40", min_length=2, max_length=2)
    """RequestedProc for lines that give no customs procedure (release for free circulation)."""
    quantity_indicator: int = Field(default=0, ge=0, le=9)
    """MeasureProcedureImported Indicator (assumed code)."""
    clinker_parameter: str = Field(default="QPD02", max_length=5)
    """ParameterId of the clinker content of cement (EmissionQualifParams list)."""
    nitrogen_parameter: str = Field(default="QPD09", max_length=5)
    """ParameterId of the nitrogen content of fertilisers (EmissionQualifParams list)."""


def _read_list(path: Path) -> dict[str, str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise ReferenceDataError(f"cannot read the code list: {exc}", source=str(path)) from None
    if rows and ("code" not in rows[0] or "label" not in rows[0]):
        raise ReferenceDataError(
            "a code list needs the columns code and label", source=str(path), location="row 1"
        )
    return {(r["code"] or "").strip(): (r["label"] or "").strip() for r in rows if r.get("code")}


@cache
def _load(folder: Path) -> dict[str, dict[str, str]]:
    if not folder.is_dir():
        raise ReferenceDataError("the code-list folder does not exist", source=str(folder))
    return {path.stem: _read_list(path) for path in sorted(folder.glob("*.csv"))}


def load_codelists(folder: str | os.PathLike[str] | None = None) -> dict[str, dict[str, str]]:
    """Code lists by name (CSV file stem) -> {code: label}; the packaged unofficial ones by
    default, or those of ``folder``."""
    return _load(Path(folder).resolve() if folder is not None else CODELIST_DIR)


def _same(a: str, b: str) -> bool:
    """Codes compare as written, and numerically when both are digits (``01`` = ``1``)."""
    return a == b or (a.isdigit() and b.isdigit() and int(a) == int(b))


def check_code(element: str, code: str, lists: dict[str, dict[str, str]]) -> str | None:
    """None when ``code`` is in the list of ``element`` (or no list applies), else a note."""
    name = ELEMENT_LISTS.get(element)
    if name is None or name not in lists:
        return None
    known = lists[name]
    if any(_same(code, k) for k in known):
        return None
    return (
        f"{element} code {code!r} is not in the code list {name} (unofficial reconstruction; "
        f"known: {', '.join(sorted(known))}): check it against the Commission's list"
    )


def codelists_dataset(folder: Path = CODELIST_DIR) -> DatasetInfo:
    """Manifest entry of the packaged lists. ``sha256`` is that of the lines
    ``<sha256>  <file name>`` of every list (sorted), since the source is several files."""
    lines = sorted(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in folder.glob("*.csv")
    )
    digest = hashlib.sha256(("\n".join(lines) + "\n").encode()).hexdigest()
    return DatasetInfo(
        id=DATASET_ID,
        title="QReport v23.00 code lists (UNOFFICIAL reconstruction, replaceable)",
        legal_act="none: reconstructed from third-party generators, not the Commission's "
        "'Report Structure ver 23.00' workbook",
        version="unofficial",
        version_date="2023-01-01",
        source_file="codelists-unofficial/*.csv",
        sha256=digest,
        files=tuple(f"codelists/{p.name}" for p in sorted(folder.glob("*.csv"))),
    )
