"""Storage: PostgreSQL through asyncpg, the one source of truth and coordination point."""

from bot.db.database import Database, DatabaseUnavailable, open_database

__all__ = ["Database", "DatabaseUnavailable", "open_database"]
