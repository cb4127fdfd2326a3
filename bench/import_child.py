"""Run one import command in a process of its own and report time and peak memory.

    python bench/import_child.py DEADLINE_SECONDS COMMAND ARG...

Prints one JSON line: seconds, peak RSS (KiB, from getrusage) of the import and of the
largest process it started (import_maillog's reader), whether the deadline
stopped it, and the command's last output lines. The deadline turns a slow import
into a measured rate instead of an afternoon; the caller counts the rows it stored.
"""

from __future__ import annotations

import io
import json
import resource
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class Deadline(BaseException):
    """Raised by the alarm; a BaseException so the importer's handlers let it through."""


fired = False


def _alarm(signum, frame):
    global fired
    fired = True
    raise Deadline


def main() -> None:
    deadline, command, *args = sys.argv[1:]
    import django

    django.setup()
    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, float(deadline))
    t0 = time.perf_counter()
    stopped = False
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except Deadline:
        stopped = True
    except Exception:
        # The alarm can land where a library turns it into another error on its way out
        # (a rollback, a broker publish); after the deadline that is still "stopped".
        if not fired:
            raise
        stopped = True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    seconds = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # A process the import started (import_maillog's reader) runs beside it: its peak
    # is reported apart (a forked child's RSS also counts the pages it shares with this one).
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "maxrss_kb": own,
                "children_maxrss_kb": children,
                "stopped_at_deadline": stopped,
                "stdout_tail": out.getvalue().strip().splitlines()[-3:],
                "stderr_lines": len(err.getvalue().splitlines()),
                "stderr_head": err.getvalue().strip().splitlines()[:3],
            }
        )
    )


if __name__ == "__main__":
    main()
