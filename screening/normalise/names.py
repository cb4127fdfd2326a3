"""Personal names and their kana readings.

Keys (see `name_keys`, `kana_keys`):

- name: width, case, kana script and size folded; spaces, middle dots and other
  separators removed (山田 太郎 = 山田　太郎 = 山田・太郎).
- name_near: also the old and variant forms of kanji that registries and people
  swap (髙/高, 﨑/崎, 齋/斎, 邊/辺 …): the same person, or a relative.
- kana: the reading in large katakana, separators removed, the prolonged sound
  mark written as the vowel (ユーコ → ユウコ, オーノ → オウノ).
- kana_near: also long vowels dropped (コウ, コオ, コー → コ; ケイ → ケ) and
  the sounds that old and new kana spell differently (ヂ/ジ, ヅ/ズ, ヲ/オ, ヴ/ブ).
"""

from __future__ import annotations

from .text import DASHES, NAME_SEPARATORS, fold_text, is_kana, nfkc, settle, to_katakana, to_large_kana

# Old or variant form → the common form. Only characters that name registries
# (koseki) actually hold in both forms; not a general itaiji dictionary.
_KANJI_VARIANTS = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "碕": "崎",
        "齋": "斎",
        "齊": "斎",
        "斉": "斎",
        "邊": "辺",
        "邉": "辺",
        "澤": "沢",
        "濱": "浜",
        "櫻": "桜",
        "廣": "広",
        "國": "国",
        "冨": "富",
        "德": "徳",
        "惠": "恵",
        "眞": "真",
        "藏": "蔵",
        "龍": "竜",
        "實": "実",
        "壽": "寿",
        "條": "条",
        "嶋": "島",
        "嶌": "島",
        "峯": "峰",
        "榮": "栄",
        "淺": "浅",
        "關": "関",
        "會": "会",
        "黑": "黒",
        "曾": "曽",
        "增": "増",
        "瀨": "瀬",
        "驒": "騨",
        "槇": "槙",
        "舘": "館",
        "桒": "桑",
        "籠": "篭",
        "亞": "亜",
    }
)

_VOWEL_OF: dict[str, str] = {}
for _vowel, _row in (
    ("ア", "アカガサザタダナハバパマヤラワァヵ"),
    ("イ", "イキギシジチヂニヒビピミリヰィ"),
    ("ウ", "ウクグスズツヅヌフブプムユルヴゥッ"),
    ("エ", "エケゲセゼテデネヘベペメレヱェヶ"),
    ("オ", "オコゴソゾトドノホボポモヨロヲォ"),
):
    for _char in _row:
        _VOWEL_OF[_char] = _vowel
# A long vowel is written with this kana after a kana of these rows (カア, ケイ, コウ, オオ …).
_LENGTHENS = {"ア": "ア", "イ": "イエ", "ウ": "ウオ", "エ": "エ", "オ": "オ"}
_LONG_MARK = {"ア": "ア", "イ": "イ", "ウ": "ウ", "エ": "エ", "オ": "ウ"}
_OLD_SOUNDS = str.maketrans({"ヂ": "ジ", "ヅ": "ズ", "ヲ": "オ", "ヴ": "ブ", "ヰ": "イ", "ヱ": "エ"})


def name_key(value: str) -> str:
    return settle(lambda text: NAME_SEPARATORS.sub("", fold_text(text)), value)


def name_near_key(value: str) -> str:
    return settle(lambda text: name_key(text).translate(_KANJI_VARIANTS), value)


def name_keys(value: str) -> dict[str, str]:
    key = name_key(value)
    if not key:
        return {}
    return {"name": key, "name_near": name_near_key(key)}


def kana_key(value: str) -> str:
    """The reading in large katakana with the prolonged sound mark spelled out."""
    return settle(_kana_step, value)


def _kana_step(value: str) -> str:
    text = to_large_kana(to_katakana(nfkc(value))).lower()
    text = NAME_SEPARATORS.sub("", text)
    out: list[str] = []
    for char in text:
        if char in DASHES and out and is_kana(out[-1]):
            # ー after a kana (also a hyphen typed for it): the vowel it lengthens.
            vowel = _VOWEL_OF.get(out[-1])
            if vowel:
                out.append(_LONG_MARK[vowel])
            continue
        if char in DASHES:
            continue
        out.append(char)
    return "".join(out)


def kana_near_key(value: str) -> str:
    return settle(_kana_near_step, value)


def _kana_near_step(value: str) -> str:
    out: list[str] = []
    for char in kana_key(value).translate(_OLD_SOUNDS):
        if out and char in _LENGTHENS and _VOWEL_OF.get(out[-1], "-") in _LENGTHENS[char]:
            continue  # a long vowel: コウ and コオ and コ read alike here
        out.append(char)
    return "".join(out)


def kana_keys(value: str) -> dict[str, str]:
    key = kana_key(value)
    if not key:
        return {}
    return {"kana": key, "kana_near": kana_near_key(value)}
