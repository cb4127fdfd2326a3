"""Real Chromium (Debian's) driven by Playwright against Django's live server."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM):
        if os.environ.get("ABUSEDESK_REQUIRE_SERVICES"):
            pytest.fail("chromium is not installed but CI requires the browser tests")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop; Django's ORM calls from the test
    # thread are still synchronous. Only for the browser tests, then restored.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page_as(chromium, live_server, client):
    """A fresh browser page logged in as `user` (session cookie from Django's test client)."""
    contexts = []

    def open_as(user, language="en"):
        client.force_login(user)
        context = chromium.new_context(locale=language, extra_http_headers={"Accept-Language": language})
        cookie = client.cookies["sessionid"]
        context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
        contexts.append(context)
        return context.new_page()

    yield open_as
    for context in contexts:
        context.close()


# --- the desk as `make run` serves it ---------------------------------------------------

DEMO_USERS = {"staff": ("demo-staff", "demo-staff-pass"), "manager": ("demo-manager", "demo-manager-pass")}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def desk_server(tmp_path_factory):
    """The app run the way `make run` runs it, in a subprocess: `migrate`, `load_demo`,
    `runserver` on SQLite, with no broker (tasks in process) and the console mail
    backend. Only the database file differs (a temporary one, not the checkout's).

    The port is free one (ABUSEDESK_STORY_PORT chooses it). Yields the base URL and a
    function that runs a management command against the same database.
    """
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    db = tmp_path_factory.mktemp("desk") / "db.sqlite3"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CELERY_BROKER_URL", "EMAIL_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update({"DATABASE_URL": f"sqlite:///{db}", "PYTHONUNBUFFERED": "1"})
    port = int(os.environ.get("ABUSEDESK_STORY_PORT") or _free_port())

    def manage(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}"
        return done.stdout

    manage("migrate", "--noinput")
    manage("load_demo")
    log = open(db.with_suffix(".log"), "w")  # noqa: SIM115  (closed below)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the desk did not start: " + db.with_suffix(".log").read_text()[-2000:])
        yield base, manage, db.with_suffix(".log")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


class Watch:
    """Everything that went wrong in a page: 5xx answers, failed requests, console errors."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        page.on("requestfailed", self._failed)
        page.on("response", lambda r: r.status >= 500 and self.problems.append(f"{r.status} from {r.url}"))

    def _failed(self, request) -> None:
        # ERR_ABORTED is the browser cancelling a request itself: a navigation (a form
        # submitted, a link followed) leaves the page while its favicon is still loading.
        # A resource that is missing or broken answers with a status (checked above) or
        # fails with another error.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} {request.failure}")

    def check(self) -> None:
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def person(chromium, desk_server):
    """`person("staff", "ja")`: a browser page logged in through the login form, and its Watch."""
    base = desk_server[0]
    contexts, watches = [], []

    def log_in(role: str, language: str = "en"):
        context = chromium.new_context(
            locale=language,
            extra_http_headers={"Accept-Language": language},
            viewport={"width": 1280, "height": 900},
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        watch = Watch(page)
        watches.append(watch)
        username, password = DEMO_USERS[role]
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{base}/")
        return page, watch

    yield log_in
    # Read before closing: closing a context cancels what is still in flight (a favicon
    # the server has not answered yet), which the page never saw fail.
    problems = [problem for watch in watches for problem in watch.problems]
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)
