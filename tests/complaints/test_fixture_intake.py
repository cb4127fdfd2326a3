"""Every real sample report goes through the API without a 5xx, and its facts match
the manifest's ground truth where the manifest gives it."""

import csv
import ipaddress
from pathlib import Path

import pytest
from django.core.cache import cache

from complaints.parsing.hosts import is_routable_ip
from tests.parsing.manifest import SHARED_FIXTURES
from tests.parsing.test_manifest import XFAIL
from tests.personas import token_client

ROOT = Path(__file__).resolve().parents[2]
COPIED = ROOT / "tests" / "fixtures" / "reports"
SHARED = SHARED_FIXTURES


def _rows():
    rows = {}
    for folder in (SHARED, COPIED):  # the copies win where both exist
        manifest = folder / "MANIFEST.tsv"
        if not manifest.exists():
            continue
        with manifest.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                path = folder / row["local_path"]
                if path.exists():
                    rows[row["local_path"]] = (path, row)
    return sorted(rows.values(), key=lambda item: item[1]["local_path"])


ROWS = _rows()
PARAMS = [
    pytest.param(
        path,
        row,
        id=row["local_path"],
        marks=[pytest.mark.xfail(reason=XFAIL[row["local_path"]], strict=True)]
        if row["local_path"] in XFAIL
        else [],
    )
    for path, row in ROWS
]


def _same_ip(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


@pytest.mark.django_db
@pytest.mark.parametrize("path,row", PARAMS)
def test_fixture_is_ingested_through_the_api(path, row, partner, staff_token):
    cache.clear()
    raw = path.read_bytes()
    content_type = "application/json" if path.suffix == ".json" else "message/rfc822"
    response = token_client(partner[1]).post("/api/v1/reports/", data=raw, content_type=content_type)
    assert response.status_code < 500
    if path.name.startswith("invalid_"):
        assert response.status_code == 400, "the negative samples must be rejected with a reason"
        assert response.json()["fields"]
        return
    assert response.status_code == 201, response.content[:500]
    report = token_client(staff_token).get(f"/api/v1/reports/{response.json()['id']}/").json()
    expected = row["source_ip"]
    if expected not in ("unknown", "") and "/" not in expected:
        candidates = expected.split(";")
        if not any(is_routable_ip(c) for c in candidates):
            # Anonymised into private space: never an origin (see test_manifest.py).
            assert not any(_same_ip(report["source_ip"] or "", c) for c in candidates)
            return
        assert report["source_ip"] and any(_same_ip(report["source_ip"], c) for c in candidates), (
            f"source_ip {report['source_ip']} not in {candidates}"
        )


def test_the_fixtures_are_there():
    assert len(ROWS) >= 30, "the copied fixtures should always be present"
