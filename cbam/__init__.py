"""cbam: the EU Carbon Border Adjustment Mechanism in exact, explained Python.

The public API is re-exported here (interfaces.md section 3); everything else is internal and
may change. Names are loaded on first use so that ``import cbam`` and the command line stay
fast.

>>> import cbam
>>> value = cbam.default_value("2523 10 00", "CN", route="A")
>>> value.total, value.value_used(2026)
(Decimal('1.39'), Decimal('1.5290'))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cbam.errors import (
    CbamError,
    InputError,
    NotACbamGoodError,
    NoValueError,
    ReferenceDataError,
    UnknownCNCodeError,
    UnknownCountryError,
)

if TYPE_CHECKING:
    from cbam import suppliers
    from cbam.declaration.assess import assess, assess_by_importer
    from cbam.declaration.cost import LineCost, cost_line
    from cbam.declaration.declarant import DeclarantFile, load_declarant
    from cbam.declaration.model import Assessment, ImportLine, SupplierValue
    from cbam.declaration.year_inputs import YearInputs
    from cbam.formats.imports import read_imports
    from cbam.formats.installation_files import load_suppliers
    from cbam.formats.qreport import build_qreport, read_qreport, validate_qreport, write_qreport
    from cbam.formats.template.fill import fill_template
    from cbam.formats.template.read import read_template
    from cbam.goods import AggregatedCategory, Good, good
    from cbam.installation import (
        Installation,
        InstallationResult,
        compute_see,
        load_installation,
    )
    from cbam.reference import (
        benchmark,
        default_value,
        electricity_factor,
        grid_factor,
        load_defaults_workbook,
    )

__version__ = "0.1.0"

#: public name -> module that defines it
_LAZY: dict[str, str] = {
    "assess": "cbam.declaration.assess",
    "assess_by_importer": "cbam.declaration.assess",
    "cost_line": "cbam.declaration.cost",
    "LineCost": "cbam.declaration.cost",
    "DeclarantFile": "cbam.declaration.declarant",
    "load_declarant": "cbam.declaration.declarant",
    "Assessment": "cbam.declaration.model",
    "SupplierValue": "cbam.declaration.model",
    "YearInputs": "cbam.declaration.year_inputs",
    "load_suppliers": "cbam.formats.installation_files",
    "ImportLine": "cbam.declaration.model",
    "read_imports": "cbam.formats.imports",
    "read_template": "cbam.formats.template.read",
    "build_qreport": "cbam.formats.qreport",
    "read_qreport": "cbam.formats.qreport",
    "validate_qreport": "cbam.formats.qreport",
    "write_qreport": "cbam.formats.qreport",
    "fill_template": "cbam.formats.template.fill",
    "AggregatedCategory": "cbam.goods",
    "Good": "cbam.goods",
    "good": "cbam.goods",
    "Installation": "cbam.installation",
    "InstallationResult": "cbam.installation",
    "compute_see": "cbam.installation",
    "load_installation": "cbam.installation",
    "benchmark": "cbam.reference",
    "default_value": "cbam.reference",
    "electricity_factor": "cbam.reference",
    "grid_factor": "cbam.reference",
    "load_defaults_workbook": "cbam.reference",
}


#: public submodules, loaded on first use (``cbam.suppliers.plan(...)``)
_MODULES = frozenset({"suppliers"})


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        found = importlib.import_module(f"cbam.{name}")
        globals()[name] = found
        return found
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cbam' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY, *_MODULES])


__all__ = [
    "AggregatedCategory",
    "Assessment",
    "CbamError",
    "DeclarantFile",
    "Good",
    "ImportLine",
    "InputError",
    "Installation",
    "InstallationResult",
    "LineCost",
    "NoValueError",
    "NotACbamGoodError",
    "ReferenceDataError",
    "SupplierValue",
    "UnknownCNCodeError",
    "UnknownCountryError",
    "YearInputs",
    "__version__",
    "assess",
    "assess_by_importer",
    "benchmark",
    "build_qreport",
    "compute_see",
    "cost_line",
    "default_value",
    "electricity_factor",
    "fill_template",
    "good",
    "grid_factor",
    "load_declarant",
    "load_defaults_workbook",
    "load_installation",
    "load_suppliers",
    "read_imports",
    "read_qreport",
    "read_template",
    "suppliers",
    "validate_qreport",
    "write_qreport",
]
