"""Alembic environment: runs on the connection handed over by ``banshi.store.db.migrate``."""

from alembic import context

import banshi.services.tables  # noqa: F401,E402 - service and action tables
from banshi.memory import tables as _memory_tables  # noqa: F401  (memory's tables)
from banshi.store.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
