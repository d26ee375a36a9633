"""Bounded-memory measurement of the QReport writer: 99,999 goods, written and validated.

The goods come from a generator, so the writer never holds more than one good; validation
streams too (each good is dropped once read). The peak Python allocation (tracemalloc) and the
process peak RSS are printed, with the file size, for docs/qreport.md.

Run: ``python benchmarks/qreport_memory.py [GOODS]`` (default 99,999).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from cbam.formats.qreport import read_qreport, write_qreport
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
    IndirectEmissions,
    Measure,
    MeasureProcedure,
    OriginCountry,
    Procedure,
    QReportHeader,
    RemarksEmissions,
    ReportConfirmation,
    Signatures,
)


def _header() -> QReportHeader:
    return QReportHeader(
        reporting_period="Q4",
        year=2025,
        declarant=Declarant(
            identification_number="DE123456789012345",
            name="Benchmark GmbH",
            role="1",
            actor_address=DeclarantAddress(city="Duisburg"),
        ),
        signatures=Signatures(
            report_confirmation=ReportConfirmation(
                global_data_confirmation=True,
                use_of_data_confirmation=True,
                signature_place="Duisburg",
                signature="Anna Becker",
                position_of_person_sending="Customs manager",
            )
        ),
    )


def _goods(count: int) -> Iterator[ImportedGood]:
    for number in range(1, count + 1):
        mass = Decimal(number % 997 + 1) / 8
        yield ImportedGood(
            item_number=number,
            commodity_code=CommodityCode(
                hs_code="731815",
                cn_code="73181542",
                commodity_details=CommodityDetails(description="Screws and bolts, of iron"),
            ),
            origin_country=OriginCountry(country="CN"),
            imported_quantity=[
                ImportedQuantity(
                    sequence_number=1,
                    procedure=Procedure(requested_proc="40", previous_proc="00"),
                    import_area=ImportArea(import_area="EU"),
                    measure_procedure_imported=[
                        MeasureProcedure(indicator=0, net_mass=mass, measurement_unit="01")
                    ],
                )
            ],
            measure_imported=Measure(net_mass=mass, measurement_unit="01"),
            goods_emissions=[
                GoodsEmissions(
                    sequence_number=1,
                    production_country="CN",
                    produced_measure=Measure(net_mass=mass, measurement_unit="01"),
                    direct_emissions=DirectEmissions(
                        determination_type="02",
                        applicable_reporting_type_methodology="TOM01",
                        specific_embedded_emissions=Decimal("2.70719"),
                        measurement_unit="01",
                    ),
                    indirect_emissions=IndirectEmissions(
                        determination_type="02",
                        specific_embedded_emissions=Decimal("0.4066"),
                        measurement_unit="01",
                        electricity_source="SOE03",
                    ),
                    remarks_emissions=[
                        RemarksEmissions(
                            sequence_number=1,
                            additional_information="Default value of IR 2025/2621 Annex I",
                        )
                    ],
                )
            ],
        )


def main(count: int = 99_999) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "report.xml"
        tracemalloc.start()
        started = time.perf_counter()
        result = write_qreport(_header(), target, _goods(count))
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        size = target.stat().st_size
        print(f"goods written and validated: {result.goods}, valid: {result.validation.valid}")
        print(f"file size: {size / 2**20:.1f} MiB")
        print(f"write + validate time: {elapsed:.1f} s")
        print(f"peak Python allocation (tracemalloc): {peak / 2**20:.1f} MiB")
        print(f"peak RSS of the process: {rss_mib:.1f} MiB")
        if count <= 1000:  # a whole-report read holds every good: only for small counts
            assert len(read_qreport(target).imported_good) == count


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 99_999)
