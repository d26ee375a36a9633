"""Supplier data: installation files and communication templates -> actual values per CN code.

Every file in the suppliers folder is one installation: an installation file (``.json``,
``.yaml``/``.yml``) or a filled communication template (``.xlsx``). Each is computed with the
installation engine; every production process yields one :class:`SupplierValue` per CN code it
covers (its ``cn_codes``, or every catalogue code of its aggregated category when it lists none).
The installation is known by its ``id`` (else the file name without extension), which customs
lines name in their ``installation_id`` column.

The benchmark for actual data (IR 2025/2620 Annex pt 3.1 and 3.3 Eq. 4) is Column A of the good
plus sum m_i x BM_i of its precursors: Column A again for precursors from the same
installation (recursively), Column B of the precursor's CN code and route for purchased
precursors on default values, zero for EU/exempt precursors (Q&A §4.18). Where a purchased
precursor's CN code is not known, its share counts zero (conservative) and the note says so.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from pathlib import Path

from cbam import goods
from cbam.codes import compact_cn
from cbam.declaration.certificates import complex_good_sefa
from cbam.declaration.model import SupplierValue
from cbam.errors import CbamError, InputError
from cbam.files import check_regular
from cbam.installation.model import Installation
from cbam.installation.result import InstallationResult, ProcessResult
from cbam.reference.benchmarks import benchmark, benchmark_options
from cbam.values import STANDARD

SUFFIXES = (".json", ".yaml", ".yml", ".xlsx", ".xlsm")
ZERO = Decimal(0)


def _column(cn: str, column: str, year: int, route: str | None) -> tuple[Decimal, str | None]:
    """A benchmark, taking the lowest of several routes (conservative) when none is known."""
    try:
        found = benchmark(cn, column, year=year, route=route)  # type: ignore[arg-type]
        note = found.note
        if note and note.strip().endswith("as requested"):
            note = None  # nothing to tell: the route asked for is the route used
        return found.value, note
    except InputError:
        options = benchmark_options(cn, column, year=year)  # type: ignore[arg-type]
        if not options:
            raise
        lowest = min(options, key=lambda b: b.value)
        return lowest.value, (
            f"CN {cn}: no production route known for Column {column}; the lowest benchmark "
            f"({lowest.value}, route {lowest.route}) is used (conservative)"
        )


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


def _benchmark_a(
    result: InstallationResult,
    process: ProcessResult,
    cn: str,
    year: int,
    seen: tuple[str, ...] = (),
    installation: Installation | None = None,
) -> tuple[Decimal, list[str]]:
    """Column A of ``cn`` plus the m_i-weighted benchmarks of the process's precursors."""
    own, note = _column(cn, "A", year, None)
    notes = [note] if note else []
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
            value, more = _benchmark_a(
                result, upstream, up_cn, year, (*seen, process.id), installation
            )
            notes.extend(more)
        elif pre.default is not None:
            value, note = _column(pre.default.cn, "B", year, pre.default.route)
            if note:
                notes.append(note)
        elif (declared := _precursor_code(installation, process.id, pre.index))[0]:
            code, route = declared
            assert code is not None
            value, note = _column(code, "B", year, route)
            if note:
                notes.append(note)
        else:
            notes.append(
                f"precursor {pre.name or pre.category} of process {process.id} has actual values "
                "but no CN code: its free allocation counts zero (conservative)"
            )
            continue
        weighted.append((pre.specific_mass, value))
    # IR 2025/2620 Annex pt 3.3 Eq. 4 at benchmark level; the caller applies CBAM_y x CSCF_y
    # to the sum, which equals applying them to each term.
    return complex_good_sefa(own, weighted), notes


def supplier_values(
    result: InstallationResult,
    installation_id: str,
    source: str,
    year: int,
    installation: Installation | None = None,
) -> list[SupplierValue]:
    """One :class:`SupplierValue` per process and CN code of an installation's result."""
    out: list[SupplierValue] = []
    for process in result.processes:
        codes = process.cn_codes or tuple(
            g.cn for g in goods.all_goods() if g.category.name == process.good
        )
        for cn in codes:
            try:
                bm, notes = _benchmark_a(result, process, cn, year, (), installation)
            except CbamError as exc:
                bm, notes = None, [f"no Column A benchmark for CN {cn}: {exc.reason}"]
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
                    benchmark_a=bm,
                    benchmark_note="; ".join(dict.fromkeys(notes)) or None,
                    source=source,
                )
            )
    return out


def load_supplier_file(path: Path, year: int) -> list[SupplierValue]:
    """Compute one supplier file (installation file or communication template)."""
    from cbam.installation import compute_see, load_installation

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from cbam.formats.template import read_template

        workbook = read_template(path)
        installation = workbook.installation
    else:
        installation = load_installation(path)
    result = compute_see(installation, year=year)
    identifier = installation.installation.id or path.stem
    return supplier_values(result, identifier, path.name, year, installation)


def load_suppliers(folder: str | Path, year: int) -> list[SupplierValue]:
    """Actual values of every supplier file in a folder (IR 2025/2547 Annex III; IR 2025/2620).

    Each installation file (``.json``, ``.yaml``/``.yml``) or filled communication template
    (``.xlsx``) is computed with the installation engine; every production process yields one
    value per CN code. The folder is not searched recursively.

    Parameters
    ----------
    folder : str or Path
        The suppliers folder.
    year : int
        Import year: the default-value mark-up of purchased precursors and the benchmarks' period.

    Returns
    -------
    list of SupplierValue
        SEE in t CO2e per t and the Column A benchmark plus precursors (t CO2e per t) per
        installation and CN code.

    Raises
    ------
    InputError
        The folder does not exist, a file is invalid (file, path and field named), or two files use
        one installation id.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError("the suppliers folder does not exist", source=str(root))
    values: list[SupplierValue] = []
    owners: dict[str, str] = {}
    for path in sorted(p for p in root.iterdir() if p.suffix.lower() in SUFFIXES):
        if path.name.startswith((".", "~$")):
            continue
        check_regular(path)  # a FIFO or a link to /dev/zero would hang or never end
        with localcontext(STANDARD):  # the caller's decimal context never changes a result
            found = load_supplier_file(path, year)
        for value in found:
            first = owners.setdefault(value.installation_id, path.name)
            if first != path.name:
                raise InputError(
                    f"installation id {value.installation_id!r} is used by {first} too",
                    source=str(path),
                    field="installation.id",
                )
        values.extend(found)
    return values
