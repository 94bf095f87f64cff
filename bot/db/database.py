"""The connection pool, the embedded server for machines without PostgreSQL, and migrations."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg

log = logging.getLogger(__name__)

# Errors that mean "the database is not there right now", as opposed to a bug in a query.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.InternalClientError,  # a connection left broken by a server-side kill
)


class DatabaseUnavailable(Exception):
    """The database cannot be reached; callers answer 503 and let the sender retry."""


async def _init_connection(conn: asyncpg.Connection) -> None:
    import json

    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class PooledConnection(asyncpg.Connection):
    """A pool connection released without asyncpg's reset query (`pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL`), a round trip on every release. Nothing here leaves session state behind: LISTEN
    and the leader's lock live on connections of their own, locks on pool connections are transaction locks
    (the migrations' session lock is released explicitly), cursors live inside transactions, and SET is not
    used. An open transaction is still rolled back on release (asyncpg does that whatever the query is)."""

    def get_reset_query(self) -> str:
        return ""


class Database:
    """A thin wrapper over an asyncpg pool that turns connection failures into DatabaseUnavailable."""

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.url = url

    @classmethod
    async def connect(cls, url: str, *, min_size: int = 1, max_size: int = 10) -> Database:
        pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, init=_init_connection,
                                         command_timeout=30, connection_class=PooledConnection)
        return cls(pool, url)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        try:
            async with asyncio.timeout(5):  # not acquire(timeout=): its wait_for makes a task per acquire
                conn = await self.pool.acquire()
        except Exception as exc:  # whatever stops us getting a connection, the database is not there
            raise DatabaseUnavailable(str(exc) or type(exc).__name__) from exc
        try:
            yield conn
        except UNAVAILABLE_ERRORS as exc:
            with contextlib.suppress(Exception):
                conn.terminate()  # never hand a broken connection to the next caller
            raise DatabaseUnavailable(str(exc) or type(exc).__name__) from exc
        finally:
            with contextlib.suppress(Exception):
                await self.pool.release(conn, timeout=5)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.connection() as conn, conn.transaction():
            yield conn

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async with self.connection() as conn:
            return await conn.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        async with self.connection() as conn:
            return await conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self.connection() as conn:
            return await conn.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        async with self.connection() as conn:
            return await conn.execute(query, *args)

    async def notify(self, channel: str) -> None:
        await self.execute("SELECT pg_notify($1, '')", channel)

    async def close(self, patience: float = 10.0) -> None:
        """Closes the pool, waiting `patience` seconds at most for connections still in use: `Pool.close` waits for
        every connection to be released, and one held by a task the shutdown could not end would hold the stop
        forever. What is still in use then is terminated (its transaction rolls back) and named in the log."""
        try:
            await asyncio.wait_for(self.pool.close(), patience)
        except TimeoutError:
            log.warning("closing the database pool: connections still in use after %.0f s were terminated", patience)
            self.pool.terminate()


MIGRATIONS_LOCK = 7_420_001  # advisory lock id: one replica migrates at a time


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("bot.db") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def migrate(db: Database) -> list[str]:
    """Applies the numbered migrations not yet applied; safe to run from several replicas at once."""
    applied: list[str] = []
    async with db.connection() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATIONS_LOCK)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for number, name, sql in _migrations():
                if number in done:
                    continue
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                       number, name)
                applied.append(name)
                log.info("applied migration %s", name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATIONS_LOCK)
    return applied


def quiet_runtime_dir() -> None:
    """pgserver keeps its lock in the user's runtime folder; without XDG_RUNTIME_DIR (a server, a container)
    platformdirs warns at every start, twice. Give it the folder it would fall back to anyway."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        folder = Path(tempfile.gettempdir()) / f"runtime-{os.getuid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
        try:  # made earlier by another program with the usual 0755: platformdirs would still warn
            if folder.stat().st_uid == os.getuid() and folder.stat().st_mode & 0o077:
                folder.chmod(0o700)
        except OSError:
            return
        os.environ["XDG_RUNTIME_DIR"] = str(folder)


def forget_dead_handles(pgdata: Path) -> list[int]:
    """Removes processes that no longer exist from pgserver's list of the server's users.

    pgserver stops the server when its last user exits, and counts users in `.handle_pids.json`; a process killed
    with -9 never takes itself off, so the next normal stop would leave the server running forever. Returns the
    pids forgotten.
    """
    from pgserver.postgres_server import PostgresServer

    path = pgdata / ".handle_pids.json"
    with PostgresServer._lock:
        try:
            listed = json.loads(path.read_text())
        except (OSError, ValueError):
            return []
        alive = [pid for pid in listed if isinstance(pid, int) and _running(pid)]
        if alive != listed:
            path.write_text(json.dumps(alive))
            log.warning("embedded PostgreSQL: forgot %s, processes that died without stopping it",
                        sorted(set(listed) - set(alive)))
        return [pid for pid in listed if pid not in alive]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    try:  # a zombie has exited already
        return " Z " not in Path(f"/proc/{pid}/stat").read_text().split(")", 1)[-1][:4]
    except OSError:
        return True


class EmbeddedPostgres:
    """PostgreSQL from the `pgserver` wheel, so a fresh machine needs nothing but pip."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    async def start(self) -> str:
        quiet_runtime_dir()
        import pgserver

        self.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(forget_dead_handles, self.data_dir)
        self._server = await asyncio.to_thread(pgserver.get_server, str(self.data_dir.resolve()),
                                               cleanup_mode="stop")
        return self._server.get_uri()

    async def stop(self) -> None:
        if self._server is not None:
            await asyncio.to_thread(self._server.cleanup)
            self._server = None


@asynccontextmanager
async def open_database(url: str | None, data_dir: Path, *, run_migrations: bool = True,
                        max_size: int = 10) -> AsyncIterator[Database]:
    """Connects to `url`, or starts the embedded server in `data_dir/pgdata` when there is none."""
    embedded = None
    if not url:
        embedded = EmbeddedPostgres(data_dir / "pgdata")
        url = await embedded.start()
        log.info("embedded PostgreSQL running in %s", embedded.data_dir)
    db = await Database.connect(url, max_size=max_size)
    try:
        if run_migrations:
            await migrate(db)
        yield db
    finally:
        await db.close()
        if embedded is not None:
            await embedded.stop()
