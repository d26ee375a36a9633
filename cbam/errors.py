"""The exceptions the library raises.

Every error a user can cause names *where* (file, row or cell), *what* (the field) and *why*
(the reason), so that a CLI can print it as one line and an ERP job can log it without a
traceback. All of them derive from :class:`CbamError`; input problems are also ``ValueError``.
"""

from __future__ import annotations

#: The longest reason an error carries, and the longest one-line message: a value of 100,000
#: characters or a header of a million columns is named by its start, never printed whole.
MAX_REASON = 1000
MAX_MESSAGE = 2000


def clip(text: str, limit: int = MAX_REASON) -> str:
    """``text``, cut to ``limit`` characters with a note of how much was left out.

    >>> clip("x" * 1010, 5)
    'xxxxx... (1005 more characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


class CbamError(Exception):
    """Base class of every error the library raises on purpose.

    Parameters
    ----------
    reason:
        What is wrong, in words a consultant understands.
    source:
        The file (or dataset) the problem was found in, when there is one.
    location:
        Where in that file: ``"row 12"``, ``"sheet China, cell E14"``, ``"processes[1]"``.
    field:
        The field, column or key concerned.

    Examples
    --------
    >>> err = CbamError("not a number", source="imports.csv", location="row 12", field="net_mass")
    >>> str(err)
    "imports.csv, row 12, field 'net_mass': not a number"
    >>> err.reason, err.location
    ('not a number', 'row 12')

    A reason longer than :data:`MAX_REASON` characters is cut, with a note of what was left out,
    so that a message stays one readable line whatever value it quotes.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        location: str | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = clip(reason)
        self.source = source
        self.location = location
        self.field = field
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one-line message: ``file, location, field 'x': reason``."""
        parts = [p for p in (self.source, self.location) if p]
        if self.field:
            parts.append(f"field '{self.field}'")
        prefix = ", ".join(parts)
        return clip(f"{prefix}: {self.reason}" if prefix else self.reason, MAX_MESSAGE)

    def __str__(self) -> str:
        return self.message

    def located(
        self,
        *,
        source: str | None = None,
        location: str | None = None,
        field: str | None = None,
    ) -> CbamError:
        """Fill in where the error happened, keeping what is already known; returns self."""
        self.source = self.source or source
        self.location = self.location or location
        self.field = self.field or field
        self.args = (self.message,)
        return self


class InputError(CbamError, ValueError):
    """A value or file supplied by the user is invalid.

    >>> import cbam
    >>> try:
    ...     cbam.benchmark("2523 10 00", "A", year=2025)
    ... except InputError as exc:
    ...     print(exc.field, "-", exc.reason)
    year - year 2025 is outside the definitive period (2026 onwards) this library computes
    >>> issubclass(InputError, ValueError)
    True
    """


class UnknownCNCodeError(InputError):
    """A CN code that is malformed, or that no catalogue knows.

    >>> import cbam
    >>> cbam.good("72O8 10 00")
    Traceback (most recent call last):
        ...
    cbam.errors.UnknownCNCodeError: CN code '72O8 10 00' contains characters other than digits, ...
    """


class NotACbamGoodError(InputError):
    """A well-formed CN code of goods outside Annex I of Reg. (EU) 2023/956 (e.g. 7204 scrap).

    >>> import cbam
    >>> cbam.good("7602 00 11")
    Traceback (most recent call last):
        ...
    cbam.errors.NotACbamGoodError: field 'cn': CN 7602 00 11 (aluminium waste and scrap) is not ...
    """


class UnknownCountryError(InputError):
    """A country code that is not ISO 3166-1 alpha-2 (nor a customs code the law names).

    >>> import cbam
    >>> cbam.grid_factor("ZZ")
    Traceback (most recent call last):
        ...
    cbam.errors.UnknownCountryError: field 'country': country code 'ZZ' is not an ISO 3166-1 ...
    """


class NotCbamOriginError(InputError):
    """Goods from an EU member state or an Annex III pt 1 country: not CBAM imports.

    Raised by :func:`cbam.codes.check_origin`, the library's one origin check.
    """


class ReferenceDataError(CbamError):
    """The reference data cannot answer: no value anywhere, or a dataset file is damaged.

    >>> from cbam.reference.manifest import dataset
    >>> dataset("default_values").legal_act
    'IR 2025/2621 Annex I'
    >>> dataset("steel_prices")
    Traceback (most recent call last):
        ...
    cbam.errors.ReferenceDataError: ...manifest.json: dataset 'steel_prices' is not packaged; ...
    """


class NoValueError(ReferenceDataError, LookupError):
    """No value exists for a lookup, not even after the fall-backs the law allows.

    >>> import cbam
    >>> try:
    ...     cbam.grid_factor("FR")
    ... except NoValueError as exc:
    ...     print(exc.reason)
    IR 2025/2621 Annex II has no grid factor for France (FR): it is an EU member state
    """


def install_hint(extra: str) -> str:
    """The command that installs an optional extra, for a source checkout and from an index.

    The library is usually installed from its source (``pip install .``), where
    ``pip install 'cbam[extra]'`` would look for another package on an index.

    >>> install_hint("pandas")
    "pip install '.[pandas]' in the cbam source folder (or pip install 'cbam[pandas]')"
    """
    return f"pip install '.[{extra}]' in the cbam source folder (or pip install 'cbam[{extra}]')"
