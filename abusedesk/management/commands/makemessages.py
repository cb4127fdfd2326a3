"""`makemessages` with output that merges well: no source locations, entries sorted.

Several people add strings at once; with line numbers and source order in the
catalogue every change rewrites hundreds of lines and two branches always conflict.
The .po file is the one source of the translations: edit its msgstr lines.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-location", "--sort-output"]
    msguniq_options = [*makemessages.Command.msguniq_options, "--no-location", "--sort-output"]
    msgattrib_options = [*makemessages.Command.msgattrib_options, "--no-location", "--sort-output"]
    xgettext_options = [*makemessages.Command.xgettext_options, "--no-location"]
