"""services and actions: sandbox orders, carts, office items, reminders, pending actions, audit log

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def _user() -> sa.Column:
    return sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "svc_orders",
        sa.Column("id", sa.String(32), primary_key=True),
        _user(),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("idem_key", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "idem_key", name="uq_svc_orders_idem"),
    )
    op.create_index("ix_svc_orders_user_id", "svc_orders", ["user_id"])
    op.create_index("ix_svc_orders_kind", "svc_orders", ["service", "kind"])

    op.create_table(
        "svc_carts",
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("restaurant", sa.String(200), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )

    op.create_table(
        "svc_office_items",
        sa.Column("id", sa.String(32), primary_key=True),
        _user(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("start_at", sa.DateTime(), nullable=True),
        sa.Column("end_at", sa.DateTime(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("idem_key", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "idem_key", name="uq_svc_office_idem"),
    )
    op.create_index("ix_svc_office_items_user_id", "svc_office_items", ["user_id"])

    op.create_table(
        "svc_reminders",
        sa.Column("id", sa.String(32), primary_key=True),
        _user(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("repeat_minutes", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("fired_at", sa.DateTime(), nullable=True),
        sa.Column("fire_count", sa.Integer(), nullable=False),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sa.Column("idem_key", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "idem_key", name="uq_svc_reminders_idem"),
    )
    op.create_index("ix_svc_reminders_user_id", "svc_reminders", ["user_id"])
    op.create_index("ix_svc_reminders_due_at", "svc_reminders", ["due_at"])

    op.create_table(
        "pending_actions",
        sa.Column("id", sa.String(32), primary_key=True),
        _user(),
        sa.Column("conversation_id", sa.String(32), nullable=True),
        sa.Column("tool", sa.String(100), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("idem_key", sa.String(100), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_pending_actions_user_id", "pending_actions", ["user_id"])
    op.create_index("ix_pending_actions_conversation_id", "pending_actions", ["conversation_id"])

    op.create_table(
        "action_log",
        sa.Column("id", sa.String(32), primary_key=True),
        _user(),
        sa.Column("conversation_id", sa.String(32), nullable=True),
        sa.Column("action_id", sa.String(32), nullable=True),
        sa.Column("tool", sa.String(100), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("write", sa.Boolean(), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("idem_key", sa.String(100), nullable=True),
        sa.Column("undo_tool", sa.String(100), nullable=False),
        sa.Column("undo_arguments", sa.JSON(), nullable=False),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "idem_key", name="uq_action_log_idem"),
    )
    op.create_index("ix_action_log_user_id", "action_log", ["user_id"])
    op.create_index("ix_action_log_created_at", "action_log", ["created_at"])


def downgrade() -> None:
    for table in ("action_log", "pending_actions", "svc_reminders", "svc_office_items", "svc_carts", "svc_orders"):
        op.drop_table(table)
