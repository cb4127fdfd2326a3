"""Phone numbers, e-mail addresses and payment-card fingerprints.

Phone: NFKC (full-width digits), everything but digits dropped, +81 / 0081 /
010-81 written as the domestic 0 (+81 (0)90… too): 090-1234-5678,
+81 90 1234 5678 and ０９０１２３４５６７８ are one key. Numbers of other
countries keep their + and country code.

E-mail: NFKC, trimmed, mailto: and <> removed. The domain is case-insensitive
(RFC 5321 §2.4) and IDNA-encoded (例え.jp = xn--r8jz45g.jp). The local part is
kept as typed for `email`: RFC 5321 lets the receiving host treat it
case-sensitively, so only the domain is folded for an exact match. `email_near`
also lower-cases the local part (nearly every provider ignores its case, but
none has to) and applies the one provider rule we found documented: Gmail
ignores dots and everything after + in the local part, and googlemail.com is
gmail.com. No other provider's rules are guessed; in particular the Japanese
carriers' old addresses with consecutive dots are kept as they are.

Card: the payment processor's card fingerprint (a token that is the same for
the same card number), compared exactly after trimming. A string that is a
card number itself (12-19 digits passing the Luhn check) is refused: the desk
must never receive or store one.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_noop

from .text import nfkc

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
_NOT_DIGIT = re.compile(r"\D")
_FINGERPRINT = re.compile(r"^[\x21-\x7e]{8,128}$")


class ContactError(ValueError):
    pass


def phone_key(value: str) -> str:
    text = nfkc(value).strip()
    plus = text.startswith("+")
    digits = _NOT_DIGIT.sub("", re.sub(r"\(0\)", "", text))
    if not plus:
        for prefix in ("010", "00"):  # international call prefixes dialled from Japan / elsewhere
            if digits.startswith(prefix + "81"):
                digits, plus = digits[len(prefix) :], True
                break
    if plus:
        if digits.startswith("81"):
            national = digits[2:].lstrip("0")
            digits = "0" + national
        else:
            digits = "+" + digits
    if len(digits.lstrip("+")) < 6 or len(digits.lstrip("+")) > 15:
        raise ContactError(gettext_noop("a phone number has 6 to 15 digits"))
    if not digits.startswith(("0", "+")):
        raise ContactError(
            gettext_noop("a domestic number starts with 0; give others with + and the country code")
        )
    return digits


def phone_keys(value: str) -> dict[str, str]:
    return {"phone": phone_key(value)}


def _split_email(value: str) -> tuple[str, str]:
    text = nfkc(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.strip().strip("<>").strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or re.search(r"\s", text):
        raise ContactError(gettext_noop("an e-mail address is local-part@domain without spaces"))
    domain = domain.rstrip(".").lower()
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ContactError(
            gettext_noop("the domain of the e-mail address is not a valid domain name")
        ) from None
    if "." not in domain:
        raise ContactError(gettext_noop("the domain of the e-mail address has no dot"))
    return local, domain


def email_key(value: str) -> str:
    local, domain = _split_email(value)
    return f"{local}@{domain}"


def email_near_key(value: str) -> str:
    local, domain = _split_email(value)
    local = local.lower()
    if domain in GMAIL_DOMAINS:
        # Google's Gmail Help: "Dots don't matter in Gmail addresses"; +anything is an alias.
        local = local.split("+", 1)[0].replace(".", "") or local  # nothing left: not a Gmail name
        domain = "gmail.com"
    return f"{local}@{domain}"


def email_keys(value: str) -> dict[str, str]:
    return {"email": email_key(value), "email_near": email_near_key(value)}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def looks_like_card_number(value: str) -> bool:
    digits = re.sub(r"[\s-]", "", nfkc(value))
    return digits.isdigit() and 12 <= len(digits) <= 19 and _luhn_ok(digits)


def card_key(value: str) -> str:
    text = nfkc(value).strip()
    if looks_like_card_number(text):
        raise ContactError(
            gettext_noop("this is a card number: send the payment processor's card fingerprint instead")
        )
    if not _FINGERPRINT.match(text):
        raise ContactError(gettext_noop("a card fingerprint is 8 to 128 printable ASCII characters"))
    return text


def card_keys(value: str) -> dict[str, str]:
    return {"card": card_key(value)}
