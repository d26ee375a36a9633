"""Identifiers: CN codes and country codes.

In the manner of python-stdnum: ``compact_*`` normalises, ``validate_*`` normalises and raises a
precise :class:`~cbam.errors.InputError` subclass, ``format_*`` prints the human form.

CN codes are the 8-digit Combined Nomenclature codes of Council Regulation (EEC) No 2658/87;
a 10-digit TARIC code counts by its first 8 digits. Countries are ISO 3166-1 alpha-2, plus the
few customs codes that the CBAM texts need (Kosovo ``XK``, Ceuta ``XC``, Melilla ``XL``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pycountry

from cbam.errors import (
    InputError,
    NotCbamOriginError,
    UnknownCNCodeError,
    UnknownCountryError,
)

# --------------------------------------------------------------------------------------------
# CN codes
# --------------------------------------------------------------------------------------------

_CN_SEPARATORS = re.compile(r"[\s.\u00a0\-]")


def compact_cn(value: str | int) -> str:
    """Strip spaces, dots and dashes from a CN code; no validation."""
    return _CN_SEPARATORS.sub("", str(value).strip())


def validate_cn(value: str | int) -> str:
    """Return the 8-digit CN code of ``value`` or raise :class:`UnknownCNCodeError`.

    Accepts ``72081000``, ``7208 10 00``, ``7208.10.00`` and 10-digit TARIC codes
    (``7208100000``: the first 8 digits count).
    """
    code = compact_cn(value)
    if not code:
        raise UnknownCNCodeError("a CN code is required, got an empty value")
    if not code.isdigit():
        raise UnknownCNCodeError(
            f"CN code {value!r} contains characters other than digits, spaces and dots"
        )
    if len(code) == 10:
        return code[:8]
    if len(code) != 8:
        raise UnknownCNCodeError(
            f"CN code {value!r} has {len(code)} digits; expected 8 (CN) or 10 (TARIC)"
        )
    return code


def parse_cn_heading(value: str | int) -> str:
    """Return a CN heading prefix (2, 4, 6 or 8 digits) as the workbooks print them.

    The default-value workbook and Annex I of Reg. (EU) 2023/956 list some goods at 4- or
    6-digit heading level ("7208", "7202 11"); an 8-digit code belongs to the most specific such
    heading that is a prefix of it.
    """
    code = compact_cn(value)
    if not code.isdigit() or len(code) not in (2, 4, 6, 8, 10):
        raise UnknownCNCodeError(f"{value!r} is not a CN heading (2, 4, 6 or 8 digits)")
    return code[:8]


def format_cn(code: str) -> str:
    """``72081000`` -> ``7208 10 00`` (headings print as far as they go: ``7202 11``)."""
    code = compact_cn(code)
    groups = [code[:4], code[4:6], code[6:8]]
    return " ".join(g for g in groups if g)


# --------------------------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------------------------

#: EU member states (TEU Art. 52): imports from them are not CBAM imports and precursors made
#: there carry zero embedded emissions (IR 2025/2547 Annex III B).
EU_MEMBER_STATES: frozenset[str] = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"}
    | {"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}
)

#: Reg. (EU) 2023/956 Annex III point 1: third countries and territories outside the scope
#: (Iceland, Liechtenstein, Norway, Switzerland; Büsingen and Heligoland are parts of Germany,
#: Livigno of Italy; Ceuta and Melilla have the customs codes XC and XL).
EXEMPT_COUNTRIES: frozenset[str] = frozenset({"IS", "LI", "NO", "CH", "XC", "XL"})

#: Codes outside ISO 3166-1 that the CBAM texts or EU customs use.
_EXTRA_CODES: dict[str, str] = {
    "XK": "Kosovo",
    "XC": "Ceuta",
    "XL": "Melilla",
}

#: The spelling of the "rest of the world" rows of the Commission workbooks and the legal texts.
OTHER = "OTHER"

#: Names in the Commission workbooks and legal texts that pycountry does not resolve by itself.
_NAME_ALIASES: dict[str, str] = {
    "turkiye": "TR",
    "turkey": "TR",
    "myanmar_burma": "MM",
    "myanmar": "MM",
    "burma": "MM",
    "hong kong": "HK",
    "taiwan": "TW",
    "russia": "RU",
    "russian federation": "RU",
    "iran": "IR",
    "iran, islamic republic of": "IR",
    "laos": "LA",
    "syria": "SY",
    "south korea": "KR",
    "korea, republic of (south korea)": "KR",
    "north korea": "KP",
    "north korea (democratic people's republic of korea)": "KP",
    "democratic republic of the cong": "CD",  # the workbook's sheet name, cut at 31 characters
    "democratic republic of the congo": "CD",
    "congo, democratic republic of": "CD",
    "congo": "CG",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "viet nam": "VN",
    "vietnam": "VN",
    "moldova": "MD",
    "moldova, republic of": "MD",
    "tanzania": "TZ",
    "tanzania, united republic of": "TZ",
    "bolivia": "BO",
    "venezuela": "VE",
    "brunei": "BN",
    "united states": "US",
    "united kingdom": "GB",
    "occupied palestinian territory": "PS",
    "kosovo": "XK",
    "curacao": "CW",
    "european union": "EU",
    "_other countries and territorie": OTHER,  # the workbook's sheet name, cut at 31 characters
    "other countries and territories": OTHER,
}


def _fold(name: str) -> str:
    """Case-fold and strip accents and typographic apostrophes for name matching."""
    text = name.strip().replace("\u2019", "'")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


@cache
def _iso_codes() -> frozenset[str]:
    codes = {c.alpha_2 for c in pycountry.countries}
    return frozenset(codes | _EXTRA_CODES.keys())


def validate_country(value: str) -> str:
    """Return the upper-case ISO 3166-1 alpha-2 code or raise :class:`UnknownCountryError`."""
    code = str(value).strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise UnknownCountryError(
            f"country {value!r} is not an ISO 3166-1 alpha-2 code (two letters, e.g. CN, TR, GB)"
        )
    if code not in _iso_codes():
        raise UnknownCountryError(f"country code {code!r} is not an ISO 3166-1 alpha-2 code")
    return code


def is_country(value: str) -> bool:
    """True when ``value`` is a known country code (no exception)."""
    return str(value).strip().upper() in _iso_codes()


def country_name(code: str) -> str:
    """The English short name of an ISO code (``"TR"`` -> ``"Türkiye"``)."""
    code = validate_country(code)
    if code in _EXTRA_CODES:
        return _EXTRA_CODES[code]
    country = pycountry.countries.get(alpha_2=code)
    assert country is not None  # validate_country checked it
    return str(getattr(country, "common_name", None) or country.name)


def iso_from_name(name: str) -> str:
    """The ISO code of a country as the Commission's workbooks and legal texts name it.

    Returns :data:`OTHER` for the "Other countries and territories" rows and ``"EU"`` for the
    "European Union" row of IR 2025/2621 Annex III; raises :class:`UnknownCountryError`
    for a name nobody knows.
    """
    folded = _fold(name)
    if folded in _NAME_ALIASES:
        return _NAME_ALIASES[folded]
    try:
        country = pycountry.countries.lookup(name.strip())
    except LookupError:
        raise UnknownCountryError(f"no ISO 3166-1 country is named {name!r}") from None
    return str(country.alpha_2)


def is_eu(code: str) -> bool:
    """True for an EU member state."""
    return validate_country(code) in EU_MEMBER_STATES


def is_exempt(code: str) -> bool:
    """True for a country or territory of Reg. (EU) 2023/956 Annex III point 1."""
    return validate_country(code) in EXEMPT_COUNTRIES


def counts_zero(code: str) -> bool:
    """True when goods from this origin carry zero embedded emissions as precursors.

    IR 2025/2547 Annex III section B: precursors originating in the Union or in a country of
    Reg. (EU) 2023/956 Annex III point 1 count with SEE = 0 (and SEFA = 0, Q&A §4.18).
    """
    code = validate_country(code)
    return code in EU_MEMBER_STATES or code in EXEMPT_COUNTRIES


def check_origin(code: str) -> str:
    """The ISO code of a CBAM origin; :class:`NotCbamOriginError` for an EU or exempt origin.

    Reg. (EU) 2023/956 Art. 2(1) covers goods originating in third countries; its Annex III pt 1
    puts Iceland, Liechtenstein, Norway, Switzerland, Büsingen, Heligoland, Livigno, Ceuta and
    Melilla outside the scope. This is the one place where a customs line, a cost request or a
    default-value lookup is refused for its origin.

    >>> check_origin("tr")
    'TR'
    >>> check_origin("NO")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cbam.errors.NotCbamOriginError: ...: Norway (NO) is outside the scope of CBAM...
    """
    code = validate_country(code)
    if code in EU_MEMBER_STATES:
        why = "is an EU member state"
    elif code in EXEMPT_COUNTRIES:
        why = "is outside the scope of CBAM (Annex III pt 1)"
    else:
        return code
    raise NotCbamOriginError(
        f"{country_name(code)} ({code}) {why}: goods originating there are not CBAM imports "
        "(Reg. (EU) 2023/956 Art. 2(1) and Annex III pt 1)",
        field="country",
    )


# --------------------------------------------------------------------------------------------
# EORI numbers
# --------------------------------------------------------------------------------------------

_EORI = re.compile(r"^([A-Z]{2})([A-Z0-9]{1,15})$")


def compact_eori(value: str) -> str:
    """Strip spaces, dots and dashes and upper-case an EORI number; no validation."""
    return re.sub(r"[\s.\-]", "", str(value)).upper()


def validate_eori(value: str) -> str:
    """The EORI number of ``value``, or :class:`~cbam.errors.InputError` (field ``importer_eori``).

    An EORI number (Reg. (EU) No 952/2013 Art. 9; Delegated Reg. (EU) 2015/2446 Art. 1(18)) is
    the two-letter code of the Member State that assigned it followed by up to 15 letters or
    digits (IR 2015/2447 Annex B, an..17). Only the form is checked here; whether the number
    exists is for the Commission's EORI service to say.

    >>> validate_eori("de 1234 5678 9012 345")
    'DE123456789012345'
    >>> validate_eori("1234")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cbam.errors.InputError: field 'importer_eori': '1234' is not an EORI number...
    """
    code = compact_eori(value)
    found = _EORI.match(code)
    if found is None:
        raise InputError(
            f"{value!r} is not an EORI number (two letters of the country that assigned it and "
            "up to 15 letters or digits, e.g. DE123456789012345)",
            field="importer_eori",
        )
    # EL is Greece's code in EU texts, XI Northern Ireland's; both are in use in EORI numbers.
    if found.group(1) not in _iso_codes() and found.group(1) not in ("EL", "XI"):
        raise InputError(
            f"{value!r} is not an EORI number: {found.group(1)} is not a country code",
            field="importer_eori",
        )
    return code
