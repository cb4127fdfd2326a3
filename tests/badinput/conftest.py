"""Fixtures shared with other test packages."""

from tests.attribution.conftest import isp  # noqa: F401  (an inventory with foreign and own networks)
