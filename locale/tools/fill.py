"""Fill the Japanese catalogue from ja.py (then ja_extra.py) and compile it.

    python manage.py makemessages -l ja --ignore=.venv --ignore=bench --ignore=tests
    python locale/tools/fill.py          # needs `pip install polib` (a tool, not a dependency)
    python manage.py compilemessages -l ja --ignore=.venv

Prints the msgids that still have no translation.
"""

import sys
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).parent))
from ja import JA  # noqa: E402
from ja_extra import JA_EXTRA, JA_EXTRA_PLURAL  # noqa: E402

SINGULAR = {**JA_EXTRA, **JA}  # ja.py wins
PLURAL = {**JA_EXTRA_PLURAL, **JA}  # one form: nplurals=1

path = Path(__file__).resolve().parents[1] / "ja" / "LC_MESSAGES" / "django.po"
po = polib.pofile(str(path))
missing = []
for entry in po:
    if entry.msgid_plural and entry.msgid in PLURAL:
        entry.msgstr_plural = {0: PLURAL[entry.msgid]}
    elif not entry.msgid_plural and entry.msgid in SINGULAR:
        entry.msgstr = SINGULAR[entry.msgid]
    else:
        if not (entry.msgstr or any(entry.msgstr_plural.values())) or "fuzzy" in entry.flags:
            missing.append(entry.msgid)
        continue
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = None
po.metadata.update(
    {"Language": "ja", "Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=1; plural=0;"}
)
po.save()
for msgid in missing:
    print("untranslated:", msgid)
