"""Specific embedded emissions of simple and complex goods: IR 2025/2547 Annex III B, Eqs. 59-63.

:func:`compute_see` runs the whole engine on one installation: source streams (Annex II B),
attribution per process (Annex III A, Eqs. 55-58), then the precursor graph in dependency
order (Eqs. 59-63), the direct and the indirect channel separately.

Decisions a user should know (also in docs/methodology.md):

- Purchased precursor without supplier values: the default value of IR 2025/2621 Annex I for
  its CN code and country, marked up for the year (IR 2025/2621 Annex I; Q&A §4.25); country
  absent or null: Annex IV (country of production unknown). The CN code comes from ``cn``, or
  from ``good`` when that is a CN code; when only a category is named, the highest default value
  among the category's CN codes for that country is used (conservative) and the result says
  which code that was.
- The mark-up year is ``year``, else the end year of the reporting period; before 2026 the 2026
  mark-up applies (the first year the law defines) and the result says so.
- The law marks up the *total* default; the direct channel gets ``direct x (1 + mark-up)`` and the
  indirect channel the rest, so both add up to the lawful total. Annex II goods have no indirect
  default: all of it is direct.
- Precursors originating in the EU or an Annex III exempt country count zero (still listed),
  even when the supplier gave values.
- Definitive period (Reg. (EU) 2023/956 Art. 7 and Annex II; IR 2025/2547 Annex I pt 3.1, the
  one rule of :func:`cbam.goods.counts_indirect`): a good's own indirect emissions count unless
  it is an Annex II good; a precursor's definitive indirect emissions count unless a
  non-Annex-II good uses an Annex II precursor. A purchased Annex II precursor contributes no
  definitive indirect emissions (its communication does not separate the share of its own
  non-Annex-II precursors).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from decimal import Decimal, localcontext

from cbam.codes import compact_cn, counts_zero, validate_cn
from cbam.errors import CbamError, InputError, NoValueError, ReferenceDataError
from cbam.goods import counts_indirect
from cbam.installation.attribution import Attribution, attribute_process, specific
from cbam.installation.lookups import (
    CategoryLike,
    DefaultLike,
    PackagedLookups,
    ReferenceLookups,
)
from cbam.installation.model import Installation, Precursor, Process, check_installation
from cbam.installation.result import (
    DefaultUsed,
    InstallationResult,
    PrecursorResult,
    ProcessResult,
    Provenance,
    StreamResult,
)
from cbam.installation.streams import stream_emissions
from cbam.rules import FIRST_YEAR, check_year
from cbam.values import STANDARD

_ZERO = Decimal(0)
_ONE = Decimal(1)
_ROUTE_LETTERS = tuple("ABCDEFGHJKL")


def embedded_inputs(masses_and_see: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """IR 2025/2547 Annex III B Eq. 60: ``EE_InpMat = sum_i M_i x SEE_i`` (one channel)."""
    return sum((m * s for m, s in masses_and_see), _ZERO)


def see_complex(attributed: Decimal, embedded: Decimal, activity_level: Decimal) -> Decimal:
    """IR 2025/2547 Annex III B Eq. 59: ``SEE_g = (AttrEm_g + EE_InpMat) / AL_g`` (one channel).

    Equivalent to Eq. 62 ``ae_g + sum_i m_i x SEE_i`` with ``m_i = M_i / AL_g`` (Eq. 61) and
    ``ae_g = AttrEm_g / AL_g`` (Eq. 63).
    """
    return (attributed + embedded) / activity_level


def compute_see(
    installation: Installation,
    *,
    year: int | None = None,
    lookups: ReferenceLookups | None = None,
) -> InstallationResult:
    """SEE of every production process of an installation (IR 2025/2547 Annex III, Eqs. 52-63).

    Source streams (Annex II B, Eqs. 5-26), attributed emissions per process (Annex III A,
    Eqs. 52-58) and the specific embedded emissions of simple and complex goods (Annex III B,
    Eqs. 59-63), the direct and the indirect channel separately, precursors in dependency order.

    Parameters
    ----------
    installation : Installation
        A validated installation (:func:`cbam.load_installation`); quantities in t, TJ, MWh, GJ
        per unit of activity data, t CO2/TJ and t CO2/MWh as the installation file defines them.
    year : int, optional
        Year of importation whose default-value mark-up (IR 2025/2621 Annex I) applies to
        purchased precursors without actual values; default: the end year of the reporting period.
    lookups : ReferenceLookups, optional
        Reference data (goods catalogue, grid factors, default values); default: the library's
        packaged datasets.

    Returns
    -------
    InstallationResult
        Per process ``see_direct``, ``see_indirect`` and ``see_total`` in t CO2e per t of good
        (per MWh for electricity), the definitive-period figures (IR 2025/2547 Annex I pt 3.1),
        every term with its equation, and the notes (defaults and fall-backs used).

    Raises
    ------
    InputError
        And its subclasses, naming the file, the JSON path and the field (a cycle of precursors,
        a missing emission factor, an unknown CN code or country ...).

    Examples
    --------
    The Commission's cement example (communication template, example 1), as an installation file:

    >>> from cbam.installation import load_installation
    >>> result = compute_see(load_installation("samples/installations/cement.json"))
    >>> cement = result.process("P1")
    >>> round(cement.see_direct, 4), round(cement.see_indirect, 4)  # t CO2e per t
    (Decimal('0.7852'), Decimal('0.1222'))
    >>> from cbam.installation import parse_installation
    >>> compute_see(parse_installation(
    ...     {"installation": {"name": "Kiln", "country": "TR"},
    ...      "processes": [{"id": "P1", "good": "cement clinker", "activity_level": 10,
    ...                     "heat": {"imported_tj": 5}}]},
    ...     source="kiln.json",
    ... ))
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: kiln.json, processes[0].heat, field 'imported_ef': imported heat ...
    """
    check_installation(installation)
    ctx = _Context(installation, lookups or PackagedLookups(), year)
    with localcontext(STANDARD):  # the caller's decimal context never changes a result
        return ctx.run()


class _Context:
    """State of one engine run (kept off the public API)."""

    def __init__(
        self, installation: Installation, lookups: ReferenceLookups, year: int | None
    ) -> None:
        self.inst = installation
        self.lookups = lookups
        self.source = installation.source
        self.notes: list[str] = []
        self.year_note: str | None = None
        self.year, self.markup_year = self._years(year)
        self.index = {p.id: i for i, p in enumerate(installation.processes)}
        self.categories: dict[str, CategoryLike] = {}
        self.results: dict[str, ProcessResult] = {}

    # --- year -----------------------------------------------------------------------------

    def _years(self, year: int | None) -> tuple[int | None, int | None]:
        if year is None and self.inst.reporting_period is not None:
            year = self.inst.reporting_period.end.year
            basis = "the end year of the reporting period"
        else:
            basis = "the year asked for"
        if year is None:
            return None, None
        if isinstance(year, int) and not isinstance(year, bool) and year < FIRST_YEAR:
            # Said only when a default value is actually marked up (see _default).
            self.year_note = (
                f"year {year} ({basis}) is before the definitive period: default values of "
                f"precursors take the {FIRST_YEAR} mark-up, the first the law defines "
                "(IR 2025/2621 Annex I)"
            )
            return year, FIRST_YEAR
        return year, check_year(year)

    # --- run ------------------------------------------------------------------------------

    def run(self) -> InstallationResult:
        inst = self.inst
        streams: list[StreamResult] = []
        per_process: dict[str, list[Decimal]] = {}
        for i, stream in enumerate(inst.source_streams):
            em = stream_emissions(stream)
            streams.append(
                StreamResult(
                    index=i,
                    name=stream.name,
                    method=stream.method,
                    process=stream.process,
                    emissions=em.fossil,
                    biomass_co2=em.biomass,
                    energy_tj=em.energy_tj,
                    gases=em.gases,
                    equation=em.equation,
                )
            )
            per_process.setdefault(stream.process, []).append(em.fossil)

        for i, process in enumerate(inst.processes):
            self.categories[process.id] = self._category(
                process.good, location=f"processes[{i}]", field="good"
            )

        for process_id in self._order():
            i = self.index[process_id]
            process = inst.processes[i]
            values = per_process.get(process.id)
            attribution = attribute_process(
                process,
                sum(values, _ZERO) if values else None,
                country=inst.installation.country,
                lookups=self.lookups,
                source=self.source,
                location=f"processes[{i}]",
            )
            self.results[process.id] = self._process(i, process, attribution)

        period = inst.reporting_period
        return InstallationResult(
            installation=inst.installation.name,
            country=inst.installation.country,
            source=self.source,
            period_start=period.start.isoformat() if period else None,
            period_end=period.end.isoformat() if period else None,
            year=self.year,
            streams=tuple(streams),
            processes=tuple(self.results[p.id] for p in inst.processes),
            total_stream_emissions=sum((s.emissions for s in streams), _ZERO),
            biomass_co2=sum((s.biomass_co2 for s in streams), _ZERO),
            fuel_input_tj=sum((s.energy_tj for s in streams if s.energy_tj is not None), _ZERO),
            notes=tuple(self.notes),
        )

    def _order(self) -> list[str]:
        """Process ids so that every from_process precursor comes before its consumer.

        check_installation() has already refused cycles; ties keep the file's order, which
        does not affect any value.
        """
        done: set[str] = set()
        order: list[str] = []

        def visit(pid: str) -> None:
            if pid in done:
                return
            done.add(pid)
            for pre in self.inst.processes[self.index[pid]].precursors:
                if pre.from_process is not None:
                    visit(pre.from_process)
            order.append(pid)

        for process in self.inst.processes:
            visit(process.id)
        return order

    # --- lookups with located errors ------------------------------------------------------

    def _category(self, good: str, *, location: str, field: str) -> CategoryLike:
        try:
            return self.lookups.category(good)
        except CbamError as exc:
            # The catalogue names its own parameter ("cn"); the user needs the file's key.
            exc.field = None
            raise exc.located(source=self.source, location=location, field=field) from None
        except ImportError as exc:
            raise _missing("the goods catalogue (cbam.goods)", exc) from None

    # --- one process ----------------------------------------------------------------------

    def _check_route(self, where: str, route: str | None, codes: Sequence[str], what: str) -> None:
        """A route letter must be one the CN codes have in IR 2025/2620 or IR 2025/2621."""
        if route is None or not codes:
            return
        try:
            letters = frozenset().union(*(self.lookups.route_letters(c) for c in codes))
        except ImportError as exc:
            raise _missing("the benchmarks (cbam.reference.routes)", exc) from None
        if route not in letters:
            known = ", ".join(f"({r})" for r in sorted(letters)) or "none: the benchmark "
            known += "" if letters else "does not vary by route"
            raise InputError(
                f"route ({route}) is not a production route of {what} in IR 2025/2620 or "
                f"IR 2025/2621 (routes: {known})",
                source=self.source,
                location=where,
                field="route",
            )

    def _check_process(self, i: int, process: Process, category: CategoryLike) -> None:
        """Route and functional unit of a process (IR 2025/2547 Art. 4; IR 2025/2620)."""
        where = f"processes[{i}]"
        codes = process.cn_codes or tuple(self.lookups.category_cns(category.name))
        self._check_route(where, process.route, codes, f"{category.name} ({', '.join(codes)})")
        unit = getattr(category, "functional_unit", "t")
        if process.functional_unit not in ("t", unit):
            raise InputError(
                f"{category.name} has the functional unit {unit!r} (IR 2025/2547 Art. 4), not "
                f"{process.functional_unit!r}",
                source=self.source,
                location=where,
                field="functional_unit",
            )
        if process.electricity_evidence is not None and category.sector != "electricity":
            raise InputError(
                "electricity_evidence belongs to a process producing electricity "
                "(Reg. (EU) 2023/956 Annex IV pt 5)",
                source=self.source,
                location=where,
                field="electricity_evidence",
            )
        for j, pre in enumerate(process.precursors):
            if pre.route is None or pre.from_process is not None:
                continue
            code = pre.cn or (
                compact_cn(pre.good)[:8] if pre.good and compact_cn(pre.good).isdigit() else None
            )
            pre_codes = (
                (code,)
                if code
                else tuple(self.lookups.category_cns(self._precursor_category(pre, where).name))
            )
            self._check_route(
                f"{where}.precursors[{j}]", pre.route, pre_codes, ", ".join(pre_codes)
            )

    def _process(self, i: int, process: Process, attribution: Attribution) -> ProcessResult:
        category = self.categories[process.id]
        self._check_process(i, process, category)
        notes = list(attribution.notes)
        al = process.activity_level
        precursors = [
            self._precursor(i, j, pre, process, category)
            for j, pre in enumerate(process.precursors)
        ]
        emb_dir = embedded_inputs([(p.mass, p.see_direct) for p in precursors])
        emb_ind = embedded_inputs([(p.mass, p.see_indirect) for p in precursors])
        see_dir = see_complex(attribution.direct, emb_dir, al)
        see_ind = see_complex(attribution.indirect, emb_ind, al)

        own_indirect_counts = counts_indirect(category)
        own_ind_def = attribution.indirect if own_indirect_counts else _ZERO
        emb_ind_def = sum((p.embedded_indirect_definitive for p in precursors), _ZERO)
        see_ind_def = see_complex(own_ind_def, emb_ind_def, al)
        if category.direct_only:
            notes.append(
                f"{category.name} is an Annex II good of Reg. (EU) 2023/956: its own indirect "
                "emissions do not count in the definitive period"
            )
        for note in (p.note for p in precursors):
            if note:
                notes.append(note)
        return ProcessResult(
            id=process.id,
            name=process.name,
            good=category.name,
            good_input=process.good,
            cn_codes=process.cn_codes,
            activity_level=al,
            direct_emissions_star=attribution.dir_em_star,
            direct_emissions_basis=attribution.dir_em_basis,
            direct_terms=attribution.terms,
            attributed_direct=attribution.direct,
            attributed_direct_set_to_zero=attribution.set_to_zero,
            attributed_indirect=attribution.indirect,
            electricity_factor=attribution.electricity_factor,
            electricity_consumed_mwh=process.electricity.consumed_mwh,
            specific_electricity_consumption=process.electricity.consumed_mwh / al,
            ae_direct=specific(attribution.direct, al),
            ae_indirect=specific(attribution.indirect, al),
            precursors=tuple(precursors),
            embedded_precursors_direct=emb_dir,
            embedded_precursors_indirect=emb_ind,
            see_direct=see_dir,
            see_indirect=see_ind,
            see_total=see_dir + see_ind,
            direct_only=category.direct_only,
            indirect_counts_definitive=own_indirect_counts,
            see_indirect_definitive=see_ind_def,
            see_total_definitive=see_dir + see_ind_def,
            notes=tuple(notes),
        )

    # --- one precursor --------------------------------------------------------------------

    def _precursor(
        self, i: int, j: int, pre: Precursor, process: Process, good: CategoryLike
    ) -> PrecursorResult:
        where = f"processes[{i}].precursors[{j}]"
        al = process.activity_level
        if pre.from_process is not None:
            made = self.results[pre.from_process]
            cat = self.categories[pre.from_process]
            counts = counts_indirect(cat, precursor_of=good)
            return PrecursorResult(
                index=j,
                name=pre.name,
                category=cat.name,
                country=self.inst.installation.country,
                from_process=pre.from_process,
                mass=pre.mass,
                specific_mass=pre.mass / al,
                basis="own process",
                see_direct=made.see_direct,
                see_indirect=made.see_indirect,
                embedded_direct=pre.mass * made.see_direct,
                embedded_indirect=pre.mass * made.see_indirect,
                indirect_counts_definitive=counts,
                embedded_indirect_definitive=(
                    pre.mass * made.see_indirect_definitive if counts else _ZERO
                ),
            )

        cat = self._precursor_category(pre, where)
        counts = counts_indirect(cat, precursor_of=good)
        label = pre.name or pre.good or pre.cn
        if pre.country is not None and counts_zero(pre.country):
            note = None
            if pre.see_direct is not None:
                note = (
                    f"precursor {label!r} ({where}) originates in {pre.country}: counted as zero "
                    "(IR 2025/2547 Annex III B); the supplier's values are not used"
                )
            return self._made(
                j, pre, cat, al, "zero (EU or exempt origin)", _ZERO, _ZERO, counts, None, note
            )
        if pre.see_direct is not None:
            see_ind = pre.see_indirect
            note = None
            if see_ind is None:
                if not cat.direct_only:
                    raise InputError(
                        f"precursor of category {cat.name} needs see_indirect too: it is not an "
                        "Annex II (direct-only) good of Reg. (EU) 2023/956",
                        source=self.source,
                        location=where,
                        field="see_indirect",
                    )
                see_ind = _ZERO
                note = (
                    f"precursor {label!r} ({where}): no see_indirect given; taken as 0 "
                    f"({cat.name} is an Annex II good, direct emissions only)"
                )
            elif cat.direct_only and see_ind > 0:
                note = (
                    f"precursor {label!r} ({where}) is an Annex II good: its see_indirect is "
                    "reported but not counted in the definitive-period total"
                )
            return self._made(
                j, pre, cat, al, "actual", pre.see_direct, see_ind, counts, None, note
            )
        return self._default(j, pre, cat, al, counts, where)

    def _precursor_category(self, pre: Precursor, where: str) -> CategoryLike:
        if pre.good is not None:
            cat = self._category(pre.good, location=where, field="good")
            if pre.cn is not None:
                by_cn = self._category(pre.cn, location=where, field="cn")
                if by_cn.name != cat.name:
                    raise InputError(
                        f"cn {pre.cn} is a {by_cn.name} code, but good names {cat.name}",
                        source=self.source,
                        location=where,
                        field="cn",
                    )
            return cat
        assert pre.cn is not None  # check_installation() requires good or cn
        return self._category(pre.cn, location=where, field="cn")

    def _made(
        self,
        j: int,
        pre: Precursor,
        cat: CategoryLike,
        al: Decimal,
        basis: str,
        see_dir: Decimal,
        see_ind: Decimal,
        counts: bool,
        default: DefaultUsed | None,
        note: str | None,
    ) -> PrecursorResult:
        # A purchased Annex II precursor's definitive indirect share is unknown: 0 (module doc).
        definitive = pre.mass * see_ind if counts and not cat.direct_only else _ZERO
        return PrecursorResult(
            index=j,
            name=pre.name,
            category=cat.name,
            country=pre.country,
            from_process=None,
            mass=pre.mass,
            specific_mass=pre.mass / al,
            basis=basis,  # type: ignore[arg-type]
            see_direct=see_dir,
            see_indirect=see_ind,
            embedded_direct=pre.mass * see_dir,
            embedded_indirect=pre.mass * see_ind,
            indirect_counts_definitive=counts,
            embedded_indirect_definitive=definitive,
            default=default,
            note=note,
        )

    # --- default values -------------------------------------------------------------------

    def _default(
        self, j: int, pre: Precursor, cat: CategoryLike, al: Decimal, counts: bool, where: str
    ) -> PrecursorResult:
        if self.markup_year is None:
            raise InputError(
                "this precursor has no supplier values, so its default value applies, whose "
                "mark-up depends on the year: give a reporting_period or a year",
                source=self.source,
                location=where,
                field="see_direct",
            )
        year = self.markup_year
        if self.year_note and self.year_note not in self.notes:
            self.notes.append(self.year_note)
        choice = None
        if pre.cn is not None:
            dv, choice = self._lookup_default(pre.cn, pre, where, field="cn")
        elif pre.good is not None and compact_cn(pre.good).isdigit():
            try:
                cn = validate_cn(pre.good)
            except CbamError as exc:
                raise exc.located(source=self.source, location=where, field="good") from None
            dv, choice = self._lookup_default(cn, pre, where, field="good")
        else:
            dv, choice = self._highest_default(cat, pre, where, year)

        markup = dv.markup(year)
        used = dv.value_used(year)
        factor = _ONE + markup
        split_note = None
        if dv.indirect is None:
            see_dir, see_ind = used, _ZERO
        elif dv.direct is None:
            see_ind = dv.indirect * factor
            see_dir = used - see_ind
        else:
            see_dir = dv.direct * factor
            see_ind = used - see_dir
            if see_ind < 0:
                see_dir, see_ind = used, _ZERO
            if dv.direct + dv.indirect != dv.total:
                split_note = (
                    f"the default row's direct {dv.direct} + indirect {dv.indirect} differs from "
                    f"its total {dv.total}; the marked-up total is kept and the indirect channel "
                    "takes the difference"
                )
        country_text = pre.country or "unknown country of production (IR 2025/2621 Annex IV)"
        parts = [
            f"precursor {(pre.name or pre.good or pre.cn)!r} ({where}): no supplier values, "
            f"default value of CN {dv.cn} for {country_text}: total {dv.total} x (1 + {markup}) "
            f"= {used} t CO2e/t ({dv.dataset.label}, {dv.location})"
        ]
        if dv.fallback:
            parts.append(dv.fallback)
        if choice:
            parts.append(choice)
        if split_note:
            parts.append(split_note)
        if self.year is not None and self.year != year:
            parts.append(f"mark-up of {year} applied")
        default = DefaultUsed(
            cn=dv.cn,
            row_cn=dv.row_cn,
            route=dv.route,
            direct=dv.direct,
            indirect=dv.indirect,
            total=dv.total,
            markup=markup,
            markup_year=year,
            value_used=used,
            provenance=Provenance(
                dataset=dv.dataset.label,
                dataset_id=dv.dataset.id,
                location=dv.location,
                country_used=dv.country_used,
                fallback=dv.fallback,
            ),
            choice=choice,
        )
        return self._made(
            j, pre, cat, al, "default", see_dir, see_ind, counts, default, "; ".join(parts)
        )

    def _lookup_default(
        self, cn: str, pre: Precursor, where: str, *, field: str, route: str | None = None
    ) -> tuple[DefaultLike, str | None]:
        try:
            return self._default_by_route(cn, pre.country, route or pre.route)
        except CbamError as exc:
            raise exc.located(source=self.source, location=where, field=field) from None
        except ImportError as exc:
            raise _missing("the default values (cbam.reference.defaults)", exc) from None

    def _default_by_route(
        self, cn: str, country: str | None, route: str | None
    ) -> tuple[DefaultLike, str | None]:
        """The default value of the row of ``route``; where the table has no row of that route,
        the row(s) it has: the one, or the highest of several (conservative; IR 2025/2621
        Annex I gives the route of each row)."""
        try:
            return self.lookups.default_value(cn, country, route=route), None
        except InputError as exc:
            if exc.field != "route":
                raise
        candidates: list[DefaultLike] = []
        for letter in (None, *_ROUTE_LETTERS):
            try:
                candidates.append(self.lookups.default_value(cn, country, route=letter))
            except (InputError, ReferenceDataError):
                continue
            if letter is None:
                break
        if not candidates:
            raise NoValueError(f"no default value for CN {cn}", field="cn")
        year = self.markup_year or FIRST_YEAR
        best = max(candidates, key=lambda dv: dv.value_used(year))
        wanted = f"route ({route})" if route else "no route"
        note = (
            f"CN {cn} from {country or 'an unknown country'}: {wanted} does not pick one default-"
            f"value row; the row of route ({best.route}) applies"
            + (" (the highest, conservative)" if len(candidates) > 1 else "")
        )
        return best, note

    def _highest_default(
        self, cat: CategoryLike, pre: Precursor, where: str, year: int
    ) -> tuple[DefaultLike, str]:
        """The highest default among a category's CN codes (the conservative choice)."""
        try:
            cns = sorted(self.lookups.category_cns(cat.name))
        except ImportError as exc:
            raise _missing("the goods catalogue (cbam.goods)", exc) from None
        candidates: list[DefaultLike] = []
        skipped: list[str] = []
        for cn in cns:
            try:
                candidates.append(self._default_by_route(cn, pre.country, pre.route)[0])
                continue
            except NoValueError as exc:
                skipped.append(f"{cn}: {exc.reason}")
                continue
            except InputError as exc:
                if pre.route is not None:
                    skipped.append(f"{cn}: {exc.reason}")
                    continue
            # Several production routes for this code and none named: consider each of them.
            for letter in _ROUTE_LETTERS:
                try:
                    candidates.append(self.lookups.default_value(cn, pre.country, route=letter))
                except (InputError, ReferenceDataError):
                    continue
        if not candidates:
            raise NoValueError(
                f"no default value exists for any CN code of {cat.name} "
                f"({len(cns)} codes tried" + (f"; e.g. {skipped[0]}" if skipped else "") + ")",
                source=self.source,
                location=where,
                field="good",
            )
        best = max(candidates, key=lambda dv: dv.value_used(year))
        choice = (
            f"only the category {cat.name} was named: the highest default value among its "
            f"{len(cns)} CN codes was used (CN {best.cn}"
            + (f", route {best.route}" if best.route else "")
            + "), the conservative choice; give 'cn' to use the exact code"
        )
        return best, choice


def _missing(what: str, exc: ImportError) -> ReferenceDataError:
    return ReferenceDataError(f"{what} is not available in this installation of cbam: {exc}")


# Re-exported for callers that only need to know whether the reference modules are importable.
def reference_available() -> bool:
    """True when the goods catalogue, grid factors and default values can be imported."""
    try:
        for name in ("cbam.goods", "cbam.reference.factors", "cbam.reference.defaults"):
            importlib.import_module(name)
    except ImportError:
        return False
    return True
