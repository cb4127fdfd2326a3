"""Stored values are stable English keys; labels are translated for display."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    """What an API key may call. A key works only on endpoints of its own scope."""

    # Desk users and partner ISPs: every endpoint except sign-up screening.
    API = "api", _("Desk and partner API")
    # The ISP's own sign-up system: POST /api/v1/screening/ and nothing else.
    SCREENING = "screening", _("Sign-up screening only")


# The attribution's vocabulary: complaints produces it, policies matches rules on it,
# sanctions and the pages show it. Here because complaints may not import policies.
class NetworkRole(models.TextChoices):
    """What our network did in the path of a message."""

    SENDING = "sending", _("Sending")
    RELAY = "relay", _("Relay")
    HOSTING = "hosting", _("Hosting")
    RECEIVING = "receiving", _("Receiving")
    UPSTREAM = "upstream", _("Upstream")
    NOT_OURS = "not_ours", _("Not ours")
    UNKNOWN = "unknown", _("Unknown")


class SendingMethod(models.TextChoices):
    """How the spam left our network (POLICY.md methods 1-4)."""

    CONTRACTED_ISP_SERVER = "contracted_isp_server", _("Our submission server")
    SELF_OPERATED_SERVER = "self_operated_server", _("Customer's own mail server")
    HIJACKED_HOST = "hijacked_host", _("Hijacked host")
    OTHER_ISP_SERVER = "other_isp_server", _("Another ISP's server")
