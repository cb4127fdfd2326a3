"""What the sender's greeting (HELO/EHLO) says about the machine that sent a spam.

Pure and offline. A greeting is only *evidence* of a compromised machine when no
honest setup produces it: random letters that no person would name a host, or a
claim to be somebody else (another host's address, the receiving server, a large
mail provider). Everything else a person might name a machine (`user-pc`,
`ubuntu-desktop`, `DESKTOP-7Q2K9`, `bulk-sender`, `mail.example.com`) and a missing
greeting are *signals*: they are recorded and shown, and prove nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from complaints.parsing.hosts import (
    clean_host,
    is_internal_ip,
    normalise_ip,
    organisation,
    registrable_domain,
)

# Shapes that only ratware or a proxy produce: evidence of a compromise.
RANDOM = "random"
FOREIGN_LITERAL = "foreign_literal"
CLAIMS_RECEIVER = "claims_receiver"
CLAIMS_PROVIDER = "claims_provider"
COMPROMISE_SHAPES = frozenset({RANDOM, FOREIGN_LITERAL, CLAIMS_RECEIVER, CLAIMS_PROVIDER})

# Shapes an honest machine produces too: signals.
MISSING = "missing"
OWN_LITERAL = "own_literal"
INTERNAL_LITERAL = "internal_literal"
MALFORMED = "malformed"
BARE_NAME = "bare_name"
HOST_NAME = "host_name"

# Large mailbox providers whose name a customer's own line never legitimately uses.
PROVIDERS = frozenset(
    {
        "aol.com",
        "gmail.com",
        "googlemail.com",
        "gmx.com",
        "gmx.net",
        "hotmail.com",
        "icloud.com",
        "live.com",
        "mail.ru",
        "msn.com",
        "outlook.com",
        "yahoo.co.jp",
        "yahoo.com",
        "yandex.ru",
    }
)

# One organisation's hosts carry several domains: mail-pf1-f170.google.com is Gmail's.
PROVIDER_ORGANISATIONS = frozenset(organisation(domain) for domain in PROVIDERS)

VOWELS = frozenset("aeiouy")
# Letter pairs that English words, romanised Japanese and the usual host-name
# abbreviations (mx, smtp, srv, pbx, vps, hq…) practically never contain. Two of
# them in one run of letters is the mark of a generator, not of a name.
_RARE_FIRST, _RARE_SECOND = "jqvxz", "bcdfgjkmnpqtvwxz"
RARE_PAIRS = frozenset(a + b for a in _RARE_FIRST for b in _RARE_SECOND) - {"xp", "xt", "xc", "zz", "vv"}
MIN_RANDOM_LENGTH = 6  # shorter tokens are abbreviations ("hq", "ktx", "dns1")
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Greeting:
    shape: str
    helo: str  # as the sender gave it, "" when it gave none

    @property
    def shows_compromise(self) -> bool:
        return self.shape in COMPROMISE_SHAPES


def read_greeting(
    helo: str | None, *, sender_ip: str | None, receiver: str | None = None, rdns: str | None = None
) -> Greeting:
    """Classify the greeting of the host at `sender_ip` as recorded by `receiver`, which
    looked its address up as `rdns` (when it wrote the name)."""
    given = (helo or "").strip()
    text = given.lower().rstrip(".")
    if not text:
        return Greeting(MISSING, "")
    literal = _literal(text)
    if literal is not None:
        return Greeting(_literal_shape(literal, sender_ip), given)
    host = clean_host(text) or (text if re.fullmatch(r"[a-z0-9_-]{1,63}", text) else None)
    if host is None:
        return Greeting(MALFORMED, given)
    # A host greeting with the very name its address has (the receiver looked it up) is
    # giving its own name, though it shares the receiver's domain: our customers'
    # lines are named under our domain, and their mail reaches our own servers.
    own_name = clean_host(rdns) == host if rdns else False
    if _claims(host, receiver) and not own_name:
        return Greeting(CLAIMS_RECEIVER, given)
    if (registrable_domain(host) or host) in PROVIDERS or organisation(host) in PROVIDER_ORGANISATIONS:
        return Greeting(CLAIMS_PROVIDER, given)
    # Every label a person chose must be random: providers name real servers
    # "dm3nam03ft035.mail.example.com", and that name is still somebody's host.
    if all(looks_random(label) for label in _own_labels(host)):
        return Greeting(RANDOM, given)
    return Greeting(BARE_NAME if "." not in host else HOST_NAME, given)


def looks_random(label: str) -> bool:
    """True for a label a generator made: `xkqzvbtr`, `a3kd9fj2`, `qzvxwk`.

    A label with separators is a person's naming (`user-pc`, `DESKTOP-7Q2K9`,
    `ubuntu-desktop`) unless every part of it is random on its own.
    """
    tokens = [t for t in _TOKEN.findall(label.lower()) if not t.isdigit()]
    if not tokens:
        return False
    return all(_random_token(t) for t in tokens)


def _random_token(token: str) -> bool:
    if len(token) < MIN_RANDOM_LENGTH:
        return False
    letters_digits = sum(1 for a, b in zip(token, token[1:], strict=False) if a.isdigit() != b.isdigit())
    if letters_digits >= 4:
        return True  # a3kd9fj2: letters and digits interleaved, as a hash or a generator writes them
    for run in re.findall(r"[a-z]+", token):
        if len(run) < MIN_RANDOM_LENGTH:
            continue
        rare = sum(run[i : i + 2] in RARE_PAIRS for i in range(len(run) - 1))
        if rare >= 2:
            return True
        # Concatenated abbreviations ("smtpgw", "pbxsrv") have no vowels either, but
        # they are short and made of common pairs.
        if not VOWELS & set(run):
            if len(run) >= 8 or rare:
                return True
        elif max(len(c) for c in re.split(r"[aeiouy]+", run)) >= 6:
            return True  # six consonants in a row between vowels: no word does that
    return False


def _literal(text: str) -> str | None:
    """The address of an address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`, bare `192.0.2.1`)."""
    if text.startswith("["):
        return normalise_ip(text) or "malformed"
    return normalise_ip(text)


def _literal_shape(literal: str, sender_ip: str | None) -> str:
    if literal == "malformed":
        return MALFORMED
    if sender_ip and literal == normalise_ip(sender_ip):
        return OWN_LITERAL
    if is_internal_ip(literal):
        return INTERNAL_LITERAL  # behind a home router: says nothing
    return FOREIGN_LITERAL


def _claims(host: str, receiver: str | None) -> bool:
    receiver_host = clean_host(receiver)
    if not receiver_host:
        return False
    if host == receiver_host:
        return True
    domain = registrable_domain(receiver_host)
    return bool(domain) and registrable_domain(host) == domain


def _own_labels(host: str) -> list[str]:
    """The labels a person chose: the host's labels without its public suffix."""
    domain = registrable_domain(host)
    if not domain or "." not in host:
        return [host]
    suffix = domain.split(".", 1)[1]
    return host[: -len(suffix) - 1].split(".")
