"""The audit trail: one step per number, saying which rule, dataset and choice produced it."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class AuditStep(BaseModel):
    """One number of a result and where it came from."""

    model_config = ConfigDict(frozen=True)

    quantity: str
    """What the number is: ``"SEE used"``, ``"benchmark"``, ``"free allocation"``..."""
    value: Decimal | str | None
    rule: str | None = None
    """The legal source of the formula or rule: ``"IR 2025/2620 Annex pt 4"``."""
    source: str | None = None
    """Dataset with version and location, or the user input it came from."""
    note: str | None = None
    """A choice or fall-back taken, in words."""
