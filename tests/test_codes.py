"""CN codes and country codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cbam import codes
from cbam.errors import UnknownCNCodeError, UnknownCountryError


@pytest.mark.parametrize(
    "raw",
    [
        "72081000",
        "7208 10 00",
        "7208.10.00",
        "7208100000",
        " 7208-10-00 ",
        72081000,
        "7208\u00a01000",
    ],
)
def test_cn_forms_normalise_to_eight_digits(raw: str | int) -> None:
    assert codes.validate_cn(raw) == "72081000"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("", "required"),
        ("7208", "4 digits"),
        ("720810001", "9 digits"),
        ("72081000000", "11 digits"),
        ("7208A000", "characters other than digits"),
    ],
)
def test_bad_cn_codes_say_why(raw: str, words: str) -> None:
    with pytest.raises(UnknownCNCodeError, match=words):
        codes.validate_cn(raw)


@given(st.from_regex(r"\A[0-9]{8}\Z"))
def test_format_then_validate_round_trips(code: str) -> None:
    assert codes.validate_cn(codes.format_cn(code)) == code
    assert codes.format_cn(code) == f"{code[:4]} {code[4:6]} {code[6:]}"


def test_heading_prefixes() -> None:
    assert codes.parse_cn_heading("7202 11") == "720211"
    assert codes.parse_cn_heading(7208) == "7208"
    assert codes.format_cn("720211") == "7202 11"
    with pytest.raises(UnknownCNCodeError):
        codes.parse_cn_heading("720")


def test_countries() -> None:
    assert codes.validate_country(" tr ") == "TR"
    assert codes.validate_country("XK") == "XK"
    assert codes.country_name("TR") == "Türkiye"
    assert codes.country_name("TW") == "Taiwan"
    with pytest.raises(UnknownCountryError, match="'XX'"):
        codes.validate_country("XX")
    with pytest.raises(UnknownCountryError, match="alpha-2"):
        codes.validate_country("CHN")


@pytest.mark.parametrize(
    ("name", "iso"),
    [
        ("Türkiye", "TR"),
        ("Myanmar_Burma", "MM"),
        ("Hong Kong", "HK"),
        ("Taiwan", "TW"),
        ("_Other Countries and Territorie", codes.OTHER),
        ("Democratic Republic of the Cong", "CD"),
        ("Côte d'Ivoire", "CI"),
        ("Curaçao", "CW"),
        ("United Kingdom", "GB"),
        ("Korea, Republic of (South Korea)", "KR"),
        ("North Korea (Democratic People\u2019s Republic of Korea)", "KP"),
        ("Kosovo", "XK"),
        ("European Union", "EU"),
        ("China", "CN"),
    ],
)
def test_workbook_and_legal_names(name: str, iso: str) -> None:
    assert codes.iso_from_name(name) == iso


def test_unknown_name() -> None:
    with pytest.raises(UnknownCountryError, match="Atlantis"):
        codes.iso_from_name("Atlantis")


def test_every_workbook_sheet_name_maps(reference_dir) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    path = reference_dir / "xlsx" / "default-values-ir-2025-2621-v1-2026-02-04.xlsx"
    workbook = openpyxl.load_workbook(path, read_only=True)
    names = [n for n in workbook.sheetnames if n not in ("Overview", "Version History")]
    isos = [codes.iso_from_name(n) for n in names]
    assert len(names) == 120
    assert len(set(isos)) == len(isos)  # no two sheets map to one country
    assert all(i == codes.OTHER or codes.is_country(i) for i in isos)


def test_eu_and_exempt() -> None:
    assert len(codes.EU_MEMBER_STATES) == 27
    assert codes.is_eu("de") and not codes.is_eu("CH")
    assert codes.is_exempt("NO") and codes.is_exempt("CH") and not codes.is_exempt("TR")
    assert codes.counts_zero("FR") and codes.counts_zero("IS") and not codes.counts_zero("CN")


# -- EORI numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "eori"),
    [
        ("DE123456789012345", "DE123456789012345"),
        ("de 1234-5678.9", "DE123456789"),
        ("NL8", "NL8"),
        ("XI123456789000", "XI123456789000"),  # Northern Ireland
        ("EL123456789", "EL123456789"),  # Greece as the EU texts write it
    ],
)
def test_eori_numbers(text: str, eori: str) -> None:
    from cbam.codes import validate_eori

    assert validate_eori(text) == eori


@pytest.mark.parametrize("bad", ["", "DE", "D1234", "DE1234567890123456", "QQ123", "DE12_3"])
def test_bad_eori_numbers(bad: str) -> None:
    from cbam.codes import validate_eori
    from cbam.errors import InputError

    with pytest.raises(InputError) as caught:
        validate_eori(bad)
    assert caught.value.field == "importer_eori"
