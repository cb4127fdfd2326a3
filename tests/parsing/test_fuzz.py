"""Property test: arbitrary bytes and mangled fixtures never make the parser raise."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.parsing import ParsedReport, parse_report

from .manifest import LOCAL_FIXTURES

FIXTURES = sorted(p for p in LOCAL_FIXTURES.rglob("*") if p.is_file() and p.name != "MANIFEST.tsv")
CORPUS = [p.read_bytes()[:40_000] for p in FIXTURES]  # big bodies add time, not new paths
_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(raw: bytes, content_type: str | None = None) -> None:
    report = parse_report(raw, content_type=content_type)
    assert isinstance(report, ParsedReport)
    report.to_dict()


@_SETTINGS
@given(st.binary(max_size=2000), st.sampled_from([None, "message/rfc822", "application/json"]))
def test_arbitrary_bytes(raw, content_type):
    _check(raw, content_type)


@_SETTINGS
@given(
    st.sampled_from(CORPUS),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.lists(
        st.sampled_from(["flip", "truncate", "duplicate", "crlf", "cr", "splice", "insert"]), max_size=4
    ),
)
def test_mutated_fixtures(raw, seed, operations):
    rng = random.Random(seed)
    data = bytearray(raw)
    for operation in operations:
        data = _mutate(data, operation, rng)
    _check(bytes(data))


def _mutate(data: bytearray, operation: str, rng: random.Random) -> bytearray:
    if not data:
        return data
    if operation == "flip":
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return data
    if operation == "truncate":
        return data[: rng.randrange(len(data))]
    if operation == "duplicate":  # repeat one header line many times
        lines = bytes(data).split(b"\n")
        head = [i for i, line in enumerate(lines[:80]) if b":" in line] or [0]
        index = rng.choice(head)
        lines[index:index] = [lines[index]] * rng.randint(1, 200)
        return bytearray(b"\n".join(lines))
    if operation == "crlf":
        return bytearray(bytes(data).replace(b"\n", b"\r\n"))
    if operation == "cr":
        return bytearray(bytes(data).replace(b"\n", b"\r"))
    if operation == "splice":  # a piece of another place: broken MIME nesting
        start, end = sorted(rng.randrange(len(data)) for _ in range(2))
        at = rng.randrange(len(data))
        return data[:at] + data[start:end] + data[at:]
    noise = rng.choice(
        [b"(", b")", b";", b"[", b"]", b"=?utf-8?B?", b"--", b"\n\n", b"\x00", b":", b"\x1b$B", b"charset="]
    )
    at = rng.randrange(len(data))
    return data[:at] + noise * rng.randint(1, 50) + data[at:]
