"""Pydantic models of the CBAM quarterly report, QReport schema version 23.00.

One model per complex type of ``QReport_ver23.00.xsd``. The *order of the fields is the order of
the XML elements* in the schema's sequences, and each field's alias is the element's name, so the
writer and the reader walk the models generically. Leaf fields carry the schema's formats
(``stypes_ver23.00.xsd``):

* ``an..N`` - 1 to N characters (no empty element, not whitespace only); ``anN`` / ``aN`` -
  exactly N characters;
* ``n..5`` - 1 to 5 digits; ``n1``/``n4``/``n8`` - an integer of at most that many digits;
* ``decT-F`` - a decimal of at most T digits of which at most F after the point (counted on
  the written form, so that both counting conventions of XML Schema validators agree);
* dates ``YYYY-MM-DD``; date-times in UTC written ``YYYY-MM-DDThh:mm:ssZ``.

Cardinalities (``maxOccurs``) are list lengths. The models check formats only; code lists (which
the schema does not enumerate) are checked by :mod:`cbam.formats.qreport.codes`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

NAMESPACE = "http://xmlns.ec.eu/BusinessObjects/CBAM/Types/V1"
SCHEMA_VERSION = "23.00"

# Characters XML 1.0 allows in text (section 2.2); anything else cannot be written at all.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# --- leaf formats ----------------------------------------------------------------------------


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or blank (the schema forbids empty elements)")
    bad = _NOT_XML.search(value)
    if bad:
        raise ValueError(f"contains the character U+{ord(bad.group()):04X}, which XML forbids")
    return value


An2 = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_text)]
An4 = Annotated[str, Field(min_length=4, max_length=4), AfterValidator(_text)]
An6 = Annotated[str, Field(min_length=6, max_length=6), AfterValidator(_text)]
An8 = Annotated[str, Field(min_length=8, max_length=8), AfterValidator(_text)]
A2 = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_text)]
A3 = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(_text)]
AnTo5 = Annotated[str, Field(min_length=1, max_length=5), AfterValidator(_text)]
AnTo8 = Annotated[str, Field(min_length=1, max_length=8), AfterValidator(_text)]
AnTo15 = Annotated[str, Field(min_length=1, max_length=15), AfterValidator(_text)]
AnTo17 = Annotated[str, Field(min_length=1, max_length=17), AfterValidator(_text)]
AnTo20 = Annotated[str, Field(min_length=1, max_length=20), AfterValidator(_text)]
AnTo22 = Annotated[str, Field(min_length=1, max_length=22), AfterValidator(_text)]
AnTo25 = Annotated[str, Field(min_length=1, max_length=25), AfterValidator(_text)]
AnTo35 = Annotated[str, Field(min_length=1, max_length=35), AfterValidator(_text)]
AnTo70 = Annotated[str, Field(min_length=1, max_length=70), AfterValidator(_text)]
AnTo71 = Annotated[str, Field(min_length=1, max_length=71), AfterValidator(_text)]
AnTo128 = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_text)]
AnTo256 = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_text)]
AnTo512 = Annotated[str, Field(min_length=1, max_length=512), AfterValidator(_text)]
AnTo2048 = Annotated[str, Field(min_length=1, max_length=2048), AfterValidator(_text)]
AnTo4000 = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_text)]
AnTo5000 = Annotated[str, Field(min_length=1, max_length=5000), AfterValidator(_text)]

N1 = Annotated[int, Field(ge=0, le=9)]
N4 = Annotated[int, Field(ge=0, le=9999)]
N8 = Annotated[int, Field(ge=0, le=99_999_999)]
NTo5 = Annotated[int, Field(ge=0, le=99_999)]


def decimal_text(value: Decimal) -> str:
    """The written form of a schema decimal: positional, every digit kept (``1.50`` stays)."""
    return format(value, "f")


def digits(value: Decimal) -> tuple[int, int]:
    """(total digits, fraction digits) of ``value`` as :func:`decimal_text` writes it.

    Leading zeros of the integer part do not count; trailing zeros of the fraction do (the
    stricter reading), so a value that passes here passes every validator.
    """
    text = decimal_text(value).lstrip("-")
    whole, _, fraction = text.partition(".")
    whole = whole.lstrip("0")
    return len(whole) + len(fraction), len(fraction)


def _no_float(value: object) -> object:
    if isinstance(value, float):
        raise ValueError("give a Decimal or a numeric string, not a float (binary rounding)")
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    return value


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    return value


def _dec(total: int, fraction: int) -> Any:
    def check(value: Decimal) -> Decimal:
        _finite(value)
        have_total, have_fraction = digits(value)
        if have_fraction > fraction or have_total > total:
            raise ValueError(
                f"{decimal_text(value)} does not fit dec{total}-{fraction} "
                f"(at most {total} digits, {fraction} after the point): round it first"
            )
        return value

    return check


Dec16_7 = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_dec(16, 7))]
Dec16_6 = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_dec(16, 6))]
Dec16_5 = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_dec(16, 5))]
Dec5_5 = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_dec(10, 5))]
XsDecimal = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(_finite)]


def _utc_seconds(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("a date-time needs a time zone (the report is in UTC)")
    return value.astimezone(dt.UTC).replace(microsecond=0)


UtcDateTime = Annotated[dt.datetime, AfterValidator(_utc_seconds)]


# --- element names ---------------------------------------------------------------------------

_SPECIAL = {
    "po_box": "POBox",
    "uri": "URI",
    "mime": "MIME",
    "unlocode": "UNLOCODE",
    "cn": "CN",
}


def element_name(field: str) -> str:
    """The XML element of a model field: ``street_additional_line`` -> ``StreetAdditionalLine``."""
    return _SPECIAL.get(field) or "".join(part.capitalize() for part in field.split("_"))


class QModel(BaseModel):
    """Base of the report models: field order = element order, alias = element name."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        alias_generator=element_name,
    )


def _list(maximum: int, minimum: int = 0) -> Any:
    return Field(min_length=minimum, max_length=maximum)


# --- parties ---------------------------------------------------------------------------------


class Address(QModel):
    """``AddressType`` (importer, representative, operator)."""

    country: A2
    sub_division: AnTo35 | None = None
    city: AnTo35
    street: AnTo70 | None = None
    street_additional_line: AnTo70 | None = None
    number: AnTo35 | None = None
    postcode: AnTo17 | None = None
    po_box: AnTo70 | None = None


class DeclarantAddress(QModel):
    """``DeclarantAddressType``: like an address, but v23.00 has no country element here."""

    sub_division: AnTo35 | None = None
    city: AnTo35
    street: AnTo70 | None = None
    street_additional_line: AnTo70 | None = None
    number: AnTo35 | None = None
    postcode: AnTo17 | None = None
    po_box: AnTo70 | None = None


class Declarant(QModel):
    identification_number: AnTo17
    name: AnTo70
    role: AnTo5
    actor_address: DeclarantAddress


class Importer(QModel):
    identification_number: AnTo17
    name: AnTo70
    importer_address: Address


class Representative(QModel):
    identification_number: AnTo17
    name: AnTo70
    representative_address: Address


class ReportConfirmation(QModel):
    global_data_confirmation: bool
    use_of_data_confirmation: bool
    signature_place: AnTo128
    signature: AnTo128
    position_of_person_sending: AnTo128


class ApplicableMethodologyConfirmation(QModel):
    other_applicable_reporting_methodology: bool


class Signatures(QModel):
    report_confirmation: ReportConfirmation
    applicable_methodology_confirmation: ApplicableMethodologyConfirmation | None = None


class Remarks(QModel):
    additional_information: AnTo512


# --- goods -----------------------------------------------------------------------------------


class CommodityDetails(QModel):
    description: AnTo512 | None = None


class CommodityCode(QModel):
    hs_code: An6
    cn_code: An8
    commodity_details: CommodityDetails


class OriginCountry(QModel):
    country: A2


class InwardProcessingInfo(QModel):
    member_state_auth: A2
    discharge_bill_waiver: N1
    authorisation: AnTo512
    start_time: N8
    end_time: N8
    deadline: N8


class Procedure(QModel):
    requested_proc: An2
    previous_proc: An2 | None = None
    inward_processing_info: Annotated[list[InwardProcessingInfo], _list(999)] = []


class ImportArea(QModel):
    import_area: AnTo5


class Measure(QModel):
    """``MeasureType``: net mass and/or supplementary units, with the unit code."""

    net_mass: Dec16_6 | None = None
    supplementary_units: Dec16_6 | None = None
    measurement_unit: AnTo5


class MeasureProcedure(QModel):
    indicator: N1
    net_mass: Dec16_6 | None = None
    supplementary_units: Dec16_6 | None = None
    measurement_unit: AnTo5


class SpecialReferences(QModel):
    additional_information: AnTo512


class ImportedQuantity(QModel):
    sequence_number: NTo5
    procedure: Procedure
    import_area: ImportArea
    measure_procedure_imported: Annotated[list[MeasureProcedure], _list(2, 1)]
    special_references: SpecialReferences | None = None


class Attachment(QModel):
    filename: AnTo256
    uri: AnTo2048 | None = None
    mime: AnTo71
    binary: bytes | None = None


class SupportingDocument(QModel):
    """``SupportingDocumentsType`` (one document; the element repeats up to 99 times)."""

    sequence_number: NTo5
    type: An4
    country: A2 | None = None
    reference_number: AnTo70 | None = None
    line_item_number: NTo5 | None = None
    issuing_auth_name: AnTo70 | None = None
    validity_start_date: dt.date | None = None
    validity_end_date: dt.date | None = None
    description: AnTo256 | None = None
    attachment: Attachment | None = None


class QualifyingParameter(QModel):
    sequence_number: NTo5
    parameter_id: AnTo5
    parameter_value: AnTo256
    additional_information: AnTo512 | None = None


class InstallationAddress(QModel):
    establishment_country: A2
    sub_division: AnTo35 | None = None
    city: AnTo35
    street: AnTo70 | None = None
    street_additional_line: AnTo70 | None = None
    number: AnTo35 | None = None
    postcode: AnTo17 | None = None
    po_box: AnTo70 | None = None
    plot_parcel_number: AnTo15 | None = None
    unlocode: AnTo17 | None = None
    latitude: AnTo17 | None = None
    longitude: AnTo17 | None = None
    coordinates_type: AnTo5 | None = None


class Installation(QModel):
    installation_id: AnTo20
    installation_name: AnTo256
    economic_activity: AnTo256 | None = None
    address: InstallationAddress


class ContactDetails(QModel):
    name: AnTo70
    phone: AnTo35
    email: AnTo256


class InstallationOperator(QModel):
    operator_id: AnTo25
    operator_name: AnTo70
    operator_address: Address
    contact_details: Annotated[list[ContactDetails], _list(9, 1)]


class ProdMethodQualifyingParams(QModel):
    sequence_number: NTo5
    method_id: AnTo5
    steel_mill_number: AnTo256 | None = None
    additional_information: AnTo512 | None = None
    direct_qualifying_parameters: Annotated[list[QualifyingParameter], _list(99)] = []
    indirect_qualifying_parameters: Annotated[list[QualifyingParameter], _list(99)] = []


class DirectEmissions(QModel):
    determination_type: AnTo5 | None = None
    determination_type_electricity: AnTo5 | None = None
    applicable_reporting_type_methodology: AnTo5
    applicable_reporting_methodology: AnTo4000 | None = None
    specific_embedded_emissions: Dec16_7 | None = None
    other_source_indication: AnTo4000 | None = None
    emission_factor_source_electricity: AnTo5 | None = None
    emission_factor: Dec16_7 | None = None
    electricity_imported: XsDecimal | None = None
    total_embedded_electricity_imported: Dec16_7 | None = None
    measurement_unit: AnTo5
    emission_factor_source_value: AnTo5000 | None = None
    conditionality_fulfillment: AnTo5000 | None = None


class IndirectEmissions(QModel):
    determination_type: AnTo5
    emission_factor_source: AnTo5 | None = None
    emission_factor: Dec16_5 | None = None
    specific_embedded_emissions: Dec16_7
    measurement_unit: AnTo5
    electricity_consumed: Dec5_5 | None = None
    electricity_source: AnTo5
    other_source_indication: AnTo4000 | None = None
    emission_factor_source_value: AnTo512 | None = None


class ProductsCovered(QModel):
    sequence_number: NTo5
    type: AnTo5
    cn: AnTo8 | None = None
    quantity_covered: Dec16_5
    quantity_covered_free_aloc: Dec16_5
    supplementary_information: AnTo256 | None = None
    additional_information: AnTo512 | None = None
    measure: Measure


class CarbonPriceDue(QModel):
    sequence_number: NTo5
    instrument_type: AnTo5
    legal_act_description: AnTo512
    amount: XsDecimal
    currency: A3
    country: A2
    products_covered: Annotated[list[ProductsCovered], _list(9)] = []


class RemarksEmissions(QModel):
    sequence_number: NTo5
    additional_information: AnTo512


class GoodsEmissions(QModel):
    """Emissions of one good from one installation (or on default values)."""

    sequence_number: NTo5
    production_country: A2 | None = None
    installation_operator: InstallationOperator | None = None
    installation: Installation | None = None
    produced_measure: Measure
    direct_emissions: DirectEmissions
    indirect_emissions: IndirectEmissions | None = None
    prod_method_qualifying_params: ProdMethodQualifyingParams | None = None
    supporting_documents: Annotated[list[SupportingDocument], _list(99)] = []
    carbon_price_due: Annotated[list[CarbonPriceDue], _list(99)] = []
    remarks_emissions: Annotated[list[RemarksEmissions], _list(9)] = []


class ImportedGood(QModel):
    item_number: NTo5
    representative: Representative | None = None
    importer: Importer | None = None
    commodity_code: CommodityCode | None = None
    origin_country: OriginCountry
    imported_quantity: Annotated[list[ImportedQuantity], _list(9, 1)]
    measure_imported: Measure
    supporting_documents: Annotated[list[SupportingDocument], _list(99)] = []
    remarks: Remarks | None = None
    goods_emissions: Annotated[list[GoodsEmissions], _list(999, 1)]


# --- the report ------------------------------------------------------------------------------

MAX_GOODS = 99_999


class QReportHeader(QModel):
    """Everything of ``QReportType`` before the imported goods (written first, then streamed)."""

    submission_date: UtcDateTime | None = None
    report_id: AnTo22 | None = None
    reporting_period: An2
    year: N4
    declarant: Declarant
    representative: Representative | None = None
    importer: Importer | None = None
    signatures: Signatures
    remarks: Remarks | None = None


class QReport(QReportHeader):
    """A whole quarterly report held in memory (``imported_good`` is the last element)."""

    imported_good: Annotated[list[ImportedGood], _list(MAX_GOODS, 1)]

    @property
    def header(self) -> QReportHeader:
        """The report without its goods."""
        data = {name: getattr(self, name) for name in QReportHeader.model_fields}
        return QReportHeader.model_construct(**data)  # already validated as part of self
