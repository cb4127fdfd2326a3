"""The default policy set of POLICY.md as plain data: the clause catalogue and the 14 rules.

The data migration seeds version 1 from here (`seed_defaults`), and tests build a
snapshot from it without a database. Rule dicts use the Rule model's field names;
each ladder step is checked by `policies.snapshot.step_spec`.
"""

from __future__ import annotations

from .catalogue import CATALOGUE_EFFECTIVE_FROM, CLAUSES

WARN = ["contract"]
RESTRICT = ["legitimate_business_act", "jp_sem_art11"]
EMERGENCY = ["emergency_necessity", "jp_sem_art11"]
HOSTED = ["legitimate_business_act", "jp_idpa_art3", "jp_sct_art11_12"]
TERMINATE = ["contract", "jp_civil_541_542"]
FORWARD = ["legitimate_business_act", "jp_tba_art4"]


def _mail_ladder() -> list[dict]:
    """Rules 1 and 8: our mail account sends (or relays) spam."""
    return [
        {"when": {"evidence": "E1"}, "level": "L2", "clauses": ["C-19"], "legal_basis": WARN},
        {"when": {"evidence": "E2"}, "level": "L3", "also": ["L2"], "clauses": ["C-07"]},
        {"when": {"evidence": "E4"}, "level": "L4", "approval": "manager", "clauses": ["C-08"]},
        {
            "when": {"evidence": "E2", "after": "L4"},
            "level": "L7",
            "approval": "manager_legal",
            "clauses": ["C-10", "C-11"],
            "legal_basis": TERMINATE,
            "note": "Unresolved after L4: termination candidate.",
        },
    ]


DEFAULT_RULES: list[dict] = [
    {
        "key": "1",
        "position": 90,
        "title": "Our submission server, mail account, sending",
        "methods": ["contracted_isp_server"],
        "account_kinds": ["mail"],
        "roles": ["sending"],
        "intentional_at": "E2",
        "target": "mail_account",
        "clauses": ["C-03a"],
        "legal_basis": RESTRICT,
        "ladder": _mail_ladder(),
    },
    {
        "key": "2",
        "position": 20,
        "title": "Stolen credentials, mail account",
        "requires": ["stolen_credentials"],
        "account_kinds": ["mail"],
        "roles": ["sending", "relay"],
        "default_culpability": "victim",
        "target": "mail_account",
        "clauses": ["C-05", "C-07", "C-09"],
        "legal_basis": EMERGENCY,
        "ladder": [
            {
                "when": {"evidence": "E1"},
                "level": "L3",
                "also": ["L1"],
                "emergency": True,
                "review_hours": 24,
                "note": "Block sending and force a password reset; advise an alternate contact at "
                "once; restore after the reset. Staff review within one business day.",
            }
        ],
    },
    {
        "key": "3",
        "position": 70,
        "title": "Customer's own server, static connection, sending",
        "methods": ["self_operated_server"],
        "account_kinds": ["connection"],
        "connection_types": ["static"],
        "roles": ["sending"],
        "intentional_at": "E2",
        "target": "connection_account",
        "clauses": ["C-03a"],
        "legal_basis": RESTRICT,
        "ladder": [
            {"when": {"evidence": "E1"}, "level": "L2", "clauses": ["C-19"], "legal_basis": WARN},
            {
                "when": {"evidence": "E2"},
                "level": "L3",
                "clauses": ["C-07"],
                "note": "Withdraw the port-25 exemption.",
            },
            {
                "when": {"evidence": "E2", "after": "L3"},
                "level": "L6",
                "approval": "manager",
                "clauses": ["C-08"],
            },
            {
                "when": {"evidence": "E2", "after": "L6"},
                "level": "L7",
                "approval": "manager_legal",
                "clauses": ["C-10", "C-11"],
                "legal_basis": TERMINATE,
            },
        ],
    },
    {
        "key": "4",
        "position": 80,
        "title": "Customer's own server, dynamic connection, sending",
        "methods": ["self_operated_server"],
        "account_kinds": ["connection"],
        "connection_types": ["dynamic"],
        "roles": ["sending"],
        "target": "connection_account",
        "forward_to": "relaying_network",
        "clauses": ["C-03a"],
        "legal_basis": RESTRICT,
        "ladder": [
            {
                "level": "L0",
                "target": "forward",
                "legal_basis": FORWARD,
                "note": "Forward to the relaying network.",
            },
            {"when": {"evidence": "E2"}, "level": "L2", "clauses": ["C-19"], "legal_basis": WARN},
            {"when": {"evidence": "E4"}, "level": "L6", "approval": "manager", "clauses": ["C-07", "C-08"]},
        ],
    },
    {
        "key": "5",
        "position": 60,
        "title": "Hijacked host (infected PC, open proxy or relay), connection, sending",
        "methods": ["hijacked_host"],
        "account_kinds": ["connection"],
        "roles": ["sending", "relay"],
        "default_culpability": "victim",
        "target": "connection_account",
        "clauses": ["C-05"],
        "legal_basis": ["legitimate_business_act"],
        "ladder": [
            {
                "when": {"evidence": "E1"},
                "level": "L1",
                "clauses": ["C-03d"],
                "note": "Help to clean the host.",
            },
            {
                "when": {"evidence": "E3", "ongoing": True},
                "level": "L3",
                "emergency": True,
                "clauses": ["C-07", "C-09"],
                "legal_basis": EMERGENCY,
                "note": "Port-25 block or walled garden; a full L6 only as an emergency a manager approves.",
            },
        ],
    },
    {
        "key": "6",
        "position": 50,
        "title": "Wireless LAN used without permission, connection, sending",
        "methods": ["hijacked_host"],
        "hijack_kinds": ["wireless_lan"],
        "account_kinds": ["connection"],
        "roles": ["sending"],
        "default_culpability": "victim",
        "target": "connection_account",
        "clauses": ["C-05"],
        "legal_basis": ["legitimate_business_act"],
        "ladder": [
            {"when": {"evidence": "E1"}, "level": "L1", "note": "Advise hardening the wireless LAN."},
            {
                "when": {"evidence": "E1", "after": "L1"},
                "level": "L3",
                "clauses": ["C-07"],
                "legal_basis": RESTRICT,
                "note": "Restrict until fixed.",
            },
        ],
    },
    {
        "key": "7",
        "position": 40,
        "title": "Compromised web site, hosting, sending",
        "methods": ["hijacked_host"],
        "hijack_kinds": ["compromised_site"],
        "account_kinds": ["hosting"],
        "roles": ["sending"],
        "default_culpability": "victim",
        "target": "hosting_content",
        "clauses": ["C-05", "C-12"],
        "legal_basis": RESTRICT,
        "ladder": [
            {
                "when": {"evidence": "E1"},
                "level": "L3",
                "also": ["L1"],
                "clauses": ["C-07"],
                "note": "Disable the script or the site's outbound mail.",
            },
            {
                "when": {"evidence": "E1", "after": "L3"},
                "level": "L5",
                "approval": "manager",
                "note": "Not fixed within 3 business days.",
            },
        ],
    },
    {
        "key": "8",
        "position": 100,
        "title": "Another ISP's server, our mail account, relay",
        "methods": ["other_isp_server"],
        "account_kinds": ["mail"],
        "roles": ["relay"],
        "intentional_at": "E2",
        "target": "mail_account",
        "forward_to": "origin_network",
        "clauses": ["C-03a"],
        "legal_basis": RESTRICT,
        "ladder": _mail_ladder(),
    },
    {
        "key": "9",
        "position": 110,
        "title": "Another ISP's server, our connection, sending",
        "methods": ["other_isp_server"],
        "account_kinds": ["connection"],
        "roles": ["sending"],
        "target": "connection_account",
        "forward_to": "relaying_network",
        "clauses": ["C-03a"],
        "legal_basis": WARN,
        "ladder": [
            {
                "level": "L0",
                "target": "forward",
                "legal_basis": FORWARD,
                "note": "Forward to the relaying ISP.",
            },
            {"when": {"evidence": "E2", "own_logs": True}, "level": "L2", "clauses": ["C-19"]},
        ],
    },
    {
        "key": "10",
        "position": 120,
        "title": "Site promoted by spam on our hosting",
        "account_kinds": ["hosting"],
        "roles": ["hosting"],
        "intentional_if_sender": True,
        "target": "hosting_content",
        "clauses": ["C-03e", "C-12"],
        "legal_basis": HOSTED,
        "ladder": [
            {
                "when": {"evidence": "E1"},
                "level": "L2",
                "legal_basis": ["contract", "jp_sct_art11_12"],
                "note": "Stop the promotion and fix the legally required seller disclosures.",
            },
            {"when": {"evidence": "E1", "after": "L2"}, "level": "L5", "approval": "manager"},
            {
                "when": {"evidence": "E2", "after": "L5", "culpability": "intentional"},
                "level": "L7",
                "target": "hosting_account",
                "approval": "manager_legal",
                "clauses": ["C-10", "C-11"],
                "legal_basis": TERMINATE,
            },
        ],
    },
    {
        "key": "11",
        "position": 30,
        "title": "Compromised site used for phishing or redirects",
        "requires": ["phishing"],
        "hijack_kinds": ["compromised_site"],
        "account_kinds": ["hosting"],
        "default_culpability": "victim",
        "target": "hosting_content",
        "clauses": ["C-09", "C-12"],
        "legal_basis": ["emergency_necessity", "jp_idpa_art3"],
        "ladder": [
            {
                "when": {"evidence": "E1"},
                "level": "L5",
                "also": ["L1"],
                "emergency": True,
                "review_hours": 24,
                "note": "Disable the path at once and advise the customer; reviewed afterwards.",
            }
        ],
    },
    {
        "key": "12",
        "position": 10,
        "title": "Sub-allocated block or transit customer",
        "requires": ["delegated_network"],
        "roles": ["sending", "upstream"],
        "target": "forward",
        "forward_to": "holder",
        "clauses": ["C-14"],
        "legal_basis": FORWARD,
        "ladder": [
            {
                "level": "L0",
                "note": "Forward to the block holder's abuse contact with a deadline of 5 business days.",
            },
            {
                "when": {"warned": True},
                "level": "L2",
                "approval": "manager",
                "legal_basis": WARN,
                "note": "The deadline passed: escalate under the resale clause.",
            },
        ],
    },
    {
        "key": "13",
        "position": 15,
        "title": "External spam received by our customers",
        "requires": ["external_only"],
        "target": "none",
        "forward_to": "origin_network",
        "clauses": ["C-16", "C-15"],
        "legal_basis": ["consent", "jp_tba_art4"],
        "ladder": [
            {
                "level": "L0",
                "notice": False,
                "note": "Acknowledge the complainant, explain the limits, offer opt-in filtering; "
                "with consent forward to the origin's abuse contact.",
            }
        ],
    },
    {
        "key": "14",
        "position": 200,
        "kind": "repeat_offender",
        "title": "Repeat offender",
        "default_culpability": "intentional",
        "clauses": ["C-10", "C-11"],
        "legal_basis": TERMINATE,
        "ladder": [
            {
                "when": {"evidence": "E1", "after": "L4", "culpability": "intentional"},
                "level": "L7",
                "approval": "manager_legal",
                "note": "Intentional cases ending at L4 or above, repeatedly, within the window.",
            }
        ],
    },
]


def seed_defaults(clause_model, criteria_set_model, rule_model) -> None:
    """Seed the catalogue and criteria version 1; does nothing for what exists already.

    Takes the models as arguments so a data migration can pass its historical ones.
    """
    for catalogue_id, title, title_ja, text in CLAUSES:
        clause_model.objects.get_or_create(
            catalogue_id=catalogue_id,
            version=1,
            defaults={
                "title": title,
                "title_ja": title_ja,
                "text": text,
                "effective_from": CATALOGUE_EFFECTIVE_FROM,
            },
        )
    if criteria_set_model.objects.exists():
        return
    criteria = criteria_set_model.objects.create(version=1, is_active=True, note="Default set (POLICY.md)")
    rule_model.objects.bulk_create(rule_model(criteria_set=criteria, **rule) for rule in DEFAULT_RULES)
