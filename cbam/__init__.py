"""cbam: the EU Carbon Border Adjustment Mechanism in exact, explained Python.

The public API is re-exported here; everything else is internal and may change.
"""

from __future__ import annotations

from cbam.errors import (
    CbamError,
    InputError,
    NotACbamGoodError,
    NoValueError,
    ReferenceDataError,
    UnknownCNCodeError,
    UnknownCountryError,
)

__version__ = "0.1.0"

__all__ = [
    "CbamError",
    "InputError",
    "NoValueError",
    "NotACbamGoodError",
    "ReferenceDataError",
    "UnknownCNCodeError",
    "UnknownCountryError",
    "__version__",
]
