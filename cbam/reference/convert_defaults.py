"""Default values of IR 2025/2621: official sources -> packaged CSV, defects reported.

Two sources, two converters:

* :func:`convert_default_values` reads the Commission workbook of Annex I (one sheet per country
  plus "Other Countries and Territories") into ``default_values.csv``: one row per workbook row
  that carries a CN code (or continues one), each cell's value exactly as typed.
* :func:`convert_unknown_country_defaults` reads Annex IV (precursors whose country of production
  cannot be identified) out of the Official Journal text into
  ``default_values_unknown_country.csv``.

Both record their dataset in the manifest and rewrite their own section of ``docs/data-notes.md``,
which lists where the source's printed mark-up columns disagree with the law (total x (1 +
mark-up)), rows whose values are shifted, and placeholder typos. The library never copies the
printed mark-up columns into a result: :mod:`cbam.reference.defaults` computes them from the total.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from cbam.codes import OTHER, compact_cn, iso_from_name
from cbam.errors import InputError, UnknownCountryError
from cbam.files import write_text_atomic
from cbam.reference.cells import NO_VALUE_TEXTS, route_indicators, to_decimal
from cbam.reference.default_rows import (
    CONTINUATION,
    DEFAULT_VALUES_CSV,
    GOOD,
    HEADING,
    UNKNOWN,
    UNKNOWN_COUNTRY_CSV,
    DefaultRow,
    decimal_text,
    rows_to_csv,
    unknown_rows_to_csv,
)
from cbam.reference.manifest import DATA_DIR, DatasetInfo, record, sha256_file
from cbam.rules import Sector, markup
from cbam.xlsxfile import open_workbook, reading

#: ``docs/data-notes.md`` of the source checkout (the converters run from a checkout).
DATA_NOTES = Path(__file__).resolve().parents[2] / "docs" / "data-notes.md"

#: Sheet name of the "Other countries and territories" table (cut at Excel's 31 characters).
OTHER_SHEET = "_Other Countries and Territorie"

#: Relative tolerance for comparing a printed mark-up column with total x (1 + mark-up): the
#: workbook stores binary doubles, so 1.1 x 1.3 prints as 1.4300000000000002.
MARKUP_TOLERANCE = Decimal("1e-9")

#: Section rows of the workbook and of Annex IV -> sector.
_SECTIONS: dict[str, Sector] = {
    "cement": Sector.CEMENT,
    "fertilisers": Sector.FERTILISERS,
    "fertilizers": Sector.FERTILISERS,
    "aluminium": Sector.ALUMINIUM,
    "aluminum": Sector.ALUMINIUM,
    "hydrogen": Sector.HYDROGEN,
    "iron and steel": Sector.IRON_STEEL,
    "iron & steel": Sector.IRON_STEEL,
    "electricity": Sector.ELECTRICITY,
}

#: Column keys and the header words that identify them (row 2 of each country sheet). Read by
#: header text so that an inserted column in a later version does not shift every value.
_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cn", ("cn code",)),
    ("description", ("description",)),
    ("direct", ("direct",)),
    ("indirect", ("indirect",)),
    ("total", ("total",)),
    ("wb_2026", ("2026",)),
    ("wb_2027", ("2027",)),
    ("wb_2028", ("2028",)),
    ("route", ("route",)),
)


@dataclass
class ParsedDefaults:
    """A parsed source: its provenance, its rows and what the parse found wrong with it."""

    info: DatasetInfo
    rows: list[DefaultRow]
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _placeholder_typo(text: str) -> bool:
    """Misspelt "N/A" placeholders found in the workbook ("N.A.", "N/a", "N/(A")."""
    letters = re.sub(r"[^a-z]", "", text.casefold())
    return letters == "na" and len(text) <= 6


class _CellReader:
    """Turns cells into decimals, collecting the oddities it tolerates as notes."""

    def __init__(self, source: str, notes: list[str]) -> None:
        self.source = source
        self.notes = notes

    def number(self, value: object, sheet: str, ref: str, field_name: str) -> Decimal | None:
        """The exact decimal of a cell; None for a placeholder; InputError for anything else."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("#"):
                self.notes.append(
                    f"sheet '{sheet}', cell {ref} ({field_name}): Excel error {text!r}, read as "
                    "no value."
                )
                return None
            if text.casefold() not in NO_VALUE_TEXTS and _placeholder_typo(text):
                self.notes.append(
                    f"sheet '{sheet}', cell {ref} ({field_name}): placeholder typo {text!r}, "
                    "read as N/A (no value)."
                )
                return None
        if isinstance(value, dt.datetime | dt.date):
            raise InputError(
                f"expected a number or a placeholder, found the date {value!r}",
                source=self.source,
                location=f"sheet '{sheet}', cell {ref}",
                field=field_name,
            )
        try:
            return to_decimal(value)
        except ValueError:
            raise InputError(
                f"expected a number or a placeholder ('–', '_', 'N/A'), found {value!r}",
                source=self.source,
                location=f"sheet '{sheet}', cell {ref}",
                field=field_name,
            ) from None


# --------------------------------------------------------------------------------------------
# Annex I workbook
# --------------------------------------------------------------------------------------------


def _open_workbook(path: Path) -> Any:
    """The workbook, after the zip-bomb check; InputError naming the file if unreadable."""
    if not path.exists():
        raise InputError("file not found", source=str(path))
    return open_workbook(path)


_ACT = re.compile(r"Implementing Regulation \(EU\) (\d{4}/\d+)")


def _version_info(wb: Any, path: Path, sha256: str, files: tuple[str, ...]) -> DatasetInfo:
    """The dataset's provenance from the workbook's own "Version History" sheet.

    The latest row (highest date) gives the version and its date; the acts its notes name
    give the legal act ("IR 2025/2621 Annex I", "... as amended by IR 2026/1740").
    """
    name = next((n for n in wb.sheetnames if n.strip().casefold() == "version history"), None)
    if name is None:
        raise InputError(
            "the workbook has no 'Version History' sheet, so its version cannot be named; "
            "is this the Commission's default-value workbook?",
            source=str(path),
        )
    ws = wb[name]
    latest: tuple[dt.date, str, str] | None = None
    header_seen = False
    for index, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = [*row, None, None, None][:3]
        first = _text(cells[0])
        if not header_seen:
            header_seen = first.casefold() == "version"
            continue
        if not first:
            continue
        when = cells[1]
        if isinstance(when, dt.datetime):
            date = when.date()
        elif isinstance(when, dt.date):
            date = when
        else:
            try:
                date = dt.date.fromisoformat(_text(when))
            except ValueError:
                raise InputError(
                    f"version date {when!r} is not a date",
                    source=str(path),
                    location=f"sheet '{name}', cell B{index}",
                    field="Date",
                ) from None
        label = first[:-2] if first.endswith(".0") else first
        label = label if label.casefold().startswith("v") else f"v{label}"
        if latest is None or date >= latest[0]:
            latest = (date, label, _text(cells[2]))
    if latest is None:
        raise InputError(
            "the 'Version History' sheet lists no version (header 'Version' then one row each)",
            source=str(path),
            location=f"sheet '{name}'",
        )
    date, label, notes = latest
    acts = list(dict.fromkeys(_ACT.findall(notes))) or ["2025/2621"]
    legal_act = f"IR {acts[0]} Annex I" + "".join(f" as amended by IR {a}" for a in acts[1:])
    return DatasetInfo(
        id="default_values",
        title="CBAM default values per country of production (Commission workbook)",
        legal_act=legal_act,
        version=label,
        version_date=date.isoformat(),
        source_file=path.name,
        sha256=sha256,
        files=files,
    )


def _header_columns(header: Sequence[object], sheet: str, path: Path) -> dict[str, int] | None:
    """Column index of each key, from the header row; None when the sheet is no country table."""
    texts = [_text(v).casefold().replace("\n", " ") for v in header]
    if not texts or "cn code" not in texts[0]:
        return None
    columns: dict[str, int] = {}
    for key, words in _COLUMNS:
        for index, text in enumerate(texts):
            if index in columns.values():
                continue
            if any(w in text for w in words) and not (key == "direct" and "indirect" in text):
                columns[key] = index
                break
        else:
            raise InputError(
                f"the header row has no column for {key!r} (looked for {', '.join(words)})",
                source=str(path),
                location=f"sheet '{sheet}', row 2",
                field=key,
            )
    return columns


def _country_of(sheet: str, title: object, path: Path) -> str:
    """ISO code of a country sheet: by sheet name, else by the full name in cell A1."""
    for name in (sheet, _text(title)):
        if not name:
            continue
        try:
            return iso_from_name(name)
        except UnknownCountryError:
            continue
    raise InputError(
        f"sheet {sheet!r} names no country the library knows (title {title!r})",
        source=str(path),
        location=f"sheet '{sheet}', cell A1",
    )


_CN_TEXT = re.compile(r"^\d[\d .\u00a0]*$")


@dataclass
class _SheetReader:
    """Reads the rows of one country sheet; remembers the sector and the last CN code seen."""

    sheet: str
    path: Path
    country: str
    columns: dict[str, int]
    cells: _CellReader
    notes: list[str]
    sector: Sector | None = None
    previous_cn: str | None = None

    @property
    def width(self) -> int:
        return max(self.columns.values()) + 1

    def error(self, reason: str, where: str, field_name: str | None = None) -> InputError:
        return InputError(
            reason,
            source=str(self.path),
            location=f"sheet '{self.sheet}', {where}",
            field=field_name,
        )

    def cn_cell(self, number: int) -> str:
        return f"cell {get_column_letter(self.columns['cn'] + 1)}{number}"

    def read(self, number: int, raw: Sequence[object]) -> DefaultRow | None:
        """The row ``number`` as a DefaultRow; None for a section row or an empty row."""
        row = [*raw, *([None] * self.width)]
        values = {key: row[col] for key, col in self.columns.items()}
        code_cell = values["cn"]
        code_text = _text(code_cell)
        if code_text and not isinstance(code_cell, int | float) and not _CN_TEXT.match(code_text):
            self.sector = self.section(code_text, number)
            return None
        if not code_text:
            others = [values[k] for k, _ in _COLUMNS if k != "cn"]
            if not any(_text(v) for v in others):
                return None
            kind, cn = CONTINUATION, self.continued(number)
        else:
            kind, cn = self.coded(code_cell, code_text, values, number)
        item = self.row(values, number, kind, cn)
        self.note_extra_cells(raw, number)
        return item

    def section(self, code_text: str, number: int) -> Sector:
        """The sector a section row names ("Cement", "Iron and steel" ...)."""
        key = re.sub(r"\s+", " ", code_text).casefold()
        if key not in _SECTIONS:
            raise self.error(
                f"{code_text!r} is neither a CN code nor a known sector "
                f"({', '.join(sorted(_SECTIONS))})",
                self.cn_cell(number),
                "Product CN Code",
            )
        return _SECTIONS[key]

    def continued(self, number: int) -> str:
        """The CN code a row without one continues (the previous row's)."""
        if self.previous_cn is None or self.sector is None:
            raise self.error("a row without a CN code before any CN code row", f"row {number}")
        self.notes.append(
            f"sheet '{self.sheet}', row {number}: continuation row without a CN code, kept "
            f"under {self.previous_cn}; it never answers a lookup."
        )
        return self.previous_cn

    def coded(
        self, code_cell: object, code_text: str, values: dict[str, object], number: int
    ) -> tuple[str, str]:
        """(kind, CN code) of a row that carries a CN code: a good, or a "see below" heading."""
        if isinstance(code_cell, float):
            code_text = repr(code_cell).removesuffix(".0")
        cn = compact_cn(code_text)
        if not cn.isdigit() or len(cn) not in (4, 6, 8):
            raise self.error(
                f"CN code {code_text!r} has {len(cn)} digits; the table uses 4, 6 or 8",
                self.cn_cell(number),
                "Product CN Code",
            )
        if self.sector is None:
            raise self.error(
                "a CN code row before any sector row (Cement, Fertilisers, ...)", f"row {number}"
            )
        heading = any(_text(values[k]).casefold() == "see below" for k in ("direct", "total"))
        self.previous_cn = cn
        return (HEADING if heading else GOOD), cn

    def row(self, values: dict[str, object], number: int, kind: str, cn: str) -> DefaultRow:
        """The DefaultRow of a good, heading or continuation row, each cell read exactly."""

        def num(key: str) -> Decimal | None:
            ref = f"{get_column_letter(self.columns[key] + 1)}{number}"
            return self.cells.number(values[key], self.sheet, ref, key)

        route_cell = values["route"]
        routes = route_indicators(route_cell)
        if not routes and _text(route_cell) and _text(route_cell).casefold() not in NO_VALUE_TEXTS:
            raise self.error(
                f"route indicator {route_cell!r} is not of the form '(A)' ... '(L)'",
                f"cell {get_column_letter(self.columns['route'] + 1)}{number}",
                "route",
            )
        assert self.sector is not None  # coded() and continued() refuse rows before a sector
        total = num("total")
        return DefaultRow(
            sheet=self.sheet,
            row=number,
            country=self.country,
            sector=self.sector,
            cn=cn,
            kind=kind,
            description=re.sub(r"\s+", " ", _text(values["description"])),
            direct=num("direct"),
            indirect=num("indirect"),
            total=total,
            total_text="" if total is not None else _text(values["total"]),
            route="/".join(routes),
            wb_2026=num("wb_2026"),
            wb_2027=num("wb_2027"),
            wb_2028=num("wb_2028"),
        )

    def note_extra_cells(self, raw: Sequence[object], number: int) -> None:
        """Say which cells right of the table hold something; they are ignored."""
        extra = [
            (get_column_letter(i + 1), v)
            for i, v in enumerate(raw)
            if i >= self.width and _text(v) and i not in self.columns.values()
        ]
        if extra:
            listed = ", ".join(f"{c}{number}={v!r}" for c, v in extra)
            self.notes.append(
                f"sheet '{self.sheet}', row {number}: cells outside the table ({listed}), ignored."
            )


def _read_sheet(
    ws: Any, sheet: str, path: Path, cells: _CellReader, notes: list[str]
) -> Iterator[DefaultRow]:
    """The rows of one country sheet (none when the sheet is no country table)."""
    rows = ws.iter_rows(values_only=True)
    title = next(rows, (None,))
    header = next(rows, ())
    columns = _header_columns(header, sheet, path)
    if columns is None:
        return
    country = _country_of(sheet, title[0] if title else None, path)
    reader = _SheetReader(sheet, path, country, columns, cells, notes)
    for number, raw in enumerate(rows, start=3):
        item = reader.read(number, raw)
        if item is not None:
            yield item


def read_default_values_workbook(path: Path, *, files: tuple[str, ...] = ()) -> ParsedDefaults:
    """Parse the Commission workbook of IR 2025/2621 Annex I (or a later official version).

    Every country sheet (recognised by its "Product CN Code" header in row 2) is read by header
    text; section rows give the sector; cells are converted exactly
    (:func:`cbam.reference.cells.to_decimal`). Raises :class:`InputError` naming the file,
    sheet and cell of anything it cannot read.
    """
    path = Path(path)
    sha256 = sha256_file(path) if path.is_file() else ""
    wb = _open_workbook(path)
    try:
        # Sheets are parsed as they are read: a damaged or hostile one is an InputError too.
        with reading(str(path)):
            info = _version_info(wb, path, sha256, files)
            notes: list[str] = []
            cells = _CellReader(str(path), notes)
            rows: list[DefaultRow] = []
            for sheet in wb.sheetnames:
                rows.extend(_read_sheet(wb[sheet], sheet, path, cells, notes))
    finally:
        wb.close()
    if not rows:
        raise InputError(
            "no country sheet found (a sheet whose row 2 starts with 'Product CN Code')",
            source=str(path),
        )
    if not any(r.country == OTHER for r in rows):
        raise InputError(
            f"no 'Other countries and territories' sheet ({OTHER_SHEET!r})", source=str(path)
        )
    return ParsedDefaults(info=info, rows=rows, notes=notes)


# --------------------------------------------------------------------------------------------
# Checks of the printed mark-up columns
# --------------------------------------------------------------------------------------------


def _close(printed: Decimal, lawful: Decimal) -> bool:
    return abs(printed - lawful) <= abs(lawful) * MARKUP_TOLERANCE


def _diagnose(row: DefaultRow, year: int, printed: Decimal) -> str:
    """A short guess at how the printed value came about (compounding, shifted cells)."""
    total = row.total
    if total is None:
        return ""
    for power in (2, 3):
        if _close(printed, total * Decimal("1.1") ** power):
            return f"compounds 10 %: total x 1.1^{power}"
    if row.wb_2026 is not None and year > 2026:
        step = Decimal(1) + markup(row.sector, year)
        if _close(printed, row.wb_2026 * step):
            return "applies the year's mark-up to the 2026 value"
    return ""


def markup_findings(rows: Iterable[DefaultRow]) -> list[str]:
    """Rows whose printed mark-up columns are not total x (1 + mark-up), or look shifted.

    IR 2025/2621 Annex I (mark-up on the total default value; :func:`cbam.rules.markup`).
    """
    findings: list[str] = []
    for r in rows:
        if r.kind != GOOD:
            if r.kind == HEADING and (r.direct is not None or r.total is not None):
                findings.append(
                    f"| {r.sheet} | {r.row} | {r.cn} | heading | 'see below' heading row "
                    f"carries a value (direct {decimal_text(r.direct) or '–'}, "
                    f"total {decimal_text(r.total) or r.total_text}); headings never answer | |"
                )
            continue
        printed = [(y, r.printed(y)) for y in (2026, 2027, 2028)]
        if r.total is None:
            shown = [p for _, p in printed if p is not None]
            if shown:
                values = ", ".join(decimal_text(p) for p in shown)
                findings.append(
                    f"| {r.sheet} | {r.row} | {r.cn} | shifted | total reads "
                    f"{r.total_text or 'blank'!r} but the mark-up columns hold {values} "
                    "(direct, indirect, total shifted right); treated as no value, so "
                    "'Other countries and territories' applies | |"
                )
            continue
        for year, value in printed:
            lawful = r.total * (Decimal(1) + markup(r.sector, year))
            if value is None:
                findings.append(
                    f"| {r.sheet} | {r.row} | {r.cn} | {year} | no printed value "
                    f"(total {decimal_text(r.total)}) | {decimal_text(lawful)} |"
                )
            elif not _close(value, lawful):
                hint = _diagnose(r, year, value)
                findings.append(
                    f"| {r.sheet} | {r.row} | {r.cn} | {year} | {decimal_text(value)}"
                    f"{' (' + hint + ')' if hint else ''} | {decimal_text(lawful)} |"
                )
    return findings


# --------------------------------------------------------------------------------------------
# data-notes.md
# --------------------------------------------------------------------------------------------

_NOTES_TITLE = (
    "# Data notes: defects found in the official default-value sources\n\n"
    "Generated by `cbam.reference.convert_defaults`; do not edit by hand. The library takes the\n"
    "*total* default value and adds the year's mark-up itself (IR 2025/2621 Annex I; IR\n"
    "2026/1740), so none of the printed mark-up columns below reaches a result.\n"
)


def _write_notes_section(notes_path: Path, key: str, body: str) -> None:
    """Replace (or add) the section ``key`` of the notes file, keeping the other sections."""
    begin, end = f"<!-- begin:{key} -->", f"<!-- end:{key} -->"
    try:
        text = notes_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = _NOTES_TITLE
    section = f"{begin}\n{body.rstrip()}\n{end}\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    write_text_atomic(notes_path, text)


def _annex_i_notes(parsed: ParsedDefaults) -> str:
    info = parsed.info
    findings = markup_findings(parsed.rows)
    sheets = sorted({r.sheet for r in parsed.rows})
    lines = [
        f"## {info.legal_act}: workbook `{info.source_file}` ({info.version} of "
        f"{info.version_date})",
        "",
        f"SHA-256 `{info.sha256}`; {len(sheets)} country sheets, {len(parsed.rows)} rows with a "
        "CN code.",
        "",
        "### Printed mark-up columns that are not total x (1 + mark-up), and shifted rows",
        "",
        "Compared with a relative tolerance of 1e-9 (the workbook stores binary doubles). "
        "'lawful' is total x (1 + mark-up) for the sector and year (`cbam.rules.markup`).",
        "",
        "| sheet | row | CN | year | workbook | lawful |",
        "|---|---|---|---|---|---|",
        *(findings or ["| – | – | – | – | none | – |"]),
        "",
        "### Cells read with care",
        "",
        *([f"- {n}" for n in parsed.notes] or ["- none"]),
        "",
    ]
    return "\n".join(lines)


def convert_default_values(
    workbook: Path, data_dir: Path = DATA_DIR, notes_path: Path | None = DATA_NOTES
) -> DatasetInfo:
    """Convert the IR 2025/2621 Annex I workbook into ``data_dir/default_values.csv``.

    Records the dataset (id ``default_values``; version and date from the workbook's
    "Version History" sheet) in ``data_dir/manifest.json`` and rewrites the Annex I section of
    ``notes_path`` (skipped when None).
    """
    parsed = read_default_values_workbook(Path(workbook), files=(DEFAULT_VALUES_CSV,))
    write_text_atomic(Path(data_dir) / DEFAULT_VALUES_CSV, rows_to_csv(parsed.rows))
    record(parsed.info, Path(data_dir))
    if notes_path is not None:
        _write_notes_section(Path(notes_path), "default_values", _annex_i_notes(parsed))
    return parsed.info


# --------------------------------------------------------------------------------------------
# Annex IV (legal text)
# --------------------------------------------------------------------------------------------

_NOISE = re.compile(r"^(?:EN\s+)?OJ L, \d{1,2}\.\d{1,2}\.\d{4}(?:\s+EN)?$|ELI: http")
_TABLE_HEADER = re.compile(
    r"Product CN Code Description Highest default value 2026 Default Value \(including "
    r"mark-up\) 2027 Default Value \(including mark-up\) 2028 and onwards Default Value "
    r"\(including mark-up\) Underlying production route determining CBAM BM ?"
)
_SECTION = re.compile(r"(?P<name>[A-Z][a-z]+(?: and [a-z]+)?) (?:\d+% mark-up ?){3}")
_NUMBER = r"\d+(?:,\d+)?"
_RECORD = re.compile(
    r"(?P<cn>\d{4}(?: \d{2}){0,2}) (?P<desc>.+?) "
    rf"(?P<vals>(?:{_NUMBER} ){{3}}{_NUMBER}|(?:[Ss]ee below ){{3}}[Ss]ee below)"
    r"(?: (?P<route>\([A-L]\)(?:/\([A-L]\))*))? ?"
)
_VALUES = re.compile(rf"(?:{_NUMBER} ){{3}}{_NUMBER}|(?:[Ss]ee below ){{3}}[Ss]ee below")
_OJ_DATE = re.compile(r"OJ L, (\d{1,2})\.(\d{1,2})\.(\d{4})")
_ELI = re.compile(r"eli/reg_impl/(\d{4})/(\d+)/oj")


def _next_record(body: str, pos: int) -> int:
    """Start of the next section row or record after ``pos`` (at a word start); ``pos`` if none."""
    for match in re.finditer(r" (?=\d{4}[ ,]|[A-Z])", body[pos:]):
        start = pos + match.end()
        section = _SECTION.match(body, start)
        if section and section.group("name").casefold() in _SECTIONS:
            return start
        if _RECORD.match(body, start) and re.match(r"\d{4}(?: \d{2}){0,2} [^\d]", body[start:]):
            return start
    return pos


def _law_value(total: Decimal, sector: Sector, year: int) -> Decimal:
    """total x (1 + mark-up), rounded half-up to the 3 decimals the Official Journal prints.

    IR 2025/2621 Annex IV (mark-up columns) with :func:`cbam.rules.markup`.
    """
    return (total * (Decimal(1) + markup(sector, year))).quantize(
        Decimal("0.001"), rounding=ROUND_HALF_UP
    )


def _annex_iv_tokens(path: Path) -> tuple[str, list[int], list[int], str, str]:
    """Annex IV as one space-joined string plus the line number at each token's start."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        raise InputError("file not found", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the legal text: {exc}", source=str(path)) from None
    full = "\n".join(lines)
    date_match = _OJ_DATE.search(full)
    eli = _ELI.search(full)
    if date_match is None or eli is None:
        raise InputError(
            "no 'OJ L, dd.mm.yyyy' date or ELI reference found; is this the Official Journal "
            "text of IR 2025/2621?",
            source=str(path),
        )
    day, month, year = (int(g) for g in date_match.groups())
    oj_date = dt.date(year, month, day).isoformat()
    act = f"{eli.group(1)}/{eli.group(2)}"
    start = next((i for i, t in enumerate(lines) if t.strip() == "ANNEX IV"), None)
    if start is None:
        raise InputError("no line 'ANNEX IV' in the legal text", source=str(path))
    first_table = next(
        (i for i in range(start, len(lines)) if lines[i].startswith("Product CN Code")), None
    )
    if first_table is None:
        raise InputError("Annex IV has no table header 'Product CN Code ...'", source=str(path))
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if re.fullmatch(r"ANNEX [IVX]+", lines[i].strip())
        ),
        len(lines),
    )
    pieces: list[str] = []
    offsets: list[int] = []
    line_of: list[int] = []
    position = 0
    for index in range(first_table, end):
        text = lines[index].strip()
        if not text or _NOISE.search(text):
            continue
        # A route indicator glued to the next section's name: "(K)Hydrogen 10% mark-up".
        text = re.sub(r"(\([A-L]\))(?=[A-Z][a-z])", r"\1 ", text)
        # The PDF extraction wrote hyphens at line breaks as STX ("cross\x02section").
        text = text.replace("\x02", "-")
        for token in text.split():
            pieces.append(token)
            offsets.append(position)
            line_of.append(index + 1)
            position += len(token) + 1
    return " ".join(pieces), offsets, line_of, oj_date, act


def read_unknown_country_text(path: Path, *, files: tuple[str, ...] = ()) -> ParsedDefaults:
    """Parse IR 2025/2621 Annex IV (country of production unknown) from the OJ text.

    Each record is: CN code, description (wrapped over lines), the highest default value and the
    2026/2027/2028 values including mark-up (decimal commas), optional route indicator. Page
    headers, footers and repeated table headers are dropped first. Anything the parser cannot
    place raises :class:`InputError` with the line number.
    """
    import bisect

    path = Path(path)
    text, offsets, line_of, oj_date, act = _annex_iv_tokens(path)
    # Drop the table headers repeated on every page, remembering the surviving positions.
    keep: list[tuple[int, int]] = []  # (start, end) of kept spans in ``text``
    cursor = 0
    for match in _TABLE_HEADER.finditer(text):
        keep.append((cursor, match.start()))
        cursor = match.end()
    keep.append((cursor, len(text)))
    body = ""
    origin: list[int] = []  # body offset -> text offset at the start of each kept span
    span_starts: list[int] = []
    for a, b in keep:
        span_starts.append(len(body))
        origin.append(a)
        body += text[a:b]

    def line_at(pos: int) -> int:
        span = bisect.bisect_right(span_starts, pos) - 1
        source_pos = origin[span] + (pos - span_starts[span])
        return line_of[max(0, bisect.bisect_right(offsets, source_pos) - 1)]

    rows: list[DefaultRow] = []
    notes: list[str] = []
    sector: Sector | None = None
    pos = 0
    while pos < len(body):
        if body[pos] == " ":
            pos += 1
            continue
        section = _SECTION.match(body, pos)
        if section and section.group("name").casefold() in _SECTIONS:
            sector = _SECTIONS[section.group("name").casefold()]
            pos = section.end()
            continue
        found = _RECORD.match(body, pos)
        if found is None and rows:
            # The PDF extraction sometimes moves the end of a wrapped description past the
            # values, onto the next page: attach such prose to the record before it.
            resume = _next_record(body, pos)
            fragment = body[pos:resume].strip()
            if resume > pos and not _VALUES.search(fragment):
                last = rows[-1]
                rows[-1] = replace(last, description=f"{last.description} {fragment}")
                notes.append(
                    f"line {line_at(pos)}: description text {fragment[:50]!r}... printed after "
                    f"the values of {last.cn} (line {last.row}), joined to its description."
                )
                pos = resume
                continue
        if found is None or sector is None:
            snippet = body[pos : pos + 80]
            raise InputError(
                f"cannot read an Annex IV record here: {snippet!r}",
                source=str(path),
                location=f"line {line_at(pos)}",
            )
        values = found.group("vals")
        heading = values.casefold().startswith("see below")
        numbers = [] if heading else [Decimal(v.replace(",", ".")) for v in values.split()]
        route = found.group("route") or ""
        rows.append(
            DefaultRow(
                sheet="Annex IV",
                row=line_at(pos),
                country=UNKNOWN,
                sector=sector,
                cn=found.group("cn").replace(" ", ""),
                kind=HEADING if heading else GOOD,
                description=found.group("desc").strip(),
                direct=None,
                indirect=None,
                total=numbers[0] if numbers else None,
                total_text=values.split()[0] + " below" if heading else "",
                route="/".join(route_indicators(route)),
                wb_2026=numbers[1] if numbers else None,
                wb_2027=numbers[2] if numbers else None,
                wb_2028=numbers[3] if numbers else None,
            )
        )
        pos = found.end()
    if not rows:
        raise InputError("Annex IV holds no record", source=str(path))
    info = DatasetInfo(
        id="default_values_unknown_country",
        title="CBAM default values for precursors whose country of production is unknown",
        legal_act=f"IR {act} Annex IV",
        version=f"OJ L {act}",
        version_date=oj_date,
        source_file=path.name,
        sha256=sha256_file(path),
        files=files,
    )
    return ParsedDefaults(info=info, rows=rows, notes=notes)


def unknown_country_findings(rows: Iterable[DefaultRow]) -> list[str]:
    """Annex IV rows whose printed 2026-2028 values are not round(total x (1 + mark-up), 3).

    IR 2025/2621 Annex IV; mark-ups of :func:`cbam.rules.markup`.
    """
    findings = []
    for r in rows:
        if r.kind != GOOD or r.total is None:
            continue
        for year in (2026, 2027, 2028):
            lawful = _law_value(r.total, r.sector, year)
            printed = r.printed(year)
            if printed != lawful:
                gap = abs(lawful - printed) if printed is not None else None
                why = (
                    "last-digit rounding: mark-up taken on the unrounded value"
                    if gap is not None and gap <= Decimal("0.001")
                    else "differs"
                )
                findings.append(
                    f"| {r.row} | {r.cn} | {r.description[:40]} | {year} | "
                    f"{decimal_text(printed)} | {decimal_text(lawful)} | {why} |"
                )
    return findings


def _annex_iv_notes(parsed: ParsedDefaults) -> str:
    info = parsed.info
    goods = [r for r in parsed.rows if r.kind == GOOD]
    findings = unknown_country_findings(parsed.rows)
    lines = [
        f"## {info.legal_act}: `{info.source_file}` ({info.version} of {info.version_date})",
        "",
        f"SHA-256 `{info.sha256}`; {len(parsed.rows)} records ({len(goods)} with values, "
        f"{len(parsed.rows) - len(goods)} 'see below' headings), every value a number.",
        "",
        "### Printed 2026/2027/2028 values that are not total x (1 + mark-up) rounded to "
        "3 decimals",
        "",
        "The library uses the printed highest default value and adds the mark-up itself, so "
        "these printed columns never reach a result.",
        "",
        "| line | CN | description | year | printed | lawful (3 dp) | note |",
        "|---|---|---|---|---|---|---|",
        *(findings or ["| – | – | – | – | none | – | – |"]),
        "",
        "### Text read with care",
        "",
        *([f"- {n}" for n in parsed.notes] or ["- none"]),
        "",
    ]
    return "\n".join(lines)


def convert_unknown_country_defaults(
    legal_text: Path, data_dir: Path = DATA_DIR, notes_path: Path | None = DATA_NOTES
) -> DatasetInfo:
    """Convert IR 2025/2621 Annex IV into ``data_dir/default_values_unknown_country.csv``.

    Records the dataset (id ``default_values_unknown_country``) in the manifest and rewrites the
    Annex IV section of ``notes_path`` (skipped when None).
    """
    parsed = read_unknown_country_text(Path(legal_text), files=(UNKNOWN_COUNTRY_CSV,))
    for r in parsed.rows:
        if r.kind == GOOD and None in (r.total, r.wb_2026, r.wb_2027, r.wb_2028):
            raise InputError(
                "an Annex IV record without all four numbers",
                source=str(legal_text),
                location=f"line {r.row}",
            )
    write_text_atomic(Path(data_dir) / UNKNOWN_COUNTRY_CSV, unknown_rows_to_csv(parsed.rows))
    record(parsed.info, Path(data_dir))
    if notes_path is not None:
        _write_notes_section(
            Path(notes_path), "default_values_unknown_country", _annex_iv_notes(parsed)
        )
    return parsed.info
