"""`make faults`: every fault experiment in turn, each with a table of promises; exit 1 if any promise is broken.

    python -m faults.run                 # all of them
    python -m faults.run kill fuzz       # some
    python -m faults.run --list
    python -m faults.run --keep          # keep the folders with the logs and configurations

Uses $DATABASE_URL when it is set (a fresh database per experiment), else an embedded PostgreSQL in a temporary
folder. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from faults import exp_database, exp_fuzz, exp_kill, exp_replicas, exp_split, exp_telegram, exp_vk
from faults.pg import Postgres
from faults.report import Report

EXPERIMENTS: dict[str, ModuleType] = {m.NAME: m for m in (exp_kill, exp_database, exp_fuzz, exp_telegram, exp_vk,
                                                            exp_replicas, exp_split)}


@dataclass
class Context:
    pg: Postgres
    root: Path

    def folder(self, name: str) -> Path:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder


async def run_one(module: ModuleType, context: Context) -> Report:
    report = Report(module.TITLE)
    started = time.monotonic()
    try:
        await asyncio.wait_for(module.run(context, report), module.BUDGET)
    except TimeoutError:
        report.check("the experiment ends within its time budget", f"stopped after {module.BUDGET} s", False)
    except Exception as exc:
        logging.getLogger("faults").exception("%s failed", module.NAME)
        report.check("the experiment runs to the end", f"{type(exc).__name__}: {exc}"[:400], False)
    report.seconds = time.monotonic() - started
    return report


async def main(names: list[str], keep: bool) -> int:
    root = Path(tempfile.mkdtemp(prefix="gospablik-faults-"))
    root.chmod(0o755)
    pg = Postgres()
    reports: list[Report] = []
    started = time.monotonic()
    try:
        await pg.start()
        print(f"fault experiments: {', '.join(names)}; PostgreSQL: {pg.kind}; logs in {root}", flush=True)
        for name in names:
            report = await run_one(EXPERIMENTS[name], Context(pg, root))
            reports.append(report)
            print(report.render() + "\n", flush=True)
    finally:
        await pg.close()
        if not keep and all(r.ok for r in reports) and len(reports) == len(names):
            shutil.rmtree(root, ignore_errors=True)
    broken = [(r.title, c.promise) for r in reports for c in r.checks if not c.ok]
    print(f"{len(reports)} experiments, {sum(len(r.checks) for r in reports)} promises, {len(broken)} broken, "
          f"{time.monotonic() - started:.0f} s in all")
    for title, promise in broken:
        print(f"  BROKEN  {title}: {promise}")
    if broken:
        print(f"logs and configurations kept in {root}")
    return 1 if broken else 0


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faults.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help=f"experiments to run (default: all): {', '.join(EXPERIMENTS)}")
    parser.add_argument("--list", action="store_true", help="list the experiments and exit")
    parser.add_argument("--keep", action="store_true", help="keep the logs and configurations")
    args = parser.parse_args(argv)
    if args.list:
        for module in EXPERIMENTS.values():
            print(f"{module.NAME:<10} {module.TITLE}")
        return 0
    unknown = [n for n in args.names if n not in EXPERIMENTS]
    if unknown:
        parser.error(f"unknown experiment(s) {', '.join(unknown)}; known: {', '.join(EXPERIMENTS)}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    warnings.simplefilter("ignore")
    return asyncio.run(main(args.names or list(EXPERIMENTS), args.keep))


if __name__ == "__main__":
    sys.exit(cli())
