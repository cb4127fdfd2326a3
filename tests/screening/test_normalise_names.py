"""Names and kana readings: idempotent, and blind to width, script, size and separators."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from screening.normalise.names import kana_key, kana_near_key, name_key, name_keys, name_near_key
from tests.screening.population import _half_width_kana, _hiragana

KATAKANA = st.text(
    alphabet=st.characters(min_codepoint=0x30A1, max_codepoint=0x30F4), min_size=1, max_size=12
)
KANJI = st.text(alphabet=st.sampled_from("山田太郎高髙崎﨑斎齋藤辺邊澤沢佐々木一二"), min_size=1, max_size=8)
SEPARATORS = st.sampled_from([" ", "\u3000", "・", "･", ""])


@given(st.text(max_size=30))
def test_every_key_is_idempotent(text):
    for key in (name_key, name_near_key, kana_key, kana_near_key):
        once = key(text)
        assert key(once) == once


@given(KATAKANA)
def test_kana_reading_ignores_script_and_width(reading):
    assert kana_key(_hiragana(reading)) == kana_key(reading)
    assert kana_key(_half_width_kana(reading)) == kana_key(reading)
    assert kana_near_key(_half_width_kana(_hiragana(reading))) == kana_near_key(reading)


@given(KATAKANA, KATAKANA, SEPARATORS)
def test_spaces_and_middle_dots_between_family_and_given_name_do_not_count(family, given_name, sep):
    assert kana_key(family + sep + given_name) == kana_key(family + given_name)


@given(KANJI, KANJI, SEPARATORS)
def test_names_ignore_separators_and_full_width(family, given_name, sep):
    assert name_key(family + sep + given_name) == name_key(family + given_name)
    assert name_key(unicodedata.normalize("NFKC", family)) == name_key(family)


@given(KATAKANA)
def test_the_near_key_is_a_function_of_the_exact_key(reading):
    # Whatever matches exactly also matches near: the rules rely on it.
    assert kana_near_key(kana_key(reading)) == kana_near_key(reading)


def test_small_kana_and_long_vowel_marks_read_alike():
    assert kana_key("キョウコ") == kana_key("キヨウコ") == kana_key("きょーこ")
    assert kana_key("ユーコ") == kana_key("ユウコ")
    assert kana_near_key("オーノ") == kana_near_key("オオノ") == kana_near_key("おおの")
    assert kana_near_key("ケイコ") == kana_near_key("ケーコ")
    assert kana_key("サトウ") != kana_key("サト")  # exact keeps the long vowel
    assert kana_near_key("ヂ") == kana_near_key("ジ")


def test_a_hyphen_typed_for_a_long_vowel_reads_as_one():
    assert kana_key("ﾕ-ｺ") == kana_key("ユーコ") == "ユウコ"


def test_variant_kanji_match_only_near():
    assert name_key("髙橋 一郎") != name_key("高橋一郎")
    assert name_near_key("髙橋 一郎") == name_near_key("高橋一郎")
    assert name_near_key("山﨑") == name_near_key("山崎")
    assert name_near_key("渡邊") == name_near_key("渡辺")


def test_latin_names_ignore_case_and_full_width():
    assert name_key("Ｔａｒｏ　YAMADA") == name_key("taro yamada")


def test_a_blank_name_gives_no_key():
    assert name_keys("  ・ ") == {}
