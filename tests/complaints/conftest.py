import os
import tempfile
from pathlib import Path

import pytest

from complaints.services.partners import partner_create
from tests.support.dovecot import Dovecot, dovecot_available


@pytest.fixture
def partner(db):
    return partner_create(name="Receiver ISP", contact_email="abuse@receiver.example")


@pytest.fixture
def other_partner(db):
    return partner_create(name="Other ISP", contact_email="abuse@other.example")


@pytest.fixture(scope="session")
def dovecot():
    if not dovecot_available():
        if os.environ.get("ABUSEDESK_REQUIRE_SERVICES"):
            pytest.fail("dovecot is not installed but CI requires the IMAP tests")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    # Not under pytest's tmp dir: Dovecot drops to `nobody`, who must reach the mail folder.
    server = Dovecot(Path(tempfile.mkdtemp(prefix="abusedesk-imap-")))
    server.start()
    yield server
    server.stop()
