"""Invariants of the QReport writer over generated reports: every report the models accept is
valid for lxml and for xmlschema, and reads back to the same model and the same bytes."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbam.formats.qreport import read_qreport, validate_qreport, write_qreport
from cbam.formats.qreport.model import (
    Address,
    CommodityCode,
    CommodityDetails,
    DirectEmissions,
    GoodsEmissions,
    ImportArea,
    ImportedGood,
    ImportedQuantity,
    IndirectEmissions,
    Installation,
    InstallationAddress,
    Measure,
    MeasureProcedure,
    OriginCountry,
    Procedure,
    QReport,
    QReportHeader,
    Remarks,
    RemarksEmissions,
    Representative,
)

from .qreport_helpers import header, xmlschema_errors

# Letters of many scripts (Latin with diacritics, Greek, Cyrillic, Arabic, CJK, emoji), spaces,
# XML-special characters and line breaks inside the text.
_ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs"),
    include_characters="&<>\"'\n\t\r",
)


def model(cls: Any, **fields: Any) -> st.SearchStrategy[Any]:
    """A model built from strategies per field (st.builds would also fill in the aliases)."""
    return st.fixed_dictionaries(fields).map(lambda data: cls(**data))


def text(maximum: int, *, longest: bool = False) -> st.SearchStrategy[str]:
    size = st.just(maximum) if longest else st.integers(1, maximum)
    return size.flatmap(
        lambda n: st.text(_ALPHABET, min_size=n, max_size=n).filter(lambda s: s.strip())
    )


def decimals(total: int, fraction: int) -> st.SearchStrategy[Decimal]:
    return st.builds(
        lambda whole, frac, places: (
            Decimal(f"{whole}.{frac:0{places}d}") if places else Decimal(whole)
        ),
        st.integers(0, 10 ** (total - fraction) - 1),
        st.integers(0, 10**fraction - 1),
        st.integers(0, fraction),
    ).filter(lambda d: len(format(d, "f").replace(".", "").lstrip("0")) <= total)


def measures() -> st.SearchStrategy[Measure]:
    return model(
        Measure,
        net_mass=decimals(16, 6),
        supplementary_units=st.none() | decimals(16, 6),
        measurement_unit=text(5),
    )


@st.composite
def emissions(draw: Any, number: int, longest: bool) -> GoodsEmissions:
    return GoodsEmissions(
        sequence_number=number,
        production_country=draw(text(2, longest=True)),
        installation=draw(
            st.none()
            | model(
                Installation,
                installation_id=text(20, longest=longest),
                installation_name=text(256, longest=longest),
                address=model(
                    InstallationAddress,
                    establishment_country=text(2, longest=True),
                    city=text(35, longest=longest),
                    latitude=st.none() | text(17),
                ),
            )
        ),
        produced_measure=draw(measures()),
        direct_emissions=DirectEmissions(
            determination_type=draw(text(5)),
            applicable_reporting_type_methodology=draw(text(5, longest=True)),
            specific_embedded_emissions=draw(decimals(16, 7)),
            measurement_unit=draw(text(5)),
            other_source_indication=draw(st.none() | text(4000, longest=longest)),
        ),
        indirect_emissions=draw(
            st.none()
            | model(
                IndirectEmissions,
                determination_type=text(5),
                emission_factor=st.none() | decimals(16, 5),
                specific_embedded_emissions=decimals(16, 7),
                measurement_unit=text(5),
                electricity_consumed=st.none() | decimals(10, 5),
                electricity_source=text(5),
            )
        ),
        remarks_emissions=[
            RemarksEmissions(sequence_number=n, additional_information=draw(text(512)))
            for n in range(1, draw(st.integers(0, 2)) + 1)
        ],
    )


@st.composite
def goods(draw: Any, number: int, longest: bool, many: int) -> ImportedGood:
    quantities = draw(st.integers(1, 9))
    return ImportedGood(
        item_number=number,
        representative=draw(
            st.none()
            | model(
                Representative,
                identification_number=text(17, longest=longest),
                name=text(70, longest=longest),
                representative_address=model(
                    Address, country=text(2, longest=True), city=text(35, longest=longest)
                ),
            )
        ),
        commodity_code=CommodityCode(
            hs_code=draw(text(6, longest=True)),
            cn_code=draw(text(8, longest=True)),
            commodity_details=CommodityDetails(description=draw(text(512, longest=longest))),
        ),
        origin_country=OriginCountry(country=draw(text(2, longest=True))),
        imported_quantity=[
            ImportedQuantity(
                sequence_number=n,
                procedure=Procedure(requested_proc=draw(text(2, longest=True))),
                import_area=ImportArea(import_area=draw(text(5))),
                measure_procedure_imported=[
                    MeasureProcedure(
                        indicator=draw(st.integers(0, 9)),
                        net_mass=draw(decimals(16, 6)),
                        measurement_unit=draw(text(5)),
                    )
                ],
            )
            for n in range(1, quantities + 1)
        ],
        measure_imported=draw(measures()),
        remarks=draw(st.none() | model(Remarks, additional_information=text(512))),
        goods_emissions=[draw(emissions(n, longest)) for n in range(1, many + 1)],
    )


@st.composite
def reports(draw: Any) -> QReport:
    longest = draw(st.booleans())
    count = draw(st.integers(1, 3))
    many = draw(st.sampled_from([1, 3, 40]))
    head = header(
        report_id=draw(st.none() | text(22, longest=longest)),
        remarks=draw(st.none() | model(Remarks, additional_information=text(512))),
    )
    data = {name: getattr(head, name) for name in QReportHeader.model_fields}
    return QReport.model_validate(
        {**data, "imported_good": [draw(goods(n, longest, many)) for n in range(1, count + 1)]}
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(reports())
def test_generated_reports_validate_and_round_trip(rep: QReport) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first = Path(tmp) / "a.xml"
        write_qreport(rep, first)  # validates with lxml before writing
        assert validate_qreport(first).valid
        assert xmlschema_errors(first) == []
        back = read_qreport(first)
        assert back == rep
        second = Path(tmp) / "b.xml"
        write_qreport(back, second)
        assert first.read_bytes() == second.read_bytes()


@settings(max_examples=30, deadline=None)
@given(decimals(16, 7))
def test_decimal_text_round_trips(value: Decimal) -> None:
    from cbam.formats.qreport.model import decimal_text

    assert Decimal(decimal_text(value)) == value
    assert decimal_text(Decimal(decimal_text(value))) == decimal_text(value)
