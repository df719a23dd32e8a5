"""The effects command's panel reader: the delimiter, decimal mark and encoding come from the
first lines, the file goes through a compiled reader, and the frame is what pandas' own
sniffing reader (``sep=None``, the Python engine: the reference) makes of the same file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.effects.panel_file import SAMPLE_BYTES, read_panel
from analytics.errors import UserError


def _panel(rows: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    units = np.arange(rows) // 10
    return pd.DataFrame(
        {
            "id": units,
            "year": 2000 + np.arange(rows) % 10,
            "first_treat": np.where(units % 3 == 0, 2005, 0),
            "y": rng.normal(size=rows).round(6),
            "region": np.where(units % 2 == 0, "Кемерово", "Томск"),
        }
    )


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_a_plain_file_reads_as_pandas_sniffing_reader_reads_it(tmp_path, sep):
    path = tmp_path / "panel.csv"
    _panel().to_csv(path, sep=sep, index=False)
    reference = pd.read_csv(path, sep=None, engine="python")
    pd.testing.assert_frame_equal(read_panel(str(path)), reference, check_dtype=False)


def test_windows_1251_with_semicolons_and_decimal_commas(tmp_path):
    """As Rosstat's regional offices export: the numbers are numbers, the names Cyrillic."""
    frame = _panel()
    path = tmp_path / "panel.csv"
    frame.to_csv(path, sep=";", decimal=",", index=False, encoding="cp1251")
    got = read_panel(str(path))
    assert got["y"].dtype.kind == "f"
    np.testing.assert_allclose(got["y"], frame["y"], rtol=0, atol=1e-12)
    assert list(got["region"].unique()) == ["Кемерово", "Томск"]


def test_a_windows_1251_byte_after_the_sample_is_read_too(tmp_path):
    """The first lines are plain ASCII (they decide the encoding), a Cyrillic name comes
    later: the file is read again as Windows-1251 rather than refused or garbled."""
    frame = _panel(20_000)
    frame["region"] = "Tomsk"
    frame.loc[len(frame) - 1, "region"] = "Кемерово"
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False, encoding="cp1251")
    assert path.stat().st_size > 2 * SAMPLE_BYTES
    got = read_panel(str(path))
    assert got["region"].iloc[-1] == "Кемерово" and len(got) == len(frame)


def test_dates_stay_as_written(tmp_path):
    path = tmp_path / "panel.csv"
    path.write_text("id,period,y\n1,2017-01-01,1.5\n1,2017-04-01,2.5\n", encoding="utf-8")
    got = read_panel(str(path))
    assert list(got["period"]) == ["2017-01-01", "2017-04-01"]
    assert list(got["y"]) == [1.5, 2.5]


def test_a_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    path = tmp_path / "panel.csv"
    path.write_bytes("\ufeffid;y\n1;2,5\n".encode())
    got = read_panel(str(path))
    assert list(got.columns) == ["id", "y"] and got["y"].iloc[0] == 2.5


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "no rows"),
        (b"id,y\n", "no rows"),
        (b'id,y\n1,"2\n', ""),  # a quote never closed
    ],
)
def test_unreadable_files_are_one_user_error(tmp_path, content, reason):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(UserError) as caught:
        read_panel(str(path))
    assert caught.value.key == "effects.cli.unreadable"
    assert reason in caught.value.message("en")
