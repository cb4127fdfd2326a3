"""Plain data classes the parser returns. No Django here: the parser must run anywhere."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime


def _never_own(ip: str) -> bool:
    return False


@dataclass(frozen=True)
class TrustContext:
    """What the desk knows about its own infrastructure.

    `own_domains` are lowercase domains of the ISP's own mail and web hosts;
    `is_own_mail_server` answers whether an IP (text) lies in our mail server blocks.
    A Received hop from one of these continues the chain of trust.
    `is_our_address` answers whether an IP (text) lies in any of our address blocks.
    `is_shared_address` answers whether it lies in one we share between customers by
    port (a carrier-grade NAT pool, a MAP-E domain): there an address with a source
    port names a customer, the address alone does not.
    """

    own_domains: tuple[str, ...] = ()
    is_own_mail_server: Callable[[str], bool] = _never_own
    is_our_address: Callable[[str], bool] = _never_own
    is_shared_address: Callable[[str], bool] = _never_own


@dataclass(frozen=True)
class Hop:
    """One Received header, parsed. `time` is an aware UTC datetime or None."""

    from_name: str | None = None  # HELO, or the name as given when no HELO is recorded
    from_rdns: str | None = None  # the name the receiving MTA looked up, if it recorded one
    from_address: str | None = None  # normalised IP text of the connecting host
    from_zone: str | None = None  # IPv6 zone id written with the address ("eth0"): link-local
    from_port: int | None = None  # the connecting host's source port, when the MTA wrote it
    by_name: str | None = None
    with_protocol: str | None = None
    id: str | None = None
    time: datetime | None = None
    raw: str = ""
    trusted: bool = False
    is_origin: bool = False

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["time"] = _iso(self.time)
        return out


MESSAGE_KINDS = ("spam", "machine_report", "complaint")
SOURCE_BASES = ("field", "walked", "stated")


@dataclass
class ParsedReport:
    """What the parser found. The interface other parts of the desk read (Report.facts):

    - `message_kind`: what arrived. "spam" (the spam itself, posted by a partner or a
      trap), "machine_report" (ARF, X-ARF, XARF, SpamCop, JMRP, DMARC forensic, a
      feed wrapping the trapped message) or "complaint" (a person wrote to us about a
      spam). Always set when parse_error is None.
    - `source_ip` and `source_basis`: the origin address and how it was obtained:
      "field" (an explicit machine field: ARF Source-IP, X-ARF Source, XARF
      source_identifier, SpamCop "Email from"), "walked" (the trust walk of the
      reported message's Received chain), "stated" (an address a person named in
      prose: lower evidence, a person must confirm it), None when there is none.
      A non-routable address is never the source_ip.
    - `source_ip_stated`: what a machine field said (kept even when it is unusable);
      `header_source_ip`: what the walk found; `source_ip_named`: what a complainant
      named in prose.
    - `signals`: things seen that are NOT evidence, as {"key": ..., "value": ...}.
    - `evidence_source`: how the reporter came by the message, when it says so:
      "spamtrap" (an address that never asked for mail: XARF v4 evidence_source,
      XARF v3 SubType Trap), "user_complaint", "honeypot", …; None when not stated.
    - `reported_via`: where the reported message was found in a complaint or wrapper
      ("attachment", "attachment_as_data", "rfc822_headers", "pasted_headers",
      "inline_forward", "quoted_forward", "redirect", "prose"), None for the spam itself.
    """

    format: str = "unknown"
    message_kind: str | None = None
    source_basis: str | None = None
    feedback_type: str | None = None
    category: str | None = None
    source_ip: str | None = None
    source_ip_stated: str | None = None
    header_source_ip: str | None = None
    source_ip_named: str | None = None
    source_disagreement: bool = False
    # A notice about content hosted at a URL (a phishing page, a malware download, a
    # spamvertised site) gives the address of the server the content is on: where the
    # site is, never where a mail came from (parsing/content.py). The source_ip may
    # be the same address, as the report's field or words state it.
    site_address: str | None = None
    # The origin's source port (what identifies a subscriber behind a shared IPv4
    # address): that of the field the source came from (XARF source_port, ARF
    # Source-Port per RFC 6692, X-ARF Port), or of the origin hop when the source is the
    # walked one ("[ip]:port", "ip port N"). Never a port of another address.
    source_port: int | None = None
    source_port_stated: int | None = None
    source_port_named: int | None = None  # written by a person beside the address they name
    header_source_port: int | None = None
    occurred_at: datetime | None = None
    occurred_at_basis: str | None = None  # "stated", "origin-hop", "hop-above-origin", "date-header"…
    # The time chosen for occurred_at names no zone: read as UTC, it may be off by up to
    # 14 hours, so attribution names a dynamic address's holder only if one held it
    # across that span (complaints/attribution/engine.py).
    occurred_at_no_zone: bool = False
    # A person's round time ("14時頃", "14時", "14時半"): attribution allows an hour
    # either side before it names a dynamic address's holder.
    occurred_at_approximate: bool = False
    # The receiver's own trusted lines disagree with the origin line's time (a line above
    # it written before it, or days after it: an edge clock set wrong, local time labelled
    # +0000): seconds either side the instant may be off; attribution names a dynamic
    # address's holder only if one held it across that span.
    occurred_at_spread: int | None = None
    # A time the report gave that lies after the report reached us (a receiver's clock
    # set wrong, or a time written to aim at whoever holds an address now): kept here,
    # never used as occurred_at (complaints/services/intake.py).
    occurred_at_after_arrival: datetime | None = None
    reporter: str | None = None
    report_id: str | None = None
    user_agent: str | None = None
    subject: str | None = None
    message_id: str | None = None
    date: datetime | None = None  # the reported message's own Date header
    mail_from: str | None = None
    rcpt_to: list[str] = field(default_factory=list)
    header_from: str | None = None
    header_to: list[str] = field(default_factory=list)
    reported_domains: list[str] = field(default_factory=list)
    authenticated: bool | None = None
    authenticated_as: str | None = None  # the login a trusted hop (or the report's own field) names
    origin_authenticated: bool | None = None  # the origin logged in to the trusted host it reached
    hops: list[Hop] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    url_hosts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    signals: list[dict] = field(default_factory=list)
    reported_via: str | None = None
    # The web script that handed the mail to the server, as PHP and cPanel stamp it
    # ({"site": "www.shop.example", "script": "/wp-content/x.php", "uid": "1001",
    # "client": "192.0.2.7"}); None when the message carries no such header.
    web_script: dict | None = None
    evidence_source: str | None = None
    parse_error: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    reported_message_raw: bytes | None = None
    # Other reported messages the complaint carried beside this one (a digest): each is
    # filed as a report of its own (complaints/services/intake.py); never stored as facts.
    more_reported_raw: list[bytes] = field(default_factory=list)

    def note(self, problem: str) -> None:
        if problem not in self.problems and len(self.problems) < 50:
            self.problems.append(problem)

    def signal(self, key: str, value: str | None = None) -> None:
        """Record something seen that is not evidence (a HELO shape, an ignored field)."""
        entry = {"key": key, "value": value}
        if entry not in self.signals and len(self.signals) < 50:
            self.signals.append(entry)

    def fail(self, reason: str) -> None:
        """Record why the report needs manual triage; facts read so far are kept."""
        if self.parse_error is None:
            self.parse_error = reason
        elif reason not in self.parse_error:
            self.parse_error = f"{self.parse_error}; {reason}"

    def to_dict(self, *, include_content: bool = True) -> dict:
        """JSON-ready dict. Datetimes become ISO 8601 UTC text, the raw message base64.

        `include_content=False` leaves out bodies and the embedded message: content
        is evidence under access control, facts are not.
        """
        out: dict = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("body_text", "body_html", "reported_message_raw") and not include_content:
                continue
            if f.name == "more_reported_raw":
                out["more_reported"] = len(value)
                continue
            if isinstance(value, datetime):
                value = _iso(value)
            elif isinstance(value, bytes):
                value = base64.b64encode(value).decode("ascii")
            elif f.name == "hops":
                value = [hop.to_dict() for hop in value]
            elif isinstance(value, list):
                value = [dict(v) if isinstance(v, dict) else v for v in value]
            out[f.name] = value
        return out


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
