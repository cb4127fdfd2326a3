from django import template

from ..choices import IdentifierKind

register = template.Library()


@register.filter
def identifier_label(kind: str) -> str:
    """The translated name of an identifier kind ("phone" → 電話番号)."""
    try:
        return IdentifierKind(kind).label
    except ValueError:
        return kind
