"""The main job: a year of customs lines and supplier data in, the declarant's files out.

:func:`assess_file` reads a customs file (CSV or XLSX), assesses every line with the one
:class:`~cbam.declaration.engine.Engine` and writes ``lines.csv`` while the lines stream; a
large CSV file is cut into parts assessed by one process per core, whose exact sums are merged
(the 100-digit context never rounds, so the totals do not depend on the cut).
:func:`run_assess` is what ``cbam assess`` does: load the inputs, run :func:`assess_file`, write
``declaration.json``, ``declaration.xml`` and ``report.xlsx`` beside ``lines.csv``.

This module sits above both wings and the formats: it only wires them together.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cbam import forked
from cbam.declaration.engine import Engine, EnginePart
from cbam.declaration.importers import ByImporter, OneImporter
from cbam.declaration.model import Assessment, ImportLine, SupplierValue
from cbam.errors import CbamError, InputError
from cbam.files import (
    check_regular,
    files_below,
    output_folder,
    refuse_overwrite,
    supplier_files,
)
from cbam.forked import Forked
from cbam.formats.imports import LineReader, no_lines_error, open_lines
from cbam.formats.lines import LinesCsvWriter
from cbam.formats.split import Part, delimiter_of, part_rows, split_points
from cbam.rules import exceeds_de_minimis

if TYPE_CHECKING:
    from cbam.declaration.year_inputs import YearInputs
    from cbam.formats.exports import Adapter, ExportFormat
    from cbam.reference.defaults import DefaultValueTable
    from cbam.reference.prices import PriceTable

#: Files smaller than this are assessed in one process (forking costs more than it saves).
PARALLEL_MIN_BYTES = 4_000_000

OUTPUT_NAMES = ("declaration.json", "declaration.xml", "report.xlsx", "lines.csv")
"""The files :func:`run_assess` writes into its output folder (or each importer's folder)."""
LINES_CSV = OUTPUT_NAMES[3]

#: The column that names each line's importer; a file with it is assessed per importer.
IMPORTER_COLUMN = "importer_eori"

Importers = dict[str, Assessment]
"""One Assessment per importer, keyed by EORI number in the order the importers first appear."""


@dataclass
class _Setup:
    """What every engine of one file is made from."""

    year: int
    suppliers: tuple[SupplierValue, ...]
    prices: PriceTable | None
    cscf: Decimal
    defaults_table: DefaultValueTable | None
    accept_unverified: bool = False
    say: Callable[[str], None] | None = None
    """Where progress messages go (lines counted as they are assessed)."""
    sheet: str | None = None
    export: ExportFormat | None = None
    """How the customs export differs from the library's columns (--columns, --mass-unit...)."""
    read_notes: set[str] = field(default_factory=set)
    """What the reading of the export said (decimal commas detected, masses in kg...)."""
    inputs: YearInputs | None = None
    """The price basis, last year's surrender and the carbon price tables."""
    scenario_prices: Sequence[Decimal] = ()
    declarant: dict[str, str] | None = None

    def engine(self, sink: LinesCsvWriter | None, *, settle_at_once: bool = False) -> Engine:
        return Engine(
            self.year,
            suppliers=self.suppliers,
            prices=self.prices,
            cscf=self.cscf,
            defaults_table=self.defaults_table,
            sink=sink,
            settle_at_once=settle_at_once,
            accept_unverified=self.accept_unverified,
            inputs=self.inputs,
        )

    def finish(self, engine: Engine, importer: str | None) -> Assessment:
        """The Assessment of an engine's lines, of ``importer`` (None: the lines name none)."""
        result = engine.finish(scenario_prices=self.scenario_prices, declarant=self.declarant)
        update: dict[str, Any] = {}
        if self.read_notes:
            update["notes"] = tuple(sorted({*result.notes, *self.read_notes}))
        if importer is not None:
            update["importer"] = importer
        return result.model_copy(update=update) if update else result

    def lines_progress(self, parts: int = 1) -> Callable[[int], None] | None:
        """The engine's callback: a message every so many lines (of the first part when split)."""
        say = self.say
        if say is None:
            return None
        if parts == 1:
            return lambda lines: say(f"{lines:,} lines assessed")
        return lambda lines: say(
            f"{lines:,} lines of the first of {parts} parts assessed (the others in parallel)"
        )


def _header(
    path: Path, year: int, sheet: str | None = None, export: ExportFormat | None = None
) -> tuple[Any, LineReader, Adapter | None]:
    """The file's rows after the header, the reader of its lines and the export's adapter."""
    return open_lines(path, year, sheet=sheet, export=export)


def _adapted(adapter: Adapter | None, rows: Any, first: int) -> Any:
    return rows if adapter is None else adapter.rows(rows, first)


#: What the error at the first line of a second importer tells the caller of assess_file.
_ONE_IMPORTER = (
    "for a file of several importers use cbam.job.assess_file_by_importer (cbam assess writes "
    "OUT/<EORI>/ for each)"
)


def _checked(reader: LineReader, lines: Iterable[ImportLine]) -> tuple[Any, OneImporter | None]:
    """The lines, checked to name one importer when the file has the importer column."""
    if IMPORTER_COLUMN not in reader.names:
        return lines, None
    check = OneImporter(_ONE_IMPORTER, required=True)
    return check.lines(lines), check


def _serial(path: Path, setup: _Setup, lines_csv: Path) -> Assessment:
    """The whole file in this process; lines wait for the de minimis question as they should."""
    with LinesCsvWriter(lines_csv) as writer:
        engine = setup.engine(writer)
        engine.progress = setup.lines_progress()
        rows, reader, adapter = _header(path, setup.year, setup.sheet, setup.export)
        if adapter is not None:
            setup.read_notes.update(adapter.notes)
        try:
            lines, check = _checked(reader, reader.lines(rows, 2))
            engine.add_lines(lines)
        finally:
            rows.close()
        if not engine.lines:
            raise no_lines_error(str(path))
        return setup.finish(engine, None if check is None else check.eori)


def _assess_part(
    engine: Engine,
    reader: LineReader,
    path: Path,
    part: Part,
    delimiter: str,
    out: Path,
    adapter: Adapter | None = None,
    years: Sequence[int] = (),
) -> tuple[EnginePart, str | None]:
    """Assess one part of a split file into ``out`` (in a forked process); its sums and the
    importer its lines name (None: none, or no line). Its goods are then valued in ``years``,
    its share of the cost trajectory."""
    with LinesCsvWriter(out, header=False) as writer:
        engine.use_sink(writer)
        rows = _adapted(adapter, part_rows(path, part, delimiter), part.first_row)
        lines, check = _checked(reader, reader.lines(rows, part.first_row))
        engine.add_lines(lines)
    engine.value_years(years)
    return engine.part(), None if check is None else check.eori


class _Serial(Exception):
    """The parallel attempt gives way to the one-process run (never leaves this module)."""


def _parallel(
    path: Path,
    parts: list[Part],
    setup: _Setup,
    lines_csv: Path,
) -> Assessment | None:
    """The parts in parallel; None when the file must be done in one process.

    That is when any part fails (the serial run then raises the error of the first bad row),
    when the parts name different importers (the serial run names the row), or when the whole
    year stays within the 50 t de minimis threshold (its lines are then written as exempt,
    which only the serial run does).
    """
    delimiter = delimiter_of(path)
    rows, reader, adapter = _header(path, setup.year, None, setup.export)
    rows.close()
    try:
        with LinesCsvWriter(lines_csv) as writer:
            engine = setup.engine(None, settle_at_once=True)
            if adapter is not None:
                setup.read_notes.update(adapter.notes)
            outs = [writer.part_path(i) for i in range(1, len(parts))]
            # Each process values the goods it met in its share of the trajectory's years.
            years = engine.trajectory_years()
            shares = [years[i :: len(parts)] for i in range(len(parts))]
            workers: list[Forked] = []
            try:
                for part, out, share in zip(parts[1:], outs, shares[1:], strict=True):
                    workers.append(
                        Forked(
                            _assess_part,
                            *(engine, reader, path, part, delimiter, out, adapter, share),
                        )
                    )
                engine.use_sink(writer)
                engine.progress = setup.lines_progress(len(parts))  # this process's part only
                try:
                    first = _adapted(adapter, part_rows(path, parts[0], delimiter), 2)
                    lines, check = _checked(reader, reader.lines(first, 2))
                    engine.add_lines(lines)
                    writer.forget_templates()  # every line of this part is written
                    engine.value_years(shares[0])
                    merged = [worker.result() for worker in workers]
                except Exception:  # the one-process run raises the first bad row's own error
                    raise _Serial from None
                importers = {eori for _, eori in merged} | {check.eori if check else None}
                if len(importers - {None}) > 1:
                    raise _Serial
                for part_sums, _ in merged:
                    engine.merge(part_sums)
                merged.clear()  # merged: the parts' own copies go before the goods are summed up
                for out in outs:
                    writer.append_file(out)
            finally:
                for worker in workers:
                    worker.stop()
                for out in outs:
                    out.unlink(missing_ok=True)
            if not exceeds_de_minimis(engine.mass_counted):
                raise _Serial
            return setup.finish(engine, next(iter(importers - {None}), None))
    except _Serial:
        return None


# -- several importers: OUT/<EORI>/ ------------------------------------------------------------


def _serial_by_importer(path: Path, setup: _Setup, out: Path) -> Importers:
    """The whole file in this process, each importer's lines into ``out/<EORI>/lines.csv``."""
    with ExitStack() as stack:

        def make(eori: str) -> Engine:
            return setup.engine(stack.enter_context(LinesCsvWriter(out / eori / LINES_CSV)))

        router = ByImporter(make, progress=setup.lines_progress())
        rows, reader, adapter = _header(path, setup.year, setup.sheet, setup.export)
        if adapter is not None:
            setup.read_notes.update(adapter.notes)
        try:
            router.add_lines(reader.lines(rows, 2))
        finally:
            rows.close()
        if not router.engines:
            raise no_lines_error(str(path))
        return {eori: setup.finish(engine, eori) for eori, engine in router.engines.items()}


def _assess_part_by_importer(
    setup: _Setup,
    reader: LineReader,
    path: Path,
    part: Part,
    delimiter: str,
    out: Path,
    adapter: Adapter | None = None,
) -> dict[str, EnginePart]:
    """Assess one part of a split file (in a forked process), each importer's lines into
    ``out/<EORI>.csv``; the sums per importer, in the order the importers appear."""
    with ExitStack() as stack:

        def make(eori: str) -> Engine:
            writer = LinesCsvWriter(out / f"{eori}.csv", header=False)
            return setup.engine(stack.enter_context(writer), settle_at_once=True)

        router = ByImporter(make)
        rows = _adapted(adapter, part_rows(path, part, delimiter), part.first_row)
        router.add_lines(reader.lines(rows, part.first_row))
        return {eori: engine.part() for eori, engine in router.engines.items()}


def _parallel_by_importer(
    path: Path, parts: list[Part], setup: _Setup, out: Path
) -> Importers | None:
    """The parts in parallel, each routing its lines to per-importer engines; None when the
    file must be done in one process: a part failed, or an importer stays within 50 t."""
    delimiter = delimiter_of(path)
    rows, reader, adapter = _header(path, setup.year, None, setup.export)
    rows.close()
    if adapter is not None:
        setup.read_notes.update(adapter.notes)
    work = Path(tempfile.mkdtemp(dir=out, prefix=".cbam-parts-"))
    try:
        with ExitStack() as stack:
            writers: dict[str, LinesCsvWriter] = {}

            def make(eori: str) -> Engine:
                writer = writers[eori] = LinesCsvWriter(out / eori / LINES_CSV)
                return setup.engine(stack.enter_context(writer), settle_at_once=True)

            router = ByImporter(make, progress=setup.lines_progress(len(parts)))
            outs = [work / str(i) for i in range(1, len(parts))]
            workers: list[Forked] = []
            try:
                for part, part_out in zip(parts[1:], outs, strict=True):
                    workers.append(
                        Forked(
                            _assess_part_by_importer,
                            *(setup, reader, path, part, delimiter, part_out, adapter),
                        )
                    )
                try:
                    first = _adapted(adapter, part_rows(path, parts[0], delimiter), 2)
                    router.add_lines(reader.lines(first, 2))
                    merged: list[dict[str, EnginePart]] = [w.result() for w in workers]
                except Exception:  # the one-process run raises the first bad row's own error
                    raise _Serial from None
                for part_out, sums in zip(outs, merged, strict=True):
                    for eori, part_sums in sums.items():  # the importers in order of appearance
                        router.engine(eori).merge(part_sums)
                        writers[eori].append_file(part_out / f"{eori}.csv")
            finally:
                for worker in workers:
                    worker.stop()
            engines = router.engines
            if not all(exceeds_de_minimis(e.mass_counted) for e in engines.values()):
                raise _Serial
            return {eori: setup.finish(engine, eori) for eori, engine in engines.items()}
    except _Serial:
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- the customs file's API --------------------------------------------------------------------


def importer_column(
    imports: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    export: ExportFormat | None = None,
) -> bool:
    """Whether a customs file has the column ``importer_eori`` (after ``export``'s column map).

    A file with the column is assessed per importer (:func:`assess_file_by_importer`; ``cbam
    assess`` writes ``OUT/<EORI>/``), even when it names one importer only: the layout of the
    outputs follows from the input's header, never from its content.

    Parameters
    ----------
    imports : str or PathLike
        The customs file (CSV, XLSX or Parquet).
    sheet : str, optional
        The sheet of a workbook (default: its first visible sheet).
    export : ExportFormat, optional
        How the export differs from the library's columns (a column map may name the column).

    Returns
    -------
    bool
        True when the header holds ``importer_eori``.

    Examples
    --------
    >>> importer_column("samples/imports-representative-2026.csv")
    True
    >>> importer_column("samples/imports-2026.csv")
    False
    """
    path = Path(imports)
    try:
        rows: Any
        rows, reader, _adapter = open_lines(path, None, sheet=sheet, export=export)
    except CbamError as exc:
        raise exc.located(source=str(path)) from None
    rows.close()
    return IMPORTER_COLUMN in reader.names


def _parts(path: Path, workers: int | None) -> list[Part] | None:
    """The parts of a file to assess in parallel; None: one process."""
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return split_points(path, workers, PARALLEL_MIN_BYTES) if forked.available() else None


def assess_file(
    imports: str | os.PathLike[str],
    year: int,
    *,
    lines_csv: str | os.PathLike[str],
    suppliers: Sequence[SupplierValue] = (),
    prices: PriceTable | None = None,
    cscf: Decimal = Decimal(1),
    scenario_prices: Sequence[Decimal] = (),
    declarant: dict[str, str] | None = None,
    defaults_table: DefaultValueTable | None = None,
    workers: int | None = None,
    accept_unverified: bool = False,
    progress: Callable[[str], None] | None = None,
    sheet: str | None = None,
    export: ExportFormat | None = None,
    inputs: YearInputs | None = None,
) -> Assessment:
    """Read a customs file of one importer, assess it and write ``lines.csv`` (atomically).

    The same result as :func:`cbam.assess` over :func:`cbam.read_imports` with a
    :class:`~cbam.formats.lines.LinesCsvWriter` sink (it is the same engine), in one process or,
    for a large CSV file, one per core (``workers``; default: the usable cores, 1 = never
    split). Errors name the file, row and column. A file with the column ``importer_eori`` must
    name one importer on every line (the Assessment's ``importer``); a file of several importers
    is :func:`assess_file_by_importer`'s.

    Parameters
    ----------
    imports : str or PathLike
        The customs file (CSV or XLSX; columns as :mod:`cbam.formats.imports` lists them).
    year : int
        The import year assessed.
    lines_csv : str or PathLike
        Where ``lines.csv`` is written.
    suppliers, prices, cscf, scenario_prices, declarant, defaults_table
        As for :func:`cbam.assess`.
    workers : int, optional
        Processes for a large CSV file.
    accept_unverified : bool
        Let unverified or other-period actual values make an estimate (as :func:`cbam.assess`).
    progress : callable, optional
        Called with a message every 100,000 lines assessed
        (:data:`cbam.declaration.engine.PROGRESS_EVERY`).
    sheet : str, optional
        The sheet of a workbook (default: its first visible sheet).
    export : ExportFormat, optional
        How the export differs from the library's columns
        (:func:`cbam.formats.imports.export_format`): a column map, kg, decimal commas.
    inputs : YearInputs, optional
        The price basis, last year's surrendered certificates and the carbon price tables
        (:class:`cbam.declaration.year_inputs.YearInputs`; :meth:`YearOptions.load`).

    Returns
    -------
    Assessment
        As :func:`cbam.assess` returns it; the reader's notes (decimal commas detected, masses
        read in kg) among its notes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "lines.csv"
    >>> result = assess_file("samples/imports-2026.csv", 2026, lines_csv=out)
    >>> result.lines, out.read_text().splitlines()[0].split(",")[:3]
    (300, ['row', 'line_id', 'cn'])
    """
    path = Path(imports)
    setup = _Setup(
        year,
        tuple(suppliers),
        prices,
        cscf,
        defaults_table,
        accept_unverified,
        say=progress,
        sheet=sheet,
        export=export,
        inputs=inputs,
        scenario_prices=scenario_prices,
        declarant=declarant,
    )
    try:
        parts = _parts(path, workers)
        if parts is not None:
            result = _parallel(path, parts, setup, Path(lines_csv))
            if result is not None:
                return result
        return _serial(path, setup, Path(lines_csv))
    except CbamError as exc:
        raise exc.located(source=str(path)) from None


def assess_file_by_importer(
    imports: str | os.PathLike[str],
    year: int,
    *,
    out: str | os.PathLike[str],
    suppliers: Sequence[SupplierValue] = (),
    prices: PriceTable | None = None,
    cscf: Decimal = Decimal(1),
    scenario_prices: Sequence[Decimal] = (),
    declarant: dict[str, str] | None = None,
    defaults_table: DefaultValueTable | None = None,
    workers: int | None = None,
    accept_unverified: bool = False,
    progress: Callable[[str], None] | None = None,
    sheet: str | None = None,
    export: ExportFormat | None = None,
    inputs: YearInputs | None = None,
) -> Importers:
    """Assess a customs file of several importers: an Assessment and a ``lines.csv`` each.

    Each line goes to its importer's own engine (column ``importer_eori``), so the 50 t
    threshold, the holding and the figures are per importer (Reg. (EU) 2023/956 Art. 2a(1),
    Art. 5(2a); :func:`cbam.assess_by_importer` over lines). Each importer's lines are written
    to ``out/<EORI>/lines.csv`` (atomically). A large CSV file is split across processes as
    for :func:`assess_file`, with the same results.

    Parameters
    ----------
    imports : str or PathLike
        The customs file; it must have the column ``importer_eori`` (:func:`importer_column`)
        and name the importer on every line.
    year : int
        The import year assessed.
    out : str or PathLike
        The folder in which each importer's folder ``<EORI>/lines.csv`` is written.
    suppliers, prices, cscf, scenario_prices, declarant, defaults_table, workers
        As for :func:`assess_file`; the same for every importer.
    accept_unverified, progress, sheet, export, inputs
        As for :func:`assess_file`.

    Returns
    -------
    dict of str to Assessment
        One Assessment per importer (its ``importer`` set), keyed by EORI number in the order
        in which the importers first appear in the file.

    Raises
    ------
    InputError
        A file without the column ``importer_eori`` (use :func:`assess_file`), a line with the
        column empty or not an EORI number, and every error of :func:`assess_file`: the message
        names the file, row and column.

    Examples
    --------
    Two importers of Turkish hot-rolled steel: 30 t + 30 t would exceed the 50 t pooled, but
    NL987654321's 30 t alone do not.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (out / "imports.csv").write_text(
    ...     "importer_eori,cn_code,country,net_mass,import_date\\n"
    ...     "DE123456789012345,7208 10 00,TR,30,2026-02-03\\n"
    ...     "NL987654321,7208 10 00,TR,30,2026-02-11\\n"
    ...     "DE123456789012345,7208 10 00,TR,30,2026-05-20\\n", encoding="utf-8")
    >>> found = assess_file_by_importer(out / "imports.csv", 2026, out=out)
    >>> [(eori, r.lines, r.de_minimis.exempt) for eori, r in found.items()]
    [('DE123456789012345', 2, False), ('NL987654321', 1, True)]
    >>> sorted(p.relative_to(out).as_posix() for p in out.rglob("lines.csv"))
    ['DE123456789012345/lines.csv', 'NL987654321/lines.csv']
    """
    path = Path(imports)
    setup = _Setup(
        year,
        tuple(suppliers),
        prices,
        cscf,
        defaults_table,
        accept_unverified,
        say=progress,
        sheet=sheet,
        export=export,
        scenario_prices=scenario_prices,
        declarant=declarant,
        inputs=inputs,
    )
    folder = Path(out)
    try:
        if not importer_column(path, sheet=sheet, export=export):
            raise InputError(
                "has no column importer_eori: its lines are one importer's (use assess_file)",
                field=IMPORTER_COLUMN,
            )
        folder.mkdir(parents=True, exist_ok=True)
        parts = _parts(path, workers)
        if parts is not None:
            result = _parallel_by_importer(path, parts, setup, folder)
            if result is not None:
                return result
        return _serial_by_importer(path, setup, folder)
    except CbamError as exc:
        raise exc.located(source=str(path)) from None


# -- cbam assess -----------------------------------------------------------------------------


@dataclass
class AssessRun:
    """What :func:`run_assess` did: the assessment, the files written, the inputs counted."""

    assessment: Assessment
    outputs: list[Path]
    suppliers: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The ``cbam assess --json`` document (interfaces.md section 2)."""
        assessment = self.assessment
        totals = assessment.totals
        return {
            "year": assessment.year,
            "totals": {
                "net_mass": totals.net_mass,
                "embedded_emissions": totals.embedded_emissions,
                "free_allocation": totals.free_allocation,
                "carbon_price_deduction": totals.carbon_price_deduction,
                "certificates": totals.certificates,
                "cost_eur": totals.cost_eur,
                "electricity_mwh": totals.electricity_mwh,
            },
            "de_minimis": assessment.de_minimis.model_dump(),
            "lines": assessment.lines,
            "goods": len(assessment.goods),
            "suppliers": self.suppliers,
            "scenarios": assessment.scenarios,
            "estimate": assessment.estimate,
            "route_bases": assessment.route_bases,
            "basis_reasons": assessment.basis_reasons,
            "notes": list(assessment.notes),
            "outputs": [str(p) for p in self.outputs],
        }


@dataclass(frozen=True)
class YearOptions:
    """What ``cbam assess`` is told about prices, last year's surrender and carbon prices paid.

    Paths and values as the command line gives them; :meth:`load` reads the files into the
    engine's :class:`~cbam.declaration.year_inputs.YearInputs` (errors name the file, row and
    field).

    Attributes
    ----------
    price : Decimal, optional
        A flat certificate price for the year (2027 onwards; ``--price``).
    purchase_plan : path, optional
        ``date,certificates[,price_eur]`` purchases (``--purchase-plan``).
    price_basis : {"path", "import-week"}, optional
        The mean of the price table over the purchase window, or the weekly price of the import
        week as an approximation (``--price-basis``).
    previous_surrender : path, optional
        Certificates surrendered per CN code and origin, Art. 22(2)(b) (``--previous-surrender``).
    exchange_rates, default_carbon_prices, carbon_prices_paid : path, optional
        The tables a carbon price paid abroad needs (Art. 9).

    Examples
    --------
    >>> from decimal import Decimal
    >>> YearOptions(price=Decimal(80)).load(2027, None).price_basis.label
    'flat price of EUR 80 per certificate given by the user'
    """

    price: Decimal | None = None
    purchase_plan: str | os.PathLike[str] | None = None
    price_basis: str | None = None
    previous_surrender: str | os.PathLike[str] | None = None
    exchange_rates: str | os.PathLike[str] | None = None
    default_carbon_prices: str | os.PathLike[str] | None = None
    carbon_prices_paid: str | os.PathLike[str] | None = None

    def files(self) -> list[str | os.PathLike[str] | None]:
        """The input files named (an output may not overwrite them)."""
        return [
            self.purchase_plan,
            self.previous_surrender,
            self.exchange_rates,
            self.default_carbon_prices,
            self.carbon_prices_paid,
        ]

    def load(self, year: int, table: PriceTable | None) -> YearInputs:
        """The engine's inputs: the files read, the price basis of ``year`` chosen."""
        from cbam.declaration import carbon_price as cp
        from cbam.declaration.holding import PreviousSurrender
        from cbam.declaration.price_basis import price_basis, read_purchase_plan
        from cbam.declaration.year_inputs import YearInputs
        from cbam.reference.prices import PriceTable

        if self.price_basis not in (None, "path", "import-week"):
            raise InputError("is 'path' or 'import-week'", field="price_basis")
        plan = read_purchase_plan(Path(self.purchase_plan)) if self.purchase_plan else None
        basis = price_basis(
            year,
            table or PriceTable(),
            flat=self.price,
            plan=plan,
            path=self.price_basis == "path",
            import_week=self.price_basis == "import-week",
        )

        def loaded(path: Any, reader: Callable[[Any], Any]) -> Any:
            return None if path is None else reader(path)

        return YearInputs(
            price_basis=basis,
            previous_surrender=loaded(self.previous_surrender, PreviousSurrender.from_csv),
            exchange_rates=loaded(self.exchange_rates, cp.ExchangeRates.from_csv)
            or cp.ExchangeRates(),
            default_carbon_prices=loaded(
                self.default_carbon_prices, cp.DefaultCarbonPrices.from_csv
            ),
            carbon_prices_paid=loaded(
                self.carbon_prices_paid, cp.InstallationCarbonPrices.from_csv
            ),
        )


def _summed(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Key by key, the sums of documents of numbers (keys in the order they first appear)."""
    sums: dict[str, Any] = {}
    for document in documents:
        for key, value in document.items():
            sums[key] = sums.get(key, 0) + value
    return sums


@dataclass
class ImportersRun:
    """What :func:`run_assess` did with a file of several importers: a run per importer.

    A customs file with the column ``importer_eori`` is assessed per importer (Reg. (EU)
    2023/956 Art. 2a(1): the threshold is "aggregated per importer"), each importer's four
    files in ``OUT/<EORI>/``.

    Attributes
    ----------
    year : int
        The import year.
    importers : list of AssessRun
        One run per importer in the order the importers first appear in the file: its
        Assessment (``importer`` = the EORI number) and its four files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "imports.csv").write_text(
    ...     "importer_eori,cn_code,country,net_mass,import_date\\n"
    ...     "DE123456789012345,7208 10 00,TR,60,2026-02-03\\n"
    ...     "NL987654321,7208 10 00,TR,30,2026-02-11\\n", encoding="utf-8")
    >>> run = run_assess(folder / "imports.csv", 2026, folder / "out")
    >>> document = run.summary()
    >>> [(i["eori"], i["de_minimis"]["exempt"]) for i in document["importers"]]
    [('DE123456789012345', False), ('NL987654321', True)]
    >>> document["exempt_importers"], len(document["outputs"])
    (['NL987654321'], 8)
    >>> run.outputs[0].relative_to(folder).as_posix()
    'out/DE123456789012345/declaration.json'
    """

    year: int
    importers: list[AssessRun]

    @property
    def outputs(self) -> list[Path]:
        """Every file written, importer by importer."""
        return [path for run in self.importers for path in run.outputs]

    def summary(self) -> dict[str, Any]:
        """The ``cbam assess --json`` document of a file with the column ``importer_eori``.

        ``importers``: per importer its EORI number (``eori``) and the keys of
        :meth:`AssessRun.summary`; then the sums over all importers of ``totals``, ``lines``,
        ``goods``, ``scenarios``, ``route_bases`` and ``basis_reasons``, the importers exempt
        under the de minimis threshold, ``estimate`` when any importer's figures are one, and
        every file written.
        """
        each = [{"eori": run.assessment.importer, **run.summary()} for run in self.importers]
        return {
            "year": self.year,
            "importers": each,
            "totals": _summed([one["totals"] for one in each]),
            "exempt_importers": [one["eori"] for one in each if one["de_minimis"]["exempt"]],
            "lines": sum(one["lines"] for one in each),
            "goods": sum(one["goods"] for one in each),
            "suppliers": each[0]["suppliers"] if each else 0,
            "scenarios": _summed([one["scenarios"] for one in each]),
            "estimate": any(one["estimate"] for one in each),
            "route_bases": _summed([one["route_bases"] for one in each]),
            "basis_reasons": _summed([one["basis_reasons"] for one in each]),
            "outputs": [str(path) for path in self.outputs],
        }


@dataclass
class _Inputs:
    """The loaded inputs of one ``cbam assess`` run besides the customs file."""

    facts: dict[str, str] | None
    values: list[SupplierValue]
    table: PriceTable | None
    defaults: DefaultValueTable | None


def _load_inputs(
    year: int,
    suppliers: str | os.PathLike[str] | None,
    declarant: str | os.PathLike[str] | None,
    prices: str | os.PathLike[str] | None,
    defaults_workbook: str | os.PathLike[str] | None,
    say: Callable[[str], None],
) -> _Inputs:
    from cbam.declaration.declarant import load_declarant
    from cbam.formats.installation_files import load_suppliers
    from cbam.reference import PriceTable, load_defaults_workbook

    facts = load_declarant(Path(declarant)).summary() if declarant else None
    if suppliers:
        say(f"computing the supplier installations in {suppliers}")
    values = load_suppliers(Path(suppliers), year) if suppliers else []
    table = PriceTable.from_csv(Path(prices)) if prices else None
    if defaults_workbook:
        say(f"loading the default values of {defaults_workbook}")
    defaults = load_defaults_workbook(Path(defaults_workbook)) if defaults_workbook else None
    return _Inputs(facts, values, table, defaults)


#: Up to this many goods the report is written in a second process while this one writes the
#: declaration files. Above it, after them, here: the second process would read every good,
#: and CPython's reference counts would make it copy each page that holds one (about 2 KB a
#: good: 100,000 goods would put 220 MB more in memory at once).
REPORT_APART_MAX_GOODS = 20_000


def _write_declaration(assessment: Assessment, folder: Path, say: Callable[[str], None]) -> None:
    """declaration.json, declaration.xml and report.xlsx beside lines.csv in ``folder``."""
    from cbam.formats.declaration_files import (
        DeclarationCheck,
        write_declaration_json,
        write_declaration_xml,
    )
    from cbam.formats.workbook import write_report_xlsx

    json_path, xml_path, report_path, lines_path = (folder / name for name in OUTPUT_NAMES)
    who = f"{assessment.importer}: " if assessment.importer else ""
    say(f"{who}{assessment.lines} lines assessed; writing the declaration files and the report")
    write_report = partial(write_report_xlsx, assessment, report_path, lines_csv=lines_path)
    if not forked.available():
        write_declaration_json(assessment, json_path)
        write_declaration_xml(assessment, xml_path)
        write_report()
        return
    apart: Forked | DeclarationCheck
    if len(assessment.goods) <= REPORT_APART_MAX_GOODS:
        # The report in a forked process while this one writes the declaration files.
        apart = Forked(write_report)
        here = [
            partial(write_declaration_json, assessment, json_path),
            partial(write_declaration_xml, assessment, xml_path),
        ]
    else:
        # Many goods: the files here, one after the other, and only the schema check of
        # declaration.xml in a new small process, which reads the file and shares no memory
        # with this one. The folder is put in place only once that check has passed.
        write_declaration_json(assessment, json_path)
        write_declaration_xml(assessment, xml_path, check=False)
        apart = DeclarationCheck(xml_path)
        here = [write_report]
    try:
        for write in here:
            write()
        apart.result()
    finally:
        apart.stop()


def run_assess(
    imports: str | os.PathLike[str],
    year: int,
    out: str | os.PathLike[str],
    *,
    suppliers: str | os.PathLike[str] | None = None,
    declarant: str | os.PathLike[str] | None = None,
    prices: str | os.PathLike[str] | None = None,
    cscf: Decimal = Decimal(1),
    scenario_prices: Sequence[Decimal] = (),
    defaults_workbook: str | os.PathLike[str] | None = None,
    progress: Callable[[str], None] | None = None,
    accept_unverified: bool = False,
    sheet: str | None = None,
    export: ExportFormat | None = None,
    options: YearOptions | None = None,
) -> AssessRun | ImportersRun:
    """``cbam assess``: the year's declaration files, report and ``lines.csv`` in ``out``.

    The four files are one set: they are written into a new hidden folder beside ``out``,
    which takes the place of ``out`` only when all four are complete
    (:func:`cbam.files.output_folder`). At every moment -- a failure, Ctrl-C, ``kill -9`` --
    ``out`` holds the complete previous set or the complete new one; a second run into the
    same folder is refused while this one runs.

    A customs file with the column ``importer_eori`` is assessed per importer (threshold,
    holding and declaration: Reg. (EU) 2023/956 Art. 2a(1), Art. 5(2a)) and each importer's
    four files go to ``out/<EORI>/`` -- even when the file names one importer only, so that
    the layout follows from the input's header (:func:`importer_column`). A file without the
    column is one importer's: its four files go to ``out/`` itself. All the importers' files
    are one set, put in place together.

    Parameters
    ----------
    imports : str or PathLike
        The customs file (CSV or XLSX).
    year : int
        The import year.
    out : str or PathLike
        The output folder (made when missing). It may hold only what earlier runs wrote.
    suppliers : str or PathLike, optional
        A folder of installation files and communication templates (:func:`cbam.load_suppliers`).
    declarant : str or PathLike, optional
        The declarant file (JSON or YAML).
    prices : str or PathLike, optional
        A price table CSV (``period,price_eur``) extending the published prices.
    cscf : Decimal
        Cross-sectoral correction factor.
    scenario_prices : sequence of Decimal
        Extra prices (EUR) at which the certificates are also costed.
    defaults_workbook : str or PathLike, optional
        A newer official default-value workbook.
    progress : callable, optional
        Called with a short message at each stage.
    accept_unverified : bool
        As for :func:`cbam.assess`: unverified values make an estimate, and every output says so.
        Called with a short message at each stage, and every 100,000 lines while the lines are
        assessed.
    sheet : str, optional
        The sheet of a workbook customs file (default: its first visible sheet).
    export : ExportFormat, optional
        How the export differs from the library's columns (``--columns``, ``--mass-unit``,
        ``--decimal-comma``; :func:`cbam.formats.imports.export_format`).
    options : YearOptions, optional
        The price basis, last year's surrender and the carbon price tables.

    Returns
    -------
    AssessRun or ImportersRun
        The assessment and the paths written (:class:`ImportersRun`, a run per importer, for a
        file with the column ``importer_eori``); ``summary()`` is the ``--json`` document.
    """
    from cbam.rules import check_year

    say = progress or (lambda _message: None)
    year = check_year(year)
    path = Path(imports)
    check_regular(path)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError("--out must be a folder, but it names a file", source=str(folder))
    # The whole folder is replaced: no input may be one of the files in it now or after.
    replaced = [*(folder / name for name in OUTPUT_NAMES), *files_below(folder)]
    options = options or YearOptions()
    refuse_overwrite(
        replaced,
        [path, declarant, prices, defaults_workbook, *supplier_files(suppliers), *options.files()],
    )
    inputs = _load_inputs(year, suppliers, declarant, prices, defaults_workbook, say)
    given: dict[str, Any] = {
        "suppliers": inputs.values,
        "prices": inputs.table,
        "cscf": cscf,
        "scenario_prices": scenario_prices,
        "declarant": inputs.facts,
        "defaults_table": inputs.defaults,
        "sheet": sheet,
        "accept_unverified": accept_unverified,
        "progress": progress,
        "export": export,
        "inputs": options.load(year, inputs.table),
    }
    by_importer = importer_column(path, sheet=sheet, export=export)
    with output_folder(folder, OUTPUT_NAMES) as staging:
        say(f"assessing the customs lines of {path}")
        if by_importer:
            found = assess_file_by_importer(path, year, out=staging, **given)
        else:
            found = {"": assess_file(path, year, lines_csv=staging / LINES_CSV, **given)}
        for eori, assessment in found.items():
            _write_declaration(assessment, staging / eori, say)
    say("done")
    count = len({v.installation_id for v in inputs.values})
    runs = [
        AssessRun(assessment, [folder / eori / name for name in OUTPUT_NAMES], count)
        for eori, assessment in found.items()
    ]
    return ImportersRun(year, runs) if by_importer else runs[0]
