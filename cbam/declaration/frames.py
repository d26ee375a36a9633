"""Notebook helpers: DataFrames and a cost plot (extras ``pandas`` and ``plot``).

The core never imports pandas or matplotlib; these functions import them when called and say
which extra to install when they are missing. Decimal columns stay ``Decimal`` (object dtype),
so sums in pandas are Decimal sums: exact when the decimal context has enough digits (the
library's own totals use 100; Python's default context keeps 28). ``float_columns=True``
converts them for plotting and statistics.
"""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from cbam.errors import CbamError, install_hint

if TYPE_CHECKING:
    from cbam.declaration.model import Assessment

Table = Literal["goods", "trajectory", "quarters", "audit"]


def _require(module: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise CbamError(f"this needs {module}: {install_hint(extra)}") from None


def _rows(assessment: Assessment, what: Table) -> list[dict[str, Any]]:
    if what == "goods":
        return [
            {f.name: getattr(g, f.name) for f in fields(g) if f.name not in ("audit", "valuation")}
            for g in assessment.goods
        ]
    if what == "trajectory":
        return [y.model_dump() for y in assessment.trajectory]
    if what == "quarters":
        return [q.model_dump() for q in assessment.quarters]
    if what == "audit":
        return [
            {"good": g.key, **step.model_dump()}
            for g in assessment.goods
            for step in assessment.audit_of(g)
        ]
    raise CbamError(f"unknown table {what!r}: goods, trajectory, quarters or audit")


def to_dataframe(
    assessment: Assessment, what: Table = "goods", *, float_columns: bool = False
) -> Any:
    """A pandas DataFrame of an assessment's goods, 2026-2034 trajectory, quarters or audit trail.

    Parameters
    ----------
    assessment : Assessment
        The result of :func:`cbam.assess`.
    what : {"goods", "trajectory", "quarters", "audit"}
        ``goods``: one row per good (masses in t, emissions and certificates in t CO2e, SEE in
        t CO2e per t, cost in EUR); ``trajectory``: one row per year 2026-2034 (CBAM factor,
        certificates, price in EUR, cost in EUR); ``quarters``: the holding of Art. 22(2);
        ``audit``: one row per audit step (rule, source, note).
    float_columns : bool
        Convert the Decimal columns to float64 (for plotting and statistics only).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    CbamError
        pandas is not installed (extra ``pandas``), or ``what`` is not one of the four tables.
    """
    pandas = _require("pandas", "pandas")
    frame = pandas.DataFrame(_rows(assessment, what))
    if float_columns:
        for column in frame.columns:
            if frame[column].map(lambda v: isinstance(v, Decimal)).any():
                frame[column] = frame[column].astype("float64")
    return frame


def plot_cost_trajectory(assessment: Assessment, ax: Any = None) -> Any:
    """Bar chart of the cost (EUR millions) of the assessed imports in each year 2026-2034.

    Each year carries its own mark-up (IR 2025/2621 Annex I) and CBAM factor (Directive
    2003/87/EC Art. 10a(1a)). Years whose price is an assumption are hatched and the chart says so.

    Parameters
    ----------
    assessment : Assessment
        The result of :func:`cbam.assess`.
    ax : matplotlib Axes, optional
        Where to draw; a new 8 x 4 inch figure when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    _require("matplotlib", "plot")
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    years = [y.year for y in assessment.trajectory]
    # EUR millions on the axis: plotting only, the figures stay Decimal elsewhere.
    costs = [float(y.cost_eur) / 1e6 for y in assessment.trajectory]  # float-ok: plot axis
    hatches = ["//" if y.price_is_assumption else "" for y in assessment.trajectory]
    bars = ax.bar(years, costs, color="#2f6f8f")
    for bar, hatch in zip(bars, hatches, strict=True):
        bar.set_hatch(hatch)
    ax.set_xlabel("import year (same volumes and origins)")
    ax.set_ylabel("certificate cost, EUR millions")
    ax.set_title(f"CBAM cost trajectory of the {assessment.year} imports")
    if any(hatches):
        ax.text(0.01, 0.97, "hatched: assumed price", transform=ax.transAxes, va="top")
    return ax
