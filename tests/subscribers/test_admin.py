import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from subscribers.models import AddressBlock, Session

pytestmark = pytest.mark.usefixtures("inventory")


@pytest.fixture
def admin_client(db):
    user = get_user_model().objects.create_superuser("root", "root@example.jp", "x")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["subscriber", "account", "addressblock", "session", "maillogentry"])
def test_every_inventory_list_page_renders(admin_client, model):
    assert admin_client.get(reverse(f"admin:subscribers_{model}_changelist")).status_code == 200


def test_searching_blocks_by_address_finds_the_containing_blocks(admin_client):
    response = admin_client.get(reverse("admin:subscribers_addressblock_changelist"), {"q": "203.0.113.80"})
    assert [b.prefix for b in response.context["cl"].result_list] == ["203.0.113.80/32", "203.0.113.0/24"]


def test_the_block_form_computes_the_keys_from_the_prefix(admin_client):
    response = admin_client.post(
        reverse("admin:subscribers_addressblock_add"),
        {"prefix": "2001:db8:abcd::/48", "kind": "infrastructure", "abuse_contact": "", "note": "NOC"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    block = AddressBlock.objects.get(prefix="2001:db8:abcd::/48")
    assert (block.prefix_len, block.family, block.start_key[:12]) == (48, 6, "20010db8abcd")


def test_the_block_form_refuses_host_bits(admin_client):
    response = admin_client.post(
        reverse("admin:subscribers_addressblock_add"), {"prefix": "192.0.2.1/24", "kind": "dynamic"}
    )
    assert "has host bits set" in response.content.decode()


def test_sessions_cannot_be_added_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:subscribers_session_add")).status_code == 403
    assert not Session.objects.exists()
