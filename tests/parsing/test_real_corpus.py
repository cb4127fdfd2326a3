"""The real-world corpus (tests/fixtures/real/): every sample parses, and the origin is right.

The ground truth in MANIFEST.tsv was established by reading each sample (see the README
there), never by running this parser. The origin score on the samples whose origin is
determinable gates the suite at 97%; occurred time and URLs are measured and reported
but do not gate. A per-class table (message kind x format) is printed in the terminal
summary, so a plain `pytest tests/parsing/test_real_corpus.py` shows where the parser
stands.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import ipaddress
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from complaints.parsing import parse_report

from .manifest import LOCAL_FIXTURES, SHARED_FIXTURES, manifest_instant

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
GATE = 0.97
# Issue 9 asks for 200 samples; 202 were found in two passes (see the README there), but
# eight sisimai ones came from a commit upstream later withdrew as mail it does not own:
# its licence does not cover them, so they were removed and 12 licensed ones added (206).
# The floor keeps the corpus from shrinking unnoticed.
MIN_SAMPLES = 206
KINDS = ("spam", "machine_report", "complaint")
FORMATS = (
    "raw-spam",
    "arf",
    "xarf-0.2",
    "xarf-4-json",
    "xarf-3-json",
    "spamcop",
    "dmarc-forensic",
    "jmrp",
    "trap-feed",
    "human-complaint",
    "other",
)
BASES = ("field", "walked", "stated")


@dataclass(frozen=True)
class Sample:
    local_path: str
    sha256: str
    message_kind: str
    format: str
    origin_ip: str
    origin_basis: str
    incident_time: str
    urls: str
    authenticated: str
    determinable: bool
    known_miss: str

    @property
    def path(self) -> Path:
        return REAL / self.local_path

    @property
    def klass(self) -> str:
        return f"{self.message_kind}/{self.format}"


def load() -> list[Sample]:
    with open(REAL / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        return [
            Sample(
                r["local_path"],
                r["sha256"],
                r["message_kind"],
                r["format"],
                r["origin_ip"],
                r["origin_basis"],
                r["incident_time"],
                r["urls"],
                r["authenticated"],
                r["determinable"] == "yes",
                r["known_miss"],
            )
            for r in csv.DictReader(handle, delimiter="\t")
        ]


SAMPLES = load()


def _parse(sample: Sample):
    content_type = "application/json" if sample.local_path.endswith(".json") else "message/rfc822"
    return parse_report(sample.path.read_bytes(), content_type=content_type)


def _ip(text: str | None) -> str | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return text.strip()
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def _non_routable(text: str | None) -> bool:
    """Private, loopback, link-local, shared CGN, multicast, unspecified or reserved.

    Documentation ranges (RFC 5737, RFC 3849) are *not* counted: the anonymised samples
    use them as stand-ins for real public addresses, as the RFC examples do.
    """
    try:
        address = ipaddress.ip_address(text or "")
    except ValueError:
        return False
    address = getattr(address, "ipv4_mapped", None) or address
    return (
        address.is_private
        and not _is_documentation(address)
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or address in ipaddress.ip_network("100.64.0.0/10")
    )


_DOC_NETS = [
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
]


def _is_documentation(address) -> bool:
    return any(address in net for net in _DOC_NETS if net.version == address.version)


def _instant(text: str) -> datetime | None:
    """The manifest's time as an instant, or None when it has no zone to pin it."""
    try:
        return manifest_instant(text)
    except (ValueError, TypeError, IndexError):
        pass
    match = re.match(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$", text.strip())
    if not match or not match.group(3):
        return None
    return datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}{match.group(3).replace('Z', '+00:00')}").astimezone(UTC)


def _host(url: str) -> str:
    """The host of a manifest URL; a bare `www.example.com` counts as a host too."""
    url = url.strip()
    return (urlsplit(url if "://" in url or url.startswith("mailto:") else f"//{url}").hostname or "").lower()


@dataclass
class Tally:
    total: int = 0
    origin_scored: int = 0
    origin_hits: int = 0
    unknown_rows: int = 0
    unknown_named: int = 0
    non_routable: int = 0
    time_scored: int = 0
    time_hits: int = 0
    url_scored: int = 0
    url_hits: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in (
            "total",
            "origin_scored",
            "origin_hits",
            "unknown_rows",
            "unknown_named",
            "non_routable",
            "time_scored",
            "time_hits",
            "url_scored",
            "url_hits",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses


def _score(sample: Sample) -> Tally:
    report = _parse(sample)
    tally = Tally(total=1)
    got = _ip(report.source_ip)
    if _non_routable(got):
        tally.non_routable = 1
    if sample.determinable:
        tally.origin_scored = 1
        wanted = {_ip(v) for v in sample.origin_ip.split(";")}
        if got in wanted:
            tally.origin_hits = 1
        else:
            reason = f" [known: {sample.known_miss}]" if sample.known_miss else ""
            tally.misses.append(f"{sample.local_path}: want {sample.origin_ip}, got {got}{reason}")
    else:
        tally.unknown_rows = 1
        tally.unknown_named = int(got is not None)
    wanted_time = _instant(sample.incident_time) if sample.incident_time != "unknown" else None
    if wanted_time is not None:
        tally.time_scored = 1
        tally.time_hits = int(report.occurred_at == wanted_time)
    if sample.urls not in ("unknown", "none"):
        hosts = {_host(u) for u in sample.urls.split(";")} - {""}
        if hosts:
            tally.url_scored = 1
            found = {h.lower() for h in report.url_hosts}
            tally.url_hits = int(bool(hosts & found))
    return tally


@functools.cache
def scores() -> tuple[dict[str, Tally], Tally]:
    per_class: dict[str, Tally] = defaultdict(Tally)
    for sample in SAMPLES:
        per_class[sample.klass].add(_score(sample))
    overall = Tally()
    for tally in per_class.values():
        overall.add(tally)
    return dict(sorted(per_class.items())), overall


def _pct(hits: int, scored: int) -> str:
    return f"{hits:>3}/{scored:<3} {100 * hits / scored:5.1f}%" if scored else "      -      "


def score_table() -> list[str]:
    per_class, overall = scores()
    lines = [
        f"real-world corpus: {overall.total} samples, origin gate {GATE:.0%} on samples with a determinable origin",
        f"{'class (kind/format)':34} {'n':>4}  {'origin':14} {'time':14} {'urls':14} {'unk->ip':>7} {'nonrt':>5}",
    ]
    for name, t in [*per_class.items(), ("ALL", overall)]:
        lines.append(
            f"{name:34} {t.total:>4}  {_pct(t.origin_hits, t.origin_scored):14} {_pct(t.time_hits, t.time_scored):14} "
            f"{_pct(t.url_hits, t.url_scored):14} {t.unknown_named:>3}/{t.unknown_rows:<3} {t.non_routable:>5}"
        )
    lines.append("unk->ip: samples with no determinable origin where the parser still named an address;")
    lines.append("nonrt: parser origins that are non-routable (private, loopback, link-local, CGN, ...).")
    if overall.misses:
        lines.append(f"origin misses ({len(overall.misses)}):")
        lines += [f"  {miss}" for miss in overall.misses]
    return lines


class _Summary:
    """Prints the score table once, in the terminal summary."""

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.section("real-world corpus scores")
        for line in score_table():
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def summary(request):
    manager = request.config.pluginmanager
    if not manager.has_plugin("real-corpus-summary"):
        manager.register(_Summary(), "real-corpus-summary")


# --- the manifest itself -------------------------------------------------------------


def test_manifest_rows_are_well_formed():
    assert len(SAMPLES) >= MIN_SAMPLES
    for s in SAMPLES:
        assert s.message_kind in KINDS, s.local_path
        assert s.format in FORMATS, s.local_path
        assert s.origin_basis in BASES, s.local_path
        assert s.authenticated in ("yes", "no", "unknown"), s.local_path
        assert (s.origin_ip == "unknown") is (not s.determinable), s.local_path
        for ip in s.origin_ip.split(";") if s.determinable else ():
            ipaddress.ip_address(ip)  # a determinable origin is an address
            assert not _non_routable(ip), f"{s.local_path}: non-routable origin {ip}"


def test_every_file_has_one_row_and_its_checksum():
    files = {
        str(p.relative_to(REAL)) for p in REAL.rglob("*") if p.is_file() and p.name not in ("MANIFEST.tsv", "README.md")
    }
    rows = [s.local_path for s in SAMPLES]
    assert len(rows) == len(set(rows))
    assert files == set(rows)
    for s in SAMPLES:
        assert hashlib.sha256(s.path.read_bytes()).hexdigest() == s.sha256, s.local_path


def test_no_sample_repeats_the_report_fixtures():
    """tests/fixtures/reports/ and ../shared/fixtures/reports/ are a separate check."""
    ours = {s.sha256 for s in SAMPLES}
    assert len(ours) == len(SAMPLES)
    for folder in (LOCAL_FIXTURES, SHARED_FIXTURES):
        if folder.exists():
            for p in folder.rglob("*"):
                if p.is_file() and p.name not in ("MANIFEST.tsv", "README.md", "SHA256SUMS"):
                    assert hashlib.sha256(p.read_bytes()).hexdigest() not in ours, p


# --- the parser on every sample --------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.local_path for s in SAMPLES])
def test_sample_parses_without_failure(sample: Sample):
    report = _parse(sample)

    assert report.to_dict(include_content=False)  # serialisable facts, always
    assert "parser failure" not in (report.parse_error or ""), report.parse_error


def test_origin_score_on_determinable_samples(summary):
    per_class, overall = scores()

    assert overall.origin_scored >= 100
    assert overall.origin_hits / overall.origin_scored >= GATE, "\n".join(score_table())


def test_score_table_is_reported(summary, capsys):
    lines = score_table()

    print("\n".join(lines))  # shown with -rA as well as in the terminal summary
    assert lines[-1]
    assert any(line.startswith("ALL") for line in lines)
