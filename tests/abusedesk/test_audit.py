import io

import pytest
from django.core.management import CommandError, call_command

from abusedesk.audit import audit_record, audit_seal, audit_verify
from abusedesk.models import AuditEntry

pytestmark = pytest.mark.django_db


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_an_untouched_chain_verifies(staff):
    for i in range(5):
        audit_record(actor=staff, action="test.step", object_type="thing", object_id=i, reason="because")
    assert "intact: 5 entries" in verify()


def test_an_edited_entry_is_named(staff):
    entries = [audit_record(actor=staff, action="test.step", object_type="t", object_id=i) for i in range(4)]
    audit_seal()
    AuditEntry.objects.filter(pk=entries[2].pk).update(reason="rewritten history")
    with pytest.raises(CommandError, match=f"entry #{entries[2].pk}.*edited"):
        verify()


def test_a_deleted_entry_breaks_the_next_link(staff):
    entries = [audit_record(actor=staff, action="test.step", object_type="t", object_id=i) for i in range(4)]
    audit_seal()
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    result = audit_verify()
    assert result.first_broken.pk == entries[2].pk
    assert "does not link" in result.problem


def test_entries_keep_the_actor_name_and_link_to_the_previous(staff):
    first = audit_record(actor=staff, action="a", object_type="t", object_id=1)
    second = audit_record(action="b", object_type="t", object_id=2)
    assert audit_seal() == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.entry_hash
    assert audit_seal() == 0  # idempotent
    assert (first.actor_name, second.actor_name) == ("sato", "system")


def test_the_admin_cannot_change_or_delete_entries(manager_client, staff):
    entry = audit_record(actor=staff, action="a", object_type="t", object_id=1)
    manager = manager_client
    assert manager.post(f"/admin/abusedesk/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_backlog_of_unsealed_entries_is_chained_in_order_in_batches(staff):
    # Entries left unsealed (seal=False: as after a crash between commit and seal), more
    # than one UPDATE's batch of 500, each with its own data.
    entries = [
        audit_record(actor=staff, action="test.step", object_type="t", object_id=i, data={"i": i}, seal=False)
        for i in range(1203)
    ]
    assert AuditEntry.objects.filter(seq__isnull=True).count() == 1203
    assert audit_seal() == 1203
    rows = list(AuditEntry.objects.order_by("seq").values_list("pk", "seq", "prev_hash", "entry_hash"))
    assert [pk for pk, *_ in rows] == [e.pk for e in entries]
    assert [seq for _, seq, *_ in rows] == list(range(1, 1204))
    assert all(rows[n][2] == rows[n - 1][3] for n in range(1, len(rows)))
    assert "intact: 1203 entries" in verify()
    assert audit_seal() == 0


def test_a_seal_takes_one_statement_per_step(staff):
    """A worker seals after every report: the lock (and, on PostgreSQL, the index-scan
    setting with it), the chain's end, the unsealed entries, one update for them all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    audit_seal()
    for i in range(3):
        audit_record(actor=staff, action="test.step", object_type="t", object_id=i)
    with CaptureQueriesContext(connection) as seen:
        assert audit_seal() == 3
    sql = [q["sql"] for q in seen.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    expected = 4 if connection.vendor == "postgresql" else 3  # SQLite: one writer, no lock
    assert len(sql) == expected, sql
    assert audit_verify().first_broken is None
