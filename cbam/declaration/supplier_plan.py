"""Who matters among an importer's suppliers, and what their actual data are worth.

The importer's largest lever on its CBAM cost is verified actual data from its suppliers
(Reg. (EU) 2023/956 Art. 7(2)(a), Art. 8): default values carry a mark-up of 10 % in 2026,
20 % in 2027 and 30 % from 2028 (IR 2025/2621 Annex I). This module turns the results of the
one assessment engine into a supplier's view; it computes no certificate of its own beyond the
functions of :mod:`cbam.declaration.certificates` and the valuations of
:func:`cbam.declaration.valuation.value_good`.

* **Who is a supplier** (:func:`supplier_key`): the line's ``installation_id`` when given, else
  its ``supplier`` column (the seller as the ERP names it), else "unknown supplier" per origin
  and CN code. Named suppliers are fed to the engine as the line's installation, so every good
  of the engine belongs to one supplier (:meth:`SupplierTally.add`).
* **At default values and now**: the same lines assessed twice by
  :class:`~cbam.declaration.engine.Engine`, without supplier data (``certificates_default``,
  ``cost_default_eur``) and with the supplier data at hand, the eligibility rules of
  :mod:`cbam.declaration.eligibility` applied (``certificates_now``).
* **What actual data are worth** (:func:`value_at_benchmark`): the certificates if the
  supplier's actual SEE were at the benchmark for actual data. Where the supplier's precursors
  are unknown that benchmark is taken as **Column B** of the good's route (IR 2025/2620 Annex
  pt 4), the benchmark *including* precursors: the benchmark for actual data is Column A plus
  sum m_i x BM_i of the precursors (Annex pt 3.3 Eq. 4), which Column B approximates at typical
  precursor ratios; Column A alone would leave out the precursors of a complex good (a screw's
  steel) and its SEE "at the benchmark" would be no real producer's. Where the supplier's file
  gives actual values, their own benchmark (Column A + precursors) is used.
* **Break-even SEE** (:func:`break_even_see`): the actual SEE at which actual data stop saving
  anything against the default value, from N = EE - FAA (Reg. (EU) 2023/956 Art. 22(1); IR
  2025/2620 Annex pt 2). With the Column B assumption it is the marked-up default value itself.

>>> from decimal import Decimal
>>> break_even_see(Decimal("7.0125"), Decimal("1.3299"), Decimal("1.3299"))
Decimal('7.0125')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cbam import goods as catalogue
from cbam.codes import format_cn
from cbam.declaration import certificates as cert
from cbam.declaration.eligibility import reporting_year
from cbam.declaration.model import Assessment, GoodResult, ImportLine
from cbam.declaration.valuation import value_good
from cbam.rules import DE_MINIMIS_EXCLUDED_SECTORS, declaration_deadline
from cbam.values import EXACT

ZERO = Decimal(0)
Kind = Literal["installation", "supplier", "unknown"]

#: How the benchmark for actual data is chosen where the supplier's precursors are unknown.
BENCHMARK_RULE = (
    "actual SEE at the benchmark: Column B of the good's route (IR 2025/2620 Annex pt 4), the "
    "benchmark including precursors, stands in for Column A + sum m_i x BM_i (Annex pt 3.3 "
    "Eq. 4) while the supplier's precursors are unknown; a supplier's own file gives its own"
)
#: The break-even SEE, from N = EE - FAA.
BREAK_EVEN_RULE = (
    "break-even SEE = SEE default (marked up) - SEFA default + SEFA actual: below it actual "
    "data save certificates (N = M x SEE - M x SEFA - CP; Reg. (EU) 2023/956 Art. 22(1); IR "
    "2025/2620 Annex pt 2)"
)


def supplier_key(line: ImportLine) -> tuple[str, Kind]:
    """The supplier a customs line is bought from, and how it is known.

    The line's ``installation_id`` when given, else its ``supplier`` column, else "unknown
    supplier" per origin and CN code (whom no request can reach).

    Parameters
    ----------
    line : ImportLine
        A validated customs line.

    Returns
    -------
    tuple of (str, str)
        The key and its kind: ``"installation"``, ``"supplier"`` or ``"unknown"``.

    Examples
    --------
    >>> from decimal import Decimal
    >>> line = ImportLine(row=2, cn="73181542", country="CN", net_mass=Decimal(1), year=2026,
    ...                   quarter=1, supplier="Ningbo Example Fasteners")
    >>> supplier_key(line)
    ('Ningbo Example Fasteners', 'supplier')
    >>> supplier_key(line._replace(supplier=None))
    ('unknown supplier (CN, 7318 15 42)', 'unknown')
    """
    if line.installation_id:
        return line.installation_id, "installation"
    if line.supplier:
        return line.supplier, "supplier"
    return unknown_key(line.country, line.cn), "unknown"


def unknown_key(country: str, cn: str) -> str:
    """The key of the lines of an origin and CN code that name no supplier.

    >>> unknown_key("TR", "72081000")
    'unknown supplier (TR, 7208 10 00)'
    """
    return f"unknown supplier ({country}, {format_cn(cn)})"


def break_even_see(see_default: Decimal, sefa_default: Decimal, sefa_actual: Decimal) -> Decimal:
    """The actual SEE at which actual data save nothing against the default value.

    Certificates of a good are N = EE - FAA - CP with EE = M x SEE (Reg. (EU) 2023/956
    Annex IV) and FAA = M x SEFA (IR 2025/2620 Annex pt 2), floored at 0 (Q&A §4.32). Setting
    N(actual SEE) = N(default) for the same mass M and carbon price CP gives
    SEE* = SEE_default - SEFA_default + SEFA_actual: below SEE* actual data save
    certificates, above it they cost more. Valid where the default values owe certificates.

    Parameters
    ----------
    see_default : Decimal
        The default value marked up for the year, t CO2e per t.
    sefa_default : Decimal
        Specific free allocation at default values (Column B), t CO2e per t.
    sefa_actual : Decimal
        Specific free allocation of actual data (Column A + precursors), t CO2e per t.

    Returns
    -------
    Decimal
        The break-even SEE, t CO2e per t.

    Examples
    --------
    >>> break_even_see(Decimal("7.0125"), Decimal("1.3299"), Decimal("1.5646"))
    Decimal('7.2472')
    """
    with localcontext(EXACT):
        return see_default - sefa_default + sefa_actual


def value_at_benchmark(
    good: GoodResult,
    year: int,
    *,
    cscf: Decimal = Decimal(1),
    exempt: bool = False,
    benchmark: Decimal | None = None,
) -> tuple[Decimal | None, Decimal | None, str | None]:
    """Certificates of a default-value good if its actual SEE were at the benchmark.

    The benchmark for actual data is taken as the good's Column B benchmark per tonne of goods
    (IR 2025/2620 Annex pt 4; see the module notes for why), the actual SEE set to it, and the
    good valued as actual data by :func:`~cbam.declaration.valuation.value_good`: N = max(0,
    M x SEE - M x SEFA - CP) (:mod:`cbam.declaration.certificates`).

    Parameters
    ----------
    good : GoodResult
        A good of the assessment at default values (net mass in t, benchmark in t CO2e per t).
    year : int
        The import year (its CBAM factor).
    cscf : Decimal
        Cross-sectoral correction factor.
    exempt : bool
        The year stays within the de minimis threshold (Art. 2a): no certificates.
    benchmark : Decimal, optional
        The supplier's own benchmark for actual data (Column A + precursors, t CO2e per t)
        where its file gives it; else Column B of the good.

    Returns
    -------
    tuple
        (certificates in t CO2e, the benchmark used in t CO2e per t, a note), the first two
        None where the good has no benchmark (electricity; cement without clinker content).

    Examples
    --------
    >>> import cbam
    >>> line = cbam.ImportLine(row=2, cn="72081000", country="TR", net_mass=Decimal(100),
    ...                        year=2026, quarter=1)
    >>> good = cbam.assess([line], 2026).goods[0]
    >>> value_at_benchmark(good, 2026)[:2]  # 100 t x (1.370 - 0.975 x 1.370)
    (Decimal('3.42500'), Decimal('1.37'))
    """
    if good.benchmark_column == "none":
        return None, None, "electricity has no benchmark: no free allocation either way"
    if not good.benchmark:
        return None, None, "no benchmark for the good (a cement line without clinker_content?)"
    bench = good.benchmark if benchmark is None else benchmark
    if exempt and catalogue.good(good.cn).sector not in DE_MINIMIS_EXCLUDED_SECTORS:
        return ZERO, bench, None
    with localcontext(EXACT):
        actual = value_good(
            good.cn,
            good.country,
            year,
            route=good.route,
            see_direct=bench,
            benchmark_a=bench,
            cscf=cscf,
        )
        embedded = cert.embedded_emissions(good.net_mass, actual.see_used)
        allocation = cert.free_allocation(good.net_mass, actual.sefa)
        due = cert.certificates_due(embedded, allocation, good.carbon_price_deduction)
    return due, bench, None


# -- the lines of each supplier -----------------------------------------------------------------


@dataclass
class Bought:
    """What the importer bought from one supplier: lines and net mass per good and period.

    ``goods`` maps (CN code, origin, reporting year of IR 2025/2547 Art. 7) to [lines, net
    mass in t (MWh for electricity)].

    >>> Bought("TW-1", "installation").lines
    0
    """

    key: str
    kind: Kind
    lines: int = 0
    goods: dict[tuple[str, str, int], list[Decimal]] = field(default_factory=dict)

    @property
    def net_mass(self) -> Decimal:
        """Net mass of the goods bought in t (electricity apart)."""
        return sum(
            (v[1] for (cn, _, _), v in self.goods.items() if not catalogue.is_electricity(cn)),
            ZERO,
        )

    @property
    def electricity_mwh(self) -> Decimal:
        """Electricity bought, MWh."""
        return sum(
            (v[1] for (cn, _, _), v in self.goods.items() if catalogue.is_electricity(cn)), ZERO
        )

    @property
    def cn_codes(self) -> tuple[str, ...]:
        """The CN codes bought, sorted."""
        return tuple(sorted({cn for cn, _, _ in self.goods}))

    @property
    def countries(self) -> tuple[str, ...]:
        """The origins of the goods, sorted."""
        return tuple(sorted({country for _, country, _ in self.goods}))

    @property
    def periods(self) -> tuple[int, ...]:
        """The reporting periods (calendar years) the goods' actual data must be of."""
        return tuple(sorted({year for _, _, year in self.goods}))


class SupplierTally:
    """The lines of a year counted per supplier, as they pass to the engines.

    :meth:`add` returns the line the engines assess: a named supplier becomes the line's
    installation (its key), so that each good of the engine belongs to one supplier.

    >>> from decimal import Decimal
    >>> tally = SupplierTally(2026)
    >>> keyed = tally.add(ImportLine(row=2, cn="73181542", country="CN", net_mass=Decimal(4),
    ...                              year=2026, quarter=1, supplier="Ningbo A"))
    >>> keyed.installation_id, tally.suppliers["Ningbo A"].net_mass
    ('Ningbo A', Decimal('4'))
    """

    def __init__(self, year: int) -> None:
        self.year = year
        self.suppliers: dict[str, Bought] = {}
        self.lines = 0
        self._keys: dict[tuple[str | None, str | None, str, str], tuple[str, Kind]] = {}

    def _key(self, line: ImportLine) -> tuple[str, Kind]:
        texts = (line.installation_id, line.supplier, line.country, line.cn)
        found = self._keys.get(texts)
        if found is None:
            found = self._keys[texts] = supplier_key(line)
        return found

    def keyed(self, line: ImportLine) -> ImportLine:
        """The line as the engines take it, without counting it (a second reading)."""
        key, kind = self._key(line)
        return line._replace(installation_id=key) if kind == "supplier" else line

    def add(self, line: ImportLine) -> ImportLine:
        """Count one line for its supplier; the line as the engines take it."""
        key, kind = self._key(line)
        bought = self.suppliers.get(key)
        if bought is None:
            bought = self.suppliers[key] = Bought(key, kind)
        electricity = catalogue.is_electricity(line.cn)
        period = reporting_year(
            self.year, electricity=electricity, production_year=line.production_year
        )
        counts = bought.goods.setdefault((line.cn, line.country, period), [ZERO, ZERO])
        counts[0] += 1
        counts[1] += line.net_mass
        bought.lines += 1
        self.lines += 1
        return self.keyed(line)

    def key_of(self, good: GoodResult) -> str:
        """The supplier of an engine's good."""
        if good.installation_id is not None:
            return good.installation_id
        return unknown_key(good.country, good.cn)


# -- the plan -------------------------------------------------------------------------------------


class GoodValue(BaseModel):
    """One good (CN code and origin) of a supplier: at default values, now, and its value.

    Attributes
    ----------
    cn, country : str
        CN code and origin.
    lines : int
        Customs lines.
    net_mass : Decimal
        Net mass, t (MWh for electricity).
    see_default, sefa_default : Decimal or None
        The default value marked up for the year and the SEFA at default values, t CO2e per t
        (None where the good's lines differ in route or content).
    certificates_default, cost_default_eur : Decimal
        Certificates (t CO2e) and cost (EUR) at default values.
    certificates_now, cost_now_eur : Decimal
        With the supplier data at hand, eligibility rules applied.
    basis_now : str
        ``actual``, ``default`` or ``mixed``.
    benchmark_actual : Decimal or None
        Benchmark of actual data assumed (Column B) or the supplier's own, t CO2e per t.
    benchmark_basis : str or None
        ``column-B`` or ``supplier``.
    certificates_at_benchmark : Decimal or None
        Certificates if the actual SEE were at the benchmark, t CO2e.
    saving_at_benchmark, saving_at_benchmark_eur : Decimal or None
        Certificates (t CO2e) and EUR saved against the default values then (EUR at the
        good's average certificate price, to the cent).
    break_even_see : Decimal or None
        Actual SEE at which actual data save nothing (t CO2e per t); None where the default
        values owe no certificate.
    notes : tuple of str
        Why a figure is missing.

    Examples
    --------
    >>> GoodValue(cn="73181542", country="CN", lines=1, net_mass=Decimal(1),
    ...     certificates_default=Decimal(1), cost_default_eur=Decimal(75),
    ...     certificates_now=Decimal(1), cost_now_eur=Decimal(75), basis_now="default").cn
    '73181542'
    """

    model_config = ConfigDict(frozen=True)

    cn: str
    country: str
    lines: int
    net_mass: Decimal
    see_default: Decimal | None = None
    sefa_default: Decimal | None = None
    certificates_default: Decimal
    cost_default_eur: Decimal
    certificates_now: Decimal
    cost_now_eur: Decimal
    basis_now: str
    benchmark_actual: Decimal | None = None
    benchmark_basis: str | None = None
    certificates_at_benchmark: Decimal | None = None
    saving_at_benchmark: Decimal | None = None
    saving_at_benchmark_eur: Decimal | None = None
    break_even_see: Decimal | None = None
    notes: tuple[str, ...] = ()


class SupplierRow(BaseModel):
    """One supplier of the plan: what was bought, at default values, now, and its value.

    Attributes
    ----------
    rank : int
        1 for the highest cost at default values.
    key, kind : str
        The supplier (:func:`supplier_key`) and how it is known.
    lines : int
        Customs lines.
    net_mass, electricity_mwh : Decimal
        Net mass of goods in t; electricity in MWh.
    cn_codes, countries : tuple of str
        CN codes and origins bought.
    periods : tuple of int
        Reporting periods its actual data must be of (IR 2025/2547 Art. 7).
    certificates_default, cost_default_eur : Decimal
        Certificates (t CO2e) and cost (EUR) at default values.
    certificates_now, cost_now_eur : Decimal
        With the supplier data at hand.
    saving_at_benchmark, saving_at_benchmark_eur : Decimal or None
        Saved if its actual SEE were at the benchmark (t CO2e, EUR).
    break_even_see : Decimal or None
        The break-even SEE when the supplier sells one good (t CO2e per t), else None (per good).
    goods : tuple of GoodValue
        Per CN code and origin.

    Examples
    --------
    >>> SupplierRow(rank=1, key="TW-1", kind="installation", lines=0, net_mass=Decimal(0),
    ...     cn_codes=(), countries=(), certificates_default=Decimal(0),
    ...     cost_default_eur=Decimal(0), certificates_now=Decimal(0),
    ...     cost_now_eur=Decimal(0)).key
    'TW-1'
    """

    model_config = ConfigDict(frozen=True)

    rank: int
    key: str
    kind: Kind
    lines: int
    net_mass: Decimal
    electricity_mwh: Decimal = ZERO
    cn_codes: tuple[str, ...]
    countries: tuple[str, ...]
    periods: tuple[int, ...] = ()
    certificates_default: Decimal
    cost_default_eur: Decimal
    certificates_now: Decimal
    cost_now_eur: Decimal
    saving_at_benchmark: Decimal | None = None
    saving_at_benchmark_eur: Decimal | None = None
    break_even_see: Decimal | None = None
    goods: tuple[GoodValue, ...] = ()


class SupplierPlan(BaseModel):
    """Suppliers ranked by their cost at default values (``cbam suppliers plan``).

    Attributes
    ----------
    year : int
        The import year.
    suppliers : tuple of SupplierRow
        Highest ``cost_default_eur`` first.
    exempt : bool
        The year stays within the 50 t de minimis threshold (Reg. (EU) 2023/956 Art. 2a).
    notes : tuple of str
        The rules behind the value of actual data, and the engines' notes.

    Examples
    --------
    >>> SupplierPlan(year=2026, suppliers=()).summary()["suppliers"]
    []
    """

    model_config = ConfigDict(frozen=True)

    year: int
    suppliers: tuple[SupplierRow, ...]
    exempt: bool = False
    notes: tuple[str, ...] = ()

    def totals(self) -> dict[str, Decimal]:
        """The sums over all suppliers (t, t CO2e, EUR)."""
        rows = self.suppliers
        out: dict[str, Decimal] = {}
        for name in (
            "net_mass",
            "certificates_default",
            "cost_default_eur",
            "certificates_now",
            "cost_now_eur",
        ):
            out[name] = sum((getattr(r, name) for r in rows), ZERO)
        out["saving_at_benchmark_eur"] = sum(
            (r.saving_at_benchmark_eur or ZERO for r in rows), ZERO
        )
        return out

    def summary(self) -> dict[str, object]:
        """The ``cbam suppliers plan --json`` document (interfaces.md section 2)."""
        return {
            "year": self.year,
            "suppliers": [row.model_dump() for row in self.suppliers],
            "totals": {**self.totals(), "lines": sum(r.lines for r in self.suppliers)},
            "exempt": self.exempt,
            "benchmark_rule": BENCHMARK_RULE,
            "break_even_rule": BREAK_EVEN_RULE,
            "notes": list(self.notes),
        }


@dataclass
class _Sums:
    """Exact sums of the goods of one supplier, CN code and origin."""

    lines: int = 0
    mass: Decimal = ZERO
    default: list[GoodResult] = field(default_factory=list)
    now: list[GoodResult] = field(default_factory=list)


def _same(values: Iterable[Decimal]) -> Decimal | None:
    found = set(values)
    return found.pop() if len(found) == 1 else None


def _good_value(
    cn: str, country: str, sums: _Sums, year: int, cscf: Decimal, exempt: bool, price: Decimal
) -> GoodValue:
    """The default and current figures of one good and what actual data are worth."""
    with localcontext(EXACT):
        certs_d = sum((g.certificates for g in sums.default), ZERO)
        cost_d = sum((g.cost_eur for g in sums.default), ZERO)
        certs_n = sum((g.certificates for g in sums.now), ZERO)
        cost_n = sum((g.cost_eur for g in sums.now), ZERO)
        bases = {g.basis for g in sums.now}
        basis = bases.pop() if len(bases) == 1 else "mixed"
        notes: list[str] = []
        own = [g for g in sums.now if g.basis == "actual"]
        whole = bool(own) and len(own) == len(sums.now)
        own_bm = _same(g.benchmark for g in own) if whole else None
        at_bm: Decimal | None = ZERO
        benchmark: Decimal | None = None
        for good in sums.default:
            due, benchmark, note = value_at_benchmark(
                good, year, cscf=cscf, exempt=exempt, benchmark=own_bm
            )
            notes += [note] if note else []
            at_bm = None if due is None or at_bm is None else at_bm + due
        see_d = _same(g.see_used for g in sums.default)
        sefa_d = _same(g.sefa for g in sums.default)
        sefa_a = _same(g.sefa for g in own) if own_bm is not None else None
        bm_basis = "supplier" if sefa_a is not None else "column-B"
        if sefa_a is None and at_bm is not None and see_d is not None:
            sefa_a = sefa_d
        bm_actual = benchmark
        breakeven = None
        if see_d is not None and sefa_d is not None and sefa_a is not None and certs_d > 0:
            breakeven = break_even_see(see_d, sefa_d, sefa_a)
        saving = None if at_bm is None else certs_d - at_bm
        # The good's own average price per certificate (its lines' periods), else the year's;
        # an estimate, so rounded to the cent.
        average = cost_d / certs_d if certs_d else price
        saving_eur = None if saving is None else cert.round_eur(cert.cost_eur(saving, average))
    return GoodValue(
        cn=cn,
        country=country,
        lines=sums.lines,
        net_mass=sums.mass,
        see_default=see_d,
        sefa_default=sefa_d,
        certificates_default=certs_d,
        cost_default_eur=cost_d,
        certificates_now=certs_n,
        cost_now_eur=cost_n,
        basis_now=basis,
        benchmark_actual=bm_actual,
        benchmark_basis=bm_basis if bm_actual is not None else None,
        certificates_at_benchmark=at_bm,
        saving_at_benchmark=saving,
        saving_at_benchmark_eur=saving_eur,
        break_even_see=breakeven,
        notes=tuple(dict.fromkeys(notes)),
    )


def _goods_by_supplier(
    tally: SupplierTally, default: Assessment, now: Assessment
) -> dict[str, dict[tuple[str, str], _Sums]]:
    found: dict[str, dict[tuple[str, str], _Sums]] = {}
    for run, attribute in ((default, "default"), (now, "now")):
        for good in run.goods:
            sums = found.setdefault(tally.key_of(good), {}).setdefault(
                (good.cn, good.country), _Sums()
            )
            getattr(sums, attribute).append(good)
            if attribute == "default":
                sums.lines += good.lines
                sums.mass += good.net_mass
    return found


def _row(bought: Bought, goods: tuple[GoodValue, ...], rank: int) -> SupplierRow:
    with localcontext(EXACT):

        def total(name: str) -> Decimal:
            return sum((getattr(g, name) for g in goods), ZERO)

        known = [g for g in goods if g.saving_at_benchmark is not None]
        return SupplierRow(
            rank=rank,
            key=bought.key,
            kind=bought.kind,
            lines=bought.lines,
            net_mass=bought.net_mass,
            electricity_mwh=bought.electricity_mwh,
            cn_codes=bought.cn_codes,
            countries=bought.countries,
            periods=bought.periods,
            certificates_default=total("certificates_default"),
            cost_default_eur=total("cost_default_eur"),
            certificates_now=total("certificates_now"),
            cost_now_eur=total("cost_now_eur"),
            saving_at_benchmark=sum((g.saving_at_benchmark or ZERO for g in known), ZERO)
            if known
            else None,
            saving_at_benchmark_eur=sum((g.saving_at_benchmark_eur or ZERO for g in known), ZERO)
            if known
            else None,
            break_even_see=goods[0].break_even_see if len(goods) == 1 else None,
            goods=goods,
        )


def build_plan(
    tally: SupplierTally,
    default: Assessment,
    now: Assessment,
    *,
    cscf: Decimal = Decimal(1),
    price: Decimal | None = None,
) -> SupplierPlan:
    """Rank the suppliers of a year by their cost at default values, and value their data.

    Parameters
    ----------
    tally : SupplierTally
        The lines per supplier, as fed to both engines.
    default : Assessment
        The lines assessed without supplier data (every good at default values, IR 2025/2621).
    now : Assessment
        The same lines with the supplier data at hand (eligibility rules applied).
    cscf : Decimal
        Cross-sectoral correction factor the engines used.
    price : Decimal, optional
        EUR per certificate for a saving of a good that owes nothing at default values (else
        the saving is priced at the good's own average price); the year's estimate when None.

    Returns
    -------
    SupplierPlan
        One row per supplier, highest ``cost_default_eur`` (EUR) first, certificates in t CO2e.

    Examples
    --------
    >>> import cbam
    >>> from decimal import Decimal
    >>> tally = SupplierTally(2026)
    >>> lines = [tally.add(cbam.ImportLine(row=2, cn="72081000", country="TR",
    ...     net_mass=Decimal(100), year=2026, quarter=1, supplier="Izmir Steel"))]
    >>> result = cbam.assess(lines, 2026)
    >>> row = build_plan(tally, result, result).suppliers[0]
    >>> row.key, row.certificates_default, row.break_even_see
    ('Izmir Steel', Decimal('133.4512910700'), Decimal('2.67026291070'))
    """
    by_supplier = _goods_by_supplier(tally, default, now)
    exempt = default.de_minimis.exempt
    if price is None:
        from cbam.reference.prices import PriceTable

        price = PriceTable().for_year(default.year).value
    made: list[tuple[Bought, tuple[GoodValue, ...]]] = []
    for key, bought in tally.suppliers.items():
        goods = tuple(
            _good_value(cn, country, sums, default.year, cscf, exempt, price)
            for (cn, country), sums in sorted(by_supplier.get(key, {}).items())
        )
        made.append((bought, goods))
    made.sort(key=lambda item: (-sum((g.cost_default_eur for g in item[1]), ZERO), item[0].key))
    rows = tuple(_row(bought, goods, rank) for rank, (bought, goods) in enumerate(made, 1))
    engine_notes = [*default.notes, *(n for n in now.notes if n not in default.notes)]
    # The assessment's 2027-2034 trajectory is not part of the plan.
    notes = [BENCHMARK_RULE, BREAK_EVEN_RULE]
    notes += [n for n in engine_notes if not n.startswith("the 2027-2034 cost trajectory")]
    if exempt:
        notes.insert(0, "the year stays within the 50 t de minimis threshold: nothing is owed")
    return SupplierPlan(year=default.year, suppliers=rows, exempt=exempt, notes=tuple(notes))


# -- what is asked of a supplier ------------------------------------------------------------------


class RequestedGood(BaseModel):
    """A good bought from a supplier, as a data request lists it.

    Attributes
    ----------
    cn, description, country : str
        CN code, its description and the origin.
    net_mass : Decimal
        Net mass bought, t (MWh for electricity).
    lines : int
        Customs lines.
    reporting_year : int
        The reporting period its actual data must be of (IR 2025/2547 Art. 7).

    Examples
    --------
    >>> RequestedGood(cn="73181542", description="screws", country="CN",
    ...               net_mass=Decimal(3), lines=1, reporting_year=2026).reporting_year
    2026
    """

    model_config = ConfigDict(frozen=True)

    cn: str
    description: str
    country: str
    net_mass: Decimal
    lines: int
    reporting_year: int


class SupplierRequest(BaseModel):
    """What an importer asks of one supplier (``cbam suppliers request``).

    Attributes
    ----------
    rank : int
        The supplier's rank in the plan.
    reference, kind : str
        The supplier's key (it identifies the answer) and how it is known.
    importer : dict of str to str
        Name, EORI number, address and contact of the importer (the declarant file).
    reporting_year : int
        The reporting period of most of the goods (IR 2025/2547 Art. 7).
    reply_by, declaration_due : datetime.date
        When the answer is wanted, and the declaration's deadline (Reg. (EU) 2023/956 Art.
        6(1) as amended by Reg. (EU) 2025/2083: 30 September of the following year).
    origin : str or None
        The origin of the goods when they share one.
    goods : tuple of RequestedGood
        What was bought.
    certificates_default, cost_default_eur : Decimal
        The supplier's goods at default values (t CO2e, EUR), for the tracker.

    Examples
    --------
    >>> import datetime as dt
    >>> SupplierRequest(rank=1, reference="TW-1", kind="installation", importer={},
    ...     reporting_year=2026, reply_by=dt.date(2027, 6, 30),
    ...     declaration_due=dt.date(2027, 9, 30), origin="TW", goods=(),
    ...     certificates_default=Decimal(0), cost_default_eur=Decimal(0)).period_start
    datetime.date(2026, 1, 1)
    """

    model_config = ConfigDict(frozen=True)

    rank: int
    reference: str
    kind: Kind
    importer: dict[str, str]
    reporting_year: int
    reply_by: dt.date
    declaration_due: dt.date
    origin: str | None
    goods: tuple[RequestedGood, ...]
    certificates_default: Decimal
    cost_default_eur: Decimal

    @property
    def period_start(self) -> dt.date:
        """First day of the reporting period (a calendar year, IR 2025/2547 Art. 1(5), 7)."""
        return dt.date(self.reporting_year, 1, 1)

    @property
    def period_end(self) -> dt.date:
        """Last day of the reporting period."""
        return dt.date(self.reporting_year, 12, 31)

    @property
    def net_mass(self) -> Decimal:
        """Net mass of all goods listed, t (electricity apart)."""
        return sum((g.net_mass for g in self.goods if not catalogue.is_electricity(g.cn)), ZERO)


def default_reply_by(year: int) -> dt.date:
    """30 June of the year after the imports: three months before the declaration is due.

    Reg. (EU) 2023/956 Art. 6(1) as amended by Reg. (EU) 2025/2083 sets 30 September; the
    supplier's verified data (Art. 8) must reach the importer in time to be checked.

    >>> default_reply_by(2026)
    datetime.date(2027, 6, 30)
    """
    return dt.date(declaration_deadline(year).year, 6, 30)


def supplier_request(
    row: SupplierRow,
    bought: Bought,
    importer: dict[str, str],
    year: int,
    reply_by: dt.date | None = None,
) -> SupplierRequest:
    """The request to one supplier: what was bought, for which period, by when.

    Parameters
    ----------
    row : SupplierRow
        The supplier's row of the plan.
    bought : Bought
        Its lines per good and reporting period.
    importer : dict of str to str
        Who asks (name, EORI, address, contact).
    year : int
        The import year.
    reply_by : datetime.date, optional
        When the answer is wanted (default :func:`default_reply_by`).

    Returns
    -------
    SupplierRequest
        Net masses in t, reporting periods as calendar years (IR 2025/2547 Art. 7).

    Examples
    --------
    >>> tally = SupplierTally(2026)
    >>> _ = tally.add(ImportLine(row=2, cn="73181542", country="CN", net_mass=Decimal(4),
    ...                          year=2026, quarter=1, supplier="Ningbo A"))
    >>> row = SupplierRow(rank=1, key="Ningbo A", kind="supplier", lines=1,
    ...     net_mass=Decimal(4), cn_codes=("73181542",), countries=("CN",),
    ...     certificates_default=Decimal(0), cost_default_eur=Decimal(0),
    ...     certificates_now=Decimal(0), cost_now_eur=Decimal(0))
    >>> request = supplier_request(row, tally.suppliers["Ningbo A"], {}, 2026)
    >>> request.reporting_year, request.origin, request.goods[0].net_mass
    (2026, 'CN', Decimal('4'))
    """
    goods = tuple(
        RequestedGood(
            cn=cn,
            description=catalogue.good(cn).description,
            country=country,
            net_mass=counts[1],
            lines=int(counts[0]),
            reporting_year=period,
        )
        for (cn, country, period), counts in sorted(bought.goods.items())
    )
    by_period: dict[int, Decimal] = {}
    for good in goods:
        by_period[good.reporting_year] = by_period.get(good.reporting_year, ZERO) + good.net_mass
    main = max(sorted(by_period), key=lambda p: by_period[p]) if by_period else year
    origins = {g.country for g in goods}
    return SupplierRequest(
        rank=row.rank,
        reference=row.key,
        kind=row.kind,
        importer=importer,
        reporting_year=main,
        reply_by=reply_by or default_reply_by(year),
        declaration_due=declaration_deadline(year),
        origin=origins.pop() if len(origins) == 1 else None,
        goods=goods,
        certificates_default=row.certificates_default,
        cost_default_eur=row.cost_default_eur,
    )


def importer_facts(declarant: object) -> dict[str, str]:
    """Name, EORI number, address and contact of the importer, from a declarant file.

    The importer is the file's ``importer`` when the declarant acts for one, else the
    declarant itself; the contact is the signatory (name, position) and the ``contact`` block.

    >>> import cbam
    >>> facts = importer_facts(cbam.load_declarant("samples/declarant.json"))
    >>> facts["eori"], facts["contact"]
    ('DE123456789012345', 'Dr. Anna Becker, Head of Customs and Trade Compliance')
    """
    from cbam.declaration.declarant import DeclarantFile

    assert isinstance(declarant, DeclarantFile)
    party = declarant.importer or declarant.declarant
    address = party.address
    street = " ".join(p for p in (address.street, address.number) if p)
    town = " ".join(p for p in (address.postcode, address.city) if p)
    facts = {
        "name": party.name,
        "eori": party.identification_number,
        "address": ", ".join(p for p in (street, town, address.country) if p),
        "contact": f"{declarant.signature.name}, {declarant.signature.position}",
    }
    contact = declarant.contact
    if contact is not None:
        if contact.name:
            facts["contact"] = contact.name
        for name in ("email", "telephone"):
            value = getattr(contact, name)
            if value:
                facts[name] = value
    return facts


__all__ = [
    "BENCHMARK_RULE",
    "BREAK_EVEN_RULE",
    "Bought",
    "GoodValue",
    "RequestedGood",
    "SupplierPlan",
    "SupplierRequest",
    "SupplierRow",
    "SupplierTally",
    "break_even_see",
    "build_plan",
    "default_reply_by",
    "importer_facts",
    "supplier_key",
    "supplier_request",
    "unknown_key",
    "value_at_benchmark",
]
