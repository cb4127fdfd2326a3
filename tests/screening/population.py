"""A generated population of Japanese subscribers, and applicants with near-duplicates.

Deterministic for a seed. Used by tests/screening/test_precision_recall.py (5k)
and bench/screening_match.py (100k). Every identity is made up: names from
common name lists, addresses in real towns with invented block numbers, phone
numbers in ranges of the mobile plan, e-mail domains of the example kind.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field, replace

SURNAMES = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("山下", "ヤマシタ"),
    ("中島", "ナカジマ"),
    ("石井", "イシイ"),
    ("小川", "オガワ"),
    ("前田", "マエダ"),
    ("岡田", "オカダ"),
    ("長谷川", "ハセガワ"),
    ("藤田", "フジタ"),
    ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"),
    ("村上", "ムラカミ"),
    ("遠藤", "エンドウ"),
    ("青木", "アオキ"),
    ("坂本", "サカモト"),
    ("斉藤", "サイトウ"),
    ("福田", "フクダ"),
    ("太田", "オオタ"),
    ("西村", "ニシムラ"),
    ("藤井", "フジイ"),
    ("金子", "カネコ"),
    ("岡本", "オカモト"),
    ("藤原", "フジワラ"),
    ("中野", "ナカノ"),
    ("三浦", "ミウラ"),
    ("原田", "ハラダ"),
    ("中川", "ナカガワ"),
    ("松田", "マツダ"),
    ("竹内", "タケウチ"),
    ("小野", "オノ"),
    ("田村", "タムラ"),
    ("中山", "ナカヤマ"),
    ("和田", "ワダ"),
    ("石田", "イシダ"),
    ("森田", "モリタ"),
    ("上田", "ウエダ"),
    ("原", "ハラ"),
    ("内田", "ウチダ"),
    ("柴田", "シバタ"),
    ("酒井", "サカイ"),
    ("宮崎", "ミヤザキ"),
    ("横山", "ヨコヤマ"),
    ("高木", "タカギ"),
    ("安藤", "アンドウ"),
    ("宮本", "ミヤモト"),
    ("大野", "オオノ"),
    ("小島", "コジマ"),
    ("工藤", "クドウ"),
    ("谷口", "タニグチ"),
    ("今井", "イマイ"),
    ("高田", "タカダ"),
    ("丸山", "マルヤマ"),
    ("増田", "マスダ"),
    ("杉山", "スギヤマ"),
    ("村田", "ムラタ"),
]
GIVEN = [
    ("太郎", "タロウ"),
    ("翔太", "ショウタ"),
    ("健", "ケン"),
    ("大輔", "ダイスケ"),
    ("拓也", "タクヤ"),
    ("直樹", "ナオキ"),
    ("誠", "マコト"),
    ("翔", "ショウ"),
    ("陽介", "ヨウスケ"),
    ("健太", "ケンタ"),
    ("亮", "リョウ"),
    ("浩二", "コウジ"),
    ("隆", "タカシ"),
    ("修", "オサム"),
    ("勇気", "ユウキ"),
    ("一郎", "イチロウ"),
    ("雄一", "ユウイチ"),
    ("裕太", "ユウタ"),
    ("蓮", "レン"),
    ("湊", "ミナト"),
    ("花子", "ハナコ"),
    ("恵子", "ケイコ"),
    ("京子", "キョウコ"),
    ("優子", "ユウコ"),
    ("美咲", "ミサキ"),
    ("陽子", "ヨウコ"),
    ("由美", "ユミ"),
    ("真由美", "マユミ"),
    ("愛", "アイ"),
    ("彩", "アヤ"),
    ("さくら", "サクラ"),
    ("結衣", "ユイ"),
    ("葵", "アオイ"),
    ("陽菜", "ヒナ"),
    ("千尋", "チヒロ"),
    ("智子", "トモコ"),
    ("久美子", "クミコ"),
    ("直子", "ナオコ"),
    ("洋子", "ヨウコ"),
    ("純子", "ジュンコ"),
    ("翼", "ツバサ"),
    ("大樹", "ダイキ"),
    ("悠斗", "ユウト"),
    ("颯太", "ソウタ"),
    ("涼子", "リョウコ"),
    ("舞", "マイ"),
    ("瞳", "ヒトミ"),
    ("茜", "アカネ"),
    ("翔子", "ショウコ"),
    ("綾香", "アヤカ"),
]
# (prefecture, locality, postal code): real towns, invented block numbers.
TOWNS = [
    ("東京都", "渋谷区神宮前", "1500001"),
    ("東京都", "新宿区西新宿", "1600023"),
    ("東京都", "世田谷区三軒茶屋", "1540024"),
    ("東京都", "千代田区霞が関", "1000013"),
    ("東京都", "目黒区自由が丘", "1520035"),
    ("東京都", "杉並区高円寺南", "1660003"),
    ("東京都", "練馬区豊玉北", "1760012"),
    ("神奈川県", "横浜市中区山下町", "2310023"),
    ("神奈川県", "川崎市中原区小杉町", "2110063"),
    ("大阪府", "大阪市北区梅田", "5300001"),
    ("大阪府", "大阪市中央区難波", "5420076"),
    ("京都府", "京都市左京区田中里ノ前町", "6068216"),
    ("愛知県", "名古屋市中区栄", "4600008"),
    ("福岡県", "福岡市中央区天神", "8100001"),
    ("北海道", "札幌市中央区南一条西", "0600061"),
    ("宮城県", "仙台市青葉区一番町", "9800811"),
    ("広島県", "広島市中区紙屋町", "7300031"),
    ("埼玉県", "さいたま市浦和区高砂", "3300063"),
    ("千葉県", "千葉市中央区富士見", "2600015"),
    ("兵庫県", "神戸市中央区三宮町", "6500021"),
    ("静岡県", "静岡市葵区呉服町", "4200031"),
    ("新潟県", "新潟市中央区万代", "9500088"),
]
BUILDINGS = [
    "メゾン青葉",
    "コーポ桜",
    "サンハイツ",
    "グランドパレス",
    "ハイム若葉",
    "レジデンス光",
    "シャトー緑",
]
DOMAINS = ["gmail.com", "docomo.ne.jp", "ezweb.ne.jp", "yahoo.co.jp", "example.ne.jp", "softbank.ne.jp"]
KANJI_DIGITS = "〇一二三四五六七八九"


@dataclass
class Person:
    pid: int
    surname: tuple[str, str]
    given: tuple[str, str]
    town: tuple[str, str, str]
    block: tuple[int, ...]
    building: str
    room: int
    phone: str
    landline: str
    email: str
    card: str
    household: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.surname[0]} {self.given[0]}"

    @property
    def kana(self) -> str:
        return f"{self.surname[1]} {self.given[1]}"

    def address(self) -> str:
        prefecture, locality, postal = self.town
        block = "-".join(str(n) for n in self.block)
        flat = f" {self.building}{self.room}号室" if self.building else ""
        return f"〒{postal[:3]}-{postal[3:]} {prefecture}{locality}{block}{flat}"

    def identifiers(self) -> dict[str, str]:
        return {
            "name": self.name,
            "kana": self.kana,
            "address": self.address(),
            "phone": self.landline or self.phone,
            "email": self.email,
            "card": self.card,
        }


def _mobile(rng: random.Random) -> str:
    return f"0{rng.choice('789')}0-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"


def _email(rng: random.Random, pid: int) -> str:
    local = rng.choice(["taro", "hana", "ken", "yuki", "sakura", "sho", "mai", "info", "happy", "sun"])
    return f"{local}.{pid}{rng.randint(10, 99)}@{rng.choice(DOMAINS)}"


def _card(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return ""
    return "fp_" + "".join(
        rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(16)
    )


def _place(rng: random.Random) -> tuple[tuple[str, str, str], tuple[int, ...], str, int]:
    town = rng.choice(TOWNS)
    block = (rng.randint(1, 9), rng.randint(1, 30), rng.randint(1, 25))
    if rng.random() < 0.45:
        return town, block, rng.choice(BUILDINGS), rng.choice([101, 102, 201, 202, 203, 301, 302, 405, 1203])
    return town, block, "", 0


def population(size: int, seed: int = 14) -> list[Person]:
    """`size` subscribers; about a quarter live in households of 2-4 sharing address and landline."""
    rng = random.Random(seed)
    people: list[Person] = []
    household = 0
    while len(people) < size:
        household += 1
        town, block, building, room = _place(rng)
        surname = rng.choice(SURNAMES)
        members = rng.choice([1, 1, 1, 1, 1, 1, 2, 2, 3, 4])
        landline = ""
        if members > 1 and rng.random() < 0.6:
            landline = f"0{rng.randint(3, 99)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        for _ in range(members):
            pid = len(people)
            people.append(
                Person(
                    pid,
                    surname,
                    rng.choice(GIVEN),
                    town,
                    block,
                    building,
                    room,
                    _mobile(rng),
                    landline,
                    _email(rng, pid),
                    _card(rng),
                    household=household,
                )
            )
    return people[:size]


# --- notations: the same identity written as another person (or system) would -----


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


def _half_width_kana(text: str) -> str:
    table = {}
    for cp in range(0xFF61, 0xFFA0):
        table.setdefault(unicodedata.normalize("NFKC", chr(cp)), chr(cp))
    out = []
    for char in text:
        if char in table:
            out.append(table[char])
            continue
        base = unicodedata.normalize("NFD", char)
        if len(base) == 2 and base[0] in table:
            out.append(table[base[0]] + ("\uff9e" if base[1] == "\u3099" else "\uff9f"))
        else:
            out.append(char)
    return "".join(out)


def _hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def _kanji_number(n: int) -> str:
    if n < 10:
        return KANJI_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else KANJI_DIGITS[tens]) + "十" + (KANJI_DIGITS[ones] if ones else "")


def renotate(person: Person, rng: random.Random) -> dict[str, str]:
    """The person's identifiers in another notation: nothing a person would call different."""
    ids = person.identifiers()
    name = ids["name"]
    ids["name"] = rng.choice(
        [name, name.replace(" ", "\u3000"), name.replace(" ", ""), name.replace(" ", "・")]
    )
    kana = ids["kana"]
    kana = rng.choice([kana, _hiragana(kana), _half_width_kana(kana), kana.replace(" ", "")])
    if rng.random() < 0.3:
        kana = kana.replace("ョ", "ヨ").replace("ュ", "ユ").replace("ょ", "よ").replace("ゅ", "ゆ")
    if rng.random() < 0.3:
        kana = (
            kana.replace("ウ", "ー", 1)
            if "ウ" in kana[1:] and kana[kana.index("ウ", 1) - 1] in "ユコヨトソロノホモオゴボドウ"
            else kana
        )
    ids["kana"] = kana
    prefecture, locality, postal = person.town
    b = person.block
    style = rng.randrange(4)
    if style == 0:
        block = f"{_kanji_number(b[0])}丁目{b[1]}番{b[2]}号"
    elif style == 1:
        block = _full_width(f"{b[0]}-{b[1]}-{b[2]}")
    elif style == 2:
        block = f"{b[0]}丁目{b[1]}-{b[2]}"
    else:
        block = f"{b[0]}－{b[1]}－{b[2]}"
    flat = ""
    if person.building:
        flat = rng.choice(
            [
                f" {person.building} {person.room}号室",
                f"-{person.room}",
                f" {_half_width_kana(person.building)}{person.room}",
            ]
        )
    head = rng.choice([f"〒{postal[:3]}-{postal[3:]} ", f"{postal} ", ""])
    ids["address"] = head + rng.choice([prefecture, ""]) + locality + block + flat
    phone = ids["phone"]
    digits = phone.replace("-", "")
    ids["phone"] = rng.choice([phone, digits, "+81 " + digits[1:], _full_width(phone)])
    local, domain = ids["email"].split("@")
    ids["email"] = rng.choice(
        [f"{local}@{domain.upper()}", f" {local}@{domain} ", _full_width(f"{local}@{domain}")]
    )
    return ids


@dataclass
class Applicant:
    identifiers: dict[str, str]
    positive: bool  # the same person as a subscriber we terminated
    kind: str


def applicants(people: list[Person], terminated: set[int], seed: int = 15) -> list[Applicant]:
    """Re-applications of the terminated (positives) and near-duplicates that are other people."""
    rng = random.Random(seed)
    out: list[Applicant] = []
    others = [p for p in people if p.pid not in terminated]
    for pid in sorted(terminated):
        person = people[pid]
        kind = rng.choices(
            ["renotated", "moved", "false_name", "new_contacts", "everything_new_but_name"],
            weights=[40, 20, 20, 15, 5],
        )[0]
        if kind == "renotated":
            ids = renotate(person, rng)
        elif kind == "moved":  # new address, new phone; same name and card, e-mail kept or not
            town, block, building, room = _place(rng)
            moved = replace(
                person, town=town, block=block, building=building, room=room, phone=_mobile(rng), landline=""
            )
            ids = renotate(moved, rng)
            if rng.random() < 0.5:
                ids["email"] = _email(rng, 10**7 + pid)
            if not person.card:
                ids["email"] = renotate(person, rng)["email"]
        elif kind == "false_name":  # a made-up name, same flat and phone
            fake = replace(
                person,
                surname=rng.choice(SURNAMES),
                given=rng.choice(GIVEN),
                email=_email(rng, 10**7 + pid),
                card="",
            )
            ids = renotate(fake, rng)
        elif kind == "new_contacts":  # same name and flat, new phone, e-mail and card
            ids = renotate(
                replace(person, phone=_mobile(rng), landline="", email=_email(rng, 10**7 + pid), card=""), rng
            )
        else:  # only the name is left: we expect to miss these
            town, block, building, room = _place(rng)
            ids = renotate(
                replace(
                    person,
                    town=town,
                    block=block,
                    building=building,
                    room=room,
                    phone=_mobile(rng),
                    landline="",
                    email=_email(rng, 10**7 + pid),
                    card="",
                ),
                rng,
            )
        out.append(Applicant(ids, True, kind))
    negatives = len(out)
    for _ in range(negatives):
        kind = rng.choices(["other_subscriber", "namesake", "family", "stranger"], weights=[40, 20, 20, 20])[
            0
        ]
        if kind == "other_subscriber":
            ids = renotate(rng.choice(others), rng)
        elif kind == "namesake":  # the same name as someone we terminated; nothing else in common
            target = people[rng.choice(sorted(terminated))]
            town, block, building, room = _place(rng)
            ids = renotate(
                replace(
                    target,
                    town=town,
                    block=block,
                    building=building,
                    room=room,
                    phone=_mobile(rng),
                    landline="",
                    email=_email(rng, 2 * 10**7 + rng.randint(0, 10**6)),
                    card=_card(rng),
                ),
                rng,
            )
        elif kind == "family":  # a relative of someone we terminated: same flat, maybe the landline
            target = people[rng.choice(sorted(terminated))]
            relative = replace(
                target,
                given=rng.choice([g for g in GIVEN if g != target.given]),
                phone=_mobile(rng),
                email=_email(rng, 3 * 10**7 + rng.randint(0, 10**6)),
                card=_card(rng),
            )
            ids = renotate(relative, rng)
        else:
            stranger = population(1, seed=rng.randint(0, 10**9))[0]
            stranger = replace(stranger, email=_email(rng, 4 * 10**7 + rng.randint(0, 10**6)))
            ids = renotate(stranger, rng)
        out.append(Applicant(ids, False, kind))
    return out


# --- loading and evaluation, shared by the test (5k) and the bench (100k) ------------


def load(people: list[Person], terminated_share: float = 0.02, seed: int = 16, batch: int = 2000):
    """Subscribers by bulk insert; a share of them terminated through termination_sync. Returns the pids."""
    from types import SimpleNamespace

    from django.utils import timezone

    from screening.services import termination_sync
    from subscribers.models import Subscriber

    rows = [
        Subscriber(
            subscriber_id=f"POP-{p.pid:07d}",
            name=p.name,
            name_kana=p.kana,
            postal_address=p.address(),
            phone=p.landline or p.phone,
            email=p.email,
            card_fingerprint=p.card,
            exchange_clause=True,
            exchange_consent_at=timezone.now(),
        )
        for p in people
    ]
    Subscriber.objects.bulk_create(rows, batch_size=batch)
    by_id = {s.subscriber_id: s for s in Subscriber.objects.filter(subscriber_id__startswith="POP-")}
    rng = random.Random(seed)
    terminated = set(rng.sample(range(len(people)), max(1, int(len(people) * terminated_share))))
    for pid in sorted(terminated):
        measure = SimpleNamespace(
            pk=10**8 + pid,
            reference=f"ADS-{pid:07d}",
            case_id=None,
            level="L7",
            culpability="intentional",
            state="carried_out",
            emergency=False,
            reviewed_at=None,
            carried_out_at=timezone.now(),
            account_id=1,
            account=SimpleNamespace(subscriber=by_id[f"POP-{pid:07d}"]),
        )
        termination_sync(measure=measure, actor=None, reason="population")
    return terminated


def evaluate(people: list[Person], terminated: set[int], actor, seed: int = 15) -> dict:
    """Screen every applicant; precision and recall of "match" and of "match or possible"."""
    from screening.choices import Channel, Verdict
    from screening.services import screening_run

    tally = {"match": [0, 0, 0], "flagged": [0, 0, 0]}  # true positives, false positives, false negatives
    misses: dict[str, int] = {}
    false_alarms: dict[str, int] = {}
    cases = applicants(people, terminated, seed=seed)
    for applicant in cases:
        result = screening_run(
            identifiers=applicant.identifiers, purpose="evaluation", actor=actor, channel=Channel.API
        ).verdict
        for name, hit in (("match", result == Verdict.MATCH), ("flagged", result != Verdict.NO_MATCH)):
            if hit and applicant.positive:
                tally[name][0] += 1
            elif hit:
                tally[name][1] += 1
                if name == "flagged":
                    false_alarms[applicant.kind] = false_alarms.get(applicant.kind, 0) + 1
            elif applicant.positive:
                tally[name][2] += 1
                if name == "flagged":
                    misses[applicant.kind] = misses.get(applicant.kind, 0) + 1
    report = {
        "applicants": len(cases),
        "positives": sum(a.positive for a in cases),
        "misses": misses,
        "false_alarms": false_alarms,
    }
    for name, (tp, fp, fn) in tally.items():
        report[f"{name}_precision"] = tp / (tp + fp) if tp + fp else 1.0
        report[f"{name}_recall"] = tp / (tp + fn) if tp + fn else 1.0
    return report
