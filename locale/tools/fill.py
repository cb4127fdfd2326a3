"""Fill the Japanese catalogue from ja.py and compile it.

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

path = Path(__file__).resolve().parents[1] / "ja" / "LC_MESSAGES" / "django.po"
po = polib.pofile(str(path))
missing = []
for entry in po:
    if entry.msgid in JA:
        entry.msgstr = JA[entry.msgid]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    elif not entry.msgstr:
        missing.append(entry.msgid)
po.metadata.update(
    {"Language": "ja", "Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=1; plural=0;"}
)
po.save()
for msgid in missing:
    print("untranslated:", msgid)
