"""``lines.csv``: every assessed customs line with its figures, written while the lines stream.

:class:`LinesCsvWriter` is the ``sink`` of :func:`cbam.declaration.assess.assess`: each
:class:`~cbam.declaration.model.LineResult` becomes one CSV row the moment it is settled, so a
year of lines never sits in memory. Figures are written with every digit of their Decimal
(:func:`cbam.jsonout.decimal_text`), which is why the columns sum exactly to the declaration's
totals. The file appears only when the writer closes without an error: until then the rows go to
a hidden temporary file in the same folder, renamed at the end (deleted on an exception).

Columns are the fields of ``LineResult`` in their declared order; booleans are ``true`` /
``false`` and absent values empty cells. :func:`read_lines_csv` reads the file back into models.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, get_args

from pydantic import ValidationError

from cbam.declaration.model import LineResult
from cbam.errors import InputError
from cbam.jsonout import decimal_text

COLUMNS: tuple[str, ...] = tuple(LineResult.model_fields)
"""The header of ``lines.csv``: every field of :class:`LineResult`, in order."""

# Fields whose absence is written as an empty cell and read back as None.
_OPTIONAL = frozenset(
    name
    for name, info in LineResult.model_fields.items()
    if type(None) in get_args(info.annotation)
)


def cell_text(value: object) -> str:
    """The CSV text of one field: exact decimals, ``true``/``false``, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def line_row(line: LineResult) -> list[str]:
    """The CSV row of one line, in :data:`COLUMNS` order."""
    return [cell_text(getattr(line, name)) for name in COLUMNS]


class LinesCsvWriter:
    """Write ``lines.csv`` one :class:`LineResult` at a time; all or nothing.

    Use as a context manager and pass the writer itself as the assessment's sink::

        with LinesCsvWriter(out / "lines.csv") as sink:
            assessment = assess(lines, 2026, sink=sink)

    The header is written on opening, so a year without lines still gives a valid file.
    ``close()`` and ``abort()`` do the same as leaving the block normally or with an error.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.count = 0
        """Lines written so far."""
        self._tmp: Path | None = None
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def open(self) -> LinesCsvWriter:
        """Start the temporary file and write the header row."""
        if self._handle is not None:
            raise InputError("lines.csv writer is already open", source=str(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        self._tmp = Path(tmp)
        # newline="" lets the csv module write its own line ends (RFC 4180 CRLF).
        self._handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(COLUMNS)
        return self

    def __enter__(self) -> LinesCsvWriter:
        return self.open()

    def __call__(self, line: LineResult) -> None:
        """Write one line (the ``sink`` signature of ``assess()``)."""
        if self._writer is None:
            raise InputError(
                "lines.csv writer is not open; use it in a 'with' block", source=str(self.path)
            )
        self._writer.writerow(line_row(line))
        self.count += 1

    def close(self) -> Path:
        """Finish the file and move it into place; returns the final path."""
        if self._handle is None or self._tmp is None:
            raise InputError("lines.csv writer is not open", source=str(self.path))
        handle, tmp = self._handle, self._tmp
        self._handle, self._tmp, self._writer = None, None, None
        try:
            handle.close()
            os.chmod(tmp, 0o644)  # mkstemp creates 0600; lines.csv is for others to read
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return self.path

    def abort(self) -> None:
        """Drop the temporary file: no ``lines.csv`` is left behind."""
        handle, tmp = self._handle, self._tmp
        self._handle, self._tmp, self._writer = None, None, None
        if handle is not None:
            handle.close()
        if tmp is not None:
            tmp.unlink(missing_ok=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def read_lines_csv(path: str | os.PathLike[str]) -> Iterator[LineResult]:
    """Read a ``lines.csv`` back, one :class:`LineResult` at a time (exact Decimals).

    A file whose header differs from :data:`COLUMNS`, or a row that does not make a valid
    line, is an :class:`~cbam.errors.InputError` naming the file and row.
    """
    source = str(path)
    try:
        handle = open(path, encoding="utf-8", newline="")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise InputError(f"cannot read lines.csv: {exc.strerror}", source=source) from None
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise InputError(
                f"not a lines.csv of this library: the header must be {', '.join(COLUMNS)}",
                source=source,
                location="row 1",
            )
        for number, row in enumerate(reader, start=2):
            if len(row) != len(COLUMNS):
                raise InputError(
                    f"{len(row)} cells where the header has {len(COLUMNS)}",
                    source=source,
                    location=f"row {number}",
                )
            data = {
                name: (None if text == "" and name in _OPTIONAL else text)
                for name, text in zip(COLUMNS, row, strict=True)
            }
            try:
                yield LineResult.model_validate(data)
            except ValidationError as exc:
                first = exc.errors()[0]
                raise InputError(
                    first["msg"],
                    source=source,
                    location=f"row {number}",
                    field=".".join(str(p) for p in first["loc"]),
                ) from None
