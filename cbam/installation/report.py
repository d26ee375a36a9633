"""A communication template's own results compared with the library's (``cbam see``).

For a Commission communication template the workbook's own results (sheet Summary_Products) are
compared with the library's: :func:`workbook_differences` lists every CN code where they differ,
so that a consultant sees at once whether the operator's workbook and the law's equations agree.
The document itself is made by :func:`cbam.formats.installation_files.see_report`, which reads
the file.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cbam.installation.result import InstallationResult

#: Workbook results are binary doubles; agreement means 1e-6 relative (or 1e-9 absolute).
WORKBOOK_REL = Decimal("1e-6")
WORKBOOK_ABS = Decimal("1e-9")

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


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
