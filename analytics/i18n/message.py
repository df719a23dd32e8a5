"""Messages kept as a catalogue key with parameters and put into words where they are shown.

Analytics decides what a finding or a suggestion says (the rule's code and its numbers); the
app, the reports and the command line render it in the reader's language. Switching the
language therefore recomputes nothing, and a cached result serves every language.

A parameter renders itself: anything with a ``text(lang)`` method (the classes here, a
:class:`analytics.quarter.Quarter`, a ``Message`` inside a message), an integer with the locale's grouping, a string as it is.
A bare float is refused: how many decimals it deserves is the caller's decision, so it comes
wrapped in :class:`Number` or :class:`Percent`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analytics.i18n import (
    LANGUAGES,
    check_language,
    fmt_number,
    fmt_percent,
    t,
    unit_label,
)

NAMES_SHOWN = 8  # longer lists end with "+N" so a sentence stays one readable line


@dataclass(frozen=True)
class Name:
    """A name given in every language (a park's, an indicator's)."""

    ru: str
    uk: str
    en: str

    @classmethod
    def of(cls, row: Mapping[str, Any], prefix: str = "name") -> Name:
        """From a row holding ``name_ru``, ``name_uk`` and ``name_en`` (the marts' columns)."""
        return cls(*(str(row[f"{prefix}_{lang}"]) for lang in LANGUAGES))

    def text(self, lang: str) -> str:
        return getattr(self, check_language(lang))


@dataclass(frozen=True)
class Names:
    """Names joined by commas, the first ``shown`` of them and then "and N more" (all when
    ``shown`` is None); ``alphabetical`` sorts them in the reader's language."""

    names: tuple[Name, ...]
    shown: int | None = NAMES_SHOWN
    alphabetical: bool = False

    @classmethod
    def of(cls, rows: Iterable[Mapping[str, Any]], **options: Any) -> Names:
        return cls(tuple(Name.of(row) for row in rows), **options)

    def text(self, lang: str) -> str:
        words = [name.text(lang) for name in self.names]
        if self.alphabetical:
            words.sort()
        if self.shown is None or len(words) <= self.shown:
            return ", ".join(words)
        rest = len(words) - self.shown
        return ", ".join(words[: self.shown]) + t("review.more_names", lang, n=rest)


@dataclass(frozen=True)
class Number:
    """A number with ``decimals`` decimals in the locale; ``signed`` shows "+" when positive."""

    value: float
    decimals: int = 0
    signed: bool = False

    def text(self, lang: str) -> str:
        text = fmt_number(self.value, lang, self.decimals)
        return ("+" + text) if self.signed and self.value > 0 else text


@dataclass(frozen=True)
class Percent:
    """A share (0.2) as a percentage in the locale."""

    value: float
    decimals: int = 1

    def text(self, lang: str) -> str:
        return fmt_percent(self.value, lang, self.decimals)


@dataclass(frozen=True)
class Unit:
    """An indicator unit in words, money in the data's currency (None: several currencies)."""

    code: str
    currency: str | None = None

    def text(self, lang: str) -> str:
        return unit_label(self.code, lang, self.currency)


def param_text(value: Any, lang: str) -> str:
    """One parameter as the reader sees it in ``lang`` (rules in the module docstring)."""
    if hasattr(value, "text"):
        return value.text(lang)
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("a message parameter cannot be a bare boolean; pass its word")
    if isinstance(value, (int, np.integer)):
        return fmt_number(int(value), lang)
    if isinstance(value, str):
        return value
    raise TypeError(f"wrap {type(value).__name__} {value!r} in Number or Percent")


@dataclass(frozen=True)
class Message:
    """A catalogue key and its parameters, rendered in any language by :meth:`text`."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return t(self.key, lang, **{name: param_text(v, lang) for name, v in self.params.items()})
