"""Issue 10, "Bad input": property tests on every importer, through its command.

Real files (the importers' own test data, a built mailbox) are mutated at random:
junk lines, flipped and truncated bytes, NUL, CR/LF, control and non-ASCII characters,
lines swapped between formats. Whatever comes in, a command either finishes or stops
with one CommandError line; it never raises anything else, and every line it rejects
is named with its file, line number and a reason.
"""

from __future__ import annotations

import io
import mailbox
import random
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.complaints.samples import complaint, spam

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent.parent / "subscribers" / "data"
EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
JUNK = st.one_of(
    st.text(max_size=120),
    st.binary(max_size=120).map(lambda b: b.decode("latin-1")),
    st.sampled_from(
        [
            "",
            "\x00",
            ",,,,",
            '"unterminated,quote',
            "account_id,ip,start,stop",
            "C-1,fe80::1%eth0,2026-11-20T09:00:00+09:00,",
            "C-1,61.114.5.70,0001-01-01T00:00:00Z,9999-12-31T23:59:59+14:00",
            "C-1,61.114.5.70,2026-11-20T09:00:00,2026-11-20T08:00:00+09:00",
            "Fri Nov 20 09:00:00 2026",
            "\tAcct-Status-Type = Start",
            '\tEvent-Timestamp = "Nov 20 2026 09:00:00 XYZ"',
            "\tFramed-IP-Address = 999.1.1.1",
            "Nov 31 25:61:61 mail2 postfix/submission/smtpd[1]: X: client=a[1.2.3.4], sasl_username=\x00",
            "2026-11-20T10:16:38+09:00 mail1 dovecot: imap-login: Login: user=<>, rip=fe80::1%eth0",
            "2026-11-20T10:16:38+99:00 mail1 postfix/smtp[1]: A: to=<a@b>, status=bounced",
            "x" * 5000,
        ]
    ),
)
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "replace", "flip", "truncate", "duplicate", "crlf", "nul", "swap"]),
        st.integers(min_value=0, max_value=2**16),
        JUNK,
    ),
    max_size=6,
)
REJECTED_LINE = re.compile(r"^.+:\d+: \S.*$|^\.\.\. and \d+ more (rejected lines|notes)$")


def mutate(lines: list[str], operations) -> list[str]:
    lines = list(lines)
    for kind, n, junk in operations:
        i = n % (len(lines) + 1)
        if kind == "insert" or not lines:
            lines.insert(i, junk)
            continue
        i = min(i, len(lines) - 1)
        line = lines[i]
        if kind == "replace":
            lines[i] = junk
        elif kind == "flip" and line:
            j = n % len(line)
            lines[i] = line[:j] + chr((ord(line[j]) ^ (1 + n % 127)) or 1) + line[j + 1 :]
        elif kind == "truncate":
            lines[i] = line[: n % (len(line) + 1)]
        elif kind == "duplicate":
            lines.insert(i, line)
        elif kind == "crlf":
            lines[i] = line + "\r"
        elif kind == "nul":
            lines[i] = line[: n % (len(line) + 1)] + "\x00" + line[n % (len(line) + 1) :]
        elif kind == "swap":
            j = n % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
    return lines


def run(name: str, *args, **options) -> tuple[str, str]:
    """Run a command as an operator does; CommandError is the one allowed failure."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *[str(a) for a in args], stdout=out, stderr=err, **options)
    except CommandError as exc:
        message = str(exc)
        assert message and "\n" not in message.strip(), message
        assert "Traceback" not in message
        out.write(message)
    return out.getvalue(), err.getvalue()


def assert_rejections_have_reasons(err: str) -> None:
    for line in err.splitlines():
        assert REJECTED_LINE.match(line), f"a rejected line without file, number or reason: {line!r}"


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n".join(lines).encode(encoding, "surrogatepass"))
    return path


def _workdir():
    return Path(tempfile.mkdtemp(prefix="badinput-"))


@EXAMPLES
@given(OPERATIONS)
def test_import_sessions_csv_never_fails_unexpectedly(operations):
    work = _workdir()
    try:
        lines = (DATA / "sessions.csv").read_text().splitlines()
        out, err = run("import_sessions", _write(work / "sessions.csv", mutate(lines, operations)))
        assert_rejections_have_reasons(err)
    finally:
        shutil.rmtree(work)


@EXAMPLES
@given(OPERATIONS)
def test_import_sessions_radius_never_fails_unexpectedly(operations):
    work = _workdir()
    try:
        lines = (DATA / "radius-detail-20261120").read_text().splitlines()
        path = _write(work / "detail", mutate(lines, operations))
        run("import_sessions", path, format="radius")
        _, err = run("import_sessions", path)  # detected from the content
        assert_rejections_have_reasons(err)
    finally:
        shutil.rmtree(work)


@EXAMPLES
@given(st.sampled_from(["maillog-rfc3339.log", "maillog-traditional.log"]), OPERATIONS)
def test_import_maillog_never_fails_unexpectedly(name, operations):
    work = _workdir()
    try:
        lines = (DATA / name).read_text().splitlines()
        path = _write(work / name, mutate(lines, operations))
        _, err = run("import_maillog", path, year=2026, tz="Asia/Tokyo")
        assert_rejections_have_reasons(err)
    finally:
        shutil.rmtree(work)


@EXAMPLES
@given(st.sampled_from(["subscribers.csv", "accounts.csv", "netblocks.csv"]), OPERATIONS)
def test_import_inventory_never_fails_unexpectedly(name, operations):
    work = _workdir()
    try:
        shutil.copytree(DATA / "inventory", work / "inventory")
        target = work / "inventory" / name
        _write(target, mutate(target.read_text().splitlines(), operations))
        _, err = run("import_inventory", work / "inventory")
        assert_rejections_have_reasons(err)
    finally:
        shutil.rmtree(work)


def test_an_unclosed_quote_in_the_header_is_one_line_of_error():
    # The reader takes the lines after an unclosed quote into the "header" it reports.
    work = _workdir()
    try:
        shutil.copytree(DATA / "inventory", work / "inventory")
        target = work / "inventory" / "subscribers.csv"
        lines = target.read_text().splitlines()
        _write(target, [lines[0].replace(",status", ',"status')] + lines[1:])
        out, _ = run("import_inventory", work / "inventory")
        assert "header must be subscriber_id,name,email,kind,status" in out
    finally:
        shutil.rmtree(work)


AT = datetime(2026, 11, 20, 5, 30, 5, tzinfo=UTC)
HEADER_JUNK = st.one_of(
    st.binary(max_size=80),
    st.sampled_from(
        [
            b"=?utf-8?q?a=0D=0ABcc:_x@evil.example?=",
            "激安".encode("shift_jis"),
            "激安".encode("euc_jp"),
            b"\x1b$B7c0B\x1b(B",
            b"a\x00b",
            b"=?x-unknown?b?////?=",
            b"=?utf-8?b?" + b"A" * 3000 + b"?=",
        ]
    ),
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Subject", "From", "To", "Received", "Date", "Content-Type"]), HEADER_JUNK
        ),
        max_size=4,
    ),
    st.booleans(),
    st.binary(max_size=300),
)
def test_import_mailbox_imports_every_message_or_names_the_one_it_could_not(headers, wrapped, body):
    from complaints.models import Report

    work = _workdir()
    try:
        before = Report.objects.count()
        box = mailbox.mbox(str(work / "abuse.mbox"))
        seed = random.Random(repr((headers, wrapped, body))).randrange(10**9)
        raws = []
        for n in range(3):
            raw = spam(at=AT, message_id=f"<p{seed}-{n}@pc.invalid>")
            head, _, rest = raw.partition(b"\n\n")
            extra = b"".join(
                name.encode() + b": " + value.replace(b"\n", b" ") + b"\n" for name, value in headers
            )
            raw = head + b"\n" + extra + b"\n" + rest + body + str(seed).encode()
            if wrapped:
                raw = complaint(reporter=f"r{n}@receiver.example", attached=raw)
            raws.append(raw)
            box.add(raw)
        box.flush()
        box.close()
        out, err = run("import_mailbox", work / "abuse.mbox", "--no-ack")
        for line in err.splitlines():
            assert re.match(r"^message \d+: not imported: \S", line), line
        failed = len(err.splitlines())
        counts = re.search(r"read (\d+), created (\d+), already stored (\d+)", out)
        assert counts, out
        read, created, stored = (int(g) for g in counts.groups())
        assert read == 3 and created + stored + failed == 3, (out, err)
        assert Report.objects.count() - before == created
        assert "\x00" not in "".join(Report.objects.values_list("subject", flat=True))
    finally:
        shutil.rmtree(work)
