"""Writes to the inventory. Importers, the admin and the demo loader all come here.

Every function validates first and raises InventoryError with a reason a person can
act on; a write that passes validation does not fail on a database constraint.
"""

from subscribers.services.common import InventoryError, Outcome
from subscribers.services.inventory import (
    SIGNUP_FIELDS,
    account_upsert,
    account_values,
    block_delete,
    block_prefix_fields,
    block_upsert,
    block_values,
    hosted_names_parse,
    hosted_names_sync,
    since_checked,
    subscriber_signup_values,
    subscriber_upsert,
    subscriber_values,
)
from subscribers.services.maillog import (
    maillog_attach_message_id,
    maillog_bulk_record,
    maillog_entry_build,
    maillog_record,
    maillog_row_build,
    maillog_row_values,
)
from subscribers.services.natlog import (
    NatBlockResult,
    nat_address_check,
    nat_block_record,
    nat_block_release,
    nat_block_size_register,
    nat_ports_check,
)
from subscribers.services.sessions import (
    SessionResult,
    session_close,
    session_prefix_length_register,
    session_record,
)

__all__ = [
    "InventoryError",
    "Outcome",
    "SIGNUP_FIELDS",
    "SessionResult",
    "account_upsert",
    "account_values",
    "block_delete",
    "block_prefix_fields",
    "block_upsert",
    "block_values",
    "hosted_names_parse",
    "hosted_names_sync",
    "maillog_attach_message_id",
    "maillog_bulk_record",
    "maillog_entry_build",
    "maillog_record",
    "maillog_row_build",
    "maillog_row_values",
    "NatBlockResult",
    "nat_address_check",
    "nat_block_record",
    "nat_block_release",
    "nat_block_size_register",
    "nat_ports_check",
    "session_close",
    "session_prefix_length_register",
    "session_record",
    "since_checked",
    "subscriber_signup_values",
    "subscriber_upsert",
    "subscriber_values",
]
