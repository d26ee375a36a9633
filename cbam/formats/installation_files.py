"""Installation files and communication templates read from disk, and what they give.

The operator's data come as an installation file (JSON or YAML, interfaces.md section 1) or as
the Commission's communication template (xlsx). This module reads either into the
:class:`~cbam.installation.Installation` model and hands it to the two wings: the installation
engine (``cbam see``: :func:`see_report`) and the importer's supplier values (``cbam assess
--suppliers``: :func:`load_suppliers`; ``cbam cost --installation``:
:func:`installation_value`). The computation stays in :mod:`cbam.installation` and
:mod:`cbam.declaration.suppliers`; reading files is this module's only job.
"""

from __future__ import annotations

from decimal import localcontext
from pathlib import Path
from typing import Any

from cbam.declaration.model import SupplierValue
from cbam.declaration.suppliers import installation_value as value_of_installation
from cbam.declaration.suppliers import supplier_values
from cbam.errors import InputError
from cbam.files import check_regular
from cbam.installation import Installation, compute_see, load_installation, parse_installation
from cbam.installation.lookups import ReferenceLookups
from cbam.installation.report import workbook_differences
from cbam.values import STANDARD

#: The files a suppliers folder may hold: installation files and communication templates.
SUFFIXES = (".json", ".yaml", ".yml", ".xlsx", ".xlsm")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def read_installation(path: str | Path) -> Installation:
    """An installation file (JSON, YAML) or a filled communication template, as the model.

    >>> read_installation("samples/suppliers/tw-fasteners.json").installation.id
    'TW-FAST-001'
    """
    file = Path(path)
    if file.suffix.lower() in WORKBOOK_SUFFIXES:
        from cbam.formats.template import read_template

        book = read_template(file)
        if book.blank:
            raise blank_error(file, book.request)
        found: Installation = book.installation
        return found
    return load_installation(file)


def blank_error(path: Path, request: dict[str, Any] | None) -> InputError:
    """The error of a template without any production process (nothing to compute).

    >>> blank_error(Path("a.xlsx"), {"reference": "TW-1"}).reason
    'the communication template is blank: no production process ... to TW-1 not answered yet)'
    """
    what = f" (a request to {request['reference']} not answered yet)" if request else ""
    return InputError(
        f"the communication template is blank: no production process is filled in{what}",
        source=str(path),
        location="sheet A_InstData",
    )


def load_supplier_file(path: Path, year: int) -> list[SupplierValue]:
    """Compute one supplier file (installation file or communication template)."""
    installation = read_installation(path)
    result = compute_see(installation, year=year)
    identifier = installation.installation.id or path.stem
    return supplier_values(result, identifier, path.name, year, installation)


def load_suppliers(folder: str | Path, year: int) -> list[SupplierValue]:
    """Actual values of every supplier file in a folder (IR 2025/2547 Annex III; IR 2025/2620).

    Each installation file (``.json``, ``.yaml``/``.yml``) or filled communication template
    (``.xlsx``) is computed with the installation engine; every production process yields one
    value per CN code. The folder is not searched recursively; a supplier file must be a regular
    file (a FIFO or a link to a device is refused, naming it).

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

    Examples
    --------
    >>> import cbam
    >>> values = cbam.load_suppliers("samples/suppliers", 2026)
    >>> sorted({v.installation_id for v in values})
    ['TR-CEM-001', 'TW-FAST-001']
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError("the suppliers folder does not exist", source=str(root))
    values: list[SupplierValue] = []
    owners: dict[tuple[str, object], str] = {}
    for path in sorted(p for p in root.iterdir() if p.suffix.lower() in SUFFIXES):
        if path.name.startswith((".", "~$")):
            continue
        check_regular(path)  # a FIFO or a link to /dev/zero would hang or never end
        with localcontext(STANDARD):  # the caller's decimal context never changes a result
            found = load_supplier_file(path, year)
        for value in found:
            key = (value.installation_id, value.period_start)
            first = owners.setdefault(key, path.name)
            if first != path.name:
                raise InputError(
                    f"installation id {value.installation_id!r} is used by {first} too, for "
                    f"the same reporting period",
                    source=str(path),
                    field="installation.id",
                )
        values.extend(found)
    return values


def installation_value(
    path: str | Path, cn: str, year: int, *, process: str | None = None
) -> SupplierValue:
    """The actual values of the process of an installation file that makes CN code ``cn``.

    Reads the file (:func:`read_installation`) and takes the values with
    :func:`cbam.declaration.suppliers.installation_value` (IR 2025/2547 Annex III; IR 2025/2620
    Annex pt 3.3 Eq. 4): what ``cbam cost --installation FILE [--process ID]`` uses.

    >>> installation_value("samples/suppliers/tw-fasteners.json", "73181542", 2026).process_id
    'P1'
    """
    return value_of_installation(read_installation(path), cn, year, process=process)


def see_report(
    path: str | Path,
    *,
    year: int | None = None,
    lookups: ReferenceLookups | None = None,
) -> dict[str, Any]:
    """The ``cbam see --json`` document of an installation file (JSON/YAML) or template.

    ``{"processes": [...contract keys + audit trail...], ...}`` as
    :meth:`InstallationResult.as_dict`; for a workbook also ``workbook_summary`` (the workbook's
    own SEE per CN code) and ``differences`` (one sentence per disagreeing value, IR 2025/2547
    Annex III). Decimals are left as Decimal.

    >>> see_report("samples/installations/screws.json")["processes"][0]["id"]
    'P1'
    """
    file = Path(path)
    if file.suffix.lower() not in WORKBOOK_SUFFIXES:
        return compute_see(load_installation(file), year=year, lookups=lookups).as_dict()
    from cbam.formats.template import read_template

    workbook = read_template(file)
    if workbook.blank:
        raise blank_error(file, workbook.request)
    installation = workbook.installation
    if not isinstance(installation, Installation):
        installation = parse_installation(workbook.installation_dict, source=str(file))
    result = compute_see(installation, year=year, lookups=lookups)
    document = result.as_dict()
    summary = [dict(row) for row in workbook.workbook_summary]
    document["workbook_summary"] = summary
    document["differences"] = workbook_differences(result, summary)
    return document
