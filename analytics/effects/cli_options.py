"""Checks of command-line options shared by ``effects`` and ``park-effect``: a bad value is a
:class:`UserError` naming the option, shown as one line in the user's language."""

from __future__ import annotations

import math

from analytics.errors import UserError


def check_choice(option: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise UserError(
            "effects.cli.bad_choice", option=option, value=value, allowed=", ".join(allowed)
        )


def parse_number(option: str, value: str, *, integer: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UserError("effects.cli.bad_number", option=option, value=value) from None
    if not math.isfinite(number) or (integer and number != int(number)):
        raise UserError("effects.cli.bad_number", option=option, value=value)
    return number


def split_columns(text: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in (text or "").split(",") if c.strip())


def parse_numbers(option: str, text: str | None) -> tuple[float, ...] | None:
    """A comma-separated list of non-negative numbers ("0.5,1,1.5"); None when not given."""
    if text is None:
        return None
    values = tuple(parse_number(option, part.strip()) for part in text.split(",") if part.strip())
    if not values or any(v < 0 for v in values):
        raise UserError("effects.cli.bad_number", option=option, value=text)
    return values
