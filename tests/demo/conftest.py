import pytest

from analytics.demo import DEFAULT_SEED, generate


@pytest.fixture(scope="session")
def demo():
    """The generated demo tables for the default seed (no database)."""
    return generate(DEFAULT_SEED)
