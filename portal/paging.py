"""Lists shown a page at a time: one COUNT and one page of rows, whatever the list's size."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db


@dataclass
class Page:
    rows: list
    total: int
    page: int
    pages: int


def paginate(
    query: sa.Select, count_column, order_by: tuple, page: int, size: int, *, objects=False
) -> Page:
    """Page `page` (1-based, kept within the pages there are) of `query` sorted by
    `order_by`, `size` rows a page: flat rows, or with `objects` the one entity it selects."""
    total = db.session.execute(
        query.with_only_columns(sa.func.count(count_column)).order_by(None)
    ).scalar_one()
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    result = db.session.execute(query.order_by(*order_by).limit(size).offset((page - 1) * size))
    rows = list(result.scalars()) if objects else result.all()
    return Page(rows=rows, total=total, page=page, pages=pages)
