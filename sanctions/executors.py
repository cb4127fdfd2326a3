"""Who carries out a measure: a person (manual) or the ISP's provisioning system (webhook).

An executor turns an Execution's instruction into an Outcome. It never touches
the database: the execution service records what came back and decides what
follows, so executors stay easy to swap and to test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SIGNATURE_HEADER = "X-AbuseDesk-Signature"
TIMESTAMP_HEADER = "X-AbuseDesk-Timestamp"
MAX_BODY_KEPT = 4000


class TransientExecutionError(Exception):
    """Worth retrying: the provisioning system was down, slow or overloaded."""

    def __init__(self, message: str, *, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.status, self.body = status, body


@dataclass(frozen=True)
class Outcome:
    done: bool  # the measure is in place (or lifted) as far as the executor knows
    status: int | None = None
    body: str = ""
    error: str = ""


class ManualExecutor:
    """Records the instruction; a person carries it out and confirms (a POST)."""

    name = "manual"

    def run(self, request: dict) -> Outcome:
        return Outcome(done=False)


def instruction_body(request: dict) -> bytes:
    """The exact bytes that are signed and sent: canonical JSON, so a retry sends the same."""
    return json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>": signing the time too stops replays of old instructions."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookExecutor:
    """POSTs the signed instruction to the ISP's provisioning URL.

    2xx: done. 5xx, 429, timeouts and connection errors: TransientExecutionError
    (the task retries; the idempotency key in the body makes a repeat harmless).
    Other 4xx: the instruction was refused; a person has to look.
    """

    name = "webhook"

    def __init__(self, url: str, secret: str, timeout: float = 10):
        if not url or not secret:
            raise ImproperlyConfigured(
                "the webhook executor needs ABUSEDESK_EXECUTOR_URL and ABUSEDESK_EXECUTOR_SECRET"
            )
        self.url, self.secret, self.timeout = url, secret, timeout

    def run(self, request: dict) -> Outcome:
        body = instruction_body(request)
        timestamp = str(int(time.time()))
        http_request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": request["idempotency_key"],
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature(self.secret, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(http_request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                return Outcome(done=True, status=response.status, body=_text(response.read()))
        except urllib.error.HTTPError as exc:
            status, text = exc.code, _text(exc.read())
            if status >= 500 or status == 429:
                raise TransientExecutionError(f"HTTP {status}", status=status, body=text) from None
            return Outcome(done=False, status=status, body=text, error=f"refused: HTTP {status}")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TransientExecutionError(f"cannot reach the provisioning system: {exc}") from None


def _text(raw: bytes) -> str:
    return raw[:MAX_BODY_KEPT].decode("utf-8", "replace")


def executor_name() -> str:
    name = settings.ABUSEDESK_EXECUTOR
    if name not in ("manual", "webhook"):
        raise ImproperlyConfigured(f"ABUSEDESK_EXECUTOR must be 'manual' or 'webhook', not {name!r}")
    return name


def get_executor(name: str | None = None):
    name = name or executor_name()
    if name == "webhook":
        return WebhookExecutor(
            settings.ABUSEDESK_EXECUTOR_URL,
            settings.ABUSEDESK_EXECUTOR_SECRET,
            settings.ABUSEDESK_EXECUTOR_TIMEOUT,
        )
    return ManualExecutor()
