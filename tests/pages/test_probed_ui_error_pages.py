"""Probed: a 400 or 500 showed Django's bare English page. The desk has its own,
rendered without a request context (Django gives 500.html none) and translated."""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import bad_request

from abusedesk.views import server_error


def test_the_500_page_is_the_desks_and_needs_no_context():
    response = server_error(RequestFactory().get("/cases/1/"))
    text = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in text and "Abuse desk" in text and 'href="/"' in text
    assert "<h1>Server Error (500)</h1>" not in text


def test_the_400_page_is_the_desks():
    response = bad_request(RequestFactory().get("/cases/"), SuspiciousOperation("bad host"))
    text = response.content.decode()
    assert response.status_code == 400
    assert "Bad request" in text and "Abuse desk" in text
    assert "<h1>Bad Request (400)</h1>" not in text


@pytest.mark.parametrize("page", ["400.html", "500.html"])
def test_the_error_pages_follow_the_language(page):
    from django.template import loader

    with translation.override("ja"):
        text = loader.get_template(page).render()
    assert 'lang="ja"' in text
    assert "迷惑メール対応窓口" in text and "自分の作業に戻る" in text  # msgids the desk already has
