"""FAB data interfaces that load a list page in a fixed number of queries.

FAB's SQLAInterface loads only the list columns of each row, and every related
object the page shows then costs one query per row (a page of 100 cases cost 599
queries over REST). These interfaces load whole rows and the related objects of the
whole page at once, so a list page issues the same number of queries at any length.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.models.sqla.filters import (
    FilterEqual,
    FilterRelationOneToManyEqual,
    SQLAFilterConverter,
)
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy.orm import selectinload

from ..models import Advice, Case, CaseStatus
from ..services.cases import tally
from .tenancy import TenantFilter


class RememberingConverter(SQLAFilterConverter):
    """FAB's filter converter, which works out each column's filters once per interface.

    FAB builds a `Filters` several times per list request (the search form, the inner
    query, the joined filters), and each converts every column of the model again: about
    200 conversions per case list, some 6 of its 40 ms of CPU. A column's filters follow
    from the model alone (they hold no request state), so they are remembered on the
    interface; a copy of the list is handed out, since FAB may extend it in place.
    """

    def convert(self, col_name: str) -> list[Any] | None:
        """The filters of `col_name`, converted on first use."""
        memo = self.datamodel.__dict__.setdefault("_converted_filters", {})
        if col_name not in memo:
            memo[col_name] = super().convert(col_name)
        found = memo[col_name]
        return list(found) if found else found


class RememberingInterface(SQLAInterface):
    """A SQLAInterface that converts filters once, and keeps its related interfaces."""

    filter_converter_class = RememberingConverter

    def get_related_interface(self, col_name: str) -> SQLAInterface:
        """The related model's interface (filters, selects), made on first use."""
        related = self.__dict__.setdefault("_related_interfaces", {})
        if col_name not in related:
            related[col_name] = RememberingInterface(self.get_related_model(col_name))
        return related[col_name]


class EagerInterface(RememberingInterface):
    """A SQLAInterface whose list query loads `eager` relationships page-wide."""

    def __init__(self, obj: Any, eager: tuple[Any, ...] = (), session: Any = None) -> None:
        super().__init__(obj, session=session)
        self.eager = eager

    def query(
        self,
        filters: Any = None,
        order_column: str = "",
        order_direction: str = "",
        page: int | None = None,
        page_size: int | None = None,
        select_columns: list[str] | None = None,
        outer_default_load: bool = False,
    ) -> tuple[int, list[Any]]:
        """Count and one page, with the related objects in one query per relationship."""
        count = self.tally_count(filters)
        if count is None:
            count = self.query_count(self.session.query(self.obj), filters, None)
        # The page's ids first, from the index alone: a deep page (OFFSET 50,000) then
        # skips index entries instead of reading 50,000 rows it does not show.
        key = self.obj.id
        ids = self.apply_all(
            self.session.query(key), filters, order_column, order_direction, page, page_size, None
        ).subquery()
        query = (
            self.session.query(self.obj)
            .options(*(selectinload(r) for r in self.eager))
            .filter(key.in_(self.session.query(ids.c.id)))
        )
        # Whole rows: FAB's column selection would leave out the keys the relations need.
        query = self.apply_all(query, None, order_column, order_direction, None, None, None)
        return count, query.all()

    def tally_count(self, filters: Any) -> int | None:
        """The count from the case tally when the filters allow it, else None.

        The cases of a municipality by status count 50,000 rows at a million (14 ms on
        every list page); the tally answers in one small sum. Only for what the tally
        holds, scoped to the user's organisation as the list is: any other filter, or a
        value FAB would read differently, leaves the count to the database.
        """
        if self.obj is not Case or filters is None:
            return None
        equal: dict[str, Any] = {}
        scoped = False
        for flt, values in zip(filters.filters, filters.values, strict=True):
            if type(flt) is TenantFilter:
                scoped = True
                continue
            # The screens give a list (FAB applies each value in turn), REST one value.
            for value in values if isinstance(values, list) else [values]:
                found = self._countable(flt, value)
                if found is None or equal.get(flt.column_name, found) != found:
                    return None
                equal[flt.column_name] = found
        return tally.count_where(equal) if scoped else None

    def _countable(self, flt: Any, value: Any) -> Any:
        """What the tally counts by for this filter and value, or None if it cannot."""
        if type(flt) is FilterEqual and flt.column_name in ("status", "advice"):
            kind = CaseStatus if flt.column_name == "status" else Advice
            return value if isinstance(value, kind) else kind.__members__.get(str(value))
        if type(flt) is FilterRelationOneToManyEqual and flt.column_name == "municipality":
            if not str(value).isdigit():
                return None
            related = self.get_related_obj(flt.column_name, int(value))
            return None if related is None else related.id  # None: FAB filters on "none"
        return None


def case_interface() -> EagerInterface:
    """Cases with their municipality, applicant, partner and handler."""
    return EagerInterface(Case, (Case.municipality, Case.applicant, Case.partner, Case.handler))
