"""Three people walk the desk the way `make run` serves it (see `desk_server`: a
subprocess running migrate, load_demo and runserver on SQLite, tasks in process,
console mail), in English and in Japanese, in Debian's Chromium.

Every page they open is watched: a 5xx answer, a failed request or a console error
fails the story, and so does a raw code or a bare None in what they read.
"""

from __future__ import annotations

import io
import json
import re
import urllib.error
import urllib.request
import uuid

import pytest
from pypdf import PdfReader

from tests.pages.crawl import CODE_RE, NONE_RE, visible_text

from .conftest import Watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LANGUAGES = ["en", "ja"]


def readable(page) -> None:
    """The page a person reads: in their language's markup, no raw code, no bare None."""
    text = visible_text(page.content())
    leaked = sorted(set(CODE_RE.findall(text)))
    assert not leaked, f"{page.url}: raw code(s) {leaked}"
    assert not NONE_RE.search(text), f"{page.url}: a bare None"


def go(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, f"{url}: {response and response.status}"
    readable(page)


def submit(page, button) -> None:
    with page.expect_navigation():
        button.click()
    readable(page)


def flash(page) -> str:
    return page.locator("ul.messages").inner_text() if page.locator("ul.messages").count() else ""


def complaint(language: str) -> str:
    token = uuid.uuid4().hex[:12]
    return "\n".join(
        [
            "Received: from pc-77 (unknown [198.51.100.77]) by mx.receiver.example (Postfix) with SMTP id "
            f"{token}; Tue, 24 Nov 2026 10:00:00 +0900",
            "From: offers@cheap-offers.example",
            "To: someone@receiver.example",
            f"Subject: Cheap watches {language} {token}",
            f"Message-ID: <{token}@pc-77.invalid>",
            "Date: Tue, 24 Nov 2026 10:00:00 +0900",
            "",
            "Buy now at http://cheap-offers.example/watches",
        ]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_story(person, desk_server, language):
    base = desk_server[0]
    page, _watch = person("staff", language)
    assert page.locator("html").get_attribute("lang") == language
    readable(page)

    # File a complaint pasted from an e-mail; the report is stored and parsed.
    go(page, f"{base}/reports/new/")
    page.fill("textarea[name=m-message]", complaint(language))
    submit(page, page.locator("form:has(input[value=message]) button[type=submit]"))
    assert re.search(r"/reports/\d+/$", page.url) and "ADR-" in flash(page)

    # Read its content: a purpose is asked for, then the message is shown.
    page.fill("input[name=purpose]", "check the advertised site")
    submit(page, page.locator("form[action$='/content/'] button[type=submit]"))
    assert "Cheap watches" in page.content()

    # Triage in the queue with filters, open a case of ours with complainants where the
    # criteria recommend a measure on an account (E2: several reporters; a lone stated
    # origin is E0 and only forwarded, so the proposal would name no account). Oldest
    # untouched first: a case nobody acted on yet (the demo's measures await a decision
    # on the cases they were proposed on, and each language's run acts on its own case).
    go(page, f"{base}/cases/")
    page.select_option("select[name=role]", "sending")
    page.select_option("select[name=evidence_level]", "E2")
    page.select_option("select[name=order]", "untouched")
    submit(page, page.locator("#queue-filters button[type=submit]"))
    assert "role=sending" in page.url and "evidence_level=E2" in page.url and "order=untouched" in page.url
    first = page.locator("table.queue tbody a[href^='/cases/']").first
    case_url = base + first.get_attribute("href")
    go(page, case_url)

    # Act on it from its page: assign to me, reply to the complainants; both in the timeline.
    submit(page, page.locator("form:has(input[name=action][value=assign_me]) button"))
    assert "demo-staff" in page.locator("ol.timeline li").first.inner_text()
    assert page.locator("section.forward").count() == 0  # ours: nothing to forward
    if page.locator("form[action$='/reply/']").count():
        submit(page, page.locator("form[action$='/reply/'] button[type=submit]"))
        assert page.locator("ul.messages li.success").count() == 1
        assert page.locator("ol.timeline li.reply").count() >= 1

    # Propose a measure: the recommendation fills the form; a justification is written.
    go(page, f"{case_url}".replace("/cases/", "/sanctions/cases/") + "propose/")
    page.fill(
        "textarea[name=justification]", f"Story {language}: repeated complaints from our customer's line."
    )
    submit(page, page.locator("section.proposal form button[type=submit]"))
    assert re.search(r"/sanctions/\d+/$", page.url), flash(page)
    assert page.locator("section.proposal-read").count() == 1

    # Bulk: select two cases in the queue and assign them to me.
    go(page, f"{base}/cases/")
    boxes = page.locator("table.queue input[name=cases]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.select_option("form#bulk select[name=action]", "assign_me")
    submit(page, page.locator("form#bulk button[type=submit]"))
    assert page.locator("ul.messages li.success").count() == 1

    # Close a case with a reason, then reopen it.
    go(page, case_url)
    page.select_option("form:has(input[value=close]) select[name=resolution]", "no_action")
    page.fill("form:has(input[value=close]) input[name=reason]", "story: closed")
    submit(page, page.locator("form:has(input[value=close]) button"))
    assert page.locator("form:has(input[value=reopen])").count() == 1
    page.fill("form:has(input[value=reopen]) input[name=reason]", "story: reopened")
    submit(page, page.locator("form:has(input[value=reopen]) button"))
    assert page.locator("form:has(input[value=close])").count() == 1
    assert "story: reopened" in page.locator("ol.timeline").inner_text()


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_forwards_a_case_that_is_not_ours(person, desk_server, language):
    base = desk_server[0]
    page, watch = person("staff", language)
    # Oldest untouched first. The demo may hold one case not ours: each language's run
    # forwards to its own address, or the second would be the same forward again within
    # minutes, refused as a double submission.
    to = f"abuse-{language}@other-network.example"
    go(page, f"{base}/cases/?role=not_ours&status=open&order=untouched")
    go(page, base + page.locator("table.queue tbody a[href^='/cases/']").first.get_attribute("href"))
    page.fill("section.forward input[name=to]", to)
    submit(page, page.locator("section.forward button[type=submit]"))
    watch.check()
    assert page.locator("ul.messages li.success").count() == 1
    # Sent through make run's console backend: the row is not left queued or failed.
    newest = page.locator("section.forward ul.outgoing li").first
    assert to in newest.inner_text()
    assert newest.locator("button").count() == 0 and newest.locator("strong.error").count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_manager_story(person, desk_server, language):
    base = desk_server[0]
    page, _watch = person("manager", language)
    readable(page)

    # Home: what awaits my review; open the first measure I can approve or reject (the
    # other language's run may have decided the first one already).
    action = "approve" if language == "en" else "reject"
    waiting = [a.get_attribute("href") for a in page.locator("#to-review a[href^='/sanctions/']").all()]
    assert waiting
    for href in waiting:
        go(page, base + href)
        if page.locator(f"form.transition button[value={action}]").count():
            break
    else:
        pytest.fail(f"no measure on my home page can be decided with {action}")

    # The proposal first, then the facts once, then the decision.
    tops = [
        page.locator(s).bounding_box()["y"]
        for s in ("section.proposal-read", "section.facts", "section.decisions")
    ]
    assert tops == sorted(tops)
    assert page.locator("ul.relied-on a").count() >= 1
    reference = page.locator("h1").inner_text().split(":")[0]
    sanction_url = page.url

    # The dossier as a page and as a PDF that carries its own fonts.
    go(page, base + page.locator("a[href$='/dossier/']").first.get_attribute("href"))
    assert reference in page.content()
    pdf = page.context.request.get(base + page.locator("a[href$='dossier.pdf']").first.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.body()))
    assert reference in reader.pages[0].extract_text() + "".join(p.extract_text() for p in reader.pages[1:])
    for page_ in reader.pages:
        for font in (page_["/Resources"].get("/Font") or {}).values():
            assert re.match(r"^/[A-Z]{6}\+", str(font.get_object()["/BaseFont"]))

    # Decide: approve in one language, reject in the other (four eyes: staff proposed these).
    go(page, sanction_url)
    form = page.locator("form.transition", has=page.locator(f"button[value={action}]"))
    form.locator("textarea[name=reason]").fill(f"story {language}: facts checked")
    submit(page, form.locator("button[type=submit]"))
    assert page.locator("ul.messages li.success").count() == 1
    assert f"story {language}: facts checked" in page.locator("section.record").inner_text()

    # Criteria: an untouched save changes nothing; a change writes a new version.
    go(page, f"{base}/policies/")
    go(page, base + page.locator("a[href^='/policies/rules/']").first.get_attribute("href"))
    page.fill("textarea[name=reason]", "story: looked at it")
    submit(page, page.locator("form.rule-form button[type=submit]"))
    assert page.url.endswith("/policies/") and page.locator("ul.messages li.info").count() == 1
    go(page, base + page.locator("a[href^='/policies/rules/']").first.get_attribute("href"))
    days = int(page.input_value("input[name=window_days]"))
    page.fill("input[name=window_days]", str(days + 1))
    page.fill("textarea[name=reason]", f"story {language}: one more day")
    submit(page, page.locator("form.rule-form button[type=submit]"))
    assert page.url.endswith("/policies/") and page.locator("ul.messages li.success").count() == 1

    # The dashboard, its headers in words, and a CSV export.
    go(page, f"{base}/dashboard/")
    assert page.locator("section.metric").count() >= 5
    csv = page.context.request.get(base + page.locator("a.csv").first.get_attribute("href"))
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")


def _api(base: str, path: str, *, key: str, language: str, body: bytes | None = None, kind: str = ""):
    headers = {"Authorization": f"Token {key}", "Accept-Language": language, "Accept": "application/json"}
    if kind:
        headers["Content-Type"] = kind
    request = urllib.request.Request(
        base + path, data=body, headers=headers, method="POST" if body is not None else "GET"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_partner_story(chromium, desk_server, language):
    base, manage, _log = desk_server
    key = (
        manage(
            "shell",
            "-c",
            "from complaints.services.partners import partner_create; "
            f"print(partner_create(name='Story ISP {language}', contact_email='abuse@story.example')[1])",
        )
        .strip()
        .splitlines()[-1]
    )

    # File a report, then follow it.
    status, filed = _api(
        base,
        "/api/v1/reports/",
        key=key,
        language=language,
        body=complaint(language).encode(),
        kind="message/rfc822",
    )
    assert status == 201 and filed["id"]
    status, followed = _api(base, f"/api/v1/reports/{filed['id']}/", key=key, language=language)
    assert status == 200 and followed["id"] == filed["id"] and followed["status"]
    assert "case" not in followed and "attribution" not in followed  # partners never see our side

    # Bad input gets a reason in the partner's language; another partner's report is not there.
    status, refused = _api(
        base, "/api/v1/reports/", key=key, language=language, body=b"{}", kind="application/json"
    )
    assert status == 400 and refused
    if language == "ja":
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", json.dumps(refused, ensure_ascii=False))
    status, _ = _api(base, "/api/v1/reports/1/", key=key, language=language)
    assert status == 404

    # The API documentation opens from the project's own files (nothing from a CDN).
    context = chromium.new_context(locale=language)
    page = context.new_page()
    watch = Watch(page)
    outside = []
    page.on(
        "request",
        lambda r: not r.url.startswith(base) and not r.url.startswith("data:") and outside.append(r.url),
    )
    page.goto(base + "/api/docs/")
    page.wait_for_load_state("networkidle")
    assert "Abuse desk API" in page.content()
    context.close()
    assert not outside, outside
    watch.check()
