"""Supplier data: installation files and communication templates -> actual values per CN code.

Every file in the suppliers folder is one installation: an installation file (``.json``,
``.yaml``/``.yml``) or a filled communication template (``.xlsx``). Each is computed with the
installation engine; every production process yields one :class:`SupplierValue` per CN code it
covers (its ``cn_codes``, or every catalogue code of its aggregated category when it lists none).
The installation is known by its ``id`` (else the file name without extension), which customs
lines name in their ``installation_id`` column.

The benchmark for actual data (IR 2025/2620 Annex pt 3.1 and 3.3 Eq. 4) is Column A of the good
plus sum m_i x BM_i of its precursors. This module gives the precursors' part (``precursor_
benchmark``): Column A of the process's own route plus its precursors again for precursors
made in the same installation (recursively), Column B of the precursor's CN code and route for
purchased ones, zero for EU/exempt precursors (Q&A §4.18). Where a purchased precursor's CN code
is not known, its share counts zero (conservative) and the note says so. The good's own Column A
is added by :func:`cbam.declaration.valuation.value_good` for the route of the customs line or of
the process (``route``).

Each value also carries the reporting period, the verification, the functional unit and
contents, and the electricity evidence; whether a line may use it is decided by
:mod:`cbam.declaration.eligibility`. An installation may be given by several files of different
reporting periods (e.g. 2026 and 2027); two files of the same id and period are an error.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from cbam import goods
from cbam.codes import compact_cn
from cbam.declaration.certificates import complex_good_sefa
from cbam.declaration.model import SupplierValue
from cbam.errors import CbamError, InputError
from cbam.installation.model import Installation, Process
from cbam.installation.result import InstallationResult, ProcessResult
from cbam.reference.benchmarks import benchmark
from cbam.reference.routes import actual_route, column_routes, default_route

ZERO = Decimal(0)


def _column_b(
    cn: str, year: int, row_routes: tuple[str, ...], route: str | None
) -> tuple[Decimal, str | None]:
    """Column B of a purchased precursor, its route chosen by the rules of
    :func:`cbam.reference.routes.default_route` (the precursor's declared route decides where
    the default-value row does not; else the lowest benchmark, conservative)."""
    choice = default_route(cn, row_routes, route, column_routes(cn, "B", year))
    return benchmark(cn, "B", year=year, route=choice.route).value, choice.note


def _precursor_code(
    installation: Installation | None, process_id: str, index: int
) -> tuple[str | None, str | None]:
    """The CN code and route a purchased precursor was declared with, if any."""
    if installation is None:
        return None, None
    for process in installation.processes:
        if process.id == process_id and 0 <= index < len(process.precursors):
            declared = process.precursors[index]
            code = declared.cn
            if code is None and declared.good and compact_cn(declared.good).isdigit():
                code = compact_cn(declared.good)[:8]
            return code, declared.route
    return None, None


def _process_route(installation: Installation | None, process_id: str) -> str | None:
    if installation is None:
        return None
    return next((p.route for p in installation.processes if p.id == process_id), None)


def _own_benchmark(
    result: InstallationResult,
    process: ProcessResult,
    cn: str,
    year: int,
    seen: tuple[str, ...],
    installation: Installation | None,
) -> tuple[Decimal, list[str]]:
    """Column A of a process made here (its own route) plus its precursors' (Eq. 4)."""
    route = _process_route(installation, process.id)
    choice = actual_route(cn, route, None, column_routes(cn, "A", year))
    own = benchmark(cn, "A", year=year, route=choice.route).value
    notes = [choice.note] if choice.note and choice.basis != "supplier" else []
    precursors, more = _precursor_benchmark(result, process, year, seen, installation)
    return own + precursors, notes + more


def _precursor_benchmark(
    result: InstallationResult,
    process: ProcessResult,
    year: int,
    seen: tuple[str, ...] = (),
    installation: Installation | None = None,
) -> tuple[Decimal, list[str]]:
    """sum m_i x BM_i of a process's precursors (IR 2025/2620 Annex pt 3.3 Eq. 4), per unit of
    the process's activity level: Column A (+ its precursors) of precursors made here, Column B
    of purchased ones, zero for EU/exempt ones (Q&A §4.18)."""
    notes: list[str] = []
    weighted: list[tuple[Decimal, Decimal]] = []  # (m_i, BM_i) of the precursors
    for pre in process.precursors:
        if pre.basis.startswith("zero"):
            continue
        if pre.from_process is not None:
            if pre.from_process in seen:  # the engine rejects cycles; belt and braces
                continue
            upstream = result.process(pre.from_process)
            up_cn = upstream.cn_codes[0] if upstream.cn_codes else None
            if up_cn is None:
                notes.append(
                    f"process {upstream.id} lists no CN code: its free allocation counts zero"
                )
                continue
            value, more = _own_benchmark(
                result, upstream, up_cn, year, (*seen, process.id), installation
            )
            notes.extend(more)
        elif pre.default is not None:
            declared = _precursor_code(installation, process.id, pre.index)[1]
            row = tuple(pre.default.route.split("/")) if pre.default.route else ()
            value, note = _column_b(pre.default.cn, year, row, declared)
            if note:
                notes.append(note)
        elif (found := _precursor_code(installation, process.id, pre.index))[0]:
            code, route = found
            assert code is not None
            value, note = _column_b(code, year, (route,) if route else (), route)
            if note:
                notes.append(note)
        else:
            notes.append(
                f"precursor {pre.name or pre.category} of process {process.id} has actual values "
                "but no CN code: its free allocation counts zero (conservative)"
            )
            continue
        weighted.append((pre.specific_mass, value))
    # IR 2025/2620 Annex pt 3.3 Eq. 4 at benchmark level; the caller adds the good's own
    # Column A and applies CBAM_y x CSCF_y to the sum, which equals applying them to each term.
    return complex_good_sefa(ZERO, weighted), notes


def _contents(process: Process | None, cn: str) -> dict[str, Decimal]:
    share = process.content(cn) if process is not None else None
    return {} if share is None else {cn: share}


def supplier_values(
    result: InstallationResult,
    installation_id: str,
    source: str,
    year: int,
    installation: Installation | None = None,
) -> list[SupplierValue]:
    """One :class:`SupplierValue` per process and CN code of an installation's result.

    Each carries the process's route, functional unit and contents, the precursors' benchmark
    (IR 2025/2620 Annex pt 3.3 Eq. 4), the reporting period and the verification.
    """
    out: list[SupplierValue] = []
    declared = {p.id: p for p in installation.processes} if installation is not None else {}
    period = installation.reporting_period if installation is not None else None
    for process in result.processes:
        own = declared.get(process.id)
        codes = process.cn_codes or tuple(
            g.cn for g in goods.all_goods() if g.category.name == process.good
        )
        try:
            bm: Decimal | None
            bm, notes = _precursor_benchmark(result, process, year, (), installation)
        except CbamError as exc:
            bm, notes = None, [f"no precursors' benchmark for process {process.id}: {exc.reason}"]
        for cn in codes:
            out.append(
                SupplierValue(
                    installation_id=installation_id,
                    installation_name=result.installation,
                    country=result.country,
                    cn_codes=(cn,),
                    process_id=process.id,
                    good=process.good,
                    see_direct=process.see_direct,
                    see_indirect=process.see_indirect,
                    see_total_definitive=process.see_total_definitive,
                    benchmark_note="; ".join(dict.fromkeys(notes)) or None,
                    route=own.route if own is not None else None,
                    precursor_benchmark=bm,
                    see_unit=own.functional_unit if own is not None else "t",
                    contents=_contents(own, cn),
                    period_start=period.start if period else None,
                    period_end=period.end if period else None,
                    verification=installation.verification if installation else None,
                    electricity_evidence=own.electricity_evidence if own is not None else None,
                    source=source,
                )
            )
    return out


def installation_value(
    installation: Installation,
    cn: str,
    year: int,
    *,
    process: str | None = None,
) -> SupplierValue:
    """The actual values of the process of an installation that makes CN code ``cn``.

    For ``cbam cost --installation FILE [--process ID]``: the installation is computed for
    ``year`` (IR 2025/2547 Annex III) and the process's SEE, route and precursors' benchmark
    (IR 2025/2620 Annex pt 3.3 Eq. 4) are returned.

    Parameters
    ----------
    installation : Installation
        The installation (:func:`cbam.load_installation`, or a template or file read by
        :func:`cbam.formats.installation_files.read_installation`).
    cn : str
        The 8-digit CN code of the good.
    year : int
        Import year (mark-up of precursors' default values, benchmark period).
    process : str, optional
        The process id; needed when several processes make the code.

    Returns
    -------
    SupplierValue
        SEE in t CO2e per functional unit, route, precursors' benchmark, period, verification.

    Raises
    ------
    InputError
        No process makes the code, the process id is unknown, or several processes make it and
        none was named.

    Examples
    --------
    >>> import cbam
    >>> model = cbam.load_installation("samples/suppliers/tw-fasteners.json")
    >>> value = installation_value(model, "73181542", 2026)
    >>> value.process_id, round(value.precursor_benchmark, 6)
    ('P1', Decimal('1.604706'))
    >>> installation_value(model, "72081000", 2026)
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: samples/suppliers/tw-fasteners.json, field 'cn': no process of the \
installation makes CN 72081000 (processes: P1 73181542, P2 73181535); give --process
    """
    from cbam.installation import compute_see

    model, source = installation, installation.source or "installation"
    result = compute_see(model, year=year)
    identifier = model.installation.id or Path(source).stem
    values = supplier_values(result, identifier, Path(source).name, year, model)
    listed = ", ".join(f"{p.id} {' '.join(p.cn_codes) or p.good}" for p in result.processes)
    if process is not None and process not in {p.id for p in result.processes}:
        raise InputError(
            f"the installation has no process {process!r} (processes: {listed})",
            source=source,
            field="process",
        )
    found = [v for v in values if cn in v.cn_codes and (process is None or v.process_id == process)]
    if not found:
        where = f"process {process}" if process else "no process of the installation"
        raise InputError(
            f"{where} makes CN {cn} (processes: {listed})"
            + ("" if process else "; give --process"),
            source=source,
            field="cn",
        )
    if len(found) > 1:
        raise InputError(
            f"several processes make CN {cn} ({', '.join(str(v.process_id) for v in found)}); "
            "give --process",
            source=source,
            field="process",
        )
    return found[0]
