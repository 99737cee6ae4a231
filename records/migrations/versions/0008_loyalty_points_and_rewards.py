"""loyalty points ledger, referral rewards, the points indicator in the tier history

``points_ledger``: one row per earning or spending of points, unique per (customer, reason, source
kind, source id, lot) so that recomputing earnings from the records is idempotent.
``referral_rewards``: the gift owed to a referrer per converted referral (owed → given | cancelled).
``tier_history`` gains the points balance and the points it gave (0 for older rows).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import records.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('points_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('source_kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('earned_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', records.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'reason', 'source_kind', 'source_id', 'lot_id', name='uq_points_ledger_source')
    )
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_points_ledger_spendings', ['lot_id'], unique=False,
                              sqlite_where=sa.text('lot_id <> 0'), postgresql_where=sa.text('lot_id <> 0'))

    op.create_table('referral_rewards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('referrer_id', sa.Integer(), nullable=False),
    sa.Column('referee_id', sa.Integer(), nullable=False),
    sa.Column('gift', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('owed_on', sa.Date(), nullable=False),
    sa.Column('given_at', records.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('given_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('cancelled_on', sa.Date(), nullable=True),
    sa.Column('cancel_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', records.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['referee_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ),
    sa.ForeignKeyConstraint(['referrer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('referral_id')
    )
    with op.batch_alter_table('referral_rewards', schema=None) as batch_op:
        batch_op.create_index('ix_referral_rewards_referrer_state', ['referrer_id', 'state'], unique=False)

    with op.batch_alter_table('tier_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('points', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('points_points', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('tier_history', schema=None) as batch_op:
        batch_op.drop_column('points_points')
        batch_op.drop_column('points')
    op.drop_table('referral_rewards')
    op.drop_table('points_ledger')
