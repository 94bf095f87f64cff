"""Two revisions of gospablik's web process side by side: the closed loop with the worker paused, in alternated
rounds, each on a fresh database. Prints, never asserts.

`make bench` runs each server once or twice in a 25-minute run; a change worth 10 % of the web process's CPU is
inside its spread from one run to the next. This runs only gospablik, at two revisions, alternating them round
after round on the same machine, so that both see the same machine: the comparison a change to the ingest path
needs (it chose one commit in flight over two, bot/moderation/inbox.FLUSHES).

Each revision is checked out in a git worktree of its own and measured with its own code, benchmark included
(revisions from 126550f on: bench.harness.paused and bench.bench_ingest._measured). A directory is taken as it is.
Run: python -m bench.compare REV_A REV_B [--rounds 5] [--seconds 10] [--connections 32,64]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = "RESULT "


async def one(connections: list[int], seconds: float, tag: str) -> list[tuple[int, float, float]]:
    """One round in this process's revision (the worktree first on sys.path): rate and CPU µs a request."""
    from bench import load
    from bench.bench_ingest import _measured
    from bench.harness import SECRET, checkpoint, fresh_database, paused, postgres, server

    found = []
    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o755)  # the embedded server runs as another user where we are root
        async with postgres(Path(folder)) as pg:
            database = await fresh_database(pg)
            await checkpoint(pg)
            async with server("gospablik", database) as s, paused(s.pids["worker"], idle=2):
                await load.closed(s.url, connections=8, seconds=1, secret=SECRET, tag=f"w{tag}")
                for n in connections:
                    result = await _measured(s.url, s.pids["web"], n, seconds, f"{tag}c{n}")
                    found.append((n, result.rate, result.cpu_us))
    return found


def checkout(revision: str, into: Path) -> Path:
    if Path(revision).is_dir():
        return Path(revision).resolve()
    folder = into / revision.replace("/", "_")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--quiet", "--detach", str(folder), revision],
                   check=True)
    return folder


def measure(folder: Path, options: argparse.Namespace, tag: str) -> list[tuple[int, float, float]]:
    """A round in a process of its own, run from `folder` so that its code (and the servers it starts) is that
    revision's."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--one", str(folder), "--seconds", str(options.seconds),
            "--connections", options.connections, "--tag", tag]
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode or not lines:
        raise SystemExit(f"the round at {folder} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return [tuple(row) for row in json.loads(lines[0][len(RESULT):])]  # type: ignore[misc]


def main(options: argparse.Namespace) -> None:
    from bench.harness import spread

    with tempfile.TemporaryDirectory(prefix="gospablik-compare-") as temporary:
        folders = [checkout(revision, Path(temporary)) for revision in options.revisions]
        try:
            rates: dict[tuple[str, int], list[float]] = {}
            cpu: dict[tuple[str, int], list[float]] = {}
            for round_ in range(options.rounds):
                for revision, folder in zip(options.revisions, folders, strict=True):
                    for n, rate, us in measure(folder, options, f"r{round_}"):  # a fresh database each round
                        rates.setdefault((revision, n), []).append(rate)
                        cpu.setdefault((revision, n), []).append(us)
                        print(f"round {round_ + 1}: {revision} {n} connections: {rate:,.0f} req/s, {us:.0f} µs/req",
                              flush=True)
        finally:
            for revision, folder in zip(options.revisions, folders, strict=True):
                if not Path(revision).is_dir():
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False)
    print(f"\ngospablik's web process, worker paused; {options.rounds} alternated rounds of {options.seconds:g} s; "
          "median (min–max)")
    print(f"{'revision':<24}{'conns':>6}{'req/s':>28}{'CPU µs/req':>22}")
    for (revision, n), values in rates.items():
        print(f"{revision:<24}{n:>6}{spread(values):>28}{spread(cpu[(revision, n)]):>22}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revisions", nargs="*", help="two (or more) git revisions or directories")
    parser.add_argument("--rounds", type=int, default=5, help="3 rounds have read a 10 %% change either way")
    parser.add_argument("--seconds", type=float, default=10, help="each closed-loop run")
    parser.add_argument("--connections", default="32,64")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a single round, in the given revision's folder
    parser.add_argument("--tag", default="r", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one:
        import asyncio

        sys.path.insert(0, options.one)
        found = asyncio.run(one([int(n) for n in options.connections.split(",")], options.seconds, options.tag))
        print(RESULT + json.dumps(found), flush=True)
    else:
        if len(options.revisions) < 2:
            parser.error("give two revisions (or directories) to compare")
        main(options)
