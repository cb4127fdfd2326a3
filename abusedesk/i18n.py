"""The language of a mail the desk writes to a person who is not a user of the desk.

One rule for acknowledgements, replies and notices: Japanese for an address under
.jp or when the person wrote to us in Japanese, English otherwise.
"""

from __future__ import annotations

import re

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def mail_language(address: str, *written: str) -> str:
    domain = (address or "").rsplit("@", 1)[-1].strip().rstrip(".").lower()
    if domain.endswith(".jp") or any(JAPANESE.search(text or "") for text in written):
        return "ja"
    return "en"
