"""accounts: the read-only analyst role

Revision ID: 0011
Revises: 0010
"""

from alembic import op


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD = "role IN ('learner', 'instructor', 'manager', 'admin')"
NEW = "role IN ('learner', 'instructor', 'manager', 'admin', 'analyst')"


def upgrade():
    # SQLite recreates `users` for this; migrations/env.py runs it with foreign keys off, so the
    # rows that reference users (enrolments, events, certificates...) are kept.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role_known"), type_="check")
        batch_op.create_check_constraint("role_known", NEW)


def downgrade():
    op.execute("UPDATE users SET role = 'learner' WHERE role = 'analyst'")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role_known"), type_="check")
        batch_op.create_check_constraint("role_known", OLD)
