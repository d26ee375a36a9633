"""The importer's assessment of a year of customs lines: :func:`assess`.

A thin front end over :class:`cbam.declaration.engine.Engine`, which holds every rule; see
:func:`cbam.job.assess_file` for a customs file with ``lines.csv``.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal, localcontext
from types import GeneratorType
from typing import TYPE_CHECKING, Any

from cbam.codes import validate_cn, validate_country, validate_eori
from cbam.declaration.engine import EXACT, Engine, LineSink, SupplierIndex, line_error
from cbam.declaration.importers import ByImporter, OneImporter
from cbam.declaration.model import ImportLine, SupplierValue
from cbam.errors import CbamError, InputError
from cbam.rules import check_year
from cbam.values import check_identifier, figure, in_range, quarter_of

if TYPE_CHECKING:
    from cbam.declaration.model import Assessment
    from cbam.declaration.year_inputs import YearInputs
    from cbam.reference.defaults import DefaultValueTable
    from cbam.reference.prices import PriceTable

__all__ = [
    "EXACT",
    "LineSink",
    "SupplierIndex",
    "assess",
    "assess_by_importer",
    "check_line",
    "line_error",
]

_FIGURES = ("net_mass", "supplementary_units", "clinker_content", "nitrogen_content")
_TEXTS = ("installation_id", "route", "procedure", "line_id", "supplier")


def _plain_figure(value: object) -> bool:
    """True for a Decimal the engine takes as it is (the common case, checked cheaply)."""
    return type(value) is Decimal and value.is_finite() and value >= 0 and in_range(value)


_VALIDATE = {"cn": validate_cn, "country": validate_country, "importer_eori": validate_eori}


def _codes(line: ImportLine, known: dict[Any, str]) -> dict[str, Any]:
    """The CN code, country and importer of a line, normalised (each distinct text checked once)."""
    changes: dict[str, Any] = {}
    for field in ("cn", "country", "importer_eori"):
        text = getattr(line, field)
        if text is None and field == "importer_eori":
            continue
        key = (field, text)
        found = known.get(key)
        if found is None:
            if isinstance(text, str):
                found = _VALIDATE[field](text)
            elif field == "cn" and type(text) is int:
                found = validate_cn(text)
            else:
                raise InputError(f"expected a text, got {type(text).__name__}", field=field)
            known[key] = found
        if found != text:
            changes[field] = found
    return changes


def _figures(line: ImportLine) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for field in _FIGURES:
        value = getattr(line, field)
        if (value is None and field != "net_mass") or _plain_figure(value):
            number = value
        else:
            number = changes[field] = figure(value, field)
        if field in ("clinker_content", "nitrogen_content") and number is not None and number > 1:
            raise InputError(f"is a share between 0 and 1, got {number}", field=field)
    deduction = line.carbon_price_deduction
    if deduction is not None and not _plain_figure(deduction):
        changes["carbon_price_deduction"] = figure(deduction, "carbon_price_deduction")
    return changes


def _when(line: ImportLine, year: int) -> None:
    if type(line.year) is not int or line.year != year:
        raise InputError(
            f"the line is of year {line.year!r}, outside the assessed year {year}", field="year"
        )
    if type(line.quarter) is not int or not 1 <= line.quarter <= 4:
        raise InputError(f"{line.quarter!r} is not a quarter (1-4)", field="quarter")
    day = line.import_date
    if day is None:
        return
    if not isinstance(day, dt.date):
        raise InputError(f"expected a date, got {type(day).__name__}", field="import_date")
    if day.year != line.year or quarter_of(day) != line.quarter:
        raise InputError(
            f"{day} contradicts the line's year {line.year} and quarter {line.quarter}",
            field="import_date",
        )


def check_line(line: object, year: int, known: dict[Any, str] | None = None) -> ImportLine:
    """A line given to :func:`assess`, checked as the customs reader checks a row.

    Figures must be Decimals, ints or decimal strings (a float is refused: pass
    ``Decimal(str(x))``), finite, not negative and within range; shares at most 1; the year
    the assessed one, the quarter 1-4 and the date within both; CN code and country valid
    (normalised: ``"7208 10 00"`` becomes ``"72081000"``); ids and names without control
    characters or a formula's first character; an importer a valid EORI number (normalised:
    ``"de 123"`` becomes ``"DE123"``). ``known`` remembers the codes already checked.

    Parameters
    ----------
    line : ImportLine
        The line.
    year : int
        The assessed year.
    known : dict, optional
        A cache shared by the lines of one assessment.

    Returns
    -------
    ImportLine
        The line, with its figures as Decimals and its codes normalised.

    Raises
    ------
    InputError
        Naming the line's row and the field.

    Examples
    --------
    >>> line = ImportLine(row=2, cn="7208 10 00", country="tr", net_mass=5, year=2026, quarter=1)
    >>> checked = check_line(line, 2026)
    >>> checked.cn, checked.country, checked.net_mass
    ('72081000', 'TR', Decimal('5'))
    >>> check_line(line._replace(net_mass=0.1), 2026)
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: row 2, field 'net_mass': 0.1 is a binary float, which cannot hold ...
    """
    if not isinstance(line, ImportLine):
        raise InputError(f"expected an ImportLine, got {type(line).__name__}", field="lines")
    try:
        if type(line.row) is not int:
            raise InputError(f"expected a row number, got {line.row!r}", field="row")
        changes = _figures(line)
        _when(line, year)
        changes.update(_codes(line, {} if known is None else known))
        for field in _TEXTS:
            text = getattr(line, field)
            if text is not None:
                if not isinstance(text, str):
                    raise InputError(f"expected a text, got {type(text).__name__}", field=field)
                check_identifier(text, field)
    except CbamError as exc:
        raise line_error(exc, line.row if type(line.row) is int else 0) from None
    return line._replace(**changes) if changes else line


def _checked(lines: Iterable[ImportLine], year: int) -> Iterator[ImportLine]:
    """The lines, each through :func:`check_line`; an iterator already read is refused."""
    if isinstance(lines, GeneratorType) and inspect.getgeneratorstate(lines) != "GEN_CREATED":
        raise InputError(
            "the lines were already read: an iterator (such as read_imports()) can be read "
            "once; call read_imports() again, or pass list(read_imports(...))",
            field="lines",
        )
    known: dict[Any, str] = {}
    for line in lines:
        yield check_line(line, year, known)


def assess(
    lines: Iterable[ImportLine],
    year: int,
    *,
    suppliers: Iterable[SupplierValue] = (),
    prices: PriceTable | None = None,
    cscf: Decimal = Decimal(1),
    scenario_prices: Sequence[Decimal] = (),
    declarant: dict[str, str] | None = None,
    defaults_table: DefaultValueTable | None = None,
    sink: LineSink | None = None,
    accept_unverified: bool = False,
    inputs: YearInputs | None = None,
) -> Assessment:
    """Assess a year of customs lines: embedded emissions, free allocation, certificates, cost.

    Each line takes its supplier's actual values when its installation communicated them for
    its CN code, of the line's reporting period and verified (IR 2025/2547 Art. 7; Art. 8 of
    the CBAM Regulation; :mod:`cbam.declaration.eligibility`), else the default value marked up
    for ``year``; the benchmark's production route follows :mod:`cbam.reference.routes`;
    Reg. (EU) 2023/956 Arts. 2a (de minimis), 7 (actual or default), 9 (carbon price paid),
    21 (price), 22 (surrender and quarterly holding) as amended by Reg. (EU) 2025/2083;
    IR 2025/2620 (free allocation, CBAM factor); IR 2025/2621 (default values); Q&A §4.32 (no
    netting across goods).

    Parameters
    ----------
    lines : iterable of ImportLine
        The customs lines (see :func:`cbam.read_imports`); net mass in t (MWh for electricity).
    year : int
        The import year assessed (2026 onwards); every line must belong to it.
    suppliers : iterable of SupplierValue
        Actual values per installation and CN code (see :func:`cbam.load_suppliers`), SEE in
        t CO2e per t.
    prices : PriceTable, optional
        Certificate prices in EUR per t CO2e by quarter (2026) or ISO week (2027 on); the
        published ones when None. A period without a price takes an assumption, flagged.
    cscf : Decimal
        Cross-sectoral correction factor (dimensionless, default 1, flagged in the audit).
    scenario_prices : sequence of Decimal
        Extra prices (EUR per certificate) at which the year's certificates are also costed.
    declarant : dict of str to str, optional
        The few declarant facts shown in the outputs (EORI, name, country).
    defaults_table : DefaultValueTable, optional
        A newer default-value workbook (:func:`cbam.load_defaults_workbook`); the packaged
        IR 2025/2621 values when None.
    sink : callable, optional
        Called with every :class:`~cbam.declaration.model.LineResult` in input order (lines
        wait until the de minimis question is settled), e.g. a ``lines.csv`` writer.
    accept_unverified : bool
        Let actual values without a satisfactory verification, or of another reporting period,
        be used: the result is then an estimate (``Assessment.estimate``, every line and good
        say so) and may not be declared.
    inputs : YearInputs, optional
        The year's other inputs (:class:`cbam.declaration.year_inputs.YearInputs`): the price
        basis of the cost (Art. 21; by default the quarter of importation in 2026, an assumed
        yearly price from 2027, flagged), last year's surrendered certificates for the
        quarterly holding (Art. 22(2)(b)), and the exchange rates, default carbon prices and
        prices paid per installation that a carbon price paid abroad needs (Art. 9).

    Returns
    -------
    Assessment
        Totals in t CO2e and EUR (exact sums of the line results, never rounded), one result
        per good (CN code x origin x route x installation x basis) with its audit trail, the
        de minimis finding, the quarterly holding and the 2026-2034 cost trajectory;
        ``importer`` is the EORI number the lines name (None when they name none).

    Raises
    ------
    InputError
        A line that cannot be assessed (not a CBAM good, EU origin, unknown route...), a float,
        negative, non-finite or out-of-range figure, a line of another year, a quarter outside
        1-4 (:func:`check_line`), an iterator that was already read, a line of another importer
        than the lines before it (the threshold is per importer, Art. 2a(1): use
        :func:`assess_by_importer`): the message names the row and the column. Results never
        depend on the caller's :mod:`decimal` context: the library computes in its own
        (:data:`EXACT`).

    Examples
    --------
    >>> from decimal import Decimal
    >>> import cbam
    >>> line = cbam.ImportLine(row=2, cn="72081000", country="TR", net_mass=Decimal(100),
    ...                        year=2026, quarter=1)
    >>> result = cbam.assess([line], 2026)
    >>> good = result.goods[0]  # Türkiye 2.427511737 + 10 %; 97.5 % x Column B (C) 1.370
    >>> good.see_used, good.sefa
    (Decimal('2.67026291070'), Decimal('1.33575'))
    >>> result.totals.certificates  # 100 t x (2.6702629107 - 1.33575)
    Decimal('133.4512910700')
    """
    with localcontext(EXACT):
        cscf = figure(cscf, "cscf")
        scenarios = [figure(price, "scenario_prices") for price in scenario_prices]
        engine = Engine(
            year,
            suppliers=suppliers,
            prices=prices,
            cscf=cscf,
            defaults_table=defaults_table,
            sink=sink,
            accept_unverified=accept_unverified,
            inputs=inputs,
        )
        check = OneImporter("for lines of several importers use cbam.assess_by_importer")
        engine.add_lines(check.lines(_checked(lines, engine.year)))
        result = engine.finish(scenario_prices=scenarios, declarant=declarant)
        return result if check.eori is None else result.model_copy(update={"importer": check.eori})


#: Why :func:`assess_by_importer` refuses a line without an importer.
_NO_IMPORTER = (
    "is empty; assess_by_importer needs the importer of every line (the lines of one importer "
    "without an EORI number: use cbam.assess)"
)


def assess_by_importer(
    lines: Iterable[ImportLine],
    year: int,
    *,
    suppliers: Iterable[SupplierValue] = (),
    prices: PriceTable | None = None,
    cscf: Decimal = Decimal(1),
    scenario_prices: Sequence[Decimal] = (),
    declarant: dict[str, str] | None = None,
    defaults_table: DefaultValueTable | None = None,
    sinks: Callable[[str], LineSink | None] | None = None,
    accept_unverified: bool = False,
    inputs: YearInputs | None = None,
) -> dict[str, Assessment]:
    """Assess the customs lines of several importers: one :func:`assess` per importer.

    The 50 t de minimis threshold applies to each importer's net mass of the year, never to
    the lines pooled (Reg. (EU) 2023/956 Art. 2a(1): "aggregated per importer and per calendar
    year"; Recital 7), and so do the quarterly holding (Art. 22(2)) and the declaration: an
    indirect customs representative declares for each represented importer the goods it
    imported on that importer's behalf (Art. 5(2a)). Each line names its importer in
    ``importer_eori``; the lines of each importer give exactly what :func:`assess` gives for
    them alone (certificates in t CO2e, cost in EUR), with :attr:`Assessment.importer` set.

    Parameters
    ----------
    lines : iterable of ImportLine
        The customs lines, each naming its importer (``importer_eori``, an EORI number); net
        mass in t (MWh for electricity).
    year : int
        The import year assessed (2026 onwards); every line must belong to it.
    suppliers, prices, cscf, scenario_prices, declarant, defaults_table, accept_unverified, inputs
        As for :func:`assess`; the same for every importer (``declarant``: who files, e.g. the
        indirect customs representative).
    sinks : callable, optional
        Called once per importer with its EORI number, when its first line comes; returns the
        sink of that importer's lines (as :func:`assess`'s ``sink``) or None.

    Returns
    -------
    dict of str to Assessment
        One assessment per importer, keyed by EORI number in the order in which the importers
        first appear; empty when there are no lines.

    Raises
    ------
    InputError
        As :func:`assess`; and a line without an importer (naming its row): the lines of one
        importer without an EORI number go to :func:`assess`.

    Examples
    --------
    Two importers of 30 t of Chinese grey clinker each: 60 t pooled would exceed the threshold,
    but each importer's 30 t do not, so neither owes certificates (Art. 2a(1)).

    >>> from decimal import Decimal
    >>> import cbam
    >>> def line(row, eori):
    ...     return cbam.ImportLine(row=row, cn="25231000", country="CN", net_mass=Decimal(30),
    ...                            year=2026, quarter=1, route="A", importer_eori=eori)
    >>> results = cbam.assess_by_importer([line(2, "DE123456789"), line(3, "NL987654321")], 2026)
    >>> {eori: (r.de_minimis.exempt, r.totals.certificates) for eori, r in results.items()}
    {'DE123456789': (True, Decimal('0')), 'NL987654321': (True, Decimal('0'))}
    >>> cbam.assess([line(2, None), line(3, None)], 2026).de_minimis.exempt  # pooled: wrong
    False
    """
    with localcontext(EXACT):
        cscf = figure(cscf, "cscf")
        scenarios = [figure(price, "scenario_prices") for price in scenario_prices]
        values = tuple(suppliers)

        def make(eori: str) -> Engine:
            return Engine(
                year,
                suppliers=values,
                prices=prices,
                cscf=cscf,
                defaults_table=defaults_table,
                sink=sinks(eori) if sinks is not None else None,
                accept_unverified=accept_unverified,
                inputs=inputs,
            )

        router = ByImporter(make, empty=_NO_IMPORTER)
        router.add_lines(_checked(lines, check_year(year)))
        return {
            eori: engine.finish(scenario_prices=scenarios, declarant=declarant).model_copy(
                update={"importer": eori}
            )
            for eori, engine in router.engines.items()
        }
