"""The commands: export and import signed files, keys, participants, the screening client."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from abusedesk.choices import TokenScope
from abusedesk.models import ApiToken, AuditEntry
from screening.models import ExchangeParticipant, ReceivedEntry
from screening.signing import public_key_text

from .conftest import applicant, make_subscriber, terminate
from .test_exchange import peer_bundle

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def out(*args) -> list[str]:
    from io import StringIO

    buffer = StringIO()
    call_command(*args, stdout=buffer)
    return buffer.getvalue().splitlines()


def test_export_writes_a_signed_file_and_import_reads_a_peer_file(exchange, peer, tmp_path):
    terminate(make_subscriber())
    path = tmp_path / "ours.json"
    assert "1 entries, 0 withdrawals" in out("exchange_export", str(path))[0]
    assert json.loads(path.read_text())["signer"] == "jp.our-isp"
    theirs = tmp_path / "theirs.json"
    theirs.write_bytes(peer_bundle(peer, [applicant()]))
    assert out("exchange_import", str(theirs)) == [
        f"imported {theirs} from jp.peer-isp: added 1, updated 0, withdrawn 0, expired 0, unknown_key 0, already_withdrawn 0"
    ]
    assert ReceivedEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"garbage", "invalid JSON"), (None, "does not verify"), (b'{"format": "x"}', "not a signed bundle")],
)
def test_import_refuses_a_bad_file_with_one_line(exchange, peer, tmp_path, content, message):
    path = tmp_path / "bad.json"
    if content is None:
        raw = peer_bundle(peer, [applicant()])
        envelope = json.loads(raw)
        envelope["payload"] = envelope["payload"].replace("spam_termination", "spam_terminatio2")
        content = json.dumps(envelope).encode()
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as exc:
        call_command("exchange_import", str(path))
    assert "\n" not in str(exc.value)
    assert not ReceivedEntry.objects.exists()


def test_import_of_a_bad_file_exits_non_zero_with_one_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{}")
    result = subprocess.run(
        [sys.executable, "manage.py", "exchange_import", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "not a signed bundle" in result.stderr


def test_export_without_configuration_says_what_to_set(tmp_path):
    with pytest.raises(CommandError, match="ABUSEDESK_EXCHANGE_ISP_ID"):
        call_command("exchange_export", str(tmp_path / "x.json"))


def test_keys_and_participant_registration(exchange, partner, our_key):
    lines = out("exchange_keys", "--new-signing-key")
    assert lines[0].startswith("ABUSEDESK_EXCHANGE_SIGNING_KEY=")
    public = lines[1].rsplit(" ", 1)[1]
    assert out("exchange_keys", "--new-hash-key", "k2027")[0].startswith("k2027:")
    assert out("exchange_keys", "--public") == [public_key_text(our_key)]
    out(
        "exchange_participant",
        "jp.new-isp",
        "--name",
        "New ISP",
        f"--public-key={public}",  # a key may begin with "-" (URL-safe base64)
        "--user",
        partner[0].user.username,
    )
    assert ExchangeParticipant.objects.get(isp_id="jp.new-isp").user == partner[0].user
    with pytest.raises(CommandError, match="32 bytes"):
        call_command("exchange_participant", "jp.bad", "--public-key", "AAAA")
    with pytest.raises(CommandError, match="already exists"):
        call_command("exchange_participant", "jp.new-isp", f"--public-key={public}")


def test_create_screening_client_prints_a_screening_only_key():
    lines = out("create_screening_client", "signup-web")
    key = lines[-1]
    token = ApiToken.objects.get(prefix=key[:10])
    assert token.scope == TokenScope.SCREENING and token.user.username == "screening:signup-web"
    assert not token.user.has_usable_password()
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_screening_client", "signup-web")


def test_a_participant_is_deactivated_by_the_command_with_a_reason_on_the_record(exchange, peer):
    with pytest.raises(CommandError, match="Say why"):
        call_command("exchange_participant", "jp.peer-isp", "--deactivate")
    assert ExchangeParticipant.objects.get(isp_id="jp.peer-isp").active

    assert out("exchange_participant", "jp.peer-isp", "--deactivate", "--reason", "left the exchange") == [
        "jp.peer-isp inactive"
    ]

    assert not ExchangeParticipant.objects.get(isp_id="jp.peer-isp").active
    entry = AuditEntry.objects.get(action="screening.participant.deactivated")
    assert entry.reason == "left the exchange"
