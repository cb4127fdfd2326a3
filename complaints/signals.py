"""What other apps may listen to.

The complaints app imports no app that builds on it (DESIGN.md: nothing here imports
`policies` or `sanctions`), yet the sanctions app keeps something derived from each
case current: its evidence level and recommended measure. So the complaints services
announce a change here, and the listener only enqueues its own task after the commit.
"""

from django.dispatch import Signal

# Sent inside the transaction that changed what a case's facts are built from (its
# reports, their attribution, the case's evidence or confirmations).
# Arguments: case_ids (list[int]).
case_changed = Signal()

# Sent inside case_close's transaction, before the cases close; a listener that must
# keep a case open raises an ApplicationError (Conflict) with the reason, and nothing
# closes. Arguments: case_ids (list[int]).
case_closing = Signal()
