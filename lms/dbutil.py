"""Small database helpers shared by the feature packages."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from lms.extensions import db


def insert_ignore(model, values: dict, index_elements: list[str], *, index_where=None, returning=None):
    """INSERT a row unless one with the same unique key exists.

    Returns True when inserted (or the ``returning`` column's value; None when not inserted).
    One statement (``ON CONFLICT DO NOTHING``, also against a partial unique index with
    ``index_where``), so two requests racing for the same key never raise and never make a
    second row; this is not read-then-insert, and it needs no savepoint.
    """
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = (module.insert(model).values(**values)
            .on_conflict_do_nothing(index_elements=index_elements, index_where=index_where)
            .returning(returning if returning is not None else sa.literal(1)))
    # RETURNING, not rowcount: psycopg reports no row count for ON CONFLICT inserts.
    row = db.session.execute(stmt).first()
    if returning is not None:
        return row[0] if row else None
    return row is not None


def upsert(model, values: dict | list[dict], index_elements: list[str], update: list[str]) -> None:
    """INSERT a row, or UPDATE the ``update`` columns of the row with the same unique key.

    ``values`` may be a list of rows: one multi-row statement, each row inserted or updated.
    """
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(model).values(values) if isinstance(values, list) else module.insert(model).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=index_elements,
                                      set_={col: stmt.excluded[col] for col in update})
    db.session.execute(stmt)


def count_by(column, *where) -> dict:
    """Return ``{value: count}`` of rows grouped by ``column``."""
    stmt = sa.select(column, sa.func.count()).where(*where).group_by(column)
    return dict(db.session.execute(stmt).all())
