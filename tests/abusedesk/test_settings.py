"""Settings come from the environment and fail loudly; checked in a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    dropped = {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_empty_database_url_means_the_sqlite_default():
    result = run_manage("check", DATABASE_URL="")
    assert result.returncode == 0, result.stderr


def test_secret_key_is_required_without_debug():
    result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="desk.example.net")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_bad_dnsbl_kind_names_the_variable():
    result = run_manage("check", ABUSEDESK_DNSBL_ZONES="xbl.example.org:evil")
    assert result.returncode != 0
    assert "ABUSEDESK_DNSBL_ZONES" in result.stderr


def test_bad_dns_server_names_the_variable():
    result = run_manage("check", ABUSEDESK_DNS_SERVERS="resolver.example:53")
    assert result.returncode != 0
    assert "ABUSEDESK_DNS_SERVERS" in result.stderr


def test_bad_time_zone_is_refused():
    result = run_manage("check", TIME_ZONE="Mars/Olympus")
    assert result.returncode != 0
    assert "TIME_ZONE" in result.stderr


def test_deploy_check_is_clean_in_production_mode():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "a-real-looking-secret-key-with-entropy-9f8e7d6c5b4a",
        ALLOWED_HOSTS="desk.example.net",
    )
    assert result.returncode == 0, result.stdout + result.stderr
