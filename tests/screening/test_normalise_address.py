"""Japanese postal addresses: one key for the many ways of writing one flat."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.normalise.address import (
    AddressError,
    address_canonical,
    address_keys,
    kanji_number,
    parse_address,
)
from tests.screening.population import TOWNS, _full_width, _half_width_kana, _kanji_number

FLAT = "渋谷区神宮前|3-4-5|201"


@pytest.mark.parametrize(
    "written",
    [
        "〒150-0001 東京都渋谷区神宮前三丁目4番5号 メゾン青葉201号室",
        "150-0001 東京都渋谷区神宮前3-4-5 メゾン青葉 201",
        "１５０－０００１　渋谷区神宮前３－４－５－２０１",
        "東京都渋谷区神宮前3丁目4-5 ﾒｿﾞﾝ青葉201号室",
        "渋谷区神宮前三丁目四番五号201号室",
        "東京渋谷区神宮前3ー4ー5 201",
        "〒1500001 渋谷区神宮前 3-4-5-201",
    ],
)
def test_notations_of_one_flat_share_the_exact_key(written):
    assert address_keys(written)["address"] == FLAT


def test_postal_code_key_when_a_postal_code_is_given():
    assert address_keys("〒150-0001 渋谷区神宮前3-4-5-201")["address_postal"] == "1500001|3-4-5|201"
    assert "address_postal" not in address_keys("渋谷区神宮前3-4-5-201")


def test_another_room_in_the_same_building_is_near_only():
    one, other = address_keys("渋谷区神宮前3-4-5-201"), address_keys("渋谷区神宮前3-4-5-202")
    assert one["address"] != other["address"]
    assert one["address_near"] == other["address_near"]


def test_ga_and_no_in_place_names_fold():
    assert address_keys("千代田区霞が関1-2-1") == address_keys("千代田区霞ヶ関一丁目2番1号")
    assert address_keys("文京区御茶ノ水1-1")["address"] == address_keys("文京区御茶の水1-1")["address"]


def test_numbers_that_belong_to_a_place_name_stay():
    parts = parse_address("宮城県仙台市青葉区一番町四丁目1番地の3")
    assert (parts["locality"], parts["block"]) == ("仙台市青葉区一番町", "4-1-3")
    assert parse_address("世田谷区三軒茶屋2-11-22")["locality"] == "世田谷区三軒茶屋"


def test_kanji_numbers():
    assert [kanji_number(t) for t in ("三", "十", "十二", "二十", "二十三", "百五", "二〇一")] == [
        3,
        10,
        12,
        20,
        23,
        105,
        201,
    ]


def test_an_address_without_a_block_number_is_refused():
    with pytest.raises(AddressError):
        parse_address("東京都渋谷区神宮前")
    with pytest.raises(AddressError):
        parse_address("3-4-5")


ADDRESSES = st.builds(
    lambda town, chome, ban, go, room, style, pref, postal: (
        (f"〒{town[2][:3]}-{town[2][3:]} " if postal else "")
        + (town[0] if pref else "")
        + town[1]
        + [
            f"{_kanji_number(chome)}丁目{ban}番{go}号",
            _full_width(f"{chome}-{ban}-{go}"),
            f"{chome}丁目{ban}-{go}",
        ][style]
        + (f" {_half_width_kana('コーポ')}{room}号室" if room else "")
    ),
    st.sampled_from(TOWNS),
    st.integers(1, 29),
    st.integers(1, 99),
    st.integers(1, 99),
    st.sampled_from([0, 101, 203, 1203]),
    st.integers(0, 2),
    st.booleans(),
    st.booleans(),
)


@given(ADDRESSES)
def test_the_canonical_form_is_idempotent_and_keeps_the_keys(address):
    canonical = address_canonical(address)
    assert address_canonical(canonical) == canonical
    keys = address_keys(address)
    again = address_keys(canonical)
    assert again["address"] == keys["address"] and again["address_near"] == keys["address_near"]


@given(st.sampled_from(TOWNS), st.integers(1, 29), st.integers(1, 99), st.integers(1, 99), st.booleans())
def test_width_prefecture_and_block_words_do_not_change_the_key(town, chome, ban, go, pref):
    plain = address_keys(f"{town[1]}{chome}-{ban}-{go}")["address"]
    assert (
        address_keys(_full_width(f"{chome}-{ban}-{go}").join([(town[0] if pref else "") + town[1], ""]))[
            "address"
        ]
        == plain
    )
    assert address_keys(f"{town[0]}{town[1]}{_kanji_number(chome)}丁目{ban}番{go}号")["address"] == plain
