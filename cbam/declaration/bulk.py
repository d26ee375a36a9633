"""The bulk path: a customs file in, ``lines.csv`` and the :class:`Assessment` out, fast.

:func:`assess_file` gives exactly what ``assess(read_imports(...), sink=LinesCsvWriter(...))``
gives -- the same :class:`~cbam.declaration.model.Assessment` and a byte-identical
``lines.csv`` -- at a fraction of the cost per line. It gets there by doing per distinct *text*
what the reference path does per line:

* a row's CN code, origin, route and installation texts are validated once per distinct
  combination of texts (a dict from the raw cells to the good);
* a date (or year and quarter) is parsed and priced once per distinct text;
* the good's SEE and SEFA come from :meth:`Assessor.good_for`, computed once per good, and its
  output cells (CN, origin, SEE, SEFA, group ...) are formatted once;
* each line then costs four multiplications and the text of five figures, written with
  ``csv.writer``; no model object is made per line.

Anything the fast checks do not recognise -- a new text, a blank row, an odd number, a short
or long row -- goes through the reference :func:`~cbam.formats.imports.parse_line` for that row,
so a bad row raises the very same :class:`~cbam.errors.InputError` (file, row, column, reason)
as :func:`~cbam.formats.imports.read_imports`, and no row is dropped.

All arithmetic runs in the 100-digit :data:`~cbam.declaration.assess.EXACT` context, where no
sum is ever rounded: the sums of a file split in chunks equal the sums of the whole file, to the
last digit and exponent. Large CSV files are therefore split at line ends and assessed by one
process per core (forked), each writing its part of ``lines.csv``; the parts are joined in
order. The figures are those of Reg. (EU) 2023/956 Art. 2a, 6, 9, 21, 22 and IR 2025/2620 as
implemented by :mod:`cbam.declaration.assess` (EE = M x SEE, FAA = M x SEFA,
N = max(0, EE - FAA - CP), cost = N x price).
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import re
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation, localcontext
from itertools import islice, pairwise
from operator import itemgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from cbam.declaration.assess import EXACT, Assessor, line_error
from cbam.declaration.model import Assessment, SupplierValue
from cbam.errors import CbamError, InputError
from cbam.formats.imports import (
    ImportLine,
    header_columns,
    in_range,
    parse_line,
    raw_rows,
    sniff_delimiter,
)
from cbam.formats.lines import COLUMNS
from cbam.jsonout import decimal_text
from cbam.reference.prices import PriceTable
from cbam.rules import DE_MINIMIS_TONNES

if TYPE_CHECKING:
    from cbam.reference.defaults import DefaultValueTable

ZERO = Decimal(0)
GoodKey = tuple[str, str, str | None, str | None]

#: Files smaller than this are assessed in one process (forking costs more than it saves).
PARALLEL_MIN_BYTES = 4_000_000
_BLOCK = 1 << 20

# Columns whose cells are validated but not used in the figures (read_imports checks them).
_CHECKED_ONLY = ("supplementary_units", "clinker_content", "nitrogen_content")


def _csv_text(cells: Sequence[object]) -> str:
    """Cells joined as ``csv.writer`` joins them (quoted where needed), without the line end."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()[:-2]


def figure_text(value: Decimal) -> str:
    """:func:`cbam.jsonout.decimal_text`, faster: ``str`` is positional for most figures."""
    text = str(value)
    if "E" in text:
        return decimal_text(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# Characters that make csv.writer quote a cell (excel dialect, QUOTE_MINIMAL).
_QUOTED = re.compile(r'[,"\r\n]')


class _Good:
    """One good's cached output cells and the exact running sums of its lines."""

    __slots__ = (
        "always",
        "group",
        "head",
        "key",
        "mid",
        "plain",
        "quarters",
        "see",
        "sefa",
        "sefa_text",
        "sums",
    )

    def __init__(self, assessor: Assessor, key: GoodKey) -> None:
        good = assessor.good_for(*key)
        cost = good.cost
        self.key = key
        self.see = cost.see_used
        self.sefa = cost.sefa
        self.plain = good.see_without_markup
        self.always = good.always_in_scope
        # The cells of lines.csv that are the same on every line of the good, as CSV text:
        # cn .. route | basis, see_used | sefa | group (COLUMNS order).
        self.head = _csv_text([key[0], key[1], cost.country_used, key[3] or "", cost.route or ""])
        self.mid = _csv_text([cost.basis, decimal_text(cost.see_used)])
        self.sefa_text = _csv_text([decimal_text(cost.sefa)])
        self.group = _csv_text([good.key, ""])[:-1]
        # lines, net mass, embedded, allocation, deduction, certificates, cost (EUR)
        self.sums: list[Any] = [0, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO]
        # Per quarter: net mass x SEE without mark-up, and allocation (Art. 22(2)(a)).
        self.quarters: list[list[Decimal]] = [[ZERO, ZERO] for _ in range(4)]


class _When:
    """A date's (or year and quarter's) line cells and price, made once per distinct text."""

    __slots__ = ("head", "period", "price", "quarter", "tail")

    def __init__(self, line: ImportLine, assessor: Assessor) -> None:
        price = assessor.prices(line)
        self.quarter = line.quarter - 1
        self.period = price.period
        self.price = price.value
        # year, quarter, period | price, price_is_assumption
        self.head = _csv_text([line.year, line.quarter, price.period])
        self.tail = _csv_text([decimal_text(price.value), "true" if price.assumption else "false"])


class _Chunk:
    """The exact sums of the lines of one run of rows (one chunk, or the whole file)."""

    def __init__(self) -> None:
        self.goods: dict[GoodKey, list[Any]] = {}
        self.quarters: list[list[Decimal]] = [[ZERO, ZERO] for _ in range(4)]
        self.periods: set[str] = set()


# What a line waits with while the de minimis question is open: the text before the
# certificates, the good, mass, embedded, allocation, deduction, certificates, cost, their texts.
_Pending = tuple[str, _Good, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, str, str, str]


class _Run:
    """Reads rows, assesses them and writes their lines.csv rows; errors as read_imports."""

    def __init__(self, assessor: Assessor, names: list[str], source: str) -> None:
        self.assessor = assessor
        self.names = names
        self.source = source
        self.width = len(names)
        self.year = assessor.year
        self.by_text: dict[tuple[str, str, str, str], _Good] = {}
        self.goods: dict[GoodKey, _Good] = {}
        self.whens: dict[tuple[str, str, str], _When] = {}
        self.checked_ok: set[tuple[str, ...]] = set()
        # Absent columns read the empty cell appended to every row (index = width).
        index = {name: i for i, name in enumerate(names) if name}
        column = [index.get(c, self.width) for c in (
            "cn_code", "country", "route", "installation_id", "import_date", "year",
            "quarter", "net_mass", "carbon_price_deduction", "line_id",
        )]  # fmt: skip
        self.get_good = itemgetter(*column[0:4])
        self.get_when = itemgetter(*column[4:7])
        self.mass_at, self.deduction_at, self.line_id_at = column[7:10]
        checked = [index[c] for c in _CHECKED_ONLY if c in index]
        self.get_checked: Callable[[list[str]], Any] | None = (
            itemgetter(*checked, self.width) if checked else None
        )

    # -- the slow, exact path for a row the fast checks do not know ------------------------

    def parse(self, cells: list[str], number: int) -> ImportLine | None:
        """The reference reading of one row (cells without the appended empty cell)."""
        if not any(c.strip() for c in cells):
            return None
        width = self.width
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise InputError(
                f"has {len(cells)} values but the header has {width} columns",
                source=self.source,
                location=f"row {number}",
            )
        values = {n: c for n, c in zip(self.names, cells, strict=False) if n}
        try:
            return parse_line(values, number, self.year)
        except CbamError as exc:
            raise exc.located(source=self.source, location=f"row {number}") from None

    def good(self, line: ImportLine) -> _Good:
        key = (line.cn, line.country, line.route, line.installation_id)
        found = self.goods.get(key)
        if found is None:
            try:
                found = _Good(self.assessor, key)
            except CbamError as exc:
                raise line_error(exc, line.row) from None
            self.goods[key] = found
        return found

    def learn(self, cells: list[str], line: ImportLine) -> tuple[_Good, _When]:
        """Remember what a parsed row's texts mean, so the next such row takes the fast path.

        ``cells``: the row cut or padded to the header's width, plus the empty cell.
        """
        good = self.good(line)
        self.by_text[self.get_good(cells)] = good
        when = self.whens.get(self.get_when(cells))
        if when is None:
            when = self.whens[self.get_when(cells)] = _When(line, self.assessor)
        if self.get_checked is not None:
            self.checked_ok.add(self.get_checked(cells))
        return good, when

    # -- the loop --------------------------------------------------------------------------

    def run(
        self,
        rows: Iterable[list[str]],
        first: int,
        write: Callable[[str], object],
        *,
        buffered: bool,
    ) -> _Chunk:
        """Assess ``rows`` (numbered from ``first``) and write each line's lines.csv text.

        Per line: EE = M x SEE, FAA = M x SEFA, N = max(0, EE - FAA - CP), cost = N x price
        (Reg. (EU) 2023/956 Art. 9, 21, 22; IR 2025/2620 Annex pt 2; Q&A §4.32), in the EXACT
        context. ``buffered``: hold lines until more than 50 t are counted (de minimis,
        Reg. (EU) 2023/956 Art. 2a) as the reference path does; a chunk of a split file is
        written as in scope and the caller checks the whole file's mass.
        """
        chunk = _Chunk()
        counted = ZERO
        pending: list[_Pending] = []
        batch: list[str] = []
        width = self.width
        by_text, whens = self.by_text, self.whens
        get_good, get_when, get_checked = self.get_good, self.get_when, self.get_checked
        checked_ok = self.checked_ok
        mass_at, deduction_at, line_id_at = self.mass_at, self.deduction_at, self.line_id_at
        text = figure_text
        quoted = _QUOTED.search
        number = first - 1
        with localcontext(EXACT):
            for cells in rows:
                number += 1
                # Fast path: every text seen before and every number plain; else parse_line.
                good = when = None
                appended = len(cells) == width
                if appended:
                    cells.append("")
                    good = by_text.get(get_good(cells))
                    when = whens.get(get_when(cells))
                mass = deduction = ZERO
                if good is not None and when is not None:
                    try:
                        mass = Decimal(cells[mass_at])
                        raw = cells[deduction_at]
                        deduction = Decimal(raw) if raw else ZERO
                    except InvalidOperation:
                        good = None
                    else:
                        if (
                            not (mass.is_finite() and deduction.is_finite())
                            or (mass < 0 or deduction < 0)
                            or not (in_range(mass) and in_range(deduction))
                            or (get_checked is not None and get_checked(cells) not in checked_ok)
                        ):
                            good = None
                        elif not deduction:
                            deduction = ZERO  # the reference's "deduction or ZERO"
                if good is None or when is None:
                    if appended:
                        cells.pop()
                    line = self.parse(cells, number)
                    if line is None:
                        continue
                    kept = cells[:width]
                    good, when = self.learn(kept + [""] * (width + 1 - len(kept)), line)
                    mass = line.net_mass
                    deduction = line.carbon_price_deduction or ZERO
                    line_id = line.line_id or ""
                else:
                    line_id = cells[line_id_at].strip()
                if line_id and quoted(line_id):
                    line_id = '"' + line_id.replace('"', '""') + '"'
                see_sum = mass * good.see
                allocation = mass * good.sefa
                due = see_sum - allocation - deduction
                if not due > ZERO:
                    due = ZERO
                cost = due * when.price
                quarter = good.quarters[when.quarter]
                quarter[0] += mass * good.plain
                quarter[1] += allocation
                start = (
                    f"{number},{line_id},{good.head},{when.head},{text(mass)},{good.mid},"
                    f"{text(see_sum)},{good.sefa_text},{text(allocation)},"
                    f"{'0' if deduction is ZERO else text(deduction)},"
                )
                if due is ZERO:
                    due_text = cost_text = "0"
                else:
                    due_text, cost_text = text(due), text(cost)
                if buffered:
                    figures = (mass, see_sum, allocation, deduction, due, cost)
                    pending.append((start, good, *figures, due_text, cost_text, when.tail))
                    if not good.always:
                        counted += mass
                    if counted > DE_MINIMIS_TONNES:
                        buffered = False
                        for item in pending:
                            batch.append(self._emit(*item, exempt=False))
                        pending.clear()
                    continue
                sums = good.sums
                sums[0] += 1
                sums[1] += mass
                sums[2] += see_sum
                sums[3] += allocation
                sums[4] += deduction
                sums[5] += due
                sums[6] += cost
                batch.append(f"{start}{due_text},{when.tail},{cost_text},false,{good.group}\r\n")
                if len(batch) >= 4096:
                    write("".join(batch))
                    batch.clear()
            # Never past 50 t: the lines of goods the threshold counts owe nothing (Art. 2a).
            for item in pending:
                batch.append(self._emit(*item, exempt=True))
            write("".join(batch))
            for key, good in self.goods.items():
                chunk.goods[key] = good.sums
                for total, part in zip(chunk.quarters, good.quarters, strict=True):
                    total[0] += part[0]
                    total[1] += part[1]
        chunk.periods = {w.period for w in self.whens.values()}
        return chunk

    @staticmethod
    def _emit(
        start: str,
        good: _Good,
        mass: Decimal,
        see_sum: Decimal,
        allocation: Decimal,
        deduction: Decimal,
        due: Decimal,
        cost: Decimal,
        due_text: str,
        cost_text: str,
        price_cells: str,
        *,
        exempt: bool,
    ) -> str:
        """Add a line that waited to its good's sums; its text (exempt: no certificates)."""
        flag = "false"
        if exempt and not good.always:
            due, cost, due_text, cost_text, flag = ZERO, ZERO, "0", "0", "true"
        sums = good.sums
        sums[0] += 1
        sums[1] += mass
        sums[2] += see_sum
        sums[3] += allocation
        sums[4] += deduction
        sums[5] += due
        sums[6] += cost
        return f"{start}{due_text},{price_cells},{cost_text},{flag},{good.group}\r\n"


def _generator(rows: Iterator[list[str]]) -> Generator[list[str], None, None]:
    """``raw_rows`` is a generator; say so, to close it (and its file) when done."""
    assert isinstance(rows, Generator)
    return rows


# -- files -----------------------------------------------------------------------------------


class _AtomicText:
    """A text file written under a hidden temporary name and renamed into place on success.

    The same discipline as :class:`~cbam.formats.lines.LinesCsvWriter`: ``lines.csv`` appears
    whole or not at all (a failure deletes the temporary file and keeps any older file).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        self.tmp = Path(tmp)
        # newline="" lets the csv module write its own line ends (RFC 4180 CRLF).
        self.handle: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def __enter__(self) -> _AtomicText:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        self.handle.close()
        if exc_type is not None:
            self.tmp.unlink(missing_ok=True)
            return
        try:
            os.chmod(self.tmp, 0o644)  # mkstemp makes 0600; lines.csv is for others to read
            os.replace(self.tmp, self.path)
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise


def _finish(
    assessor: Assessor,
    chunks: Sequence[_Chunk],
    scenario_prices: Sequence[Decimal],
    declarant: dict[str, str] | None,
) -> Assessment:
    """Hand the chunks' exact sums to the assessor and let it build the Assessment."""
    for chunk in chunks:
        for key, sums in chunk.goods.items():
            assessor.merge(
                assessor.good_for(*key),
                lines=sums[0],
                net_mass=sums[1],
                embedded=sums[2],
                allocation=sums[3],
                deduction=sums[4],
                certificates=sums[5],
                cost_eur=sums[6],
            )
        for quarter, (plain, allocation) in enumerate(chunk.quarters, start=1):
            assessor.merge_quarters(quarter, plain, allocation)
        for period in sorted(chunk.periods):
            assessor.prices.for_period(period)
    return assessor.finish(scenario_prices=scenario_prices, declarant=declarant)


# -- one process -----------------------------------------------------------------------------


def _serial(
    path: Path,
    make: Callable[[], Assessor],
    lines_csv: Path,
    scenario_prices: Sequence[Decimal],
    declarant: dict[str, str] | None,
) -> Assessment:
    source = str(path)
    assessor = make()
    with _AtomicText(lines_csv) as out:
        csv.writer(out.handle).writerow(COLUMNS)
        rows = _generator(raw_rows(path))
        try:
            try:
                header = next(rows)
            except StopIteration:
                raise InputError(
                    "the file is empty: a header row is required", source=source
                ) from None
            run = _Run(assessor, header_columns(header, source), source)
            chunk = run.run(rows, 2, out.handle.write, buffered=True)
        finally:
            rows.close()
    return _finish(assessor, [chunk], scenario_prices, declarant)


# -- several processes -----------------------------------------------------------------------


class _Plan:
    """Where a CSV file is cut: byte offsets of line starts and the row number there."""

    def __init__(self, starts: list[int], rows: list[int], header_end: int) -> None:
        self.starts = starts  # byte offset of each chunk's first line
        self.rows = rows  # row number (header = 1) of each chunk's first line
        self.header_end = header_end


def _plan(path: Path, parts: int) -> _Plan | None:
    """Cut points at line ends, or None when rows cannot be cut by lines.

    A quoted cell may hold a line break, and a lone CR ends a row for the csv module, so only
    files without ``"`` and with CR only in CRLF are split; their rows are their lines.
    """
    if parts < 2 or path.suffix.lower() in (".xlsx", ".xlsm"):
        return None
    size = path.stat().st_size
    if size < PARALLEL_MIN_BYTES:
        return None
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
    if not starts:
        return None
    return _Plan(starts, rows, header_end)


def _chunk_rows(path: Path, start: int, count: int | None, delimiter: str) -> Iterator[list[str]]:
    """The csv rows of ``count`` lines from byte ``start`` (a line start; no BOM there)."""
    with path.open(newline="", encoding="utf-8") as handle:
        # A UTF-8 text file's seek cookie at a line start is the byte offset itself.
        handle.seek(start)
        reader = csv.reader(handle, delimiter=delimiter)
        yield from (reader if count is None else islice(reader, count))


def _worker(
    connection: Any,
    run: _Run,
    path: Path,
    part: Path,
    start: int,
    count: int | None,
    first: int,
    delimiter: str,
) -> None:
    """Assess one chunk into ``part``; send back its sums, or the failure."""
    try:
        with part.open("w", encoding="utf-8", newline="") as handle:
            chunk = run.run(
                _chunk_rows(path, start, count, delimiter), first, handle.write, buffered=False
            )
        connection.send(("ok", chunk))
    except Exception as exc:  # any failure: the caller re-runs the file in one process, which
        connection.send(("error", repr(exc)))  # raises exactly the reference path's error
    finally:
        connection.close()


class _Serial(Exception):
    """The parallel attempt gives way to the one-process run (never leaves this module)."""


def _parallel(
    path: Path,
    plan: _Plan,
    make: Callable[[], Assessor],
    lines_csv: Path,
    scenario_prices: Sequence[Decimal],
    declarant: dict[str, str] | None,
) -> Assessment | None:
    """Assess the chunks in parallel; None when the file must be done in one process.

    That is when any chunk fails (the serial run then raises the reference error for the first
    bad row) or when the whole file stays within the 50 t de minimis threshold (its lines are
    then written as exempt, which only the serial run does).
    """
    source = str(path)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        delimiter = sniff_delimiter(handle.read(4096))
    rows = _generator(raw_rows(path))
    try:
        header = next(rows)
    except StopIteration:
        return None
    finally:
        rows.close()
    names = header_columns(header, source)
    assessor = make()
    run = _Run(assessor, names, source)
    context = multiprocessing.get_context("fork")
    starts = [plan.header_end, *plan.starts]
    firsts = [2, *plan.rows]
    counts: list[int | None] = [b - a for a, b in pairwise(firsts)]
    counts.append(None)
    workers: list[tuple[Any, Any]] = []
    chunks: list[_Chunk] = []
    try:
        with _AtomicText(lines_csv) as out:
            parts = [out.tmp.with_name(f"{out.tmp.name}.{i}") for i in range(len(starts))]
            try:
                for i in range(1, len(starts)):
                    receive, send = context.Pipe(duplex=False)
                    process = context.Process(
                        target=_worker,
                        args=(
                            send,
                            run,
                            path,
                            parts[i],
                            starts[i],
                            counts[i],
                            firsts[i],
                            delimiter,
                        ),
                        daemon=True,
                    )
                    process.start()
                    send.close()
                    workers.append((process, receive))
                csv.writer(out.handle).writerow(COLUMNS)
                try:
                    chunks = [
                        run.run(
                            _chunk_rows(path, starts[0], counts[0], delimiter),
                            2,
                            out.handle.write,
                            buffered=False,
                        )
                    ]
                except Exception:  # re-run in one process to raise the reference error
                    raise _Serial from None
                failed = False
                for process, receive in workers:
                    try:
                        status, result = receive.recv()
                    except EOFError:
                        status, result = "error", None
                    process.join()
                    if status != "ok":
                        failed = True
                    else:
                        chunks.append(result)
                if failed:
                    raise _Serial
                out.handle.flush()
                with open(out.tmp, "ab") as target:
                    for part in parts[1:]:
                        with part.open("rb") as piece:
                            while block := piece.read(_BLOCK * 8):
                                target.write(block)
                counted = ZERO
                with localcontext(EXACT):
                    for chunk in chunks:
                        for key, sums in chunk.goods.items():
                            if not assessor.good_for(*key).always_in_scope:
                                counted += sums[1]
                if not counted > DE_MINIMIS_TONNES:
                    raise _Serial
            finally:
                for process, _ in workers:
                    if process.is_alive():
                        process.kill()
                        process.join()
                for part in parts[1:]:
                    part.unlink(missing_ok=True)
    except _Serial:
        return None
    return _finish(assessor, chunks, scenario_prices, declarant)


def assess_file(
    imports: str | os.PathLike[str],
    year: int,
    *,
    lines_csv: str | os.PathLike[str],
    suppliers: Iterable[SupplierValue] = (),
    prices: PriceTable | None = None,
    cscf: Decimal = Decimal(1),
    scenario_prices: Sequence[Decimal] = (),
    declarant: dict[str, str] | None = None,
    defaults_table: DefaultValueTable | None = None,
    workers: int | None = None,
) -> Assessment:
    """Read a customs file, assess it and write ``lines.csv`` (atomically); the Assessment.

    The same result as :func:`cbam.declaration.assess.assess` over
    :func:`~cbam.formats.imports.read_imports` with a
    :class:`~cbam.formats.lines.LinesCsvWriter` sink: equal Assessment, byte-identical
    ``lines.csv``, the same :class:`~cbam.errors.InputError` for a bad row (file, row, column).
    ``workers``: processes for a large CSV (default: the usable cores; 1 = never split).
    Errors carry the file as their source.
    """
    path = Path(imports)
    out = Path(lines_csv)
    supplier_values = tuple(suppliers)

    def make() -> Assessor:
        return Assessor(
            year,
            suppliers=supplier_values,
            prices=prices,
            cscf=cscf,
            defaults_table=defaults_table,
        )

    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    try:
        plan = None
        if "fork" in multiprocessing.get_all_start_methods():
            plan = _plan(path, workers)
        if plan is not None:
            result = _parallel(path, plan, make, out, scenario_prices, declarant)
            if result is not None:
                return result
        return _serial(path, make, out, scenario_prices, declarant)
    except CbamError as exc:
        raise exc.located(source=str(path)) from None
