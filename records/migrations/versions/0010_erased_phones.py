"""erased_phones: keyed hashes of erased customers' opted-out phones (PIPL erasure keeps only these)

`jinli customers erase` anonymises a customer everywhere; a number that had opted out is kept only as
HMAC-SHA256(JINLI_ERASURE_KEY, E.164), so a later import of the same number stays opted out.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import records.types


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('erased_phones',
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('erased_at', records.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest')
    )


def downgrade() -> None:
    op.drop_table('erased_phones')
