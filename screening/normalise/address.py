"""Japanese postal addresses.

An address is read as [〒 postal code] [prefecture] locality block [building] [room]:
"〒150-0001 東京都渋谷区神宮前三丁目4番5号 メゾン青葉201号室" →
postal 1500001, locality 渋谷区神宮前, block 3-4-5, room 201.

What is folded: width (NFKC), the postal code's notations (〒, hyphen, none),
the prefecture (present or not), kanji numerals before 丁目/番地/番/号
(三丁目 = 3丁目), 丁目/番地/番/号/の against hyphens (3丁目4番5号 = 3-4-5),
dash look-alikes, ヶ/ケ/が and の/ノ/之 inside place names (霞ヶ関 = 霞が関),
大字/字, spaces. The building name is left out of every key: it is spelled in too
many ways (or not at all) to compare, and the room number carries what it adds.

Keys (see `address_keys`):
- address: locality|block|room
- address_postal: postal|block|room (when a postal code is given): the same
  flat when the locality is written differently
- address_near: locality|block (the same building or house; a family member,
  a neighbour, or the same person in another room)

Not handled: Kyoto's 上ル/下ル directions, 条 addresses written with arabic
numerals before the block, and towns renamed by municipal mergers.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_noop

from .text import DASHES, nfkc

PREFECTURES = (
    "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県 "
    "新潟県 富山県 石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県 "
    "奈良県 和歌山県 鳥取県 島根県 岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 福岡県 佐賀県 長崎県 "
    "熊本県 大分県 宮崎県 鹿児島県 沖縄県"
).split()

_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMBER = "〇零一二三四五六七八九十百千"

_POSTAL = re.compile(r"〒?\s*(\d{3})\s*-\s*(\d{4})(?!\d)|〒\s*(\d{7})(?!\d)|^(\d{7})(?!\d)")
_DASH_BETWEEN_NUMBERS = re.compile(rf"(?<=[0-9{_KANJI_NUMBER}])\s*[{DASHES}]\s*(?=[0-9{_KANJI_NUMBER}])")
# A kanji number that is part of the block notation, not of a place name (三軒茶屋, 一番町).
_KANJI_IN_BLOCK = re.compile(rf"[{_KANJI_NUMBER}]+(?=丁目|番地|番(?!町)|号|-|の[0-9{_KANJI_NUMBER}])")
_BLOCK_WORDS = re.compile(r"(?<=\d)\s*(?:丁目|番地の?|番(?!町)|号(?!室)|の(?=\d))\s*")
_LOCALITY_FOLD = str.maketrans({"ヶ": "ケ", "ヵ": "ケ", "が": "ケ", "ガ": "ケ", "の": "ノ", "之": "ノ"})
_SPACES = re.compile(r"\s+")
_BLOCK = re.compile(r"^(?P<locality>.*?)(?P<block>\d+(?:-\d+)*)-?(?P<rest>.*)$")
_ROOM = re.compile(r"(\d+)\s*(?:号室|号|室|F|階)?$", re.IGNORECASE)


class AddressError(ValueError):
    pass


def kanji_number(text: str) -> int:
    """三 → 3, 十二 → 12, 二十三 → 23, 百五 → 105, 二〇一 → 201 (digit by digit)."""
    if not any(ch in _KANJI_UNITS for ch in text):
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in text))
    total, digit = 0, 0
    for ch in text:
        if ch in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[ch]
        else:
            total += (digit or 1) * _KANJI_UNITS[ch]
            digit = 0
    return total + digit


def _split_postal(text: str) -> tuple[str, str]:
    match = _POSTAL.search(text)
    if not match:
        return "", text
    postal = "".join(g for g in match.groups() if g)
    return postal, (text[: match.start()] + " " + text[match.end() :]).strip()


def _strip_prefecture(text: str) -> str:
    for prefecture in PREFECTURES:
        if text.startswith(prefecture):
            return text[len(prefecture) :]
    if text.startswith("東京") and not text.startswith("東京市"):
        return text[2:]  # 東京渋谷区…: no place called 東京 but the prefecture
    return text


def parse_address(value: str) -> dict[str, str]:
    """{postal, locality, block, room, building}; raises AddressError without a block number."""
    text = nfkc(value).strip()
    postal, text = _split_postal(text)
    text = _strip_prefecture(text.lstrip(" ,、"))
    text = _DASH_BETWEEN_NUMBERS.sub("-", text)
    text = _KANJI_IN_BLOCK.sub(lambda m: str(kanji_number(m.group(0))), text)
    text = _DASH_BETWEEN_NUMBERS.sub("-", text)
    text = _BLOCK_WORDS.sub("-", text)
    match = _BLOCK.match(text)
    if not match or not match.group("block"):
        raise AddressError(gettext_noop("no block number (番地) in the address"))
    locality = _SPACES.sub("", match.group("locality")).rstrip("-")
    locality = re.sub(r"^大字|(?<=[市区町村])大?字", "", locality).translate(_LOCALITY_FOLD)
    if not locality:
        raise AddressError(gettext_noop("no town or city before the block number"))
    block = match.group("block")
    rest = match.group("rest").strip(" -")
    room = ""
    room_match = _ROOM.search(rest)
    if room_match:
        room = room_match.group(1).lstrip("0") or "0"
        rest = rest[: room_match.start()].strip(" -")
    elif block.count("-") >= 3:
        block, room = block.rsplit("-", 1)  # 3-4-5-201: the fourth number is the flat
    block = "-".join(part.lstrip("0") or "0" for part in block.split("-"))
    return {"postal": postal, "locality": locality, "block": block, "room": room, "building": rest}


def address_canonical(value: str) -> str:
    """One spelling of the address that parses to the same keys (building left out)."""
    parts = parse_address(value)
    postal = f"〒{parts['postal'][:3]}-{parts['postal'][3:]} " if parts["postal"] else ""
    room = f" {parts['room']}号室" if parts["room"] else ""
    return f"{postal}{parts['locality']}{parts['block']}{room}"


def address_keys(value: str) -> dict[str, str]:
    parts = parse_address(value)
    keys = {
        "address": f"{parts['locality']}|{parts['block']}|{parts['room']}",
        "address_near": f"{parts['locality']}|{parts['block']}",
    }
    if parts["postal"]:
        keys["address_postal"] = f"{parts['postal']}|{parts['block']}|{parts['room']}"
    return keys
