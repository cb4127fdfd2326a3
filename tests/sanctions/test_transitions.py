"""Every edge of the lifecycle map is walked; every other pair of states is refused."""

import pytest

from abusedesk.errors import Conflict
from abusedesk.models import AuditEntry
from sanctions.choices import State
from sanctions.services import sanction_transition
from sanctions.transitions import DECISION, TRANSITIONS

from . import factories

pytestmark = pytest.mark.django_db

EDGES = sorted(TRANSITIONS.values(), key=lambda e: (e.source, e.to_state))


def _sanction_at(case, staff, manager, state, *, emergency):
    sanction = factories.propose(case, staff, emergency=emergency)
    paths = factories.EMERGENCY_PATHS if emergency else factories.PATHS
    return factories.walk(sanction, paths[state], desk=staff, decider=manager)


@pytest.mark.parametrize("edge", EDGES, ids=[f"{e.source}->{e.to_state}" for e in EDGES])
def test_every_edge_of_the_map_can_be_taken_and_is_recorded(edge, case, staff, manager):
    emergency = edge.emergency_only or edge.unreviewed_emergency_only
    sanction = _sanction_at(case, staff, manager, edge.source, emergency=emergency)
    actor = manager if edge.rule == DECISION else staff
    if edge.emergency_only:
        factories.emergency_step(sanction, staff)  # the record shows why it could not wait

    moved = sanction_transition(
        sanction_id=sanction.pk, to_state=edge.to_state, actor=actor, reason="walking the map"
    )

    assert moved.state == edge.target
    last = moved.transitions.last()
    assert (last.action, last.from_state, last.to_state, last.actor) == (
        edge.action,
        edge.source,
        edge.target,
        actor,
    )
    assert last.reason == "walking the map"
    entry = AuditEntry.objects.filter(action=f"sanction.{edge.action}", object_id=str(sanction.pk)).last()
    assert entry is not None and entry.reason == "walking the map" and entry.actor == actor


ILLEGAL = [
    (source, target)
    for source in factories.PATHS
    for target in State.values
    if (source, target) not in TRANSITIONS
]


@pytest.mark.parametrize("source", list(factories.PATHS))
def test_every_pair_of_states_outside_the_map_is_refused(source, case, staff, manager):
    sanction = _sanction_at(case, staff, manager, source, emergency=False)
    for source_state, target in ILLEGAL:
        if source_state != source:
            continue
        with pytest.raises(Conflict):
            sanction_transition(
                sanction_id=sanction.pk, to_state=target, actor=manager, reason="not on the map"
            )
        sanction.refresh_from_db()
        assert sanction.state == source


def test_an_emergency_only_edge_is_closed_to_an_ordinary_proposal(sanction, staff):
    with pytest.raises(Conflict):
        sanction_transition(
            sanction_id=sanction.pk, to_state=State.CARRIED_OUT, actor=staff, reason="no emergency"
        )


def test_an_emergency_measure_is_reviewed_once(case, staff, manager, other_manager):
    sanction = _sanction_at(case, staff, manager, State.CARRIED_OUT, emergency=True)
    sanction_transition(sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="justified")
    sanction.refresh_from_db()
    assert sanction.state == State.CARRIED_OUT and sanction.reviewed_at is not None
    with pytest.raises(Conflict, match="tanaka"):
        sanction_transition(
            sanction_id=sanction.pk, to_state=State.APPROVED, actor=other_manager, reason="me too"
        )


def test_rejecting_an_emergency_measure_lifts_it(case, staff, manager):
    sanction = _sanction_at(case, staff, manager, State.CARRIED_OUT, emergency=True)
    sanction = sanction_transition(
        sanction_id=sanction.pk, to_state=State.REJECTED, actor=manager, reason="not needed"
    )
    assert sanction.state == State.LIFTED
    assert sanction.executions.filter(action="lift").exists()


def test_a_transition_without_a_reason_is_refused(sanction, manager):
    from abusedesk.errors import ApplicationError

    with pytest.raises(ApplicationError) as info:
        sanction_transition(sanction_id=sanction.pk, to_state=State.APPROVED, actor=manager, reason="  ")
    assert "reason" in info.value.fields
    sanction.refresh_from_db()
    assert sanction.state == State.PROPOSED
