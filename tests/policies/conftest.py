import pytest

from .factories import default_snapshot


@pytest.fixture(scope="session")
def snapshot():
    """The default criteria (POLICY.md), built without the database."""
    return default_snapshot()
