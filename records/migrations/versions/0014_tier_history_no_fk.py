"""tier_history: no foreign key to customers (the first recompute writes a row per customer)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30

The recompute writes tier history set-based, one INSERT … SELECT joined to customers; a pin writes
the row of a customer it has just read. Customers are never deleted (an erasure blanks the row and
keeps its id), so the key never refused a row. On PostgreSQL it cost a trigger call and a row lock
on customers per history row: 5.0 of the 8.7 s that 1 M history rows took at 1 M customers (README,
Benchmarks).
"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# SQLite's key has no name: the batch rebuild names it by this convention to drop or add it.
_CONVENTION = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
_SQLITE_NAME = "fk_tier_history_customer_id_customers"
_POSTGRES_NAME = "tier_history_customer_id_fkey"


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('tier_history', naming_convention=_CONVENTION) as batch_op:
            batch_op.drop_constraint(_SQLITE_NAME, type_='foreignkey')
    else:
        op.drop_constraint(_POSTGRES_NAME, 'tier_history', type_='foreignkey')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('tier_history', naming_convention=_CONVENTION) as batch_op:
            batch_op.create_foreign_key(_SQLITE_NAME, 'customers', ['customer_id'], ['id'])
    else:
        op.create_foreign_key(_POSTGRES_NAME, 'tier_history', 'customers', ['customer_id'], ['id'])
