"""Shared helpers of the QReport tests: sample lines relabelled to 2025, a minimal report, and
the independent validator (xmlschema)."""

from __future__ import annotations

import csv
import shutil
import tempfile
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from cbam.formats.imports import ImportLine, parse_line
from cbam.formats.qreport.model import (
    CommodityCode,
    CommodityDetails,
    Declarant,
    DeclarantAddress,
    DirectEmissions,
    GoodsEmissions,
    ImportArea,
    ImportedGood,
    ImportedQuantity,
    Measure,
    MeasureProcedure,
    OriginCountry,
    Procedure,
    QReport,
    QReportHeader,
    ReportConfirmation,
    Signatures,
)
from cbam.formats.qreport.validate import SCHEMA_DIR

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


def sample_lines(date: str = "2025-11-15") -> list[ImportLine]:
    """The 300 sample customs lines of 2026, relabelled to one day of 2025Q4."""
    lines = []
    with (SAMPLES / "imports-2026.csv").open(encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            row["import_date"] = date
            lines.append(parse_line(row, number, None))
    return lines


def header(**changes: Any) -> QReportHeader:
    data: dict[str, Any] = {
        "reporting_period": "Q4",
        "year": 2025,
        "declarant": Declarant(
            identification_number="DE123456789",
            name="Muster GmbH",
            role="1",
            actor_address=DeclarantAddress(city="Köln"),
        ),
        "signatures": Signatures(
            report_confirmation=ReportConfirmation(
                global_data_confirmation=True,
                use_of_data_confirmation=True,
                signature_place="Köln",
                signature="Anna Becker",
                position_of_person_sending="Customs manager",
            )
        ),
    }
    data.update(changes)
    return QReportHeader.model_validate(data)


def good(number: int = 1, mass: str = "12.5", see: str = "0.81") -> ImportedGood:
    return ImportedGood(
        item_number=number,
        commodity_code=CommodityCode(
            hs_code="252329",
            cn_code="25232900",
            commodity_details=CommodityDetails(description="Grey Portland cement"),
        ),
        origin_country=OriginCountry(country="EG"),
        imported_quantity=[
            ImportedQuantity(
                sequence_number=1,
                procedure=Procedure(requested_proc="40", previous_proc="00"),
                import_area=ImportArea(import_area="EU"),
                measure_procedure_imported=[
                    MeasureProcedure(indicator=0, net_mass=Decimal(mass), measurement_unit="01")
                ],
            )
        ],
        measure_imported=Measure(net_mass=Decimal(mass), measurement_unit="01"),
        goods_emissions=[
            GoodsEmissions(
                sequence_number=1,
                production_country="EG",
                produced_measure=Measure(net_mass=Decimal(mass), measurement_unit="01"),
                direct_emissions=DirectEmissions(
                    determination_type="01",
                    applicable_reporting_type_methodology="TOM01",
                    specific_embedded_emissions=Decimal(see),
                    measurement_unit="01",
                ),
            )
        ],
    )


def report(goods: int = 1) -> QReport:
    data = {name: getattr(header(), name) for name in QReportHeader.model_fields}
    return QReport.model_validate({**data, "imported_good": [good(n) for n in range(1, goods + 1)]})


@cache
def _xmlschema_folder() -> Path:
    """The official XSD with its include resolved by name (xmlschema reads files as given)."""
    folder = Path(tempfile.mkdtemp(prefix="qreport-xsd-"))
    shutil.copy(SCHEMA_DIR / "QReport_ver23.00.xsd", folder / "QReport_ver23.00.xsd")
    shutil.copy(SCHEMA_DIR / "stypes_ver23.00.xsd", folder / "stypes.xsd")
    return folder


def xmlschema_errors(path: Path) -> list[str]:
    """Errors of the independent validator xmlschema (empty when valid)."""
    schema = _xmlschema_cached(str(_xmlschema_folder() / "QReport_ver23.00.xsd"))
    return [str(error.reason) for error in schema.iter_errors(str(path))]


@cache
def _xmlschema_cached(path: str) -> Any:
    import xmlschema

    return xmlschema.XMLSchema(path)
