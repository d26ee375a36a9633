"""Customs procedures: which CBAM rule a customs line falls under.

A customs declaration names its procedure in data element 1/10 ("Procedure", IR 2015/2447
Annex B Title II): four characters, the requested procedure (two) and the previous procedure
(two), e.g. ``4000`` (release for free circulation, no previous procedure) or ``4051`` (release
for free circulation of goods that were under inward processing). Reliefs are named in data
element 1/11 ("Additional procedure"): ``F01`` relief for returned goods (UCC Art. 203) and so on.

Reg. (EU) 2023/956 attaches the obligation to *importation*, the release for free circulation
(Art. 3(4)); goods under a suspensive procedure carry none until released (Q&A §7.7, §7.11).
Art. 6(3)-(5) (not amended by Reg. (EU) 2025/2083) add three rules:

* processed products of inward processing released for free circulation carry the embedded
  emissions of the CBAM goods placed under the procedure, even where the products are not
  Annex I goods (Art. 6(3); Q&A §7.7);
* processed products of outward processing count only the emissions of the processing abroad
  (Art. 6(4));
* returned goods of UCC Art. 203 are declared separately with 'zero' embedded emissions
  (Art. 6(5)) and still count towards the 50 t threshold (Q&A §7.20); processed products
  returning after inward processing (UCC Art. 205) are declared like any import (Art. 6(3),
  second sentence).

The list of procedure codes is the library's reading of IR 2015/2447 Annex B Title II (DE 1/10
and 1/11) as customs authorities publish it; the authentic text was not among the sources of
this release (see docs/methodology.md, "Customs procedures"). An unknown requested procedure is
an error, never guessed.

>>> rule_of("4000").rule, rule_of("5100").rule, rule_of("4051").rule
('import', 'not imported', 'inward processing')
>>> rule_of("6123", ["F01"]).rule, rule_of("6123").rule
('returned goods', 'import')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from cbam.errors import InputError

Rule = Literal[
    "import", "not imported", "inward processing", "outward processing", "returned goods"
]
"""What the law does with a line: an ordinary import; no obligation (not released for free
circulation); Art. 6(3); Art. 6(4); Art. 6(5)."""

#: Requested procedures (first two characters of DE 1/10) that release goods for free
#: circulation: importation in the sense of Reg. (EU) 2023/956 Art. 3(4).
RELEASE: dict[str, str] = {
    "01": "release for free circulation and re-dispatch to a special fiscal territory",
    "07": "release for free circulation and placing under a non-customs warehousing procedure",
    "40": "release for free circulation and home use",
    "42": "release for free circulation and home use, exempt onward supply in the Union",
    "43": "release for free circulation under transitional measures after accession",
    "44": "end-use (release for free circulation at a reduced or zero duty)",
    "45": "release for free circulation and partial home use",
    "46": "import of processed products from equivalent goods under outward processing",
    "48": "release for free circulation of replacement products (standard exchange)",
    "61": "re-importation with release for free circulation and home use",
    "63": "re-importation with release for free circulation, exempt onward supply",
    "68": "re-importation with release for free circulation and partial home use",
}

#: Requested procedures that do not release goods for free circulation: no CBAM obligation
#: arises (Art. 3(4); Q&A §7.5, §7.7, §7.11); the lines do not count towards the 50 t.
NOT_RELEASED: dict[str, str] = {
    "10": "permanent export",
    "11": "export of processed products (inward processing, prior export)",
    "21": "temporary export under outward processing",
    "22": "temporary export",
    "23": "temporary export for return in the unaltered state",
    "31": "re-export",
    "51": "placing under inward processing",
    "53": "placing under temporary admission",
    "71": "placing under customs warehousing",
    "76": "Union goods placed under customs warehousing (export refunds)",
    "77": "Union goods produced under customs supervision (export refunds)",
    "78": "entry into a free zone",
    "95": "Union goods in trade with special fiscal territories",
    "96": "Union goods in trade with special fiscal territories (other)",
}

#: Previous procedures (last two characters) that mark processed products of inward processing.
INWARD_PREVIOUS = frozenset({"51", "54"})
#: Previous procedure of outward processing (re-importation of processed products: 6121 ...).
OUTWARD_PREVIOUS = frozenset({"21"})
#: Additional procedure codes (DE 1/11) of relief for returned goods: UCC Art. 203 and DA
#: 2015/2446 Arts. 158-159 (F01, F02, F03) and with VAT relief (F05).
RETURNED = frozenset({"F01", "F02", "F03", "F05"})
#: Returned processed products after inward processing (UCC Art. 205): an ordinary import.
RETURNED_AFTER_INWARD = frozenset({"F04", "F07"})
#: Additional codes of inward processing (F44) and outward processing repairs (B02).
INWARD_ADDITIONAL = frozenset({"F44"})
OUTWARD_ADDITIONAL = frozenset({"B02"})

_CODE = re.compile(r"^[0-9]{2}([0-9]{2})?$")
_ADDITIONAL = re.compile(r"^[A-Z0-9]{3}$")


@dataclass(frozen=True, slots=True)
class ProcedureRule:
    """The rule a customs line falls under, and why.

    Attributes
    ----------
    code : str
        The procedure as declared (``"4000"``; ``"40"`` when only the requested procedure is
        known; ``""`` when the line gives none and release for free circulation is assumed).
    additional : tuple of str
        The additional procedure codes (DE 1/11) considered.
    rule : str
        ``import``, ``not imported``, ``inward processing``, ``outward processing`` or
        ``returned goods``.
    counts_for_threshold : bool
        Whether the line's net mass counts towards the 50 t of Art. 2a.
    reason : str
        The rule in words, with its legal source.
    """

    code: str
    additional: tuple[str, ...]
    rule: Rule
    counts_for_threshold: bool
    reason: str


def parse_additional(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """Additional procedure codes (DE 1/11) from a cell: ``"F01"``, ``"F01 C07"``, ``"F01;B02"``.

    >>> parse_additional("f01, C07")
    ('F01', 'C07')
    """
    if text is None:
        return ()
    parts = re.split(r"[\s,;/]+", text) if isinstance(text, str) else list(text)
    codes = tuple(p.strip().upper() for p in parts if p and p.strip())
    for code in codes:
        if not _ADDITIONAL.match(code):
            raise InputError(
                f"{code!r} is not an additional procedure code (three characters, e.g. F01)",
                field="additional_procedure",
            )
    return codes


def rule_of(procedure: str | None, additional: Iterable[str] = ()) -> ProcedureRule:
    """The CBAM rule of a customs line (Reg. (EU) 2023/956 Arts. 2a, 3(4), 6(3)-(5)).

    Parameters
    ----------
    procedure : str or None
        DE 1/10: four digits (requested + previous procedure) or two (requested only); empty
        or None: release for free circulation assumed (the customs file lists imports), noted.
    additional : iterable of str
        DE 1/11 codes (``F01`` returned goods ...).

    Returns
    -------
    ProcedureRule
        The rule, whether the net mass counts towards the 50 t (returned goods do, Q&A §7.20;
        goods not released do not), and the reason in words.

    Raises
    ------
    InputError
        A malformed code, or a requested procedure this library does not know (field
        ``procedure``).

    Examples
    --------
    >>> rule_of("6121").reason  # doctest: +ELLIPSIS
    'outward processing (previous procedure 21): only the emissions of the processing abroad...'
    """
    codes = tuple(additional)
    text = (procedure or "").strip().upper()
    if not text:
        return ProcedureRule(
            "",
            codes,
            "import",
            True,
            "no customs procedure given: release for free circulation (4000) assumed",
        )
    if not _CODE.match(text):
        raise InputError(
            f"{text!r} is not a customs procedure code (data element 1/10: four digits, the "
            "requested and the previous procedure, e.g. 4000)",
            field="procedure",
        )
    requested, previous = text[:2], text[2:]
    if requested in NOT_RELEASED:
        return ProcedureRule(
            text,
            codes,
            "not imported",
            False,
            f"{NOT_RELEASED[requested]} ({requested}): not a release for free circulation, no "
            "CBAM obligation (Reg. (EU) 2023/956 Art. 3(4); Q&A §7.5, §7.7)",
        )
    if requested not in RELEASE:
        raise InputError(
            f"requested procedure {requested!r} is not a known code of data element 1/10 "
            "(IR 2015/2447 Annex B Title II)",
            field="procedure",
        )
    return _released(text, previous, codes)


def _released(text: str, previous: str, codes: tuple[str, ...]) -> ProcedureRule:
    """The rule of a release for free circulation, by previous procedure and relief code."""
    extra = set(codes)
    if extra & RETURNED and not extra & RETURNED_AFTER_INWARD:
        return ProcedureRule(
            text,
            codes,
            "returned goods",
            True,
            "returned goods (relief "
            + ", ".join(sorted(extra & RETURNED))
            + ", UCC Art. 203): declared separately with zero embedded emissions, counted "
            "towards the 50 t (Reg. (EU) 2023/956 Art. 6(5); Q&A §7.20)",
        )
    if extra & RETURNED_AFTER_INWARD:
        return ProcedureRule(
            text,
            codes,
            "import",
            True,
            "processed products returned after inward processing (UCC Art. 205): declared "
            "like any import (Reg. (EU) 2023/956 Art. 6(3), second sentence; Q&A §7.20)",
        )
    if previous in INWARD_PREVIOUS or extra & INWARD_ADDITIONAL:
        return ProcedureRule(
            text,
            codes,
            "inward processing",
            True,
            "released from inward processing: the embedded emissions of the CBAM goods placed "
            "under the procedure are declared (Reg. (EU) 2023/956 Art. 6(3); Q&A §7.7)",
        )
    if previous in OUTWARD_PREVIOUS or extra & OUTWARD_ADDITIONAL:
        return ProcedureRule(
            text,
            codes,
            "outward processing",
            True,
            f"outward processing (previous procedure {previous or 'B02'}): only the emissions "
            "of the processing abroad count (Reg. (EU) 2023/956 Art. 6(4))",
        )
    return ProcedureRule(
        text,
        codes,
        "import",
        True,
        f"{RELEASE[text[:2]]} ({text}): an import (Reg. (EU) 2023/956 Art. 3(4))",
    )
