"""Every fixture parses without raising and matches the manifest's ground truth."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import pytest

from complaints.parsing import parse_report
from complaints.parsing.hosts import is_routable_ip

from .manifest import LOCAL_FIXTURES, SHARED_FIXTURES, Row, load, manifest_instant

# Rows whose manifest value needs knowledge of the recipient's own mail setup that no
# header states. Both are jmason.org test messages that reached the user through his
# own forwarding between organisations (webnote.net -> netnoteinc.com, netnoteinc.com ->
# slashnull.org); by the chain rules the forwarder is the first host outside the
# reporting organisation. test_origin.py shows both pass once TrustContext names the
# forwarder's domain. Trusting such hops without configuration would let any spammer
# move the blame onto forged headers.
XFAIL = {
    "spamassassin/001": "webnote.net is the recipient's backup MX, which no header states",
    "spamassassin/004": "netnoteinc.com forwards to slashnull.org for the same user, which no header states",
}
MANIFEST_FORMATS = {"jmrp": "other", "xarf-3-json": "other", "unknown": "other"}


def _params():
    local = load(LOCAL_FIXTURES)
    params = [_param(row) for row in local]
    if (SHARED_FIXTURES / "MANIFEST.tsv").exists():
        copied = {row.local_path for row in local}
        params += [_param(row) for row in load(SHARED_FIXTURES) if row.local_path not in copied]
    else:
        params.append(
            pytest.param(
                None, id="shared-fixtures", marks=pytest.mark.skip(reason=f"{SHARED_FIXTURES} is absent")
            )
        )
    return params


def _param(row: Row):
    marks = [pytest.mark.xfail(reason=XFAIL[row.local_path], strict=True)] if row.local_path in XFAIL else []
    return pytest.param(row, id=row.local_path, marks=marks)


def _parse(row: Row):
    content_type = "application/json" if row.local_path.endswith(".json") else None
    return parse_report(row.path.read_bytes(), content_type=content_type)


def _ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text  # a CIDR or other non-address stays as written


def _manifest_ips(row: Row) -> set[str]:
    return {_ip(v.strip()) for v in row.source_ip.split(";")} if row.source_ip != "unknown" else set()


def _anonymised_to_non_routable(row: Row) -> bool:
    """The manifest copies a field as written; these samples were anonymised with
    private or unique-local addresses (AbuseIO's 10.17.18.x, 10.10.10.10, 192.168.1.100,
    fdf1:...), which can never be an origin. The desk refuses them, so for these rows
    it must not name that address, keep it on record, and say why."""
    ips = _manifest_ips(row)
    return bool(ips) and not any(is_routable_ip(ip) for ip in ips)


@pytest.mark.parametrize("row", _params())
def test_fixture_matches_manifest(row: Row):
    report = _parse(row)

    assert report.to_dict(include_content=False)  # serialisable facts, always
    assert report.message_kind in ("spam", "machine_report", "complaint")
    if _anonymised_to_non_routable(row):
        ips = _manifest_ips(row)
        assert report.source_ip not in ips
        assert report.source_ip is None or is_routable_ip(report.source_ip)
        recorded = {report.source_ip_stated} | {h.from_address for h in report.hops}
        assert recorded & ips, "the refused address is still on record"
        assert any("never an origin" in p for p in report.problems)
    elif row.source_ip != "unknown":
        assert report.source_ip in _manifest_ips(row)
    if row.incident_time != "unknown":
        assert report.occurred_at == manifest_instant(row.incident_time)
    if row.reporter != "unknown":
        assert (report.reporter or "").lower() == row.reporter.lower()
    if row.urls not in ("unknown", "none"):
        for url in row.urls.split(";"):
            host = urlsplit(url.strip()).hostname
            if host:  # mailto: has none
                assert host.lower() in report.url_hosts
    # Whether the sender logged in is read at the origin; with the origin anonymised
    # into private space there is none to read it at.
    if row.authenticated in ("yes", "no") and not _anonymised_to_non_routable(row):
        assert report.authenticated is (row.authenticated == "yes")
    if row.format != "other":
        assert MANIFEST_FORMATS.get(report.format, report.format) == row.format


def test_invalid_xarf_samples_name_the_bad_field():
    invalid_ip = parse_report((LOCAL_FIXTURES / "abusix-xarf" / "invalid_ip.json").read_bytes())
    invalid_date = parse_report((LOCAL_FIXTURES / "abusix-xarf" / "invalid_date.json").read_bytes())

    assert "SourceIp" in invalid_ip.parse_error
    assert "Date" in invalid_date.parse_error
    assert invalid_date.source_ip == "192.0.2.55"  # the rest is still read for triage
