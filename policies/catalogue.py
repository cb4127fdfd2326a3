"""Our contract-clause catalogue (POLICY.md): ids C-01…C-19, with C-03's items a–g as rows.

Each ISP maps its own article numbers to these ids (Clause.isp_number).
"""

from __future__ import annotations

import datetime

CATALOGUE_EFFECTIVE_FROM = datetime.date(2025, 1, 1)

# (catalogue id, title, Japanese title, text)
CLAUSES = [
    ("C-01", "Definitions", "定義", "Terms used in these terms of service."),
    ("C-02", "Changes to terms", "規約の変更", "How and when the ISP may change these terms."),
    ("C-03", "Prohibited acts", "禁止事項", "Acts the subscriber must not do."),
    ("C-03a", "Unsolicited or mass mail", "未承諾広告メール・大量送信", "Sending unsolicited or mass mail."),
    (
        "C-03b",
        "Forged sender information",
        "送信者情報の偽装",
        "Sending mail with forged sender information.",
    ),
    ("C-03c", "Mail to non-existent addresses", "架空アドレスへの送信", "Sending mail to made-up addresses."),
    (
        "C-03d",
        "Open relays and proxies",
        "オープンリレー・プロキシの運用",
        "Running open relays or open proxies.",
    ),
    (
        "C-03e",
        "Sites promoted by spam",
        "迷惑メールで宣伝されるサイト",
        "Advertising or hosting a site promoted by unsolicited mail.",
    ),
    ("C-03f", "Burdening facilities", "設備への過大な負荷", "Placing an excessive burden on facilities."),
    ("C-03g", "Letting others do these", "第三者に行わせること", "Letting others do any of these acts."),
    ("C-04", "Identity verification", "本人確認", "Verification of the subscriber's identity."),
    (
        "C-05",
        "Duty to secure credentials and equipment",
        "ID・パスワード及び設備の管理責任",
        "The subscriber secures credentials and equipment.",
    ),
    (
        "C-06",
        "Cooperation with investigation",
        "調査への協力",
        "The subscriber cooperates with investigations.",
    ),
    (
        "C-07",
        "Usage restrictions and technical measures",
        "利用の制限及び技術的措置",
        "Port-25 blocking, rate limits and similar technical measures.",
    ),
    ("C-08", "Suspension", "利用停止", "Suspension with notice of the reason, start and period."),
    ("C-09", "Emergency measures", "緊急措置", "Act first, notify promptly, for a limited time."),
    ("C-10", "Termination", "契約の解除", "Termination after a demand to cure, except for serious breaches."),
    ("C-11", "Refusal of re-application", "再申込みの拒否", "The ISP may refuse a new application."),
    (
        "C-12",
        "Measures on hosted content",
        "ホスティングコンテンツに対する措置",
        "Disabling specific hosted content.",
    ),
    (
        "C-13",
        "Secrecy of communications and records",
        "通信の秘密及び記録の取扱い",
        "How communications and records are handled.",
    ),
    (
        "C-14",
        "Resale and sub-allocation",
        "再販及びサブアロケーション",
        "Duties of resellers and block holders.",
    ),
    (
        "C-15",
        "Inter-carrier information exchange",
        "事業者間の情報交換",
        "Optional, consent-based exchange of information between carriers.",
    ),
    ("C-16", "Opt-in filtering", "オプトイン方式のフィルタリング", "Filtering the subscriber chooses."),
    ("C-17", "Cyber-attack response", "サイバー攻撃への対応", "Response to cyber attacks."),
    ("C-18", "Liability", "責任の制限", "Limits of the ISP's liability."),
    ("C-19", "Method of notice", "通知の方法", "How the ISP notifies the subscriber."),
]
