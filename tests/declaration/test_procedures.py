"""Customs procedures: which CBAM rule each line falls under (Reg. (EU) 2023/956 Art. 3(4), 6)."""

from __future__ import annotations

import pytest

from cbam.declaration.procedures import parse_additional, rule_of
from cbam.errors import InputError


@pytest.mark.parametrize(
    ("code", "additional", "rule", "counts"),
    [
        ("4000", (), "import", True),  # release for free circulation and home use
        ("40", (), "import", True),  # only the requested procedure given
        ("4071", (), "import", True),  # released from a customs warehouse: an import now
        ("4400", (), "import", True),  # end-use is a release for free circulation
        ("5100", (), "not imported", False),  # placed under inward processing: Q&A §7.7
        ("5300", (), "not imported", False),  # temporary admission: Q&A §7.5
        ("7100", (), "not imported", False),  # customs warehousing
        ("3151", (), "not imported", False),  # re-export after inward processing
        ("4051", (), "inward processing", True),  # Art. 6(3)
        ("4454", (), "inward processing", True),  # end-use after IP in another Member State
        ("4000", ("F44",), "inward processing", True),
        ("6121", (), "outward processing", True),  # Art. 6(4)
        ("6100", ("B02",), "outward processing", True),
        ("6123", ("F01",), "returned goods", True),  # Art. 6(5), counted: Q&A §7.20
        ("4010", ("F05",), "returned goods", True),
        ("6123", (), "import", True),  # a return without the relief claimed: full emissions
        ("6131", ("F04",), "import", True),  # UCC Art. 205: like any import (Art. 6(3))
        ("", (), "import", True),  # no procedure: release assumed, and said
    ],
)
def test_rules(code: str, additional: tuple[str, ...], rule: str, counts: bool) -> None:
    found = rule_of(code, additional)
    assert (found.rule, found.counts_for_threshold) == (rule, counts)
    assert found.reason


def test_the_reasons_cite_the_law() -> None:
    assert "Art. 6(5)" in rule_of("6123", ["F01"]).reason
    assert "Art. 6(3)" in rule_of("4051").reason
    assert "Art. 6(4)" in rule_of("6121").reason
    assert "Art. 3(4)" in rule_of("5100").reason
    assert "assumed" in rule_of(None).reason


@pytest.mark.parametrize("bad", ["4", "40000", "4O00", "ab12", "40-0"])
def test_malformed_codes_are_refused(bad: str) -> None:
    with pytest.raises(InputError) as caught:
        rule_of(bad)
    assert caught.value.field == "procedure"


def test_unknown_requested_procedure_is_refused_not_guessed() -> None:
    with pytest.raises(InputError, match="'99' is not a known code"):
        rule_of("9900")


def test_additional_codes() -> None:
    assert parse_additional(" f01 ,C07;B02/ f44 ") == ("F01", "C07", "B02", "F44")
    assert parse_additional(None) == () and parse_additional("") == ()
    with pytest.raises(InputError) as caught:
        parse_additional("F1")
    assert caught.value.field == "additional_procedure"
