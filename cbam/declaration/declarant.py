"""The declarant file: who declares, who represents them, who signs (JSON, or YAML with PyYAML).

Field sizes follow the QReport v23.00 schema (an..17 identification numbers, an..70 names,
an..128 signature fields) so that one declarant file serves the annual declaration and the
quarterly report.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from cbam.codes import validate_country
from cbam.errors import InputError

Text70 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=70)]
Text128 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Text35 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=35)]

#: EORI number (Reg. (EU) 2015/2446 Art. 1(18)): ISO country code + up to 15 letters or digits.
_EORI = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,15}$")


def validate_eori(value: str) -> str:
    """Normalise and check an EORI number (``de 123 456`` -> ``DE123456``)."""
    code = re.sub(r"[\s.\-]", "", value).upper()
    if not _EORI.match(code):
        raise ValueError(
            f"{value!r} is not an EORI number (country code + up to 15 letters or digits)"
        )
    validate_country(code[:2])
    return code


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str
    subdivision: Text35 | None = None
    city: Text35
    street: Text70 | None = None
    street_additional: Text70 | None = None
    number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=35)] | None = None
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=17)] | None = None
    po_box: Text70 | None = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return validate_country(value)


class Party(BaseModel):
    """A declarant, representative or importer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    identification_number: str = Field(description="EORI number (an..17)")
    name: Text70
    address: Address

    @field_validator("identification_number")
    @classmethod
    def _eori(cls, value: str) -> str:
        return validate_eori(value)


class DeclarantParty(Party):
    role: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5)] = (
        "01"
    )
    """Role code of the QReport code list ``Role`` (01 importer, 02 indirect representative...)."""


class Signature(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    global_data_confirmation: bool = True
    use_of_data_confirmation: bool = True
    place: Text128
    name: Text128
    position: Text128
    other_applicable_methodology: bool | None = None


class DeclarantFile(BaseModel):
    """The whole declarant file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    declarant: DeclarantParty
    representative: Party | None = None
    importer: Party | None = None
    signature: Signature
    authorisation_number: str | None = Field(
        default=None, description="CBAM account / authorisation number of the declarant"
    )
    remarks: Annotated[str, StringConstraints(max_length=512)] | None = None

    def summary(self) -> dict[str, str]:
        """The few facts the annual declaration shows about its declarant."""
        out = {
            "eori": self.declarant.identification_number,
            "name": self.declarant.name,
            "country": self.declarant.address.country,
        }
        if self.authorisation_number:
            out["authorisation_number"] = self.authorisation_number
        if self.representative:
            out["representative"] = self.representative.name
        return out


def _read_mapping(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise InputError(
                "reading YAML needs PyYAML: pip install 'cbam[yaml]'", source=str(path)
            ) from None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"not valid YAML: {exc}", source=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}", source=str(path), location=f"line {exc.lineno}"
        ) from None


def load_declarant(path: str | Path) -> DeclarantFile:
    """Read and validate a declarant file; errors name the file, the key path and the reason."""
    file = Path(path)
    data = _read_mapping(file)
    try:
        return DeclarantFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(first["msg"], source=str(file), location=where or None) from None
