import pytest

from abusedesk.roles import UserRole
from tests.attribution import conftest as attribution
from tests.personas import make_user

from . import factories

isp = attribution.isp  # the small ISP's inventory, shared with the attribution tests


@pytest.fixture
def other_staff(db):
    return make_user("kato", UserRole.STAFF)


@pytest.fixture
def recommended(monkeypatch):
    """Stand in for the criteria: these tests are about the lifecycle, not about the rules.

    Call `recommended(level="L4", approval="manager")` to change what they say.
    """
    current = {"value": factories.recommendation()}

    def set_recommendation(**overrides):
        current["value"] = factories.recommendation(**overrides)
        return current["value"]

    monkeypatch.setattr("sanctions.policy.recommend", lambda facts: current["value"])
    return set_recommendation


@pytest.fixture
def case(isp, recommended):
    return factories.case_from_reports()


@pytest.fixture
def mail_case(isp, recommended):
    """A case about taro's mail account (M-1): L4 and L5 act on a mail account, not on C-3."""
    return factories.case_from_submissions()


@pytest.fixture
def hosted_case(isp, recommended):
    """A case about a page on a site we host (H-1): L5 can disable the specific content."""
    return factories.case_about_hosted_content()


@pytest.fixture
def sanction(case, staff):
    return factories.propose(case, staff)
