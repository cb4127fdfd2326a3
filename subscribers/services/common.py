"""What the inventory services share: the error, outcomes and small validators."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

from abusedesk.errors import ApplicationError

# How far two of the ISP's own synchronised clocks (a BRAS's and another's, the RADIUS
# server's and the CGN's) may disagree: an event stamped by one this close to another's
# edge cannot be put on either side of it. The inventory's own figure (the app imports
# nothing of the others); complaints.parsing.common.CLOCK_SKEW is the desk's for a
# receiver's clock against ours, and the two are kept equal.
CLOCK_SKEW = timedelta(seconds=30)


class InventoryError(ApplicationError, ValueError):
    """Input the inventory cannot accept; the message says why."""


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def required(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InventoryError(f"{field} is empty")
    return value


@functools.cache
def _values(choices: type[models.TextChoices]) -> frozenset[str]:
    # Django builds `choices.values` anew on every access: a bulk import validating
    # millions of lines spent a sixth of its time there.
    return frozenset(choices.values)


@functools.cache
def _canonical(choices: type[models.TextChoices]) -> dict[str, str]:
    return {value: value for value in choices.values}


def choice(value: str, choices: type[models.TextChoices], field: str) -> str:
    try:
        return _canonical(choices)[value]  # as given (an importer's constant): no cleaning to do
    except (KeyError, TypeError):
        pass
    value = (value or "").strip().lower()
    if value not in _values(choices):
        raise InventoryError(f"{field} {value!r} is not one of {', '.join(choices.values)}")
    return value


def email_or_blank(value: str, field: str = "email") -> str:
    value = (value or "").strip()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise InventoryError(f"{field} {value!r} is not an e-mail address") from None
    return value


def aware(value: datetime, field: str) -> datetime:
    if value.tzinfo.__class__ is timezone:  # a fixed offset (a parsed RFC 3339 stamp)
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise InventoryError(f"{field} {value.isoformat()} has no UTC offset")
    return value


def upsert(model: type[models.Model], lookup: dict, values: dict) -> tuple[models.Model, Outcome]:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), Outcome.CREATED
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if not changed:
        return obj, Outcome.UNCHANGED
    for field in changed:
        setattr(obj, field, values[field])
    obj.save(update_fields=changed + ["updated_at"])
    return obj, Outcome.UPDATED
