"""The staff screening page and the managers' exchange page, in English and Japanese."""

import pytest
from django.test import Client

from screening.models import ScreeningQuery

from .conftest import applicant, make_subscriber, reverse, terminate
from .test_exchange import peer_bundle, receive

pytestmark = pytest.mark.django_db


def test_staff_screen_an_applicant_and_see_the_advice(staff_client):
    termination = terminate(make_subscriber())
    page = staff_client.get("/screening/")
    assert page.status_code == 200 and "never an automatic refusal" in page.content.decode()
    response = staff_client.post(
        "/screening/", {**applicant(), "purpose": "walk-in application"}, follow=True
    )
    html = response.content.decode()
    query = ScreeningQuery.objects.get()
    assert response.redirect_chain[-1][0] == f"/screening/{query.pk}/"
    assert "Match" in html and termination.sanction_reference in html and "never an automatic refusal" in html
    assert "山田" not in html and "神宮前" not in html  # the result page shows no identifier


def test_errors_are_shown_on_the_form_and_nothing_is_stored(staff_client):
    response = staff_client.post("/screening/", {"phone": "12", "purpose": "x"})
    assert response.status_code == 200 and "6 to 15 digits" in response.content.decode()
    response = staff_client.post("/screening/", {"name": "山田"})
    assert response.status_code == 200 and not ScreeningQuery.objects.exists()


def test_the_page_is_in_japanese(staff_client):
    staff_client.cookies.load({"django_language": "ja"})
    html = staff_client.get("/screening/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "加入審査" in html and "自動的に" in html


def test_another_staff_member_cannot_open_my_result_but_a_manager_can(staff_client, manager_client, db):
    from abusedesk.roles import UserRole
    from tests.personas import make_user

    staff_client.post("/screening/", {**applicant(), "purpose": "p"})
    query = ScreeningQuery.objects.get()
    other = Client()
    other.force_login(make_user("ito", UserRole.STAFF))
    assert other.get(f"/screening/{query.pk}/").status_code == 404
    assert manager_client.get(f"/screening/{query.pk}/").status_code == 200


def test_anonymous_and_partners_are_kept_out(client, partner):
    assert client.get("/screening/").status_code == 302
    partner_client = Client()
    partner_client.force_login(partner[0].user)
    assert partner_client.get("/screening/").status_code == 403
    assert partner_client.get("/screening/exchange/").status_code == 403


def test_managers_see_what_was_sent_and_received_and_why(
    manager_client, staff_client, exchange, peer, django_assert_max_num_queries
):
    sent = terminate(make_subscriber())
    no_consent = terminate(make_subscriber(phone="03-1111-2222", exchange_consent_at=None))
    reversed_ = terminate(make_subscriber(phone="03-1111-3333"))
    from screening.services import exchange_export

    exchange_export(actor=None, channel="file")
    reverse(reversed_)
    receive(peer, peer_bundle(peer, [applicant(phone="06-1234-5678")]))
    assert staff_client.get("/screening/exchange/").status_code == 403
    with django_assert_max_num_queries(14):
        response = manager_client.get("/screening/exchange/")
    html = response.content.decode()
    assert sent.reference in html and "clause C-15, consent of" in html
    assert no_consent.reference in html and "no consent recorded" in html
    assert reversed_.reference in html and "Sent as a withdrawal" in html
    assert "jp.peer-isp" in html and "Intentional forced termination for spam" in html
    manager_client.cookies.load({"django_language": "ja"})
    assert (
        "強制解約" in manager_client.get("/screening/exchange/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    )


def test_the_exchange_page_query_count_does_not_grow(manager_client, exchange, django_assert_max_num_queries):
    for n in range(15):
        terminate(make_subscriber(phone=f"03-2222-{n:04d}"))
    with django_assert_max_num_queries(14):
        assert manager_client.get("/screening/exchange/").status_code == 200
