"""Folding of Japanese text that every identifier shares: width, kana script, kana size.

NFKC folds full-width Latin and digits to ASCII and half-width katakana to full
width (composing ｶﾞ into ガ); the rest is ours: hiragana → katakana, small kana
→ large (bank and legacy systems cannot store small kana, so キヨウコ is often
the same reading as キョウコ), and the many dash characters people type.
"""

from __future__ import annotations

import re
import unicodedata

# Hiragana ぁ..ゖ and the iteration marks ゝゞ sit 0x60 below their katakana.
_HIRA_TO_KATA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)}
_HIRA_TO_KATA.update({0x309D: 0x30FD, 0x309E: 0x30FE})

_SMALL = "ァィゥェォッャュョヮヵヶ"
_LARGE = "アイウエオツヤユヨワカケ"
_SMALL_TO_LARGE = str.maketrans(_SMALL, _LARGE)

# Hyphens, dashes, minus signs and the prolonged sound mark's look-alikes.
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u30fc\uff0d\uff70"
# Separators people put inside names: spaces, middle dots, equals (double names), commas.
NAME_SEPARATORS = re.compile(r"[\s\u30fb\uff65\u00b7\u2027\u2022=\uff1d,，.、。_]+")


def nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "")


def to_katakana(value: str) -> str:
    return value.translate(_HIRA_TO_KATA)


def to_large_kana(value: str) -> str:
    return value.translate(_SMALL_TO_LARGE)


def is_kana(char: str) -> bool:
    return "\u30a1" <= char <= "\u30fa" or char == "\u30fc"


def fold_text(value: str) -> str:
    """NFKC, lower case, katakana, large kana: what two spellings of one name share."""
    return to_large_kana(to_katakana(nfkc(value))).lower()


def settle(step, value: str, rounds: int = 4) -> str:
    """Apply `step` until the text stops changing: removing a separator can let NFKC
    compose what it could not before (A + space + combining acute), and lower-casing can
    decompose (İ); a key must be a fixed point so that keying a key changes nothing."""
    for _ in range(rounds):
        following = step(value)
        if following == value:
            break
        value = following
    return value
