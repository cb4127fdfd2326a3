"""Fixture manifest loading and an independent reading of its ground-truth values."""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOCAL_FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "reports"
# GPL and Perl-licensed samples stay outside the repository, next to the project.
# A checkout elsewhere (a worktree) names the folder with ABUSEDESK_SHARED_FIXTURES.
SHARED_FIXTURES = Path(
    os.environ.get("ABUSEDESK_SHARED_FIXTURES") or PROJECT_ROOT.parent / "shared" / "fixtures" / "reports"
)

_ZONES = {
    "UTC": "+0000",
    "GMT": "+0000",
    "JST": "+0900",
    "EST": "-0500",
    "EDT": "-0400",
    "CST": "-0600",
    "CDT": "-0500",
    "MST": "-0700",
    "MDT": "-0600",
    "PST": "-0800",
    "PDT": "-0700",
}


@dataclass(frozen=True)
class Row:
    folder: Path
    local_path: str
    format: str
    source_ip: str
    incident_time: str
    reporter: str
    urls: str
    authenticated: str
    notes: str

    @property
    def path(self) -> Path:
        return self.folder / self.local_path


def load(folder: Path) -> list[Row]:
    with open(folder / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        return [
            Row(
                folder,
                r["local_path"],
                r["format"],
                r["source_ip"],
                r["incident_time"],
                r["reporter"],
                r["urls"],
                r["authenticated"],
                r["notes"],
            )
            for r in csv.DictReader(handle, delimiter="\t")
        ]


def manifest_instant(text: str) -> datetime:
    """The manifest's time as an instant; a numeric offset beats a zone comment."""
    if re.match(r"^\d{4}-\d{2}-\d{2}T", text):
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    cleaned = re.sub(r"\([^)]*\)", "", text).strip()
    if not re.search(r"[+-]\d{4}$", cleaned):
        zone = cleaned.rsplit(" ", 1)[-1]
        cleaned = cleaned[: -len(zone)].strip() + " " + _ZONES[zone] if zone in _ZONES else cleaned + " +0000"
    parsed = parsedate_to_datetime(cleaned)
    if parsed.tzinfo is None:  # "-0000": UTC with no information about the local zone
        parsed = parsed.replace(tzinfo=timezone(timedelta(0)))
    return parsed.astimezone(UTC)
