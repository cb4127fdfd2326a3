"""What the inventory announces. Other apps listen; subscribers imports none of them."""

from django.dispatch import Signal

# Sent by the import_maillog command after a file was imported, with `hours`: the
# sorted UTC clock hours (aware datetimes) its entries fell in. The volume detection
# (prevention) looks at those hours; a receiver returns a line for the command to print.
maillog_imported = Signal()
