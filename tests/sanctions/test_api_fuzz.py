"""No input to the sanctions API is a server error: random bodies get a 4xx with a reason.

The issue found `POST /api/v1/sanctions/` without `culpability` answering 500;
this walks every field of every sanctions endpoint with random JSON instead of
enumerating the holes one by one.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanctions.models import Sanction
from tests.personas import token_client

from . import factories

pytestmark = pytest.mark.django_db

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(
        ["L4", "L7", "C-09", "report:1", "evidence:1", "intentional", "carried_out", "2026-11-20"]
    ),
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)

PROPOSE_FIELDS = [
    "case", "account", "content_ref", "target_kind", "level", "justification", "clauses", "legal_basis",
    "legal_references", "evidence_relied_on", "culpability", "period_days", "emergency",
]  # fmt: skip


def _check(response):
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert response.json()["detail"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    dropped=st.sets(st.sampled_from(PROPOSE_FIELDS)),
    replaced=st.dictionaries(st.sampled_from(PROPOSE_FIELDS), JSON, max_size=3),
)
def test_proposals_with_fields_missing_or_wrong_never_fail_on_the_server(
    case, staff_token, dropped, replaced
):
    # From a valid proposal: the holes hide behind fields that are otherwise right.
    valid = {
        "case": case.pk,
        "account": "C-3",
        "level": "L3",
        "justification": "Three reporters in a day.",
        "clauses": ["C-03a", "C-09"],
        "legal_basis": "legitimate_business_act",
        "evidence_relied_on": factories.evidence_of(case),
        "culpability": "intentional",
        "emergency": True,
    }
    body = {**{k: v for k, v in valid.items() if k not in dropped}, **replaced}
    before = Sanction.objects.count()
    response = token_client(staff_token).post("/api/v1/sanctions/", body, content_type="application/json")
    _check(response)
    if response.status_code != 201:
        assert Sanction.objects.count() == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["transition/", "emergency/", "hearing-answers/", "executions/1/confirm/"]),
    body=st.dictionaries(
        st.sampled_from(["to_state", "reason", "note", "received_at", "channel", "text"]), JSON, max_size=4
    ),
)
def test_random_workflow_bodies_never_fail_on_the_server(case, staff, staff_token, path, body):
    sanction = Sanction.objects.first() or factories.propose(case, staff, emergency=True)
    response = token_client(staff_token).post(
        f"/api/v1/sanctions/{sanction.pk}/{path}", body, content_type="application/json"
    )
    _check(response)
