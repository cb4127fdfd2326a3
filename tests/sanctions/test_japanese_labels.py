"""Codes the desk stores (a report's category, an account's kind, what an access was
opened through and why) are shown to a person as words in their language, while the
stored codes (audit trail, CSV, API) stay the same."""

import csv
import io

import pytest

from complaints.choices import ReportCategory
from complaints.validation import CATEGORIES
from subscribers.models import Account

pytestmark = pytest.mark.django_db


def _in_japanese(client):
    client.cookies.load({"django_language": "ja"})
    return client


def test_every_category_a_parser_or_form_stores_has_a_label():
    from complaints.parsing.common import FEEDBACK_CATEGORIES
    from complaints.parsing.xarf import _TYPE_CATEGORIES

    stored = set(CATEGORIES) | set(FEEDBACK_CATEGORIES.values()) | set(_TYPE_CATEGORIES.values())
    assert stored <= set(ReportCategory.values)


def test_the_report_page_names_its_category_in_japanese(case, staff_client):
    report = case.reports.first()
    assert report.category == "spam"
    text = _in_japanese(staff_client).get(f"/reports/{report.pk}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "· スパム" in text and "· spam" not in text


def test_the_phone_form_offers_categories_as_words(staff_client):
    text = _in_japanese(staff_client).get("/reports/new/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert '<option value="phishing">フィッシング</option>' in text
    assert '<option value="login-attack">ログイン攻撃</option>' in text


def test_the_proposal_form_names_an_accounts_kind_in_japanese(case, staff_client):
    account = Account.objects.get(account_id="C-3")
    assert str(account).startswith("C-3 (connection")  # the admin and logs keep the code
    text = _in_japanese(staff_client).get(
        f"/sanctions/cases/{case.pk}/propose/", HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    assert "C-3 (接続" in text and "C-3 (connection" not in text


def test_the_access_review_translates_the_desks_own_purpose_and_way_but_not_the_csv(
    case, staff_client, manager_client
):
    assert staff_client.get(f"/cases/{case.pk}/").status_code == 200  # records a traffic view
    text = _in_japanese(manager_client).get("/dashboard/accesses/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "案件内で表示された帰属情報" in text and "(案件ページ)" in text
    assert "attribution shown within the case" not in text
    rows = list(csv.reader(io.StringIO(manager_client.get("/dashboard/accesses/", {"format": "csv"}).content.decode())))
    assert ["attribution shown within the case", "case page"] in [row[-2:] for row in rows]
