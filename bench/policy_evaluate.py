"""Time `evaluate` over many varied case facts against the default snapshot.

    .venv/bin/python -m bench.policy_evaluate [COUNT]

No database: the snapshot is built from policies.defaults, as `criteria_snapshot`
would build it from the active version.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from datetime import UTC, datetime, timedelta


def _facts(count: int):
    from policies.types import CaseFacts, PriorMeasure

    now = datetime(2025, 6, 1, tzinfo=UTC)
    shapes = [
        {"roles": ("sending",), "sending_method": "contracted_isp_server", "account_kinds": ("mail",)},
        {"roles": ("sending",), "sending_method": "self_operated_server", "account_kinds": ("connection",),
         "connection_type": "static"},
        {"roles": ("sending",), "sending_method": "hijacked_host", "hijack_kind": "infected_pc",
         "account_kinds": ("connection",)},
        {"roles": ("hosting",), "account_kinds": ("hosting",)},
        {"roles": ("receiving",)},
        {"roles": ("sending",), "sub_allocated": True},
    ]  # fmt: skip
    extras = [{}, {"warned_before": True}, {"telemetry": ("dnsbl_listed",)}, {"culpability": "intentional"}]
    priors = ((), (PriorMeasure("L4", True, now - timedelta(days=60)),) * 2)
    combos = itertools.cycle(itertools.product(shapes, extras, priors))
    for i in range(count):
        shape, extra, prior = next(combos)
        reports = tuple((f"r{(i + j) % 5}", now - timedelta(hours=13 * j)) for j in range(1 + i % 12))
        yield CaseFacts(
            accounts_identified=1, reports=reports, now=now, prior_measures=prior, **shape, **extra
        )


def main(count: int = 10_000) -> float:
    from policies.defaults import DEFAULT_RULES
    from policies.evaluation import evaluate
    from policies.snapshot import snapshot_build

    snapshot = snapshot_build(version=1, rules=DEFAULT_RULES)
    cases = list(_facts(count))
    started = time.perf_counter()
    for facts in cases:
        evaluate(facts, snapshot)
    elapsed = time.perf_counter() - started
    print(f"{count} evaluations in {elapsed:.3f} s ({elapsed / count * 1e6:.1f} µs each)")
    return elapsed


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")
    django.setup()
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
