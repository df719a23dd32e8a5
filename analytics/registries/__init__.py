"""Registries of a real country: first-level subdivisions with official codes and names, the
names statistics offices print for them (aliases), and starting an empty warehouse.

Sources of every shipped value are listed in ``data/sources.yml`` (``registries``).
"""
