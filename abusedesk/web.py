"""Web glue every app's views share: the desk permission, 404s, form and service errors.

Services raise ApplicationError (abusedesk.errors); the API maps it in its exception
handler, and the browser views map it here, so that each app's views need no copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404

from .errors import ApplicationError, NotFound

T = TypeVar("T")

desk_required = permission_required("abusedesk.work_desk", raise_exception=True)


def get_or_404(selector: Callable[..., T], *args, **kwargs) -> T:
    """Call a selector; its NotFound (missing, or not the user's to see) becomes a 404."""
    try:
        return selector(*args, **kwargs)
    except NotFound:
        raise Http404 from None


def form_errors(form) -> str:
    """A form's errors as one line for the messages list."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def form_error_lines(form) -> list[str]:
    """One line per error, labelled with its field, for the messages list."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        lines.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return lines


def report_error(request, exc: ApplicationError) -> None:
    """A service's refusal, with its field reasons, as one message."""
    details = [str(msg) for msgs in exc.fields.values() for msg in msgs]
    messages.error(request, " ".join([exc.message, *details]))


def search_text(value: str | None) -> str:
    """What a person typed into a search box, as the desk stores it: full-width letters,
    digits and punctuation (a Japanese input method's ＡＤＲ－１７, １９８．５１．…) as their
    ASCII forms (NFKC), the ideographic full stop typed into an address as a dot."""
    import unicodedata

    text = unicodedata.normalize("NFKC", value or "").strip()
    if text and all(c.isdigit() or c in "。." for c in text):
        text = text.replace("。", ".")
    return text
