"""Errors a user can act on, carried as a catalogue key so they reach the user in their language."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Bad input or state the user can fix. ``key`` names a message in the i18n catalogue.

    ``str(error)`` gives the English text (for logs and tracebacks); interfaces call
    :meth:`message` with the user's language.
    """

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        from analytics.i18n import fmt_number, t

        params = {k: _shown(v, lang, fmt_number) for k, v in self.params.items()}
        return t(self.key, lang, **params)


def _shown(value: Any, lang: str, fmt_number) -> Any:
    """A parameter in ``lang``: counts with digit grouping; objects that render themselves
    (a list of conflicting values) through their ``text``."""
    if isinstance(value, Count):
        return fmt_number(value, lang)
    if hasattr(value, "text") and callable(value.text):
        return value.text(lang)
    return value


class Count(int):
    """A count in an error message, shown with the locale's digit grouping (1,000 / 1 000);
    plain ints stay as written (unit codes, years)."""
