import os
import tempfile
from pathlib import Path

import pytest

from tests.support.dovecot import Dovecot, dovecot_available


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
