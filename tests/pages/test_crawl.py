"""Every page reachable from the home page, as staff and as a manager, in English and
Japanese, on the demo data: never a server error or a broken link, the permission
matrix as the roles say, and no raw code or bare None in what a person reads.

The English walk visits up to three pages of each kind (every case page looks alike);
the Japanese walk two of each. Reports and pages the walk found are in the message.
"""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from .crawl import crawl

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def demo():
    call_command("load_demo", stdout=io.StringIO())


@pytest.mark.parametrize(("username", "manager"), [("demo-staff", False), ("demo-manager", True)])
def test_the_demo_walks_clean_in_both_languages(demo, username, manager):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    english = crawl(client, who=username, manager=manager, language="en", per_route=3)
    japanese = crawl(client, who=username, manager=manager, language="ja", per_route=2)
    problems = english.problems + japanese.problems
    assert not problems, "\n".join(problems[:40])
    routes = set(english.routes)
    expected = {
        "home",
        "case-list",
        "case-detail",
        "report-list",
        "report-detail",
        "report-new",
        "sanction-review-queue",
        "sanction-detail",
        "sanction-propose",
        "sanction-dossier",
        "preferences",
    }
    if manager:
        expected |= {
            "policies-index",
            "policies-rule-edit",
            "policies-versions",
            "dashboard",
            "policies-clause-edit",
        }
    assert expected <= routes, f"not reached: {sorted(expected - routes)}"
