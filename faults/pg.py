"""PostgreSQL for the experiments: the embedded server (`pgserver`) in a folder of its own, or $DATABASE_URL's, with a
fresh database per experiment, and the two outages the service must survive: stopped, and frozen.

With the embedded server both are real: `pg_ctl stop -m fast` and start again on the same socket, and SIGSTOP /
SIGCONT to the postmaster and every backend. An external server cannot be stopped from here, so the service then
talks to it through `Gate`, a loopback TCP relay that drops every connection (stopped) or stops moving bytes
(frozen) — the same picture from the service's side.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def pg_ctl(args: list[str], **kwargs: Any) -> str:
    """pgserver's `pg_ctl` (made when pgserver is imported, so a type checker cannot see it)."""
    import pgserver

    return pgserver.pg_ctl(args, **kwargs)  # type: ignore[attr-defined]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def with_host(url: str, host: str, port: int) -> str:
    parts = urlsplit(url)
    auth = parts.netloc.rpartition("@")[0]
    return urlunsplit((parts.scheme, f"{auth}@{host}:{port}" if auth else f"{host}:{port}", parts.path, parts.query,
                       parts.fragment))


class Gate:
    """A TCP relay in front of an external PostgreSQL: open, stopped (connections cut and refused) or frozen."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.mode = "open"
        self._moving = asyncio.Event()
        self._moving.set()
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._server: asyncio.AbstractServer | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def set(self, mode: str) -> None:
        self.mode = mode
        if mode == "frozen":
            self._moving.clear()
            return
        self._moving.set()
        if mode == "stopped":
            for client, upstream in list(self._pairs):
                client.close()
                upstream.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "stopped":
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        pair = (writer, up_writer)
        self._pairs.add(pair)
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            self._pairs.discard(pair)
            writer.close()
            up_writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, ConnectionError):
            while data := await reader.read(65536):
                await self._moving.wait()
                writer.write(data)
                await writer.drain()
        writer.close()

    async def close(self) -> None:
        self.set("stopped")
        if self._server is not None:
            self._server.close()


class Postgres:
    """The server every experiment uses; `fresh()` gives each a database of its own."""

    def __init__(self) -> None:
        self.external = os.environ.get("DATABASE_URL") or None
        self.folder: Path | None = None
        self.server: Any = None  # pgserver.PostgresServer
        self.admin_url = ""
        self.gate: Gate | None = None
        self._frozen: list[Any] = []

    @property
    def kind(self) -> str:
        return "external ($DATABASE_URL)" if self.external else "embedded (pgserver)"

    async def start(self) -> None:
        if self.external:
            self.admin_url = self.external
            parts = urlsplit(self.external)
            self.gate = Gate(parts.hostname or "127.0.0.1", parts.port or 5432)
            await self.gate.start()
            return
        import pgserver

        self.folder = Path(tempfile.mkdtemp(prefix="gospablik-faults-pg-"))
        self.folder.chmod(0o755)  # the server runs as its own user, which must enter the folder
        self.server = await asyncio.to_thread(pgserver.get_server, str(self.folder / "pgdata"), cleanup_mode="stop")
        self.admin_url = self.server.get_uri()

    async def fresh(self) -> str:
        """A new empty database; the URL the experiment itself uses (the service's: `service_url`)."""
        name = f"faults_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return with_database(self.admin_url, name)

    def service_url(self, url: str) -> str:
        """What the service is given: through the gate for an external server."""
        return with_host(url, "127.0.0.1", self.gate.port) if self.gate is not None else url

    # ---- the outages
    async def stop(self) -> None:
        if self.gate is not None:
            self.gate.set("stopped")
            return

        await asyncio.to_thread(pg_ctl, ["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata,
                                user=self.server.system_user, timeout=30)

    async def start_again(self) -> None:
        if self.gate is not None:
            self.gate.set("open")
            return

        info = self.server._postmaster_info  # where it listened: the same socket again
        args = ["-w", "-o", '-h ""', "-o", f"-k {info.socket_dir}", "-l", str(self.server.log), "start"]
        await asyncio.to_thread(pg_ctl, args, pgdata=self.server.pgdata, user=self.server.system_user,
                                timeout=30)
        from pgserver.utils import PostmasterInfo

        self.server._postmaster_info = PostmasterInfo.read_from_pgdata(self.server.pgdata)

    def freeze(self) -> int:
        """SIGSTOP to the postmaster and every backend; returns how many processes were stopped."""
        if self.gate is not None:
            self.gate.set("frozen")
            return 0
        import psutil
        from pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.server.pgdata)
        if info is None:
            return 0
        root = psutil.Process(info.pid)
        self._frozen = [root, *root.children(recursive=True)]
        for process in self._frozen:
            with contextlib.suppress(psutil.Error):
                process.send_signal(signal.SIGSTOP)
        return len(self._frozen)

    def thaw(self) -> None:
        if self.gate is not None:
            self.gate.set("open")
            return
        import psutil

        for process in self._frozen:
            with contextlib.suppress(psutil.Error):
                process.send_signal(signal.SIGCONT)
        self._frozen = []

    async def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        with contextlib.suppress(Exception):
            conn = await asyncpg.connect(self.admin_url, timeout=10)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()

    async def close(self) -> None:
        self.thaw()
        if self.gate is not None:
            await self.gate.close()
        if self.server is not None:
            await asyncio.to_thread(self.server.cleanup)
            self.server = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def postgres_processes(pgdata: Path) -> list[int]:
    """Pids of a postmaster still running on `pgdata` (an embedded server left behind)."""
    import psutil

    found = []
    for process in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if process.info.get("name") == "postgres" and str(pgdata) in " ".join(cmdline):
            found.append(process.pid)
    return found


async def stop_leftover(pgdata: Path) -> None:
    """Stops an embedded server nobody stopped, so the experiments leave nothing running."""
    import psutil

    if not postgres_processes(pgdata):
        return
    user = "pgserver" if os.geteuid() == 0 else None
    try:
        await asyncio.to_thread(pg_ctl, ["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=30)
    except Exception:
        for pid in postgres_processes(pgdata):
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()
