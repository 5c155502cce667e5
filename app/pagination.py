"""Pagination of a SELECT: one COUNT and one page query."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, stmt: Select, page: int, per_page: int) -> Page:
    # Count with the statement's own FROM/WHERE but no selected columns: wrapping it in a
    # subquery would drag every column and eager-loaded join into the count.
    total = session.scalar(stmt.order_by(None).with_only_columns(func.count(), maintain_column_froms=True))
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=items, total=total or 0, page=page, per_page=per_page)
