"""Sender authentication as evidence: SPF, DKIM and DMARC evaluated by us, beside
what the reporter's own server stated.

For a report whose reported message is whole enough (an origin address and a sender
domain), this evaluates

- SPF (pyspf) for the envelope sender and for the `From:` domain against the origin
  address: was that address allowed to send for the domain?
- DKIM (dkimpy) for each signature, when the body came to us intact (the spam itself
  or an attached copy; never a pasted, quoted or headers-only copy, where a failure
  would only show that the copy was changed);
- DMARC alignment (RFC 7489): the `_dmarc` record of the `From:` domain or of its
  organisational domain, relaxed or strict per its adkim=/aspf=;
- and records the `Authentication-Results` that the receiving side's own server added
  above the origin hop, as *stated* evidence: what they said, not what we found.

Every DNS question goes through `resolver.query` (ABUSEDESK_DNS_SERVERS), is bounded
(MAX_QUERIES per report, the RFC 7208 limits inside pyspf) and becomes an immutable
`Evidence` row like every other lookup; a still-fresh earlier answer is reused, not
asked again. The result is one more `Evidence` row (kind `sender_auth`) whose answer
lists each check and whose `response_text` is the canonical JSON of the whole
evaluation, both covered by its digest.

Runs in the evidence tasks, never in a web request. Idempotent: a report that has
a result is not evaluated again (the result is what was found at the time).
"""

from __future__ import annotations

import contextvars
import dataclasses
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message

import authres
import dkim
import dns.exception
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import spf
from django.db import transaction
from django.utils import timezone

from complaints.models import Evidence, Hop, Report
from complaints.parsing import mime, parse_report
from complaints.parsing.hosts import normalise_ip, registrable_domain

from .lookups import normalize_name
from .resolver import DnsResult, query
from .services import evidence_digest, evidence_row, fresh_for

logger = logging.getLogger(__name__)

Kind = Evidence.Kind
Outcome = Evidence.Outcome

# Every DNS question of one report's evaluation, SPF of two identities, DKIM keys and
# DMARC together. RFC 7208 caps SPF at 10 DNS-querying terms (each MX at 10 names)
# and 2 void lookups; this caps the whole evaluation, so a hostile record cannot
# keep a worker busy. Past it SPF is a temperror ("lookup budget spent").
MAX_QUERIES = 60
# pyspf's own wall-clock budget for one SPF check (RFC 7208 4.6.4: at least 20 s).
SPF_SECONDS = 20
MAX_SIGNATURES = 5
MAX_STATED = 10
MIN_KEY_BITS = 1024

EVALUATOR = f"pyspf {getattr(spf, '__version__', '?')}, dkimpy {getattr(dkim, '__version__', '?')}"

# Where the reported message was found, and whether its body is the one sent. Headers
# pasted, quoted or forwarded inline were re-typed or re-flowed by a mail program.
BODY_INTACT_VIAS = (None, "attachment", "attachment_as_data", "redirect")
_REDIRECT_MARKERS = ("resent-", "x-hmxmroriginalrecipient")

SPF_RESULTS = ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")
DKIM_RESULTS = ("pass", "fail", "body_modified", "permerror", "temperror", "not_checked")
DMARC_RESULTS = ("pass", "fail", "none", "temperror")


class BudgetSpent(Exception):
    """More DNS questions than MAX_QUERIES for one report."""


# -- the DNS questions, recorded -----------------------------------------------------


@dataclass
class Asked:
    subject: str
    kind: str
    result: DnsResult
    record: Evidence | None = None  # an earlier, still fresh row that answered it


@dataclass
class Recorder:
    """Asks through the project's resolver, reuses fresh answers, keeps every one."""

    now: datetime
    limit: int = MAX_QUERIES
    asked: list[Asked] = field(default_factory=list)
    sent: int = 0

    def ask(self, subject: str, kind: str, name: str, rdtype: str) -> DnsResult:
        name, subject = normalize_name(name), normalize_name(subject)
        for a in self.asked:
            r = a.result
            if (a.subject, a.kind, r.query_name, r.query_type) == (subject, kind, name, rdtype):
                return r
        record = (
            Evidence.objects.filter(subject=subject, kind=kind, query_name=name, query_type=rdtype, zone="")
            .order_by("-asked_at", "-id")
            .first()
        )
        if record is not None and record.asked_at + fresh_for(record) > self.now:
            result = _result_of(record)
            self.asked.append(Asked(subject, kind, result, record))
            return result
        if self.sent >= self.limit:
            raise BudgetSpent(f"more than {self.limit} DNS questions for one report")
        self.sent += 1
        result = query(name, rdtype)
        if kind == Kind.SPF and result.outcome == Outcome.ANSWER:
            # As the other SPF rows: the answer keeps the SPF records, the response all.
            kept = [t for t in result.answer if t.lstrip('"').lower().startswith("v=spf1")]
            result = dataclasses.replace(result, answer=kept)
        elif kind == Kind.DMARC and result.outcome == Outcome.ANSWER:
            kept = [t for t in result.answer if t.lstrip('"').lower().startswith("v=dmarc1")]
            result = dataclasses.replace(result, answer=kept)
        self.asked.append(Asked(subject, kind, result))
        return result


def _result_of(record: Evidence) -> DnsResult:
    return DnsResult(
        query_name=record.query_name,
        query_type=record.query_type,
        server=record.server,
        asked_at=record.asked_at,
        outcome=record.outcome,
        answer=list(record.answer),
        ttl=record.ttl,
        response_text=record.response_text,
        response_wire=bytes(record.response_wire or b""),
    )


def _rdatas(result: DnsResult, rdtype: str) -> list:
    out = []
    for text in result.answer:
        try:
            out.append(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), text))
        except (dns.exception.DNSException, ValueError):
            continue  # a record we cannot read again is skipped, as a resolver would
    return out


def _failed(result: DnsResult) -> bool:
    return result.outcome not in (Outcome.ANSWER, Outcome.NXDOMAIN, Outcome.NOANSWER)


# -- SPF -------------------------------------------------------------------------------
#
# pyspf asks DNS through its module-level `DNSLookup` (it picks a driver at import).
# It is replaced once by a function that sends the questions of the evaluation in
# progress (a context variable, so threads never share one) to its Recorder; with
# none in progress it is pyspf's own driver.

_CURRENT: contextvars.ContextVar[tuple[Recorder, str] | None] = contextvars.ContextVar(
    "abusedesk_spf_recorder", default=None
)
_PYSPF_LOOKUP = spf.DNSLookup
_SPF_KINDS = {"TXT": Kind.SPF, "A": Kind.A, "AAAA": Kind.AAAA, "MX": Kind.MX, "PTR": Kind.PTR}


def _spf_lookup(name, qtype, strict=True, timeout=None):
    current = _CURRENT.get()
    if current is None:
        return _PYSPF_LOOKUP(name, qtype, strict, timeout)
    recorder, subject = current
    qtype = str(qtype).upper()
    if qtype not in _SPF_KINDS:
        return []  # type 99 (SPF) is obsolete (RFC 7208 3.1); nothing else is asked
    try:
        result = recorder.ask(subject, _SPF_KINDS[qtype], str(name), qtype)
    except BudgetSpent as exc:
        raise spf.TempError(str(exc)) from None
    if _failed(result):
        raise spf.TempError(f"DNS {result.outcome} for {name} {qtype}")
    answers = []
    for rdata in _rdatas(result, qtype):
        if qtype in ("A", "AAAA"):
            value = rdata.address
        elif qtype == "MX":
            value = (rdata.preference, rdata.exchange)
        elif qtype == "PTR":
            value = rdata.target.to_text(True)
        else:
            value = rdata.strings
        answers.append(((name, qtype), value))
    return answers


spf.DNSLookup = _spf_lookup


def check_spf(recorder: Recorder, *, ip: str, domain: str, sender: str, helo: str) -> dict:
    """SPF for `sender` (an address at `domain`) sent from `ip`: result and why."""
    token = _CURRENT.set((recorder, domain))
    try:
        q = spf.query(i=ip, s=sender, h=helo or "unknown", timeout=SPF_SECONDS, querytime=SPF_SECONDS)
        result, _code, explanation = q.check()
    except Exception as exc:  # a malformed address or record must not stop the others
        result, explanation = "permerror", f"{type(exc).__name__}: {exc}"
    finally:
        _CURRENT.reset(token)
    result = result if result in SPF_RESULTS else "permerror"
    return {"domain": domain, "result": result, "explanation": str(explanation)[:300]}


# -- DKIM ------------------------------------------------------------------------------


def check_dkim(recorder: Recorder, message: bytes, *, body_intact: bool) -> list[dict]:
    """One entry per DKIM-Signature (at most MAX_SIGNATURES)."""
    try:
        signer = dkim.DKIM(message, logger=logging.getLogger(f"{__name__}.dkim"), minkey=MIN_KEY_BITS)
    except Exception as exc:
        return [{"domain": "", "selector": "", "result": "permerror", "reason": f"unreadable message: {exc}"}]
    signatures = [v for k, v in signer.headers if k.lower() == b"dkim-signature"][:MAX_SIGNATURES]
    checks = []
    for idx, value in enumerate(signatures):
        tags = _tags(value)
        entry = {"domain": tags.get("d", "").lower().rstrip("."), "selector": tags.get("s", "")}
        if not body_intact:
            checks.append({**entry, "result": "not_checked", "reason": "body_not_intact"})
            continue
        checks.append({**entry, **_verify_one(recorder, signer, idx, entry["domain"])})
    return checks


def _verify_one(recorder: Recorder, signer: dkim.DKIM, idx: int, domain: str) -> dict:
    key: dict = {}

    def dnsfunc(name, timeout=5):
        name = name.decode("ascii", "replace") if isinstance(name, bytes) else str(name)
        try:
            result = recorder.ask(domain or name, Kind.DKIM, name, "TXT")
        except BudgetSpent as exc:
            key["outcome"] = "budget"
            raise dkim.DnsTimeoutError(str(exc)) from None
        key["outcome"] = result.outcome
        if _failed(result):
            raise dkim.DnsTimeoutError(f"DNS {result.outcome} for {name}")
        records = _rdatas(result, "TXT")
        return b"".join(records[0].strings) if records else None

    try:
        valid = signer.verify(idx=idx, dnsfunc=dnsfunc)
    except dkim.ValidationError as exc:
        if "body hash" in str(exc):
            return {"result": "body_modified", "reason": "body hash mismatch"}
        return {"result": "permerror", "reason": str(exc)[:200]}
    except dkim.DKIMException as exc:
        return {"result": "permerror", "reason": str(exc)[:200]}
    except Exception as exc:  # dkimpy on hostile input: an error of the signature, recorded
        return {"result": "permerror", "reason": f"{type(exc).__name__}: {exc}"[:200]}
    if valid:
        return {"result": "pass", "reason": ""}
    outcome = key.get("outcome")
    if outcome in (Outcome.NXDOMAIN, Outcome.NOANSWER):
        return {"result": "permerror", "reason": "no key published for the selector"}
    if outcome is not None and outcome != Outcome.ANSWER:
        return {"result": "temperror", "reason": f"key lookup: {outcome}"}
    return {"result": "fail", "reason": "signature does not verify"}


def _tags(value: bytes) -> dict[str, str]:
    tags = {}
    for part in value.decode("ascii", "replace").split(";"):
        name, sep, text = part.partition("=")
        if sep:
            tags[name.strip().lower()] = "".join(text.split())
    return tags


# -- DMARC -----------------------------------------------------------------------------


def organisational_domain(domain: str) -> str:
    return registrable_domain(domain) or domain


def aligned(a: str, b: str, mode: str) -> bool:
    """RFC 7489 3.1: strict is the same name; relaxed the same organisational domain."""
    if not a or not b:
        return False
    if mode == "s":
        return a == b
    return organisational_domain(a) == organisational_domain(b)


def _dmarc_record(recorder: Recorder, domain: str) -> tuple[dict | None, str, str | None]:
    """(tags, where found, error): the record at the domain, else at its organisational domain."""
    org = organisational_domain(domain)
    for name in dict.fromkeys((domain, org)):
        try:
            result = recorder.ask(domain, Kind.DMARC, f"_dmarc.{name}", "TXT")
        except BudgetSpent as exc:
            return None, name, str(exc)
        if _failed(result):
            return None, name, result.outcome
        records = ["".join(s.decode("utf-8", "replace") for s in r.strings) for r in _rdatas(result, "TXT")]
        records = [r for r in records if r.strip().lower().startswith("v=dmarc1")]
        if len(records) == 1:
            return _dmarc_tags(records[0]), name, None
        # None, or several (RFC 7489 6.6.3: then there is no policy): try the org domain.
    return None, org, None


def _dmarc_tags(text: str) -> dict:
    tags = {}
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if sep:
            tags[name.strip().lower()] = value.strip().lower()
    return tags


def check_dmarc(
    recorder: Recorder, *, from_domain: str, mail_from: dict | None, dkim_checks: list[dict]
) -> dict:
    tags, found_at, error = _dmarc_record(recorder, from_domain)
    entry = {"domain": from_domain, "record_at": found_at}
    if error:
        return {**entry, "result": "temperror", "reason": error}
    if tags is None:
        return {**entry, "result": "none", "policy": ""}
    adkim = "s" if tags.get("adkim") == "s" else "r"
    aspf = "s" if tags.get("aspf") == "s" else "r"
    policy = tags.get("p", "none")
    if found_at != from_domain and tags.get("sp"):
        policy = tags["sp"]
    spf_aligned = bool(
        mail_from and mail_from["result"] == "pass" and aligned(mail_from["domain"], from_domain, aspf)
    )
    dkim_aligned = any(
        c["result"] == "pass" and aligned(c["domain"], from_domain, adkim) for c in dkim_checks
    )
    return {
        **entry,
        "result": "pass" if spf_aligned or dkim_aligned else "fail",
        "policy": policy,
        "adkim": adkim,
        "aspf": aspf,
        "spf_aligned": spf_aligned,
        "dkim_aligned": dkim_aligned,
    }


# -- what the receiving side stated -------------------------------------------------------


def stated_results(msg: Message, *, receiver_domains: set[str], origin_position: int | None) -> list[dict]:
    """Authentication-Results the receiving side's own server added above the origin hop.

    A header below the origin, or from a host that is not the receiving side, may have
    been written by the sender: it is not the reporter's statement and is left out.
    """
    try:
        items = [(str(k).lower(), str(v)) for k, v in msg.raw_items()]
    except Exception:
        return []
    cut = max((i for i, (k, _) in enumerate(items) if k.startswith(_REDIRECT_MARKERS)), default=-1)
    received = 0
    found: list[dict] = []
    for key, value in items[cut + 1 :]:
        if key == "received":
            received += 1
            continue
        if key != "authentication-results" or len(found) >= MAX_STATED:
            continue
        if origin_position is not None and received > origin_position:
            continue
        try:
            header = authres.AuthenticationResultsHeader.parse_value(" ".join(value.split()))
        except Exception:
            continue
        authserv = str(header.authserv_id or "").lower()
        if registrable_domain(authserv) not in receiver_domains:
            continue
        for result in header.results[:10]:
            found.append(
                {
                    "authserv_id": authserv,
                    "method": str(result.method or "").lower(),
                    "result": str(result.result or "").lower(),
                    "properties": {f"{p.type}.{p.name}": str(p.value) for p in result.properties[:6]},
                }
            )
    return found


# -- one report -----------------------------------------------------------------------


def _domain_of(address: str | None) -> str | None:
    local, at, domain = (address or "").strip().strip("<>").rpartition("@")
    domain = domain.strip().rstrip(".").lower()
    return domain if at and local and domain and "." in domain else None


def _reported_message(report: Report) -> tuple[Message | None, bytes, str | None]:
    raw = bytes(report.raw or b"")
    if not raw or report.raw_purged_at:
        return None, b"", None
    parsed = parse_report(raw, content_type=report.content_type or None)
    data = parsed.reported_message_raw
    if data is None:
        if parsed.message_kind != "spam":
            return None, b"", parsed.reported_via
        data = raw
    return mime.parse_message(mime.normalise_bytes(data)), data, parsed.reported_via


def report_wants_authentication(report: Report) -> bool:
    """Whole enough: an origin address and a sender domain to check it against."""
    return bool(report.source_ip and (_domain_of(report.mail_from) or _domain_of(report.header_from)))


def sender_authentication_evaluate(report: Report, *, now: datetime | None = None) -> tuple[dict, Recorder]:
    """The evaluation (plain data) and the DNS questions it asked. No writes."""
    now = now or timezone.now()
    recorder = Recorder(now=now)
    ip = normalise_ip(report.source_ip)
    msg, data, via = _reported_message(report)
    hops = list(Hop.objects.filter(report=report).order_by("position"))
    origin = next((h for h in hops if h.is_origin), None)
    helo = (origin.from_name if origin else "") or ""
    envelope = (report.mail_from or "").strip().strip("<>")
    env_domain, from_domain = _domain_of(envelope), _domain_of(report.header_from)
    result: dict = {
        "ip": ip,
        "occurred_at": report.occurred_at.astimezone(UTC).isoformat() if report.occurred_at else None,
        "mail_from": envelope,
        "header_from": report.header_from,
        "spf": {},
        "dkim": [],
        "dmarc": None,
        "stated": [],
    }
    if env_domain:
        result["spf"]["mail_from"] = check_spf(recorder, ip=ip, domain=env_domain, sender=envelope, helo=helo)
    if from_domain:
        if from_domain == env_domain:
            result["spf"]["from"] = dict(result["spf"]["mail_from"])
        else:
            result["spf"]["from"] = check_spf(
                recorder, ip=ip, domain=from_domain, sender=f"postmaster@{from_domain}", helo=helo
            )
    if msg is not None:
        data = mime.normalise_bytes(data)
        body = data.split(b"\n\n", 1)[1] if b"\n\n" in data else b""
        intact = via in BODY_INTACT_VIAS and bool(body.strip())
        result["body_intact"] = intact
        result["dkim"] = check_dkim(recorder, data, body_intact=intact)
        receivers = {d for h in hops if h.trusted and (d := registrable_domain(h.by_name))}
        result["stated"] = stated_results(
            msg, receiver_domains=receivers, origin_position=origin.position if origin else None
        )
    if from_domain:
        result["dmarc"] = check_dmarc(
            recorder,
            from_domain=from_domain,
            mail_from=result["spf"].get("mail_from"),
            dkim_checks=result["dkim"],
        )
    return result, recorder


def _dns_record(asked: Asked, report: Report) -> Evidence:
    return evidence_row(report=report, subject=asked.subject, kind=asked.kind, result=asked.result)


def result_answer(result: dict) -> list[dict]:
    """The checks as a list, one entry each: what the evidence row's answer holds."""
    answer = [{"check": "spf", "identity": identity, **spf_} for identity, spf_ in result["spf"].items()]
    answer += [{"check": "dkim", **c} for c in result["dkim"]]
    if result["dmarc"]:
        answer.append({"check": "dmarc", **result["dmarc"]})
    answer += [{"check": "stated", **s} for s in result["stated"]]
    return answer


def sender_authentication_collect(*, report_id: int, again: bool = False) -> Evidence | None:
    """Evaluate a report's sender authentication and store it; None when it has nothing to check.

    The DNS work happens before, and outside, the one short transaction that writes.
    """
    report = Report.objects.get(pk=report_id)
    if not report_wants_authentication(report):
        return None
    existing = Evidence.objects.filter(report=report, kind=Kind.SENDER_AUTH).order_by("-asked_at").first()
    if existing is not None and not again:
        return existing
    asked_at = timezone.now()
    result, recorder = sender_authentication_evaluate(report, now=asked_at)
    new = [a for a in recorder.asked if a.record is None]
    with transaction.atomic():
        Report.objects.select_for_update().filter(pk=report.pk).values_list("pk", flat=True).first()
        if not again:
            existing = Evidence.objects.filter(report=report, kind=Kind.SENDER_AUTH).first()
            if existing is not None:  # another worker finished first; its record stands
                return existing
        rows = Evidence.objects.bulk_create([_dns_record(a, report) for a in new])
        ids = iter(row.pk for row in rows)
        result["evidence"] = [a.record.pk if a.record is not None else next(ids) for a in recorder.asked]
        domain = _domain_of(report.header_from) or _domain_of(report.mail_from) or ""
        record = Evidence(
            report=report,
            case_id=report.case_id,
            subject=domain[:255],
            kind=Kind.SENDER_AUTH,
            query_name=domain[:255],
            query_type="AUTH",
            server=EVALUATOR[:100],
            asked_at=asked_at,
            outcome=Outcome.ANSWER,
            answer=result_answer(result),
            response_text=json.dumps(result, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        )
        record.digest = evidence_digest(record)
        record.save()
        if report.case_id:
            from complaints.services.cases import case_mark_changed

            case_mark_changed(case_ids=[report.case_id])
    logger.info("report %s: sender authentication recorded with %d DNS rows", report_id, len(new))
    return record


def reports_missing_authentication(*, limit: int = 500, since: datetime | None = None) -> list[int]:
    """Parsed reports of the last week with an origin and a sender, and no result yet."""
    from datetime import timedelta

    from django.db.models import Exists, OuterRef, Q

    from complaints.choices import ReportStatus

    now = timezone.now()
    candidates = (
        Report.objects.filter(
            status=ReportStatus.PARSED,
            source_ip__isnull=False,
            received_at__gte=since or now - timedelta(days=7),
            received_at__lt=now - timedelta(minutes=5),
            raw_purged_at__isnull=True,
        )
        .filter(~Q(mail_from="") | ~Q(header_from=""))
        .filter(~Exists(Evidence.objects.filter(report=OuterRef("pk"), kind=Kind.SENDER_AUTH)))
        .order_by("received_at", "pk")
        .only("pk", "source_ip", "mail_from", "header_from")
    )
    return [r.pk for r in candidates[: limit * 2] if report_wants_authentication(r)][:limit]
