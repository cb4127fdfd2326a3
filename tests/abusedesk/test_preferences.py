import pytest

pytestmark = pytest.mark.django_db


def test_a_saved_language_wins_over_the_browser(staff_client):
    staff_client.post("/preferences/", {"language": "ja", "time_zone": ""})
    page = staff_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ja">' in page
    assert "ログアウト" in page


def test_times_are_shown_in_the_users_zone(staff_client):
    staff_client.post("/preferences/", {"language": "en", "time_zone": "America/New_York"})
    page = staff_client.get("/preferences/").content.decode()
    assert " EST" in page or " EDT" in page
    staff_client.post("/preferences/", {"language": "en", "time_zone": ""})
    assert " JST" in staff_client.get("/preferences/").content.decode()  # the desk's default zone


def test_an_unknown_zone_is_refused(staff_client):
    response = staff_client.post("/preferences/", {"language": "en", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_top_bars_language_switch_changes_a_saved_language(staff_client):
    """With a language saved, the switch did nothing: the saved one won on the next page."""
    staff_client.post("/preferences/", {"language": "ja", "time_zone": ""})
    page = staff_client.get("/").content.decode()
    assert 'action="/i18n/switch/"' in page
    staff_client.post("/i18n/switch/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in staff_client.get("/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert 'value="en" selected' in staff_client.get("/preferences/").content.decode()


def test_without_a_saved_language_the_switch_only_sets_the_cookie(staff_client):
    from abusedesk.models import UserPreference

    staff_client.post("/i18n/switch/", {"language": "ja", "next": "/"})
    assert '<html lang="ja">' in staff_client.get("/").content.decode()
    assert not UserPreference.objects.exclude(language="").exists()


def test_list_pages_name_the_zone_of_their_times(staff_client):
    """The reports list showed New York times unlabelled for a person who chose that zone."""
    from tests.sanctions import factories

    factories.case_from_reports()
    assert " JST</td>" in staff_client.get("/reports/").content.decode()
    staff_client.post("/preferences/", {"language": "en", "time_zone": "America/New_York"})
    page = staff_client.get("/reports/").content.decode()
    assert " EST</td>" in page or " EDT</td>" in page
