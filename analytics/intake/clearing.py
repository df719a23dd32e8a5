"""The clearing marker: the one way an upload empties a stored value.

A blank cell, a missing column or a short row means "not in this file" and the stored value
stays. To clear a stored value the cell holds the marker word of the catalogue key
``intake.clear_marker`` — one word per language (ru «очистить», uk «очистити», en "clear"),
every language's word accepted in any file, in any letter case.
"""

from __future__ import annotations

from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from analytics.i18n import LANGUAGES, t

MARKER_KEY = "intake.clear_marker"


@cache
def clear_markers() -> tuple[str, ...]:
    """The marker words of every language, lower case."""
    return tuple(dict.fromkeys(t(MARKER_KEY, lang).strip().lower() for lang in LANGUAGES))


def is_clear_marker(text: object) -> bool:
    return isinstance(text, str) and text.strip().lower() in clear_markers()


def clear_mask(values: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """True where a text cell holds a clearing marker (the reader has trimmed the cells)."""
    markers = pa.array(clear_markers(), pa.string())
    return pc.fill_null(pc.is_in(pc.utf8_lower(values), value_set=markers), False)
