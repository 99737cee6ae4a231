"""the 月月返 index (monthly-return holdings by the start date's day of the month) and the claim index

The dispatcher claims ``state = 'planned' AND due_at <= now ORDER BY due_at, id LIMIT n``; with
(state, due_at) alone PostgreSQL sorts every planned row sharing a due time (300,000 on a big notice
day) on each claim. (state, due_at, id) serves the order directly and replaces it.

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
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_state_due_id', ['state', 'due_at', 'id'], unique=False)
        batch_op.drop_index('ix_outbox_state_due')


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_state_due', ['state', 'due_at'], unique=False)
        batch_op.drop_index('ix_outbox_state_due_id')
    op.drop_index(NAME, table_name='holdings')
