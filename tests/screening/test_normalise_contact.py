"""Phone numbers, e-mail addresses and card fingerprints."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.normalise.contact import (
    ContactError,
    card_key,
    email_key,
    email_near_key,
    looks_like_card_number,
    phone_key,
)
from tests.screening.population import _full_width

MOBILE = st.builds(
    lambda p, a, b: f"0{p}0-{a:04d}-{b:04d}",
    st.sampled_from("789"),
    st.integers(0, 9999),
    st.integers(0, 9999),
)


@given(MOBILE)
def test_phone_formats_share_one_key(number):
    digits = number.replace("-", "")
    key = phone_key(number)
    assert key == digits
    for written in (
        digits,
        "+81 " + digits[1:],
        "+81 (0)" + digits[1:],
        "0081" + digits[1:],
        _full_width(number),
        "010-81-" + digits[1:],
        f"({digits[:3]}) {digits[3:7]} {digits[7:]}",
    ):
        assert phone_key(written) == key
    assert phone_key(key) == key


def test_foreign_numbers_keep_their_country_code():
    assert phone_key("+1 (415) 555-0100") == "+14155550100"


@pytest.mark.parametrize("bad", ["12-34", "1234567890", "phone"])
def test_impossible_phone_numbers_are_refused(bad):
    with pytest.raises(ContactError):
        phone_key(bad)


LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789._-+", min_size=1, max_size=20)
DOMAIN = st.sampled_from(["example.ne.jp", "docomo.ne.jp", "Gmail.com", "EXAMPLE.JP", "例え.jp"])


@given(LOCAL, DOMAIN)
def test_email_keys_are_idempotent_and_fold_the_domain_only(local, domain):
    address = f"{local}@{domain}"
    key = email_key(address)
    assert email_key(key) == key
    assert email_near_key(email_near_key(address)) == email_near_key(address)
    assert email_key(f"{local}@{domain.upper()}") == key
    assert email_key(_full_width(address)) == key if domain.isascii() else True
    assert key.split("@")[0] == local  # the local part is kept as typed


def test_email_case_of_the_local_part_and_gmail_dots_match_only_near():
    assert email_key("Taro@example.ne.jp") != email_key("taro@example.ne.jp")
    assert email_near_key("Taro@example.ne.jp") == email_near_key("taro@EXAMPLE.ne.jp")
    assert email_near_key("Taro.Yamada+shop@googlemail.com") == "taroyamada@gmail.com"
    # Dots elsewhere are significant: no provider rule is guessed.
    assert email_near_key("taro.yamada@docomo.ne.jp") != email_near_key("taroyamada@docomo.ne.jp")
    assert email_key(" mailto:<taro@例え.jp> ") == "taro@xn--r8jz45g.jp"


@pytest.mark.parametrize("bad", ["taro", "taro@", "@example.jp", "ta ro@example.jp", "taro@localhost"])
def test_malformed_email_addresses_are_refused(bad):
    with pytest.raises(ContactError):
        email_key(bad)


def test_a_card_number_is_refused_and_a_fingerprint_kept_exactly():
    assert looks_like_card_number("4111 1111 1111 1111")
    with pytest.raises(ContactError, match="card number"):
        card_key("4111-1111-1111-1111")
    assert card_key(" fp_9hX2kLmN0pQ ") == "fp_9hX2kLmN0pQ"
    assert card_key(card_key("fp_9hX2kLmN0pQ")) == "fp_9hX2kLmN0pQ"
    assert card_key("ｆｐ＿９ｈＸ２ｋＬｍＮ０ｐＱ") == "fp_9hX2kLmN0pQ"
