import pytest

from tests.subscribers.commands import DATA, run_command


@pytest.fixture
def inventory(db):
    """The sample ISP from data/inventory: five subscribers, their accounts, the address plan."""
    output = run_command("import_inventory", DATA / "inventory")
    assert not output.err


@pytest.fixture(params=["in-process", "reader-process"])
def maillog_reader(request, monkeypatch):
    """Each mail-log import test twice on PostgreSQL: the file read in this process, and
    read and parsed by a process of its own (as a large file is)."""
    from django.db import connection

    from subscribers.importers import maillog

    if request.param == "reader-process":
        if connection.vendor != "postgresql":
            pytest.skip("the reader process serves the set-based PostgreSQL import")
        monkeypatch.setattr(maillog, "READER_PROCESS_MIN_BYTES", 0)
    else:
        monkeypatch.setattr(maillog, "READER_PROCESS_MIN_BYTES", 1 << 62)
    return request.param
