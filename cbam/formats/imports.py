"""Customs lines from CSV, XLSX or Parquet files or a DataFrame, streamed one line at a time.

An export with its own column names, masses in kg or decimal commas is read through an
:class:`~cbam.formats.exports.Adapter` (``columns``, ``mass_unit``, ``decimal_comma`` of
:func:`read_imports`; :mod:`cbam.formats.exports`), which hands this module's reader the rows in
the library's columns and notation.

Columns (names match case-insensitively; spaces and dashes count as underscores):

=====================  ========  =============================================================
column                 required  meaning
=====================  ========  =============================================================
cn_code                yes       CN code (8 digits, spaced, dotted, or 10-digit TARIC)
country                yes       country of origin, ISO 3166-1 alpha-2
net_mass               yes       net mass in t (MWh for electricity, CN 2716 00 00)
import_date            one of    date of release for free circulation, YYYY-MM-DD
year + quarter         these     instead of import_date: the year and quarter (1-4 or Q1-Q4)
installation_id        no        the producing installation (matches supplier data)
supplier               no        the seller or manufacturer as the ERP names it (cbam suppliers)
route                  no        production route letter (A)...(L) (see docs: production routes)
procedure              no        customs procedure code (e.g. 4000)
supplementary_units    no        quantity in the CN supplementary unit
clinker_content        no        share of clinker (0-1) for cement (IR 2025/2547 Eq. 64-65)
nitrogen_content       no        share of nitrogen (0-1) for fertilisers (Eq. 66)
line_id                no        the user's own reference, kept in the outputs
carbon_price_deduction no        t CO2e deducted for a carbon price paid abroad (Art. 9)
production_year        no        evidenced year of production (IR 2025/2547 Art. 7(1), from 2027)
=====================  ========  =============================================================

A row that breaks a rule is an :class:`~cbam.errors.InputError` naming file, row and column; no
row is ever dropped silently. Rows are numbered as a spreadsheet shows them (header = row 1).
Values follow :mod:`cbam.values`: figures in plain decimal notation, dates exactly
``YYYY-MM-DD`` (or a real Excel date), four-digit years, a date that contradicts the line's
``year`` or ``quarter`` refused; line and installation ids without control characters or a
formula's first character. A value under a column without a header is refused, and so is a
file without a line. XLSX files are read by :mod:`cbam.formats.sheet` (every row and column,
the first visible sheet or the one named); a CSV line longer than :data:`MAX_LINE` characters
and a header of more than :data:`MAX_COLUMNS` columns are refused while reading.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import ValidationError

from cbam.codes import validate_cn, validate_country
from cbam.declaration.carbon_price import CarbonPriceClaim
from cbam.declaration.model import ImportLine
from cbam.errors import CbamError, InputError
from cbam.formats.sheet import MAX_COLUMNS, column_letter
from cbam.values import (
    CONTROL,
    FORMULA_START,
    MAX_NAME,
    check_identifier,
    check_text,
    parse_date,
    parse_figure,
    parse_quarter,
    parse_year,
    quarter_of,
    quick_figure,
)

if TYPE_CHECKING:
    from cbam.formats.exports import Adapter, ExportFormat

REQUIRED = ("cn_code", "country", "net_mass")
OPTIONAL = (
    "import_date",
    "year",
    "quarter",
    "installation_id",
    "supplier",
    "route",
    "procedure",
    "supplementary_units",
    "clinker_content",
    "nitrogen_content",
    "line_id",
    "carbon_price_deduction",
    "production_year",
    "importer_eori",
    "additional_procedure",
    "ip_cn_code",
    "ip_country",
    "ip_net_mass",
    "carbon_price_paid",
    "carbon_price_currency",
    "carbon_price_year",
    "carbon_price_rebate",
    "carbon_price_evidence",
    "carbon_price_certifier",
)
COLUMNS = REQUIRED + OPTIONAL

#: Columns that hold a figure or claim of one line only: a row that fills any of them is read
#: through :func:`parse_line` (the cache of :class:`LineReader` holds texts shared by rows).
PER_LINE = (
    "ip_net_mass",
    "carbon_price_paid",
    "carbon_price_currency",
    "carbon_price_year",
    "carbon_price_rebate",
    "carbon_price_evidence",
    "carbon_price_certifier",
)


def normalise_header(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_").lstrip("\ufeff")


def _columns(header: list[str], source: str) -> list[str]:
    if len(header) > MAX_COLUMNS:
        raise InputError(
            f"the header has {len(header):,} columns; at most {MAX_COLUMNS:,} (Excel's limit)",
            source=source,
            location="row 1",
        )
    names = [normalise_header(h or "") for h in header]
    unknown = [h for h, n in zip(header, names, strict=True) if n and n not in COLUMNS]
    if unknown:
        raise InputError(
            f"unknown column(s) {', '.join(repr(u) for u in unknown)}; "
            f"the columns are: {', '.join(COLUMNS)}",
            source=source,
            location="row 1",
        )
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    if duplicates:
        raise InputError(
            f"column(s) {', '.join(duplicates)} appear more than once",
            source=source,
            location="row 1",
        )
    missing = [c for c in REQUIRED if c not in names]
    if "import_date" not in names and not {"year", "quarter"} <= set(names):
        missing.append("import_date (or year and quarter)")
    if missing:
        raise InputError(
            f"missing column(s): {', '.join(missing)}", source=source, location="row 1"
        )
    return names


#: The longest line of a CSV customs file (characters); a longer one is refused while it is
#: read, never held whole in memory.
MAX_LINE = 1 << 20


def _decimal(text: str, field: str, *, required: bool = False) -> Decimal | None:
    return parse_figure(text, field, required=required)


def _share(text: str, field: str) -> Decimal | None:
    value = _decimal(text, field)
    if value is not None and value > 1:
        raise InputError(f"is a share between 0 and 1, got {text}", field=field)
    return value


def _identifier(text: str, field: str) -> str | None:
    """A stripped identifier (:func:`cbam.values.check_identifier`), None when empty."""
    stripped = text.strip()
    return check_identifier(stripped, field) if stripped else None


def _when(values: dict[str, str]) -> tuple[dt.date | None, int, int]:
    """The line's import date (or None), year and quarter; contradictions refused."""
    date_text = values.get("import_date", "").strip()
    year_text = values.get("year", "").strip()
    quarter_text = values.get("quarter", "").strip()
    if not date_text:
        if not year_text or not quarter_text:
            raise InputError("give import_date, or year and quarter", field="import_date")
        return None, parse_year(year_text), parse_quarter(quarter_text)
    day = parse_date(date_text, "import_date")
    if year_text and parse_year(year_text) != day.year:
        raise InputError(
            f"year {year_text} contradicts import_date {date_text} of the same line", field="year"
        )
    if quarter_text and parse_quarter(quarter_text) != quarter_of(day):
        raise InputError(
            f"quarter {quarter_text} contradicts import_date {date_text} (quarter "
            f"{quarter_of(day)}) of the same line",
            field="quarter",
        )
    return day, day.year, quarter_of(day)


def parse_line(values: dict[str, str], row: int, year: int | None) -> ImportLine:
    """Validate one row (already keyed by normalised column name)."""
    cn = values.get("cn_code", "")
    try:
        cn8 = validate_cn(cn)
    except CbamError as exc:
        raise exc.located(field="cn_code") from None
    try:
        country = validate_country(values.get("country", ""))
    except CbamError as exc:
        raise exc.located(field="country") from None
    mass = _decimal(values.get("net_mass", ""), "net_mass", required=True)
    assert mass is not None
    import_date, line_year, quarter = _when(values)
    if year is not None and line_year != year:
        raise InputError(
            f"the line was imported in {line_year}, outside the assessed year {year}",
            field="import_date" if import_date else "year",
        )
    route = _route(values.get("route", ""))
    return ImportLine(
        row=row,
        cn=cn8,
        country=country,
        net_mass=mass,
        year=line_year,
        quarter=quarter,
        import_date=import_date,
        installation_id=_identifier(values.get("installation_id", ""), "installation_id"),
        route=route,
        procedure=_identifier(values.get("procedure", ""), "procedure"),
        supplementary_units=_decimal(values.get("supplementary_units", ""), "supplementary_units"),
        clinker_content=_share(values.get("clinker_content", ""), "clinker_content"),
        nitrogen_content=_share(values.get("nitrogen_content", ""), "nitrogen_content"),
        line_id=_identifier(values.get("line_id", ""), "line_id"),
        carbon_price_deduction=_decimal(
            values.get("carbon_price_deduction", ""), "carbon_price_deduction"
        ),
        production_year=_production_year(values.get("production_year", ""), line_year),
        **_obligation_fields(values),
        supplier=_identifier(values.get("supplier", ""), "supplier"),
    )


def _obligation_fields(values: dict[str, str]) -> dict[str, Any]:
    """The columns of who imports and under which procedure, and the carbon price paid.

    ``importer_eori`` (Reg. (EU) 2023/956 Art. 2a(1): per importer), ``additional_procedure``
    (data element 1/11), ``ip_cn_code``/``ip_country``/``ip_net_mass`` (the goods placed under
    inward processing, Art. 6(3)) and the carbon price columns (Art. 9).
    """
    from cbam.codes import validate_eori
    from cbam.declaration.procedures import parse_additional

    eori = values.get("importer_eori", "").strip()
    ip_cn = values.get("ip_cn_code", "").strip()
    ip_country = values.get("ip_country", "").strip()
    try:
        fields: dict[str, Any] = {
            "importer_eori": validate_eori(eori) if eori else None,
            "additional_procedure": parse_additional(values.get("additional_procedure")),
            "ip_cn": validate_cn(ip_cn) if ip_cn else None,
        }
    except CbamError as exc:
        raise exc.located(field="ip_cn_code") from None
    try:
        fields["ip_country"] = validate_country(ip_country) if ip_country else None
    except CbamError as exc:
        raise exc.located(field="ip_country") from None
    fields["ip_net_mass"] = _decimal(values.get("ip_net_mass", ""), "ip_net_mass")
    fields["carbon_price"] = _carbon_price(values)
    return fields


def _carbon_price(values: dict[str, str]) -> CarbonPriceClaim | None:
    """The line's carbon price claim (Art. 9), when the line gives one."""
    names = ("paid", "currency", "year", "rebate", "evidence", "certifier")
    cells = {n: values.get(f"carbon_price_{n}", "").strip() for n in names}
    if not any(cells.values()):
        return None
    if cells["evidence"]:
        check_text(cells["evidence"], "carbon_price_evidence")
    if cells["certifier"]:
        check_identifier(cells["certifier"], "carbon_price_certifier")
    amount = _decimal(cells["paid"], "carbon_price_paid", required=True)
    rebate = _decimal(cells["rebate"], "carbon_price_rebate")
    data = {**cells, "amount": amount, "rebate": rebate or Decimal(0)}
    del data["paid"]
    try:
        return CarbonPriceClaim.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "carbon_price_" + {"amount": "paid"}.get(str(first["loc"][0]), str(first["loc"][0]))
        raise InputError(str(first["msg"]).removeprefix("Value error, "), field=field) from None


def _route(text: str) -> str | None:
    """A route letter A-L ("(C)", "c"); empty is None; anything else names the column."""
    if not text.strip():
        return None
    from cbam.reference.routes import route_letter

    return route_letter(text)


def _production_year(text: str, import_year: int) -> int | None:
    """The evidenced production year (IR 2025/2547 Art. 7(1)): a year not after the import."""
    text = text.strip()
    if not text:
        return None
    year = parse_year(text, "production_year")
    if year > import_year or year < 1900:
        raise InputError(
            f"{year} is not a production year of goods imported in {import_year}",
            field="production_year",
        )
    return year


#: Byte-order marks of encodings a "CSV" export sometimes has instead of UTF-8.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _bad_byte_row(path: Path) -> int:
    """The row (header = 1) of the first line that is not UTF-8, for the error message."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def bounded_lines(handle: IO[str], source: str, row: Callable[[], int]) -> Iterator[str]:
    """The lines of a text file, each at most :data:`MAX_LINE` characters (else InputError).

    ``row`` tells the row being read, for the message. A longer line is refused after reading
    :data:`MAX_LINE` characters of it: a file of one 100 MB line never sits in memory.
    """
    while line := handle.readline(MAX_LINE + 1):
        if len(line) > MAX_LINE:
            raise InputError(
                f"a line longer than {MAX_LINE:,} characters; no customs line is that long "
                "(a broken export or a file that is not a customs file?)",
                source=source,
                location=f"row {row()}",
            )
        yield line


def _csv_rows(path: Path) -> Iterator[list[str]]:
    source = str(path)
    with path.open("rb") as probe:
        if probe.read(2) in _UTF16_BOMS:
            raise InputError(
                "the file is UTF-16 text; save it as 'CSV UTF-8' (comma or semicolon separated)",
                source=source,
                location="row 1",
            )
    with path.open(newline="", encoding="utf-8-sig") as handle:
        number = 0
        try:
            delimiter = sniff_delimiter(handle.read(4096))
            handle.seek(0)
            lines = bounded_lines(handle, source, lambda: number + 1)
            for row in csv.reader(lines, delimiter=delimiter):
                number += 1
                yield row
        except UnicodeDecodeError:
            raise InputError(
                "is not UTF-8 text (a Latin-1 or Windows export?); save the file as 'CSV UTF-8'",
                source=source,
                location=f"row {_bad_byte_row(path)}",
            ) from None
        except csv.Error as exc:
            raise InputError(
                f"cannot be read as CSV: {exc}", source=source, location=f"row {number + 1}"
            ) from None


def _is_workbook(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def is_parquet(path: Path) -> bool:
    """A Parquet file (by its name: ``.parquet`` or ``.pq``)."""
    return path.suffix.lower() in (".parquet", ".pq")


def _rows(path: Path, sheet: str | None = None) -> Iterator[list[str]]:
    if _is_workbook(path):
        from cbam.formats.sheet import sheet_rows

        return sheet_rows(path, sheet)
    if sheet is not None:
        raise InputError(
            f"--sheet {sheet!r} applies to a workbook (.xlsx); this is a "
            + ("Parquet" if is_parquet(path) else "CSV")
            + " file",
            source=str(path),
            field="sheet",
        )
    if is_parquet(path):
        from cbam.formats.exports import parquet_rows

        return parquet_rows(path)
    return _csv_rows(path)


def delimiter_of(path: Path) -> str:
    """The delimiter of a CSV file as the reader chooses it; ``,`` for other files."""
    if _is_workbook(path) or is_parquet(path):
        return ","
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        return sniff_delimiter(handle.read(4096))


def sniff_delimiter(sample: str) -> str:
    """``;`` when the file's first 4096 characters hold more ``;`` than ``,``; else ``,``."""
    return ";" if sample.count(";") > sample.count(",") else ","


def raw_rows(path: Path, sheet: str | None = None) -> Iterator[list[str]]:
    """The cells of every row as text, header first (what :func:`read_imports` reads).

    ``sheet``: the sheet of a workbook (default: its first visible sheet).
    """
    return _rows(path, sheet)


def header_columns(header: list[str], source: str) -> list[str]:
    """The normalised column names of a header row; :class:`InputError` as read_imports."""
    return _columns(header, source)


def no_lines_error(source: str) -> InputError:
    """The error of a customs file that holds a header but no line."""
    return InputError(
        "no customs lines: the file has a header but no line to assess (an empty export?)",
        source=source,
    )


#: A line id the fast path does not take as it is (the reference reading then explains why).
_ODD_ID = re.compile(
    f"^[{re.escape(''.join(FORMULA_START))}]|{CONTROL.pattern}|.{{{MAX_NAME + 1}}}"
)


def _odd_id(line_id: str) -> bool:
    """A line id the fast path leaves to the reference reading (letters and digits never are)."""
    if len(line_id) <= MAX_NAME and line_id.isalnum():
        return False
    return _ODD_ID.search(line_id) is not None


def _no_texts(_cells: list[str]) -> str:
    """The key of a group of columns the file has none of (every row alike)."""
    return ""


#: The tuple of a line's fields in ImportLine's order made into an ImportLine without the
#: keyword handling of its constructor (a third of a plain row's reading time otherwise).
_new_line = tuple.__new__


class LineReader:
    """Rows of cell texts -> :class:`ImportLine` objects, each distinct text validated once.

    A customs file repeats the same CN codes, origins, installations and dates on thousands of
    rows. The reader validates each distinct combination of texts once, through
    :func:`parse_line`, and remembers what it means; a later row with the same texts and plain
    figures is built from that memory. Any row the memory does not cover -- a new text, a blank
    row, an odd number, a short or long row -- goes through :func:`parse_line` itself, so a bad
    row raises the same :class:`InputError` (file, row, column, reason) whichever row it is.

    Parameters
    ----------
    names : list of str
        The normalised header (:func:`header_columns`).
    source : str
        The file's name, for error messages.
    year : int, optional
        The assessed year: a line of another year is an error.
    """

    def __init__(self, names: list[str], source: str, year: int | None) -> None:
        self.names = names
        self.source = source
        self.year = year
        self.width = width = len(names)
        index = {name: i for i, name in enumerate(names) if name}

        def at(*columns: str) -> Callable[[list[str]], Any]:
            # The key of the texts of those columns the file has: an absent column reads the
            # same empty cell on every row, so it tells no two rows apart (and a key of one
            # text is that text, cheaper to hash than a tuple).
            present = [index[c] for c in columns if c in index]
            return itemgetter(*present) if present else _no_texts

        self._good_texts = at("cn_code", "country", "route", "installation_id", "supplier")
        self._when_texts = at("import_date", "year", "quarter")
        self._other_texts = at(
            "procedure",
            "supplementary_units",
            "clinker_content",
            "nitrogen_content",
            "production_year",
            "importer_eori",
            "additional_procedure",
            "ip_cn_code",
            "ip_country",
        )
        # Rows filling a column of one line's own figures or claim take the slow path.
        self._per_line = [index[c] for c in PER_LINE if c in index]
        self._mass_at, self._deduction_at, self._line_id_at = (
            index.get(c, width) for c in ("net_mass", "carbon_price_deduction", "line_id")
        )
        self._blank_at = tuple(i for i, name in enumerate(names) if not name)
        """Columns without a header: a value there is refused, never ignored."""
        self._goods: dict[Any, tuple[str, str, str | None, str | None, str | None]] = {}
        self._whens: dict[Any, tuple[dt.date | None, int, int]] = {}
        self._others: dict[Any, tuple[Any, ...]] = {}

    def lines(self, rows: Iterable[list[str]], first: int = 2) -> Iterator[ImportLine]:
        """The lines of ``rows``, numbered from ``first`` (header = row 1); blank rows skipped."""
        width, blank_at = self.width, self._blank_at
        goods, whens, others = self._goods, self._whens, self._others
        good_texts, when_texts, other_texts = self._good_texts, self._when_texts, self._other_texts
        mass_at, deduction_at, line_id_at = self._mass_at, self._deduction_at, self._line_id_at
        per_line = self._per_line
        number = first - 1
        for cells in rows:
            number += 1
            if len(cells) < width:  # a workbook row ends at its last value
                cells.extend([""] * (width - len(cells)))
            if len(cells) == width and not (blank_at and any(cells[i] for i in blank_at)):
                cells.append("")
                good = goods.get(good_texts(cells))
                when = whens.get(when_texts(cells))
                other = others.get(other_texts(cells))
                if (
                    good is not None
                    and when is not None
                    and other is not None
                    and (other[4] is None or other[4] <= when[1])
                    and not (per_line and any(cells[i] for i in per_line))
                ):
                    mass = quick_figure(cells[mass_at])
                    raw = cells[deduction_at]
                    deduction = quick_figure(raw) if raw else None
                    line_id = cells[line_id_at].strip()
                    if (
                        mass is not None
                        and (deduction is not None or not raw)
                        and not (line_id and _odd_id(line_id))
                    ):
                        cn, country, route, installation, supplier = good
                        date, year, quarter = when
                        # Unpacked by name: a starred unpacking builds a list per row.
                        (
                            procedure,
                            units,
                            clinker,
                            nitrogen,
                            produced,
                            eori,
                            relief,
                            ip_cn,
                            ip_country,
                        ) = other
                        yield _new_line(
                            ImportLine,
                            (
                                number, cn, country, mass, year, quarter, date, installation,
                                route, procedure, units, clinker, nitrogen, line_id or None,
                                deduction, produced, eori, relief, ip_cn, ip_country, None, None,
                                supplier,
                            ),
                        )  # fmt: skip
                        continue
                cells.pop()
            line = self._parse(cells, number)
            if line is not None:
                yield line

    def _parse(self, cells: list[str], number: int) -> ImportLine | None:
        """The reference reading of one row; learns what its texts mean."""
        if not any(c.strip() for c in cells):
            return None
        width = self.width
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise InputError(
                f"has {len(cells)} values but the header has {width} columns",
                source=self.source,
                location=f"row {number}",
            )
        for i in self._blank_at:
            if i < len(cells) and cells[i].strip():
                raise InputError(
                    f"holds {cells[i].strip()!r} in a column without a header; name the column "
                    "(or remove the value): no value is ignored",
                    source=self.source,
                    location=f"row {number}, column {column_letter(i + 1)}",
                )
        values = {n: c for n, c in zip(self.names, cells, strict=False) if n}
        try:
            line = parse_line(values, number, self.year)
        except CbamError as exc:
            raise exc.located(source=self.source, location=f"row {number}") from None
        padded = cells[:width] + [""] * (width + 1 - min(len(cells), width))
        self._goods[self._good_texts(padded)] = (
            line.cn,
            line.country,
            line.route,
            line.installation_id,
            line.supplier,
        )
        self._whens[self._when_texts(padded)] = (line.import_date, line.year, line.quarter)
        self._others[self._other_texts(padded)] = (
            line.procedure,
            line.supplementary_units,
            line.clinker_content,
            line.nitrogen_content,
            line.production_year,
            line.importer_eori,
            line.additional_procedure,
            line.ip_cn,
            line.ip_country,
        )
        return line


def open_lines(
    source: Any,
    year: int | None = None,
    *,
    sheet: str | None = None,
    export: ExportFormat | None = None,
) -> tuple[Iterator[list[str]], LineReader, Adapter | None]:
    """The rows after the header of a customs file or DataFrame, and the reader of its lines.

    The rows come through the export's :class:`~cbam.formats.exports.Adapter` when it needs
    one; its ``notes`` say what it does.
    """
    from cbam.formats.exports import adapt, frame_rows, is_frame

    if is_frame(source):
        name, rows, delimiter = "DataFrame", frame_rows(source), ","
    else:
        file = Path(source)
        name, rows, delimiter = str(file), _rows(file, sheet), delimiter_of(file)
    try:
        header = next(rows)
    except StopIteration:
        raise InputError("the file is empty: a header row is required", source=name) from None
    names, rows, adapter = adapt(header, rows, name, export, delimiter)
    return rows, LineReader(_columns(names, name), name, year), adapter


def read_imports(
    path: Any,
    *,
    year: int | None = None,
    sheet: str | None = None,
    columns: str | Path | dict[str, str] | None = None,
    mass_unit: str | None = None,
    decimal_comma: bool | None = None,
    notes: list[str] | None = None,
) -> Iterator[ImportLine]:
    """Stream the customs lines of a CSV (``,`` or ``;``), XLSX or Parquet file, or DataFrame.

    Blank rows are skipped (they hold no line); every other row becomes an
    :class:`ImportLine` or raises :class:`InputError` naming file, row and column. Memory stays
    constant: one row at a time. The result is a generator: it can be read once (a second
    :func:`cbam.assess` over it is refused).

    Parameters
    ----------
    path : str, Path or DataFrame
        The customs file (``.csv``, ``.xlsx``, ``.parquet``; Parquet needs the extra
        ``parquet``), or a pandas or polars DataFrame (rows then numbered from 0, as
        ``df.iloc``); columns as in this module's table (names case-insensitive).
    year : int, optional
        When given, a line imported in another year is an error naming its row (no line is
        ever dropped silently).
    sheet : str, optional
        The sheet of a workbook to read (case-insensitive); default: its first visible sheet.
        A hidden sheet is refused.
    columns : str, Path or dict, optional
        A column map, library column -> the export's header (a JSON file or a dict;
        :class:`cbam.formats.exports.ColumnMap`): only the mapped columns are read.
    mass_unit : "t" or "kg", optional
        The unit of ``net_mass`` and ``ip_net_mass``; kg is divided by 1000 exactly (also
        recognised from a header such as ``Net mass (kg)``).
    decimal_comma : bool, optional
        Figures written ``1.234,56``; None (default) detects them in a ``;`` file.
    notes : list, optional
        Receives the reader's notes (decimal commas detected, masses in kg, columns ignored);
        without it they are issued as warnings.

    Yields
    ------
    ImportLine
        One validated line per non-blank row; net mass in t (MWh for electricity).

    Raises
    ------
    InputError
        Unknown, missing or duplicate columns; a row with a bad value (the message names file,
        row and column); a file without a line ("no customs lines"); an unreadable file.

    Examples
    --------
    >>> import cbam
    >>> lines = list(cbam.read_imports("samples/imports-2026.csv", year=2026))
    >>> len(lines), lines[0].cn, lines[0].country, lines[0].net_mass
    (300, '73181542', 'TW', Decimal('5.687'))

    An export with its own headers, masses in kg and decimal commas:

    >>> import pathlib, tempfile
    >>> sap = pathlib.Path(tempfile.mkdtemp()) / "sap.csv"
    >>> _ = sap.write_text("Warennummer;Ursprung;Nettomasse (kg);Datum\\n"
    ...                    "7318 15 42;TW;1.234,5;2026-03-02\\n", encoding="utf-8")
    >>> said = []
    >>> (line,) = cbam.read_imports(sap, year=2026, notes=said, columns={
    ...     "cn_code": "Warennummer", "country": "Ursprung",
    ...     "net_mass": "Nettomasse (kg)", "import_date": "Datum"})
    >>> line.net_mass, len(said)
    (Decimal('1.2345'), 2)
    """
    export = export_format(columns, mass_unit, decimal_comma)
    rows, reader, adapter = open_lines(path, year, sheet=sheet, export=export)
    if adapter is not None:
        _say(adapter.notes, notes)
    first = 0 if reader.source == "DataFrame" else 2
    count = 0
    for line in reader.lines(rows, first):
        count += 1
        yield line
    if not count:
        raise no_lines_error(reader.source)


def export_format(
    columns: str | Path | dict[str, str] | None = None,
    mass_unit: str | None = None,
    decimal_comma: bool | None = None,
) -> ExportFormat | None:
    """The :class:`~cbam.formats.exports.ExportFormat` of these options (None: the library's).

    >>> export_format(mass_unit="KG").mass_unit
    'kg'
    >>> export_format(mass_unit="lb")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: field 'mass_unit': 'lb' is not a mass unit: use t or kg
    """
    from cbam.formats.exports import ExportFormat, column_map, load_column_map

    if columns is None and mass_unit is None and decimal_comma is None:
        return None
    unit = None if mass_unit is None else mass_unit.strip().lower()
    if unit not in (None, "t", "kg"):
        raise InputError(f"{mass_unit!r} is not a mass unit: use t or kg", field="mass_unit")
    mapped: dict[str, str] | None = None
    where = "--columns"
    if isinstance(columns, dict):
        mapped, where = column_map(columns, "the column map"), "given"
    elif columns is not None:
        mapped, where = load_column_map(columns), str(columns)
    return ExportFormat(mapped, unit, decimal_comma, where)  # type: ignore[arg-type]


def _say(found: list[str], notes: list[str] | None) -> None:
    if notes is not None:
        notes.extend(found)
        return
    import warnings

    for note in found:
        warnings.warn(note, UserWarning, stacklevel=3)
