import shutil

import pytest
from django.core.management.base import CommandError

from subscribers.models import Account, AddressBlock, HostedName, Subscriber
from tests.subscribers.commands import DATA, run_command

pytestmark = pytest.mark.django_db


def test_it_imports_subscribers_accounts_and_blocks():
    output = run_command("import_inventory", DATA / "inventory")
    assert output.err == ""
    assert "subscribers.csv: read 5, created 5, updated 0, unchanged 0, rejected 0" in output.out
    assert "accounts.csv: read 7, created 7, updated 0, unchanged 0, rejected 0" in output.out
    assert "netblocks.csv: read 11, created 11, updated 0, unchanged 0, rejected 0" in output.out
    assert Subscriber.objects.get(subscriber_id="S-2001").name == "株式会社サンプル商事"
    assert Account.objects.get(account_id="C-1001").subscriber.subscriber_id == "S-1001"
    static = AddressBlock.objects.get(prefix="198.51.100.64/29")
    assert (static.kind, static.account.account_id, static.prefix_len, static.family) == (
        "static",
        "C-2001",
        125,
        4,
    )


def test_hosting_identifiers_become_hosted_names():
    run_command("import_inventory", DATA / "inventory")
    names = set(HostedName.objects.filter(account__account_id="H-2001").values_list("name", flat=True))
    assert names == {"sample-shoji.example.jp", "shop.sample-shoji.example.jp", "203.0.113.80"}


def test_re_import_is_unchanged():
    run_command("import_inventory", DATA / "inventory")
    output = run_command("import_inventory", DATA / "inventory")
    assert "subscribers.csv: read 5, created 0, updated 0, unchanged 5, rejected 0" in output.out
    assert "netblocks.csv: read 11, created 0, updated 0, unchanged 11, rejected 0" in output.out
    assert Subscriber.objects.count() == 5


def test_a_changed_row_is_updated(tmp_path):
    run_command("import_inventory", DATA / "inventory")
    (tmp_path / "subscribers.csv").write_text(
        "subscriber_id,name,email,kind,status\n"
        "S-1003,鈴木 一郎,ichiro.suzuki@example.jp,individual,terminated\n",
        encoding="utf-8",
    )
    output = run_command("import_inventory", tmp_path)
    assert "read 1, created 0, updated 1, unchanged 0, rejected 0" in output.out
    assert "accounts.csv: note: not found; skipped" in output.out
    assert Subscriber.objects.get(subscriber_id="S-1003").status == "terminated"


def test_bad_rows_are_rejected_with_file_line_and_reason():
    output = run_command("import_inventory", DATA / "inventory_bad")
    err = output.err.replace(str(DATA / "inventory_bad") + "/", "")
    assert "subscribers.csv:3: email 'not-an-address' is not an e-mail address" in err
    assert "subscribers.csv:4: kind 'alien' is not one of individual, business" in err
    assert "subscribers.csv:5: subscriber_id is empty" in err
    assert "subscribers.csv:6: expected 5 fields, found 4" in err
    assert "accounts.csv:3: unknown subscriber_id 'S-9999'" in err
    assert "accounts.csv:4: connection identifier 'c3001@flets' already belongs to account C-3001" in err
    assert "accounts.csv:5: hosted name 'bad_name!.example.jp' is not a domain name or address" in err
    assert "accounts.csv:6: status 'gone' is not one of active, suspended, closed" in err
    assert "netblocks.csv:3: '198.51.100.1/24' has host bits set (did you mean 198.51.100.0/24?)" in err
    assert "netblocks.csv:4: 'garbage' is not a prefix" in err
    assert "netblocks.csv:5: unknown account_id 'C-9999' in assigned_to" in err
    assert "netblocks.csv:6: a static block needs assigned_to" in err
    assert "netblocks.csv:7: a sub_allocation block needs sub_allocated_to" in err
    assert "netblocks.csv:8: kind 'frobnicated' is not one of" in err
    assert "netblocks.csv:9: assigned_to is only for static and hosting blocks, not dynamic" in err
    assert "subscribers.csv: read 5, created 1, updated 0, unchanged 0, rejected 4" in output.out
    assert "accounts.csv: read 5, created 1, updated 0, unchanged 0, rejected 4" in output.out
    assert "netblocks.csv: read 8, created 1, updated 0, unchanged 0, rejected 7" in output.out


def test_a_missing_directory_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="is not a directory"):
        run_command("import_inventory", tmp_path / "nope")


def test_a_directory_without_any_of_the_files_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="holds none of subscribers.csv, accounts.csv, netblocks.csv"):
        run_command("import_inventory", tmp_path)


def test_a_bad_header_is_a_command_error(tmp_path):
    (tmp_path / "subscribers.csv").write_text("id,name\nS-1,x\n", encoding="utf-8")
    with pytest.raises(
        CommandError, match="header must be subscriber_id,name,email,kind,status, found id,name"
    ):
        run_command("import_inventory", tmp_path)


def test_the_rejected_listing_is_capped(tmp_path):
    shutil.copy(DATA / "inventory" / "subscribers.csv", tmp_path)
    rows = "".join(f"C-{n},S-9999,connection,c{n}@flets,active\n" for n in range(60))
    (tmp_path / "accounts.csv").write_text("account_id,subscriber_id,kind,identifier,status\n" + rows)
    output = run_command("import_inventory", tmp_path)
    assert output.err.count("unknown subscriber_id") == 50
    assert "... and 10 more rejected lines" in output.err
    assert "accounts.csv: read 60, created 0, updated 0, unchanged 0, rejected 60" in output.out


def test_every_import_run_is_in_the_audit_trail(tmp_path):
    """Which files (by digest), who ran it and what it did: the inventory and traffic logs
    are what attribution reads, so a run is an audited change like an edit in the admin."""
    import hashlib

    from abusedesk.models import AuditEntry

    run_command("import_inventory", DATA / "inventory")
    entry = AuditEntry.objects.get(action="import.inventory")
    assert entry.actor is None and entry.actor_name == "command:import_inventory"
    assert entry.reason.startswith("import_inventory run by ")
    digests = {f["path"].rsplit("/", 1)[-1]: f["sha256"] for f in entry.data["files"]}
    assert digests["accounts.csv"] == hashlib.sha256((DATA / "inventory" / "accounts.csv").read_bytes()).hexdigest()
    counts = {k.rsplit("/", 1)[-1]: v for k, v in entry.data["counts"].items()}
    assert counts["netblocks.csv"]["created"] == 11

    (tmp_path / "accounts.csv").write_text(
        "account_id,subscriber_id,kind,identifier,status\nC-9999,S-NOPE,connection,,active\n", encoding="utf-8"
    )
    run_command("import_inventory", tmp_path)
    second = AuditEntry.objects.filter(action="import.inventory").latest("id")
    assert second.data["rejected"] and "S-NOPE" in second.data["rejected"][0]


@pytest.mark.parametrize(
    ("command", "name", "text"),
    [
        ("import_sessions", "sessions.csv", "account_id,ip,start,stop\nC-1,not-an-address,x,\n"),
        ("import_natlog", "nat.csv", "address,port_start,port_end,start,stop,account_id\n1.2.3.4,a,b,c,,C-1\n"),
        ("import_maillog", "mail.log", "2026-11-20T10:00:00+09:00 mx postfix/smtpd[1]: noise\n"),
    ],
)
def test_traffic_log_imports_are_audited_too(tmp_path, command, name, text):
    from abusedesk.models import AuditEntry

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    try:
        run_command(command, path)
    except CommandError:
        pass  # a file refused as a whole is recorded as well
    entry = AuditEntry.objects.get(action=f"import.{command.removeprefix('import_')}")
    assert entry.data["files"][0]["size"] == len(text.encode())
    assert entry.actor_name == f"command:{command}"


def test_a_missing_directory_is_one_line_and_recorded():
    from abusedesk.models import AuditEntry

    with pytest.raises(CommandError, match="not a directory"):
        run_command("import_inventory", "/nonexistent/inventory")
    assert AuditEntry.objects.get(action="import.inventory").data["failed"]


SPREADSHEET = "subscriber_id,name,email,kind,status\r\nS-1,Sato,sato@example.jp,individual,active\r\n"


def test_a_japanese_spreadsheets_export_is_refused_at_its_first_bad_line_and_imported_with_its_encoding(
    tmp_path,
):
    """Excel on a Japanese Windows saves CSV as CP932. The third line holds the first
    Japanese name; the error names that line (not the header, where a text stream's
    read-ahead failed) and says how to import it."""
    (tmp_path / "subscribers.csv").write_bytes(
        (SPREADSHEET + "S-2,山田太郎,taro@example.jp,individual,active\r\n").encode("cp932")
    )
    with pytest.raises(CommandError, match=r"subscribers.csv: line 3 is not UTF-8 .*--encoding cp932"):
        run_command("import_inventory", tmp_path)
    assert not Subscriber.objects.exists()

    run_command("import_inventory", tmp_path, encoding="cp932")
    assert Subscriber.objects.get(subscriber_id="S-2").name == "山田太郎"


def test_a_byte_order_mark_is_no_part_of_the_header_and_an_unknown_encoding_is_one_line(tmp_path):
    (tmp_path / "subscribers.csv").write_bytes(("\ufeff" + SPREADSHEET).encode("utf-8"))
    run_command("import_inventory", tmp_path)
    assert Subscriber.objects.get(subscriber_id="S-1").name == "Sato"
    with pytest.raises(CommandError, match="unknown encoding 'sjis-x'"):
        run_command("import_inventory", tmp_path, encoding="sjis-x")


def test_a_character_cut_off_by_the_end_of_the_file_names_the_last_line(tmp_path):
    (tmp_path / "subscribers.csv").write_bytes(SPREADSHEET.encode() + "S-2,山".encode()[:-1])
    with pytest.raises(CommandError, match="line 3 is not UTF-8"):
        run_command("import_inventory", tmp_path)
