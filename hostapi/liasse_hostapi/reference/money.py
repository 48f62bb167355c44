"""Amounts as the reference host stores them: integer cents, never floats."""

from __future__ import annotations

from decimal import Decimal

_CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> int:
    """``Decimal("12.30")`` as ``1230``; refuses fractions of a cent rather than round money silently."""
    quantized = amount.quantize(_CENT)
    if quantized != amount:
        raise ValueError(f"{amount} has fractions of a cent")
    return int(quantized * 100)


def from_cents(cents: int) -> Decimal:
    """``1230`` as ``Decimal("12.30")``."""
    return (Decimal(cents) / 100).quantize(_CENT)
