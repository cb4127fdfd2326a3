import pytest

from tests.subscribers.commands import DATA, run_command


@pytest.fixture
def inventory(db):
    """The sample ISP from data/inventory: five subscribers, their accounts, the address plan."""
    output = run_command("import_inventory", DATA / "inventory")
    assert not output.err
