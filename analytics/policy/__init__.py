"""Statutory monitoring and policy KPIs: legal status timeline, compliance flags, plan vs fact,
cost per job, gross vs net jobs, peer groups, relative growth and distance rings.

Library functions only (no streamlit): the app's pages and the reports call them.
"""
