"""Impact analytics for industrial parks: warehouse, intake, KPIs, effects and reports.

Data flows one way: raw files -> intake (validation) -> warehouse (DuckDB) ->
kpi / effects -> app and reports. Nothing in this package imports Streamlit.
"""

__version__ = "0.1.0"
