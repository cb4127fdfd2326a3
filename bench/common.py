"""What every benchmark shares: sizes, databases, processes, CPU and percentiles.

Everything is configured from the environment (see bench/README.md):

    BENCH_SMOKE=1            tiny sizes: proves the suite runs, measures nothing
    BENCH_PG_URL             server URL without a database (postgres://root@127.0.0.1:5432)
    BENCH_DB_PREFIX          prefix of every database the suite creates (bench)
    BENCH_BROKER_URL         Redis for the runs with real Celery workers (redis://127.0.0.1:6379/0)
    BENCH_PORT               the one TCP port the HTTP servers take in turn (8790)

Each workload prints human lines and one `BENCH-RESULT {json}` line per figure;
bench/run.py collects those into the table and the results files.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = BENCH / "out"
DATA = OUT / "data"
SMOKE = os.environ.get("BENCH_SMOKE", "") == "1"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://root@127.0.0.1:5432").rstrip("/")
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "bench")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/0")
PORT = int(os.environ.get("BENCH_PORT", "8790"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
RESULT_MARK = "BENCH-RESULT "


def size(name: str, full: int | float, smoke: int | float) -> int | float:
    """BENCH_<NAME> from the environment, else the issue's size (or the smoke size)."""
    raw = os.environ.get(f"BENCH_{name.upper()}", "").strip()
    default = smoke if SMOKE else full
    if not raw:
        return default
    return type(default)(raw)


def say(text: str) -> None:
    print(text, flush=True)


def loadavg() -> float:
    """The 1-minute load average: the machine is shared, so every figure carries it."""
    return round(os.getloadavg()[0], 2)


def emit(workload: str, name: str, **values) -> None:
    """One figure for the table: workload, name, values (numbers or short text)."""
    values.setdefault("load", loadavg())
    print(RESULT_MARK + json.dumps({"workload": workload, "name": name, **values}), flush=True)


def percentile(values: Iterable[float], p: float) -> float:
    data = sorted(values)
    if not data:
        return float("nan")
    if len(data) == 1:
        return data[0]
    k = (len(data) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def median(values: Iterable[float]) -> float:
    data = list(values)
    return statistics.median(data) if data else float("nan")


# -- databases ----------------------------------------------------------------------


def db_name(name: str) -> str:
    return f"{DB_PREFIX}_{name}"


def db_url(name: str) -> str:
    return f"{PG_URL}/{db_name(name)}"


def admin():
    """An autocommit connection to the server's maintenance database."""
    import psycopg

    return psycopg.connect(f"{PG_URL}/postgres", autocommit=True)


def db_exists(name: str) -> bool:
    with admin() as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name(name)]).fetchone()
            is not None
        )


def db_create(name: str) -> str:
    """A fresh, empty database (dropped first if it exists); returns its URL."""
    from psycopg import sql

    with admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name(name))))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db_name(name))))
    return db_url(name)


def db_copy(name: str, template: str) -> str:
    """A fresh database copied from another (which nobody may be connected to); its URL."""
    from psycopg import sql

    with admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name(name))))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(db_name(name)), sql.Identifier(db_name(template))
            )
        )
    return db_url(name)


# Templates: a database built once (migrations, the demo, a peer's schema) and copied
# with CREATE DATABASE … TEMPLATE (a fraction of a second) by every workload and every
# later run while its key is unchanged. The key of the project's templates is a digest
# of the application's files, so any change to code, migrations or demo data rebuilds
# them: a copy is the same as building afresh, only quicker.
_SOURCE_SUFFIXES = {".py", ".json", ".csv", ".txt", ".eml", ".mbox", ".html", ".po", ".mo", ".yaml", ".yml"}
_SKIP_DIRS = {".git", ".venv", "bench", "tests", "docs", "node_modules", "staticfiles", "__pycache__"}


def source_key() -> str:
    """Digest of every file the application's databases are built from."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in _SKIP_DIRS and rel.parts[:2] != ("bench", "settings_app.py"):
            continue
        if path.is_file() and "__pycache__" not in rel.parts and path.suffix in _SOURCE_SUFFIXES:
            digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def schema_key() -> str:
    """Digest of what the migrated schema is built from: the migrations, the modules they
    import (the default criteria in policies/), settings and requirements."""
    import hashlib

    digest = hashlib.sha256()
    files = [*ROOT.glob("*/migrations/*.py"), *ROOT.glob("policies/*.py")]
    files += [ROOT / "abusedesk" / "settings.py", BENCH / "settings_app.py", ROOT / "requirements.txt"]
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _template_key(name: str) -> str | None:
    import psycopg

    if not db_exists(name):
        return None
    try:
        with psycopg.connect(db_url(name), autocommit=True) as conn:
            row = conn.execute("SELECT key FROM bench_template").fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def db_template(name: str, key: str, build, *, base: str | None = None) -> str:
    """The template database `tpl_<name>` for `key`, built by `build(url)` when missing or
    stale (from a copy of the template `base` when given); returns its short name."""
    import psycopg

    tpl = f"tpl_{name}"
    if _template_key(tpl) == key:
        return tpl
    url = db_copy(tpl, base) if base else db_create(tpl)
    build(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_template")
        conn.execute("CREATE TABLE bench_template (key text)")
        conn.execute("INSERT INTO bench_template VALUES (%s)", [key])
    return tpl


def migrated_template() -> str:
    """The template with the project's migrations applied."""
    return db_template("migrated", schema_key(), lambda url: run_manage(url, "migrate", "--noinput"))


def demo_template() -> str:
    """The migrated template with `load_demo` run: inventory, sessions, criteria, users."""
    return db_template(
        "demo", source_key(), lambda url: run_manage(url, "load_demo"), base=migrated_template()
    )


def db_migrated(name: str) -> str:
    """A fresh database `name` with the project's migrations applied (from a template)."""
    url = db_copy(name, migrated_template())
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_template")
    return url


def db_transactions(name: str) -> int:
    """Committed + rolled-back transactions of a database so far (pg_stat_database).

    Backends report their counts when they exit or go idle, so read this after the
    servers that used the database have stopped.
    """
    with admin() as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", [db_name(name)]
        ).fetchone()
    return int(row[0]) if row else 0


def db_backend_pids(name: str) -> list[int]:
    with admin() as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
            [db_name(name)],
        ).fetchall()
    return [r[0] for r in rows]


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes: the postmaster and all its children. Read with
    CpuMeter (reaped children included), a backend that exits between two reads still
    counts: its CPU moves to the postmaster's reaped children's. Other databases' work on
    the same server counts too."""
    with admin() as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        with open(f"/proc/{backend}/stat") as f:  # while the backend is still there
            postmaster = int(f.read().rsplit(")", 1)[1].split()[1])
    return [postmaster, *children(postmaster)]


def django_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for a process of the project (bench settings, production-like)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="bench.settings_app",
        DEBUG="0",
        SECRET_KEY="bench-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",
        ABUSEDESK_COLLECT_EVIDENCE="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.pop("CELERY_BROKER_URL", None)
    env.update(extra)
    return env


def django_setup(database_url: str, **extra: str) -> None:
    """Configure this process as the project on `database_url` and migrate."""
    env = django_env(database_url, **extra)
    if "CELERY_BROKER_URL" not in env:
        os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def run_manage(database_url: str, *args: str, **extra: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=django_env(database_url, **extra),
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


# -- processes ------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """Every descendant of pid (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pid: int, *, with_reaped: bool = False) -> float:
    """User + system CPU of one process (plus its reaped children's, if asked)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if with_reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


@dataclass
class CpuMeter:
    """CPU used by a process tree (and optionally PostgreSQL backends) between two reads."""

    pids: list[int] = field(default_factory=list)
    start: dict[int, float] = field(default_factory=dict)

    def read(self) -> dict[int, float]:
        return {pid: cpu_seconds(pid, with_reaped=True) for pid in self.pids}

    def begin(self, pids: list[int]) -> None:
        self.pids = list(pids)
        self.start = self.read()

    def used(self, pids: list[int] | None = None) -> float:
        if pids is not None:
            self.pids = sorted(set(self.pids) | set(pids))
        now = self.read()
        return sum(now[p] - self.start.get(p, 0.0) for p in now)


def wait_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def port_free(port: int) -> None:
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is taken; set BENCH_PORT to a free one")


class Process:
    """A server or worker the bench starts in its own process group and always stops."""

    def __init__(self, cmd: list[str], *, env: dict, cwd: Path = ROOT, log: Path | None = None):
        self.log = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def tree(self) -> list[int]:
        return [self.pid, *children(self.pid)]

    def signal_stop(self) -> None:
        """Ask it to stop without waiting (stop() then waits)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.log is not subprocess.DEVNULL:
            self.log.close()


@contextmanager
def running(cmd: list[str], **kwargs):
    process = Process(cmd, **kwargs)
    try:
        yield process
    finally:
        process.stop()
