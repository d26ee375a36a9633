"""Supplier data requests: a year of customs lines to a request per supplier and a tracker.

Three steps, each a function here and a ``cbam suppliers`` command; all of them assess the
year's lines with the one :class:`~cbam.declaration.engine.Engine` (twice: without supplier
data, and with the files of a suppliers folder, the eligibility rules of issue 13 applied) and
read the results per supplier (:mod:`cbam.declaration.supplier_plan`):

* :func:`plan` -- who matters: suppliers ranked by their cost at default values, the
  certificates now, and what actual data are worth (saving at the benchmark, break-even SEE);
* :func:`request` -- for each supplier, a pre-filled copy of the official blank communication
  template (:mod:`cbam.formats.template.request`), a short letter in English and in Traditional
  Chinese (:mod:`cbam.formats.letters`) and a tracker workbook, written into one output folder
  that appears whole (:func:`cbam.files.output_folder`);
* :func:`status` -- who answered: each file of the suppliers folder matched to its supplier,
  the coverage of net mass and embedded emissions by usable actual data, what is missing.

A supplier is the line's ``installation_id``, else its ``supplier`` column, else "unknown
supplier" per origin and CN code. A file in the suppliers folder answers a supplier when the
template's ``CBAM_Request`` sheet names it (the request came back filled), when its
installation id is the supplier's key, or when its installation name is the supplier's name
(case and spacing aside). Here its values then apply to the supplier's lines even where the
lines name the supplier but no ``installation_id``; ``cbam assess`` matches by
``installation_id`` only, so give the lines that id (status says so).

This module only wires the wings and the formats together, as :mod:`cbam.job` does.

>>> import cbam.suppliers
>>> found = cbam.suppliers.plan("samples/imports-suppliers-2026.csv", 2026)
>>> [(row.rank, row.key) for row in found.suppliers][:2]
[(1, 'Ningbo Jinhai Fasteners Co., Ltd.'), (2, 'TW-FAST-001')]
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cbam.declaration.engine import EXACT, Engine
from cbam.declaration.model import Assessment, ImportLine, SupplierValue
from cbam.declaration.supplier_plan import (
    SupplierPlan,
    SupplierRequest,
    SupplierTally,
    build_plan,
    importer_facts,
    supplier_request,
)
from cbam.declaration.supplier_status import AnswerFile, SupplierStatus, build_status
from cbam.errors import CbamError, InputError

if TYPE_CHECKING:
    from cbam.reference.defaults import DefaultValueTable
    from cbam.reference.prices import PriceTable

Imports = str | os.PathLike[str] | Iterable[ImportLine]
"""A customs file (CSV or XLSX), or the lines themselves (:class:`~cbam.ImportLine`)."""

#: Lines handed to the engines at a time (both engines take the same batch).
_BATCH = 10_000


# -- the lines, assessed twice ---------------------------------------------------------------


def _lines(imports: Imports, year: int, sheet: str | None) -> Iterator[ImportLine]:
    """The lines of a file or an iterable, each checked as :func:`cbam.assess` checks it."""
    if isinstance(imports, str | os.PathLike):
        from cbam.files import check_regular
        from cbam.formats.imports import read_imports

        check_regular(imports)
        return read_imports(Path(imports), year=year, sheet=sheet)
    from cbam.declaration.assess import check_line

    known: dict[Any, str] = {}
    return (check_line(line, year, known) for line in imports)


@dataclass
class _Setup:
    year: int
    prices: PriceTable | None = None
    cscf: Decimal = Decimal(1)
    defaults_table: DefaultValueTable | None = None
    sheet: str | None = None

    def engine(self, values: Iterable[SupplierValue] = ()) -> Engine:
        return Engine(
            self.year,
            suppliers=values,
            prices=self.prices,
            cscf=self.cscf,
            defaults_table=self.defaults_table,
        )


def _source(imports: Imports) -> str | None:
    return str(imports) if isinstance(imports, str | os.PathLike) else None


def _tally(imports: Imports, setup: _Setup) -> tuple[SupplierTally, Imports]:
    """Count the lines per supplier (a first reading; an iterable is kept as a list)."""
    if not isinstance(imports, str | os.PathLike):
        imports = list(imports)
    tally = SupplierTally(setup.year)
    try:
        for line in _lines(imports, setup.year, setup.sheet):
            tally.add(line)
    except CbamError as exc:
        raise exc.located(source=_source(imports)) from None
    return tally, imports


def _assess(
    imports: Imports, setup: _Setup, tally: SupplierTally, values: list[SupplierValue]
) -> tuple[Assessment, Assessment]:
    """The lines at default values and with ``values``: the one engine, twice."""
    default = setup.engine()
    now = setup.engine(values) if values else None
    keyed = (tally.keyed(line) for line in _lines(imports, setup.year, setup.sheet))
    try:
        with localcontext(EXACT):
            while batch := list(islice(keyed, _BATCH)):
                default.add_lines(batch)
                if now is not None:
                    now.add_lines(batch)
    except CbamError as exc:
        raise exc.located(source=_source(imports)) from None
    if not default.lines:
        from cbam.formats.imports import no_lines_error

        raise no_lines_error(_source(imports) or "lines")
    first = default.finish()
    return first, (now.finish() if now is not None else first)


# -- the answers in the suppliers folder ------------------------------------------------------


def _normal(name: str) -> str:
    return " ".join(name.casefold().split())


@dataclass
class _Answer:
    """One file read: its values (re-keyed later) and what identifies it."""

    file: AnswerFile
    values: list[SupplierValue] = field(default_factory=list)
    reference: str | None = None
    name: str | None = None


def _read_file(path: Path, year: int) -> _Answer:
    """A supplier file: its actual values, or blank, or why it cannot be read."""
    from cbam.declaration.suppliers import supplier_values
    from cbam.formats.installation_files import WORKBOOK_SUFFIXES
    from cbam.formats.template import read_template
    from cbam.formats.template.request import read_request
    from cbam.installation import compute_see, load_installation
    from cbam.values import STANDARD

    reference = None
    try:
        with localcontext(STANDARD):
            if path.suffix.lower() in WORKBOOK_SUFFIXES:
                book = read_template(path)
                request_sheet = book.request if book.blank else read_request(path)
                reference = request_sheet.get("reference") if request_sheet else None
                if book.blank:
                    blank = AnswerFile(file=path.name, state="blank")
                    return _Answer(blank, reference=reference)
                installation = book.installation
            else:
                installation = load_installation(path)
            result = compute_see(installation, year=year)
            identifier = installation.installation.id or path.stem
            values = supplier_values(result, identifier, path.name, year, installation)
    except CbamError as exc:
        unreadable = AnswerFile(file=path.name, state="unreadable", reason=exc.message)
        return _Answer(unreadable, reference=reference)
    return _Answer(
        _values_file(path.name, identifier, installation.installation.name, values),
        values,
        reference,
        installation.installation.name,
    )


def _values_file(
    file: str, identifier: str, name: str | None, values: list[SupplierValue]
) -> AnswerFile:
    from cbam.declaration.eligibility import period_problem, verification_problem

    first = values[0] if values else None
    period = None
    verification = None
    if first is not None:
        if first.period_start and first.period_end:
            period = f"{first.period_start} to {first.period_end}"
        problem = verification_problem(first)
        verification = "verified" if problem is None else problem[1]
        if first.reporting_year is None:
            verification = period_problem(first, 0) or verification
    return AnswerFile(
        file=file,
        state="values",
        installation_id=identifier,
        installation_name=name,
        reporting_period=period,
        verification=verification,
        cn_codes=tuple(sorted({cn for v in values for cn in v.cn_codes})),
    )


def _match(answer: _Answer, tally: SupplierTally) -> tuple[str | None, str | None]:
    """The supplier a file answers, and by what: its request sheet, its id, or its name."""
    keys = tally.suppliers
    if answer.reference and answer.reference in keys:
        return answer.reference, "request"
    identifier = answer.file.installation_id
    if identifier and identifier in keys and keys[identifier].kind != "unknown":
        return identifier, "installation_id"
    if answer.name:
        names = {_normal(k): k for k, b in keys.items() if b.kind == "supplier"}
        found = names.get(_normal(answer.name))
        if found is not None:
            return found, "name"
    return None, None


def supplier_files_of(folder: str | os.PathLike[str]) -> list[Path]:
    """The supplier files of a folder (installation files and templates), sorted.

    >>> [p.name for p in supplier_files_of("samples/suppliers")]
    ['tr-cement.json', 'tw-fasteners.json']
    """
    from cbam.files import check_regular
    from cbam.formats.installation_files import SUFFIXES

    root = Path(folder)
    if not root.is_dir():
        raise InputError("the suppliers folder does not exist", source=str(root))
    found = []
    for path in sorted(p for p in root.iterdir() if p.suffix.lower() in SUFFIXES):
        if not path.name.startswith((".", "~$")):
            check_regular(path)
            found.append(path)
    return found


def load_answers(
    folder: str | os.PathLike[str], year: int, tally: SupplierTally
) -> tuple[list[AnswerFile], list[SupplierValue], list[str]]:
    """Read every file of a suppliers folder and match it to a supplier of the lines.

    A file that cannot be read, or is blank, is reported, never fatal: the tracker goes on.

    Parameters
    ----------
    folder : str or PathLike
        The suppliers folder (installation files and communication templates).
    year : int
        The import year (mark-ups of precursors' default values, benchmarks).
    tally : SupplierTally
        The suppliers of the year's lines.

    Returns
    -------
    tuple
        The files (matched or not), the actual values keyed by their supplier (SEE in t CO2e
        per t), and notes (files matching no supplier, two files for one period).

    Examples
    --------
    >>> tally = SupplierTally(2026)
    >>> files, values, notes = load_answers("samples/suppliers", 2026, tally)
    >>> [f.file for f in files], values, notes[0][:40]
    (['tr-cement.json', 'tw-fasteners.json'], [], 'tr-cement.json matches no supplier of th')
    """
    files: list[AnswerFile] = []
    values: list[SupplierValue] = []
    notes: list[str] = []
    owners: dict[tuple[str, object], str] = {}
    for path in supplier_files_of(folder):
        answer = _read_file(path, year)
        key, by = _match(answer, tally)
        files.append(answer.file.model_copy(update={"key": key, "matched_by": by}))
        if key is None:
            if answer.file.state == "values":
                notes.append(
                    f"{path.name} matches no supplier of the customs lines (installation "
                    f"{answer.file.installation_id!r}); name it in installation_id or supplier"
                )
            continue
        if key in tally.suppliers and tally.suppliers[key].kind == "supplier":
            notes.append(
                f"{path.name} answers supplier {key!r}, whose lines give no installation_id: "
                f"cbam assess uses it only on lines with installation_id "
                f"{answer.file.installation_id!r}"
            )
        for value in answer.values:
            first = owners.setdefault((key, value.period_start), path.name)
            if first != path.name:
                notes.append(f"{path.name} and {first} both answer {key!r} for one period: "
                             f"{first} is used")  # fmt: skip
                break
            values.append(value.model_copy(update={"installation_id": key}))
    return files, values, list(dict.fromkeys(notes))


# -- the three steps --------------------------------------------------------------------------


@dataclass
class _Run:
    tally: SupplierTally
    default: Assessment
    now: Assessment
    plan: SupplierPlan
    files: list[AnswerFile]


def _run(
    imports: Imports,
    year: int,
    suppliers: str | os.PathLike[str] | None,
    setup: _Setup,
) -> _Run:
    from cbam.rules import check_year

    setup.year = check_year(year)
    tally, imports = _tally(imports, setup)
    files: list[AnswerFile] = []
    values: list[SupplierValue] = []
    notes: list[str] = []
    if suppliers is not None:
        files, values, notes = load_answers(suppliers, setup.year, tally)
    default, now = _assess(imports, setup, tally, values)
    found = build_plan(tally, default, now, cscf=setup.cscf)
    found = found.model_copy(update={"notes": (*notes, *found.notes)})
    return _Run(tally, default, now, found, files)


def _setup(
    year: int,
    prices: str | os.PathLike[str] | None,
    cscf: Decimal,
    defaults_workbook: str | os.PathLike[str] | None,
    sheet: str | None,
) -> _Setup:
    from cbam.reference import PriceTable, load_defaults_workbook

    table = PriceTable.from_csv(Path(prices)) if prices else None
    defaults = load_defaults_workbook(Path(defaults_workbook)) if defaults_workbook else None
    return _Setup(year, table, cscf, defaults, sheet)


def plan(
    imports: Imports,
    year: int,
    *,
    suppliers: str | os.PathLike[str] | None = None,
    prices: str | os.PathLike[str] | None = None,
    cscf: Decimal = Decimal(1),
    defaults_workbook: str | os.PathLike[str] | None = None,
    sheet: str | None = None,
) -> SupplierPlan:
    """Suppliers ranked by their cost at default values (``cbam suppliers plan``).

    Parameters
    ----------
    imports : str, PathLike or iterable of ImportLine
        The year's customs lines (CSV or XLSX file, or the lines; net mass in t).
    year : int
        The import year.
    suppliers : str or PathLike, optional
        A suppliers folder: ``certificates_now`` uses its files (eligibility rules applied).
    prices : str or PathLike, optional
        A price table CSV (``period,price_eur``) extending the published prices.
    cscf : Decimal
        Cross-sectoral correction factor (default 1).
    defaults_workbook : str or PathLike, optional
        A newer official default-value workbook.
    sheet : str, optional
        The sheet of a workbook customs file.

    Returns
    -------
    SupplierPlan
        One row per supplier (certificates in t CO2e, cost in EUR), highest
        ``cost_default_eur`` first; ``summary()`` is the ``--json`` document.

    Examples
    --------
    >>> found = plan("samples/imports-suppliers-2026.csv", 2026, suppliers="samples/suppliers")
    >>> row = found.suppliers[1]
    >>> row.key, row.certificates_now < row.certificates_default
    ('TW-FAST-001', True)
    """
    setup = _setup(year, prices, cscf, defaults_workbook, sheet)
    return _run(imports, year, suppliers, setup).plan


def status(
    imports: Imports,
    year: int,
    suppliers: str | os.PathLike[str],
    *,
    prices: str | os.PathLike[str] | None = None,
    cscf: Decimal = Decimal(1),
    defaults_workbook: str | os.PathLike[str] | None = None,
    sheet: str | None = None,
) -> SupplierStatus:
    """Who answered, with what, and the coverage of the year (``cbam suppliers status``).

    Parameters
    ----------
    imports : str, PathLike or iterable of ImportLine
        The year's customs lines.
    year : int
        The import year.
    suppliers : str or PathLike
        The suppliers folder: the answers (installation files, filled templates).
    prices, cscf, defaults_workbook, sheet
        As for :func:`plan`.

    Returns
    -------
    SupplierStatus
        Coverage of net mass (t) and embedded emissions (t CO2e) by usable actual data
        (IR 2025/2547 Art. 7, Reg. (EU) 2023/956 Art. 8), certificates and EUR saved so far,
        and what each supplier still owes.

    Examples
    --------
    >>> found = status("samples/imports-suppliers-2026.csv", 2026, "samples/suppliers")
    >>> [(row.key, row.state) for row in found.suppliers][:3]
    [('Ningbo Jinhai Fasteners Co., Ltd.', 'no-answer'), ('TW-FAST-001', 'usable'), \
('TR-CEM-001', 'not-usable')]
    """
    setup = _setup(year, prices, cscf, defaults_workbook, sheet)
    run = _run(imports, year, suppliers, setup)
    return build_status(run.plan, run.tally, run.now, run.files)


def file_stem(rank: int, key: str) -> str:
    """The file name (without extension) of a supplier's request: rank and an ASCII slug.

    >>> file_stem(3, "Ningbo Jinhai Fasteners Co., Ltd."), file_stem(12, "寧波金海")
    ('03-ningbo-jinhai-fasteners-co-ltd', '12-supplier')
    """
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_key).strip("-").lower()[:40].strip("-")
    return f"{rank:02d}-{slug or 'supplier'}"


@dataclass
class RequestRun:
    """What :func:`request` wrote: the requests, the suppliers left out, the files.

    Attributes
    ----------
    plan : SupplierPlan
        The plan the requests follow.
    requests : list of tuple
        (request, template file, letter files) per supplier asked.
    skipped : dict of str to str
        Why a supplier was not asked, by key.
    outputs : list of Path
        Every file written.

    Examples
    --------
    >>> RequestRun(SupplierPlan(year=2026, suppliers=()), [], {}, []).summary()["requests"]
    []
    """

    plan: SupplierPlan
    requests: list[tuple[SupplierRequest, str, list[str]]]
    skipped: dict[str, str]
    outputs: list[Path]

    def summary(self) -> dict[str, Any]:
        """The ``cbam suppliers request --json`` document."""
        return {
            "year": self.plan.year,
            "requests": [
                {
                    "key": r.reference,
                    "rank": r.rank,
                    "template": template,
                    "letters": letters,
                    "reporting_period": {"start": r.period_start, "end": r.period_end},
                    "reply_by": r.reply_by,
                    "cn_codes": sorted({g.cn for g in r.goods}),
                    "net_mass": r.net_mass,
                    "cost_default_eur": r.cost_default_eur,
                }
                for r, template, letters in self.requests
            ],
            "not_requested": [{"key": k, "reason": v} for k, v in self.skipped.items()],
            "outputs": [str(p) for p in self.outputs],
        }


def _selected(
    found: SupplierPlan, status_rows: dict[str, str], top: int | None
) -> tuple[list[str], dict[str, str]]:
    """The suppliers to ask (named, not already covered, the first ``top``) and the others."""
    chosen: list[str] = []
    skipped: dict[str, str] = {}
    for row in found.suppliers:
        if row.kind == "unknown":
            skipped[row.key] = "the lines name no supplier: give installation_id or supplier"
        elif status_rows.get(row.key) == "usable":
            skipped[row.key] = "already answered: usable actual data cover every line"
        elif top is not None and len(chosen) >= top:
            skipped[row.key] = f"beyond --top {top}"
        else:
            chosen.append(row.key)
    return chosen, skipped


def request(
    imports: Imports,
    year: int,
    *,
    template: str | os.PathLike[str],
    declarant: str | os.PathLike[str],
    out: str | os.PathLike[str],
    top: int | None = None,
    reply_by: dt.date | None = None,
    suppliers: str | os.PathLike[str] | None = None,
    prices: str | os.PathLike[str] | None = None,
    sheet: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> RequestRun:
    """A pre-filled official template and a letter per supplier, and a tracker
    (``cbam suppliers request``).

    For each named supplier, highest cost at default values first (the first ``top``; with a
    suppliers folder, not those whose usable data already cover every line):
    ``NN-name.xlsx`` (the blank official template with the reporting period of IR 2025/2547
    Art. 7, the origin and the CN codes filled in, and a ``CBAM_Request`` sheet naming the
    importer, the goods and their net mass in t, the dates), ``NN-name.en.txt`` and
    ``NN-name.zh-Hant.txt`` (the letter), and ``tracker.xlsx`` listing every supplier. The files
    appear together in ``out`` or not at all (:func:`cbam.files.output_folder`).

    Parameters
    ----------
    imports : str, PathLike or iterable of ImportLine
        The year's customs lines.
    year : int
        The import year.
    template : str or PathLike
        The blank official communication template (v2.x); only read.
    declarant : str or PathLike
        The declarant file: the importer's name, EORI number, address and contact.
    out : str or PathLike
        The output folder (made when missing; it may hold only what earlier runs wrote).
    top : int, optional
        Ask only the first ``top`` suppliers.
    reply_by : datetime.date, optional
        When the answers are wanted (default 30 June of the following year).
    suppliers : str or PathLike, optional
        A suppliers folder: suppliers already covered are not asked again.
    prices, sheet
        As for :func:`plan`.
    progress : callable, optional
        Called with a short message per stage.

    Returns
    -------
    RequestRun
        The requests and files; ``summary()`` is the ``--json`` document.

    Examples
    --------
    ``reference_dir`` is the folder of the official sources (``../shared/reference``).

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "requests"
    >>> run = request("samples/imports-suppliers-2026.csv", 2026, top=1, out=out,
    ...     template=reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx",
    ...     declarant="samples/declarant.json")
    >>> sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    ['01-ningbo-jinhai-fasteners-co-ltd.en.txt', '01-ningbo-jinhai-fasteners-co-ltd.xlsx', \
'01-ningbo-jinhai-fasteners-co-ltd.zh-Hant.txt', 'tracker.xlsx']
    """
    from cbam.declaration.declarant import load_declarant
    from cbam.files import check_regular, refuse_overwrite, supplier_files

    say = progress or (lambda _message: None)
    if top is not None and top < 1:
        raise InputError(f"must be at least 1, got {top}", field="top")
    check_regular(template)
    facts = importer_facts(load_declarant(Path(declarant)))
    say("assessing the customs lines per supplier")
    setup = _setup(year, prices, Decimal(1), None, sheet)
    run = _run(imports, year, suppliers, setup)
    states: dict[str, str] = {}
    if suppliers is not None:
        found = build_status(run.plan, run.tally, run.now, run.files)
        states = {row.key: row.state for row in found.suppliers}
    chosen, skipped = _selected(run.plan, states, top)
    rows = {row.key: row for row in run.plan.suppliers}
    names = ["tracker.xlsx"]
    for key in chosen:
        stem = file_stem(rows[key].rank, key)
        names += [f"{stem}.xlsx", f"{stem}.en.txt", f"{stem}.zh-Hant.txt"]
    folder = Path(out)
    inputs = [_source(imports), template, declarant, *supplier_files(suppliers)]
    refuse_overwrite([folder / name for name in names], inputs)
    asked = _Asked(chosen, skipped, facts, reply_by)
    made = _write_requests(run, asked, template, folder, names, say)
    return RequestRun(run.plan, made, skipped, [folder / name for name in names])


@dataclass
class _Asked:
    chosen: list[str]
    skipped: dict[str, str]
    facts: dict[str, str]
    reply_by: dt.date | None


def _write_requests(
    run: _Run,
    asked: _Asked,
    template: str | os.PathLike[str],
    folder: Path,
    names: list[str],
    say: Callable[[str], None],
) -> list[tuple[SupplierRequest, str, list[str]]]:
    from cbam.files import output_folder, write_text_atomic
    from cbam.formats.letters import LANGUAGES
    from cbam.formats.supplier_files import write_tracker_xlsx
    from cbam.formats.template.request import RequestTemplates

    rows = {row.key: row for row in run.plan.suppliers}
    made: list[tuple[SupplierRequest, str, list[str]]] = []
    with RequestTemplates(Path(template)) as templates, output_folder(folder, names) as staging:
        for key in asked.chosen:
            row = rows[key]
            one = supplier_request(
                row, run.tally.suppliers[key], asked.facts, run.plan.year, asked.reply_by
            )
            stem = file_stem(row.rank, key)
            say(f"writing the request to {key}")
            templates.write(one, staging / f"{stem}.xlsx")
            letters = []
            for language, letter in LANGUAGES.items():
                name = f"{stem}.{language}.txt"
                write_text_atomic(staging / name, letter(one))
                letters.append(name)
            made.append((one, f"{stem}.xlsx", letters))
        write_tracker_xlsx(staging / "tracker.xlsx", run.plan, made, asked.skipped)
    return made


__all__ = [
    "Imports",
    "RequestRun",
    "file_stem",
    "load_answers",
    "plan",
    "request",
    "status",
    "supplier_files_of",
]
