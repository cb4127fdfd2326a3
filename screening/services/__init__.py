from .exchange import (
    exchange_eligible,
    exchange_expire,
    exchange_export,
    exchange_import,
    exchange_to_withdraw,
    participant_register,
    participant_set_active,
)
from .screen import may_screen, screening_run
from .terminations import termination_sync, termination_withdraw

__all__ = [
    "exchange_eligible",
    "exchange_expire",
    "exchange_export",
    "exchange_import",
    "exchange_to_withdraw",
    "may_screen",
    "participant_register",
    "participant_set_active",
    "screening_run",
    "termination_sync",
    "termination_withdraw",
]
