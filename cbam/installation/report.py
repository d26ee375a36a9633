"""``cbam see``: the SEE document of an installation file or a communication template.

For a Commission communication template the workbook's own results (sheet Summary_Products) are
compared with the library's: the document lists every CN code where they differ, so that a
consultant sees at once whether the operator's workbook and the law's equations agree.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from cbam.installation.lookups import ReferenceLookups
from cbam.installation.model import Installation, load_installation, parse_installation
from cbam.installation.result import InstallationResult
from cbam.installation.see import compute_see

#: Workbook results are binary doubles; agreement means 1e-6 relative (or 1e-9 absolute).
WORKBOOK_REL = Decimal("1e-6")
WORKBOOK_ABS = Decimal("1e-9")

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def see_report(
    path: str | Path,
    *,
    year: int | None = None,
    lookups: ReferenceLookups | None = None,
) -> dict[str, Any]:
    """The ``cbam see --json`` document of an installation file (JSON/YAML) or template.

    ``{"processes": [...contract keys + audit trail...], ...}`` as
    :meth:`InstallationResult.as_dict`; for a workbook also ``workbook_summary`` (the workbook's
    own SEE per CN code) and ``differences`` (one sentence per disagreeing value). Decimals are
    left as Decimal.
    """
    file = Path(path)
    if file.suffix.lower() not in WORKBOOK_SUFFIXES:
        result = compute_see(load_installation(file), year=year, lookups=lookups)
        return result.as_dict()

    # Imported here: the template reader needs openpyxl and is only used for workbooks.
    from cbam.formats.template import read_template

    workbook = read_template(file)
    installation = workbook.installation
    if not isinstance(installation, Installation):
        installation = parse_installation(workbook.installation_dict, source=str(file))
    result = compute_see(installation, year=year, lookups=lookups)
    document = result.as_dict()
    summary = [dict(row) for row in workbook.workbook_summary]
    document["workbook_summary"] = summary
    document["differences"] = workbook_differences(result, summary)
    return document


def workbook_differences(result: InstallationResult, summary: list[dict[str, Any]]) -> list[str]:
    """Sentences naming each CN code whose workbook SEE differs from the computed one."""
    by_cn = {cn: p for p in result.processes for cn in p.cn_codes}
    out: list[str] = []
    for row in summary:
        cn = row.get("cn")
        process = by_cn.get(str(cn)) if cn is not None else None
        where = row.get("location") or "Summary_Products"
        if process is None:
            out.append(f"CN {cn} ({where}) is in the workbook summary but in no process")
            continue
        for key in ("see_direct", "see_indirect"):
            theirs = row.get(key)
            ours: Decimal = getattr(process, key)
            if theirs is None:
                continue
            theirs = Decimal(theirs)
            if abs(ours - theirs) > max(WORKBOOK_REL * abs(theirs), WORKBOOK_ABS):
                out.append(
                    f"CN {cn} ({where}): workbook {key} {theirs}, computed {ours} "
                    f"(process {process.id})"
                )
    return out
