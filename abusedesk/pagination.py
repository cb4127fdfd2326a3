"""Pagination for the queues without an exact COUNT(*) over big tables.

A queue over a million reports or 200,000 cases must not count every matching row
on each view: counting is a scan whatever the index. These paginators count at most
a window past the page asked for (`SELECT COUNT(*) FROM (… LIMIT n)`), which stays
an index range read, and say "more" when the window is full.
"""

from __future__ import annotations

from django.core.paginator import InvalidPage, Paginator
from django.utils.functional import cached_property
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

# Rows counted beyond the start of the page asked for; deeper pages still work (the
# window moves with the page number), the total is then shown as "at least".
COUNT_WINDOW = 1000
# No queue has this many pages; larger numbers are counted as this one.
MAX_PAGE = 1_000_000


class CappedPaginator(Paginator):
    """A Paginator whose `count` is exact up to the window and capped past it."""

    def __init__(self, object_list, per_page, *, number=None, window: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        try:
            # Bounded: a page number past any real queue must not overflow the database's
            # integers in the counting window (the page itself is then out of range).
            page = min(max(int(number), 1), MAX_PAGE)
        except (TypeError, ValueError):
            page = 1
        window = COUNT_WINDOW if window is None else window
        self.limit = (page - 1) * self.per_page + max(window, self.per_page) + 1

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            # A count needs no order. Kept, it makes the planner walk the queue's sort
            # index until it has found the window's rows, all of it for a filter that
            # matches few (0.4 s at 200,000 cases); without, it reads the filter's rows.
            rows = rows.order_by()
        return min(rows[: self.limit].count(), self.limit)

    @property
    def capped(self) -> bool:
        """True when there are more rows than were counted."""
        return self.count >= self.limit

    @property
    def pages_label(self) -> str:
        return f"{self.num_pages}+" if self.capped else str(self.num_pages)


def capped_page(queryset, per_page: int, number):
    """The page `number` (a query-string value; bad or out-of-range gives the nearest page)."""
    return CappedPaginator(queryset, per_page, number=number).get_page(number)


class CappedPageNumberPagination(PageNumberPagination):
    """DRF's page-number pagination with the capped count: `count` is exact below the
    window; `count_capped` says when it is a lower bound."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        number = request.query_params.get(self.page_query_param) or 1
        paginator = CappedPaginator(queryset, page_size, number=number)
        number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(number)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=number, message=str(exc))) from None
        return list(self.page)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "True when `count` is a lower bound (more rows than were counted).",
        }
        return schema
