"""campaign pauses, cancelled events, message priority under the weekly cap

Staff can pause a campaign (``campaign_pauses``: the dispatcher claims none of its messages and
planning records nothing new for it until it is resumed) and cancel an event (``events.state``
becomes ``cancelled``, with the time in ``cancelled_at``). Each outbox row carries its campaign's
``priority``, so a higher-priority message can displace a customer's lowest-priority unsent one
when the weekly cap is reached; existing rows get priority 0.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import records.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign_pauses',
    sa.Column('campaign_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('since', records.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('campaign_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False,
                                      server_default='scheduled'))
        batch_op.add_column(sa.Column('cancelled_at', records.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('state')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('priority')
    op.drop_table('campaign_pauses')
