"""The Japanese catalogue is complete, and the compiled .mo is the .po as committed."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "ja" / "LC_MESSAGES"


def _msgattrib(*flags: str) -> str:
    out = subprocess.run(
        ["msgattrib", *flags, "--no-wrap", str(LOCALE / "django.po")],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


needs_gettext = pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext tools are not installed")


@needs_gettext
def test_every_message_has_a_japanese_translation():
    untranslated = [line for line in _msgattrib("--untranslated").splitlines() if line.startswith("msgid ")]
    # The header entry (msgid "") is always listed by msgattrib when anything is.
    assert [m for m in untranslated if m != 'msgid ""'] == []


@needs_gettext
def test_no_translation_is_left_fuzzy():
    fuzzy = [line for line in _msgattrib("--only-fuzzy").splitlines() if line.startswith("msgid ")]
    assert [m for m in fuzzy if m != 'msgid ""'] == []


@needs_gettext
def test_the_compiled_catalogue_matches_the_source(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(LOCALE / "django.po")], check=True)
    with open(LOCALE / "django.mo", "rb") as committed, open(fresh, "rb") as compiled:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(compiled)._catalog, (
            "run `make messages` and commit locale/ja/LC_MESSAGES/django.mo"
        )
