"""Grid and electricity emission factors of IR 2025/2621 Annexes II and III."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cbam.codes import EU_MEMBER_STATES, EXEMPT_COUNTRIES, iso_from_name
from cbam.errors import InputError, NoValueError, ReferenceDataError, UnknownCountryError
from cbam.reference.convert_factors import IEA_LICENCE, convert_factors, parse_annex
from cbam.reference.factors import (
    electricity_countries,
    electricity_factor,
    grid_countries,
    grid_factor,
    load_factors,
)
from cbam.reference.manifest import DATA_DIR, dataset, sha256_file

LEGAL = "legal/ir-2025-2621-default-values.txt"


@pytest.mark.parametrize(
    ("country", "value"),
    [
        ("CN", "0.605"),
        ("IN", "0.726"),
        ("TR", "0.420"),
        ("UA", "0.310"),
        ("GB", "0.193"),
        ("US", "0.358"),
        ("BR", "0.096"),
        ("AU", "0.645"),
        ("ZA", "0.963"),
        ("OTHER", "0.465"),
        ("cd", "0"),
        ("KR", "0.475"),
        ("CI", "0.343"),
        ("XK", "0.909"),
        ("PS", "0.493"),
        ("KP", "0.522"),
        ("CW", "0.555"),
        ("CG", "0.640"),
        ("RU", "0.366"),
        ("AL", "0"),
    ],
)
def test_grid_factor_spot_checks(country: str, value: str) -> None:
    result = grid_factor(country)
    assert result.value == Decimal(value)
    assert result.country == result.country_used == country.upper()
    assert result.fallback is None
    assert result.unit == "t CO2e/MWh"
    assert result.dataset.id == "grid_factors"
    assert result.location.startswith("IR 2025/2621 Annex II, entry '")


def test_grid_factor_location_names_the_entry() -> None:
    assert grid_factor("CN").location == (
        "IR 2025/2621 Annex II, entry 'China' (line 72580 of ir-2025-2621-default-values.txt)"
    )


@pytest.mark.parametrize(
    ("country", "value"),
    [
        ("TR", "0.718"),
        ("UA", "0.907"),
        ("RS", "1.041"),
        ("BA", "1.148"),
        ("MA", "0.907"),
        ("GB", "0.430"),
        ("RU", "0.585"),
        ("AL", "0"),
        ("EU", "0.612"),
        ("XK", "0.984"),
        ("MD", "0.530"),
    ],
)
def test_electricity_factor_spot_checks(country: str, value: str) -> None:
    result = electricity_factor(country)
    assert result.value == Decimal(value)
    assert result.country == result.country_used == country
    assert result.fallback is None
    assert result.dataset.id == "electricity_factors"


def test_unlisted_third_countries_fall_back_and_say_so() -> None:
    grid = grid_factor("SC")  # Seychelles: not in Annex II
    assert (grid.country, grid.country_used, grid.value) == ("SC", "OTHER", Decimal("0.465"))
    assert grid.fallback is not None
    assert "Seychelles (SC) has no entry in IR 2025/2621 Annex II" in grid.fallback
    assert "Other countries and territories" in grid.location
    electricity = electricity_factor("CN")
    assert (electricity.country_used, electricity.value) == ("EU", Decimal("0.612"))
    assert electricity.fallback is not None
    assert "China (CN) has no entry in IR 2025/2621 Annex III" in electricity.fallback


@given(st.sampled_from(sorted(EU_MEMBER_STATES | EXEMPT_COUNTRIES)))
def test_eu_and_exempt_origins(code: str) -> None:
    with pytest.raises(NoValueError, match="Annex II has no grid factor") as info:
        grid_factor(code)
    assert info.value.field == "country"
    with pytest.raises(InputError, match="is not a CBAM import") as err:
        electricity_factor(code)
    assert err.value.field == "country"


def test_messages_for_eu_and_exempt() -> None:
    with pytest.raises(NoValueError, match=r"Germany \(DE\): it is an EU member state"):
        grid_factor("DE")
    with pytest.raises(NoValueError, match="Annex III pt 1"):
        grid_factor("CH")
    with pytest.raises(NoValueError, match="no grid factor for the European Union"):
        grid_factor("EU")
    with pytest.raises(InputError, match=r"Norway \(NO\).*Annex III pt 1"):
        electricity_factor("NO")


@pytest.mark.parametrize("bad", ["ZZ", "CHN", "", "1A", "OTHERS"])
def test_unknown_countries(bad: str) -> None:
    with pytest.raises(UnknownCountryError) as info:
        grid_factor(bad)
    assert info.value.field == "country"
    with pytest.raises(UnknownCountryError):
        electricity_factor(bad)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2))
def test_any_two_letters_answer_or_raise_a_named_error(code: str) -> None:
    try:
        result = grid_factor(code)
    except (UnknownCountryError, NoValueError):
        return
    assert result.value >= 0
    assert (result.fallback is None) == (result.country_used == code)


# --- whole annexes --------------------------------------------------------------------------


def _reparse(text: str, start: str, end: str) -> list[tuple[str, Decimal]]:
    """Independent reading: every 'Name 0,123' line between two annex headings."""
    section = text.split(f"\n{start} \n", 1)[1].split(f"\n{end} \n", 1)[0]
    body = section.split("(tCO2eq/MWh)", 1)[1]
    entries = []
    for line in body.split("\n"):
        match = re.fullmatch(r"([A-Z][^\d]*?) (\d+(?:,\d{3})?)\s*", line)
        if match and not line.startswith(("OJ L", "EN OJ")):
            entries.append((match.group(1), Decimal(match.group(2).replace(",", "."))))
    return entries


def test_every_annex_ii_entry(reference_dir: Path) -> None:
    text = (reference_dir / LEGAL).read_text(encoding="utf-8")
    entries = _reparse(text, "ANNEX II", "ANNEX III")
    assert len(entries) == 127  # 126 countries and territories + "Other countries and territories"
    assert entries[-1] == ("Other countries and territories", Decimal("0.465"))
    codes = set()
    for name, value in entries:
        code = iso_from_name(name)
        codes.add(code)
        assert grid_factor(code).value == value, name
        assert f"entry '{name}'" in grid_factor(code).location
    assert len(codes) == 127
    assert codes == set(grid_countries())
    assert not codes & (EU_MEMBER_STATES | EXEMPT_COUNTRIES)


def test_every_annex_iii_entry(reference_dir: Path) -> None:
    text = (reference_dir / LEGAL).read_text(encoding="utf-8")
    entries = _reparse(text, "ANNEX III", "ANNEX IV")
    assert len(entries) == 18  # 17 countries + "European Union"
    assert entries[-1] == ("European Union", Decimal("0.612"))
    for name, value in entries:
        assert electricity_factor(iso_from_name(name)).value == value, name
    assert {iso_from_name(n) for n, _ in entries} == set(electricity_countries())


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Congo", "CG"),
        ("Congo, Democratic Republic of", "CD"),
        ("Niger", "NE"),
        ("Nigeria", "NG"),
        ("Korea, Republic of (South Korea)", "KR"),
        ("Ivory Coast", "CI"),
        ("Kosovo", "XK"),
        ("Occupied Palestinian Territory", "PS"),
        ("Türkiye", "TR"),
        ("North Korea (Democratic People’s Republic of Korea)", "KP"),
        ("Curaçao", "CW"),
        ("Sudan", "SD"),
        ("South Sudan", "SS"),
        ("Eswatini", "SZ"),
        ("Laos", "LA"),
    ],
)
def test_legal_names_map_to_iso(name: str, code: str) -> None:
    assert iso_from_name(name) == code


def test_converter_reproduces_packaged_files(reference_dir: Path, tmp_path: Path) -> None:
    grid, electricity = convert_factors(reference_dir / LEGAL, tmp_path)
    for name in ("grid_factors.csv", "electricity_factors.csv"):
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes()
    assert grid == dataset("grid_factors")
    assert electricity == dataset("electricity_factors")
    assert grid.legal_act == "IR 2025/2621 Annex II"
    assert electricity.legal_act == "IR 2025/2621 Annex III"
    for info in (grid, electricity):
        assert (info.version, info.version_date) == ("OJ L 2025/2621", "2025-12-31")
        assert info.licence == IEA_LICENCE


def test_licence_notice() -> None:
    licence = dataset("grid_factors").licence or ""
    assert "IEA" in licence and "CC BY-NC-SA 4.0" in licence
    assert "non-commercial" in licence
    assert "https://creativecommons.org/licenses/by-nc-sa/4.0/" in licence
    assert grid_factor("CN").dataset.licence == licence


def test_manifest_sha256_matches_legal_text(reference_dir: Path) -> None:
    for dataset_id in ("grid_factors", "electricity_factors"):
        info = dataset(dataset_id)
        assert info.source_file == "ir-2025-2621-default-values.txt"
        assert info.sha256 == sha256_file(reference_dir / LEGAL)


# --- converter and loader error paths -------------------------------------------------------

ANNEXES = (
    "ANNEX I \nx\nANNEX II \nDisclaimer\nCountry or territory Emission factor (tCO2eq/MWh)\n"
    "{two}\nOJ L, 31.12.2025 EN \nELI: http://x 1/2\n"
    "ANNEX III \nCountry or territory\nEmission factor\n(tCO2eq/MWh)\n{three}\n"
    "ANNEX IV \nend\n"
)


def _text(tmp_path: Path, two: str, three: str = "Serbia 1,041\nEuropean Union 0,612") -> Path:
    path = tmp_path / "ir.txt"
    path.write_text(ANNEXES.format(two=two, three=three), encoding="utf-8")
    return path


def test_converter_on_a_small_text(tmp_path: Path) -> None:
    source = _text(tmp_path, "China 0,605\nOther countries and territories 0,465")
    out = tmp_path / "out"
    convert_factors(source, out)
    assert (out / "grid_factors.csv").read_text(encoding="utf-8") == (
        "country,name,value,line\nCN,China,0.605,6\nOTHER,Other countries and territories,0.465,7\n"
    )
    assert (out / "electricity_factors.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        "RS,Serbia,1.041,14",
        "EU,European Union,0.612,15",
    ]


@pytest.mark.parametrize(
    ("two", "message"),
    [
        ("Atlantis 0,5\nOther countries and territories 0,465", "no ISO 3166-1 country"),
        ("China 0,605\nChina 0,606\nOther countries and territories 0,465", "already given"),
        ("China\nOther countries and territories 0,465", "neither a country entry"),
        ("China 0,605", "lacks the 'Other countries"),
        ("", "has no entries"),
    ],
)
def test_converter_rejects_bad_text(tmp_path: Path, two: str, message: str) -> None:
    with pytest.raises(ReferenceDataError, match=message):
        convert_factors(_text(tmp_path, two), tmp_path / "out")


def test_converter_needs_the_eu_entry_and_the_annexes(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="lacks the 'European Union'"):
        convert_factors(
            _text(tmp_path, "Other countries and territories 0,465", "Serbia 1,041"),
            tmp_path / "out",
        )
    with pytest.raises(ReferenceDataError, match="ANNEX II not found"):
        parse_annex("nothing", "II")
    # an annex running to the end of the text still parses
    entries = parse_annex("ANNEX III \n(tCO2eq/MWh)\nSerbia 1,041\n", "III")
    assert [(e.country, e.value, e.line) for e in entries] == [("RS", Decimal("1.041"), 3)]


def test_load_factors_errors(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="not packaged"):
        load_factors(tmp_path / "missing.csv")
    damaged = tmp_path / "f.csv"
    damaged.write_text("country,name,value,line\nCN,China,abc,1\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="row 2"):
        load_factors(damaged)
    damaged.write_text(
        "country,name,value,line\nCN,China,0.6,1\nCN,China,0.6,2\n", encoding="utf-8"
    )
    with pytest.raises(ReferenceDataError, match="appears twice"):
        load_factors(damaged)
