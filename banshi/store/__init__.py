"""The database: engine and sessions (``db``), tables (``tables``), Alembic migrations.
SQLite (WAL) under BANSHI_HOME by default, any SQLAlchemy URL by configuration.
May import: config, errors."""
