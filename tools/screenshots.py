"""Screenshots of the desk for the README: `make screenshots`.

Builds a throwaway SQLite database with the demo data, serves it with the
development server on a free loopback port, logs in through the login form in
Debian's Chromium (Playwright) and captures the main pages into docs/screenshots/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def wait_up(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the development server did not start")


def login(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def shoot(page, base: str, path: str, name: str) -> None:
    page.goto(base + path)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print(f"docs/screenshots/{name}.png")


def work_a_case(page, base: str, case: int) -> None:
    """What staff do first, so the case page's timeline shows people at work."""
    page.goto(f"{base}/cases/{case}/")
    page.click("form:has(input[name=action][value=assign_me]) button")
    page.wait_for_load_state()
    if page.locator("form[action$='/reply/']").count():
        page.fill("form[action$='/reply/'] textarea[name=note]", "We are checking our logs for this address.")
        page.click("form[action$='/reply/'] button[type=submit]")
        page.wait_for_load_state()


def main() -> None:
    if not Path(CHROMIUM).exists():
        raise SystemExit("chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
        env.update(DATABASE_URL=f"sqlite:///{tmp}/shots.sqlite3", DEBUG="1", ABUSEDESK_COLLECT_EVIDENCE="0")
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_up(base)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                login(page, base, "demo-staff", "demo-staff-pass")
                work_a_case(page, base, 1)
                context.close()
                for lang in ("en", "ja"):
                    context = browser.new_context(
                        viewport={"width": 1280, "height": 900},
                        locale=lang,
                        extra_http_headers={"Accept-Language": lang},
                    )
                    page = context.new_page()
                    login(page, base, "demo-manager", "demo-manager-pass")
                    suffix = "" if lang == "en" else "-ja"
                    pages = [
                        ("/", "home"),
                        ("/cases/", "queue"),
                        ("/cases/1/", "case"),
                        ("/sanctions/1/", "review"),
                    ]
                    pages += [("/policies/rules/1/edit/", "rule"), ("/dashboard/", "dashboard")]
                    for path, name in pages:
                        if lang == "en" or name not in ("home", "rule"):  # the README shows these
                            shoot(page, base, path, f"{name}{suffix}")
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
