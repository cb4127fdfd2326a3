"""No identifier in clear in any exported file or any API answer of the screening app."""

import json
import random

import pytest
from django.core.management import call_command

from screening.normalise import identifier_keys
from tests.personas import token_client

from .conftest import make_subscriber, terminate
from .population import population
from .test_exchange import peer_bundle

pytestmark = pytest.mark.django_db


def needles(ids: dict[str, str]) -> set[str]:
    """Every clear form of the identifiers worth finding: as given, normalised, and their telling parts."""
    found = {v.strip() for v in ids.values() if v and len(v.strip()) >= 4}
    keys, _ = identifier_keys(ids)
    for kind, value in keys.items():
        if kind.startswith("address"):
            found.update(
                part for part in value.split("|") if len(part) >= 4 and not part.replace("-", "").isdigit()
            )
            found.add(value)
        else:
            found.add(value)
    local = ids["email"].split("@")[0]
    found.update({local, ids["phone"].replace("-", "")})
    found.update(part for part in ids["name"].split() + ids["kana"].split() if len(part) >= 2)
    return {n for n in found if len(n) >= 2}


def texts(raw: bytes) -> list[str]:
    """The bytes as text, and every string inside the JSON decoded (escapes undone, payload unwrapped)."""
    out = [raw.decode("utf-8", "replace")]
    try:
        document = json.loads(raw)
    except ValueError:
        return out
    out.append(json.dumps(document, ensure_ascii=False))
    if isinstance(document, dict) and isinstance(document.get("payload"), str):
        out.append(json.dumps(json.loads(document["payload"]), ensure_ascii=False))
    return out


def assert_clean(raw: bytes, people_needles: set[str], where: str):
    for text in texts(raw):
        leaked = sorted(n for n in people_needles if n in text)
        assert not leaked, f"{where} carries identifiers in clear: {leaked[:5]}"


def test_files_and_api_answers_carry_no_clear_identifier(exchange, peer, screening_key, tmp_path):
    people = population(40, seed=99)
    all_needles: set[str] = set()
    for person in people:
        ids = person.identifiers()
        all_needles |= needles(ids)
        terminate(
            make_subscriber(
                name=ids["name"],
                name_kana=ids["kana"],
                postal_address=ids["address"],
                phone=ids["phone"],
                email=ids["email"],
                card_fingerprint=ids["card"],
            )
        )
    assert len(all_needles) > 200
    responses: list[tuple[str, bytes]] = []

    path = tmp_path / "export.json"
    call_command("exchange_export", str(path))
    responses.append(("exported file", path.read_bytes()))
    assert len(json.loads(json.loads(path.read_bytes())["payload"])["entries"]) == 40

    fetched = token_client(peer.api_key).get("/api/v1/exchange/entries/")
    responses.append(("exchange fetch", fetched.content))

    submitted = token_client(peer.api_key).post(
        "/api/v1/exchange/entries/",
        data=peer_bundle(peer, [p.identifiers() for p in people[:10]]),
        content_type="application/json",
    )
    responses.append(("exchange submit", submitted.content))

    client = token_client(screening_key)
    rng = random.Random(3)
    for person in rng.sample(people, 10):
        answer = client.post(
            "/api/v1/screening/",
            data=json.dumps({**person.identifiers(), "purpose": "sign-up"}),
            content_type="application/json",
        )
        assert answer.status_code == 201 and answer.json()["verdict"] == "match"
        responses.append(("screening answer", answer.content))
    bad = client.post(
        "/api/v1/screening/",
        data=json.dumps({**people[0].identifiers(), "phone": "12", "purpose": "x"}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    responses.append(("screening error", bad.content))

    for where, raw in responses:
        assert_clean(raw, all_needles, where)


def test_the_scan_finds_a_planted_identifier():
    # The scan itself must be able to fail: a bundle with a name in it is caught.
    ids = population(1, seed=5)[0].identifiers()
    leaky = json.dumps({"payload": json.dumps({"entries": [{"note": ids["name"]}]})}).encode()
    with pytest.raises(AssertionError, match="in clear"):
        assert_clean(leaky, needles(ids), "planted")
