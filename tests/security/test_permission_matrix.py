"""Who may reach what: every URL and API operation × anonymous, partner A, partner B, staff,
manager, superuser, the sign-up system's screening key and an exchange participant, in one
table.

Each row is one route and method with the status each persona gets. A route the
URL resolver knows and the table does not fails `test_every_route_has_a_row`, so
a new page or endpoint cannot arrive without someone deciding who may use it.
The admin's pages come from a table per model (tests/abusedesk/test_admin.py
fails when a model is registered without a decision).

What a person may *decide* once they reach a view (four eyes, manager levels,
the emergency rule) is the service's business and is tested per guard in
test_guard_entry_points.py; here a browser form that the service refuses still
counts as reached (the page again with the reason and what was typed, with the
service's 4xx status; 302 back to the page when it was taken).

Browser routes are called with a session, API routes with a token, as each
persona would. The screening client and the exchange participant are API clients
(users without a password): they send their key everywhere and have no session, so
a page sends them to the login page, and their key opens only their own endpoints
(the screening key is refused even by public API views: its scope is checked while
authenticating, see abusedesk/auth.py). Every request runs in a savepoint that is
rolled back, so each persona meets the same world.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from abusedesk.services import api_token_create
from complaints.choices import Channel
from complaints.models import Forward, Reply, SavedFilter
from complaints.services import report_ingest
from sanctions.choices import State
from sanctions.services import sanction_transition
from screening.choices import Channel as ScreeningChannel
from screening.services import participant_register, screening_run
from screening.services.clients import screening_client_create
from screening.signing import public_key_text
from tests.attribution.test_forwarding import foreign_case
from tests.personas import make_user
from tests.sanctions import factories
from tests.screening.conftest import applicant

pytestmark = pytest.mark.django_db

PERSONAS = ("anon", "partner_a", "partner_b", "staff", "manager", "superuser", "screening", "participant")
API_CLIENTS = ("screening", "participant")  # keys only: never a browser session
LOGIN = "login"  # a redirect to the login page
ADMIN_LOGIN = "admin-login"

# Common rows of expectations.
NO_PAGE = dict.fromkeys(API_CLIENTS, LOGIN)  # a key is no session: pages send them to log in
DESK = {
    "anon": LOGIN,
    "partner_a": 403,
    "partner_b": 403,
    "staff": 200,
    "manager": 200,
    "superuser": 200,
    **NO_PAGE,
}
DESK_POST = {**DESK, "staff": 302, "manager": 302, "superuser": 302}
DESK_GET_ON_POST = {**DESK, "staff": 405, "manager": 405, "superuser": 405}
MANAGERS = {**DESK, "staff": 403}
SIGNED_IN = {
    "anon": LOGIN,
    "partner_a": 200,
    "partner_b": 200,
    "staff": 200,
    "manager": 200,
    "superuser": 200,
    **NO_PAGE,
}
EVERYONE = dict.fromkeys(PERSONAS, 200)
# The screening key is refused wherever it is not the view's scope, public views included.
PUBLIC = {**EVERYONE, "screening": 403}
API_DESK = {
    "anon": 401,
    "partner_a": 403,
    "partner_b": 403,
    "staff": 200,
    "manager": 200,
    "superuser": 200,
    "screening": 403,
    "participant": 403,
}
# Partners (and the participant) never learn it exists.
API_DESK_OBJECT = {**API_DESK, "partner_a": 404, "partner_b": 404, "participant": 404}
API_ALL = {"anon": 401, **dict.fromkeys(PERSONAS[1:], 200), "screening": 403}
API_REPORTS = {**API_ALL, "participant": 403}  # partners and the desk
# The sign-up system's endpoint: its key only; no desk or partner key, no session.
API_SCREENING = {"anon": 401, **dict.fromkeys(PERSONAS[1:], 403), "screening": 201}
# The exchange: a registered participant's key only.
API_EXCHANGE = {"anon": 401, **dict.fromkeys(PERSONAS[1:], 403), "participant": 200}


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    expect: dict
    args: tuple = ()  # names of world objects, in URL order
    data: dict = field(default_factory=dict)
    api: bool = False
    note: str = ""


def api(name, method, expect, args=(), data=None, note=""):
    return Row(name, method, expect, args, data or {}, True, note)


def page(name, method, expect, args=(), data=None, note=""):
    return Row(name, method, expect, args, data or {}, False, note)


SPAM = factories.spam("198.51.100.99", factories.HANDOVER).decode()
CONFIRMATION = {"kind": "compromise", "statement": "The customer phoned: the PC was infected; cleaned."}
SCREENING = {**applicant(), "purpose": "new application"}
# The proposer's revision of the world's L1, sent back for more evidence.
REVISION = {
    "level": "L1",
    "justification": "Three reporters within a day; the session log names C-3 each time.",
    "clauses": ["C-03a"],
    "legal_basis": "legitimate_business_act",
    "culpability": "intentional",
    "reason": "Added the evidence asked for.",
}
PROPOSAL = {
    "account": "C-3",
    # Not the world's L3, which awaits a decision: a second one would be a duplicate proposal.
    "level": "L2",
    "justification": "Three reporters within a day.",
    "clauses": ["C-03a"],
    "legal_basis": "legitimate_business_act",
    "culpability": "intentional",
}

ROWS = [
    # -- the desk's pages ------------------------------------------------------------
    page("home", "GET", SIGNED_IN),
    page(
        "find",
        "GET",
        {**SIGNED_IN, **dict.fromkeys(("partner_a", "partner_b", "staff", "manager", "superuser"), 302)},
        note="only a redirect: to the reference's page or the queue, which decide who may see them",
    ),
    page("healthz", "GET", EVERYONE),
    page("preferences", "GET", SIGNED_IN),
    page(
        "login",
        "GET",
        {"anon": 200, **dict.fromkeys(PERSONAS[1:], 302), **dict.fromkeys(API_CLIENTS, 200)},
        note="signed-in people go home",
    ),
    page("logout", "POST", dict.fromkeys(PERSONAS, LOGIN)),
    page("set_language", "POST", dict.fromkeys(PERSONAS, 302), data={"language": "ja", "next": "/"}),
    page("switch_language", "POST", dict.fromkeys(PERSONAS, 302), data={"language": "ja", "next": "/"}),
    page("report-list", "GET", DESK),
    page("report-new", "GET", DESK),
    page("report-new", "POST", DESK_POST, data={"kind": "message", "m-message": SPAM}),
    page("report-detail", "GET", DESK, args=("report_a",)),
    page(
        "report-content",
        "POST",
        DESK,
        args=("report_a",),
        data={"purpose": "check the advertised site"},
        note="S1: desk users with a stated purpose, recorded",
    ),
    page("report-content", "GET", DESK_GET_ON_POST, args=("report_a",)),
    page(
        "report-close",
        "POST",
        {**DESK_POST, "staff": 409, "manager": 409, "superuser": 409},
        args=("report_a",),
        data={"reason": "no material to act on"},
        note="refused: the report page again with the reason; report_a is processed, not in manual triage",
    ),
    page("case-list", "GET", DESK),
    page("case-bulk", "POST", DESK_POST, data={"cases": ["case"], "action": "assign_me"}),
    page("case-bulk", "GET", DESK_GET_ON_POST),
    page("saved-filter-save", "POST", DESK_POST, data={"name": "mine", "query": "status=open"}),
    page("saved-filter-delete", "POST", DESK_POST, args=("saved_filter",), note="only one's own is deleted"),
    page("case-detail", "GET", DESK, args=("case",)),
    page("case-action", "POST", DESK_POST, args=("case",), data={"action": "assign_me"}),
    page("case-action", "GET", DESK_GET_ON_POST, args=("case",)),
    page("case-confirm", "POST", DESK_POST, args=("case",), data=CONFIRMATION),
    page(
        "case-forward",
        "POST",
        DESK_POST,
        args=("foreign_case",),  # a case of ours is never forwarded (test_forward_guards.py)
        data={"format": "arf", "to": "abuse@other.example", "reason": "theirs"},
    ),
    page("case-reply", "POST", DESK_POST, args=("case",), data={"template": "investigating"}),
    page("forward-retry", "POST", DESK_POST, args=("case", "forward"), note="the same row sent again"),
    page("forward-retry", "GET", DESK_GET_ON_POST, args=("case", "forward")),
    page("reply-retry", "POST", DESK_POST, args=("case", "reply")),
    page("reply-retry", "GET", DESK_GET_ON_POST, args=("case", "reply")),
    page("policies-index", "GET", MANAGERS),
    page("policies-rule-edit", "GET", MANAGERS, args=("rule_key",)),
    page("policies-versions", "GET", MANAGERS),
    page("policies-version-detail", "GET", MANAGERS, args=("criteria_version",)),
    page("policies-clause-edit", "GET", MANAGERS, args=("clause_id",)),
    page("policies-settings-edit", "GET", MANAGERS),
    page(
        "filtering-find",
        "GET",
        {**DESK, "staff": 302, "manager": 302, "superuser": 302},
        note="only a redirect to the customer's filtering page",
    ),
    page("filtering-detail", "GET", DESK, args=("subscriber",)),
    page(
        "filtering-detail",
        "POST",
        DESK_POST,
        args=("subscriber",),
        data={"action": "withdraw", "given_at": "2026-11-21 10:00", "channel": "phone"},
    ),
    page(
        "filtering-instruction-confirm",
        "POST",
        DESK_POST,
        args=("subscriber", "filtering_instruction"),
        data={"note": "done by hand"},
    ),
    page("sanction-review-queue", "GET", DESK),
    page("sanction-propose", "GET", DESK, args=("case",)),
    page("sanction-dossier", "GET", DESK, args=("case",)),
    page("sanction-dossier-pdf", "GET", DESK, args=("case",)),
    page("sanction-detail", "GET", DESK, args=("proposed",)),
    page(
        "sanction-transition",
        "POST",
        {**DESK_POST, "staff": 403},
        args=("proposed",),
        data={"to_state": "approved", "reason": "ok"},
        note="the proposer (staff) is refused by the service: the page again, with the reason",
    ),
    page(
        "sanction-emergency",
        "POST",
        {**DESK_POST, "staff": 409, "manager": 409, "superuser": 409},
        args=("proposed",),
        data={"reason": "flood"},
        note="not an emergency proposal: the page again with the reason and the text typed",
    ),
    page(
        "sanction-revise",
        "GET",
        {**DESK, "manager": 302, "superuser": 302},
        args=("returned",),
        note="its proposer only; anyone else is sent to the measure's page with the reason",
    ),
    page(
        "sanction-revise",
        "POST",
        DESK_POST,
        args=("returned",),
        data=REVISION,
        note="its proposer revises and resubmits; anyone else is sent back with the reason",
    ),
    page(
        "sanction-execution-confirm",
        "POST",
        DESK_POST,
        args=("approved", "approved_execution"),
        data={"note": "done by hand"},
    ),
    page(
        "sanction-hearing-answer",
        "POST",
        DESK_POST,
        args=("notified",),
        data={"received_at": "2026-11-21 10:00", "channel": "email", "text": "I fixed it."},
    ),
    page("notice-retry", "POST", DESK_POST, args=("notified", "notice")),
    page("notice-retry", "GET", DESK_GET_ON_POST, args=("notified", "notice")),
    page("dashboard", "GET", MANAGERS),
    page("access-review", "GET", MANAGERS),
    page("dashboard-csv", "GET", MANAGERS, args=("dashboard_slug",)),
    page("screening-new", "GET", DESK),
    page("screening-new", "POST", DESK_POST, data=SCREENING, note="to the result page"),
    page(
        "screening-detail",
        "GET",
        DESK,
        args=("screening_query",),
        note="staff ran it; another staff member gets 404 (tests/screening/test_pages.py)",
    ),
    page("screening-exchange", "GET", MANAGERS),
    # -- the API ------------------------------------------------------------------------
    api("api-report-list", "GET", API_REPORTS, note="a partner sees its own reports only"),
    api(
        "api-report-list",
        "POST",
        {**API_REPORTS, **dict.fromkeys(("partner_a", "partner_b", "staff", "manager", "superuser"), 201)},
        data={"source_ip": "198.51.100.99", "occurred_at": "2026-11-20T05:00:00Z", "category": "spam"},
    ),
    api("api-report-detail", "GET", {**API_REPORTS, "partner_b": 404}, args=("report_a",)),
    api(
        "api-report-content",
        "POST",
        API_DESK,
        args=("report_a",),
        data={"purpose": "check the advertised site"},
        note="S1 is for the desk, even to the partner who filed it (refused before any lookup)",
    ),
    api(
        "api-report-close",
        "POST",
        {**API_DESK, "staff": 409, "manager": 409, "superuser": 409},
        args=("report_a",),
        data={"reason": "no material to act on"},
        note="for the desk, refused before any lookup; report_a is processed, not in triage",
    ),
    api("api-case-list", "GET", API_DESK),
    api("api-case-detail", "GET", API_DESK_OBJECT, args=("case",)),
    api(
        "api-case-confirm",
        "POST",
        {**API_DESK_OBJECT, "staff": 201, "manager": 201, "superuser": 201},
        args=("case",),
        data=CONFIRMATION,
    ),
    api(
        "api-case-forward",
        "POST",
        {**API_DESK_OBJECT, "staff": 201, "manager": 201, "superuser": 201},
        args=("foreign_case",),
        data={"format": "arf", "to": "abuse@other.example"},
    ),
    api(
        "api-case-reattribute",
        "POST",
        API_DESK_OBJECT,
        args=("case",),
        data={"reason": "C-3's static block was entered on the wrong line; fixed in the inventory"},
    ),
    api(
        "api-sanction-propose",
        "POST",
        {**API_DESK_OBJECT, "staff": 201, "manager": 201, "superuser": 201},
        data=PROPOSAL,
    ),
    api("api-sanction-detail", "GET", API_DESK_OBJECT, args=("proposed",)),
    api(
        "api-sanction-transition",
        "POST",
        {**API_DESK_OBJECT, "staff": 403},
        args=("proposed",),
        data={"to_state": "approved", "reason": "ok"},
        note="four eyes: the proposer (staff) may not decide",
    ),
    api(
        "api-sanction-revise",
        "POST",
        {**API_DESK_OBJECT, "manager": 403, "superuser": 403},
        args=("returned",),
        data=REVISION,
        note="its proposer only: whoever else revised it could then approve it",
    ),
    api(
        "api-sanction-emergency",
        "POST",
        {**API_DESK_OBJECT, "staff": 409, "manager": 409, "superuser": 409},
        args=("proposed",),
        data={"reason": "flood"},
        note="not an emergency proposal",
    ),
    api(
        "api-sanction-execution-confirm",
        "POST",
        API_DESK_OBJECT,
        args=("approved", "approved_execution"),
        data={"note": "done by hand"},
    ),
    api(
        "api-sanction-hearing-answer",
        "POST",
        {**API_DESK_OBJECT, "staff": 201, "manager": 201, "superuser": 201},
        args=("notified",),
        data={"received_at": "2026-11-21T10:00:00Z", "channel": "email", "text": "I fixed it."},
    ),
    api(
        "api-filtering-consent",
        "POST",
        {**API_DESK_OBJECT, "staff": 201, "manager": 201, "superuser": 201},
        data={"subscriber": "S-5", "action": "consent", "given_at": "2026-11-21T10:00:00Z", "channel": "web"},
        note="S4: outside the desk nobody learns whether the subscriber exists",
    ),
    api("api-filtering-state", "GET", API_DESK_OBJECT, args=("subscriber",)),
    api("api-screening", "POST", API_SCREENING, data=SCREENING, note="advice only, audited"),
    api("api-exchange-entries", "GET", API_EXCHANGE, note="our signed bundle"),
    api("api-exchange-entries", "POST", API_EXCHANGE, note="a bundle signed by the participant"),
    api("api-whoami", "GET", API_ALL),
    api(
        "api-schema",
        "GET",
        PUBLIC,
        note="the schema and its docs are public; a screening key opens nothing but screening",
    ),
    page("api-docs", "GET", PUBLIC),
]

# -- the admin, from a table per model ------------------------------------------------
RECORD = {"view": {"superuser"}, "add": set()}
INVENTORY = {"view": {"staff", "manager", "superuser"}, "add": {"manager", "superuser"}}
ADMIN_MODELS = {
    "complaints.case": RECORD,
    "complaints.report": RECORD,
    "complaints.reporturl": RECORD,
    "complaints.partner": RECORD,
    "sanctions.sanction": RECORD,
    "sanctions.execution": RECORD,
    "sanctions.notice": RECORD,
    "sanctions.hearinganswer": RECORD,
    "abusedesk.auditentry": RECORD,
    "prevention.filteringconsent": RECORD,
    "prevention.filteringinstruction": RECORD,
    "prevention.volumewindow": RECORD,
    "abusedesk.apitoken": RECORD,
    "screening.screeningquery": RECORD,
    "screening.termination": RECORD,
    "screening.transfer": RECORD,
    "screening.receivedentry": RECORD,
    "screening.exchangeparticipant": RECORD,  # registered and deactivated by command
    "axes.accessattempt": RECORD,
    "axes.accesslog": RECORD,
    "axes.accessfailurelog": RECORD,
    "subscribers.subscriber": INVENTORY,
    "subscribers.account": INVENTORY,
    "subscribers.addressblock": INVENTORY,
    "policies.clause": {"view": {"manager", "superuser"}, "add": set()},
    "policies.criteriaset": {"view": {"manager", "superuser"}, "add": set()},
    "auth.user": {"view": {"superuser"}, "add": {"superuser"}},
    "auth.group": {"view": {"superuser"}, "add": {"superuser"}},
}


def _admin_expect(allowed: set) -> dict:
    # Partners and API clients are no staff: the admin sends them to its login page, like anonymous.
    out = dict.fromkeys(("anon", "partner_a", "partner_b", *API_CLIENTS), ADMIN_LOGIN)
    out.update({p: 200 if p in allowed else 403 for p in ("staff", "manager", "superuser")})
    return out


ADMIN_ROWS = [page("admin:index", "GET", _admin_expect({"staff", "manager", "superuser"}))]
for _label, _rule in sorted(ADMIN_MODELS.items()):
    _app, _model = _label.split(".")
    ADMIN_ROWS.append(page(f"admin:{_app}_{_model}_changelist", "GET", _admin_expect(_rule["view"])))
    ADMIN_ROWS.append(page(f"admin:{_app}_{_model}_add", "GET", _admin_expect(_rule["add"])))


# -- the world each request meets -------------------------------------------------------


def _exchange(settings) -> dict:
    """This desk in a termination exchange with one participant (an API client of its own)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from tests.screening.conftest import HASH_KEY, Peer, private_key_text
    from tests.screening.test_exchange import peer_bundle

    settings.ABUSEDESK_EXCHANGE_ISP_ID = "jp.our-isp"
    settings.ABUSEDESK_EXCHANGE_SIGNING_KEY = private_key_text(Ed25519PrivateKey.generate())
    settings.ABUSEDESK_EXCHANGE_HASH_KEYS = HASH_KEY
    user = get_user_model().objects.create_user("exchange:jp.peer-isp")  # no password: a key only
    key = Ed25519PrivateKey.generate()
    participant = participant_register(
        isp_id="jp.peer-isp", name="Peer ISP", verify_key=public_key_text(key), user=user
    )
    peer = Peer(key, participant, api_token_create(user=user)[1])
    return {"user": user, "key": peer.api_key, "bundle": peer_bundle(peer, [applicant(phone="03-1111-2222")])}


def _filtering_customer(staff) -> tuple[str, int]:
    """A customer of the small ISP with a recorded consent whose instruction waits (manual)."""
    from django.utils import timezone

    from prevention.models import FilteringConsent
    from prevention.services.filtering import filtering_consent_record
    from subscribers.models import Subscriber

    subscriber = Subscriber.objects.get(accounts__account_id="C-3")
    consent = FilteringConsent.objects.filter(subscriber=subscriber).first() or filtering_consent_record(
        subscriber=subscriber, action="consent", given_at=timezone.now(), channel="phone", recorder=staff
    )
    return subscriber.subscriber_id, consent.instruction.pk


@pytest.fixture
def world(isp, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    staff, manager = make_user("sato", "staff"), make_user("tanaka", "manager")
    superuser = get_user_model().objects.create_superuser("root", "root@example.jp", "x")
    from complaints.services.partners import partner_create

    partners = {
        "partner_a": partner_create(name="Receiver ISP", contact_email="abuse@receiver.example"),
        "partner_b": partner_create(name="Other ISP", contact_email="abuse@other.example"),
    }
    case = factories.case_from_reports()
    reports = {}
    for key, (partner, _key) in partners.items():
        raw = factories.spam("203.0.113.5", factories.HANDOVER).replace(b"Cheap pills", key.encode())
        reports[key] = report_ingest(
            raw=raw, channel=Channel.API, reporter_key=f"partner:{partner.name}", partner=partner
        ).report
    # Each L3 on C-3 decided before the next is proposed: one awaits a decision at a time.
    approved = factories.propose(case, staff)
    sanction_transition(sanction_id=approved.pk, to_state=State.APPROVED, actor=manager, reason="ok")
    notified = factories.walk(
        factories.propose(case, staff), factories.PATHS[State.NOTIFIED], desk=staff, decider=manager
    )
    returned = factories.propose(case, staff, level="L1")
    sanction_transition(
        sanction_id=returned.pk, to_state=State.MORE_EVIDENCE, actor=manager, reason="which reports?"
    )
    proposed = factories.propose(case, staff)
    objects = {
        "case": case.pk,
        "foreign_case": foreign_case().pk,
        "report_a": reports["partner_a"].pk,
        "report_b": reports["partner_b"].pk,
        "proposed": proposed.pk,
        "returned": returned.pk,
        "approved": approved.pk,
        "approved_execution": approved.executions.get().pk,
        "notified": notified.pk,
        "notice": notified.notices.first().pk,
        "forward": Forward.objects.create(
            case=case, report=case.reports.first(), to="abuse@other.example", format="arf"
        ).pk,
        "reply": Reply.objects.create(case=case, to="victim@receiver.example", template="investigating").pk,
        "saved_filter": SavedFilter.objects.create(user=staff, name="open", query="status=open").pk,
        "rule_key": "1",
        "criteria_version": 1,
        "clause_id": "C-19",
        "dashboard_slug": "per_day",
        "subscriber": _filtering_customer(staff)[0],
        "filtering_instruction": _filtering_customer(staff)[1],
        "screening_query": screening_run(
            identifiers=applicant(), purpose="re-application", actor=staff, channel=ScreeningChannel.BROWSER
        ).pk,
    }
    users = {"staff": staff, "manager": manager, "superuser": superuser}
    users.update({key: partner.user for key, (partner, _key) in partners.items()})
    tokens = {key: api_token_create(user=user)[1] for key, user in users.items()}
    tokens.update({key: api_key for key, (_partner, api_key) in partners.items()})
    users["screening"], tokens["screening"] = screening_client_create(name="signup-web")
    exchange = _exchange(settings)
    users["participant"], tokens["participant"] = exchange["user"], exchange["key"]
    return {"objects": objects, "users": users, "tokens": tokens, "bundle": exchange["bundle"]}


def _client(world, persona: str, row: Row) -> Client:
    if row.api or persona in API_CLIENTS:
        if persona == "anon":
            return Client()
        return Client(HTTP_AUTHORIZATION=f"Token {world['tokens'][persona]}")
    client = Client()
    if persona != "anon":
        client.force_login(world["users"][persona])
    return client


def _data(world, row: Row) -> dict | bytes:
    if row.name == "api-exchange-entries" and row.method == "POST":
        return world["bundle"]
    data = dict(row.data)
    if row.name == "api-sanction-propose":
        data["case"] = world["objects"]["case"]
        data["evidence_relied_on"] = [f"report:{world['objects']['report_a']}"]
    if row.name in ("sanction-revise", "api-sanction-revise") and data:
        data["evidence_relied_on"] = [f"report:{world['objects']['report_a']}"]
    if row.name == "case-bulk" and "cases" in data:
        data["cases"] = [world["objects"]["case"]]
    return data


def _outcome(response) -> int | str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("login")):
            return LOGIN
    return response.status_code


def call(world, persona: str, row: Row) -> int | str:
    url = reverse(row.name, args=[world["objects"][a] for a in row.args])
    client = _client(world, persona, row)
    data = _data(world, row)
    with transaction.atomic():
        if row.method == "GET":
            response = client.get(url)
        elif row.api:
            response = client.post(url, data, content_type="application/json")
        else:
            response = client.post(url, data)
        transaction.set_rollback(True)
    return _outcome(response)


def _id(row: Row) -> str:
    return f"{row.method} {row.name}"


def test_each_persona_gets_what_the_matrix_says(world):
    # One world for the whole table (each request is rolled back), so the table stays
    # cheap enough to grow; a mismatch names its row and what each persona got.
    mismatches = []
    for row in ROWS + ADMIN_ROWS:
        got = {persona: call(world, persona, row) for persona in PERSONAS}
        if got != row.expect:
            wrong = {p: (got[p], row.expect[p]) for p in PERSONAS if got[p] != row.expect[p]}
            mismatches.append(f"{_id(row)}: (got, expected) {wrong} {row.note}")
    assert mismatches == [], "\n".join(mismatches)


# -- every route has a row ----------------------------------------------------------------


def _route_names(patterns=None, namespace="") -> set[str]:
    names = set()
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue  # the admin's routes come from ADMIN_MODELS
            names |= _route_names(p.url_patterns, namespace + (f"{p.namespace}:" if p.namespace else ""))
        elif isinstance(p, URLPattern):
            assert p.name, f"route {p.pattern} has no name: give it one and a row"
            names.add(namespace + p.name)
    return names


def test_every_route_has_a_row():
    in_table = {row.name for row in ROWS}
    routes = _route_names()
    assert routes - in_table == set(), "new routes: add a row saying who may use them"
    assert in_table - routes == set(), "rows for routes that no longer exist"


def test_every_admin_model_has_a_row():
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered == set(ADMIN_MODELS)


def test_the_table_covers_every_persona():
    for row in ROWS + ADMIN_ROWS:
        assert set(row.expect) == set(PERSONAS), _id(row)
