"""Customs lines of several importers: each importer assessed apart.

The 50 t threshold applies to the net mass "aggregated per importer and per calendar year"
(Reg. (EU) 2023/956 Art. 2a(1) as inserted by Reg. (EU) 2025/2083), whether the importer
declared the goods itself or through an indirect customs representative (Recital 7); a
representative acting as authorised CBAM declarant takes on the importer's obligations "in
respect of the goods imported on behalf of that importer" (Art. 5(2a)). So the threshold, the
quarterly holding and the declaration's figures are per importer: one
:class:`~cbam.declaration.engine.Engine` per importer (EORI number, Art. 3(20)).

:class:`ByImporter` routes a stream of lines to the engine of each line's importer, made on first
use; :class:`OneImporter` checks that a stream names one importer only (what :func:`cbam.assess`
and the transitional report accept).

>>> from decimal import Decimal
>>> from cbam.declaration.model import ImportLine
>>> def line(row, eori, mass):
...     return ImportLine(row=row, cn="25231000", country="CN", net_mass=Decimal(mass),
...                       year=2026, quarter=1, route="A", importer_eori=eori)
>>> router = ByImporter(lambda eori: Engine(2026))
>>> router.add_lines([line(2, "DE1", "30"), line(3, "NL2", "30"), line(4, "DE1", "30")])
>>> {eori: engine.finish().de_minimis.exempt for eori, engine in router.engines.items()}
{'DE1': False, 'NL2': True}

DE1's 60 t exceed the 50 t; NL2's 30 t do not, whatever the other importer imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import groupby

from cbam.declaration.engine import PROGRESS_EVERY, Engine, Progress
from cbam.declaration.model import ImportLine
from cbam.errors import InputError

__all__ = ["EMPTY_IN_FILE", "ByImporter", "OneImporter", "importer_error"]

FIELD = "importer_eori"

#: The reason of a line without an importer in a customs file that has the column.
EMPTY_IN_FILE = "is empty; a file with the column importer_eori names the importer on every line"


def importer_error(reason: str, row: int) -> InputError:
    """An :class:`InputError` at ``row``, column ``importer_eori``.

    >>> str(importer_error("is empty", 7))
    "row 7, field 'importer_eori': is empty"
    """
    return InputError(reason, location=f"row {row}", field=FIELD)


class ByImporter:
    """Route customs lines to one engine per importer (``importer_eori``), made on first use.

    Consecutive lines of one importer go to its engine in one run, so a file sorted by importer
    costs no more than one engine over the same lines; each engine sees its importer's lines in
    input order, and the engines keep the order in which their importers first appear.

    Parameters
    ----------
    make : callable
        Makes the engine of an importer, given its EORI number (with its own sink, if any).
    empty : str
        The reason of the :class:`InputError` raised for a line without an importer.
    progress : callable, optional
        Called with the number of lines routed so far every
        :data:`~cbam.declaration.engine.PROGRESS_EVERY` lines.

    Examples
    --------
    >>> from decimal import Decimal
    >>> from cbam.declaration.model import ImportLine
    >>> router = ByImporter(lambda eori: Engine(2026))
    >>> router.add_lines([ImportLine(row=2, cn="25231000", country="CN",
    ...                              net_mass=Decimal(1), year=2026, quarter=1)])
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: row 2, field 'importer_eori': is empty; a file with the column ...
    """

    def __init__(
        self,
        make: Callable[[str], Engine],
        *,
        empty: str = EMPTY_IN_FILE,
        progress: Progress | None = None,
    ) -> None:
        self.make = make
        self.empty = empty
        self.progress = progress
        self.engines: dict[str, Engine] = {}
        self.lines = 0

    def engine(self, eori: str) -> Engine:
        """The engine of the importer ``eori``, made on first use."""
        found = self.engines.get(eori)
        if found is None:
            found = self.engines[eori] = self.make(eori)
        return found

    def _key(self, line: ImportLine) -> str:
        eori = line.importer_eori
        if not eori:
            raise importer_error(self.empty, line.row)
        self.lines += 1
        if self.progress is not None and self.lines % PROGRESS_EVERY == 0:
            self.progress(self.lines)
        return eori

    def add_lines(self, lines: Iterable[ImportLine]) -> None:
        """Assess each line with the engine of its importer (errors name the row and column)."""
        for eori, run in groupby(lines, self._key):
            self.engine(eori).add_lines(run)


class OneImporter:
    """Pass customs lines through, checking that they name one importer (or none at all).

    The first line that names another importer than the lines before it -- or names one where
    they named none, or none where they named one -- is an :class:`InputError` at its row that
    says what to use instead (``hint``).

    Parameters
    ----------
    hint : str
        What to use for lines of several importers, ending the message.
    required : bool
        A line without an importer is an error (a customs file with the column).

    Attributes
    ----------
    eori : str or None
        The importer the lines name, once a line was read (None: they name none).

    Examples
    --------
    >>> from decimal import Decimal
    >>> from cbam.declaration.model import ImportLine
    >>> def line(row, eori):
    ...     return ImportLine(row=row, cn="25231000", country="CN", net_mass=Decimal(1),
    ...                       year=2026, quarter=1, importer_eori=eori)
    >>> check = OneImporter("use cbam.assess_by_importer")
    >>> list(check.lines([line(2, "DE1"), line(3, "NL2")]))
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: row 3, field 'importer_eori': names importer NL2, but row 2 named ...
    """

    def __init__(self, hint: str, *, required: bool = False) -> None:
        self.hint = hint
        self.required = required
        self.eori: str | None = None
        self._first: int | None = None

    def lines(self, lines: Iterable[ImportLine]) -> Iterator[ImportLine]:
        """The lines, unchanged, each checked against the first."""
        for line in lines:
            eori = line.importer_eori or None
            if eori != self.eori or self._first is None:
                self._check(line, eori)
            yield line

    def _check(self, line: ImportLine, eori: str | None) -> None:
        if eori is None and self.required:
            raise importer_error(EMPTY_IN_FILE, line.row)
        if self._first is None:
            self._first, self.eori = line.row, eori
            return
        named = f"importer {eori}" if eori else "no importer"
        before = f"importer {self.eori}" if self.eori else "none"
        raise importer_error(
            f"names {named}, but row {self._first} named {before}: the de minimis threshold, "
            "the holding and the declaration are per importer (Reg. (EU) 2023/956 Art. 2a(1), "
            f"Art. 5(2a)); {self.hint}",
            line.row,
        )
