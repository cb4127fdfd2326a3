"""The facts the criteria need, derived from the records: never typed by a person.

`case_derived_facts(case)` reads the case's reports, their attributions, the evidence
(sender authentication, blocklists), the customer's own statements (a denial) and our
mail log, and returns plain data under five keys:

- `joe_job`: whether a customer of ours, named in the spam by a domain it holds
  (From:, the envelope, or an advertised URL), was named by somebody else. The customer
  is "not the sender" when the origin is not the customer's AND its domain's own policy
  says the origin was not allowed to send for it (SPF fail/softfail, or a DMARC failure
  where no signature of that domain was left unchecked), and nothing (our evaluation or
  the receiver's stated result) shows a pass for it. The origin being the customer's,
  or authorised by its domain, makes it the sender whatever it says (a denial does not
  clear it). A domain named only in a URL proves nothing about who sent the mail.
- `shared_ipv4`: what the attribution found about a shared address (CGN, MAP-E,
  DS-Lite; the attribution puts a `shared_ipv4` key on each report it concerns).
- `aggravating`: forged sender information: a From:/envelope domain that is not the
  sender's own and whose policy refuses the origin.
- `telemetry`: a blocklist listing of the origin, spam-trap hits, and the
  unknown-recipient count from our mail log (the criteria's thresholds decide whether
  that is mail to made-up addresses).
- `sender_authentication`: our SPF/DKIM/DMARC results and what the receiver stated.

Each carries `steps` ({"code", params, "evidence": [ids], "reports": [ids], "count"})
that `complaints.facts.sentences` turns into sentences in the reader's language.
Reads only; bounded: the latest REPORT_SAMPLE reports are looked at in detail.
"""

from __future__ import annotations

from datetime import timedelta

from complaints.choices import ConfirmationKind
from complaints.models import Case, CaseConfirmation, Evidence, Report
from complaints.parsing.hosts import registrable_domain

REPORT_SAMPLE = 200
MAX_DOMAINS = 20
MAX_REFS = 10
TELEMETRY_MARGIN = timedelta(hours=24)
# Attribution steps that name the account of an advertised host, not of the origin.
HOST_STEP_CODES = {
    "hosted_here",
    "hosting_address",
    "hosting_address_shared",
    "self_hosted_on_connection",
    "self_hosted_on_dynamic_line",
    "site_address_in_hosting",
    "site_address_in_shared_hosting",
    "site_address_on_static_line",
    "site_address_on_dynamic_line",
}
NOT_AUTHORISED_SPF = ("fail", "softfail")
UNCHECKED_DKIM = ("not_checked", "body_modified", "temperror")


def empty_facts() -> dict:
    return {
        "joe_job": {
            "value": False,
            "customers": [],
            "not_blamed": [],
            "sender_is_customer": False,
            "steps": [],
        },
        "shared_ipv4": {
            "value": False,
            "identified": None,
            "address": None,
            "port": None,
            "account": None,
            "how": None,
            "steps": [],
        },
        "aggravating": {"value": [], "steps": []},
        "telemetry": {"value": [], "unknown_recipients": 0, "recipients_seen": 0, "steps": []},
        "sender_authentication": {"reports": 0, "results": {}, "steps": []},
    }


class _Steps:
    """Steps of one fact; the same sentence for many reports is one step with a count."""

    def __init__(self):
        self.items: dict[tuple, dict] = {}

    def add(
        self, code: str, *, report: int | None = None, evidence=(), refs: dict | None = None, **params
    ) -> dict:
        """`params` make the sentence (and tell steps apart); `refs` are more records it rests on."""
        params = {k: v for k, v in params.items() if v not in (None, "")}
        key = (code, tuple(sorted((k, str(v)) for k, v in params.items())))
        step = self.items.setdefault(key, {"code": code, **params, "evidence": [], "reports": [], "count": 0})
        step.update(refs or {})
        if report is not None:
            step["count"] += 1
            if len(step["reports"]) < MAX_REFS and report not in step["reports"]:
                step["reports"].append(report)
        for pk in evidence:
            if pk is not None and len(step["evidence"]) < MAX_REFS and pk not in step["evidence"]:
                step["evidence"].append(pk)
        return step

    def list(self) -> list[dict]:
        return list(self.items.values())


def _domain(address: str | None) -> str | None:
    local, at, domain = (address or "").strip().strip("<>").rpartition("@")
    domain = domain.strip().rstrip(".").lower()
    return domain if at and local and domain else None


def _same_org(a: str, b: str) -> bool:
    return bool(a and b) and (registrable_domain(a) or a) == (registrable_domain(b) or b)


# -- reading ---------------------------------------------------------------------------


def _sample(case: Case) -> list[Report]:
    return list(
        Report.objects.filter(case=case)
        .order_by("-received_at", "-id")
        .only(
            "id",
            "source_ip",
            "mail_from",
            "header_from",
            "url_hosts",
            "attribution",
            "occurred_at",
            "received_at",
        )[:REPORT_SAMPLE]
    )


def _auth_rows(reports: list[Report]) -> dict[int, Evidence]:
    rows = Evidence.objects.filter(
        report__in=[r.pk for r in reports], kind=Evidence.Kind.SENDER_AUTH
    ).order_by("asked_at", "id")
    return {row.report_id: row for row in rows}  # the latest per report


def _customers_by_domain(domains: set[str]) -> dict[str, dict]:
    """Domains our hosting customers hold: domain -> {"subscriber", "account"}."""
    from subscribers.selectors import hosting_accounts_for_hosts

    accounts = hosting_accounts_for_hosts(sorted(domains)[:MAX_DOMAINS])  # one query for them all
    return {
        domain: {"subscriber": account.subscriber.subscriber_id, "account": account.account_id}
        for domain, account in sorted(accounts.items())
    }


def _origin_subscribers(reports: list[Report]) -> dict[int, set[str]]:
    """Per report, the subscribers whose account the origin (not an advertised host) was
    tied to. One query for the whole sample: the case page derives these on every view."""
    from subscribers.models import Account

    accounts: dict[int, set[str]] = {}
    holders: dict[int, set[str]] = {}
    for report in reports:
        a = report.attribution or {}
        accounts[report.pk] = {
            s["account"]
            for s in a.get("steps") or []
            if s.get("account") and s.get("code") not in HOST_STEP_CODES
        }
        holder = (a.get("sub_allocation") or {}).get("subscriber_id")
        holders[report.pk] = {holder} if holder else set()
    wanted = set().union(*accounts.values())
    owner = dict(
        Account.objects.filter(account_id__in=wanted).values_list("account_id", "subscriber__subscriber_id")
        if wanted
        else []
    )
    return {pk: {owner[a] for a in ids if a in owner} | holders[pk] for pk, ids in accounts.items()}


# -- per report --------------------------------------------------------------------------


def _checks(row: Evidence | None) -> list[dict]:
    return list(row.answer) if row is not None else []


def _authorised(checks: list[dict], domain: str) -> str | None:
    """How the domain is shown to have authorised the sender: spf, dkim, stated; or None."""
    for c in checks:
        if c.get("check") == "spf" and c.get("result") == "pass" and c.get("domain") == domain:
            return "spf"
        if c.get("check") == "dkim" and c.get("result") == "pass" and _same_org(c.get("domain", ""), domain):
            return "dkim"
    for c in checks:
        if c.get("check") != "stated" or c.get("result") != "pass":
            continue
        props = c.get("properties") or {}
        named = _domain(props.get("smtp.mailfrom")) or props.get("smtp.mailfrom") or props.get("header.d", "")
        if c.get("method") in ("spf", "dkim") and _same_org(str(named).lower(), domain):
            return "stated"
    return None


def _refused(checks: list[dict], domain: str) -> dict | None:
    """The domain's own policy refuses the origin: {"spf": result, "dmarc": result}, or None."""
    spf = next((c["result"] for c in checks if c.get("check") == "spf" and c.get("domain") == domain), None)
    dmarc = next((c for c in checks if c.get("check") == "dmarc" and c.get("domain") == domain), None)
    unchecked = any(
        c.get("check") == "dkim"
        and c.get("result") in UNCHECKED_DKIM
        and _same_org(c.get("domain", ""), domain)
        for c in checks
    )
    dmarc_fails = bool(dmarc and dmarc.get("result") == "fail" and not unchecked)
    if spf in NOT_AUTHORISED_SPF or dmarc_fails:
        return {"spf": spf or "none", "dmarc": (dmarc or {}).get("result", "none")}
    return None


def _sender_domains(report: Report) -> dict[str, list[str]]:
    named: dict[str, list[str]] = {}
    for where, address in (("from", report.header_from), ("envelope", report.mail_from)):
        domain = _domain(address)
        if domain:
            named.setdefault(domain, []).append(where)
    return named


def _url_domains(report: Report) -> set[str]:
    return {str(h).lower().rstrip(".") for h in report.url_hosts or [] if h and not str(h).startswith("[")}


# -- the facts ---------------------------------------------------------------------------


def case_derived_facts(case: Case, *, traffic: bool = True) -> dict:
    """`traffic=False` leaves out what only our mail log shows (S2): a page or an API
    answer shows what the stored recommendation counted, and never reads the log itself."""
    facts = empty_facts()
    reports = _sample(case)
    if not reports:
        _own_telemetry(facts["telemetry"], case)
        return facts
    auth = _auth_rows(reports)
    named_domains = set()
    for r in reports:
        named_domains |= set(_sender_domains(r)) | _url_domains(r)
    customers = _customers_by_domain(named_domains)
    origins = _origin_subscribers(reports)
    _joe_job(case, facts["joe_job"], reports, auth, customers, origins)
    _aggravating(facts["aggravating"], reports, auth, customers, origins)
    _shared_ipv4(facts["shared_ipv4"], case)
    _telemetry(facts["telemetry"], case, reports, traffic=traffic)
    _own_telemetry(facts["telemetry"], case)
    _sender_authentication(facts["sender_authentication"], reports, auth)
    return facts


def _joe_job(case, fact, reports, auth, customers, origins) -> None:
    steps = _Steps()
    verdicts: dict[str, dict] = {}  # subscriber -> what the reports show
    for r in reports:
        row = auth.get(r.pk)
        checks, evidence = _checks(row), [row.pk] if row is not None else []
        senders = _sender_domains(r)
        for domain in set(senders) | _url_domains(r):
            customer = _customer_of(domain, customers)
            if customer is None:
                continue
            subscriber = customer["subscriber"]
            where = senders.get(domain) or ["url"]
            v = verdicts.setdefault(
                subscriber,
                {
                    "subscriber": subscriber,
                    "domains": [],
                    "named_in": [],
                    "status": "undetermined",
                    "reports": [],
                },
            )
            v["domains"] = sorted(set(v["domains"]) | {domain})
            v["named_in"] = sorted(set(v["named_in"]) | set(where))
            if len(v["reports"]) < MAX_REFS:
                v["reports"].append(r.pk)
            steps.add(
                "customer_domain_named",
                report=r.pk,
                domain=domain,
                subscriber=subscriber,
                named_in=",".join(where),
            )
            if subscriber in origins[r.pk]:
                v["sender"] = True
                steps.add("customer_is_origin", report=r.pk, subscriber=subscriber, ip=r.source_ip)
                continue
            if domain not in senders:
                steps.add("customer_named_in_url_only", report=r.pk, domain=domain)
                continue
            how = _authorised(checks, domain)
            if how:
                v["sender"] = True
                steps.add(
                    "customer_authorised",
                    report=r.pk,
                    evidence=evidence,
                    domain=domain,
                    how=how,
                    ip=r.source_ip,
                )
                continue
            refused = _refused(checks, domain)
            if refused:
                v["forged"] = True
                steps.add(
                    "customer_not_authorised",
                    report=r.pk,
                    evidence=evidence,
                    domain=domain,
                    ip=r.source_ip,
                    **refused,
                )
            elif row is None:
                steps.add("customer_not_checked", report=r.pk, domain=domain)
            else:
                steps.add("customer_undetermined", report=r.pk, evidence=evidence, domain=domain)
    denials = {
        c.pk: c
        for c in CaseConfirmation.objects.filter(case=case, kind=ConfirmationKind.DENIAL).order_by(
            "recorded_at"
        )
    }
    for v in verdicts.values():
        sender, forged = v.pop("sender", False), v.pop("forged", False)
        v["status"] = "sender" if sender else "joe_job" if forged else "undetermined"
        if denials:
            # The customer's word is recorded and shown; the records decide.
            code = {"sender": "denial_does_not_clear", "joe_job": "denial_matches_evidence"}.get(
                v["status"], "denial_recorded"
            )
            steps.add(code, subscriber=v["subscriber"], refs={"confirmations": list(denials)[:MAX_REFS]})
    not_blamed = sorted(s for s, v in verdicts.items() if v["status"] == "joe_job")
    blamed = set((case.attribution or {}).get("subscribers") or []) - set(not_blamed)
    fact["customers"] = sorted(verdicts.values(), key=lambda v: v["subscriber"])
    fact["not_blamed"] = not_blamed
    fact["sender_is_customer"] = any(v["status"] == "sender" for v in verdicts.values())
    # The joe-job rule closes the case only when nobody else is tied to it: a line of
    # ours that sent mail in another customer's name is still a sender to act on.
    fact["value"] = bool(not_blamed) and not blamed
    if fact["value"]:
        steps.add("joe_job_closes", subscribers=", ".join(not_blamed))
    elif not_blamed:
        steps.add("joe_job_other_sender", subscribers=", ".join(not_blamed), others=", ".join(sorted(blamed)))
    fact["steps"] = steps.list()


def _customer_of(domain: str, customers: dict[str, dict]) -> dict | None:
    labels = domain.split(".")
    for i in range(len(labels) - 1):
        found = customers.get(".".join(labels[i:]))
        if found:
            return found
    return None


def _aggravating(fact, reports, auth, customers, origins) -> None:
    steps = _Steps()
    for r in reports:
        senders_here = origins[r.pk]
        if not senders_here:
            continue  # nobody of ours sent it: nothing to aggravate
        row = auth.get(r.pk)
        checks = _checks(row)
        for domain in _sender_domains(r):
            owner = _customer_of(domain, customers)
            if owner is not None and owner["subscriber"] in senders_here:
                continue  # the sender's own domain
            if _authorised(checks, domain):
                continue
            refused = _refused(checks, domain)
            if refused:
                steps.add(
                    "forged_sender", report=r.pk, evidence=[row.pk], domain=domain, ip=r.source_ip, **refused
                )
    fact["steps"] = steps.list()
    fact["value"] = ["forged_sender"] if fact["steps"] else []


def _shared_ipv4(fact, case) -> None:
    """From the attribution's `shared_ipv4` key (engine._shared_origin), newest report first.

    `address`, `port`, `account`, `how` are those of the newest report that identified
    the subscriber, else of the newest shared one; `value` is True when nobody can be
    named (no report of the case identified the subscriber).
    """
    steps = _Steps()
    rows = (
        Report.objects.filter(case=case, attribution__has_key="shared_ipv4")
        .order_by("-received_at", "-id")
        .values_list("pk", "attribution")[:REPORT_SAMPLE]
    )
    identified = unidentified = 0
    shown = None
    for pk, attribution in rows:
        shared = (attribution or {}).get("shared_ipv4")
        if not isinstance(shared, dict):
            continue
        address, port = shared.get("address"), shared.get("port")
        if shared.get("identified"):
            identified += 1
            if shown is None or not shown.get("identified"):
                shown = shared
            steps.add(
                "shared_address_identified",
                report=pk,
                ip=address,
                port=port,
                how=shared.get("how"),
                account=shared.get("account"),
            )
        else:
            unidentified += 1
            shown = shown or shared
            code = "shared_address_no_port" if port in (None, "") else "shared_address_port_unknown"
            steps.add(code, report=pk, ip=address, port=port)
    if identified or unidentified:
        fact["identified"] = identified > 0
        fact["address"] = shown.get("address")
        fact["port"] = shown.get("port")
        fact["account"] = shown.get("account") if shown.get("identified") else None
        fact["how"] = shown.get("how") if shown.get("identified") else None
    # Nobody can be named only when no report of the case identified the subscriber.
    fact["value"] = unidentified > 0 and identified == 0
    fact["steps"] = steps.list()


def _telemetry(fact, case, reports, *, traffic: bool) -> None:
    steps = _Steps()
    value = []
    listed = list(
        Evidence.objects.filter(case=case, kind=Evidence.Kind.DNSBL, listed=True)
        .order_by("-asked_at")
        .values_list("pk", "subject", "zone")[:50]
    )
    for pk, subject, zone in listed:
        steps.add("dnsbl_listed", evidence=[pk], ip=subject, zone=zone)
    if listed:
        value.append("dnsbl_listed")
    traps = Report.objects.filter(case=case, facts__evidence_source="spamtrap").values_list("pk", flat=True)
    trap_ids = list(traps[:MAX_REFS])
    if trap_ids:
        value.append("spam_trap")
        total = traps.count() if len(trap_ids) == MAX_REFS else len(trap_ids)
        steps.add("spam_trap", hits=total, refs={"reports": trap_ids, "count": total})
    unknown, seen, entries, by, key = _recipients(case, reports) if traffic else (0, 0, [], "", "")
    fact["unknown_recipients"], fact["recipients_seen"] = unknown, seen
    if seen:
        steps.add(
            "unknown_recipients", unknown=unknown, total=seen, by=by, key=key, refs={"maillog": entries}
        )
    fact["value"] = value
    fact["steps"] = steps.list()


def _own_telemetry(fact, case) -> None:
    """The volume detection's figures on the case (evidence rows, never the log itself):
    each hour a login crossed the criteria's limits is own telemetry (E3)."""
    rows = list(
        Evidence.objects.filter(case=case, kind=Evidence.Kind.MAIL_VOLUME)
        .order_by("-asked_at", "-id")
        .values_list("pk", "answer")[:50]
    )
    for pk, answer in rows:
        figures = answer[0] if answer and isinstance(answer[0], dict) else {}
        crossed = list(figures.get("crossed") or [])
        for signal in crossed:
            if signal not in fact["value"]:
                fact["value"].append(signal)
        fact["steps"].append(
            {
                "code": "own_mail_volume",
                "login": figures.get("login", ""),
                "hour": figures.get("hour", ""),
                "messages": figures.get("messages", 0),
                "recipients": figures.get("recipients", 0),
                "domains": figures.get("domains", 0),
                "unknown": figures.get("unknown", 0),
                "new_networks": figures.get("new_networks", 0),
                "addresses": figures.get("addresses", 0),
                "crossed": ", ".join(crossed),
                "evidence": [pk],
                "reports": [],
                "count": 0,
            }
        )


def _recipients(case, reports) -> tuple[int, int, list[int], str, str]:
    """Unknown recipients out of all, from our mail log, for the case's login (else its
    origin addresses), around the time of the reports."""
    from subscribers.selectors import recipient_outcomes

    times = [r.occurred_at or r.received_at for r in reports]
    since, until = min(times) - TELEMETRY_MARGIN, max(times) + TELEMETRY_MARGIN
    logins = sorted(
        {
            s["login"]
            for r in reports
            for s in (r.attribution or {}).get("steps") or []
            if s.get("code") in ("mail_account", "via_our_mail_server", "pop_before_smtp") and s.get("login")
        }
    )[:5]
    if logins:
        pairs = [
            ("login", login, recipient_outcomes(login=login, since=since, until=until)) for login in logins
        ]
    else:
        ips = sorted({r.source_ip for r in reports if r.source_ip})[:5]
        pairs = [("client", ip, recipient_outcomes(client_ip=ip, since=since, until=until)) for ip in ips]
    unknown = sum(p[2][0] for p in pairs)
    seen = sum(p[2][1] for p in pairs)
    entries = [pk for p in pairs for pk in p[2][2]][:MAX_REFS]
    by = pairs[0][0] if pairs else ""
    key = ", ".join(p[1] for p in pairs if p[2][1])
    return unknown, seen, entries, by, key


def _sender_authentication(fact, reports, auth) -> None:
    steps = _Steps()
    results: dict[str, dict[str, int]] = {}
    for r in reports:
        row = auth.get(r.pk)
        if row is None:
            continue
        for c in row.answer:
            check = c.get("check")
            if check == "spf":
                steps.add(
                    "spf",
                    report=r.pk,
                    evidence=[row.pk],
                    identity=c.get("identity"),
                    domain=c.get("domain"),
                    result=c.get("result"),
                    ip=r.source_ip,
                )
            elif check == "dkim":
                steps.add(
                    "dkim",
                    report=r.pk,
                    evidence=[row.pk],
                    domain=c.get("domain"),
                    selector=c.get("selector"),
                    result=c.get("result"),
                )
            elif check == "dmarc":
                steps.add(
                    "dmarc",
                    report=r.pk,
                    evidence=[row.pk],
                    domain=c.get("domain"),
                    result=c.get("result"),
                    policy=c.get("policy"),
                )
            elif check == "stated":
                steps.add(
                    "stated",
                    report=r.pk,
                    evidence=[row.pk],
                    authserv=c.get("authserv_id"),
                    method=c.get("method"),
                    result=c.get("result"),
                )
                continue
            else:
                continue
            name = check if check != "spf" else f"spf_{c.get('identity')}"
            counts = results.setdefault(name, {})
            counts[c.get("result")] = counts.get(c.get("result"), 0) + 1
    fact["reports"] = len([r for r in reports if r.pk in auth])
    fact["results"] = results
    fact["steps"] = steps.list()
