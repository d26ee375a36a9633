"""Year-dependent law, kept as data.

Every number here carries its legal source. Years before the definitive period (2026) are
answered where the law defines them and refused otherwise, so that a typo such as 2062 or 206
never silently takes the last value.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, localcontext
from enum import StrEnum

from cbam.errors import InputError
from cbam.values import EXACT

#: First and last years for which the library knows the year rules. The CBAM factor schedule
#: ends in 2034 (factor 0 "from 2034"), so later years repeat 2034's rules.
FIRST_YEAR = 2026
LAST_SCHEDULED_YEAR = 2034


class Sector(StrEnum):
    """The sectors of Reg. (EU) 2023/956 Annex I."""

    CEMENT = "cement"
    IRON_STEEL = "iron_steel"
    ALUMINIUM = "aluminium"
    FERTILISERS = "fertilisers"
    HYDROGEN = "hydrogen"
    ELECTRICITY = "electricity"


def check_year(year: int) -> int:
    """Accept a calendar year of the definitive period (2026 onwards, at most 2100)."""
    if not isinstance(year, int) or isinstance(year, bool):
        raise InputError(f"year must be a whole number, got {year!r}", field="year")
    if year < FIRST_YEAR or year > 2100:
        raise InputError(
            f"year {year} is outside the definitive period (2026 onwards) this library computes",
            field="year",
        )
    return year


# --- CBAM factor ----------------------------------------------------------------------------

#: Directive 2003/87/EC Art. 10a(1a) as amended by Directive (EU) 2023/959: the share of free
#: allocation that still counts for CBAM goods ("CBAM factor"), multiplied into the benchmark.
#: IR 2025/2620 applies it as CBAM_y in SFA = CBAM_y x CSCF_y x BM. From 2034 there is none (0).
CBAM_FACTOR: dict[int, Decimal] = {
    2026: Decimal("0.975"),
    2027: Decimal("0.95"),
    2028: Decimal("0.90"),
    2029: Decimal("0.775"),
    2030: Decimal("0.515"),
    2031: Decimal("0.39"),
    2032: Decimal("0.265"),
    2033: Decimal("0.14"),
    2034: Decimal("0"),
}

CBAM_FACTOR_SOURCE = "Directive 2003/87/EC Art. 10a(1a) (CBAM factor), applied by IR 2025/2620"


def cbam_factor(year: int) -> Decimal:
    """The CBAM factor of ``year`` (Directive 2003/87/EC Art. 10a(1a)); 0 from 2034."""
    year = check_year(year)
    return CBAM_FACTOR[min(year, LAST_SCHEDULED_YEAR)]


# --- Default-value mark-ups -----------------------------------------------------------------

MARKUP_SOURCE = "IR 2025/2621 Annex I (mark-up on the total default value; IR 2026/1740)"


def markup(sector: Sector | str, year: int) -> Decimal:
    """Mark-up added to the *total* default value for goods imported in ``year``.

    IR 2025/2621 Annex I (headers of each sector's columns; IR 2026/1740 keeps the rule and
    leaves the arithmetic to the registry): cement, iron and steel, aluminium and hydrogen
    +10 % in 2026, +20 % in 2027, +30 % from 2028; fertilisers +1 % from 2026; electricity
    (Annex III values) none.
    """
    year = check_year(year)
    sector = Sector(sector)
    if sector is Sector.ELECTRICITY:
        return Decimal("0")
    if sector is Sector.FERTILISERS:
        return Decimal("0.01")
    if year == 2026:
        return Decimal("0.10")
    if year == 2027:
        return Decimal("0.20")
    return Decimal("0.30")


def marked_up(total: Decimal, sector: Sector | str, year: int) -> Decimal:
    """``total x (1 + mark-up)``, exactly (IR 2025/2621 Annex I)."""
    with localcontext(EXACT):
        return total * (Decimal(1) + markup(sector, year))


# --- De minimis, holding, deadlines ---------------------------------------------------------

#: Reg. (EU) 2023/956 Art. 2a(1) as inserted by Reg. (EU) 2025/2083: an importer whose net mass
#: of Annex I goods in a calendar year does not exceed 50 t is exempt.
DE_MINIMIS_TONNES = Decimal("50")
#: Art. 2a(4): the threshold does not apply to electricity or hydrogen.
DE_MINIMIS_EXCLUDED_SECTORS: frozenset[Sector] = frozenset({Sector.ELECTRICITY, Sector.HYDROGEN})
DE_MINIMIS_SOURCE = "Reg. (EU) 2023/956 Art. 2a and Annex VII, inserted by Reg. (EU) 2025/2083"


def exceeds_de_minimis(net_mass_counted: Decimal) -> bool:
    """Whether an importer's counted net mass of a year exceeds the 50 t of Art. 2a(1).

    Exactly 50 t is still exempt ("does not exceed"); above it every obligation applies to all
    the year's goods (Art. 2a(2)). Hydrogen and electricity are not counted (Art. 2a(4)).

    >>> exceeds_de_minimis(Decimal("50")), exceeds_de_minimis(Decimal("50.001"))
    (False, True)
    """
    return net_mass_counted > DE_MINIMIS_TONNES


def quarterly_holding_share(year: int) -> Decimal:
    """Share of the year-to-date embedded emissions covered by certificates held at quarter end.

    Reg. (EU) 2023/956 Art. 22(2) as amended by Reg. (EU) 2025/2083: 50 % from 2027; no holding
    obligation in 2026 (no certificates are sold before 1 February 2027).
    """
    year = check_year(year)
    return Decimal("0") if year == 2026 else Decimal("0.50")


def declaration_deadline(year: int) -> dt.date:
    """Annual declaration and surrender for imports of ``year``: 30 September of the next year.

    Reg. (EU) 2023/956 Arts. 6(1) and 22(1) as amended by Reg. (EU) 2025/2083.
    """
    return dt.date(check_year(year) + 1, 9, 30)


#: Reg. (EU) 2023/956 Art. 20(1) and 36(2)(d) as amended: certificates are sold from this date.
CERTIFICATE_SALES_START = dt.date(2027, 2, 1)

# --- Physical constants of IR 2025/2547 -----------------------------------------------------

#: IR 2025/2547 Annex II section G Table 1: natural gas emission factor, t CO2/TJ; used as
#: EF_NG in the waste-gas corrections (Annex III Eq. 53-54).
EF_NG = Decimal("56.1")
#: IR 2025/2547 Annex III A.2.3: standard efficiency correction of exported waste gas, Eq. 54.
WASTE_GAS_CORR = Decimal("0.667")
#: IR 2025/2547 Annex II B.3 Eq. 12: t CO2 per t C (ratio of molar masses 44.010/12.011).
CARBON_TO_CO2 = Decimal("3.664")
#: IR 2025/2547 Annex II section G Table 6: global warming potentials (t CO2e per t gas).
GWP: dict[str, Decimal] = {
    "N2O": Decimal("265"),
    "CF4": Decimal("6630"),
    "C2F6": Decimal("11100"),
}

# --- Certificate prices ---------------------------------------------------------------------

#: Reg. (EU) 2023/956 Art. 21(1a) as inserted by Reg. (EU) 2025/2083: for goods imported in 2026
#: the price is the quarterly average of EU ETS auction closing prices of the quarter of
#: importation (EUR per certificate = t CO2e). Published values known to the library; a user
#: price table overrides and extends them. Q3 and Q4 2026 are not in the sources available to
#: this release (published 5 Oct 2026 and 4 Jan 2027, Q&A §3.5): supply them with a price table.
CERTIFICATE_PRICES_2026: dict[str, Decimal] = {
    "2026Q1": Decimal("75.36"),
    "2026Q2": Decimal("75.28"),
}
CERTIFICATE_PRICE_SOURCE = (
    "Commission publication of the 2026 quarterly CBAM certificate price "
    "(Reg. (EU) 2023/956 Art. 21(1a)); values as quoted in the project's methodology notes"
)
