"""What the ingest benchmarks share: one embedded PostgreSQL, a fresh database per run, the servers of
`bench.serve` in processes of their own, and the measurements read from outside (backlog, card latency, RSS,
PostgreSQL's CPU)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg

from bot.db.database import EmbeddedPostgres
from bot.demo import GROUP_ID

SECRET = "bench-secret-" + uuid.uuid4().hex[:8]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return parts._replace(path=f"/{name}").geturl()


# The embedded server's defaults (a checkpoint every 1 GB of WAL) suit a municipality's pages; under the
# benchmark's 10,000 rows a second they checkpoint every minute, and each checkpoint's writes stalled every
# server's commits alike for up to half a second (the bare INSERT + COMMIT app's p99 went to 480 ms). A database
# server for such a rate is sized like this; each phase starts with a CHECKPOINT of its own.
WRITE_HEAVY = ("max_wal_size = '8GB'", "checkpoint_timeout = '30min'", "checkpoint_completion_target = 0.9")


@asynccontextmanager
async def postgres(folder: Path) -> AsyncIterator[str]:
    """The embedded server (or $DATABASE_URL's, as it is), for the whole benchmark."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    server = EmbeddedPostgres(folder / "pgdata")
    url = await server.start()
    conn = await asyncpg.connect(url)
    try:  # sized for the benchmark's write rate, so that a checkpoint comes only when a phase asks for one
        for setting in WRITE_HEAVY:
            await conn.execute(f"ALTER SYSTEM SET {setting}")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()
    try:
        yield url
    finally:
        await server.stop()


async def checkpoint(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await quiet_disk(conn)
    finally:
        await conn.close()


async def settled(url: str, *, at_most: float = 90) -> None:
    """No autovacuum at work anywhere on the server, then a checkpoint: a run must not share the cores with the
    housekeeping the previous run (on this database or another) left behind."""
    conn = await asyncpg.connect(url)
    try:
        deadline = time.perf_counter() + at_most
        while time.perf_counter() < deadline and await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"):
            await asyncio.sleep(0.5)
        await quiet_disk(conn)
    finally:
        await conn.close()


async def quiet_disk(conn: asyncpg.Connection) -> None:
    """A checkpoint now, so that a phase does not pay for the writes of the one before (the closed loop leaves
    hundreds of thousands of rows' pages dirty; their checkpoint would stall the next phase's commits for a
    second). Needs a superuser, as the embedded server's is; elsewhere the phase runs as it finds the disk."""
    with contextlib.suppress(asyncpg.PostgresError):
        await conn.execute("CHECKPOINT")


async def fresh_database(url: str, prefix: str = "bench", *, template: str | None = None) -> str:
    """A new database on the server; `template`: a copy of that database (nobody may be connected to it)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(url)
    try:
        if template is None:
            await conn.execute(f'CREATE DATABASE "{name}"')
        else:  # copied file by file: a 1,000,000-row history in seconds, not written again through the WAL
            source = urlsplit(template).path.lstrip("/")
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}" STRATEGY FILE_COPY')
    finally:
        await conn.close()
    return with_database(url, name)


async def drop_database(url: str, database_url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(database_url).path.lstrip("/")}" WITH (FORCE)')
    finally:
        await conn.close()


def spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    """Median (min–max) of alternated runs: what a table of noisy figures shows."""
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


@dataclass
class Server:
    mode: str
    port: int
    pids: dict[str, int]  # the processes that make up the server: one, or gospablik's web and worker

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/vk/{GROUP_ID}"

    def rss_mb(self, name: str | None = None) -> float:
        """Resident memory of the named process, or of all of them together."""
        total = 0.0
        for part, pid in self.pids.items():
            if name in (None, part):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
        return total


@asynccontextmanager
async def server(mode: str, database_url: str = "", *, messages_per_minute: int = 20) -> AsyncIterator[Server]:
    if mode == "gospablik":
        async with deployment(database_url, messages_per_minute=messages_per_minute) as found:
            yield found
        return
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.serve", mode, "--port", str(port), "--database-url", database_url,
        stdout=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 120)
        if line.strip() != b"ready":
            raise RuntimeError(f"the {mode} server did not start")
        yield Server(mode, port, {mode: proc.pid})
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()


@asynccontextmanager
async def fresh_deployment(pg: str, *,
                           messages_per_minute: int = 20) -> AsyncIterator[tuple[Server, asyncpg.Connection]]:
    """gospablik's `deployment` on a database of its own, with a connection to it; the database is dropped after."""
    database = await fresh_database(pg)
    try:
        async with server("gospablik", database, messages_per_minute=messages_per_minute) as s:
            conn = await asyncpg.connect(database)
            try:
                yield s, conn
            finally:
                await conn.close()
    finally:
        await drop_database(pg, database)


@asynccontextmanager
async def deployment(database_url: str, *, messages_per_minute: int = 20) -> AsyncIterator[Server]:
    """gospablik as a deployment that expects floods runs it: `gospablik run --role web` takes the webhooks,
    `gospablik run --role worker` judges, draws the cards and acts; the emulated VK and Telegram are a process of
    their own (`python -m bot.sandbox.serve`), as the real ones are elsewhere."""
    from faults.harness import SandboxProcess, Service

    folder = Path(tempfile.mkdtemp(prefix="gospablik-bench-"))
    web_port = free_port()
    sandbox = SandboxProcess(folder, service_url=f"http://127.0.0.1:{web_port}", ok=False, vk_secret=SECRET,
                             messages_per_minute=messages_per_minute)
    worker = Service(folder, sandbox, name="worker", database_url=database_url, role="worker",
                     public_url=f"http://127.0.0.1:{web_port}")
    web = Service(folder, sandbox, name="web", port=web_port, database_url=database_url, role="web")
    try:
        try:
            await sandbox.start()
            await worker.start(sandbox)  # migrates the database and leads: sets the chat's webhook to the web process
            await web.start()
        except BaseException:
            for process in (web.process, worker.process, sandbox.process):
                print(f"--- {process.name}:\n{process.tail()}", file=sys.stderr)
            raise
        assert web.process.pid is not None and worker.process.pid is not None
        yield Server("gospablik", web_port, {"web": web.process.pid, "worker": worker.process.pid})
    finally:
        await web.process.stop()
        await worker.process.stop()
        await sandbox.close()
        shutil.rmtree(folder, ignore_errors=True)


@asynccontextmanager
async def paused(pid: int | None, *, idle: float = 0.0) -> AsyncIterator[None]:
    """The process stopped (SIGSTOP) for the block and resumed whatever happens: the worker as if it ran on another
    machine. `idle`: seconds to wait first, so that a worker just started is stopped between its loops, not inside a
    batch. None pauses nothing (a server without a worker)."""
    if pid is None:
        yield
        return
    await asyncio.sleep(idle)
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


async def backlog(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM events WHERE status = 'new'"))


async def watch_backlog(conn: asyncpg.Connection, until: asyncio.Future[object],
                        every: float = 0.5) -> tuple[int, float]:
    """The largest backlog seen while `until` runs, and seconds from its end until the backlog is empty."""
    peak = 0
    while not until.done():
        peak = max(peak, await backlog(conn))
        await asyncio.sleep(every)
    return peak, await drained(conn, every=0.05)


async def drained(conn: asyncpg.Connection, *, every: float = 0.2) -> float:
    """Waits until every stored event is processed; the seconds that took."""
    began = time.perf_counter()
    while await backlog(conn):
        await asyncio.sleep(every)
    return time.perf_counter() - began


CARD_WAITS = """
SELECT extract(epoch FROM c.first_shown_at - e.received_at) AS waited
FROM events e JOIN items i ON i.last_event_id = e.id
JOIN cards c ON c.subject_kind = 'item' AND c.subject_id = i.id
WHERE e.event_id LIKE $1 || '%' AND c.first_shown_at IS NOT NULL
"""


async def card_waits(conn: asyncpg.Connection, tag: str, expected: int, *, timeout: float = 180) -> list[float]:
    """Seconds from each tagged event's receipt to the first message showing its item (a card or a digest)."""
    deadline = time.perf_counter() + timeout
    while True:
        rows = await conn.fetch(CARD_WAITS, tag)
        if len(rows) >= expected or time.perf_counter() > deadline:
            return sorted(float(r["waited"]) for r in rows)
        await asyncio.sleep(0.5)


def _stat(pid: int | str) -> list[str]:
    """A process's /proc stat fields after its command name: [1] its parent, [11] and [12] user and system ticks."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _cpu(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far."""
    return _cpu(_stat(pid))


def postgres_cpu_seconds(database_url: str) -> float:
    """CPU time used so far by the PostgreSQL cluster's processes (the postmaster and its children)."""
    folder = parse_qs(urlsplit(database_url).query).get("host", [""])[0]
    pid_file = Path(folder) / "postmaster.pid"
    if not pid_file.exists():
        return float("nan")
    root = int(pid_file.read_text().split()[0])
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(entry.name)
        except OSError:
            continue
        if int(entry.name) == root or int(fields[1]) == root:
            total += _cpu(fields)
    return total
