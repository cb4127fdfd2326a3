"""Since when a block is its account's or holder's, and an account its subscriber's: dated
by the services whenever the holder changes (or as the admin or the inventory CSV says),
and read by the lookup, so that a spam from before the change names nobody rather than
today's holder. Rows without a date are read as they always were."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from subscribers.models import Account, AddressBlock
from subscribers.selectors import account_for_ip_at
from subscribers.services import InventoryError, account_upsert, block_upsert, session_record
from tests.subscribers.commands import run_command

SPAM = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
STATIC = "198.51.100.64/29"  # C-2001's fixed line in the sample inventory


def _static(**kw):
    return block_upsert(prefix=STATIC, kind="static", **kw)


def test_a_change_of_holder_is_dated_when_it_is_made_and_nothing_else_is(inventory):
    assert AddressBlock.objects.get(prefix=STATIC).holder_since is None  # imported undated
    _static(account_id="C-2001", abuse_contact="noc@sample-shoji.example.jp")
    assert AddressBlock.objects.get(prefix=STATIC).holder_since is None  # same holder
    before = timezone.now()
    block, _outcome = _static(account_id="C-1002")
    assert before <= block.holder_since <= timezone.now()
    again, outcome = _static(account_id="C-1002")
    assert (outcome, again.holder_since) == ("unchanged", block.holder_since)


def test_a_correction_of_a_wrong_entry_keeps_the_date(inventory):
    """The line was entered on the wrong account: the right one held it all along."""
    block, _ = _static(account_id="C-1002", correction=True)
    assert block.holder_since is None
    assert account_for_ip_at(ip="198.51.100.66", at=SPAM).account.account_id == "C-1002"
    account, _ = account_upsert(account_id="C-1001", subscriber_id="S-1002", kind="connection",
                                identifier="c1001@flets", correction=True)  # fmt: skip
    assert account.subscriber_since is None


def test_a_reseller_block_passed_to_another_holder_is_dated(inventory):
    block, _ = block_upsert(prefix="203.0.113.192/27", kind="sub_allocation", sub_allocated_to="S-1001")
    assert block.holder_since is not None


def test_a_date_given_is_kept_and_one_in_the_future_or_without_a_zone_is_refused(inventory):
    moved = datetime(2026, 10, 1, tzinfo=UTC)
    block, _ = _static(account_id="C-1002", holder_since=moved)
    assert block.holder_since == moved
    with pytest.raises(InventoryError, match="in the future"):
        _static(account_id="C-1001", holder_since=timezone.now() + timedelta(days=2))
    with pytest.raises(InventoryError, match="no UTC offset"):
        _static(account_id="C-1001", holder_since=datetime(2026, 10, 1))
    assert AddressBlock.objects.get(prefix=STATIC).account.account_id == "C-1002"


def test_a_contract_passed_to_another_person_is_dated(inventory):
    assert Account.objects.get(account_id="C-1001").subscriber_since is None
    account, _ = account_upsert(account_id="C-1001", subscriber_id="S-1001", kind="connection",
                                identifier="c1001@flets", status="suspended")  # fmt: skip
    assert account.subscriber_since is None  # same subscriber
    account, _ = account_upsert(account_id="C-1001", subscriber_id="S-1002", kind="connection",
                                identifier="c1001@flets")  # fmt: skip
    assert account.subscriber_since is not None


def test_a_static_line_moved_after_the_spam_names_nobody_in_as_many_statements(inventory):
    with CaptureQueriesContext(connection) as undated:
        assert account_for_ip_at(ip="198.51.100.66", at=SPAM).account.account_id == "C-2001"
    _static(account_id="C-1002")
    with CaptureQueriesContext(connection) as dated:
        hit = account_for_ip_at(ip="198.51.100.66", at=SPAM)
    assert (hit.reason, hit.account, hit.subscriber) == ("holder_changed", None, None)
    assert len(dated) == len(undated)
    # After the move the line is C-1002's.
    later = account_for_ip_at(ip="198.51.100.66", at=timezone.now())
    assert (later.reason, later.account.account_id) == ("static_block", "C-1002")


def test_a_session_of_the_time_still_names_its_holder_on_a_moved_line(inventory):
    """The session log dates each lease; the plan's undated past does not override it."""
    _static(account_id="C-1002")
    session_record(account=Account.objects.get(account_id="C-1002"), ip="198.51.100.66",
                   started_at=SPAM - timedelta(hours=1))  # fmt: skip
    hit = account_for_ip_at(ip="198.51.100.66", at=SPAM)
    assert (hit.reason, hit.account.account_id) == ("static_block", "C-1002")


def test_a_hosting_address_moved_after_the_spam_names_nobody(inventory):
    block_upsert(prefix="203.0.113.80/32", kind="hosting", account_id="", holder_since=SPAM + timedelta(days=1))
    assert account_for_ip_at(ip="203.0.113.80", at=SPAM).reason == "holder_changed"
    assert account_for_ip_at(ip="203.0.113.80", at=SPAM + timedelta(days=2)).reason == "hosting_block"


def test_a_sub_allocation_moved_after_the_spam_has_no_holder_then(inventory):
    moved = SPAM + timedelta(days=1)
    block_upsert(prefix="203.0.113.192/27", kind="sub_allocation", sub_allocated_to="S-1001", holder_since=moved)
    hit = account_for_ip_at(ip="203.0.113.200", at=SPAM)
    assert (hit.reason, hit.subscriber) == ("sub_allocation", None)
    assert hit.block.holder_changed_after_read
    after = account_for_ip_at(ip="203.0.113.200", at=moved + timedelta(hours=1))
    assert after.subscriber.subscriber_id == "S-1001"


def test_a_session_of_an_account_passed_on_after_the_spam_has_no_subscriber_then(inventory):
    account = Account.objects.get(account_id="C-1001")
    session_record(account=account, ip="61.114.5.23", started_at=SPAM - timedelta(hours=1))
    account_upsert(account_id="C-1001", subscriber_id="S-1002", kind="connection", identifier="c1001@flets",
                   subscriber_since=SPAM + timedelta(days=1))  # fmt: skip
    hit = account_for_ip_at(ip="61.114.5.23", at=SPAM)
    assert (hit.reason, hit.account.account_id, hit.subscriber) == ("dynamic_session", "C-1001", None)
    assert hit.account.subscriber_changed_after_read
    later = account_for_ip_at(ip="61.114.5.23", at=SPAM + timedelta(days=2))
    assert later.subscriber.subscriber_id == "S-1002"


# -- the inventory CSV -----------------------------------------------------------------


def _write(directory, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_the_csv_carries_the_dates_in_optional_columns(inventory, tmp_path):
    _write(tmp_path, "accounts.csv", "account_id,subscriber_id,kind,identifier,status,subscriber_since\n"
           "C-1001,S-1002,connection,c1001@flets,active,2026-10-01T00:00:00+09:00\n"
           "C-1002,S-1002,connection,c1002@flets,active,\n")  # fmt: skip
    _write(tmp_path, "netblocks.csv", "prefix,kind,assigned_to,sub_allocated_to,abuse_contact,holder_since\n"
           f"{STATIC},static,C-1002,,,2026-11-21T09:00:00Z\n"
           "203.0.113.192/27,sub_allocation,,S-1001,abuse@example.jp,\n")  # fmt: skip
    output = run_command("import_inventory", tmp_path)
    assert output.err == ""
    assert Account.objects.get(account_id="C-1001").subscriber_since == datetime(2026, 9, 30, 15, tzinfo=UTC)
    assert Account.objects.get(account_id="C-1002").subscriber_since is None  # blank, same subscriber
    assert AddressBlock.objects.get(prefix=STATIC).holder_since == datetime(2026, 11, 21, 9, tzinfo=UTC)
    # Blank: the change is dated by the import.
    assert AddressBlock.objects.get(prefix="203.0.113.192/27").holder_since is not None
    assert account_for_ip_at(ip="198.51.100.66", at=SPAM).account is None


def test_a_bad_date_is_a_rejected_line_and_an_unknown_column_a_file_error(inventory, tmp_path):
    _write(tmp_path, "netblocks.csv", "prefix,kind,assigned_to,sub_allocated_to,abuse_contact,holder_since\n"
           f"{STATIC},static,C-1002,,,2026-11-21\n"
           f"{STATIC},static,C-1002,,,last week\n")  # fmt: skip
    output = run_command("import_inventory", tmp_path)
    assert "netblocks.csv:2: holder_since '2026-11-21' has no UTC offset" in output.err
    assert "netblocks.csv:3: holder_since 'last week' is not an ISO 8601 time" in output.err
    assert AddressBlock.objects.get(prefix=STATIC).account.account_id == "C-2001"
    _write(tmp_path, "netblocks.csv", "prefix,kind,assigned_to,sub_allocated_to,abuse_contact,since\n")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="then any of map_rule_ipv6,.*holder_since; found"):
        run_command("import_inventory", tmp_path)


# -- the admin ---------------------------------------------------------------------------


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.jp", "x"))
    return client


def _post_block(client, block, **data):
    url = reverse("admin:subscribers_addressblock_change", args=[block.pk])
    form = {"kind": block.kind, "abuse_contact": "", "note": "", "reason": "line moved (ticket 88)"}
    if block.holder_since:  # the page shows the date in the reader's zone, as the form sends it back
        local = timezone.localtime(block.holder_since)
        form |= {"holder_since_0": local.strftime("%Y-%m-%d"), "holder_since_1": local.strftime("%H:%M:%S")}
    return client.post(url, form | data)


def test_the_admin_shows_the_dates_and_dates_a_move_or_takes_the_persons_date(inventory, admin_client):
    block = AddressBlock.objects.get(prefix=STATIC)
    other = Account.objects.get(account_id="C-1002")
    assert _post_block(admin_client, block, account=other.pk).status_code == 302
    block.refresh_from_db()
    assert block.account == other and block.holder_since is not None  # left blank: dated now
    page = admin_client.get(reverse("admin:subscribers_addressblock_changelist")).content.decode()
    assert "Holder since" in page
    change = admin_client.get(reverse("admin:subscribers_addressblock_change", args=[block.pk])).content
    assert b'name="holder_since_0"' in change

    back = Account.objects.get(account_id="C-2001")
    response = _post_block(admin_client, block, account=back.pk,
                           holder_since_0="2026-11-25", holder_since_1="10:00:00")  # fmt: skip
    assert response.status_code == 302
    block.refresh_from_db()
    assert block.account == back
    assert block.holder_since == timezone.make_aware(datetime(2026, 11, 25, 10), timezone.get_current_timezone())

    # Unchanged date field, same holder: the date stays.
    assert _post_block(admin_client, block, account=back.pk, note="x").status_code == 302
    block.refresh_from_db()
    assert block.holder_since == timezone.make_aware(datetime(2026, 11, 25, 10), timezone.get_current_timezone())

    # A correction: the holder was entered wrong, its date stays.
    assert _post_block(admin_client, block, account=other.pk, correction="on").status_code == 302
    block.refresh_from_db()
    assert block.account == other
    assert block.holder_since == timezone.make_aware(datetime(2026, 11, 25, 10), timezone.get_current_timezone())

    response = _post_block(admin_client, block, account=back.pk, holder_since_0="2099-01-01",
                           holder_since_1="00:00:00")  # fmt: skip
    assert response.status_code == 200 and "is in the future" in response.content.decode()


def test_the_account_page_takes_since_when_it_is_the_subscribers(inventory, admin_client):
    account = Account.objects.get(account_id="C-1001")
    url = reverse("admin:subscribers_account_change", args=[account.pk])
    new_holder = account.subscriber.__class__.objects.get(subscriber_id="S-1002")
    inline = {"hosted_names-TOTAL_FORMS": "0", "hosted_names-INITIAL_FORMS": "0"}
    response = admin_client.post(url, {"subscriber": new_holder.pk, "identifier": "c1001@flets",
                                       "status": "active", "reason": "名義変更 (form 12)", **inline})  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    account.refresh_from_db()
    assert account.subscriber == new_holder and account.subscriber_since is not None
    page = admin_client.get(reverse("admin:subscribers_account_changelist")).content.decode()
    assert "Subscriber since" in page
