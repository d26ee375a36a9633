"""``lines.csv``: every assessed customs line with its figures, written while the lines stream.

:class:`LinesCsvWriter` is the ``sink`` of :func:`cbam.declaration.assess.assess`: each
:class:`~cbam.declaration.model.LineResult` becomes one CSV row the moment it is settled, so a
year of lines never sits in memory. Figures are written with every digit of their Decimal
(:func:`cbam.jsonout.decimal_text`), which is why the columns sum exactly to the declaration's
totals. The file appears only when the writer closes without an error: until then the rows go to
a hidden temporary file in the same folder, renamed at the end (deleted on an exception).

Columns are the fields of ``LineResult`` in their declared order; booleans are ``true`` /
``false`` and absent values empty cells. :func:`read_lines_csv` reads the file back into models,
:func:`read_lines_fields` (cheaper) into tuples of the same values.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import IO, Any, cast, get_args

from pydantic import TypeAdapter, ValidationError

from cbam.declaration.engine import Figures, GoodState, Period
from cbam.declaration.model import LineResult
from cbam.declaration.state import line_values
from cbam.errors import InputError
from cbam.files import append_bytes, atomic_path
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


class _Slot:
    """A value known only per line: a gap in the row template of a good and period.

    ``index`` is its place among the cells :meth:`LinesCsvWriter.write_line` fills in: row,
    line_id, net mass, embedded emissions, free allocation, deduction, certificates, cost,
    exempt.
    """

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


_S = [_Slot(i) for i in range(9)]

#: The cells that tell apart goods valued alike (100,000 installations without supplier data
#: share one valuation): a gap in the template such goods share, filled once per good.
_OWN_CELLS = tuple(COLUMNS.index(name) for name in ("installation_id", "group"))
_OWN = _Slot(-1)
#: Shared templates kept at most: installations with supplier data each have their own, and
#: 100,000 of them would hold about 100 MB for nothing.
_SHARED_MAX = 4096


def _csv_cell(value: object) -> str:
    """A field as the cell of a row: :func:`cell_text`, quoted as ``csv.writer`` would."""
    return _csv_text(cell_text(value))


def _csv_text(text: str) -> str:
    """A cell as ``csv.writer`` writes it (quoted where needed, excel dialect)."""
    if _QUOTED.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


# Characters that make csv.writer quote a cell (excel dialect, QUOTE_MINIMAL).
_QUOTED = re.compile(r'[,"\r\n]')


def _probe(good: GoodState, period: Period) -> list[object]:
    """The cells of a line of ``good`` in ``period`` with a :class:`_Slot` where lines differ."""
    slots: Any = _S
    values = line_values(good, period, slots[0], slots[1], tuple(slots[2:8]), slots[8])
    return [values[name] for name in COLUMNS]


def _pieces(cells: list[object]) -> tuple[list[str], list[_Slot]]:
    """A row's cells cut at its slots: the pieces between them, and the slots in order.

    Each piece holds the cells between two slots and the commas that part them from the slots'
    cells, so that the row is the pieces joined by the slots' texts.
    """
    row = ["" if isinstance(value, _Slot) else _csv_cell(value) for value in cells]
    pieces, slots, start = [], [], 0
    for column, value in enumerate(cells):
        if isinstance(value, _Slot):
            between = row[start:column]
            pieces.append(("," if start else "") + ",".join(between) + ("," if between else ""))
            slots.append(value)
            start = column + 1
    rest = row[start:]
    pieces.append(("," if start and rest else "") + ",".join(rest) + "\r\n")
    return pieces, slots


def _check_slot_order() -> None:
    """write_line fills the gaps of a row template in the order of the slots' indices: make
    sure LineResult's fields still come in that order (the same for every good, so any
    stand-in will do). Else importing this module fails rather than a file being wrong."""
    valuation = SimpleNamespace(
        cn="", country_used="", route=None, route_basis="", basis="", see_used=None, sefa=None
    )
    stand_in = SimpleNamespace(
        valuation=valuation,
        country="",
        installation_id=None,
        label="",
        basis_reason="",
        estimate=False,
        rule="",
        declared_cn=None,
    )
    period = SimpleNamespace(year=0, quarter=0, label="", price=None, assumption=False, basis="")
    cells = _probe(cast(GoodState, stand_in), cast(Period, period))
    order = [v.index for v in cells if isinstance(v, _Slot)]
    if order != sorted(order):
        raise RuntimeError(f"LineResult's per-line fields moved (slots {order}): see write_line")


_check_slot_order()


class LinesCsvWriter:
    """Write ``lines.csv`` one line at a time; all or nothing.

    Use as a context manager and pass the writer itself as the assessment's sink::

        with LinesCsvWriter(out / "lines.csv") as sink:
            assessment = assess(lines, 2026, sink=sink)

    The header is written on opening, so a year without lines still gives a valid file.
    ``close()`` and ``abort()`` do the same as leaving the block normally or with an error.

    The columns are those of :class:`~cbam.declaration.model.LineResult`, filled by
    :func:`cbam.declaration.state.line_values`. The engine hands lines over in parts
    (:meth:`write_line`); the cells that are the same on every line of a good are formatted
    once per good, from that same function, into a row template.
    """

    def __init__(self, path: str | os.PathLike[str], *, header: bool = True) -> None:
        self.path = Path(path)
        self.header = header
        """Write the header row (False for a part of a file split across processes)."""
        self._written = 0
        self._target: Any = None
        self._tmp: Path | None = None
        self._handle: IO[str] | None = None
        self._batch: list[str] = []
        self._templates: dict[tuple[GoodState, Period], tuple[str, ...]] = {}
        # The templates of goods valued alike, by their other cells (see _template).
        self._shared: dict[tuple[object, ...], tuple[list[str], list[_Slot]]] = {}

    @property
    def count(self) -> int:
        """Lines written so far by this writer."""
        return self._written + len(self._batch)

    def open(self) -> LinesCsvWriter:
        """Start the temporary file and write the header row."""
        if self._handle is not None:
            raise InputError("lines.csv writer is already open", source=str(self.path))
        self._target = atomic_path(self.path)
        tmp: Path = self._target.__enter__()
        # newline="" lets the csv module write its own line ends (RFC 4180 CRLF).
        self._handle = tmp.open("w", encoding="utf-8", newline="")
        self._tmp = tmp
        if self.header:
            csv.writer(self._handle).writerow(COLUMNS)
        return self

    def part_path(self, number: int) -> Path:
        """A hidden file beside the temporary file, for part ``number`` of a split run."""
        if self._tmp is None:
            raise InputError("lines.csv writer is not open", source=str(self.path))
        return self._tmp.with_name(f"{self._tmp.name}.{number}")

    def append_file(self, part: Path) -> None:
        """Append the rows of a part written by another writer (``header=False``)."""
        if self._handle is None:
            raise InputError("lines.csv writer is not open", source=str(self.path))
        self._flush_batch()
        # Bytes as they are: the part is UTF-8 written by a writer of this class.
        self._handle.flush()
        append_bytes(part, cast("IO[bytes]", cast("io.TextIOWrapper", self._handle).buffer))

    def __enter__(self) -> LinesCsvWriter:
        return self.open()

    def __call__(self, line: LineResult) -> None:
        """Write one line model (the ``sink`` signature of ``assess()``)."""
        self._check_open()
        self._write(",".join(_csv_cell(getattr(line, n)) for n in COLUMNS) + "\r\n")

    def write_line(
        self,
        good: GoodState,
        period: Period,
        row: int,
        line_id: str | None,
        figures: Figures,
        exempt: bool,
    ) -> None:
        """Write one line given in parts (:class:`cbam.declaration.engine.LineWriter`)."""
        if self._handle is None:
            self._check_open()
        template = self._templates.get((good, period))
        if template is None:
            template = self._templates[(good, period)] = self._template(good, period)
        mass, embedded, allocation, deduction, due, cost = figures
        text = decimal_text
        if due:
            due_text, cost_text = text(due), text(cost)
        else:
            due_text = cost_text = "0"
        p0, p1, p2, p3, p4, p5, p6, p7, p8, p9 = template
        # Each piece of the template, then the cell that follows it (faster than str % cells).
        # fmt: off
        line = "".join((
            p0, str(row),
            p1, (line_id if line_id.isalnum() else _csv_text(line_id)) if line_id else "",
            p2, text(mass),
            p3, text(embedded),
            p4, text(allocation),
            p5, text(deduction) if deduction else "0",
            p6, due_text,
            p7, cost_text,
            p8, "true" if exempt else "false",
            p9,
        ))
        # fmt: on
        batch = self._batch
        batch.append(line)
        if len(batch) >= 4096:
            self._flush_batch()

    def forget_templates(self) -> None:
        """Drop the row templates made so far (a good's lines are all written: its template
        would only hold memory; a later line of it makes the template again)."""
        self._templates = {}
        self._shared = {}

    def _template(self, good: GoodState, period: Period) -> tuple[str, ...]:
        """The row of ``good`` in ``period`` in the pieces around the cells of each line (its
        row number, line id, figures and exempt flag, in that order).

        Made from the template of every good with the same other cells (:meth:`_shared`): the
        good's installation and key are written into its gaps.
        """
        cells = _probe(good, period)
        own = [_csv_cell(cells[column]) for column in _OWN_CELLS]
        for column in _OWN_CELLS:
            cells[column] = _OWN
        key = tuple(cells)
        shared = self._shared.get(key)
        if shared is None:
            if len(self._shared) >= _SHARED_MAX:
                self._shared.clear()  # goods that share nothing: no memory for each of them
            shared = self._shared[key] = _pieces(cells)
        pieces, slots = shared
        made, texts = [pieces[0]], iter(own)
        for slot, piece in zip(slots, pieces[1:], strict=True):
            if slot is _OWN:
                made[-1] += next(texts) + piece
            else:
                made.append(piece)
        return tuple(made)

    def _write(self, text: str) -> None:
        batch = self._batch
        batch.append(text)
        if len(batch) >= 4096:
            self._flush_batch()

    def _check_open(self) -> None:
        if self._handle is None:
            raise InputError(
                "lines.csv writer is not open; use it in a 'with' block", source=str(self.path)
            )

    def _flush_batch(self) -> None:
        self._check_open()
        assert self._handle is not None
        self._written += len(self._batch)
        self._handle.write("".join(self._batch))
        self._batch.clear()

    def close(self) -> Path:
        """Finish the file and move it into place; returns the final path."""
        if self._handle is None:
            raise InputError("lines.csv writer is not open", source=str(self.path))
        try:
            self._flush_batch()
            self._handle.close()
        except BaseException:
            self.abort()
            raise
        target = self._target
        self._handle = self._target = None
        self.forget_templates()
        target.__exit__(None, None, None)
        return self.path

    def abort(self) -> None:
        """Drop the temporary file: no ``lines.csv`` is left behind."""
        handle, target = self._handle, self._target
        self._handle = self._target = None
        self._batch.clear()
        self.forget_templates()
        if handle is not None:
            handle.close()
        if target is not None:
            target.__exit__(_Aborted, _Aborted(), None)

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


class _Aborted(Exception):
    """Tells the atomic file that the writer was aborted (never leaves this module)."""


def read_lines_csv(path: str | os.PathLike[str]) -> Iterator[LineResult]:
    """Read a ``lines.csv`` back, one :class:`LineResult` at a time (exact Decimals).

    A file whose header differs from :data:`COLUMNS`, or a row that does not make a valid
    line, is an :class:`~cbam.errors.InputError` naming the file and row.
    """
    source = str(path)
    for number, row in _rows(path):
        data = {
            name: (None if text == "" and name in _OPTIONAL else text)
            for name, text in zip(COLUMNS, row, strict=True)
        }
        try:
            yield LineResult.model_validate(data)
        except ValidationError as exc:
            raise _row_error(exc, source, number, lambda loc: loc) from None


def read_lines_fields(path: str | os.PathLike[str]) -> Iterator[tuple[Any, ...]]:
    """Read a ``lines.csv`` back as :func:`read_lines_csv` does, each line as the tuple of its
    fields' values in the order of :data:`COLUMNS` instead of a model.

    The same values and the same errors: each cell is validated as its field's type, by the
    same pydantic validators. Less than half the cost, as no model is built.
    """
    source = str(path)
    validate = _fields_validator().validate_python
    optional = [index for index, name in enumerate(COLUMNS) if name in _OPTIONAL]
    for number, row in _rows(path):
        # The reader's own fresh list: its empty optional cells become None in place.
        cells = cast("list[str | None]", row)
        for index in optional:
            if cells[index] == "":
                cells[index] = None
        try:
            yield validate(cells)
        except ValidationError as exc:
            # Errors name the cell by its place in the tuple: name it by its column.
            raise _row_error(
                exc, source, number, lambda loc: (COLUMNS[int(loc[0])], *loc[1:])
            ) from None


@cache
def _fields_validator() -> TypeAdapter[tuple[Any, ...]]:
    """A tuple of :class:`LineResult`'s field types, in the order of :data:`COLUMNS` (the
    model's config, ``frozen``, changes no field's validation)."""
    types = tuple(LineResult.model_fields[name].annotation for name in COLUMNS)
    return TypeAdapter(cast(Any, tuple)[types])


def _rows(path: str | os.PathLike[str]) -> Iterator[tuple[int, list[str]]]:
    """The rows of a ``lines.csv`` after its header, each with its row number in the file."""
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
            yield number, row


def _row_error(
    exc: ValidationError,
    source: str,
    number: int,
    field_path: Callable[[tuple[int | str, ...]], tuple[int | str, ...]],
) -> InputError:
    """The first error of a row; ``field_path`` turns its location into the field's path."""
    first = exc.errors()[0]
    return InputError(
        first["msg"],
        source=source,
        location=f"row {number}",
        field=".".join(str(part) for part in field_path(first["loc"])),
    )
