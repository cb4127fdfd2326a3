import pytest

from tests.support.dnsserver import DnsTestServer


@pytest.fixture(autouse=True)
def _no_real_dns(settings):
    # Belt and braces: a test here that forgets `dns_server` must not reach a
    # real resolver. Port 9 (discard) on loopback answers nothing.
    settings.ABUSEDESK_DNS_SERVERS = [("127.0.0.1", 9)]
    settings.ABUSEDESK_DNS_TIMEOUT = 0.5
    settings.ABUSEDESK_DNSBL_ZONES = []


@pytest.fixture
def dns_server(settings):
    server = DnsTestServer().start()
    settings.ABUSEDESK_DNS_SERVERS = [("127.0.0.1", server.port)]
    settings.ABUSEDESK_DNS_TIMEOUT = 0.5
    yield server
    server.stop()
