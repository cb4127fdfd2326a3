from abusedesk.i18n import mail_language


def test_an_address_under_jp_is_written_to_in_japanese_whatever_its_case():
    assert mail_language("taro@Example.CO.JP") == "ja"
    assert mail_language("taro@example.jp.") == "ja"


def test_a_person_who_wrote_in_japanese_is_answered_in_japanese():
    assert mail_language("someone@example.com", "迷惑メールの報告") == "ja"


def test_otherwise_english():
    assert mail_language("someone@example.com", "Spam report") == "en"
    assert mail_language("jp@example.com") == "en"
    assert mail_language("") == "en"
