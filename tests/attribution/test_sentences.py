"""Every attribution step reads as a whole sentence, in English and Japanese, whatever
was or was not recorded; times are the reader's local time."""

from itertools import combinations

import pytest
from django.utils import timezone, translation

from complaints.attribution.steps import INCOMPLETE_STEP, SENTENCES, step_sentence, step_weight

SAMPLE = {
    "name": "p7-dyn.isp.example.jp",
    "ip": "198.51.100.23",
    "seconds": 30,
    "site_account": "H-00040",
    "chain": "192.0.2.121",
    "category": "other",
    "url": "http://shop.example.jp/wp-content/uploads/x/login.html",
    "sites": "a.example, b.example",
    "at": "2026-11-20T05:30:00+00:00",
    "block": "198.51.100.0/24",
    "kind": "dynamic",
    "account": "C-1",
    "session": 42,
    "login": "taro",
    "written": "uid-4711",
    "server": "smtp1.isp.example.jp",
    "entries": 2,
    "queue_id": "4F2A1C3D",
    "client": "198.51.100.23",
    "service": "pop3",
    "relay": "mail.other-isp.example",
    "zone": "xbl.test",
    "helo": "xkqzvbtr",
    "receiver": "mx.receiver.example",
    "recipient": "receiver.example",
    "reporters": 12,
    "minutes": 10,
    "addresses": 6,
    "host": "shop.example.jp",
    "sender": "support@shop.example.jp",
    "line": "C-1",
    "site": "www.shop.example.jp",
    "script": "/wp-content/uploads/x.php",
    "domain": "isp.example.jp",
    "holder": "S-9",
    "contact": "abuse@transit.example",
    "by": "sato",
    "reason": "MIME structure nested too deeply",
    "port": 1232,
    "ports": "1024-2047",
    "record": 7,
    "psid": 52,
    "prefix": "2001:db8:12:3400::/56",
    "inside": "100.64.1.3",
    "allocated": "C-2",
    "hour": "2026-11-20T05:00:00+00:00",
    "logins": 2,
}


def _params(code: str) -> list[str]:
    return sorted({name for needs, _template in SENTENCES[code] for name in needs})


def _cases():
    for code in SENTENCES:
        names = _params(code)
        for size in range(len(names) + 1):
            for subset in combinations(names, size):
                yield code, subset


@pytest.mark.parametrize("language", ["en", "ja"])
def test_no_sentence_has_a_hole_whatever_is_missing(language):
    with translation.override(language), timezone.override("Asia/Tokyo"):
        for code, subset in _cases():
            text = step_sentence({"code": code, **{k: SAMPLE[k] for k in subset}})
            assert "?" not in text and "{" not in text and "}" not in text, (code, subset, text)
            assert "None" not in text, (code, subset, text)
            least = SENTENCES[code][-1][0]
            if set(least) <= set(subset):
                assert text != str(INCOMPLETE_STEP).format(code=code), (code, subset)


def test_every_sentence_is_translated_into_japanese():
    with translation.override("ja"):
        for code, variants in SENTENCES.items():
            for needs, template in variants:
                with translation.override("en"):
                    english = str(template)
                assert str(template) != english, (code, needs)


def test_a_missing_login_is_said_in_words():
    with translation.override("en"):
        assert step_sentence({"code": "via_our_mail_server"}) == (
            "Submitted through our mail server; no login was recorded."
        )
    with translation.override("ja"):
        assert "?" not in step_sentence({"code": "via_our_mail_server"})


def test_times_are_shown_in_the_readers_zone_like_the_rest_of_the_page():
    step = {"code": "no_session_at_time", "ip": "198.51.100.99", "at": "2026-11-20T05:30:00+00:00"}
    with translation.override("en"), timezone.override("Asia/Tokyo"):
        assert "2026-11-20 14:30:00 JST" in step_sentence(step)
    with translation.override("en"), timezone.override("UTC"):
        assert "2026-11-20 05:30:00 UTC" in step_sentence(step)
    assert "T05:30:00" not in step_sentence(step)


def test_block_kinds_are_words_in_the_readers_language():
    step = {"code": "origin_in_our_block", **{k: SAMPLE[k] for k in ("ip", "block", "kind", "at")}}
    with translation.override("ja"):
        text = step_sentence(step)
    assert "dynamic" not in text


def test_a_step_of_an_unknown_kind_still_reads_as_a_sentence():
    with translation.override("en"):
        text = step_sentence({"code": "from_a_newer_version", "x": 1})
    assert text.startswith("An attribution step of a kind")


def test_signals_and_evidence_are_told_apart_also_on_steps_stored_before_the_mark():
    assert step_weight({"code": "bot_helo", "helo": "x"}) == "evidence"
    assert step_weight({"code": "helo_bare_name", "helo": "user-pc"}) == "signal"
    assert step_weight({"code": "dynamic_session"}) == ""
