"""Results of the installation engine, with the audit trail of every number.

All figures are full-precision ``Decimal`` (round only when printing: IR 2025/2547 Annex II
A.1(8) allows at most 5 decimals for SEE in a communication). :meth:`InstallationResult.see_table`
gives the ``cbam see --json`` contract; :meth:`InstallationResult.as_dict` adds the audit trail.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class StreamResult(_Frozen):
    """One source stream's emissions (IR 2025/2547 Annex II B)."""

    index: int
    name: str
    method: str
    process: str
    emissions: Decimal
    """t CO2e counted (fossil)."""
    biomass_co2: Decimal
    """t CO2 zero-rated biomass, reported only."""
    energy_tj: Decimal | None
    gases: dict[str, Decimal]
    equation: str


class Term(_Frozen):
    """One term of an equation, with where it came from."""

    name: str
    value: Decimal
    equation: str
    note: str | None = None


class Provenance(_Frozen):
    """Where a looked-up number came from (dataset, row, fall-back)."""

    dataset: str
    """``DatasetInfo.label``: legal act, version and date."""
    dataset_id: str
    location: str
    country_used: str
    fallback: str | None = None


class ElectricityFactor(_Frozen):
    """The electricity emission factor used for Em_el,cons (t CO2/MWh)."""

    value: Decimal | None
    basis: Literal["given", "grid factor", "not needed"]
    provenance: Provenance | None = None


class DefaultUsed(_Frozen):
    """A default value applied to a precursor (IR 2025/2621 Annex I or IV)."""

    cn: str
    row_cn: str
    route: str | None
    direct: Decimal | None
    indirect: Decimal | None
    total: Decimal
    markup: Decimal
    markup_year: int
    value_used: Decimal
    provenance: Provenance
    choice: str | None = None
    """How the CN code was chosen when only a category was given."""


class PrecursorResult(_Frozen):
    """A precursor's contribution to Eq. 60 (``M_i x SEE_i``, per channel)."""

    index: int
    name: str | None
    category: str
    country: str | None
    from_process: str | None
    mass: Decimal
    specific_mass: Decimal
    """m_i = M_i / AL_g (Eq. 61)."""
    basis: Literal["actual", "default", "zero (EU or exempt origin)", "own process"]
    see_direct: Decimal
    see_indirect: Decimal
    embedded_direct: Decimal
    embedded_indirect: Decimal
    indirect_counts_definitive: bool
    """Whether this precursor's indirect emissions count in the definitive period."""
    embedded_indirect_definitive: Decimal
    default: DefaultUsed | None = None
    note: str | None = None


class ProcessResult(_Frozen):
    """Attributed emissions (Eqs. 55-58) and SEE (Eqs. 59-63) of one production process."""

    id: str
    name: str | None
    good: str
    """Canonical aggregated goods category."""
    good_input: str
    cn_codes: tuple[str, ...]
    activity_level: Decimal
    direct_emissions_star: Decimal
    """DirEm* (t CO2e)."""
    direct_emissions_basis: str
    direct_terms: tuple[Term, ...]
    """Every term of Eq. 55, signed as it enters the sum."""
    attributed_direct: Decimal
    attributed_direct_set_to_zero: bool
    attributed_indirect: Decimal
    electricity_factor: ElectricityFactor
    electricity_consumed_mwh: Decimal
    specific_electricity_consumption: Decimal
    """MWh consumed per unit of activity level (the communication's "embedded electricity")."""
    ae_direct: Decimal
    ae_indirect: Decimal
    precursors: tuple[PrecursorResult, ...]
    embedded_precursors_direct: Decimal
    embedded_precursors_indirect: Decimal
    see_direct: Decimal
    see_indirect: Decimal
    see_total: Decimal
    direct_only: bool
    """Annex II good of Reg. (EU) 2023/956: only direct emissions count in the definitive period."""
    indirect_counts_definitive: bool
    see_indirect_definitive: Decimal
    see_total_definitive: Decimal
    notes: tuple[str, ...] = ()

    def row(self) -> dict[str, Any]:
        """The ``cbam see --json`` row: exactly the contract's keys."""
        return {
            "id": self.id,
            "good": self.good,
            "activity_level": self.activity_level,
            "attributed_direct": self.attributed_direct,
            "attributed_indirect": self.attributed_indirect,
            "see_direct": self.see_direct,
            "see_indirect": self.see_indirect,
            "see_total": self.see_total,
        }


class InstallationResult(_Frozen):
    """SEE of every process of one installation, with the audit trail (IR 2025/2547 Annex III).

    Attributes
    ----------
    installation : str
        The installation's name.
    country : str
        Its country, ISO 3166-1 alpha-2.
    source : str or None
        The file it was read from.
    period_start, period_end : str or None
        The reporting period (ISO dates).
    year : int or None
        Year whose default-value mark-up applies (None when no year could be determined).
    streams : tuple of StreamResult
        Every source stream's emissions in t CO2e, biomass CO2 and energy (TJ), with its equation
        (IR 2025/2547 Annex II B).
    processes : tuple of ProcessResult
        Per process: attributed emissions (t CO2e, Eqs. 55-56), ``see_direct``, ``see_indirect``,
        ``see_total`` in t CO2e per t of good (Eqs. 57-63) and their terms.
    total_stream_emissions : Decimal
        Fossil emissions of all source streams, t CO2e.
    biomass_co2 : Decimal
        Zero-rated biomass CO2, t CO2.
    fuel_input_tj : Decimal
        Energy input of the fuels, TJ.
    notes : tuple of str
        Defaults, fall-backs and assumptions used.

    Examples
    --------
    >>> from cbam.installation import compute_see, load_installation
    >>> result = compute_see(load_installation("samples/installations/cement.json"))
    >>> result.installation, result.year, [p.id for p in result.processes]
    ('Example Cement Producer', 2023, ['P1'])
    >>> result.total_stream_emissions, result.biomass_co2  # t CO2e; t CO2 zero-rated
    (Decimal('1037310.000'), Decimal('6225.000'))
    >>> result.process("P9")
    Traceback (most recent call last):
        ...
    KeyError: 'P9'
    """

    installation: str
    country: str
    source: str | None
    period_start: str | None
    period_end: str | None
    year: int | None
    """Year whose default-value mark-up applies (None when no year could be determined)."""
    streams: tuple[StreamResult, ...]
    processes: tuple[ProcessResult, ...]
    total_stream_emissions: Decimal
    biomass_co2: Decimal
    fuel_input_tj: Decimal
    notes: tuple[str, ...] = ()

    def process(self, process_id: str) -> ProcessResult:
        """The result of one process by id (KeyError when absent)."""
        for p in self.processes:
            if p.id == process_id:
                return p
        raise KeyError(process_id)

    def see_table(self) -> dict[str, Any]:
        """Exactly ``{"processes": [{"id", "good", "activity_level", "attributed_direct",
        "attributed_indirect", "see_direct", "see_indirect", "see_total"}]}`` (Decimals kept)."""
        return {"processes": [p.row() for p in self.processes]}

    def as_dict(self) -> dict[str, Any]:
        """The contract's keys plus the audit trail (Decimals kept; the caller serialises)."""
        processes = []
        for p in self.processes:
            row = p.row()
            dump = p.model_dump(mode="python")
            processes.append({**row, **{k: v for k, v in dump.items() if k not in row}})
        return {"processes": processes, **self.model_dump(mode="python", exclude={"processes"})}
