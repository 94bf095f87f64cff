"""The inbox: the one place where a network event becomes durable, pushed or polled.

`accept` returns only after the commit, so a webhook can acknowledge the event knowing it is safe.
Concurrent webhook requests share that commit (group commit): whoever arrives while a commit is in
flight waits for the next one, which stores everybody waiting in one statement and one WAL flush, and
each request is answered after the commit that holds its event. A commit that fails fails for every
request of its group (each answers 503 and the network sends it again); a batch refused for one bad
event is retried an event at a time, so one poisoned event never refuses its neighbours.

`store` does the same inside a caller's transaction (a poller commits the events it found together with
its cursor). A repeat of an event (same page and event id) is recognised and acknowledged again without
a second copy, within one batch as across batches.

Nothing else is written on the way in, so a group is one statement and one round trip: the `event_received`
audit entry is written by the intake worker from the stored event (its time is the event's `received_at`), and
the wake-up is in-process (the webhook sets the worker's event; other replicas' workers claim on their next idle
tick, a second at most). Polled events still NOTIFY, once per poller transaction.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from datetime import timedelta
from typing import Any, NamedTuple

import asyncpg

from bot import metrics
from bot.db import Database, DatabaseUnavailable
from bot.db.database import UNAVAILABLE_ERRORS
from bot.queue import Queue

log = logging.getLogger(__name__)

EVENTS = Queue("events", due="status = 'new'", lease=timedelta(minutes=1), channel="gospablik_events")
MAX_BATCH = 500  # events in one commit; more wait for the next
FLUSHES = 1  # commits in flight at once. The next group fills while one waits on the disk; a second commit beside
# it made the groups half as large and cost ~12 % more CPU a request (`python -m bench.compare 126550f 4096426`,
# 5 rounds: 109 against 97 µs at 32 connections, 103 against 89 at 64)
LINGER = 0.05  # seconds a flush with nothing to store keeps its connection for the next arrival

_INSERT = (
    "INSERT INTO events AS e (network, account_id, event_id, type, payload, deliveries)"
    " SELECT n, a, i, t, CASE WHEN o IS NULL THEN p::jsonb ELSE p::jsonb - o END, d"
    " FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[])"
    " AS u(n, a, i, t, p, d, o)"
    " ON CONFLICT (network, account_id, event_id) DO UPDATE SET deliveries = e.deliveries + excluded.deliveries"
    " RETURNING id, network, account_id, event_id, (xmax <> 0) AS duplicate")


class Accepted(NamedTuple):  # tuples: made thousands of times a second, at C speed
    event_row_id: int
    duplicate: bool


class Arrival(NamedTuple):
    """One event as a network delivered it, waiting to be stored."""
    network: str
    account_id: int
    event_id: str
    event_type: str
    payload: dict[str, Any]
    as_sent: str | None = None  # the payload's JSON text as the network sent it, `omits` included
    omits: str | None = None  # a top-level key stored neither way (the payload itself never has it)

    @property
    def key(self) -> tuple[str, int, str]:
        return self.network, self.account_id, self.event_id

    @property
    def json(self) -> str:
        return self.as_sent if self.as_sent is not None else json.dumps(self.payload)


async def _insert(conn: asyncpg.Connection, arrivals: list[Arrival]) -> dict[tuple[str, int, str], Accepted]:
    """Stores distinct events in one statement; repeats inside `arrivals` count as deliveries of the first."""
    first: dict[tuple[str, int, str], Arrival] = {}
    copies: dict[tuple[str, int, str], int] = {}
    for arrival in arrivals:
        first.setdefault(arrival.key, arrival)
        copies[arrival.key] = copies.get(arrival.key, 0) + 1
    rows = sorted(first.values(), key=lambda a: a.key)  # one order for every group: two never deadlock
    stored = await conn.fetch(
        _INSERT, [a.network for a in rows], [a.account_id for a in rows], [a.event_id for a in rows],
        [a.event_type for a in rows], [a.json for a in rows], [copies[a.key] for a in rows], [a.omits for a in rows])
    return {(r["network"], r["account_id"], r["event_id"]): Accepted(r["id"], bool(r["duplicate"])) for r in stored}


def _answers(arrivals: list[Arrival], stored: dict[tuple[str, int, str], Accepted]) -> list[Accepted]:
    """What each arrival is told: the first of a key gets the statement's answer, later copies are repeats."""
    seen: set[tuple[str, int, str]] = set()
    answers = []
    for arrival in arrivals:
        accepted = stored[arrival.key]
        answers.append(accepted if arrival.key not in seen else Accepted(accepted.event_row_id, True))
        seen.add(arrival.key)
    return answers


async def store(conn: asyncpg.Connection, *, network: str, account_id: int, event_id: str, event_type: str,
                payload: dict[str, Any]) -> Accepted:
    """Stores the event in the caller's transaction unless it is already stored."""
    arrival = Arrival(network, account_id, event_id, event_type, payload)
    accepted = (await _insert(conn, [arrival]))[arrival.key]
    if not accepted.duplicate:
        await EVENTS.wake(conn)  # NOTIFY is sent once per transaction however often it is asked for
    return accepted


class GroupCommit:
    """Collects concurrent arrivals into shared transactions; each caller resumes after its own commit."""

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH, flushes: int = FLUSHES,
                 linger: float = LINGER) -> None:
        self.db = db
        self.max_batch = max_batch
        self.flushes = flushes
        self.linger = linger
        self._waiting: list[tuple[Arrival, asyncio.Future[Accepted]]] = []
        self._running = 0
        self._idle: list[asyncio.Future[None]] = []  # flushes lingering with their connection, to be woken
        self._tasks: set[asyncio.Task[None]] = set()

    def accept(self, arrival: Arrival) -> asyncio.Future[Accepted]:
        """The arrival's answer, to await. Each caller has a future of its own: one who leaves (a cancelled request)
        cancels only that, never the group's commit, which runs in its own task. A plain function, not a coroutine:
        at thousands of requests a second every frame a waiting request resumes through counts."""
        future: asyncio.Future[Accepted] = asyncio.get_running_loop().create_future()
        self._waiting.append((arrival, future))
        while self._idle:
            wake = self._idle.pop()
            if not wake.done():  # one whose linger just ended finds the arrival on its own
                wake.set_result(None)
                return future
        if self._running < self.flushes:
            self._running += 1
            task = asyncio.ensure_future(self._flush())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return future

    async def _flush(self) -> None:
        # The flush keeps its connection while groups keep coming, and a moment after: a trickle of events would
        # otherwise pay a pool round per commit.
        try:
            while self._waiting:
                group = self._take()
                try:
                    async with self.db.connection() as conn:
                        await self._commit(conn, group)
                        while (self._waiting or await self._next_arrival()) and not conn.is_closed():
                            group = self._take()
                            await self._commit(conn, group)
                except DatabaseUnavailable as exc:  # no connection, or it broke under this group's commit
                    _fail(group, exc)
        finally:
            self._running -= 1

    async def _next_arrival(self) -> bool:
        """Whether something arrived within the linger (`accept` wakes a lingering flush instead of starting one)."""
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._idle.append(wake)
        try:
            async with asyncio.timeout(self.linger):
                await wake
        except TimeoutError:
            if wake in self._idle:
                self._idle.remove(wake)
        return bool(self._waiting)  # also what arrived while the linger was ending and woke nobody

    def _take(self) -> list[tuple[Arrival, asyncio.Future[Accepted]]]:
        group, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
        return group

    async def _commit(self, conn: asyncpg.Connection, group: list[tuple[Arrival, asyncio.Future[Accepted]]]) -> None:
        # One statement outside an explicit transaction is its own transaction: one round trip, committed
        # (and flushed to the WAL) before it returns. No NOTIFY: the caller wakes this replica's worker in-process.
        arrivals = [a for a, _ in group]
        try:
            answers = _answers(arrivals, await _insert(conn, arrivals))
        except UNAVAILABLE_ERRORS:
            raise  # the connection is gone: the pool drops it, the caller fails the group
        except asyncpg.PostgresError as exc:
            if len(group) > 1:  # one event the database refuses must not refuse its neighbours
                log.warning("a batch of %d events was refused (%s); storing them one by one", len(group), exc)
                for one in group:
                    await self._commit(conn, [one])
                return
            _fail(group, DatabaseUnavailable(f"the commit was refused: {exc}"))
            return
        except BaseException as exc:  # a bug, or the service stopping: nobody is acknowledged
            _fail(group, DatabaseUnavailable(f"not stored: {type(exc).__name__}: {exc}"))
            if not isinstance(exc, Exception):
                raise
            log.exception("storing %d events failed", len(group))
            return
        metrics.INGEST_COMMITS.inc()
        metrics.INGEST_BATCH.observe(len(group))
        for (_, future), accepted in zip(group, answers, strict=True):
            if not future.done():
                future.set_result(accepted)

def _fail(group: list[tuple[Arrival, asyncio.Future[Accepted]]], exc: BaseException) -> None:
    for _, future in group:
        if not future.done():
            future.set_exception(exc)
            future.exception()  # marked as seen: a caller that left must not leave a "never retrieved" warning


_groups: weakref.WeakKeyDictionary[Database, GroupCommit] = weakref.WeakKeyDictionary()


def group_commit(db: Database) -> GroupCommit:
    """The database's one group commit (made on first use)."""
    group = _groups.get(db)
    if group is None:
        group = _groups[db] = GroupCommit(db)
    return group


def accept(db: Database, *, network: str, account_id: int, event_id: str, event_type: str,
           payload: dict[str, Any], as_sent: str | None = None, omits: str | None = None) -> asyncio.Future[Accepted]:
    """Stores the event and commits (sharing the commit with whoever else is storing now): await the answer, which
    comes after the commit, or DatabaseUnavailable when it cannot. `as_sent`: the payload's own JSON text, stored
    less the top-level key `omits` (the webhook's body: nothing to encode again)."""
    return group_commit(db).accept(Arrival(network, account_id, event_id, event_type, payload, as_sent, omits))
