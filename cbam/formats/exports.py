"""Customs exports as they come: their own column names, masses in kg, decimal commas, Parquet
files and DataFrames.

The customs reader (:class:`cbam.formats.imports.LineReader`) reads the library's columns in
plain decimal notation and tonnes. An ERP export differs in its column names ("Warennummer",
"Nettomasse (kg)"), its unit and its numbers ("1.234,56" with ``;`` between the cells). An
:class:`Adapter` turns each row of such an export into the row the reader expects *before* the
reader sees it, by text alone -- columns picked and put in the library's order, decimal commas
rewritten as points, kilograms shifted three places into tonnes -- so the reader's rules and its
speed stay what they are (a plain CSV file gets no adapter at all). Every conversion is exact:
no figure passes through a binary float or a rounding.

The rules, each said in a note when it applies:

* ``columns``: a column map (library column name -> the export's header, :class:`ColumnMap`);
  only the mapped columns are read, the export's other columns are ignored (named in a note).
* mass unit: ``kg`` (``--mass-unit kg``) or a unit in the header of a mass column --
  ``Net mass (kg)``, ``Nettomasse (kg)``, ``net_mass [t]`` -- divides ``net_mass`` and
  ``ip_net_mass`` by 1000 (electricity, CN 2716, stays in MWh). A header unit that contradicts
  ``--mass-unit`` is refused.
* decimal commas: ``--decimal-comma`` reads ``1.234,56`` as 1234.56 in the figure columns. In a
  ``;``-separated file the reader also detects them from the first rows: figures that only a
  decimal comma reads (``1,5``, ``1.234,5``) and none with a decimal point. Figures of both
  kinds are refused, naming a row of each and suggesting the flag; so is a file whose commas
  could be either (``1,500``: 1.5 or 1500) with nothing to tell, and a later figure that breaks
  the file's convention.
* Parquet (the optional extra ``parquet``, pyarrow) is read by record batches; DataFrames (pandas
  or polars, recognised by their methods, neither imported here) row by row. Their values become
  texts by :func:`cell_text`: a binary float only when it is exactly the double of a decimal of
  at most 15 significant digits (then that decimal, which is what was written); any other float
  is refused, with the advice to store the column as decimal or string.

>>> adapter = Adapter.build(["Warennummer", "Land", "Nettomasse (kg)", "Datum"], "sap.csv",
...     ExportFormat(columns={"cn_code": "Warennummer", "country": "Land",
...                           "net_mass": "Nettomasse (kg)", "import_date": "Datum"},
...                  decimal_comma=True))
>>> adapter.names
['cn_code', 'country', 'net_mass', 'import_date']
>>> next(adapter.rows([["7318 15 42", "TW", "1.234,5", "2026-03-02"]], 2))
['7318 15 42', 'TW', '1.2345', '2026-03-02']
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from numbers import Integral
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

from pydantic import RootModel, ValidationError, field_validator

from cbam.errors import CbamError, InputError, install_hint

#: Columns that hold a figure (where decimal commas are rewritten).
FIGURES = (
    "net_mass",
    "supplementary_units",
    "clinker_content",
    "nitrogen_content",
    "carbon_price_deduction",
    "ip_net_mass",
    "carbon_price_paid",
    "carbon_price_rebate",
)
#: Columns that hold a mass (divided by 1000 when given in kg).
MASSES = ("net_mass", "ip_net_mass")
#: Rows of a ``;`` file looked at to detect decimal commas.
SAMPLE_ROWS = 1000
#: Significant digits a binary float holds exactly for every decimal (IEEE 754 double).
FLOAT_DIGITS = 15

_UNIT = re.compile(r"^(?P<name>.*?)\s*[\(\[]\s*(?P<unit>kg|t|tonnes?)\s*[\)\]]\s*$", re.I)
_COMMA_FIGURE = re.compile(r"^-?(?:\d{1,3}(?:[.\s\u00a0\u202f]\d{3})+|\d+)(?:,\d+)?$")
_POINT_FIGURE = re.compile(r"^-?\d*\.\d+$")
_EITHER = re.compile(r"^-?\d{1,3},\d{3}$")
_PLAIN = re.compile(r"^(\d*)(?:\.(\d*))?$")
_SPACES = str.maketrans("", "", " \u00a0\u202f")


def _fold(header: str) -> str:
    return " ".join(header.split()).casefold().lstrip("\ufeff")


class ColumnMap(RootModel[dict[str, str]]):
    """A column map: the library's column name -> the export's header (JSON object).

    >>> ColumnMap.model_validate({"cn_code": "Warennummer", "country": "Ursprung",
    ...                           "net_mass": "Menge", "import_date": "Datum"}).root["net_mass"]
    'Menge'
    >>> column_map({"cn_code": "Warennummer", "country": "Ursprung"}, "map.json")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: map.json, field 'net_mass': required, but the map does not name its ...
    """

    @field_validator("root")
    @classmethod
    def _check(cls, value: dict[str, str]) -> dict[str, str]:
        from cbam.formats.imports import COLUMNS, REQUIRED

        seen: dict[str, str] = {}
        for name, header in value.items():
            if name not in COLUMNS:
                raise ValueError(f"{name}: not a column of the library ({', '.join(COLUMNS)})")
            if not header.strip():
                raise ValueError(f"{name}: names an empty header")
            if _fold(header) in seen:
                raise ValueError(
                    f"{name}: {seen[_fold(header)]} and {name} both name the header {header!r}"
                )
            seen[_fold(header)] = name
        missing = [c for c in REQUIRED if c not in value]
        if "import_date" not in value and not {"year", "quarter"} <= set(value):
            missing.append("import_date (or year and quarter)")
        if missing:
            raise ValueError(f"{missing[0]}: required, but the map does not name its header")
        return value


def column_map(value: dict[str, Any], source: str) -> dict[str, str]:
    """A validated column map; InputError naming ``source`` and the key otherwise."""
    try:
        return ColumnMap.model_validate(value).root
    except ValidationError as exc:
        first = exc.errors()[0]
        words = str(first["msg"]).removeprefix("Value error, ")
        key, _, reason = words.partition(": ")
        if not reason:  # pydantic's own: not an object, not a text
            where = [str(p) for p in first["loc"] if p != "root"]
            key, reason = (where[0] if where else "map"), words
        raise InputError(reason, source=source, field=key) from None


def load_column_map(path: str | Path) -> dict[str, str]:
    """Read a column map file (JSON: ``{"cn_code": "Warennummer", ...}``).

    >>> load_column_map("no-such-map.json")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: no-such-map.json: file not found
    """
    from cbam.files import check_regular
    from cbam.jsonfile import load_json

    file = Path(path)
    if not file.is_file():
        raise InputError("file not found", source=str(file))
    check_regular(file)
    data = load_json(file.read_text(encoding="utf-8-sig"), source=str(file), what="column map")
    if not isinstance(data, dict):
        raise InputError(
            'a column map is a JSON object {"cn_code": "<the export\'s header>", ...}',
            source=str(file),
        )
    return column_map(data, str(file))


@dataclass(frozen=True)
class ExportFormat:
    """How a customs export differs from the library's columns (all optional).

    ``columns``: library column -> the export's header (:class:`ColumnMap`); ``mass_unit``:
    ``"kg"`` or ``"t"`` for every mass column; ``decimal_comma``: True when figures are written
    ``1.234,56``, False when never, None to detect it in a ``;`` file.
    """

    columns: dict[str, str] | None = None
    mass_unit: Literal["t", "kg"] | None = None
    decimal_comma: bool | None = None
    columns_source: str = "--columns"


@dataclass
class Adapter:
    """An export's rows -> the library's rows (columns, decimal commas, kilograms).

    Build it with :meth:`build` from the export's header; ``names`` is the header the customs
    reader then reads and ``notes`` says what the adapter does.
    """

    names: list[str]
    source: str
    pick: Callable[[list[str]], Any] | None = None
    figures: list[int] = field(default_factory=list)
    kilograms: list[int] = field(default_factory=list)
    cn_at: int | None = None
    decimal_comma: bool = False
    notes: list[str] = field(default_factory=list)
    width: int = 0
    """Cells a mapped row needs (shorter rows are padded)."""

    @classmethod
    def build(
        cls,
        header: Sequence[str],
        source: str,
        form: ExportFormat,
        sample: Sequence[list[str]] = (),
        delimiter: str = ",",
    ) -> Adapter:
        """The adapter of an export whose header row is ``header`` (``sample``: its first rows,
        to detect decimal commas in a ``;`` file)."""
        adapter = cls(names=[], source=source)
        positions, units = adapter._columns(list(header), form)
        adapter._units(units, form)
        if positions is not None:
            adapter.pick = itemgetter(*positions, positions[0])  # always a tuple
            adapter.width = max(positions) + 1
            sample = [[row[i] if i < len(row) else "" for i in positions] for row in sample]
        adapter.figures = [i for i, n in enumerate(adapter.names) if n in FIGURES]
        adapter.cn_at = adapter.names.index("cn_code") if "cn_code" in adapter.names else None
        adapter._decimal_comma(form, sample, delimiter)
        return adapter

    @property
    def needed(self) -> bool:
        """False when the rows are the library's as they are (no work per row)."""
        return bool(self.pick or self.kilograms or self.decimal_comma)

    def _columns(
        self, header: list[str], form: ExportFormat
    ) -> tuple[list[int] | None, dict[str, tuple[str, str]]]:
        """The library names (and positions when mapped); units found in the headers."""
        from cbam.formats.imports import normalise_header

        units: dict[str, tuple[str, str]] = {}
        if form.columns is None:
            for text in header:
                found = _UNIT.match(text or "")
                name = normalise_header(text or "")
                if found and normalise_header(found["name"]) in MASSES:
                    name = normalise_header(found["name"])
                    units[name] = (_unit(found["unit"]), text)
                self.names.append(name)
            return None, units
        folded: dict[str, list[int]] = {}
        for index, text in enumerate(header):
            folded.setdefault(_fold(text or ""), []).append(index)
        positions: list[int] = []
        for name, wanted in form.columns.items():
            at = folded.get(_fold(wanted), [])
            if len(at) != 1:
                shown = ", ".join(repr(h) for h in header[:40])
                raise InputError(
                    f"the column map names the header {wanted!r}, which the file's header "
                    + ("has more than once" if at else f"does not have (its columns: {shown})"),
                    source=f"{self.source} (column map {form.columns_source})",
                    location="row 1",
                    field=name,
                )
            positions.append(at[0])
            self.names.append(name)
            found = _UNIT.match(wanted)
            if found and name in MASSES:
                units[name] = (_unit(found["unit"]), wanted)
        ignored = [h for i, h in enumerate(header) if i not in positions and (h or "").strip()]
        if ignored:
            listed = ", ".join(repr(h) for h in ignored[:12]) + (
                " ..." if len(ignored) > 12 else ""
            )
            self.notes.append(
                f"{self.source}: {len(ignored)} column(s) the column map does not name were "
                f"ignored: {listed}"
            )
        return positions, units

    def _units(self, units: dict[str, tuple[str, str]], form: ExportFormat) -> None:
        """Which mass columns are in kg: the header's unit, else ``--mass-unit``."""
        for name in MASSES:
            if name not in self.names:
                continue
            header_unit, header = units.get(name, (None, ""))
            if form.mass_unit and header_unit and form.mass_unit != header_unit:
                raise InputError(
                    f"the header {header!r} says {header_unit}, but the mass unit given is "
                    f"{form.mass_unit}: say one unit",
                    source=self.source,
                    location="row 1",
                    field=name,
                )
            unit = header_unit or form.mass_unit
            if unit == "kg":
                self.kilograms.append(self.names.index(name))
                said = f"the header {header!r}" if header_unit else "--mass-unit kg"
                self.notes.append(
                    f"{self.source}: {name} read in kg ({said}) and divided by 1000 exactly into "
                    "t (electricity, CN 2716, stays in MWh)"
                )

    def _decimal_comma(
        self, form: ExportFormat, sample: Sequence[list[str]], delimiter: str
    ) -> None:
        """Decide decimal commas: the option, else what the first rows of a ``;`` file show."""
        if form.decimal_comma is not None:
            self.decimal_comma = form.decimal_comma
            return
        if delimiter != ";" or not self.figures:
            return
        found = self._evidence(sample)
        comma, point, either = found.get("comma"), found.get("point"), found.get("either")
        if comma and point:
            raise InputError(
                f"figures with a decimal comma ({comma[2]!r} in row {comma[0]}, {comma[1]}) "
                f"and with a decimal point ({point[2]!r} in row {point[0]}, {point[1]}): the "
                "file does not say which it writes; pass --decimal-comma (or fix the export)",
                source=self.source,
            )
        if either and not comma and not point:
            raise InputError(
                f"{either[2]!r} could be {either[2].replace(',', '.')} (a decimal comma) or "
                f"{either[2].replace(',', '')} (a thousands comma), and no figure of the first "
                "rows tells which: pass --decimal-comma if the file writes decimal commas",
                source=self.source,
                location=f"row {either[0]}",
                field=either[1],
            )
        if comma:
            self.decimal_comma = True
            self.notes.append(
                f"{self.source}: decimal commas detected ({comma[2]!r} in row {comma[0]}, "
                f"{comma[1]}; no figure with a decimal point in the first rows): figures read "
                "as 1.234,56 = 1234.56 (pass --decimal-comma to say so)"
            )

    def _evidence(self, sample: Sequence[list[str]]) -> dict[str, tuple[int, str, str]]:
        """The first figure of each kind: ``comma`` (only a decimal comma reads it: ``1,5``,
        ``1.234,5``), ``either`` (``1,500``: 1.5 or 1500) and ``point`` (``1.5``)."""
        found: dict[str, tuple[int, str, str]] = {}
        for number, row in enumerate(sample, start=2):
            for i in self.figures:
                text = row[i].strip() if i < len(row) else ""
                if "," in text and _COMMA_FIGURE.match(text):
                    kind = "either" if _EITHER.match(text) else "comma"
                elif _POINT_FIGURE.match(text) and not _COMMA_FIGURE.match(text):
                    kind = "point"
                else:
                    continue
                found.setdefault(kind, (number, self.names[i], text))
        return found

    def rows(self, rows: Iterable[list[str]], first: int) -> Iterator[list[str]]:
        """The library's rows of ``rows`` (numbered from ``first`` for error messages)."""
        pick, figures, kilograms = self.pick, self.figures, self.kilograms
        comma, cn_at = self.decimal_comma, self.cn_at
        number = first - 1
        width = self.width
        for row in rows:
            number += 1
            if pick is not None:
                if len(row) < width:
                    row = row + [""] * (width - len(row))
                row = list(pick(row))
                row.pop()
            if comma:
                for i in figures:
                    if i < len(row) and row[i]:
                        row[i] = self._comma(row[i], number, i)
            if kilograms and not (
                cn_at is not None and cn_at < len(row) and _electricity(row[cn_at])
            ):
                for i in kilograms:
                    if i < len(row) and row[i]:
                        row[i] = tonnes(row[i])
            yield row

    def _comma(self, text: str, number: int, index: int) -> str:
        stripped = text.strip()
        if _COMMA_FIGURE.match(stripped):
            return stripped.translate(_SPACES).replace(".", "").replace(",", ".")
        if "." in stripped:
            raise InputError(
                f"{stripped!r} is not a figure with a decimal comma, as this file writes them "
                "(1.234,56); a decimal point in a file of decimal commas is ambiguous",
                source=self.source,
                location=f"row {number}",
                field=self.names[index],
            )
        return text  # not a number at all: the reader explains


def _unit(text: str) -> Literal["t", "kg"]:
    return "kg" if text.lower() == "kg" else "t"


def _electricity(cn: str) -> bool:
    return cn.strip().replace(" ", "").replace(".", "").startswith("2716")


def tonnes(kilograms: str) -> str:
    """A mass in kg as text -> the same mass in t as text, exactly (the point moved).

    A text that is not a plain figure is returned as it is (the reader then explains).

    >>> tonnes("1234.5"), tonnes("12"), tonnes("1 500"), tonnes("abc")
    ('1.2345', '0.012', '1.500', 'abc')
    """
    bare = kilograms.strip().translate(_SPACES)
    found = _PLAIN.match(bare)
    if found is None or not bare:
        return kilograms
    whole, fraction = found.group(1) or "0", found.group(2) or ""
    whole = whole.rjust(4, "0")
    return f"{whole[:-3].lstrip('0') or '0'}.{whole[-3:]}{fraction}"


def adapt(
    header: list[str],
    rows: Iterator[list[str]],
    source: str,
    form: ExportFormat | None,
    delimiter: str = ",",
) -> tuple[list[str], Iterator[list[str]], Adapter | None]:
    """The library's header and rows of an export, and its adapter (None: none needed)."""
    if form is None:
        form = ExportFormat()
    sample: list[list[str]] = []
    if form.decimal_comma is None and delimiter == ";":
        sample = list(islice(rows, SAMPLE_ROWS))
        rows = _resumed(sample, rows)
    adapter = Adapter.build(header, source, form, sample, delimiter)
    if not adapter.needed:
        from cbam.formats.imports import normalise_header

        renamed = adapter.names != [normalise_header(h or "") for h in header]
        return (adapter.names if renamed else header), rows, None
    return adapter.names, _closing(adapter.rows(rows, 2), rows), adapter


def _resumed(sample: list[list[str]], rows: Iterator[list[str]]) -> Iterator[list[str]]:
    """The rows looked at first, then the rest; closing it closes the file's rows."""
    try:
        yield from sample
        yield from rows
    finally:
        _close(rows)


def _closing(adapted: Iterator[list[str]], rows: Iterator[list[str]]) -> Iterator[list[str]]:
    try:
        yield from adapted
    finally:
        _close(rows)


def _close(rows: Iterator[list[str]]) -> None:
    close = getattr(rows, "close", None)
    if close is not None:
        close()


# -- values of Parquet files and DataFrames ---------------------------------------------------


def cell_text(value: object, column: str) -> str:
    """A Parquet or DataFrame value as the text a CSV cell would hold.

    Missing values (None, NaN, NaT, pandas' NA) are empty; a date is ``YYYY-MM-DD``; a Decimal
    or an integer is written exactly; a binary float only when it is the double of a decimal of
    at most 15 significant digits (that decimal), else refused.

    >>> cell_text(Decimal("1.50"), "net_mass"), cell_text(0.1, "net_mass"), cell_text(None, "x")
    ('1.50', '0.1', '')
    >>> cell_text(0.1 + 0.2, "net_mass")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: field 'net_mass': 0.30000000000000004 is a binary float that is no ...
    """
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    if isinstance(value, float):
        return _float_text(value, column)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if _missing(value):
        return ""
    if hasattr(value, "__float__") and not isinstance(value, (bytes, bytearray)):
        # numpy's float32 and the like, checked exact by _float_text
        return _float_text(float(value), column)  # float-ok
    return str(value)


def _missing(value: object) -> bool:
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):
        return True  # pandas' NA refuses to be a bool


def _float_text(value: float, column: str) -> str:  # float-ok: a DataFrame's binary float
    if math.isnan(value):
        return ""
    if math.isinf(value):
        return str(value)  # the reader refuses it
    exact = Decimal(repr(value))
    if len(exact.as_tuple().digits) > FLOAT_DIGITS:
        raise InputError(
            f"{value!r} is a binary float that is no decimal of at most {FLOAT_DIGITS} "
            "significant digits (float arithmetic left noise in it); store the column as "
            "decimal or string (pandas: .astype(str) on the exact values; polars: pl.Decimal)",
            field=column,
        )
    if exact == exact.to_integral_value():
        return str(int(exact))
    return format(exact, "f")


def is_frame(source: object) -> bool:
    """True for a pandas or polars DataFrame (recognised by its methods, never imported)."""
    return hasattr(source, "columns") and (
        hasattr(source, "itertuples") or hasattr(source, "iter_rows")
    )


def frame_rows(frame: Any) -> Iterator[list[str]]:
    """A DataFrame's header, then its rows as texts (errors name its row position)."""
    header = [str(c) for c in frame.columns]
    yield header
    if hasattr(frame, "itertuples"):  # pandas
        values: Iterable[Sequence[Any]] = frame.itertuples(index=False, name=None)
    else:  # polars
        values = frame.iter_rows()
    yield from _texts(values, header, "DataFrame", 0)


def _texts(
    values: Iterable[Sequence[Any]], header: list[str], source: str, first: int
) -> Iterator[list[str]]:
    number = first - 1
    for row in values:
        number += 1
        try:
            yield [cell_text(v, c) for v, c in zip(row, header, strict=False)]
        except CbamError as exc:
            raise exc.located(source=source, location=f"row {number}") from None


def parquet_rows(path: Path, batch_rows: int = 65_536) -> Iterator[list[str]]:
    """A Parquet file's header, then its rows as texts, one record batch in memory at a time.

    Rows are numbered as a spreadsheet would show them (header = row 1).
    """
    try:
        import pyarrow.parquet as pq  # the optional extra "parquet"
    except ImportError:
        raise InputError(
            f"reading Parquet files needs pyarrow ({install_hint('parquet')}); or export the "
            "lines as CSV",
            source=str(path),
        ) from None
    try:
        file = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot be read as Parquet: {' '.join(str(exc).split())}", source=str(path)
        ) from None
    header = [str(name) for name in file.schema_arrow.names]
    yield header
    first = 2
    for batch in file.iter_batches(batch_size=batch_rows):
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        yield from _texts(zip(*columns, strict=True), header, str(path), first)
        first += batch.num_rows
