"""The outbox: the only writer to the work chat.

A card whose `sent_revision` is behind its `revision` is due: one outbox (the leader's) sends or edits
it under the chat's limit, edits before new cards so that a press shows its result first, and keeps
the chat's errors from losing anything: rate limits wait `retry_after`, a deleted card is sent again,
a refusal is retried rarely and loudly. A card being written is leased (`sending_until`) and its
button tokens are committed before the write, so a crash between the write and its record never
leaves a message with dead buttons. Edits coalesce: ten changes while the chat is throttled cost one
edit. Under a flood, new cards of one page are grouped into digests instead of falling behind.

Which subject a card shows is the business of its `SubjectType`; cards, buttons and the queue here
are keyed by (subject kind, subject id).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import asyncpg

from bot import metrics
from bot.loops import drain_forever, to_the_end, until_database_answers
from bot.queue import Queue, backoff
from bot.ratelimit import SlidingWindow
from bot.workchat import buttons
from bot.workchat.chat import (
    ChatMigrated,
    Forbidden,
    MessageGone,
    RateLimited,
    Refused,
    WorkChat,
    WorkChatError,
)
from bot.workchat.model import Keyboard, Text
from bot.workchat.subjects import Drawing, SubjectType

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

CHANNEL = "gospablik_cards"
SENDING_LEASE = timedelta(seconds=90)  # longer than the chat client's request timeout
GIVE_UP_AFTER = 5  # refusals retried every 5 minutes before falling back to once a day
DIGEST_THRESHOLD = 10  # unsent cards of one page waiting before new ones are grouped
DIGEST_SIZE = 8
PROMPT = 8.0  # seconds: cards that would wait longer than this for their own turn in the chat go as a digest
BURST = 3  # messages sent at once after a quiet spell; the rest of the chat's budget is spread evenly
DRAW_RETRY = 300.0
MARGIN = 96  # room kept below the chat's message limit
PROBE_EVERY = 60.0  # seconds between checks whether a kicked bot was added back
RECORD_PATIENCE = 60.0  # seconds a written card's outcome waits for the database before the lease takes over
STORM_PAUSE_MAX = 60.0  # the longest the whole outbox waits after failures on the chat's side

OUTBOX = Queue("cards", due="behind AND retry_at <= now()", lease=SENDING_LEASE,
               channel=CHANNEL, lease_column="sending_until", counts_attempts=False)


async def open_card(conn: asyncpg.Connection, kind: str, subject_id: int, *, chat_id: int,
                    digest_key: str | None = None) -> None:
    """A subject gets a card: due at once, in `chat_id`; cards sharing a `digest_key` may form a digest."""
    await conn.execute(
        "INSERT INTO cards (subject_kind, subject_id, chat_id, digest_key) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (subject_kind, subject_id) DO NOTHING", kind, subject_id, chat_id, digest_key)


async def open_cards(conn: asyncpg.Connection, kind: str, subject_ids: list[int], *, chat_id: int,
                     digest_keys: list[str | None]) -> None:
    """`open_card` for many subjects in one statement."""
    await conn.execute(
        "INSERT INTO cards (subject_kind, subject_id, chat_id, digest_key)"
        " SELECT $1, s, $3, d FROM unnest($2::bigint[], $4::text[]) AS u(s, d)"
        " ON CONFLICT (subject_kind, subject_id) DO NOTHING", kind, subject_ids, chat_id, digest_keys)


async def touch(conn: asyncpg.Connection, kind: str, subject_ids: list[int]) -> None:
    """The subjects changed: their cards are due to be drawn again.

    Rows are locked in id order, so that two transactions touching the same cards never deadlock.
    """
    await conn.execute(
        "UPDATE cards SET revision = revision + 1 WHERE id IN (SELECT id FROM cards WHERE subject_kind = $1"
        " AND subject_id = ANY($2) ORDER BY id FOR UPDATE)", kind, subject_ids)


class DrawFailed(Exception):
    """A card could not be drawn (a bug, a network no longer configured): it waits, the others go on."""

    def __init__(self, card_ids: list[int], cause: Exception) -> None:
        super().__init__(f"cards {card_ids}: {type(cause).__name__}: {cause}")
        self.card_ids = card_ids


@dataclass(frozen=True)
class Delivery:
    """One chat write, prepared and committed (with its button tokens) before it is made."""

    cards: dict[int, int]  # card id -> the revision drawn
    chat_id: int
    message_id: int | None  # None: send a new message
    topic: int | None
    text: Text
    keyboard: Keyboard
    attempts: int
    digest: bool


class Outbox:
    def __init__(self, services: Services, chat: WorkChat) -> None:
        self.services = services
        self.chat = chat
        self.window = SlidingWindow(services.config.telegram.messages_per_minute, 60.0, burst=BURST)
        self.failing = 0  # calls failed in a row on the chat's side (5xx, network): the whole outbox backs off

    @property
    def digest_threshold(self) -> int:
        """Cards of one page waiting before they go together: DIGEST_THRESHOLD, or fewer when the chat's paced
        budget would show the last of them one by one later than PROMPT seconds from now (at 20 messages a
        minute, 4: the tail of a flood is not sent one card every few seconds)."""
        spacing = self.window.spacing
        if not spacing:  # a budget no bigger than the burst is not paced: the window alone holds it
            return DIGEST_THRESHOLD
        return max(2, min(DIGEST_THRESHOLD, int(PROMPT / spacing) + 2))

    @property
    def limit(self) -> int:
        return self.chat.text_limit - MARGIN

    def _subject(self, kind: str) -> SubjectType:
        return self.services.subjects[kind]

    async def sync_one(self) -> bool:
        """Sends or edits one card (or one digest) that is behind; returns False when none is due.

        Three steps: prepare (lease the cards, draw, store button tokens) and commit; write to the chat;
        record the outcome.
        """
        if self.services.chat_health.lost and not await self._probe():
            return False
        if (wait := self.window.delay()) > 0:
            await asyncio.sleep(wait)
        try:
            async with self.services.db.transaction() as conn:
                delivery = await self._prepare(conn)
        except DrawFailed as exc:
            log.exception("cannot draw %s; they wait %ss, the others go on", exc, DRAW_RETRY)
            async with self.services.db.transaction() as conn:
                await self._later(conn, exc.card_ids, DRAW_RETRY, str(exc), 0)
            return True
        except asyncpg.LockNotAvailableError:
            return False  # a press is changing this digest right now; it is drawn again once that commits
        if delivery is None:
            return False
        await self.window.acquire()
        outcome = await self._write(delivery)
        await to_the_end(self._record_patiently(delivery, outcome))
        return True

    async def _record_patiently(self, delivery: Delivery, outcome: int | WorkChatError) -> None:
        """The chat has the message: its id is held here while the database is away for a moment, rather than
        the card being sent a second time when its lease runs out."""
        async def record() -> None:
            async with self.services.db.transaction() as conn:
                await self._record(conn, delivery, outcome)

        await until_database_answers(record, patience=RECORD_PATIENCE,
                                     what=f"cards {list(delivery.cards)} are written to the chat")

    async def _probe(self) -> bool:
        """While the chat is lost, asks at most once a minute whether the bot is back (in case the update saying
        so was missed)."""
        health = self.services.chat_health
        now = asyncio.get_running_loop().time()
        if now - health.last_probe < PROBE_EVERY:
            return False
        health.last_probe = now
        try:
            found = await self.chat.check_access()
        except Exception as exc:
            log.warning("work chat probe failed: %s", exc)
            return False
        if found and all(c.valid for c in found):
            health.regain("the bot is in the chat again")
            return True
        return False

    async def _prepare(self, conn: asyncpg.Connection) -> Delivery | None:
        claimed = await OUTBOX.claim(conn, order="(message_id IS NULL), updated_at, id")
        if not claimed:
            return None
        card = claimed[0]
        try:
            return await self._draw(conn, card)
        except asyncpg.PostgresError:
            raise
        except Exception as exc:
            raise DrawFailed([card["id"]], exc) from exc

    async def _draw(self, conn: asyncpg.Connection, card: asyncpg.Record) -> Delivery:
        if card["in_digest"] and card["message_id"] is not None:
            # NOWAIT: a press holding a member must not wait on us while we wait on it.
            members = await conn.fetch(
                "SELECT * FROM cards WHERE chat_id = $1 AND message_id = $2 AND in_digest ORDER BY id"
                " FOR UPDATE NOWAIT", card["chat_id"], card["message_id"])
            members = sorted(members, key=lambda c: c["subject_id"])  # numbered as every draw numbers them
            return await self._draw_digest(conn, members, message_id=card["message_id"])
        if card["message_id"] is None and card["digest_key"] and not card["expanded"] and await conn.fetchval(
                "SELECT count(*) FROM cards WHERE digest_key = $1 AND message_id IS NULL AND NOT expanded"
                " AND retry_at <= now() AND (sending_until IS NULL OR sending_until < now())",
                card["digest_key"]) >= self.digest_threshold - 1:
            more = await OUTBOX.claim(conn, DIGEST_SIZE - 1, where="digest_key = $2 AND message_id IS NULL"
                                      " AND NOT expanded AND subject_kind = $3", args=(card["digest_key"],
                                                                                         card["subject_kind"]))
            members = sorted([card, *more], key=lambda c: c["subject_id"])
            if len(members) > 1:
                for number, member in enumerate(members, start=1):  # the numbers the digest keeps
                    await conn.execute("UPDATE cards SET digest_number = $2 WHERE id = $1", member["id"], number)
                return await self._draw_digest(conn, members, message_id=None)
        return await self._draw_card(conn, card)

    async def _draw_card(self, conn: asyncpg.Connection, card: asyncpg.Record) -> Delivery:
        drawing = await self._subject(card["subject_kind"]).draw(conn, card["subject_id"], limit=self.limit)
        chat_id = card["chat_id"] or self.chat.chat_id
        keyboard = await self._keyboard(conn, card["subject_kind"], drawing, card["subject_id"], chat_id)
        return Delivery({card["id"]: card["revision"]}, chat_id, card["message_id"], drawing.topic,
                        drawing.card.text, keyboard, card["attempts"], digest=False)

    async def _draw_digest(self, conn: asyncpg.Connection, members: Sequence[asyncpg.Record], *,
                           message_id: int | None) -> Delivery:
        kind = members[0]["subject_kind"]
        drawing = await self._subject(kind).draw_digest(conn, [m["subject_id"] for m in members], limit=self.limit)
        chat_id = members[0]["chat_id"] or self.chat.chat_id
        keyboard = await self._keyboard(conn, kind, drawing, members[0]["subject_id"], chat_id)
        await conn.execute("UPDATE cards SET sending_until = now() + $2::interval WHERE id = ANY($1)",
                           [m["id"] for m in members], SENDING_LEASE)
        return Delivery({m["id"]: m["revision"] for m in members}, chat_id, message_id, drawing.topic,
                        drawing.card.text, keyboard, max(m["attempts"] for m in members), digest=True)

    async def _keyboard(self, conn: asyncpg.Connection, kind: str, drawing: Drawing, default_subject: int,
                        chat_id: int) -> Keyboard:
        return await buttons.store(conn, kind, drawing.card.buttons, drawing.seqs, default_subject, chat_id)

    async def _write(self, d: Delivery) -> int | WorkChatError:
        """The chat call; returns the message id, or the error to record."""
        try:
            if d.message_id is None:
                return await self.chat.send(d.text, d.keyboard, chat_id=d.chat_id, topic=d.topic)
            await self.chat.edit(d.message_id, d.text, d.keyboard, chat_id=d.chat_id)
            return d.message_id
        except WorkChatError as exc:
            return exc

    async def _record(self, conn: asyncpg.Connection, d: Delivery, outcome: int | WorkChatError) -> None:
        ids = list(d.cards)
        if isinstance(outcome, int):
            self.failing = 0
            metrics.CHAT_WRITES.labels("send" if d.message_id is None else "edit").inc()
            if d.message_id is None:
                await self._observe_latency(conn, ids)
            for card_id, revision in d.cards.items():
                await conn.execute(
                    "UPDATE cards SET chat_id = $6, message_id = $2, thread_id = $3, sent_revision = $4, attempts = 0,"
                    " last_error = NULL, in_digest = $5, sending_until = NULL, updated_at = now(),"
                    " first_shown_at = coalesce(first_shown_at, now())"
                    " WHERE id = $1 AND sending_until IS NOT NULL",  # not if a press moved it meanwhile
                    card_id, outcome, d.topic, revision, d.digest, d.chat_id)
            if d.digest and d.message_id is None:
                log.info("digest of %s cards sent as message %s", len(ids), outcome)
            return
        await conn.execute("UPDATE cards SET sending_until = NULL WHERE id = ANY($1)", ids)
        exc = outcome
        metrics.CHAT_ERRORS.labels(type(exc).__name__).inc()
        if isinstance(exc, RateLimited):
            self.window.pause(exc.retry_after)
            await self._later(conn, ids, exc.retry_after, f"rate limited: retry after {exc.retry_after}", d.attempts)
        elif isinstance(exc, MessageGone):
            log.warning("card %s was deleted from the chat; sending it again", ids)
            await conn.execute("UPDATE cards SET message_id = NULL, in_digest = false WHERE id = ANY($1)", ids)
            if len(ids) > 1:  # the digest's other subjects must be drawn again too
                await conn.execute("UPDATE cards SET revision = revision + 1 WHERE id = ANY($1)", ids)
        elif isinstance(exc, ChatMigrated):
            log.error("the work chat %s became %s: cards go there now; set telegram.work_chat_id = %s",
                      d.chat_id, exc.new_chat_id, exc.new_chat_id)
            followed = self.chat.chat_id == d.chat_id
            if followed:
                self.chat.chat_id = exc.new_chat_id  # presses and new cards follow it at once
            await conn.execute("UPDATE cards SET chat_id = $2 WHERE chat_id = $1", d.chat_id, exc.new_chat_id)
            await conn.execute("UPDATE buttons SET chat_id = $2 WHERE chat_id = $1", d.chat_id, exc.new_chat_id)
            if followed:
                await self._announce_migration(d.chat_id, exc.new_chat_id)
        elif isinstance(exc, Forbidden):
            # Kicked, or the chat is gone: every card would be refused alike. Stop until the bot is back.
            self.services.chat_health.lose(str(exc))
        elif isinstance(exc, Refused):
            # A refusal rarely goes away by itself: try a few times, then only once a day, loudly.
            delay = 300.0 if d.attempts < GIVE_UP_AFTER else 86400.0
            log.error("the work chat refused card %s (attempt %s, next in %ss): %s", ids, d.attempts + 1, delay, exc)
            await self._later(conn, ids, delay, str(exc), d.attempts)
        else:
            # The chat's side is failing (5xx, the network): back off as a whole, or a storm of failures would
            # spend the chat's budget on calls that cannot work.
            self.failing += 1
            delay = min(STORM_PAUSE_MAX, backoff(self.failing))
            self.window.pause(delay)
            log.warning("work chat error for card %s (%s in a row), all cards wait %.0fs: %s", ids, self.failing,
                        delay, exc)
            await self._later(conn, ids, delay, str(exc), d.attempts)

    async def _observe_latency(self, conn: asyncpg.Connection, card_ids: list[int]) -> None:
        """From an item's receipt to its first card: what a moderator waits for (items only, first sends only)."""
        rows = await conn.fetch(
            "SELECT extract(epoch FROM now() - i.first_seen_at) AS waited FROM cards c JOIN items i"
            " ON c.subject_kind = 'item' AND i.id = c.subject_id WHERE c.id = ANY($1)", card_ids)
        for row in rows:
            metrics.CARD_LATENCY.observe(max(0.0, float(row["waited"])))

    async def _announce_migration(self, old: int, new: int) -> None:
        try:
            await self.chat.say(f"Рабочий чат стал супергруппой, и карточки теперь приходят сюда. Администратору "
                                f"Госпаблика: укажите в настройках telegram.work_chat_id = {new} (было {old}).",
                                chat_id=new)
        except WorkChatError as exc:
            log.warning("cannot announce the move to chat %s: %s", new, exc)

    async def _later(self, conn: asyncpg.Connection, card_ids: list[int], delay: float, error: str,
                     attempts: int) -> None:
        await conn.execute(
            "UPDATE cards SET retry_at = now() + $2 * interval '1 second', attempts = $3 + 1, last_error = $4"
            " WHERE id = ANY($1)", card_ids, float(delay), attempts, error[:500])

    async def run(self, *, idle: float = 2.0) -> None:
        await drain_forever("outbox", self.sync_one, self.services.cards_ready, idle=idle)

