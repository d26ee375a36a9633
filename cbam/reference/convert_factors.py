"""IR 2025/2621 Annexes II and III (legal text) -> grid and electricity factor CSVs.

Annex II gives the average grid emission factor per third country for the indirect emissions
of goods outside Annex II of Reg. (EU) 2023/956; Annex III the CO2 emission factor of imported
electricity. Both are lists "Country or territory  value" in the Official Journal text, with
page headers and footers interleaved and decimal commas. Country names go through
:func:`cbam.codes.iso_from_name`; a name it cannot resolve stops the conversion.

The factors are IEA data under CC BY-NC-SA 4.0 (see :data:`IEA_LICENCE`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cbam.codes import iso_from_name
from cbam.errors import ReferenceDataError, UnknownCountryError
from cbam.files import write_text_atomic
from cbam.reference.cells import to_decimal
from cbam.reference.manifest import DATA_DIR, DatasetInfo, record, sha256_file

GRID_FILE = "grid_factors.csv"
ELECTRICITY_FILE = "electricity_factors.csv"
COLUMNS = ("country", "name", "value", "line")
VERSION = "OJ L 2025/2621"
VERSION_DATE = "2025-12-31"

#: The notice that travels with the values (own words; the Annexes carry the IEA disclaimer).
IEA_LICENCE = (
    "Emission factors based on International Energy Agency (IEA) data, licensed under Creative "
    "Commons CC BY-NC-SA 4.0 (https://creativecommons.org/licenses/by-nc-sa/4.0/). IR "
    "2025/2621 provides them for determining embedded emissions under Reg. (EU) 2023/956; any "
    "other use or redistribution is allowed for non-commercial purposes only, with attribution "
    "and under the same licence. Commercial use needs a licence from the IEA."
)

#: Annex headings as the Official Journal text prints them (one per line).
_ANNEX = re.compile(r"^ANNEX (I{1,3}|IV)\s*$")
#: "China 0,605", "Congo, Democratic Republic of 0", "Other countries and territories 0,465".
_ENTRY = re.compile(r"^(\D.*?)\s+(\d+(?:,\d+)?)$")
#: Lines of the page furniture between entries.
_FURNITURE = ("OJ L", "EN OJ L", "Country or territory", "Emission factor", "(tCO2eq/MWh)")


@dataclass(frozen=True)
class FactorEntry:
    """One country line of Annex II or III."""

    country: str
    """ISO 3166-1 alpha-2, ``"OTHER"`` or ``"EU"``."""
    name: str
    """The name as the legal text prints it."""
    value: Decimal
    line: int
    """1-based line number in the source text."""


def _annex_lines(lines: list[str], annex: str, source: str) -> list[tuple[int, str]]:
    """The numbered lines of one annex (from its heading to the next annex heading)."""
    start: int | None = None
    for index, text in enumerate(lines):
        match = _ANNEX.match(text.strip())
        if match is None:
            continue
        if start is not None:
            return [(n + 1, lines[n]) for n in range(start, index)]
        if match.group(1) == annex:
            start = index + 1
    if start is None:
        raise ReferenceDataError(f"ANNEX {annex} not found", source=source)
    return [(n + 1, lines[n]) for n in range(start, len(lines))]


def parse_annex(text: str, annex: str, source: str = "legal text") -> list[FactorEntry]:
    """The entries of ANNEX ``annex`` ("II" or "III") of IR 2025/2621's text, checked.

    Entries start after the table header "(tCO2eq/MWh)"; page headers and footers are skipped;
    any other line that is not an entry is an error (so a wrapped name cannot go missing).
    """
    entries: list[FactorEntry] = []
    seen: dict[str, int] = {}
    started = False
    for number, raw in _annex_lines(text.split("\n"), annex, source):
        line = raw.strip()
        if not started:
            started = "(tCO2eq/MWh)" in line
            continue
        if not line or line.startswith(_FURNITURE) or "ELI:" in line:
            continue
        match = _ENTRY.match(line)
        where = f"ANNEX {annex}, line {number}"
        if match is None:
            raise ReferenceDataError(
                f"line {line!r} is neither a country entry nor page furniture",
                source=source,
                location=where,
            )
        name, number_text = match.groups()
        try:
            country = iso_from_name(name)
        except UnknownCountryError as exc:
            raise ReferenceDataError(exc.reason, source=source, location=where) from None
        value = to_decimal(number_text)
        assert value is not None  # the pattern only matches digits
        if country in seen:
            raise ReferenceDataError(
                f"{name!r} maps to {country}, already given on line {seen[country]}",
                source=source,
                location=where,
            )
        seen[country] = number
        entries.append(FactorEntry(country, name, value, number))
    if not entries:
        raise ReferenceDataError(f"ANNEX {annex} has no entries", source=source)
    return entries


def _csv(entries: list[FactorEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow([entry.country, entry.name, str(entry.value), entry.line])
    return buffer.getvalue()


def convert_factors(legal_text: str | Path, data_dir: Path = DATA_DIR) -> tuple[DatasetInfo, ...]:
    """Write both CSVs from the text of IR 2025/2621; manifest ids ``grid_factors`` and
    ``electricity_factors``."""
    path = Path(legal_text)
    text = path.read_text(encoding="utf-8")
    grid = parse_annex(text, "II", path.name)
    electricity = parse_annex(text, "III", path.name)
    if grid[-1].country != "OTHER":
        raise ReferenceDataError(
            "Annex II lacks the 'Other countries and territories' entry", source=path.name
        )
    if electricity[-1].country != "EU":
        raise ReferenceDataError("Annex III lacks the 'European Union' entry", source=path.name)
    digest = sha256_file(path)
    infos = []
    for dataset_id, title, annex, file, entries in (
        (
            "grid_factors",
            "Average grid emission factors for indirect emissions",
            "II",
            GRID_FILE,
            grid,
        ),
        (
            "electricity_factors",
            "CO2 emission factors of imported electricity",
            "III",
            ELECTRICITY_FILE,
            electricity,
        ),
    ):
        write_text_atomic(data_dir / file, _csv(entries))
        info = DatasetInfo(
            id=dataset_id,
            title=title,
            legal_act=f"IR 2025/2621 Annex {annex}",
            version=VERSION,
            version_date=VERSION_DATE,
            source_file=path.name,
            sha256=digest,
            files=(file,),
            licence=IEA_LICENCE,
        )
        record(info, data_dir)
        infos.append(info)
    return tuple(infos)
