"""Mail that left through our own servers from inside our network, found mishandled by
probing (session 33): a webmail or application server on loopback or a private address
handing mail to our smarthost without a login, and a hosted Exchange's MAPI line. The
walk ends at an internal address, so there is no public origin; the desk called the
mail "not ours" and grouped it by its link."""

from datetime import timedelta

import pytest

from subscribers.services import maillog_record
from tests.attribution.conftest import HANDOVER
from tests.attribution.test_methods import file  # noqa: F401  (fixture)
from tests.attribution.test_probed_sending import filed, spam, utc
from tests.attribution.test_rules import codes

pytestmark = pytest.mark.django_db
T = HANDOVER + timedelta(hours=1)
SMARTHOST = f"from smtp1.isp.example.jp (smtp1.isp.example.jp [192.0.2.5]) by mx.receiver.example (Postfix) with ESMTPS id R1; {utc(T)}"  # fmt: skip


def _logged(client_ip: str, queue_id: str, message_id: str) -> None:
    maillog_record(kind="submission", service="smtp", login="hanako", client_ip=client_ip, at=T,
                   host="smtp1", queue_id=queue_id, message_id=message_id)  # fmt: skip


@pytest.mark.parametrize("client", ["localhost [127.0.0.1]", "crm01.dc.isp.example.jp [10.1.2.3]"])
def test_an_internal_client_without_a_login_is_named_by_our_log_of_the_queue_id(file, client):  # noqa: F811
    _logged("127.0.0.1", "INT1", "<int1@isp.example.jp>")
    inside = f"from webmail.isp.example.jp ({client}) by smtp1.isp.example.jp (Postfix) with ESMTP id INT1; {utc(T)}"
    a, case = filed(file, spam([SMARTHOST, inside], sender="hanako@isp.example.jp", msgid="<int1@isp.example.jp>"))
    assert a["roles"] == ["sending"], codes(a)
    assert a["accounts"] == ["M-2"], codes(a)
    assert a["sending_method"] == "contracted_isp_server"
    assert "chain_ends_inside_our_network" in codes(a) and "maillog_confirms" in codes(a)
    # Our own webmail host is no "new network" the login was used from.
    assert "login_from_new_network" not in codes(a)
    assert case["recommendation"]["rule"] == "1"


def test_an_internal_client_our_log_does_not_know_is_ours_with_its_holder_unknown(file):  # noqa: F811
    inside = f"from app01 (app01.dc.isp.example.jp [10.9.9.9]) by smtp1.isp.example.jp (Postfix) with ESMTP id NOLOG; {utc(T)}"
    a, _case = filed(file, spam([SMARTHOST, inside]))
    assert a["roles"] == ["sending"], codes(a)
    assert a["accounts"] == []
    assert "maillog_no_match" in codes(a)


def test_a_hosted_exchange_mapi_line_is_a_submission_through_our_server(file):  # noqa: F811
    maillog_record(kind="submission", service="smtp", login="hanako", client_ip="10.20.0.13", at=T,
                   host="exhub01", queue_id="EXQ1", message_id="<EX1@EXMBX03.hosted.isp.example.jp>")  # fmt: skip
    lines = [
        f"from EXHUB01.hosted.isp.example.jp (192.0.2.9) by mx.receiver.example (Postfix) with ESMTPS id R1; {utc(T)}",
        "from EXMBX03.hosted.isp.example.jp (10.20.0.13) by EXHUB01.hosted.isp.example.jp (192.0.2.9) with "
        f"Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.1.2507.6; {utc(T)}",
        "from EXMBX03.hosted.isp.example.jp ([fe80::1c2d:3e4f:5a6b:7c8d%12]) by EXMBX03.hosted.isp.example.jp "
        f"([fe80::1c2d:3e4f:5a6b:7c8d%12]) with mapi id 15.01.2507.006; {utc(T)}",
    ]
    a, _case = filed(file, spam(lines, sender="hanako@isp.example.jp", msgid="<EX1@EXMBX03.hosted.isp.example.jp>"))
    assert a["roles"] == ["sending"] and a["accounts"] == ["M-2"], codes(a)


def test_a_chain_ending_inside_another_network_is_not_ours(file):  # noqa: F811
    """The receiver's own internal hop: the walk ends at its private address, in its network."""
    lines = [
        f"from relay.receiver.example (relay.receiver.example [10.0.0.7]) by mx.receiver.example (Postfix) with ESMTP id R2; {utc(T)}",
    ]
    a, _case = filed(file, spam(lines))
    assert "sending" not in a["roles"], codes(a)
    assert "chain_ends_inside_our_network" not in codes(a)


@pytest.mark.parametrize(("helo", "rule", "method"), [("xkqzvbtrwp", "5", "hijacked_host"), ("user-pc", None, "contracted_isp_server")])  # noqa: E501
def test_a_customers_pc_relaying_through_our_smarthost_by_address_is_checked_for_a_bot(file, helo, rule, method):  # noqa: F811, E501
    """Our smarthost relays for our own networks without a login, and malware uses the
    smarthost it finds configured: a bot's random greeting to our server shows a hijacked
    machine (rule 5, the holder a victim), as it would straight to a foreign MX."""
    line = (
        f"from p1023-ipngn.dyn.isp.example.jp ([198.51.100.23]:51234 helo={helo}) by smtp1.isp.example.jp "
        "with esmtp (Exim 4.96) (envelope-from <sale@spammer.example>) id 1tXrel-000AbC-1A "
        f"for victim@receiver.example; {utc(T)}"
    )
    a, case = filed(file, spam([SMARTHOST, line]))
    assert a["accounts"] == ["C-2"], codes(a)
    assert a["sending_method"] == method
    assert case["recommendation"].get("rule") == rule


def test_two_phished_webmail_accounts_sending_one_link_are_two_cases_keyed_by_login(file):  # noqa: F811
    """Grouped by the link they share, the two accounts' runs were one case naming two
    subscribers; our log of each queue ID names each login, as the attribution reads it."""
    keys = []
    for login, queue_id in (("hanako", "WA1"), ("taro", "WA2")):
        maillog_record(kind="submission", service="smtp", login=login, client_ip="127.0.0.1", at=T,
                       host="smtp1", queue_id=queue_id, message_id=f"<{queue_id}@isp.example.jp>")  # fmt: skip
        inside = f"from webmail.isp.example.jp (localhost [127.0.0.1]) by smtp1.isp.example.jp (Postfix) with ESMTP id {queue_id}; {utc(T)}"  # noqa: E501
        a, case = filed(file, spam([SMARTHOST, inside], msgid=f"<{queue_id}@isp.example.jp>"))
        assert len(a["accounts"]) == 1, codes(a)
        keys.append(case["key"])
    assert keys == ["login:hanako", "login:taro"]
