"""What every page builder of a report needs to put numbers into words: the language, the
money's currency, the park indicator catalogue and the names of places."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analytics.i18n import t, unit_label
from analytics.i18n.cells import CellKind, unit_kind


@dataclass(frozen=True)
class Context:
    lang: str
    currency: str | None  # ISO code of the parks' money (None: several currencies)
    catalogue: pd.DataFrame  # park-level indicators indexed by code
    regions: dict[str, str] = field(default_factory=dict)  # code -> name in lang
    municipalities: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # plain dicts: a report looks names up hundreds of times, DataFrame.loc is slow at it
        names = self.catalogue[f"name_{self.lang}"].astype(str).to_dict()
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_units", self.catalogue["unit"].to_dict())

    def unit(self, unit: str) -> str:
        return unit_label(unit, self.lang, self.currency)

    def unit_of(self, code: str) -> str:
        return self.unit(self._units[code])

    def header(self, code: str) -> str:
        """An indicator's name with its unit: "Занятая площадь, га"."""
        return f"{self._names[code]}, {self.unit(self._units[code])}"

    def name(self, code: str) -> str:
        return self._names.get(code, code)

    def kind(self, code: str) -> CellKind:
        """How the indicator's values are shown (counts as integers, shares as percentages)."""
        return unit_kind(self._units[code])

    def t(self, key: str, **params) -> str:
        return t(key, self.lang, **params)
