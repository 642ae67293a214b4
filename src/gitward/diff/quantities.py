"""Kubernetes resource quantities (``500m``, ``1Gi``, ``0.5``) reduced to one spelling per value.

The API server stores ``cpu: 0.5`` as ``500m`` and ``memory: 1024Mi`` as ``1Gi``, so comparing the
strings would report drift where there is none. Here a quantity is parsed to its exact decimal
value and written back in the shortest form (ties go to the decimal suffixes), so two spellings
of the same amount become the same string, and two different amounts never do.
Pure arithmetic; unparseable values are returned unchanged (they are not quantities).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Final

__all__ = ["canonical_quantity", "parse_quantity"]

_BINARY: Final = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL: Final = {"n": -3, "u": -2, "m": -1, "": 0, "k": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6}
_QUANTITY: Final = re.compile(
    r"^(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))"
    r"(?:(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE](?P<exponent>[+-]?\d{1,3}))?$"
)


def parse_quantity(value: Any) -> Decimal | None:
    """The exact amount ``value`` stands for, or None when it is not a quantity."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    match = _QUANTITY.match(str(value).strip())
    if match is None:
        return None
    number = Decimal(match["number"])
    if match["exponent"] is not None:
        return number.scaleb(int(match["exponent"]))
    suffix = match["suffix"] or ""
    if suffix in _BINARY:
        return number * (Decimal(1024) ** _BINARY[suffix])
    return number.scaleb(3 * _DECIMAL[suffix])


def canonical_quantity(value: Any) -> Any:
    """One spelling per amount: ``1000m`` -> ``1``, ``0.5`` -> ``500m``, ``1024Mi`` -> ``1Gi``.

    Values that are not quantities come back unchanged.
    """
    amount = parse_quantity(value)
    if amount is None:
        return value
    candidates = [_decimal_form(amount)]
    binary = _binary_form(amount)
    if binary is not None:
        candidates.append(binary)
    return min(candidates, key=len)


def _decimal_form(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount == 0:
        return "0"
    for suffix, power in sorted(_DECIMAL.items(), key=lambda item: -item[1]):
        scaled = amount.scaleb(-3 * power)
        if scaled == scaled.to_integral_value() and scaled >= 1:
            return f"{sign}{int(scaled)}{suffix}"
    # Below a nano-unit: keep the exact value rather than round it to a lie.
    return f"{sign}{amount.normalize():f}"


def _binary_form(amount: Decimal) -> str | None:
    if amount <= 0 or amount != amount.to_integral_value():
        return None
    whole = int(amount)
    for suffix, power in sorted(_BINARY.items(), key=lambda item: -item[1]):
        unit = 1024**power
        if whole % unit == 0:
            return f"{whole // unit}{suffix}"
    return None
