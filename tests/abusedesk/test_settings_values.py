import pytest
from django.core.exceptions import ImproperlyConfigured

from abusedesk import settings as s


def test_dns_servers_parse_host_and_port(monkeypatch):
    monkeypatch.setenv("X_DNS", "127.0.0.1:5353, 192.0.2.53,[2001:db8::53]:53")
    assert s._dns_servers("X_DNS") == [("127.0.0.1", 5353), ("192.0.2.53", 53), ("2001:db8::53", 53)]


def test_dnsbl_zones_parse(monkeypatch):
    monkeypatch.setenv("X_BL", "xbl.example.org:exploited,sbl.example.org.:spam_source")
    assert s._dnsbl_zones("X_BL") == [("xbl.example.org", "exploited"), ("sbl.example.org", "spam_source")]


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_bad_booleans_are_refused(monkeypatch, value):
    monkeypatch.setenv("X_BOOL", value)
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        s._bool("X_BOOL", False)
