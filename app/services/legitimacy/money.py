"""Money arithmetic shared by the delivery screens and the advice: Decimal, half-up cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ...models import IncomePeriod

CENT = Decimal("0.01")
# DESIGN.md 6: week x 52/12, four weeks x 13/12, year / 12.
_MONTHLY = {
    IncomePeriod.WEEK: (Decimal(52), Decimal(12)),
    IncomePeriod.FOUR_WEEKS: (Decimal(13), Decimal(12)),
    IncomePeriod.MONTH: (Decimal(1), Decimal(1)),
    IncomePeriod.YEAR: (Decimal(1), Decimal(12)),
}


def cents(value: Decimal) -> Decimal:
    """Round half-up to cents, as municipalities publish amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def monthly(amount: Decimal, period: IncomePeriod) -> Decimal:
    """The exact monthly equivalent of an amount per period (not rounded)."""
    times, per = _MONTHLY[period]
    return amount * times / per
