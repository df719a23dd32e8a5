"""``st.dataframe`` for tables that show text users typed (file names, park names, values).

The table's own toolbar downloads CSV and copies cells without guarding against spreadsheet
formulas, so a file named ``=cmd|' /C calc'!A0.csv`` would run when the download is opened
in Excel. Text cells are neutralised (a leading apostrophe) before they are shown; numbers
and numbers written as text ("-15", "+3,2 %") are left as they are.
"""

import pandas as pd
import streamlit as st

from analytics.spreadsheet import neutralise_frame


def safe_dataframe(frame: pd.DataFrame, **kwargs):
    """``st.dataframe(frame, **kwargs)`` with every formula-like text cell neutralised."""
    return st.dataframe(neutralise_frame(frame), **kwargs)
