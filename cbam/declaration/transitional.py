"""The transitional period's quarter: customs lines grouped as the quarterly report needs them.

One :class:`QuarterGood` per CN code and country of origin; inside it the net mass per customs
procedure and one :class:`EmissionsGroup` per installation with actual values, or per default
route and installation otherwise (IR 2023/1773 Art. 3-5 and Annex I: the report gives the
imported quantity per procedure and the specific embedded emissions per installation).

The lines are checked by the same rules as the annual assessment: a CBAM good
(:func:`cbam.goods.good`), a CBAM origin (:func:`cbam.codes.check_origin`), suppliers matched by
:class:`cbam.declaration.engine.SupplierIndex`; goods without supplier values take the default
value of IR 2025/2621 (without mark-up) in place of the transitional one, which this library
does not hold. Sums are exact; nothing is rounded here (the report's writer rounds on output).

>>> from decimal import Decimal
>>> from cbam.declaration.model import ImportLine
>>> quarter = aggregate_quarter(
...     [ImportLine(row=2, cn="72081000", country="TR", net_mass=Decimal(5), year=2025,
...                 quarter=4, procedure="4000")], 2025, 4)
>>> good = quarter.goods[("72081000", "TR")]
>>> good.mass, good.procedures, list(good.emissions.values())[0].basis
(Decimal('5'), {('40', '00'): Decimal('5')}, 'default')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from cbam import goods as catalogue
from cbam.codes import check_origin
from cbam.declaration.engine import SupplierIndex
from cbam.declaration.importers import OneImporter
from cbam.declaration.model import ImportLine, SupplierValue
from cbam.errors import CbamError, InputError
from cbam.reference.defaults import DefaultValue

ZERO = Decimal(0)


@dataclass
class EmissionsGroup:
    """The lines of one good from one installation (actual values) or one default route."""

    supplier: SupplierValue | None
    default: DefaultValue | None
    reason: str
    installation_id: str | None
    mass: Decimal = ZERO
    units: Decimal | None = ZERO
    clinker: Decimal = ZERO
    clinker_mass: Decimal = ZERO
    nitrogen: Decimal = ZERO
    nitrogen_mass: Decimal = ZERO
    deduction: Decimal = ZERO
    lines: int = 0

    @property
    def basis(self) -> Literal["actual", "default"]:
        return "actual" if self.supplier is not None else "default"

    @property
    def clinker_share(self) -> Decimal | None:
        """Clinker content weighted by net mass over the lines that give it (0-1)."""
        return _weighted(self.clinker, self.clinker_mass)

    @property
    def nitrogen_share(self) -> Decimal | None:
        """Nitrogen content weighted by net mass over the lines that give it (0-1)."""
        return _weighted(self.nitrogen, self.nitrogen_mass)

    def add(self, line: ImportLine) -> None:
        self.lines += 1
        self.mass += line.net_mass
        self.units = _add_units(self.units, line.supplementary_units)
        if line.clinker_content is not None:
            self.clinker += line.net_mass * line.clinker_content
            self.clinker_mass += line.net_mass
        if line.nitrogen_content is not None:
            self.nitrogen += line.net_mass * line.nitrogen_content
            self.nitrogen_mass += line.net_mass
        if line.carbon_price_deduction:
            self.deduction += line.carbon_price_deduction


@dataclass
class QuarterGood:
    """One CN code from one origin in the quarter."""

    cn: str
    country: str
    mass: Decimal = ZERO
    units: Decimal | None = ZERO
    procedures: dict[tuple[str, str | None], Decimal] = field(default_factory=dict)
    """Net mass per (requested, previous) customs procedure."""
    emissions: dict[tuple[str, ...], EmissionsGroup] = field(default_factory=dict)


@dataclass
class TransitionalQuarter:
    """The goods of one quarter and what their reader should know."""

    year: int
    quarter: int
    goods: dict[tuple[str, str], QuarterGood]
    lines: int
    lines_without_procedure: int


def _weighted(total: Decimal, mass: Decimal) -> Decimal | None:
    return None if mass == 0 else total / mass


def _add_units(total: Decimal | None, value: Decimal | None) -> Decimal | None:
    """Supplementary units are summed only while every line gives them."""
    return None if total is None or value is None else total + value


def procedure_code(text: str | None, default: str) -> tuple[str, str | None]:
    """``"4000"`` -> ("40", "00"); ``"40"`` -> ("40", None); empty -> (``default``, None)."""
    text = (text or "").strip()
    if not text:
        return default, None
    if not re.fullmatch(r"[0-9A-Z]{2}([0-9A-Z]{2})?", text.upper()):
        raise InputError(
            f"{text!r} is not a customs procedure code (2 or 4 characters, e.g. 4000)",
            field="procedure",
        )
    return text[:2].upper(), (text[2:4].upper() or None)


class _Aggregator:
    def __init__(
        self,
        year: int,
        quarter: int,
        suppliers: Iterable[SupplierValue],
        defaults: Literal["definitive", "none"],
        default_procedure: str,
    ) -> None:
        self.year = year
        self.quarter = quarter
        self.index = SupplierIndex(suppliers)
        self.defaults = defaults
        self.default_procedure = default_procedure
        self.goods: dict[tuple[str, str], QuarterGood] = {}
        self.default_cache: dict[tuple[str, str, str | None], DefaultValue] = {}
        self.lines = 0
        self.no_procedure = 0

    def add(self, line: ImportLine) -> None:
        if (line.year, line.quarter) != (self.year, self.quarter):
            raise InputError(
                f"the line was imported in {line.year}Q{line.quarter}, outside the reported "
                f"quarter {self.year}Q{self.quarter}",
                field="import_date" if line.import_date else "quarter",
            )
        check_origin(line.country)
        catalogue.good(line.cn)  # NotACbamGoodError for codes outside Annex I
        self.lines += 1
        good = self.goods.get((line.cn, line.country))
        if good is None:
            good = self.goods[(line.cn, line.country)] = QuarterGood(line.cn, line.country)
        good.mass += line.net_mass
        good.units = _add_units(good.units, line.supplementary_units)
        if not (line.procedure or "").strip():
            self.no_procedure += 1
        procedure = procedure_code(line.procedure, self.default_procedure)
        good.procedures[procedure] = good.procedures.get(procedure, ZERO) + line.net_mass
        self._group(good, line).add(line)

    def _group(self, good: QuarterGood, line: ImportLine) -> EmissionsGroup:
        supplier, reason = self.index.find(line.installation_id, line.cn)
        if supplier is not None:
            key: tuple[str, ...] = ("actual", supplier.installation_id)
            found = good.emissions.get(key)
            if found is None:
                found = good.emissions[key] = EmissionsGroup(
                    supplier, None, reason, supplier.installation_id
                )
            return found
        if self.defaults == "none":
            raise InputError(
                f"{reason}; the transitional report is built from suppliers' actual values "
                "only (defaults='none'): add the supplier's data or allow default values",
                field="installation_id",
            )
        value = self._default(line)
        key = ("default", value.route or "-", line.installation_id or "-")
        found = good.emissions.get(key)
        if found is None:
            found = good.emissions[key] = EmissionsGroup(None, value, reason, line.installation_id)
        return found

    def _default(self, line: ImportLine) -> DefaultValue:
        from cbam.reference import default_value

        cache_key = (line.cn, line.country, line.route)
        found = self.default_cache.get(cache_key)
        if found is None:
            try:
                found = default_value(line.cn, line.country, route=line.route)
            except CbamError as exc:
                raise exc.located(field="route" if "route" in exc.reason else "cn_code") from None
            self.default_cache[cache_key] = found
        return found


#: Why the lines of a quarterly report name one importer.
_ONE_REPORT = (
    "a quarterly report names one importer (its Importer element, QReport v23.00): "
    "give each importer's lines their own report"
)


def aggregate_quarter(
    lines: Iterable[ImportLine],
    year: int,
    quarter: int,
    suppliers: Iterable[SupplierValue] = (),
    *,
    defaults: Literal["definitive", "none"] = "definitive",
    default_procedure: str = "40",
    source: str | None = None,
) -> TransitionalQuarter:
    """Group a quarter's customs lines by good, procedure and installation (IR 2023/1773).

    Parameters
    ----------
    lines : iterable of ImportLine
        The quarter's customs lines; masses in t (MWh for electricity).
    year, quarter : int
        The reported quarter.
    suppliers : iterable of SupplierValue
        Supplier values per installation and CN code.
    defaults : {"definitive", "none"}
        ``"none"`` makes a good without supplier values an error.
    default_procedure : str
        The requested procedure written for lines that give none (40: release for free
        circulation).
    source : str, optional
        The customs file's name, for error messages.

    Returns
    -------
    TransitionalQuarter
        The goods with their exact sums, the number of lines and of lines without procedure.

    Raises
    ------
    InputError
        A line outside the quarter, from the EU or an exempt country, not a CBAM good, or
        without values when ``defaults="none"``; a line of another importer (``importer_eori``)
        than the lines before it: one report per importer (file, row and field named).
    """
    aggregator = _Aggregator(year, quarter, suppliers, defaults, default_procedure)
    row = None
    try:
        for line in OneImporter(_ONE_REPORT).lines(lines):
            row = line.row
            aggregator.add(line)
    except CbamError as exc:
        raise exc.located(source=source, location=f"row {row}" if row else None) from None
    return TransitionalQuarter(
        year=year,
        quarter=quarter,
        goods=aggregator.goods,
        lines=aggregator.lines,
        lines_without_procedure=aggregator.no_procedure,
    )
