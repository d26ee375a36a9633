"""The declarant file: who declares, who represents them, who signs (JSON, or YAML with PyYAML).

Field sizes follow the QReport v23.00 schema (an..17 identification numbers, an..70 names,
an..128 signature fields) so that one declarant file serves the annual declaration and the
quarterly report. Texts hold no control character and names do not begin like a formula
(:mod:`cbam.values`); a key given twice is refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from cbam.codes import validate_country
from cbam.errors import InputError
from cbam.files import check_regular
from cbam.jsonfile import load_json
from cbam.values import name_rule, text_rule
from cbam.yamlfile import load_yaml

# Texts hold no control character (no workbook or XML file can); names do not begin like a
# formula either (cbam.values).
_TEXT = AfterValidator(text_rule)
Text70 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=70), _TEXT
]
Text128 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128), _TEXT
]
Text35 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=35), _TEXT
]
Name70 = Annotated[Text70, AfterValidator(name_rule)]
Name128 = Annotated[Text128, AfterValidator(name_rule)]

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
    number: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=35), _TEXT] | None
    ) = None
    postcode: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=17), _TEXT] | None
    ) = None
    po_box: Text70 | None = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return validate_country(value)


class Party(BaseModel):
    """A declarant, representative or importer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    identification_number: str = Field(description="EORI number (an..17)")
    name: Name70
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
    name: Name128
    position: Text128
    other_applicable_methodology: bool | None = None


class Contact(BaseModel):
    """Who answers questions for the declarant: name, e-mail, telephone (all optional).

    Used by supplier data requests (``cbam suppliers request``): the letters and the
    pre-filled templates name it as the importer's contact.

    >>> Contact(name="Anna Becker", email="cbam@example.com").email
    'cbam@example.com'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name70 | None = None
    email: Text128 | None = None
    telephone: Text35 | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value


class DeclarantFile(BaseModel):
    """The declarant file: who declares, who represents them, who signs.

    One file serves the annual declaration (Reg. (EU) 2023/956 Art. 6) and the transitional
    quarterly report; field sizes follow the QReport v23.00 schema.

    Attributes
    ----------
    declarant : DeclarantParty
        The declarant: EORI number (an..17), name, address and role code.
    representative : Party or None
        An indirect customs representative, when there is one.
    importer : Party or None
        The importer, when not the declarant.
    signature : Signature
        Place, name and position of the signatory and the two confirmations.
    authorisation_number : str or None
        CBAM account / authorisation number of the declarant (Art. 17).
    remarks : str or None
        Free text, up to 512 characters.
    contact : Contact or None
        Name, e-mail and telephone of the person suppliers and authorities may ask; supplier
        data requests name it (``cbam suppliers request``).

    Examples
    --------
    >>> import cbam
    >>> declarant = cbam.load_declarant("samples/declarant.json")
    >>> isinstance(declarant, cbam.DeclarantFile), declarant.summary()["eori"]
    (True, 'DE123456789012345')
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    declarant: DeclarantParty
    representative: Party | None = None
    importer: Party | None = None
    signature: Signature
    authorisation_number: Annotated[str, _TEXT] | None = Field(
        default=None, description="CBAM account / authorisation number of the declarant"
    )
    remarks: Annotated[str, StringConstraints(max_length=512), _TEXT] | None = None
    contact: Contact | None = None

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
    check_regular(path)
    try:
        # utf-8-sig: a byte-order mark written by Windows editors is not content.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the declarant file is not UTF-8 text (byte {exc.start}); save it as UTF-8",
            source=str(path),
        ) from None
    if path.suffix.lower() in (".yaml", ".yml"):
        return load_yaml(text, source=str(path))
    return load_json(text, source=str(path), what="JSON declarant file")


def load_declarant(path: str | Path) -> DeclarantFile:
    """Read and validate a declarant file (JSON, or YAML with the ``yaml`` extra).

    Parameters
    ----------
    path : str or Path
        The declarant file (see ``samples/declarant.json``).

    Returns
    -------
    DeclarantFile
        The validated file; EORI numbers normalised, countries ISO 3166-1 alpha-2.

    Raises
    ------
    InputError
        Naming the file, the key path (``declarant.address.country``) and the reason.
    Examples
    --------
    >>> import cbam
    >>> cbam.load_declarant("samples/declarant.json").declarant.identification_number
    'DE123456789012345'
    """
    file = Path(path)
    data = _read_mapping(file)
    try:
        return DeclarantFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        # The last key is the field; the keys before it say where it sits.
        field = loc.pop() if loc else None
        raise InputError(
            first["msg"], source=str(file), location=".".join(loc) or None, field=field
        ) from None
