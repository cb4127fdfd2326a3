"""The lifecycle of a sanction: the one map of allowed transitions.

Each edge says who may take it:

- DECISION: a decision on the measure. Never by its proposer (four eyes), and by
  a manager (`abusedesk.review_measures`) when the level or the recommendation
  asks for one (see `needs_manager`).
- DESK: work of the desk (notify, open a hearing, resubmit): any desk user.
- EXECUTION: the measure was carried out. Taken when the execution is
  confirmed (a person for the manual executor, the provisioning system's answer
  for the webhook); a desk user confirming it by hand is the same act.

Emergency measures (C-09) are carried out before approval and reviewed after.
The review is an edge too: its `to_state` names the decision ("approved" or
"rejected"), its `result` is where the sanction goes (it stays in force, or is
lifted). That keeps "approve" meaning one thing in the API and in the record.
"""

from __future__ import annotations

from dataclasses import dataclass

from .choices import State

# The review's rejection of an emergency measure: it lifts the measure, which was never
# a valid one (facts.taken_measures leaves it out of the earlier measures).
REVIEW_REJECT = "review_reject"

DECISION = "decision"
DESK = "desk"
EXECUTION = "execution"

# Where an emergency measure can wait for its review: in force, before any decision
# on it. Its review is an approval or a rejection and nothing else: the decisions on
# a measure in force (uphold, lift) open once it is reviewed, so that neither stands
# in for the review and leaves it with no reviewer on record, and a measure nobody
# approved never counts as an earlier measure because someone lifted it.
EMERGENCY_IN_FORCE = (State.CARRIED_OUT, State.NOTIFIED, State.HEARING)


@dataclass(frozen=True)
class Edge:
    action: str
    source: str
    to_state: str
    rule: str
    result: str | None = None  # None: the sanction moves to `to_state`
    emergency_only: bool = False
    unreviewed_emergency_only: bool = False  # the post-hoc review of an emergency measure
    reviewed_emergency_only: bool = False  # a decision an emergency measure takes once reviewed
    executes: str | None = None  # the Execution action this edge requests ("carry_out", "lift")
    notice: str | None = None  # the Notice kind this edge sends

    @property
    def target(self) -> str:
        return self.result or self.to_state


_EDGES = [
    Edge("approve", State.PROPOSED, State.APPROVED, DECISION, executes="carry_out"),
    Edge("reject", State.PROPOSED, State.REJECTED, DECISION),
    Edge("request_evidence", State.PROPOSED, State.MORE_EVIDENCE, DECISION),
    Edge("resubmit", State.MORE_EVIDENCE, State.PROPOSED, DESK),
    Edge("carry_out", State.APPROVED, State.CARRIED_OUT, EXECUTION),
    Edge("carry_out_emergency", State.PROPOSED, State.CARRIED_OUT, EXECUTION, emergency_only=True),
    Edge("notify", State.CARRIED_OUT, State.NOTIFIED, DESK, notice="notice"),
    Edge("open_hearing", State.NOTIFIED, State.HEARING, DESK, notice="hearing"),
    Edge("uphold", State.NOTIFIED, State.UPHELD, DECISION, reviewed_emergency_only=True),
    Edge("uphold", State.HEARING, State.UPHELD, DECISION, reviewed_emergency_only=True),
    Edge(
        "lift",
        State.NOTIFIED,
        State.LIFTED,
        DECISION,
        reviewed_emergency_only=True,
        executes="lift",
        notice="lift",
    ),
    Edge(
        "lift",
        State.HEARING,
        State.LIFTED,
        DECISION,
        reviewed_emergency_only=True,
        executes="lift",
        notice="lift",
    ),
    # The period ended or the customer cured it: lifting a measure in force is desk work.
    Edge("lift", State.UPHELD, State.LIFTED, DESK, executes="lift", notice="lift"),
]
for _state in EMERGENCY_IN_FORCE:
    _EDGES.append(
        Edge(
            "review_approve", _state, State.APPROVED, DECISION, result=_state, unreviewed_emergency_only=True
        )
    )
    _EDGES.append(
        Edge(
            REVIEW_REJECT,
            _state,
            State.REJECTED,
            DECISION,
            result=State.LIFTED,
            unreviewed_emergency_only=True,
            executes="lift",
            notice="lift",
        )
    )

TRANSITIONS: dict[tuple[str, str], Edge] = {(e.source, e.to_state): e for e in _EDGES}
assert len(TRANSITIONS) == len(_EDGES), "two edges share a (source, to_state)"


def edge_for(state: str, to_state: str, *, emergency: bool, reviewed: bool) -> Edge | None:
    """The edge from `state` to `to_state` open to this sanction, or None."""
    edge = TRANSITIONS.get((state, to_state))
    if edge is None:
        return None
    if edge.emergency_only and not emergency:
        return None
    if edge.unreviewed_emergency_only and (not emergency or reviewed):
        return None
    if edge.reviewed_emergency_only and emergency and not reviewed:
        return None
    return edge


def edges_from(state: str, *, emergency: bool, reviewed: bool) -> list[Edge]:
    found = [edge_for(s, t, emergency=emergency, reviewed=reviewed) for (s, t) in TRANSITIONS if s == state]
    return [e for e in found if e is not None]
