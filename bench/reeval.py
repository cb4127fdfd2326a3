"""Workload 6: every open case re-evaluated after a criteria edit, in cases/s.

Runs on the pages database (bench/pages.py: 200 k cases, two thirds open). A
manager edits the criteria through policies.services.criteria_edit, then the
refresh the beat task runs (sanctions.services.recommend.refresh_stale_recommendations)
is called until no case is stale or BENCH_REEVAL_DEADLINE seconds have passed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import pages  # noqa: E402
from bench.common import db_exists, db_url, django_setup, emit, loadavg, say, size  # noqa: E402

DEADLINE = size("reeval_deadline", 60.0, 5.0)
STEP = 1000  # cases per refresh call (the beat task's batch), so the deadline is checked often


def main() -> None:
    if not db_exists(pages.DB):
        raise SystemExit("run bench/pages.py first: re-evaluation runs on its cases")
    django_setup(db_url(pages.DB))
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from complaints.models import Case
    from policies.selectors import active_criteria
    from policies.services import criteria_edit
    from sanctions.models import EvaluatedFacts
    from sanctions.services.recommend import refresh_stale_recommendations

    manager = get_user_model().objects.get(username="demo-manager")
    active = active_criteria()
    criteria_edit(
        user=manager,
        note="bench: review deadline changed",
        settings={"review_hours": active.review_hours % 96 + 1},
        base_version=active.version,
    )
    edited = timezone.now()
    open_cases = Case.objects.filter(status="open").count()
    load = loadavg()
    done = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < DEADLINE:
        step = refresh_stale_recommendations(limit=STEP)
        done += step
        if step < STEP:
            break
    seconds = time.perf_counter() - t0
    partial = done < open_cases
    # A full evaluation stores what it read anew; the others were evaluated on stored facts.
    full = EvaluatedFacts.objects.filter(read_at__gte=edited).count()
    say(f"  {done - full:,} on the facts their last evaluation read, {full:,} in full")
    say(f"  {done:,} of {open_cases:,} open cases re-evaluated in {seconds:.1f} s: {done / seconds:,.0f} cases/s"
        f"{' (stopped at the deadline)' if partial else ''}")  # fmt: skip
    emit("reeval", "criteria edit", cases_s=done / seconds, done=done, open_cases=open_cases, partial=partial,
         full=full, load=load)  # fmt: skip


if __name__ == "__main__":
    main()
