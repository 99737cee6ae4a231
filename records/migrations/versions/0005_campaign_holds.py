"""campaign holds (a configuration error stops a campaign's sends), template code and variables on the outbox

A domestic provider (Aliyun, Tencent) that rejects a template, a signature or the credentials would
reject every text of the campaign: the dispatcher puts the message back and holds the campaign
(``campaign_holds``) until staff release it. Domestic providers send a template code plus variables,
kept on the outbox row beside the rendered text. Their error codes are longer than Twilio's numbers
(FailedOperation.TemplateIncorrectOrUnapproved): outbox.error_code grows to 64 characters.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import records.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign_holds',
    sa.Column('campaign_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('error_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('since', records.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('campaign_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('template_params', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.alter_column('error_code', existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=64), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('error_code', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=20), existing_nullable=True)
        batch_op.drop_column('template_params')
        batch_op.drop_column('template_code')
    op.drop_table('campaign_holds')
