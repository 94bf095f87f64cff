"""Load generators for the ingest benchmark: distinct, valid VK Callback events (`wall_reply_new`, the right secret).

- closed loop (`closed`): N connections, each sending its next request when the last is answered — wrk with a Lua
  script when wrk is installed (Debian's `wrk` package), else an asyncio client in a process of its own;
- open loop (`open_loop`): requests leave at a fixed rate whatever the answers, and each latency is counted from
  the moment its request was due, so a server that falls behind is charged for the wait (no coordinated
  omission). A Python client in a process of its own, speaking HTTP/1.1 over raw keep-alive sockets.

Run one by hand: python -m bench.load open URL --rate 1000 --seconds 10 --secret S
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.demo import GROUP_ID

TEXTS = [
    "Когда отремонтируют дорогу на ул. Ленина? Уже третий год обещаете.",
    "Спасибо за субботник, во дворе стало чисто!",
    "Заработок от 5000 в день без вложений! Пиши в телеграм @easy_money_bot",
    "Администрация опять ничего не делает, позор!",
    "Подскажите, пожалуйста, часы приёма главы района",
    "Да когда уже этот п*здец с отоплением закончится",
]


def comment_base(tag: str) -> int:
    """Where a run's comment ids start: runs with different tags never share a comment."""
    return zlib.crc32(tag.encode()) % 100_000 * 1_000_000


WAVE = "Выиграй айфон прямо сейчас! Переходи по ссылке в профиле и забирай приз, осталось 3 штуки"


def event_body(tag: str, number: int, secret: str, *, wave: bool = False) -> bytes:
    """One distinct event: its id and comment id come from `tag` and `number`. `wave`: a spam wave's copy, the
    same text from an account of its own, instead of one of a few authors' distinct comments."""
    text, author = (WAVE, 61_000_000 + number) if wave else (TEXTS[number % len(TEXTS)] + f" #{tag}-{number}",
                                                             51234567 + number % 50)
    return json.dumps({
        "type": "wall_reply_new", "event_id": f"{tag}{number:0{max(40 - len(tag), 8)}x}",  # never cut short
        "v": "5.199", "group_id": GROUP_ID, "secret": secret,
        "object": {"id": comment_base(tag) + number + 1, "from_id": author, "date": 1767600000,
                   "text": text, "post_id": 1, "owner_id": -GROUP_ID,
                   "post_owner_id": -GROUP_ID, "attachments": []}}, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx answers, timeouts, broken connections
    cpu_us: float = float("nan")  # CPU of the process that answered, per request (filled in by the benchmark)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


WRK_SCRIPT = r"""
local secret, tag, base = "%(secret)s", "%(tag)s", %(base)d
local texts = {%(texts)s}
local counter = 0
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args) counter = 0 end
function request()
  counter = counter + 1
  local n = counter * 16 + tid
  local body = string.format('{"type":"wall_reply_new","event_id":"%%s%%032x","v":"5.199","group_id":%(group)d,'
    .. '"secret":"%%s","object":{"id":%%d,"from_id":%%d,"date":1767600000,"text":"%%s #%%d","post_id":1,'
    .. '"owner_id":-%(group)d,"post_owner_id":-%(group)d,"attachments":[]}}',
    tag, n, secret, base + n + 1, 51234567 + n %% 50, texts[n %% #texts + 1], n)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
"""


def _unit_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


async def wrk(url: str, *, connections: int, seconds: float, secret: str, tag: str) -> Result:
    texts = ", ".join(json.dumps(t, ensure_ascii=False) for t in TEXTS)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"secret": secret, "tag": tag, "texts": texts, "group": GROUP_ID,
                                   "base": comment_base(tag)})
    proc = await asyncio.create_subprocess_exec(
        "wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--latency", "--timeout", "10s", "-s", script.name,
        url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out = (await proc.communicate())[0].decode()
    Path(script.name).unlink()
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    if total is None:
        raise RuntimeError(f"wrk said:\n{out}")
    duration = _unit_ms(total.group(2) + total.group(3)) / 1000
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    latency = dict(re.findall(r"^\s+(\d+)%\s+(\S+)$", out, re.M))
    return Result(int(total.group(1)), duration, _unit_ms(latency["50"]), _unit_ms(latency["99"]),
                  errors + (int(bad.group(1)) if bad else 0))


class Connection:
    """One HTTP/1.1 keep-alive connection that posts bodies and reads the answers, nothing more."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> int:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"POST {self.path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"(?i)content-length: *(\d+)", head)
        if length:
            await self.reader.readexactly(int(length.group(1)))
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _open_loop(url: str, rate: float, seconds: float, secret: str, tag: str, connections: int,
                     timeout: float, wave: bool = False) -> dict[str, float]:
    total = int(rate * seconds)
    bodies = [event_body(tag, n, secret, wave=wave) for n in range(total)]
    due: asyncio.Queue[int] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter() + 0.2

    async def schedule() -> None:
        for n in range(total):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            due.put_nowait(n)

    async def worker() -> None:
        nonlocal errors
        conn = Connection(url)
        while True:
            n = await due.get()
            intended = start + n / rate
            try:
                status = await asyncio.wait_for(conn.post(bodies[n]), timeout)
                if status != 200:
                    errors += 1
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                conn.close()
            latencies.append(time.perf_counter() - intended)
            due.task_done()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    await schedule()
    await due.join()
    finished = time.perf_counter()
    for task in workers:
        task.cancel()
    return {"requests": total, "seconds": finished - start, "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000, "max_ms": max(latencies, default=0) * 1000,
            "errors": errors}


async def _closed_loop(url: str, connections: int, seconds: float, secret: str, tag: str) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    counter = 0
    end = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors, counter
        conn = Connection(url)
        while time.perf_counter() < end:
            counter += 1
            body = event_body(tag, counter, secret)
            began = time.perf_counter()
            try:
                if await asyncio.wait_for(conn.post(body), 10) != 200:
                    errors += 1
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                conn.close()
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return {"requests": len(latencies), "seconds": time.perf_counter() - began,
            "p50_ms": percentile(latencies, 0.5) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
            "errors": errors}


async def _in_process(*args: str) -> dict[str, float]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.load", *args,
                                                stdout=asyncio.subprocess.PIPE)
    out = (await proc.communicate())[0].decode()
    return dict(json.loads(out.strip().splitlines()[-1]))


async def closed(url: str, *, connections: int, seconds: float, secret: str, tag: str) -> Result:
    """The closed-loop run: wrk if installed, else the Python client in its own process."""
    if shutil.which("wrk"):
        return await wrk(url, connections=connections, seconds=seconds, secret=secret, tag=tag)
    found = await _in_process("closed", url, "--connections", str(connections), "--seconds", str(seconds),
                              "--secret", secret, "--tag", tag)
    return Result(int(found["requests"]), found["seconds"], found["p50_ms"], found["p99_ms"], int(found["errors"]))


async def open_loop(url: str, *, rate: float, seconds: float, secret: str, tag: str,
                    connections: int = 256, wave: bool = False) -> dict[str, float]:
    """The open-loop run in its own process; returns requests, seconds, p50_ms, p99_ms, max_ms, errors.
    `wave`: every event a copy of one spam text from an account of its own."""
    return await _in_process("open", url, "--rate", str(rate), "--seconds", str(seconds), "--secret", secret,
                             "--tag", tag, "--connections", str(connections), *(["--wave"] if wave else []))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("open", "closed"))
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--tag", default="b")
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--wave", action="store_true", help="open loop: copies of one spam text")
    a = parser.parse_args()
    if a.mode == "open":
        found = asyncio.run(_open_loop(a.url, a.rate, a.seconds, a.secret, a.tag, a.connections, a.timeout,
                                       a.wave))
    else:
        found = asyncio.run(_closed_loop(a.url, a.connections, a.seconds, a.secret, a.tag))
    print(json.dumps(found))
