"""Page numbers that stay cheap on big registers: the count is exact up to a bound
beyond the page asked for, and labelled as "more than" past it, so a list never counts
200,000 rows to show its first page."""

from __future__ import annotations

from contextlib import suppress

from django.core.paginator import InvalidPage, Paginator
from django.utils.functional import cached_property

COUNT_BOUND = 10_000  # rows counted exactly past the page asked for


class BoundedPaginator(Paginator):
    """`count` is exact while the rows are fewer than the page asked for plus
    COUNT_BOUND; past that it is that bound and `count_exact` is False."""

    bound = COUNT_BOUND
    wanted = 1

    def validate_number(self, number):
        with suppress(TypeError, ValueError):
            self.wanted = max(int(number), 1)
        return super().validate_number(number)

    @cached_property
    def count(self) -> int:
        limit = self.wanted * self.per_page + self.bound
        rows = self.object_list
        if hasattr(rows, "values"):  # a queryset: count ids only, within the bound
            counted = rows.order_by().values("pk")[: limit + 1].count()
        else:
            counted = len(rows)
        self.count_exact = counted <= limit
        return min(counted, limit)

    count_exact = True


__all__ = ["COUNT_BOUND", "BoundedPaginator", "InvalidPage"]
