"""Complaints written in other languages put their own word between a date and its time
("le 20/11/2026 à 05:30", "el 20/11/2026 a las 05:30", "am 20.11.2026 um 05:30"), name
their months in their words ("20 de noviembre de 2026"), write hours their way
("05h30", "05:30 Uhr MEZ"), and
Korean or European writers put their zone's letters in brackets ("13:30 (KST)",
"06:30 (CEST)"). The time was not read (the complaint's own date was used instead) or
was read with no zone (±14 h, so no dynamic address's holder named)."""

from datetime import UTC, datetime

import pytest

from complaints.parsing import parse_report

SOURCE = "198.51.100.23"
AT = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)


def complaint(words: str) -> bytes:
    return (
        "From: admin@victim.example\r\nTo: abuse@isp.example.jp\r\nSubject: Spam\r\n"
        "Date: Fri, 20 Nov 2026 12:00:00 +0000\r\nMessage-ID: <l1@victim.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + words + "\r\n"
    ).encode()


@pytest.mark.parametrize(
    "words",
    [
        f"Nous avons reçu du spam depuis l'adresse IP {SOURCE} le 20/11/2026 à 04:30 UTC.",
        f"Recibimos spam desde la IP {SOURCE} el 20/11/2026 a las 04:30 UTC.",
        f"Spam von {SOURCE} am 20.11.2026 um 05:30 MEZ erhalten.",
        f"Abbiamo ricevuto spam da {SOURCE} il 20/11/2026 alle 05:30 CET.",
        f"Spam ontvangen van {SOURCE} op 20-11-2026 om 04:30 UTC.",
        f"Recebemos spam do IP {SOURCE} em 20/11/2026 às 01:30 -0300.",
        # The time's own word before its zone ("Uhr"), French hours ("05h30"), and the
        # months' names in these languages.
        f"Spam von {SOURCE} am 20.11.2026 um 05:30 Uhr MEZ erhalten.",
        f"Spam depuis {SOURCE} le 20/11/2026 à 04h30 UTC.",
        f"Spam desde {SOURCE} el 20 de noviembre de 2026 a las 04:30 UTC.",
        f"Spam da {SOURCE} il 20 novembre 2026 alle 05:30 CET.",
        f"Spam von {SOURCE} am 20. November 2026 um 05:30 Uhr (UTC+1).",
        f"Spam do IP {SOURCE} em 20 de novembro de 2026 às 04:30 UTC.",
        f"Spam depuis {SOURCE} le 20 novembre 2026 à 05h30 CET.",
    ],
    ids=[
        "fr",
        "es",
        "de",
        "it",
        "nl",
        "pt",
        "de-uhr",
        "fr-05h30",
        "es-month",
        "it-month",
        "de-month",
        "pt-month",
        "fr-month",
    ],
)
def test_the_word_between_date_and_time_in_other_languages(words):
    parsed = parse_report(complaint(words))
    assert parsed.source_ip == SOURCE
    assert parsed.occurred_at == AT and parsed.occurred_at_basis == "named"
    assert not parsed.occurred_at_no_zone


@pytest.mark.parametrize(
    "words",
    [
        f"2026-11-20 13:30 (KST) 에 {SOURCE} 에서 스팸 메일이 발송되었습니다.",
        f"Spam from {SOURCE} at 2026-11-20 05:30:00 (CET).",
        f"Spam from {SOURCE}, received 2026/11/20 06:30 (CEST).",
    ],
    ids=["korean-KST", "iso-CET", "slash-CEST"],
)
def test_a_zones_letters_in_brackets_after_the_time(words):
    parsed = parse_report(complaint(words))
    assert parsed.source_ip == SOURCE
    assert parsed.occurred_at == AT and not parsed.occurred_at_no_zone
