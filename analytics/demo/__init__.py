"""Simulated demo data: an invented country, its parks and the park effects planted in it.

Everything here is fiction generated from a seed: ``generate`` returns the tables,
``write_demo`` loads them into a warehouse file marked as simulated.
"""

from analytics.demo.generator import DEFAULT_SEED, PLANTED_EFFECTS, DemoData, generate

__all__ = ["DEFAULT_SEED", "PLANTED_EFFECTS", "DemoData", "generate"]
