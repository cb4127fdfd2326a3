"""Mail sent by a web script on our shared hosting server, found mishandled by probing
(session 33): a script in a hidden folder is a planted one (rule 7), and Plesk's stamp
names the site as PHP's and cPanel's do."""

import pytest

from tests.attribution.test_methods import file  # noqa: F401  (fixture)
from tests.attribution.test_probed_inside import T
from tests.attribution.test_probed_sending import filed, spam, utc
from tests.attribution.test_rules import codes

pytestmark = pytest.mark.django_db


def _from_our_shared_server(*stamps: str) -> bytes:
    return spam([
        f"from web3.hosting.isp.example.jp (web3.hosting.isp.example.jp [203.0.113.70]) by mx.receiver.example (Postfix) with ESMTPS id S1; {utc(T)}",  # noqa: E501
        f"by web3.hosting.isp.example.jp (Postfix, from userid 10001) id 9A8B7C; {utc(T)}",
        *stamps,
    ])  # fmt: skip


@pytest.mark.parametrize(
    "path", ["/.well-known/pki-validation/wp-conf.php", "/wp-includes/.cache/index.php"]
)
def test_a_script_in_a_hidden_folder_was_planted(file, path):  # noqa: F811
    raw = _from_our_shared_server("X-PHP-Originating-Script: 10001:x.php", f"X-PHP-Script: www.shop.example.jp{path} for 45.33.12.34")  # noqa: E501
    a, case = filed(file, raw)
    assert a["accounts"] == ["H-1"] and "script_planted_in_site" in codes(a), codes(a)
    assert case["recommendation"]["rule"] == "7"


def test_a_script_of_the_site_itself_is_not_called_planted(file):  # noqa: F811
    raw = _from_our_shared_server("X-PHP-Originating-Script: 10001:contact.php", "X-PHP-Script: www.shop.example.jp/contact/../contact.php for 45.33.12.34")  # noqa: E501
    a, _case = filed(file, raw)
    assert a["accounts"] == ["H-1"] and "script_planted_in_site" not in codes(a), codes(a)


def test_plesks_virtual_host_stamp_names_the_site(file):  # noqa: F811
    raw = _from_our_shared_server("X-PPP-Message-ID: <20261120053501.12345@web3.hosting.isp.example.jp>", "X-PPP-Vhost: shop.example.jp")  # noqa: E501
    a, _case = filed(file, raw)
    assert a["accounts"] == ["H-1"], codes(a)


def test_a_plesk_stamp_naming_another_site_than_phps_names_none(file):  # noqa: F811
    raw = _from_our_shared_server("X-PHP-Script: www.shop.example.jp/x.php for 45.33.12.34", "X-PPP-Vhost: other-tenant.example")  # noqa: E501
    a, _case = filed(file, raw)
    assert a["accounts"] == [] and "web_script_sites_disagree" in codes(a), codes(a)
