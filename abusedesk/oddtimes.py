"""Pages and API answers never break on an odd stored time.

A time near year 1 or 9999 (stored before intake checked it, or through a path that
does not) cannot be converted into a reader's zone: `astimezone` raises OverflowError
west of UTC for 0001-01-01 and east of it for 9999-12-31, and Django and DRF let that
become a 500 on every page that shows it. Such a time is shown unconverted (UTC)
instead; every other time is converted as before.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


def _safe_template_localtime(convert):
    def template_localtime(value, use_tz=None):
        try:
            return convert(value, use_tz)
        except OverflowError:
            return value

    template_localtime.__wrapped__ = convert
    return template_localtime


class SafeDateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, showing an unconvertible time as stored (UTC), and refusing
    one sent in (0001-01-01T00:00+09:00 is before year 1 in UTC) with a reason where
    DRF would raise OverflowError, a 500."""

    default_error_messages = {"out_of_range": _("Datetime value out of range: a date in UTC cannot hold it.")}

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("out_of_range")

    def to_representation(self, value):
        try:
            return super().to_representation(value)
        except OverflowError:
            return value.isoformat()


def install() -> None:
    """Called once from AbusedeskConfig.ready()."""
    from django.db import models
    from django.template import base, defaultfilters

    for module in (base, defaultfilters):
        current = getattr(module, "template_localtime", None)
        if current is not None and not hasattr(current, "__wrapped__"):
            module.template_localtime = _safe_template_localtime(current)
    serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = SafeDateTimeField
