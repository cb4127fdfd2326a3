"""Stored values are stable English keys; labels are translated for display."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    """What an API key may call. A key works only on endpoints of its own scope."""

    # Desk users and partner ISPs: every endpoint except sign-up screening.
    API = "api", _("Desk and partner API")
    # The ISP's own sign-up system: POST /api/v1/screening/ and nothing else.
    SCREENING = "screening", _("Sign-up screening only")
