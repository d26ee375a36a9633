"""The certificate arithmetic of one good: embedded emissions, free allocation, certificates, cost.

Pure functions on Decimals; lookups of default values and benchmarks happen in the caller. The
sources: Reg. (EU) 2023/956 Art. 6(2)(c), 22 and 31 (certificates to surrender, free-allocation
adjustment), IR 2025/2620 Annex (SEFA with the CBAM factor, Columns A and B), Commission Q&A
§4.32 (a negative result counts zero for that good and is not netted against other goods).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from cbam.values import EXACT

ZERO = Decimal(0)


def embedded_emissions(mass: Decimal, see: Decimal) -> Decimal:
    """EE_g = M_g x SEE_g (Reg. (EU) 2023/956 Annex IV pt 2-3; t CO2e).

    ``mass`` in t (MWh for electricity), ``see`` in t CO2e per t (per MWh).
    """
    return mass * see


def specific_free_allocation(
    benchmark: Decimal, cbam_factor: Decimal, cscf: Decimal = Decimal(1)
) -> Decimal:
    """SEFA_g,y = CBAM_y x CSCF_y x BM_g (IR 2025/2620 Annex pt 3.1 and pt 4; t CO2e/t).

    Column A benchmark for actual data (plus the precursors' SEFA, see
    :func:`complex_good_sefa`), Column B for default values. ``cscf`` is the cross-sectoral
    correction factor of Directive 2003/87/EC Art. 10a(5); its value for 2026 on is not in the
    sources available, so it defaults to 1 and callers flag that in the audit trail.
    """
    return cbam_factor * cscf * benchmark


def complex_good_sefa(own_sefa: Decimal, precursors: list[tuple[Decimal, Decimal]]) -> Decimal:
    """SEFA of a complex good: own SEFA + sum of m_i x SEFA_i (IR 2025/2620 Annex pt 3.3 Eq. 4).

    ``precursors`` holds (m_i, SEFA_i) pairs, m_i in t of precursor per t of good. Precursors
    from the EU or an Annex III exempt country contribute SEFA_i = 0 (Q&A §4.18).
    """
    return own_sefa + sum((m * s for m, s in precursors), ZERO)


def free_allocation(mass: Decimal, sefa: Decimal) -> Decimal:
    """FAA_g = M_g x SEFA_g,y (IR 2025/2620 Annex pt 2; t CO2e)."""
    return mass * sefa


def certificates_due(
    embedded: Decimal, allocation: Decimal, carbon_price_deduction: Decimal = ZERO
) -> Decimal:
    """N_g = max(0, EE_g - FAA_g - CP_g) (Reg. (EU) 2023/956 Art. 9, 22, 31; Q&A §4.32).

    The floor applies per good: a surplus of free allocation is never netted against other goods.
    """
    return max(ZERO, embedded - allocation - carbon_price_deduction)


def cost_eur(certificates: Decimal, price: Decimal) -> Decimal:
    """Certificates x price (EUR per certificate = per t CO2e), unrounded."""
    return certificates * price


def round_half_up(amount: Decimal, places: int) -> Decimal:
    """Round for output to ``places`` decimals, half up.

    IR 2025/2547 Annex II A.1(6)-(8) sets the precision (whole tonnes for period totals, at most
    5 decimals for SEE) but no rounding method; half up is the library's choice. Done in the
    library's own context: neither the caller's precision nor a figure's size (1e15 t with 5
    decimals needs 21 digits) can make it fail.
    """
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=EXACT)


def round_eur(amount: Decimal) -> Decimal:
    """Round an amount of euro to the cent (half up) for output."""
    return round_half_up(amount, 2)


def round_tonnes(amount: Decimal) -> Decimal:
    """Period totals in whole tonnes CO2e (IR 2025/2547 Annex II A.1(6)); half up."""
    return round_half_up(amount, 0)
