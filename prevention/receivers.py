"""The inventory's announcements this app acts on."""

from __future__ import annotations

from django.dispatch import receiver

from subscribers.signals import maillog_imported


@receiver(maillog_imported, dispatch_uid="prevention.volume_after_maillog_import")
def volume_after_maillog_import(sender, hours, **kwargs) -> str:
    """Check the volume limits for the hours an import wrote to; the line is printed."""
    from .services.volume import volume_detect

    if not hours:
        return ""
    return volume_detect(hours=hours).line()
