"""The importer's assessment of a year of customs lines: :func:`assess`.

A thin front end over :class:`cbam.declaration.engine.Engine`, which holds every rule; see
:func:`cbam.job.assess_file` for a customs file with ``lines.csv``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from cbam.declaration.engine import EXACT, Engine, LineSink, SupplierIndex, line_error
from cbam.declaration.model import Assessment, ImportLine, SupplierValue

if TYPE_CHECKING:
    from cbam.reference.defaults import DefaultValueTable
    from cbam.reference.prices import PriceTable

__all__ = ["EXACT", "LineSink", "SupplierIndex", "assess", "line_error"]


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

    Returns
    -------
    Assessment
        Totals in t CO2e and EUR (exact sums of the line results, never rounded), one result
        per good (CN code x origin x route x installation x basis) with its audit trail, the
        de minimis finding, the quarterly holding and the 2026-2034 cost trajectory.

    Raises
    ------
    InputError
        A line that cannot be assessed (not a CBAM good, EU origin, unknown route...): the
        message names the row and the column.

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
    Decimal('133.45129107000')
    """
    engine = Engine(
        year,
        suppliers=suppliers,
        prices=prices,
        cscf=cscf,
        defaults_table=defaults_table,
        sink=sink,
        accept_unverified=accept_unverified,
    )
    engine.add_lines(lines)
    return engine.finish(scenario_prices=scenario_prices, declarant=declarant)
