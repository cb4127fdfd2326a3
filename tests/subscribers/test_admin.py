"""The inventory in the admin: edited through the services, audited; no traffic data at all."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse

from abusedesk.models import AuditEntry
from subscribers.models import Account, AddressBlock, Subscriber

pytestmark = pytest.mark.usefixtures("inventory")


@pytest.fixture
def admin_client(db):
    user = get_user_model().objects.create_superuser("root", "root@example.jp", "x")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["subscriber", "account", "addressblock"])
def test_every_inventory_list_page_renders(admin_client, manager_client, staff_client, model):
    for client in (admin_client, manager_client, staff_client):
        assert client.get(reverse(f"admin:subscribers_{model}_changelist")).status_code == 200


@pytest.mark.parametrize("model", ["session", "maillogentry"])
def test_traffic_data_has_no_admin_page(admin_client, model):
    # POLICY.md S2: only from within a case, every access recorded; the admin has no case.
    with pytest.raises(NoReverseMatch):
        reverse(f"admin:subscribers_{model}_changelist")
    assert admin_client.get(f"/admin/subscribers/{model}/").status_code == 404


def test_blocks_are_not_found_by_an_address_they_contain(admin_client):
    url = reverse("admin:subscribers_addressblock_changelist")
    for address in ("203.0.113.81", "203.0.113.8", "203.0.113"):
        found = admin_client.get(url, {"q": address}).context["cl"].result_list
        assert list(found) == []  # no "which customer holds this address" outside a case
    by_prefix = admin_client.get(url, {"q": "203.0.113.192/27"}).context["cl"].result_list
    assert [b.prefix for b in by_prefix] == ["203.0.113.192/27"]


def _block(client, data, pk=None):
    url = (
        reverse("admin:subscribers_addressblock_change", args=[pk])
        if pk
        else reverse("admin:subscribers_addressblock_add")
    )
    return client.post(url, {"abuse_contact": "", "note": "", "reason": "new line for S-2001", **data})


def test_the_block_form_computes_the_keys_and_records_who_and_why(admin_client):
    response = _block(admin_client, {"prefix": "2001:db8:abcd::/48", "kind": "infrastructure", "note": "NOC"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    block = AddressBlock.objects.get(prefix="2001:db8:abcd::/48")
    assert (block.prefix_len, block.family, block.start_key[:12]) == (48, 6, "20010db8abcd")
    entry = AuditEntry.objects.get(action="inventory.addressblock.created")
    assert entry.actor_name == "root" and entry.reason == "new line for S-2001"
    assert entry.data["changed"]["prefix"] == "2001:db8:abcd::/48"


def test_the_block_form_refuses_host_bits(admin_client):
    response = _block(admin_client, {"prefix": "192.0.2.1/24", "kind": "dynamic"})
    assert "has host bits set" in response.content.decode()


def test_a_static_block_on_a_mail_account_is_refused_as_the_service_refuses_it(admin_client):
    mail = Account.objects.get(account_id="M-1001")
    response = _block(admin_client, {"prefix": "198.51.100.128/30", "kind": "static", "account": mail.pk})
    assert response.status_code == 200
    assert "must be assigned to a connection account" in response.content.decode()
    assert not AddressBlock.objects.filter(prefix="198.51.100.128/30").exists()
    assert not AuditEntry.objects.filter(action__startswith="inventory.").exists()


def test_an_edit_without_a_reason_is_refused(admin_client):
    block = AddressBlock.objects.get(prefix="198.51.100.64/29")
    response = _block(
        admin_client, {"kind": "static", "account": block.account_id, "reason": ""}, pk=block.pk
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_reassigning_a_static_block_is_audited_with_before_and_after(manager_client):
    block = AddressBlock.objects.get(prefix="198.51.100.64/29")
    other = Account.objects.get(account_id="C-1002")
    response = _block(
        manager_client,
        {"kind": "static", "account": other.pk, "reason": "line moved (ticket 88)"},
        pk=block.pk,
    )
    assert response.status_code == 302
    block.refresh_from_db()
    assert block.account == other and block.prefix == "198.51.100.64/29"
    entry = AuditEntry.objects.get(action="inventory.addressblock.updated")
    assert entry.actor_name == "tanaka" and entry.reason == "line moved (ticket 88)"
    assert entry.data["before"]["account"] == Account.objects.get(account_id="C-2001").pk
    # The date field left as shown: the move is dated when it was made.
    assert entry.data["changed"] == {"account": other.pk, "holder_since": str(block.holder_since)}
    assert block.holder_since is not None


def test_the_prefix_of_a_block_is_not_edited_in_place(manager_client):
    block = AddressBlock.objects.get(prefix="198.51.100.64/29")
    _block(
        manager_client,
        {"prefix": "198.51.100.72/29", "kind": "static", "account": block.account_id, "reason": "typo"},
        pk=block.pk,
    )
    assert AddressBlock.objects.filter(pk=block.pk, prefix="198.51.100.64/29").exists()
    assert not AddressBlock.objects.filter(prefix="198.51.100.72/29").exists()


def test_removing_a_block_is_audited_with_the_persons_reason(manager_client):
    block = AddressBlock.objects.get(prefix="192.0.2.16/28")
    url = reverse("admin:subscribers_addressblock_delete", args=[block.pk])
    page = manager_client.get(url).content.decode()
    assert 'name="reason"' in page
    response = manager_client.post(url, {"post": "yes", "reason": "returned to the RIR"})
    assert response.status_code == 302
    assert not AddressBlock.objects.filter(pk=block.pk).exists()
    entry = AuditEntry.objects.get(action="inventory.addressblock.deleted")
    assert entry.object_id == "192.0.2.16/28" and entry.data["before"]["kind"] == "infrastructure"
    assert entry.reason == "returned to the RIR"


def test_removing_a_block_without_a_reason_removes_nothing_and_says_why(manager_client):
    block = AddressBlock.objects.get(prefix="192.0.2.16/28")
    url = reverse("admin:subscribers_addressblock_delete", args=[block.pk])
    response = manager_client.post(url, {"post": "yes", "reason": "  "}, follow=True)
    assert AddressBlock.objects.filter(pk=block.pk).exists()
    assert not AuditEntry.objects.filter(action="inventory.addressblock.deleted").exists()
    assert "a reason is required" in response.content.decode()


def test_staff_see_the_inventory_but_cannot_change_it(staff_client):
    block = AddressBlock.objects.get(prefix="198.51.100.64/29")
    assert staff_client.get(reverse("admin:subscribers_addressblock_add")).status_code == 403
    response = _block(staff_client, {"kind": "static", "account": block.account_id}, pk=block.pk)
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="inventory.").exists()


def test_an_account_edit_goes_through_the_service(manager_client):
    account = Account.objects.get(account_id="M-1002")
    url = reverse("admin:subscribers_account_change", args=[account.pk])
    taken = manager_client.post(
        url,
        {"subscriber": account.subscriber_id, "identifier": "taro", "status": "active", "reason": "rename"},
    )
    assert "already belongs to account M-1001" in taken.content.decode()
    ok = manager_client.post(
        url,
        {
            "subscriber": account.subscriber_id,
            "identifier": "hanako2",
            "status": "suspended",
            "reason": "abuse",
        },
    )
    assert ok.status_code == 302
    account.refresh_from_db()
    assert (account.identifier, account.status, account.kind) == ("hanako2", "suspended", "mail")
    assert AuditEntry.objects.get(action="inventory.account.updated").data["changed"] == {
        "identifier": "hanako2",
        "status": "suspended",
    }


def test_a_subscriber_is_added_through_the_service(manager_client):
    response = manager_client.post(
        reverse("admin:subscribers_subscriber_add"),
        {
            "subscriber_id": "S-9001",
            "name": "新規 顧客",
            "email": "new@example.jp",
            "kind": "individual",
            "status": "active",
            "reason": "signed up",
            "accounts-TOTAL_FORMS": "0",
            "accounts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Subscriber.objects.get(subscriber_id="S-9001").name == "新規 顧客"
    assert AuditEntry.objects.get(action="inventory.subscriber.created").reason == "signed up"


def _subscriber_form(subscriber, **changes) -> dict:
    data = {
        "name": subscriber.name,
        "email": subscriber.email,
        "kind": subscriber.kind,
        "status": subscriber.status,
        "name_kana": "",
        "postal_address": "",
        "phone": "",
        "card_fingerprint": "",
        "exchange_consent_at_0": "",
        "exchange_consent_at_1": "",
        "exchange_consent_record": "",
        "accounts-TOTAL_FORMS": "0",
        "accounts-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_a_subscriber_edit_asks_for_a_reason_and_keeps_the_identity_and_consent(manager_client):
    # Screening reads the identity at sign-up and the exchange consent from here.
    subscriber = Subscriber.objects.order_by("pk").first()
    url = reverse("admin:subscribers_subscriber_change", args=[subscriber.pk])
    assert 'name="reason"' in manager_client.get(url).content.decode()
    response = manager_client.post(
        url,
        _subscriber_form(
            subscriber,
            name_kana="ヤマダ タロウ",
            phone="090-1234-5678",
            exchange_clause="on",
            exchange_consent_at_0="2026-04-01",
            exchange_consent_at_1="10:00:00",
            exchange_consent_record="sign-up form v3",
            reason="identity from the contract file",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    subscriber.refresh_from_db()
    assert (subscriber.name_kana, subscriber.phone, subscriber.exchange_clause) == (
        "ヤマダ タロウ",
        "090-1234-5678",
        True,
    )
    assert subscriber.exchange_consent_at is not None
    entry = AuditEntry.objects.get(action="inventory.subscriber.updated")
    assert entry.reason == "identity from the contract file"
    assert {"name_kana", "phone", "exchange_clause", "exchange_consent_at"} <= set(entry.data["changed"])


def test_consent_without_the_exchange_clause_is_refused_with_the_reason(manager_client):
    subscriber = Subscriber.objects.order_by("pk").first()
    response = manager_client.post(
        reverse("admin:subscribers_subscriber_change", args=[subscriber.pk]),
        _subscriber_form(
            subscriber,
            exchange_consent_at_0="2026-04-01",
            exchange_consent_at_1="10:00:00",
            reason="consent",
        ),
    )
    assert response.status_code == 200
    assert "must have C-15" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.exchange_consent_at is None
    assert not AuditEntry.objects.filter(action__startswith="inventory.").exists()


@pytest.mark.parametrize("model", [Subscriber, Account, AddressBlock])
def test_who_may_only_look_is_not_shown_an_empty_reason(staff_client, model):
    obj = model.objects.order_by("pk").first()
    url = reverse(f"admin:subscribers_{model._meta.model_name}_change", args=[obj.pk])
    page = staff_client.get(url).content.decode()
    assert "Reason" not in page and ">None<" not in page


def test_a_shared_block_takes_a_mape_rule_in_the_admin_and_a_bad_rule_is_refused(admin_client):
    response = _block(
        admin_client,
        {
            "prefix": "198.51.100.128/26",
            "kind": "shared",
            "map_rule_ipv6": "2001:db8::/40",
            "map_ea_bits": "14",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    block = AddressBlock.objects.get(prefix="198.51.100.128/26")
    assert (block.kind, block.map_rule_ipv6, block.map_ea_bits, block.map_psid_offset) == (
        "shared",
        "2001:db8::/40",
        14,
        6,
    )
    assert (
        AuditEntry.objects.get(action="inventory.addressblock.created").data["changed"]["map_ea_bits"] == 14
    )
    bad = _block(
        admin_client,
        {
            "prefix": "198.51.100.192/26",
            "kind": "dynamic",
            "map_rule_ipv6": "2001:db8::/40",
            "map_ea_bits": "14",
        },
    )
    assert bad.status_code == 200 and "only for shared blocks" in bad.content.decode()
    assert not AddressBlock.objects.filter(prefix="198.51.100.192/26").exists()
