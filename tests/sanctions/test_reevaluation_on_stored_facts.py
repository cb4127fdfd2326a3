"""After a criteria edit, open cases whose facts did not change are evaluated again on the
facts their last full evaluation read (sanctions.models.EvaluatedFacts), in batches; the
result must be exactly what the full path (reading every record again) gives."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.attribution.services import report_attribute
from complaints.choices import Channel
from complaints.models import Case
from complaints.services import report_ingest
from policies.services import criteria_edit
from sanctions.choices import State
from sanctions.facts import case_facts, cases_inventory, facts_from_read, read_facts_loaded
from sanctions.models import EvaluatedFacts, Sanction
from sanctions.services.recommend import (
    case_recommendation_refresh,
    cases_reevaluate,
    refresh_stale_recommendations,
)
from subscribers.models import Account
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_rules import direct, message
from tests.complaints.test_derived_facts import HOSTED, STATIC, dns, inventory  # noqa: F401
from tests.complaints.test_derived_facts import spam as auth_spam
from tests.complaints.test_shared_ipv4_cases import CGN, shared_isp  # noqa: F401
from tests.complaints.test_shared_ipv4_cases import spam as shared_spam
from tests.sanctions.factories import spam

pytestmark = pytest.mark.django_db

DYNAMIC = "198.51.100.23"  # C-1's until HANDOVER, C-2's since
FOREIGN = "192.0.2.200"
SUB_ALLOCATED = "203.0.113.200"  # S-9's sub-allocation


def submitted(at) -> bytes:
    stamp = f"{at:%a, %d %b %Y %H:%M:%S +0000}"
    return message(
        [
            f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example with ESMTPS id 3C; {stamp}",
            f"from pc (unknown [{DYNAMIC}]) (Authenticated sender: taro) by smtp1.isp.example.jp (Postfix) with ESMTPSA id 4F2A1C3D; {stamp}",
        ],
        msgid="<run-1@pc.invalid>",
    )


def advertising(origin: str, host: str, at, n: int) -> bytes:
    return (
        f"Received: from pc ([{origin}]) by mx.receiver.example (Postfix) with ESMTP id A{n}; "
        f"{at:%a, %d %b %Y %H:%M:%S +0000}\r\n"
        f"From: sale@spammer.example\r\nTo: victim@receiver.example\r\nSubject: Offer {n}\r\n"
        f"Message-ID: <ad-{n}@spammer.example>\r\n\r\nBuy at http://{host}/offer\r\n"
    ).encode()


def taken(account_id: str, level: str, *, at, staff, case, culpability="intentional") -> Sanction:
    """A measure carried out earlier on the account (as its record reads; the lifecycle
    that leads there is tested elsewhere)."""
    return Sanction.objects.create(
        case=case,
        account=Account.objects.get(account_id=account_id),
        proposed_by=staff,
        target_kind="connection_account",
        level=level,
        justification="Earlier complaints.",
        clauses=[{"catalogue_id": "C-03a", "isp_number": "12", "title": "Spam", "version": 1}],
        legal_basis="legitimate_business_act",
        evidence_relied_on=[{"type": "report", "id": 1}],
        culpability=culpability,
        state=State.CARRIED_OUT,
        created_at=at,
        decided_at=at,
        carried_out_at=at,
    )


@pytest.fixture
def desk(inventory, shared_isp, dns, django_capture_on_commit_callbacks):  # noqa: F811
    """Open cases of many kinds, each evaluated once in full."""
    dns.add(HOSTED, "TXT", '"v=spf1 ip4:203.0.113.70 -all"')
    now = timezone.now()
    filed = [
        # The static line sends in the name of our hosting customer S-4 (forged sender:
        # S-4 is not blamed), three reporters, long ago.
        *[(auth_spam(STATIC, HOSTED, n), f"email:r{n}@receiver.example") for n in range(3)],
        # C-2's dynamic address, going on now, two reporters.
        *[
            (spam(DYNAMIC, now - timedelta(hours=1, minutes=n)), f"email:d{n}@receiver.example")
            for n in range(2)
        ],
        # C-1's dynamic address before the handover greeting with random letters (a
        # hijacked PC), one reporter, long ago.
        (
            message([direct(DYNAMIC, HANDOVER - timedelta(hours=2), helo="xkqzvbtrwp")]),
            "email:e@receiver.example",
        ),
        # Submitted through our mail server with taro's login (M-1; our mail log confirms it).
        (submitted(HANDOVER - timedelta(minutes=30)), "email:t@receiver.example"),
        # Foreign spam advertising a site we host.
        (advertising(FOREIGN, "shop.example.jp", HANDOVER, 1), "email:f@receiver.example"),
        # A shared IPv4 address without a source port: nobody can be named.
        (shared_spam(f"unknown [{CGN}]"), "email:g@receiver.example"),
        # A sub-allocated block: forwarded to its holder.
        (spam(SUB_ALLOCATED, now - timedelta(days=2)), "email:h@receiver.example"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for raw, reporter in filed:
            report_ingest(raw=raw, channel=Channel.MAILBOX, reporter_key=reporter, acknowledge=False)
    refresh_stale_recommendations()
    return Case.objects.filter(status="open")


def outcome(pk: int) -> tuple:
    case = Case.objects.get(pk=pk)
    return case.evidence_level, case.recommended_level, case.recommendation


def test_after_a_criteria_edit_the_stored_facts_give_what_the_full_path_gives(desk, staff, manager):
    cases = list(desk.order_by("pk"))
    assert len(cases) >= 5
    assert all(EvaluatedFacts.objects.filter(case=c).exists() for c in cases)
    static = next(c for c in cases if "C-3" in c.accounts)
    dynamic_now = next(c for c in cases if "C-2" in c.accounts)
    # Measures taken since the cases were evaluated (a measure does not change a case's
    # facts): a recent one on the static line's subscriber, and one on C-2's subscriber
    # from before the repeat-offender window.
    # (the static line's spam went on after that measure: E4 on both paths).
    taken("C-3", "L3", at=HANDOVER - timedelta(days=10), staff=staff, case=static)
    taken("C-2", "L2", at=timezone.now() - timedelta(days=3 * 365), staff=staff, case=dynamic_now)
    before = {c.pk: outcome(c.pk) for c in cases}
    # The variety the comparison covers.
    facts = {c.pk: EvaluatedFacts.objects.get(case=c).facts for c in cases}
    assert any(f["shared_ipv4"] for f in facts.values())
    assert any(f["not_blamed"] for f in facts.values())
    assert any(f["sub_allocated"] for f in facts.values())
    assert len({c.sending_method for c in cases}) >= 4
    assert len({before[pk][1] for pk in before}) >= 3  # levels
    assert [c.pk for c in cases if c.last_seen > timezone.now() - timedelta(hours=24)] == [dynamic_now.pk]

    criteria_edit(user=manager, note="stricter", rules={"3": {"reporters_n": 4}, "1": {"window_days": 3}})
    assert cases_reevaluate([c.pk for c in cases]) == {"stored": len(cases), "full": 0}
    fast = {c.pk: outcome(c.pk) for c in cases}
    for c in cases:
        case_recommendation_refresh(case_id=c.pk)
    full = {c.pk: outcome(c.pk) for c in cases}

    assert fast == full
    assert fast != before
    assert {r[2]["criteria_version"] for r in fast.values()} == {before[static.pk][2]["criteria_version"] + 1}
    # The measure taken since counts on the stored path too: a warning before (E4).
    record = fast[static.pk][2]["facts"]
    assert "went_on_after_warning" in record["aggravating"]["value"]
    assert "went_on_after_warning" not in before[static.pk][2]["facts"]["aggravating"]["value"]


def facts_both_ways(case_ids: list[int]) -> tuple[dict, dict]:
    """Each case's facts from what its last evaluation read, and read afresh in full."""
    cases = list(Case.objects.filter(pk__in=case_ids))
    read = {pk: read_facts_loaded(f) for pk, f in EvaluatedFacts.objects.values_list("case_id", "facts")}
    held = cases_inventory(cases, {c.pk: set(read[c.pk]["not_blamed"]) for c in cases})
    now = timezone.now()
    stored = {c.pk: facts_from_read(c, read[c.pk], held[c.pk], now=now) for c in cases}
    full = {c.pk: replace(case_facts(c), now=now) for c in cases}
    return stored, full


def test_the_facts_from_what_was_read_are_the_facts_read_afresh(desk, staff):
    cases = list(desk)
    static = next(c for c in cases if "C-3" in c.accounts)
    taken("C-3", "L3", at=HANDOVER - timedelta(days=10), staff=staff, case=static)
    stored, full = facts_both_ways([c.pk for c in cases])
    assert stored == full
    assert stored[static.pk].warned_before and stored[static.pk].prior_measures


def test_the_time_relative_facts_are_judged_at_the_new_evaluation(desk):
    """ "Going on" (the last report within 24 hours) is judged at each evaluation's time,
    from the instants, never kept as a yes/no: a day later the same stored facts are no
    longer a flood going on."""
    case = next(c for c in desk if "C-2" in c.accounts)
    stored, _ = facts_both_ways([case.pk])
    assert stored[case.pk].ongoing
    Case.objects.filter(pk=case.pk).update(last_seen=case.last_seen - timedelta(hours=30))  # a day later
    stored, full = facts_both_ways([case.pk])
    assert not stored[case.pk].ongoing
    assert stored == full


def test_a_case_whose_facts_changed_since_takes_the_full_path(
    desk, manager, django_capture_on_commit_callbacks
):
    case = next(c for c in desk if "C-2" in c.accounts)
    stored = EvaluatedFacts.objects.get(case=case)
    assert len(stored.facts["reports"]) == 2
    criteria_edit(user=manager, note="stricter", rules={"1": {"window_days": 3}})
    # A third reporter, filed and attributed while nothing evaluates it (its follow-up lost).
    with django_capture_on_commit_callbacks(execute=False):
        late = report_ingest(
            raw=spam(DYNAMIC, timezone.now() - timedelta(minutes=5)),
            channel=Channel.MAILBOX,
            reporter_key="email:late@receiver.example",
            acknowledge=False,
        ).report
        report_attribute(report_id=late.pk)
    case.refresh_from_db()
    assert case.facts_changed_at > stored.read_at
    others = [c.pk for c in desk if c.pk != case.pk]

    assert cases_reevaluate([case.pk, *others]) == {"stored": len(others), "full": 1}
    case.refresh_from_db()
    assert case.recommended_at >= case.facts_changed_at
    assert "evidence.reporters:3" in " ".join(case.recommendation["evidence_reasons"])
    again = EvaluatedFacts.objects.get(case=case)
    assert len(again.facts["reports"]) == 3 and again.read_at == case.recommended_at


def test_a_case_without_stored_facts_takes_the_full_path(desk, manager):
    case = desk.order_by("pk").first()
    EvaluatedFacts.objects.filter(case=case).delete()  # evaluated before the facts were kept
    criteria_edit(user=manager, note="stricter", rules={"1": {"window_days": 3}})
    assert cases_reevaluate([case.pk]) == {"stored": 0, "full": 1}
    assert EvaluatedFacts.objects.filter(case=case).exists()


def test_a_change_while_the_batch_ran_leaves_the_case_stale(desk, manager, monkeypatch):
    """The batch writes only where nothing changed the case since it was read."""
    import sanctions.services.recommend as service

    case = desk.order_by("pk").first()
    criteria_edit(user=manager, note="stricter", rules={"1": {"window_days": 3}})
    store = service._store

    def change_then_store(rows, **kwargs):
        Case.objects.filter(pk=case.pk).update(facts_changed_at=timezone.now())
        store(rows, **kwargs)

    monkeypatch.setattr(service, "_store", change_then_store)
    cases_reevaluate([c.pk for c in desk])
    case.refresh_from_db()
    assert case.recommended_at < case.facts_changed_at
    monkeypatch.undo()
    assert refresh_stale_recommendations() == 1  # the sweep picks it up, in full
    case.refresh_from_db()
    assert case.recommended_at >= case.facts_changed_at
