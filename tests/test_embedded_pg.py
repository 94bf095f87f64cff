"""The embedded PostgreSQL after a kill -9: the next run adopts the server and a normal stop really stops it."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg

from bot.db.database import EmbeddedPostgres

HOLDER = """
import asyncio, sys
from pathlib import Path
from bot.db.database import EmbeddedPostgres
async def main():
    url = await EmbeddedPostgres(Path(sys.argv[1])).start()
    print(url, flush=True)
    await asyncio.sleep(3600)
asyncio.run(main())
"""


async def test_a_server_left_by_a_killed_process_is_stopped_by_the_next_one() -> None:
    folder = Path(tempfile.mkdtemp(prefix="gospablik-test-killed-"))
    folder.chmod(0o755)
    pgdata = folder / "pgdata"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(pgdata)], stdout=subprocess.PIPE, text=True,  # noqa: ASYNC220 - a process to kill -9, read by a thread
                              cwd=Path(__file__).resolve().parent.parent)
    try:
        assert holder.stdout is not None
        url = await asyncio.wait_for(asyncio.to_thread(holder.stdout.readline), 120)
        assert url.startswith("postgresql://")
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    try:
        server = EmbeddedPostgres(pgdata)
        url = await server.start()  # adopts the running server, forgetting the dead process
        connection = await asyncpg.connect(url)
        assert await connection.fetchval("SELECT 1") == 1
        await connection.close()
        await server.stop()
        assert not (pgdata / "postmaster.pid").exists(), "the last user's stop stops the server"
    finally:
        left = pgdata / "postmaster.pid"
        if left.exists():  # a failed run must not leave a server behind
            os.kill(int(left.read_text().split()[0]), signal.SIGTERM)
        shutil.rmtree(folder, ignore_errors=True)
