"""The transitional quarterly report built from customs lines and supplier data.

One :class:`ImportedGood` per CN code and country of origin; inside it one
:class:`ImportedQuantity` per customs procedure and one :class:`GoodsEmissions` per installation
with actual values, or per production route on default values. The numbers are those of the
transitional methodology (IR 2023/1773): direct *and* indirect specific embedded emissions for
every good, no mark-up.

Values used (see docs/qreport.md "Which values"):

* actual: the supplier's SEE (direct, indirect) computed by the installation engine from the
  installation file or communication template (IR 2025/2547 Annex III, whose equations are those
  of IR 2023/1773 Annex III);
* otherwise the Commission's *transitional* default values would apply, but they are not in
  this library's data. With ``defaults="definitive"`` (the default) the definitive-period
  default value of IR 2025/2621 (country row, without mark-up) is written in their place, with
  DeterminationType "default" and a remark naming the dataset, sheet and row. With
  ``defaults="none"`` a good without supplier values is an error.

Numbers are summed exactly and rounded only when written (dec16-6 masses, dec16-7 SEE).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from cbam import goods
from cbam.declaration.declarant import DeclarantFile
from cbam.declaration.declarant import Party as DeclParty
from cbam.declaration.model import ImportLine, SupplierValue
from cbam.declaration.transitional import (
    EmissionsGroup,
    QuarterGood,
    TransitionalQuarter,
    aggregate_quarter,
)
from cbam.errors import InputError
from cbam.formats.qreport.codes import QReportCodes, check_code, load_codelists
from cbam.formats.qreport.model import (
    MAX_GOODS,
    Address,
    ApplicableMethodologyConfirmation,
    CarbonPriceDue,
    CommodityCode,
    CommodityDetails,
    Declarant,
    DeclarantAddress,
    DirectEmissions,
    GoodsEmissions,
    ImportArea,
    ImportedGood,
    ImportedQuantity,
    Importer,
    IndirectEmissions,
    Installation,
    InstallationOperator,
    Measure,
    MeasureProcedure,
    OriginCountry,
    Procedure,
    ProdMethodQualifyingParams,
    QReport,
    QualifyingParameter,
    Remarks,
    RemarksEmissions,
    ReportConfirmation,
    Representative,
    Signatures,
    SupportingDocument,
    digits,
)
from cbam.rules import Sector

ZERO = Decimal(0)
_T = TypeVar("_T")
FIRST_PERIOD = (2023, 4)
LAST_PERIOD = (2025, 4)
_PERIOD = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)

#: Production method (ProductionMethod list) of categories with a single method, used when a
#: qualifying parameter is reported.
METHOD_OF_CATEGORY = {
    "Calcined clay": "P01",
    "Cement clinker": "P02",
    "Cement": "P03",
    "Aluminous cement": "P04",
    "Sintered ore": "P05",
    "Nitric acid": "P17",
    "Urea": "P23",
    "Mixed fertilisers": "P22",
}


def parse_period(period: str) -> tuple[int, int]:
    """``"2025Q4"`` -> (2025, 4); only quarters of the transitional period (2023Q4-2025Q4)."""
    found = _PERIOD.match(period)
    if not found:
        raise InputError(f"{period!r} is not a quarter such as 2025Q4", field="period")
    year, quarter = int(found.group(1)), int(found.group(2))
    if not FIRST_PERIOD <= (year, quarter) <= LAST_PERIOD:
        raise InputError(
            f"{period} is outside the transitional period (2023Q4 to 2025Q4) for which quarterly "
            "reports were filed (Reg. (EU) 2023/956 Art. 35, IR 2023/1773); from 2026 the "
            "annual declaration applies",
            field="period",
        )
    return year, quarter


def fit(value: Decimal, total: int, fraction: int, what: str) -> Decimal:
    """``value`` rounded half-up to ``fraction`` decimals for a dec{total}-{fraction} element
    (unchanged when it has no more decimals than that).

    Rounding happens here, on output only (IR 2025/2547 Annex II A.1(8): SEE keep all
    significant digits the element allows). Too large a value is an error, not a truncation.
    """
    rounded = value
    if digits(value)[1] > fraction:
        rounded = value.quantize(Decimal(1).scaleb(-fraction), rounding=ROUND_HALF_UP)
    if digits(rounded)[0] > total:
        raise InputError(
            f"{value} is too large for the report (at most {total} digits, {fraction} of them "
            "after the point)",
            field=what,
        )
    return rounded


def _clip(text: str, limit: int = 512) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- parties ---------------------------------------------------------------------------------


def _address(party: DeclParty) -> Address:
    a = party.address
    return Address(
        country=a.country,
        sub_division=a.subdivision,
        city=a.city,
        street=a.street,
        street_additional_line=a.street_additional,
        number=a.number or None,
        postcode=a.postcode or None,
        po_box=a.po_box,
    )


def _header_parts(declarant: DeclarantFile) -> dict[str, object]:
    d = declarant.declarant
    a = d.address
    parts: dict[str, object] = {
        "declarant": Declarant(
            identification_number=d.identification_number,
            name=d.name,
            role=d.role,
            actor_address=DeclarantAddress(
                sub_division=a.subdivision,
                city=a.city,
                street=a.street,
                street_additional_line=a.street_additional,
                number=a.number or None,
                postcode=a.postcode or None,
                po_box=a.po_box,
            ),
        ),
        "signatures": Signatures(
            report_confirmation=ReportConfirmation(
                global_data_confirmation=declarant.signature.global_data_confirmation,
                use_of_data_confirmation=declarant.signature.use_of_data_confirmation,
                signature_place=declarant.signature.place,
                signature=declarant.signature.name,
                position_of_person_sending=declarant.signature.position,
            ),
            applicable_methodology_confirmation=None
            if declarant.signature.other_applicable_methodology is None
            else ApplicableMethodologyConfirmation(
                other_applicable_reporting_methodology=(
                    declarant.signature.other_applicable_methodology
                )
            ),
        ),
    }
    if declarant.representative is not None:
        r = declarant.representative
        parts["representative"] = Representative(
            identification_number=r.identification_number,
            name=r.name,
            representative_address=_address(r),
        )
    if declarant.importer is not None:
        i = declarant.importer
        parts["importer"] = Importer(
            identification_number=i.identification_number,
            name=i.name,
            importer_address=_address(i),
        )
    if declarant.remarks and declarant.remarks.strip():
        parts["remarks"] = Remarks(additional_information=declarant.remarks)
    return parts


# --- the result ------------------------------------------------------------------------------


class QReportBuild(BaseModel):
    """A built report with what the reader of it should know."""

    model_config = ConfigDict(frozen=True)

    report: QReport
    lines: int
    goods_actual: int
    """GoodsEmissions on the suppliers' actual values."""
    goods_default: int
    """GoodsEmissions on default values (definitive-period values standing in for the
    transitional ones; see the module docstring)."""
    notes: tuple[str, ...]


def _measure(mass: Decimal, units: Decimal | None, unit: str, what: str) -> Measure:
    return Measure(
        net_mass=fit(mass, 16, 6, what),
        supplementary_units=None if not units else fit(units, 16, 6, what),
        measurement_unit=unit,
    )


def _qualifying(
    emissions: EmissionsGroup, category: str, codes: QReportCodes
) -> tuple[ProdMethodQualifyingParams | None, list[str]]:
    """Clinker / nitrogen content (mass-weighted over the lines) as qualifying parameters."""
    params: list[tuple[str, Decimal, str]] = []
    clinker = emissions.clinker_share
    if clinker is not None:
        params.append((codes.clinker_parameter, clinker, "clinker content"))
    nitrogen = emissions.nitrogen_share
    if nitrogen is not None:
        params.append((codes.nitrogen_parameter, nitrogen, "nitrogen content"))
    if not params:
        return None, []
    texts = [
        f"{label} {fit(value, 16, 6, label).normalize():f} (share 0-1, mass-weighted over the "
        "customs lines)"
        for _code, value, label in params
    ]
    method = METHOD_OF_CATEGORY.get(category)
    if method is None:
        return None, texts  # no single production method: the values go to the remarks
    return (
        ProdMethodQualifyingParams(
            sequence_number=1,
            method_id=method,
            direct_qualifying_parameters=[
                QualifyingParameter(
                    sequence_number=n,
                    parameter_id=code,
                    parameter_value=f"{fit(value, 16, 6, label).normalize():f}",
                    additional_information=_clip(text),
                )
                for n, ((code, value, label), text) in enumerate(
                    zip(params, texts, strict=True), start=1
                )
            ],
        ),
        [],
    )


def _goods_emissions(
    number: int,
    good: QuarterGood,
    emissions: EmissionsGroup,
    codes: QReportCodes,
    installations: Mapping[str, Installation],
    operators: Mapping[str, InstallationOperator],
    documents: Mapping[str, Sequence[SupportingDocument]],
    carbon_prices: Mapping[str, Sequence[CarbonPriceDue]],
) -> GoodsEmissions:
    """One GoodsEmissions element (IR 2023/1773 Annex I section 2: SEE per installation)."""
    item = goods.good(good.cn)
    electricity = item.sector is Sector.ELECTRICITY
    unit = codes.unit_mwh if electricity else codes.unit_tonnes
    actual = emissions.supplier is not None
    determination = codes.determination_actual if actual else codes.determination_default
    remarks: list[str] = []
    if emissions.supplier is not None:
        sv = emissions.supplier
        direct: Decimal = sv.see_direct
        indirect: Decimal | None = sv.see_indirect
        remarks.append(
            f"Actual values communicated for installation {sv.installation_id}"
            + (f" ({sv.installation_name})" if sv.installation_name else "")
            + f", source {sv.source}"
            + (f", process {sv.process_id}" if sv.process_id else "")
            + "; SEE per IR 2023/1773 Annex III (= IR 2025/2547 Annex III equations)"
        )
    else:
        dv = emissions.default
        assert dv is not None
        direct = dv.direct if dv.direct is not None else dv.total
        indirect = dv.indirect
        remarks.append(
            "Default value of IR 2025/2621 (definitive period, without mark-up) from "
            f"{dv.dataset.label}, {dv.location}, used in place of the Commission's transitional "
            "default value, which this software does not hold"
        )
        if dv.fallback:
            remarks.append(dv.fallback)
        if emissions.reason and emissions.installation_id:
            remarks.append(emissions.reason)
        if indirect is None and not electricity:
            remarks.append(
                "no indirect default value: the definitive tables give none for this "
                "Reg. (EU) 2023/956 Annex II good"
            )
    params, param_texts = _qualifying(emissions, item.category.name, codes)
    remarks.extend(param_texts)
    if emissions.deduction:
        remarks.append(
            f"carbon price deduction claimed on the customs lines: {emissions.deduction:f} t CO2e"
        )
    see_direct = fit(direct, 16, 7, "SpecificEmbeddedEmissions")
    if electricity:
        direct_element = DirectEmissions(
            determination_type_electricity=determination,
            applicable_reporting_type_methodology=codes.reporting_methodology,
            specific_embedded_emissions=see_direct,
            emission_factor=see_direct,
            electricity_imported=fit(emissions.mass, 16, 6, "ElectricityImported"),
            total_embedded_electricity_imported=fit(
                emissions.mass * direct, 16, 7, "TotalEmbeddedElectricityImported"
            ),
            measurement_unit=unit,
        )
    else:
        direct_element = DirectEmissions(
            determination_type=determination,
            applicable_reporting_type_methodology=codes.reporting_methodology,
            specific_embedded_emissions=see_direct,
            measurement_unit=unit,
        )
    indirect_element = None
    if indirect is not None and not electricity:
        indirect_element = IndirectEmissions(
            determination_type=determination,
            specific_embedded_emissions=fit(indirect, 16, 7, "SpecificEmbeddedEmissions"),
            measurement_unit=unit,
            electricity_source=codes.electricity_source,
        )
    key = emissions.installation_id or ""
    return GoodsEmissions(
        sequence_number=number,
        production_country=good.country,
        installation_operator=operators.get(key),
        installation=installations.get(key),
        produced_measure=_measure(emissions.mass, emissions.units, unit, "ProducedMeasure"),
        direct_emissions=direct_element,
        indirect_emissions=indirect_element,
        prod_method_qualifying_params=params,
        supporting_documents=list(documents.get(key, ()))[:99],
        carbon_price_due=list(carbon_prices.get(key, ()))[:99],
        remarks_emissions=[
            RemarksEmissions(sequence_number=n, additional_information=_clip(text))
            for n, text in enumerate(remarks[:9], start=1)
        ],
    )


def _chunks(items: Sequence[_T], size: int) -> list[Sequence[_T]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [items]


def _imported_good(
    number: int,
    good: QuarterGood,
    procedures: Sequence[tuple[tuple[str, str | None], Decimal]],
    groups: Sequence[EmissionsGroup],
    codes: QReportCodes,
    parties: tuple[
        Mapping[str, Installation],
        Mapping[str, InstallationOperator],
        Mapping[str, Sequence[SupportingDocument]],
        Mapping[str, Sequence[CarbonPriceDue]],
    ],
    all_procedures: bool,
) -> ImportedGood:
    """One ImportedGood element: the good, its quantities per procedure, its emissions."""
    item = goods.good(good.cn)
    unit = codes.unit_mwh if item.sector is Sector.ELECTRICITY else codes.unit_tonnes
    return ImportedGood(
        item_number=number,
        commodity_code=CommodityCode(
            hs_code=good.cn[:6],
            cn_code=good.cn,
            commodity_details=CommodityDetails(description=_clip(item.description)),
        ),
        origin_country=OriginCountry(country=good.country),
        imported_quantity=[
            ImportedQuantity(
                sequence_number=n,
                procedure=Procedure(requested_proc=req, previous_proc=prev),
                import_area=ImportArea(import_area=codes.import_area),
                measure_procedure_imported=[
                    MeasureProcedure(
                        indicator=codes.quantity_indicator,
                        net_mass=fit(mass, 16, 6, "NetMass"),
                        measurement_unit=unit,
                    )
                ],
            )
            for n, ((req, prev), mass) in enumerate(procedures, start=1)
        ],
        measure_imported=_measure(
            sum((mass for _k, mass in procedures), ZERO),
            good.units if all_procedures else None,
            unit,
            "MeasureImported",
        ),
        goods_emissions=[
            _goods_emissions(n, good, em, codes, *parties) for n, em in enumerate(groups, start=1)
        ],
    )


def _imported_goods(
    built: TransitionalQuarter,
    codes: QReportCodes,
    installations: Mapping[str, Installation],
    operators: Mapping[str, InstallationOperator],
    documents: Mapping[str, Sequence[SupportingDocument]],
    carbon_prices: Mapping[str, Sequence[CarbonPriceDue]],
    source: str | None,
) -> tuple[list[ImportedGood], int, int]:
    """The ImportedGood elements, and the emissions groups on actual and on default values."""
    parties = (installations, operators, documents, carbon_prices)
    imported: list[ImportedGood] = []
    actual = default = 0
    for good in built.goods.values():
        procedures = list(good.procedures.items())
        groups = list(good.emissions.values())
        actual += sum(1 for g in groups if g.supplier is not None)
        default += sum(1 for g in groups if g.supplier is None)
        # The schema allows 9 procedures and 999 emissions per good: split beyond that.
        for proc_part in _chunks(procedures, 9):
            for em_part in _chunks(groups, 999):
                imported.append(
                    _imported_good(
                        len(imported) + 1,
                        good,
                        proc_part,
                        em_part,
                        codes,
                        parties,
                        len(procedures) <= 9,
                    )
                )
                if len(imported) > MAX_GOODS:
                    raise InputError(
                        f"more than {MAX_GOODS} imported goods: the registry takes at most "
                        f"{MAX_GOODS} per report",
                        source=source,
                    )
    return imported, actual, default


def build_qreport(
    lines: Iterable[ImportLine],
    period: str,
    declarant: DeclarantFile,
    suppliers: Iterable[SupplierValue] | str | os.PathLike[str] | None = None,
    *,
    defaults: Literal["definitive", "none"] = "definitive",
    installations: Mapping[str, Installation] | None = None,
    operators: Mapping[str, InstallationOperator] | None = None,
    documents: Mapping[str, Sequence[SupportingDocument]] | None = None,
    carbon_prices: Mapping[str, Sequence[CarbonPriceDue]] | None = None,
    codes: QReportCodes | None = None,
    codelists: str | os.PathLike[str] | None = None,
    submission_date: dt.datetime | None = None,
    report_id: str | None = None,
    source: str | None = None,
) -> QReportBuild:
    """The QReport v23.00 of one transitional quarter from customs lines and supplier data.

    Embedded emissions per good and installation follow IR 2023/1773 Art. 3-4 and Annex III (SEE
    direct and indirect in t CO2e per t, no mark-up); qualifying parameters are mass-weighted.

    Parameters
    ----------
    lines : iterable of ImportLine
        Customs lines (:func:`cbam.read_imports`), all of the quarter ``period``; masses in t
        (MWh for electricity).
    period : str
        The quarter, ``"2025Q4"`` (2023Q4 to 2025Q4).
    declarant : DeclarantFile
        The declarant file (declarant, representative, importer, signature).
    suppliers : iterable of SupplierValue, or str or PathLike, optional
        Supplier values, or a folder of supplier files (:func:`cbam.load_suppliers`).
    defaults : {"definitive", "none"}
        ``"definitive"`` writes IR 2025/2621 default values, flagged, for goods without supplier
        values; ``"none"`` makes such a good an error.
    installations, operators, documents, carbon_prices : mapping, optional
        Per installation id, the Installation, InstallationOperator, SupportingDocuments and
        CarbonPriceDue elements of its GoodsEmissions (the supplier files do not hold addresses or
        prices paid).
    codes : QReportCodes, optional
        The codes written.
    codelists : str or PathLike, optional
        A folder of official code lists to check the codes against (default: the packaged
        unofficial lists).
    submission_date : datetime, optional
        The report's submission date and time.
    report_id : str, optional
        The report's identifier.
    source : str, optional
        The name of the customs file, for error messages.

    Returns
    -------
    QReportBuild
        The report (``report``), the number of lines, the goods on actual and on default values,
        and notes for its reader.

    Raises
    ------
    InputError
        A period outside 2023Q4-2025Q4, a line outside the quarter or from the EU or an exempt
        country, a good without values when ``defaults="none"``, no lines, or more goods than the
        registry accepts (file, row and field named). Codes the code lists do not know are
        noted, not refused.
    Examples
    --------
    >>> from decimal import Decimal
    >>> import cbam
    >>> line = cbam.ImportLine(row=2, cn="72081000", country="TR", net_mass=Decimal("12.5"),
    ...                        year=2025, quarter=4, procedure="4000")
    >>> built = cbam.build_qreport([line], "2025Q4", cbam.load_declarant("samples/declarant.json"))
    >>> built.lines, built.goods_default, built.report.imported_good[0].commodity_code.cn_code
    (1, 1, '72081000')
    """
    year, quarter = parse_period(period)
    codes = codes or QReportCodes()
    if suppliers is None:
        values: list[SupplierValue] = []
    elif isinstance(suppliers, str | os.PathLike):
        from cbam.formats.installation_files import load_suppliers

        values = load_suppliers(Path(suppliers), year)
    else:
        values = list(suppliers)
    built = aggregate_quarter(
        lines,
        year,
        quarter,
        values,
        defaults=defaults,
        default_procedure=codes.default_procedure,
        source=source,
    )
    if not built.goods:
        raise InputError(
            f"no customs lines for {year}Q{quarter}: a report needs at least one good",
            source=source,
        )
    notes: dict[str, None] = {}
    if built.lines_without_procedure:
        notes[
            f"{built.lines_without_procedure} customs line(s) give no customs procedure: "
            f"{codes.default_procedure} (release for free circulation) is written"
        ] = None
    imported, actual, default = _imported_goods(
        built,
        codes,
        installations or {},
        operators or {},
        documents or {},
        carbon_prices or {},
        source,
    )
    header = _header_parts(declarant)
    report = QReport.model_validate(
        {
            "submission_date": submission_date,
            "report_id": report_id,
            "reporting_period": f"Q{quarter}",
            "year": year,
            **header,
            "imported_good": imported,
        }
    )
    _check_codes(report, imported, load_codelists(codelists), notes)
    if default and (year, quarter) >= (2024, 3):
        notes[
            f"{default} good/installation pair(s) on default values: from the report for "
            "2024Q3, IR 2023/1773 Art. 4-5 limit estimates (default values included) to 20 % "
            "of the embedded emissions of complex goods; the registry may refuse them"
        ] = None
    return QReportBuild(
        report=report,
        lines=built.lines,
        goods_actual=actual,
        goods_default=default,
        notes=tuple(notes),
    )


def _check_codes(
    report: QReport,
    imported: Sequence[ImportedGood],
    lists: dict[str, dict[str, str]],
    notes: dict[str, None],
) -> None:
    """Note every code the (unofficial) lists do not know; one note per element and code."""
    seen: set[tuple[str, str]] = set()

    def note(element: str, code: str) -> None:
        if (element, code) in seen:
            return
        seen.add((element, code))
        text = check_code(element, code, lists)
        if text:
            notes[text] = None

    note("ReportingPeriod", report.reporting_period)
    note("Role", report.declarant.role)
    for good in imported:
        for quantity in good.imported_quantity:
            note("RequestedProc", quantity.procedure.requested_proc)
            note("ImportArea", quantity.import_area.import_area)
        for em in good.goods_emissions:
            note(
                "ApplicableReportingTypeMethodology",
                em.direct_emissions.applicable_reporting_type_methodology,
            )
            if em.indirect_emissions is not None:
                note("ElectricitySource", em.indirect_emissions.electricity_source)
            if em.prod_method_qualifying_params is not None:
                note("MethodId", em.prod_method_qualifying_params.method_id)
