"""the 月月返 index: monthly-return holdings by the start date's day of the month

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

NAME = 'ix_holdings_monthly_return_day'


def upgrade() -> None:
    # extract() is compiled per dialect: CAST(STRFTIME('%d', start_on) AS INTEGER) on SQLite,
    # EXTRACT(day FROM start_on) on PostgreSQL; the same expressions the audience query uses.
    monthly = sa.column('monthly_return', sa.Boolean).is_(True)
    op.create_index(NAME, 'holdings',
                    [sa.extract('day', sa.column('start_on', sa.Date)), 'customer_id', 'maturity_on', 'start_on',
                     'amount_fen', 'term'],
                    unique=False, sqlite_where=monthly, postgresql_where=monthly)


def downgrade() -> None:
    op.drop_index(NAME, table_name='holdings')
