"""What the declarant gives, beyond customs lines and supplier data, that sets the year's figures.

How the certificates are priced (:mod:`cbam.declaration.price_basis`), last year's surrendered
certificates for the quarterly holding (:class:`cbam.declaration.holding.PreviousSurrender`),
and what a carbon price paid abroad needs (:mod:`cbam.declaration.carbon_price`): yearly
exchange rates, the Commission's default carbon prices, prices paid per installation.

>>> from decimal import Decimal
>>> from cbam.declaration.price_basis import FlatPrice
>>> YearInputs(price_basis=FlatPrice(Decimal(80))).price_basis.code
'flat'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cbam.declaration.carbon_price import (
    DefaultCarbonPrices,
    ExchangeRates,
    InstallationCarbonPrices,
)

if TYPE_CHECKING:
    from cbam.declaration.holding import PreviousSurrender
    from cbam.declaration.price_basis import PriceBasis


@dataclass(frozen=True)
class YearInputs:
    """The declarant's inputs of one year that change its figures (all optional).

    Attributes
    ----------
    price_basis : PriceBasis, optional
        How the certificates are priced; by law the quarter of importation in 2026, from 2027
        an assumed yearly price (flagged) unless the user gives one.
    previous_surrender : PreviousSurrender, optional
        Certificates surrendered per CN code and origin (Art. 22(2)(b)).
    exchange_rates : ExchangeRates
        Yearly average rates for carbon prices paid in other currencies (Art. 9(5)).
    default_carbon_prices : DefaultCarbonPrices, optional
        The Commission's yearly default carbon prices (Art. 9(4)).
    carbon_prices_paid : InstallationCarbonPrices, optional
        Carbon prices paid per installation (per tonne of good).

    Examples
    --------
    100 t of Indian hot-rolled steel imported in 2027, costed at a flat EUR 80 per certificate
    (Art. 20(4): the price of the week of purchase, which the user estimates):

    >>> from decimal import Decimal
    >>> import cbam
    >>> from cbam.declaration.price_basis import FlatPrice
    >>> line = cbam.ImportLine(row=2, cn="72081000", country="IN", net_mass=Decimal(100),
    ...                        year=2027, quarter=1)
    >>> result = cbam.assess([line], 2027, inputs=YearInputs(price_basis=FlatPrice(Decimal(80))))
    >>> result.totals.cost_eur == result.totals.certificates * 80, result.price_basis
    (True, 'flat price of EUR 80 per certificate given by the user')
    """

    price_basis: PriceBasis | None = None
    previous_surrender: PreviousSurrender | None = None
    exchange_rates: ExchangeRates = field(default_factory=ExchangeRates)
    default_carbon_prices: DefaultCarbonPrices | None = None
    carbon_prices_paid: InstallationCarbonPrices | None = None
