"""The queue and a case on a phone's screen (390 px), in both languages, in real
Chromium: nothing scrolls the page sideways (the top bar overflowed to 515-614 px, the
queue's table to 1,387 px and the case page to 1,769 px, its close form squeezed)."""

from __future__ import annotations

import pytest

from tests.sanctions import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_queue_and_a_case_fit_a_phones_width(page_as, live_server, staff, language):
    case = factories.case_from_reports()
    page = page_as(staff, language)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/cases/", f"/cases/{case.pk}/", "/"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide in {language}"
        # Every button can still be read: none squeezed to a sliver.
        slivers = page.evaluate(
            "[...document.querySelectorAll('main button')].filter(b => b.offsetWidth > 0 && b.offsetWidth < 24).length"
        )
        assert slivers == 0, path
