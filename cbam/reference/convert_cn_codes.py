"""Communication template ``Parameters_CNCodes`` -> ``data/cn_codes.csv`` (the goods catalogue).

The template (Commission communication template for installations, v2.1.1) lists the 8-digit
CN codes of Reg. (EU) 2023/956 Annex I with the template's "CBAM good" category. Each row is
checked against the Annex I headings and exclusions kept in :mod:`cbam.goods`; a row the law
does not support stops the conversion instead of being copied.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cbam.codes import compact_cn, format_cn, validate_cn
from cbam.errors import InputError, ReferenceDataError
from cbam.files import write_text_atomic
from cbam.goods import (
    CATALOGUE_COLUMNS,
    CATALOGUE_FILE,
    annex_i_category,
    category_from_template,
)
from cbam.reference.manifest import DATA_DIR, DatasetInfo, record, sha256_file
from cbam.xlsxfile import open_workbook

SHEET = "Parameters_CNCodes"
VERSIONS_SHEET = "0_Versions"
#: Where a catalogue row comes from (column ``source`` of cn_codes.csv).
FROM_TEMPLATE = "template v2.1.1"
FROM_CN_2025 = "IR 2025/2620 Annex; IR 2025/2621 Annex I (CN 2025 codes)"

#: CN codes of the definitive-period acts that the template (built on an older CN) lacks. CN 2025
#: split urea 3102 10 10 (> 45 % N) into 3102 10 12, 3102 10 15 and 3102 10 19; IR 2025/2620
#: (benchmarks) and IR 2025/2621 Annex I (default values) list only the new codes. They are
#: added here so that the goods catalogue answers for every code the law prices; 3102 10 10
#: stays for data of earlier years. Descriptions shortened from the acts' tables.
CN_2025_ADDITIONS: tuple[tuple[str, str, str], ...] = (
    (
        "31021012",
        "Urea in aqueous solution, > 45 % N on the dry product, >= 31,8 % but <= 33,2 % urea "
        "by weight (excl. packages <= 10 kg)",
        "Urea",
    ),
    (
        "31021015",
        "Urea in aqueous solution, > 45 % N on the dry product, > 33,2 % but <= 55 % urea by "
        "weight (excl. packages <= 10 kg)",
        "Urea",
    ),
    (
        "31021019",
        "Urea, whether or not in aqueous solution, > 45 % N on the dry product (excl. tablets, "
        "packages <= 10 kg and the aqueous solutions of 3102 10 12 and 3102 10 15)",
        "Urea",
    ),
)

LEGAL_ACT = (
    "Reg. (EU) 2023/956 Annex I as amended by Reg. (EU) 2025/2083; "
    "Commission communication template v2.1.1 Parameters_CNCodes"
)


def template_version(workbook: Any, source: str) -> tuple[str, str]:
    """The last ``(version, ISO date)`` of the template's ``0_Versions`` sheet."""
    if VERSIONS_SHEET not in workbook.sheetnames:
        raise ReferenceDataError(f"sheet {VERSIONS_SHEET!r} is missing", source=source)
    found: tuple[str, str] | None = None
    for row in workbook[VERSIONS_SHEET].iter_rows(values_only=True):
        # Version rows have a version label followed by a date; description rows have neither.
        for index, value in enumerate(row[:-1]):
            date = row[index + 1]
            if value is not None and isinstance(date, dt.datetime):
                found = (str(value).strip(), date.date().isoformat())
                break
    if found is None:
        raise ReferenceDataError("no version row found", source=source, location=VERSIONS_SHEET)
    return found


def _header(rows: Iterator[tuple[Any, ...]], source: str) -> tuple[int, dict[str, int]]:
    """Find the header row by its texts; returns (row number, column indexes)."""
    for number, row in enumerate(rows, start=1):
        texts = [str(v).strip() if v is not None else "" for v in row]
        if "CBAM good" in texts and texts.count("CODE_EN") >= 2 and "SELFTEXT" in texts:
            first_code = texts.index("CODE_EN")
            return number, {
                "spaced": first_code,
                "description": texts.index("SELFTEXT"),
                "cn": texts.index("CODE_EN", first_code + 1),
                "category": texts.index("CBAM good"),
            }
    raise ReferenceDataError(
        "no header row with CODE_EN, SELFTEXT and 'CBAM good'", source=source, location=SHEET
    )


def read_cn_codes(workbook_path: Path) -> list[tuple[str, str, str, str, str]]:
    """Rows ``(cn, description, category, template_category, source)`` of the template, checked.

    Raises :class:`ReferenceDataError` naming the sheet and row for a malformed code, a
    category the Annex I headings contradict, or a code listed twice.
    """
    source = workbook_path.name
    workbook = open_workbook(workbook_path)
    try:
        if SHEET not in workbook.sheetnames:
            raise ReferenceDataError(f"sheet {SHEET!r} is missing", source=source)
        rows = workbook[SHEET].iter_rows(values_only=True)
        header_row, col = _header(rows, source)
        out: dict[str, tuple[str, str, str, str, str]] = {}
        for number, row in enumerate(rows, start=header_row + 1):
            raw = row[col["cn"]] if len(row) > col["cn"] else None
            if raw is None or not str(raw).strip():
                continue
            where = f"sheet {SHEET!r}, row {number}"
            try:
                code = validate_cn(str(raw))
            except InputError as exc:
                raise ReferenceDataError(exc.reason, source=source, location=where) from None
            spaced = compact_cn(str(row[col["spaced"]] or ""))
            if spaced != code:
                raise ReferenceDataError(
                    f"the spaced code {row[col['spaced']]!r} differs from {code}",
                    source=source,
                    location=where,
                    field="CODE_EN",
                )
            template_category = str(row[col["category"]] or "")
            try:
                category = category_from_template(template_category, code)
                expected = annex_i_category(code)
            except (InputError, ReferenceDataError) as exc:
                raise ReferenceDataError(
                    exc.reason, source=source, location=where, field="CBAM good"
                ) from None
            if category != expected:
                raise ReferenceDataError(
                    f"CN {format_cn(code)} is listed as {template_category!r} but Annex I "
                    f"gives {expected.name!r}",
                    source=source,
                    location=where,
                    field="CBAM good",
                )
            if code in out:
                raise ReferenceDataError(
                    f"CN {format_cn(code)} listed twice", source=source, location=where
                )
            description = " ".join(str(row[col["description"]] or "").split())
            out[code] = (code, description, category.name, template_category, FROM_TEMPLATE)
        return [out[code] for code in sorted(out)]
    finally:
        workbook.close()


def convert_cn_codes(workbook: str | Path, data_dir: Path = DATA_DIR) -> DatasetInfo:
    """Write ``cn_codes.csv`` from the template and record manifest entry ``cn_codes``.

    The template's 569 codes plus :data:`CN_2025_ADDITIONS` (column ``source`` tells which).
    """
    path = Path(workbook)
    rows = read_cn_codes(path)
    known = {row[0] for row in rows}
    for code, description, name in CN_2025_ADDITIONS:
        if code not in known:  # a newer template may already carry them
            template_name = annex_i_category(code).template_name
            assert annex_i_category(code).name == name
            rows.append((code, description, name, template_name, FROM_CN_2025))
    rows.sort()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CATALOGUE_COLUMNS)
    writer.writerows(rows)
    write_text_atomic(data_dir / CATALOGUE_FILE, buffer.getvalue())

    source = path.name
    opened = open_workbook(path)
    try:
        version, date = template_version(opened, source)
    finally:
        opened.close()
    info = DatasetInfo(
        id="cn_codes",
        title="CBAM goods catalogue: CN codes of Annex I and their aggregated goods categories",
        legal_act=LEGAL_ACT,
        version=f"v{version}",
        version_date=date,
        source_file=source,
        sha256=sha256_file(path),
        files=(CATALOGUE_FILE,),
    )
    record(info, data_dir)
    return info
