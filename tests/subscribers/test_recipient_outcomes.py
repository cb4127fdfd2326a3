"""What became of the recipients of a customer's mail: imported from Postfix's delivery
and reject lines, counted per login and per client address (made-up addresses)."""

from datetime import UTC, datetime, timedelta

import pytest

from subscribers.choices import MailLogKind
from subscribers.models import MailLogEntry
from subscribers.selectors import recipient_outcomes
from tests.subscribers.commands import run_command

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("maillog_reader")]

LOG = """\
2026-11-20T10:00:00+09:00 smtp1 postfix/smtpd[100]: 4AA1: client=pc[198.51.100.23], sasl_method=PLAIN, sasl_username=taro
2026-11-20T10:00:01+09:00 smtp1 postfix/cleanup[101]: 4AA1: message-id=<run-1@pc.invalid>
2026-11-20T10:00:02+09:00 smtp1 postfix/smtp[102]: 4AA1: to=<real@receiver.example>, relay=mx.receiver.example[192.0.2.30]:25, delay=1, dsn=2.0.0, status=sent (250 2.0.0 Ok)
2026-11-20T10:00:03+09:00 smtp1 postfix/smtp[102]: 4AA1: to=<xk2j@receiver.example>, relay=mx.receiver.example[192.0.2.30]:25, delay=1, dsn=5.1.1, status=bounced (host mx.receiver.example[192.0.2.30] said: 550 5.1.1 <xk2j@receiver.example>: Recipient address rejected: User unknown (in reply to RCPT TO command))
2026-11-20T10:00:03+09:00 smtp1 postfix/smtp[102]: 4AA1: to=<qq9@other.example>, relay=mx.other.example[192.0.2.31]:25, delay=1, dsn=5.0.0, status=bounced (host mx.other.example[192.0.2.31] said: 550 No such user here (in reply to RCPT TO command))
2026-11-20T10:00:04+09:00 smtp1 postfix/smtp[102]: 4AA1: to=<full@other.example>, relay=mx.other.example[192.0.2.31]:25, delay=1, dsn=5.2.2, status=bounced (host mx.other.example[192.0.2.31] said: 552 5.2.2 Mailbox full)
2026-11-20T10:00:05+09:00 smtp1 postfix/smtpd[100]: NOQUEUE: reject: RCPT from pc[198.51.100.23]: 550 5.1.1 <nobody@isp.example.jp>: Recipient address rejected: User unknown in virtual mailbox table; from=<a@b.example> to=<nobody@isp.example.jp> proto=ESMTP helo=<pc>
2026-11-20T10:00:06+09:00 mx1 postfix/smtp[200]: 9ZZ9: to=<x@y.example>, relay=none, dsn=5.1.1, status=bounced (User unknown)
2026-11-20T10:00:07+09:00 smtp1 postfix/smtpd[100]: NOQUEUE: reject: RCPT from nowhere: 550 bad
"""


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "mail.log"
    path.write_text(LOG)
    return path


def test_recipients_of_submitted_mail_and_refused_rcpts_are_imported(log):
    output = run_command("import_maillog", log)

    rows = MailLogEntry.objects.filter(kind=MailLogKind.RECIPIENT).order_by("at", "recipient")
    got = [(r.login, r.client_ip, r.recipient, r.outcome, r.unknown_recipient) for r in rows]
    assert got == [
        ("taro", "198.51.100.23", "real@receiver.example", "sent", False),
        ("taro", "198.51.100.23", "qq9@other.example", "bounced", True),
        ("taro", "198.51.100.23", "xk2j@receiver.example", "bounced", True),
        ("taro", "198.51.100.23", "full@other.example", "bounced", False),  # exists, but full
        ("", "198.51.100.23", "nobody@isp.example.jp", "rejected", True),
    ]
    # Inbound mail (no submission of ours) is not a customer's; a broken reject is refused.
    assert not MailLogEntry.objects.filter(recipient="x@y.example").exists()
    assert "NOQUEUE reject line without" in output.out + output.err


def test_a_second_import_adds_nothing(log):
    run_command("import_maillog", log)
    count = MailLogEntry.objects.count()
    run_command("import_maillog", log)
    assert MailLogEntry.objects.count() == count


def test_unknown_recipients_are_counted_per_login_and_per_client_address(log):
    run_command("import_maillog", log)
    at = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    window = {"since": at - timedelta(hours=1), "until": at + timedelta(hours=1)}

    unknown, total, ids = recipient_outcomes(login="taro", **window)
    assert (unknown, total, len(ids)) == (2, 4, 2)
    assert recipient_outcomes(client_ip="198.51.100.23", **window)[:2] == (3, 5)
    assert recipient_outcomes(login="hanako", **window) == (0, 0, [])
