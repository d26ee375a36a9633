"""The installation file: pydantic models, the loader and its JSON Schema.

Shape and units follow the project's interface contract (installation file, section 1): one
installation, its source streams (each attributed to one production process) and its production
processes with their heat, waste-gas and electricity flows and their precursors.

Numbers are ``Decimal``: JSON is parsed with ``parse_float=Decimal`` and YAML numbers keep their
text (:mod:`cbam.yamlfile`), so ``0.833`` stays ``0.833`` and never becomes ``0.83299999...``.
Booleans are refused where a number is expected; numbers given as text follow
:func:`cbam.values.parse_figure` (plain decimal notation, no ``1_5``); every figure lies within
the range of :func:`cbam.values.in_range` (``activity_level: 1e-30`` is refused, not divided
by). Names and ids hold no control characters and do not begin like a formula
(:data:`cbam.values.Name`); a key given twice in a JSON or YAML object is refused.

Checks that need more than one field (a stream naming no process, a precursor cycle, ...) are
made by :func:`check_installation`, which names the JSON path (``processes[1].precursors[0]``) and
the field of the problem.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from cbam.codes import validate_cn, validate_country
from cbam.errors import CbamError, InputError
from cbam.files import check_regular
from cbam.jsonfile import load_json
from cbam.values import Name, Text, in_range, parse_figure, range_reason
from cbam.yamlfile import load_yaml

# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


def _decimal_input(value: object) -> object:
    """Turn JSON/YAML numbers into exact Decimals before pydantic sees them.

    Floats (from Python callers) go through ``repr`` so the written digits survive; booleans
    are refused (``true`` is not 1 tonne); numeric strings follow
    :func:`cbam.values.parse_figure`, spaces as thousands separators included ("1 255 000",
    pasted from spreadsheets); every figure must lie within :func:`cbam.values.in_range`.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    if isinstance(value, float):
        value = Decimal(repr(value))
    elif isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        try:
            return parse_figure(value, "value", required=True, negative=True)
        except InputError as exc:
            raise ValueError(f"expected a number: {exc.reason}") from None
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"expected a finite number, got {value}")
        if not in_range(value):
            raise ValueError(range_reason(value))
    return value


Num = Annotated[Decimal, BeforeValidator(_decimal_input)]
NonNeg = Annotated[Decimal, BeforeValidator(_decimal_input), Field(ge=0)]
Fraction = Annotated[Decimal, BeforeValidator(_decimal_input), Field(ge=0, le=1)]


class _Strict(BaseModel):
    """Nested models refuse unknown keys: a typo such as ``emision_factor`` must not pass."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------------------------
# Installation and reporting period
# --------------------------------------------------------------------------------------------


class InstallationInfo(_Strict):
    """Who and where: the installation's name, country (ISO 3166-1 alpha-2) and optional id."""

    name: Name = Field(min_length=1)
    country: str
    id: Name | None = Field(default=None, max_length=20)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return _checked(validate_country, value)


class ReportingPeriod(_Strict):
    """The reporting period (IR 2025/2547 Art. 13: a calendar year by default)."""

    start: dt.date
    end: dt.date

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError(f"the period ends ({end}) before it starts ({start})")
        return end


# --------------------------------------------------------------------------------------------
# Source streams (IR 2025/2547 Annex II B)
# --------------------------------------------------------------------------------------------


class _Stream(_Strict):
    name: Name = Field(min_length=1)
    process: Name = Field(min_length=1, description="id of the production process it belongs to")


class CombustionStream(_Stream):
    """A fuel burnt: IR 2025/2547 Annex II B.3.1.1, Eqs. 5, 6 and 10.

    ``activity_data`` in the fuel's own unit (t, 1000 Nm3, ...), ``ncv`` in GJ per that unit,
    ``emission_factor`` in t CO2/TJ.
    """

    method: Literal["combustion"]
    activity_data: NonNeg
    ncv: NonNeg
    emission_factor: NonNeg
    oxidation_factor: Fraction = Decimal(1)
    biomass_fraction: Fraction = Decimal(0)


class ProcessStream(_Stream):
    """A process material (e.g. carbonates): IR 2025/2547 Annex II B.3.1.2, Eq. 11.

    ``emission_factor`` in t CO2 per unit of activity data.
    """

    method: Literal["process"]
    activity_data: NonNeg
    emission_factor: NonNeg
    conversion_factor: Fraction = Decimal(1)
    biomass_fraction: Fraction = Decimal(0)


class MassBalanceStream(_Stream):
    """A carbon input or output: IR 2025/2547 Annex II B.3.2, Eqs. 12 and 15.

    ``activity_data`` in t, negative for outputs; ``carbon_content`` in t C per t. ``ncv``
    (GJ/t) is optional and only feeds the reported energy input.
    """

    method: Literal["mass_balance"]
    activity_data: Num
    carbon_content: Fraction
    biomass_fraction: Fraction = Decimal(0)
    ncv: NonNeg | None = None


class PfcSlopeStream(_Stream):
    """Perfluorocarbons from anode effects, slope method: IR 2025/2547 Annex II B.7.1.

    ``production``: t primary aluminium; ``anode_effect_frequency``: anode effects per
    cell-day; ``anode_effect_duration``: minutes per anode effect; ``slope_cf4``: kg CF4 per
    t Al per (anode-effect minute per cell-day); ``c2f6_weight_fraction``: t C2F6 per t CF4;
    ``collection_efficiency``: share of the PFC caught by the duct (0-1, Eq. 20).
    """

    method: Literal["pfc_slope"]
    production: NonNeg
    anode_effect_frequency: NonNeg
    anode_effect_duration: NonNeg
    slope_cf4: NonNeg
    c2f6_weight_fraction: NonNeg
    collection_efficiency: Annotated[
        Decimal, BeforeValidator(_decimal_input), Field(gt=0, le=1)
    ] = Decimal(1)


class N2OStream(_Stream):
    """Measured nitrous oxide (IR 2025/2547 Annex II B.6 / B.9), in tonnes N2O."""

    method: Literal["n2o"]
    n2o_t: NonNeg


SourceStream = Annotated[
    CombustionStream | ProcessStream | MassBalanceStream | PfcSlopeStream | N2OStream,
    Discriminator("method"),
]

STREAM_METHODS: tuple[str, ...] = ("combustion", "process", "mass_balance", "pfc_slope", "n2o")

# --------------------------------------------------------------------------------------------
# Production processes
# --------------------------------------------------------------------------------------------


class Heat(_Strict):
    """Net measurable heat imported into / exported from the process (TJ, t CO2/TJ).

    ``imported_ef`` is required when heat is imported; ``exported_ef`` may be left out, and then
    natural gas in a 90 % boiler applies (IR 2025/2547 Annex III A.3, 56.1/0.9 t CO2/TJ).
    """

    imported_tj: NonNeg = Decimal(0)
    imported_ef: NonNeg | None = None
    exported_tj: NonNeg = Decimal(0)
    exported_ef: NonNeg | None = None


class WasteGas(_Strict):
    """Waste gas imported into / exported from the process, as energy content V x NCV in TJ.

    ``corr_eta`` overrides the standard efficiency correction 0.667 of Eq. 54 (the operator
    must be able to evidence another value).
    """

    imported_tj: NonNeg = Decimal(0)
    exported_tj: NonNeg = Decimal(0)
    corr_eta: Fraction | None = None


#: Where an electricity emission factor comes from, as the communication template names the
#: points of IR 2025/2547 Annex II: D.4(a) the country's grid average, D.4(b) an alternative
#: default value (D.4.4), D.4.1 / D.4.2 actual factors (without / with cogeneration), D.4.3.1 /
#: D.4.3.2 the evidence of a direct technical link / a power purchase agreement, or a mix.
EF_SOURCES = ("D.4(a)", "D.4(b)", "D.4.1", "D.4.2", "D.4.3.1", "D.4.3.2", "Mix")


def ef_source(value: str) -> str:
    """An electricity emission factor's source in the template's spelling (case-insensitive).

    >>> ef_source("d.4(b)"), ef_source(" mix ")
    ('D.4(b)', 'Mix')
    """
    folded = "".join(value.split()).casefold()
    for known in EF_SOURCES:
        if known.casefold() == folded:
            return known
    raise ValueError(
        f"{value!r} is not an emission factor source; use one of {', '.join(EF_SOURCES)}"
    )


class Electricity(_Strict):
    """Electricity consumed and produced in the process (MWh, t CO2/MWh).

    Without ``emission_factor``, the grid factor of the installation's country (IR 2025/2621
    Annex II) applies. ``produced_ef`` is required when electricity is produced. ``ef_source``:
    where ``emission_factor`` comes from (:data:`EF_SOURCES`, the communication template's
    selection "Source of the emission factor").
    """

    consumed_mwh: NonNeg = Decimal(0)
    emission_factor: NonNeg | None = None
    produced_mwh: NonNeg = Decimal(0)
    produced_ef: NonNeg | None = None
    ef_source: str | None = None

    @field_validator("ef_source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return None if value is None else ef_source(value)


class Precursor(_Strict):
    """A precursor consumed by a process.

    Purchased: ``good`` (category name or CN code) and/or ``cn``, ``country`` (absent or null:
    country unknown), ``mass`` and, when the supplier gave actual values, ``see_direct`` /
    ``see_indirect`` (t CO2e per t) and where the electricity factor behind ``see_indirect``
    comes from (``electricity_ef_source``, :data:`EF_SOURCES`). Made in this installation:
    ``from_process`` and ``mass``.
    """

    name: Name | None = None
    good: Text | None = None
    cn: str | None = None
    country: str | None = None
    route: Text | None = None
    mass: NonNeg
    see_direct: NonNeg | None = None
    see_indirect: NonNeg | None = None
    electricity_ef_source: str | None = None
    from_process: Text | None = None

    @field_validator("electricity_ef_source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return None if value is None else ef_source(value)

    @field_validator("cn")
    @classmethod
    def _cn(cls, value: str | None) -> str | None:
        return None if value is None else _checked(validate_cn, value)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return None if value is None else _checked(validate_country, value)

    @field_validator("route")
    @classmethod
    def _route(cls, value: str | None) -> str | None:
        return None if value is None else _checked(_route_letter, value)


#: The verifier's opinions interfaces.md names. Only the first two conclude with reasonable
#: assurance that the report is free of material misstatements and non-conformities (Reg. (EU)
#: 2023/956 Annex VI pt 1(b); IR 2025/2546 Annex 2.6(a)).
OPINIONS = ("satisfactory", "satisfactory with comments", "not satisfactory")


class Verification(_Strict):
    """The verification of the installation's report (Reg. (EU) 2023/956 Art. 8, Annex VI;
    IR 2025/2546 Annex 1.2, 1.3, 2.6).

    ``verifier`` (name), ``accreditation`` (accreditation number), ``report`` (the
    verification report's identifier), ``date`` (of the verification statement) and
    ``opinion`` (one of :data:`OPINIONS`); ``accreditation_body`` and
    ``accreditation_country`` (the national accreditation body and its Member State) where
    known. A block without an opinion is incomplete: the values count as unverified.

    >>> Verification(verifier="V", opinion="Satisfactory with comments").opinion
    'satisfactory with comments'
    """

    verifier: Name | None = None
    accreditation: Text | None = None
    accreditation_body: Name | None = None
    accreditation_country: Text | None = None
    report: Text | None = None
    date: dt.date | None = None
    opinion: Literal["satisfactory", "satisfactory with comments", "not satisfactory"] | None = None

    @field_validator("opinion", mode="before")
    @classmethod
    def _opinion(cls, value: object) -> object:
        if isinstance(value, str):
            folded = " ".join(value.split()).casefold()
            if folded not in OPINIONS:
                raise ValueError(f"opinion must be one of {', '.join(repr(o) for o in OPINIONS)}")
            return folded
        return value


#: The functional units an activity level may be given in (IR 2025/2547 Art. 4): tonnes of goods
#: (the default, Art. 4(2)), tonnes of clinker contained (cement, Art. 4(5)) or kilograms of
#: nitrogen contained (fertilisers, Art. 4(4)); the spellings of :mod:`cbam.goods`.
FUNCTIONAL_UNITS: dict[str, str] = {
    "t": "t",
    "t clinker": "t clinker contained",
    "t clinker contained": "t clinker contained",
    "kg n": "kg N contained",
    "kg n contained": "kg N contained",
}

#: A content share (0-1) for the process's every CN code, or one per CN code.
Contents = Fraction | dict[str, Fraction]


class ElectricityEvidence(_Strict):
    """Evidence that imported electricity meets Reg. (EU) 2023/956 Annex IV pt 5 (a)-(e).

    Each key names the document that shows one criterion (IR 2025/2547 Annex II D.2.4):
    ``ppa`` (a) the power purchase agreement between the declarant and the producer;
    ``connection`` (b) the direct connection, or the hourly no-congestion record;
    ``nomination`` (d) the firm nomination of interconnection capacity matched hour by hour;
    ``monthly_reports`` (e) the accredited verifier's certification from monthly interim
    reports. Criterion (c), at most 550 g CO2 of fossil origin per kWh, is checked on the
    process's own SEE. ``declarant_eori``: the declarant the addendum covers (Art. 8(4)).

    >>> ElectricityEvidence(ppa="PPA-7", connection="direct line").nomination is None
    True
    """

    ppa: str | None = None
    connection: str | None = None
    nomination: str | None = None
    monthly_reports: str | None = None
    declarant_eori: str | None = None


class Process(_Strict):
    """A production process (IR 2025/2547 Annex II A.4) and what flows into and out of it.

    ``route``: the production-route letter of IR 2025/2620 / IR 2025/2621 (``"K"`` primary
    aluminium ...), checked against the routes of the process's CN codes when it is computed.
    ``functional_unit``: the unit of ``activity_level`` when it is not tonnes of goods (IR
    2025/2547 Art. 4(4)-(5)); ``clinker_content`` / ``nitrogen_content``: the share (0-1) per
    CN code (or one for all) that turns an SEE per functional unit into one per tonne of goods
    (Annex III Eqs. 64-66). ``electricity_evidence``: Annex IV pt 5 evidence for electricity.
    ``included_goods``: other aggregated goods categories produced within the process's
    boundaries (a bubble, e.g. the clinker of a cement process; the communication template's
    "Included goods categories"); none means only direct production of ``good``.
    """

    id: Name = Field(min_length=1)
    name: Name | None = None
    good: Text = Field(min_length=1, description="aggregated goods category or a CN code")
    cn_codes: tuple[str, ...] = ()
    route: str | None = None
    activity_level: Num = Field(description="t of goods produced in the period (MWh: electricity)")
    functional_unit: str = "t"
    clinker_content: Contents | None = None
    nitrogen_content: Contents | None = None
    direct_emissions: NonNeg | None = None
    heat: Heat = Heat()
    waste_gas: WasteGas = WasteGas()
    electricity: Electricity = Electricity()
    electricity_evidence: ElectricityEvidence | None = None
    precursors: tuple[Precursor, ...] = ()
    included_goods: tuple[Text, ...] = ()

    @field_validator("route")
    @classmethod
    def _route(cls, value: str | None) -> str | None:
        return None if value is None else _checked(_route_letter, value)

    @field_validator("functional_unit")
    @classmethod
    def _unit(cls, value: str) -> str:
        unit = FUNCTIONAL_UNITS.get(" ".join(value.split()).casefold())
        if unit is None:
            raise ValueError(
                f"{value!r} is not a functional unit; use 't' (tonnes of goods), "
                "'t clinker contained' or 'kg N contained' (IR 2025/2547 Art. 4)"
            )
        return unit

    @field_validator("clinker_content", "nitrogen_content")
    @classmethod
    def _contents(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {_checked(validate_cn, code): share for code, share in value.items()}
        return value

    def content(self, cn: str) -> Decimal | None:
        """The clinker or nitrogen share (0-1) of CN code ``cn``, whichever the file gives.

        >>> Process(id="P1", good="cement", activity_level=1,
        ...         clinker_content={"25232900": "0.8"}).content("25232900")
        Decimal('0.8')
        """
        for given in (self.clinker_content, self.nitrogen_content):
            if isinstance(given, dict):
                if cn in given:
                    return given[cn]
            elif given is not None:
                return given
        return None

    @field_validator("activity_level")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError(
                f"activity level {value} is negative; it is the quantity of goods produced"
            )
        if value == 0:
            raise ValueError(
                "activity level is zero: no goods were produced, so no specific embedded "
                "emissions exist (IR 2025/2547 Eq. 57 divides by it)"
            )
        return value

    @field_validator("cn_codes")
    @classmethod
    def _cns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_checked(validate_cn, code) for code in value)


class Installation(BaseModel):
    """One installation file (JSON or YAML): operator data for IR 2025/2547 Annexes II and III.

    Attributes
    ----------
    installation : InstallationInfo
        Name, country (ISO 3166-1 alpha-2) and optional id (an..20) of the installation.
    reporting_period : ReportingPeriod or None
        Start and end date of the reporting period (IR 2025/2547 Art. 13; a calendar year by
        default); its end year sets the default-value mark-up of purchased precursors.
    verification : Verification or None
        The verification of the report (Reg. (EU) 2023/956 Art. 8): verifier, accreditation,
        report, date and opinion.
    source_streams : tuple of SourceStream
        Combustion, process, mass-balance, PFC and N2O streams (IR 2025/2547 Annex II B), each
        attributed to a process; activity data in t or the fuel's unit, NCV in GJ per unit,
        emission factors in t CO2/TJ or t CO2 per unit.
    processes : tuple of Process
        The production processes: good, CN codes, activity level (t; MWh for electricity),
        direct emissions (t CO2e), heat (TJ), waste gas (TJ), electricity (MWh, t CO2/MWh) and
        precursors (t).

    Examples
    --------
    Read one from a file with :func:`load_installation`, or validate a parsed document:

    >>> kiln = parse_installation(
    ...     {
    ...         "installation": {"name": "Kiln", "country": "TR"},
    ...         "processes": [
    ...             {"id": "P1", "good": "cement clinker", "activity_level": 1000,
    ...              "direct_emissions": 850}
    ...         ],
    ...     }
    ... )
    >>> kiln.processes[0].activity_level, kiln.processes[0].direct_emissions
    (Decimal('1000'), Decimal('850'))
    >>> parse_installation(
    ...     {"installation": {"name": "Kiln", "country": "TR"},
    ...      "processes": [{"id": "P1", "good": "cement clinker", "activity_level": 0}]},
    ...     source="kiln.json",
    ... )
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: kiln.json, processes[0], field 'activity_level': activity level is \
zero: no goods were produced, so no specific embedded emissions exist (IR 2025/2547 Eq. 57 ...)
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    installation: InstallationInfo
    reporting_period: ReportingPeriod | None = None
    verification: Verification | None = None
    source_streams: tuple[SourceStream, ...] = ()
    processes: tuple[Process, ...] = Field(min_length=1)

    _source: str | None = PrivateAttr(default=None)

    @property
    def source(self) -> str | None:
        """The file this installation was read from, when it came from a file."""
        return self._source


# --------------------------------------------------------------------------------------------
# Loading and checking
# --------------------------------------------------------------------------------------------


def _route_letter(value: str) -> str:
    from cbam.reference.routes import route_letter

    return route_letter(value)


def _checked(validator: Any, value: str) -> str:
    """Run a cbam.codes validator inside a pydantic validator (its error becomes ValueError)."""
    try:
        return str(validator(value))
    except CbamError as exc:
        raise ValueError(exc.reason) from None


def json_path(loc: tuple[int | str, ...]) -> str:
    """``("processes", 1, "precursors", 0)`` -> ``processes[1].precursors[0]``."""
    text = ""
    for item in loc:
        if isinstance(item, int):
            text += f"[{item}]"
        else:
            text += ("." if text else "") + item
    return text


def _split_loc(loc: tuple[int | str, ...]) -> tuple[str | None, str | None]:
    """Split a pydantic error location into (JSON path of the object, field name)."""
    parts: list[int | str] = []
    for i, item in enumerate(loc):
        # The discriminated union inserts the tag ("combustion") after the list index.
        if (
            isinstance(item, str)
            and item in STREAM_METHODS
            and i >= 2
            and loc[i - 2] == "source_streams"
            and isinstance(loc[i - 1], int)
        ):
            continue
        parts.append(item)
    if parts and isinstance(parts[-1], str):
        return (json_path(tuple(parts[:-1])) or None), str(parts[-1])
    return (json_path(tuple(parts)) or None), None


def _validation_error(exc: ValidationError, source: str | None) -> InputError:
    found = exc.errors(include_url=False)
    # A list whose items failed also reports "too short" at the list itself: keep the items.
    errors = [
        e
        for e in found
        if not any(
            len(o["loc"]) > len(e["loc"]) and tuple(o["loc"][: len(e["loc"])]) == tuple(e["loc"])
            for o in found
        )
    ]
    first = errors[0]
    location, field = _split_loc(tuple(first["loc"]))
    reason = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        field = "method"
        reason = f"'method' must be one of {', '.join(STREAM_METHODS)}"
    if first["type"] == "extra_forbidden":
        reason = "unknown key (check the spelling against the installation file contract)"
    if len(errors) > 1:
        others = "; ".join(
            f"{json_path(tuple(e['loc']))}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in errors[1:6]
        )
        more = f" (and {len(errors) - 6} more)" if len(errors) > 6 else ""
        reason += f" [{len(errors) - 1} further problem(s): {others}{more}]"
    return InputError(reason, source=source, location=location, field=field)


def parse_installation(data: Mapping[str, Any], *, source: str | None = None) -> Installation:
    """Validate an already-parsed installation document (e.g. from the template reader).

    Raises :class:`InputError` naming ``source``, the JSON path and the field.
    """
    if not isinstance(data, Mapping):
        raise InputError("an installation file must hold one JSON/YAML object", source=source)
    try:
        installation = Installation.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, source) from None
    installation._source = source
    check_installation(installation)
    return installation


#: The name the communication-template reader looks for (cbam.formats.template).
installation_from_dict = parse_installation


def load_installation(path: str | Path) -> Installation:
    """Read an installation file (JSON; YAML for ``.yaml``/``.yml`` when PyYAML is installed).

    Parameters
    ----------
    path : str or Path
        The installation file (shape and units: interfaces.md section 1; JSON Schema in
        ``schemas/installation.schema.json``).

    Returns
    -------
    Installation
        The validated installation; numbers are Decimals.

    Raises
    ------
    InputError
        Naming the file, the JSON path (``processes[1].precursors[0]``) and the field.

    Examples
    --------
    >>> plant = load_installation("samples/installations/cement.json")
    >>> plant.installation.name, [p.good for p in plant.processes]
    ('Example Cement Producer', ['cement'])
    >>> load_installation("samples/installations/missing.json")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: samples/installations/missing.json: cannot read the file: file not found
    """
    file = Path(path)
    source = str(file)
    check_regular(file)
    try:
        # utf-8-sig: Windows editors save JSON with a byte-order mark; it is not content.
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(
            f"cannot read the installation file: {exc.strerror}", source=source
        ) from None
    except UnicodeDecodeError:
        raise InputError("the installation file is not UTF-8 text", source=source) from None
    data: Any
    if file.suffix.lower() in (".yaml", ".yml"):
        data = load_yaml(text, source=source)
    else:
        data = load_json(text, source=source, what="JSON installation file")
    return parse_installation(data, source=source)


def check_installation(installation: Installation) -> None:
    """Cross-field checks of an installation; raises :class:`InputError` naming path and field.

    - process ids are unique; every source stream names an existing process;
    - a precursor is either made here (``from_process`` naming a process, no supplier data) or
      purchased (``good`` or ``cn`` given; ``see_indirect`` only together with ``see_direct``);
    - ``from_process`` references form no cycle (the cycle is named: ``P1 -> P2 -> P1``).
    """
    source = installation.source
    ids: dict[str, int] = {}
    for i, process in enumerate(installation.processes):
        if process.id in ids:
            raise InputError(
                f"process id {process.id!r} is used twice (also processes[{ids[process.id]}])",
                source=source,
                location=f"processes[{i}]",
                field="id",
            )
        ids[process.id] = i
    for i, stream in enumerate(installation.source_streams):
        if stream.process not in ids:
            raise InputError(
                f"source stream {stream.name!r} names process {stream.process!r}, which is not "
                f"among the processes ({', '.join(ids)})",
                source=source,
                location=f"source_streams[{i}]",
                field="process",
            )
    for i, process in enumerate(installation.processes):
        for j, pre in enumerate(process.precursors):
            _check_precursor(pre, ids, source, f"processes[{i}].precursors[{j}]")
    cycle = find_cycle(installation)
    if cycle:
        first = cycle[0]
        raise InputError(
            f"precursor cycle: {' -> '.join(cycle)}; a process cannot (indirectly) consume "
            "its own goods as a precursor (merge them into one production process instead)",
            source=source,
            location=f"processes[{ids[first]}]",
            field="precursors.from_process",
        )


def _check_precursor(
    pre: Precursor, ids: Mapping[str, int], source: str | None, where: str
) -> None:
    if pre.from_process is not None:
        if pre.from_process not in ids:
            raise InputError(
                f"from_process {pre.from_process!r} names no process of this installation "
                f"({', '.join(ids)})",
                source=source,
                location=where,
                field="from_process",
            )
        for key in ("see_direct", "see_indirect", "country", "cn"):
            if getattr(pre, key) is not None:
                raise InputError(
                    f"a precursor made in process {pre.from_process!r} takes its values from "
                    f"that process; '{key}' belongs to purchased precursors only",
                    source=source,
                    location=where,
                    field=key,
                )
        return
    if pre.good is None and pre.cn is None:
        raise InputError(
            "a purchased precursor needs 'good' (category or CN code) or 'cn'; "
            "one made here needs 'from_process'",
            source=source,
            location=where,
            field="good",
        )
    if pre.see_indirect is not None and pre.see_direct is None:
        raise InputError(
            "see_indirect is given without see_direct; give both actual values or neither",
            source=source,
            location=where,
            field="see_direct",
        )


def find_cycle(installation: Installation) -> list[str] | None:
    """The first ``from_process`` cycle found, as ``["P1", "P2", "P1"]``, or None."""
    edges: dict[str, list[str]] = {
        p.id: [pre.from_process for pre in p.precursors if pre.from_process is not None]
        for p in installation.processes
    }
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished

    def visit(start: str) -> list[str] | None:
        # Depth-first with an explicit stack: a chain of thousands of processes must not hit
        # Python's recursion limit (that would be an internal error, not a message).
        path: list[str] = [start]
        pending = [iter(edges.get(start, []))]
        state[start] = 1
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                pending.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                pending.append(iter(edges.get(nxt, [])))
        return None

    for process in installation.processes:
        if process.id not in state:
            found = visit(process.id)
            if found:
                # A precursor edge P -> Q means "P consumes Q"; print it in production order.
                return list(reversed(found))
    return None


def installation_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the installation file, generated from the models."""
    schema = Installation.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "CBAM installation file"
    schema["description"] = (
        "One installation, its source streams and production processes (cbam library, "
        "installation engine; IR 2025/2547 Annexes II and III)."
    )
    return schema
