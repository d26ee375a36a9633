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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cbam import forked
from cbam.declaration.engine import Engine, EnginePart
from cbam.declaration.model import Assessment, SupplierValue
from cbam.errors import CbamError, InputError
from cbam.files import check_regular, output_folder, refuse_overwrite, supplier_files
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
"""The files :func:`run_assess` writes into its output folder."""


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


def _serial(
    path: Path, setup: _Setup, lines_csv: Path, finish: Callable[[Engine], Assessment]
) -> Assessment:
    """The whole file in this process; lines wait for the de minimis question as they should."""
    with LinesCsvWriter(lines_csv) as writer:
        engine = setup.engine(writer)
        engine.progress = setup.lines_progress()
        rows, reader, adapter = _header(path, setup.year, setup.sheet, setup.export)
        if adapter is not None:
            setup.read_notes.update(adapter.notes)
        try:
            engine.add_lines(reader.lines(rows, 2))
        finally:
            rows.close()
        if not engine.lines:
            raise no_lines_error(str(path))
        return finish(engine)


def _assess_part(
    engine: Engine,
    reader: LineReader,
    path: Path,
    part: Part,
    delimiter: str,
    out: Path,
    adapter: Adapter | None = None,
) -> EnginePart:
    """Assess one part of a split file into ``out`` (in a forked process); its sums."""
    with LinesCsvWriter(out, header=False) as writer:
        engine.use_sink(writer)
        rows = _adapted(adapter, part_rows(path, part, delimiter), part.first_row)
        engine.add_lines(reader.lines(rows, part.first_row))
    return engine.part()


class _Serial(Exception):
    """The parallel attempt gives way to the one-process run (never leaves this module)."""


def _parallel(
    path: Path,
    parts: list[Part],
    setup: _Setup,
    lines_csv: Path,
    finish: Callable[[Engine], Assessment],
) -> Assessment | None:
    """The parts in parallel; None when the file must be done in one process.

    That is when any part fails (the serial run then raises the error of the first bad row) or
    when the whole year stays within the 50 t de minimis threshold (its lines are then written
    as exempt, which only the serial run does).
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
            workers: list[Forked] = []
            try:
                for part, out in zip(parts[1:], outs, strict=True):
                    workers.append(
                        Forked(_assess_part, engine, reader, path, part, delimiter, out, adapter)
                    )
                engine.use_sink(writer)
                engine.progress = setup.lines_progress(len(parts))  # this process's part only
                try:
                    first = _adapted(adapter, part_rows(path, parts[0], delimiter), 2)
                    engine.add_lines(reader.lines(first, 2))
                    merged = [worker.result() for worker in workers]
                except Exception:  # the one-process run raises the first bad row's own error
                    raise _Serial from None
                for part_sums in merged:
                    engine.merge(part_sums)
                for out in outs:
                    writer.append_file(out)
            finally:
                for worker in workers:
                    worker.stop()
                for out in outs:
                    out.unlink(missing_ok=True)
            if not exceeds_de_minimis(engine.mass_counted):
                raise _Serial
            return finish(engine)
    except _Serial:
        return None


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
    """Read a customs file, assess it and write ``lines.csv`` (atomically); the Assessment.

    The same result as :func:`cbam.assess` over :func:`cbam.read_imports` with a
    :class:`~cbam.formats.lines.LinesCsvWriter` sink (it is the same engine), in one process or,
    for a large CSV file, one per core (``workers``; default: the usable cores, 1 = never
    split). Errors name the file, row and column.

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
    )

    def finish(engine: Engine) -> Assessment:
        result = engine.finish(scenario_prices=scenario_prices, declarant=declarant)
        if not setup.read_notes:
            return result
        notes = tuple(sorted({*result.notes, *setup.read_notes}))
        return result.model_copy(update={"notes": notes})

    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    try:
        parts = split_points(path, workers, PARALLEL_MIN_BYTES) if forked.available() else None
        if parts is not None:
            result = _parallel(path, parts, setup, Path(lines_csv), finish)
            if result is not None:
                return result
        return _serial(path, setup, Path(lines_csv), finish)
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


def _write_declaration(assessment: Assessment, folder: Path, say: Callable[[str], None]) -> None:
    """declaration.json, declaration.xml and report.xlsx beside lines.csv in ``folder``."""
    from cbam.formats.declaration_files import write_declaration_json, write_declaration_xml
    from cbam.formats.workbook import write_report_xlsx

    json_path, xml_path, report_path, lines_path = (folder / name for name in OUTPUT_NAMES)
    say(f"{assessment.lines} lines assessed; writing the declaration files and the report")
    # The report in a second process while this one writes the declaration files.
    write_report = partial(write_report_xlsx, assessment, report_path, lines_csv=lines_path)
    report = Forked(write_report) if forked.available() else None
    try:
        write_declaration_json(assessment, json_path)
        write_declaration_xml(assessment, xml_path)
        if report is None:
            write_report()
        else:
            report.result()
    finally:
        if report is not None:
            report.stop()


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
) -> AssessRun:
    """``cbam assess``: the year's declaration files, report and ``lines.csv`` in ``out``.

    The four files are one set: they are written into a new hidden folder beside ``out``,
    which takes the place of ``out`` only when all four are complete
    (:func:`cbam.files.output_folder`). At every moment -- a failure, Ctrl-C, ``kill -9`` --
    ``out`` holds the complete previous set or the complete new one; a second run into the
    same folder is refused while this one runs.

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
    AssessRun
        The assessment and the paths written; ``summary()`` is the ``--json`` document.
    """
    from cbam.rules import check_year

    say = progress or (lambda _message: None)
    year = check_year(year)
    path = Path(imports)
    check_regular(path)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError("--out must be a folder, but it names a file", source=str(folder))
    paths = [folder / name for name in OUTPUT_NAMES]
    options = options or YearOptions()
    refuse_overwrite(
        paths,
        [path, declarant, prices, defaults_workbook, *supplier_files(suppliers), *options.files()],
    )
    inputs = _load_inputs(year, suppliers, declarant, prices, defaults_workbook, say)
    year_inputs = options.load(year, inputs.table)
    with output_folder(folder, OUTPUT_NAMES) as staging:
        say(f"assessing the customs lines of {path}")
        assessment = assess_file(
            path,
            year,
            lines_csv=staging / "lines.csv",
            suppliers=inputs.values,
            prices=inputs.table,
            cscf=cscf,
            scenario_prices=scenario_prices,
            declarant=inputs.facts,
            defaults_table=inputs.defaults,
            sheet=sheet,
            accept_unverified=accept_unverified,
            progress=progress,
            export=export,
            inputs=year_inputs,
        )
        _write_declaration(assessment, staging, say)
    say("done")
    json_path, xml_path, report_path, lines_path = paths
    return AssessRun(
        assessment=assessment,
        outputs=[json_path, xml_path, report_path, lines_path],
        suppliers=len({v.installation_id for v in inputs.values}),
    )
