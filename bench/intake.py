"""Benchmark: reports stored, parsed and grouped per second through the one intake service.

Usage: python bench/intake.py [--reports 2000]
Runs on DATABASE_URL (default: a fresh SQLite file bench/out/intake.sqlite3).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000)
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        db = out / "intake.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["ABUSEDESK_COLLECT_EVIDENCE"] = "0"  # measures intake, not DNS (see dns_evidence.py)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from complaints.choices import Channel
    from complaints.services import report_ingest
    from tests.complaints.samples import complaint, spam

    start = datetime(2026, 11, 20, tzinfo=UTC)
    messages = [
        complaint(
            reporter=f"r{i % 300}@receiver.example",
            attached=spam(
                at=start + timedelta(seconds=i), origin_ip=f"198.51.100.{i % 50}", message_id=f"<{i}@x>"
            ),
        )
        for i in range(args.reports)
    ]
    t0 = time.perf_counter()
    for i, raw in enumerate(messages):
        report_ingest(
            raw=raw,
            channel=Channel.MAILBOX,
            reporter_key=f"email:r{i % 300}@receiver.example",
            acknowledge=False,
        )
    elapsed = time.perf_counter() - t0
    print(f"ingested {args.reports} reports in {elapsed:.1f} s: {args.reports / elapsed:,.0f} reports/s")


if __name__ == "__main__":
    main()
