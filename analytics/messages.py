"""The ru/uk/en message catalogue: loading it and looking a message up.

The lowest layer of the translation machinery, with no other analytics import, so that core
types (:class:`analytics.quarter.Quarter`) can put themselves into words and
:mod:`analytics.i18n`, which formats numbers, dates and quarters, can build on them.
Messages live in ``analytics/i18n/catalog/*.yml``, one file per part of the product, each key
holding its ``ru``, ``uk`` and ``en`` text with ``{placeholders}`` for values.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES: tuple[str, ...] = ("ru", "uk", "en")
DEFAULT_LANGUAGE = "ru"
CATALOG_DIR = Path(__file__).with_name("i18n") / "catalog"
# libyaml's loader parses the catalogue ~10x faster than the pure-Python one (every command
# and app start reads it); PyYAML wheels ship it, the fallback keeps plain installs working.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def catalog() -> dict[str, dict[str, str]]:
    """All messages, merged from every catalogue file; a key defined twice is an error."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOG_DIR.glob("*.yml")):
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
        for key, texts in entries.items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice (again in {path.name})")
            merged[key] = texts
    return merged


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    return lang


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The message ``key`` in ``lang`` with ``params`` substituted. Unknown keys raise KeyError."""
    check_language(lang)
    text = catalog()[key][lang]
    return text.format(**params) if params else text


def has_key(key: str) -> bool:
    return key in catalog()
