"""XARF JSON with wrong types is rejected with the field named (xarf-core.json is the reference)."""

from __future__ import annotations

import json

import pytest

from complaints.parsing import parse_report

VALID = {
    "xarf_version": "4.0.0",
    "report_id": "0b4c9a4e-2f3d-4a51-9d7e-6c1e2b3a4f50",
    "timestamp": "2026-11-20T10:00:00Z",
    "reporter": {"org": "Trap", "contact": "t@trap.example", "domain": "trap.example"},
    "source_identifier": "203.0.113.21",
    "source_port": 25,
    "category": "messaging",
    "type": "spam",
}


def _parse(**changes):
    return parse_report(json.dumps({**VALID, **changes}).encode(), content_type="application/json")


def test_a_valid_report_is_accepted():
    report = _parse()

    assert report.parse_error is None
    assert (report.source_ip, report.source_basis, report.message_kind) == ("203.0.113.21", "field", "machine_report")


@pytest.mark.parametrize(
    "changes,reason",
    [
        ({"xarf_version": 4}, "xarf_version must be a string, not an integer"),
        ({"xarf_version": 4.0}, "xarf_version must be a string, not a number"),
        ({"xarf_version": "4"}, "xarf_version must look like 4.x.y"),
        ({"source_port": "25"}, "source_port must be an integer, not a string"),
        ({"source_port": True}, "source_port must be an integer, not a boolean"),
        ({"source_port": 70000}, "source_port must be between 1 and 65535"),
        ({"reporter": "t@trap.example"}, "reporter must be an object, not a string"),
        ({"reporter": {"org": 5, "contact": "t@trap.example", "domain": "trap.example"}}, "reporter.org must be a string"),
        ({"source_identifier": ["203.0.113.21"]}, "source_identifier must be a string, not an array"),
        ({"timestamp": 1763632800}, "timestamp must be a string, not an integer"),
        ({"evidence": {"payload": "x"}}, "evidence must be an array, not an object"),
        ({"evidence": [{"content_type": "message/rfc822", "payload": 7}]}, "evidence[0].payload must be a string"),
        ({"tags": ["a:b", 3]}, "tags must be an array of strings"),
        ({"confidence": "high"}, "confidence must be a number, not a string"),
    ],
)
def test_wrong_types_are_rejected_with_the_field_named(changes, reason):
    report = _parse(**changes)

    assert report.parse_error and reason in report.parse_error
    assert "parser failure" not in report.parse_error
