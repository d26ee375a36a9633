"""Opening an .xlsx safely: moved to :mod:`cbam.xlsxfile` (kept here for existing imports)."""

from __future__ import annotations

from cbam.xlsxfile import MAX_PART_BYTES, MAX_RATIO, MAX_TOTAL_BYTES, check_archive

__all__ = ["MAX_PART_BYTES", "MAX_RATIO", "MAX_TOTAL_BYTES", "check_archive"]
