"""Cutting a large CSV customs file into parts that can be read in parallel.

A part starts at the beginning of a line and has a known first row number, so each part's rows
are numbered as a spreadsheet numbers them (header = row 1) and every error names the right row.
Only files whose rows are their lines are cut: no ``"`` anywhere (a quoted cell may hold a line
break) and no lone CR (the csv module ends a row there).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice, pairwise
from pathlib import Path

from cbam.formats.imports import bounded_lines, sniff_delimiter

_BLOCK = 1 << 20


@dataclass(frozen=True)
class Part:
    """One part of a CSV file: its first byte (a line start), first row and number of rows."""

    start: int
    first_row: int
    rows: int | None
    """Rows in the part; None for the last part (to the end of the file)."""


def split_points(path: Path, parts: int, min_bytes: int) -> list[Part] | None:
    """``parts`` parts of about equal size, or None when the file is not cut.

    None for fewer than two parts, an XLSX or Parquet file, a file smaller than ``min_bytes``, or
    a file whose rows are not its lines (see the module docstring).
    """
    if parts < 2 or path.suffix.lower() in (".xlsx", ".xlsm", ".parquet", ".pq"):
        return None
    size = path.stat().st_size
    if size < min_bytes:
        return None
    found = _cuts(path, size, parts)
    if found is None:
        return None
    header_end, starts, rows = found
    if not starts:
        return None
    starts = [header_end, *starts]
    firsts = [2, *rows]
    counts: list[int | None] = [b - a for a, b in pairwise(firsts)]
    counts.append(None)
    return [Part(s, f, c) for s, f, c in zip(starts, firsts, counts, strict=True)]


def _cuts(path: Path, size: int, parts: int) -> tuple[int, list[int], list[int]] | None:
    """End of the header, and the byte offset and row number of each cut after it."""
    targets = [size * k // parts for k in range(1, parts)]
    starts: list[int] = []
    rows: list[int] = []
    header_end = -1
    position = lines = 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            if not block:
                break
            block += handle.readline()  # end every block at a line end: no CRLF is cut
            if b'"' in block or block.count(b"\r") != block.count(b"\r\n"):
                return None
            if header_end < 0:
                header_end = block.find(b"\n") + 1
                if header_end == 0:
                    return None
            end = position + len(block)
            while targets and targets[0] < end:
                cut = block.find(b"\n", max(targets.pop(0) - position, header_end - position))
                if cut < 0 or position + cut + 1 >= size:
                    continue
                start = position + cut + 1
                if not starts or start > starts[-1]:
                    starts.append(start)
                    rows.append(lines + block.count(b"\n", 0, cut + 1) + 1)
            lines += block.count(b"\n")
            position = end
    return header_end, starts, rows


def delimiter_of(path: Path) -> str:
    """The file's delimiter, as the customs reader chooses it."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return sniff_delimiter(handle.read(4096))


def part_rows(path: Path, part: Part, delimiter: str) -> Iterator[list[str]]:
    """The csv rows of one part (its first byte is a line start; no BOM there).

    Lines are bounded as the customs reader bounds them (:func:`bounded_lines`).
    """
    with path.open(newline="", encoding="utf-8") as handle:
        # A UTF-8 text file's seek cookie at a line start is the byte offset itself.
        handle.seek(part.start)
        read = 0
        lines = bounded_lines(handle, str(path), lambda: part.first_row + read)
        reader = csv.reader(lines, delimiter=delimiter)
        for row in reader if part.rows is None else islice(reader, part.rows):
            read += 1
            yield row
