"""records.core_tables says what records.models says about customers and tier_history, column by column."""

from __future__ import annotations

import pytest

from sqlalchemy.dialects import postgresql, sqlite

from records import core_tables, models


def shape(table) -> list[tuple]:
    """Each column as both databases' DDL sees it, and as the reads see it (the UTC datetime type)."""
    return [(c.name, c.type.compile(dialect=sqlite.dialect()), c.type.compile(dialect=postgresql.dialect()),
             type(c.type).__name__ == "UTCDateTime", c.nullable, c.primary_key, bool(c.unique),
             sorted(fk.target_fullname for fk in c.foreign_keys)) for c in table.columns]


@pytest.mark.parametrize("core, model", [(core_tables.customers, models.Customer), (core_tables.tier_history, models.TierChange)],
                         ids=["customers", "tier_history"])
def test_the_core_table_has_the_models_columns(core, model):
    assert (core.name, shape(core)) == (model.__tablename__, shape(model.__table__))
