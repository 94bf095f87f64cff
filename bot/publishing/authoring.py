"""An author's private chat with the bot: writing a draft, choosing its pages and time, and submitting it.

The author just writes: a text becomes the draft's text, photos (one or an album) are added to it. A
panel under the draft shows it as it stands, with buttons for the pages, the time, a poll, a link and
«На согласование». What the bot asks (a poll's question, a link, a time) is remembered in
`conversations`, so a restart in the middle loses nothing. Only staff who may submit are served, and
each sees only their own drafts.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import asyncpg

from bot import audit, staff
from bot.config import StaffMember
from bot.domain import Permission
from bot.platform import Poll
from bot.publishing import drafts, model, submit
from bot.publishing.model import Draft, DraftStatus, Target
from bot.publishing.when import parse_when, presets, shown
from bot.workchat import buttons
from bot.workchat.chat import Unavailable, WorkChatError
from bot.workchat.model import Button, Lines, Rows, Text, bold, italic, plain
from bot.workchat.subjects import Answer, PressContext

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

PANEL_TRIES = 3  # the private chat is answered at once; a dropped connection is tried again
PANEL = "a_"  # the actions of the author's panel, as opposed to the approval card's
EDITABLE = (DraftStatus.EDITING, DraftStatus.RETURNED)
NOT_STAFF = ("Здравствуйте! Этот бот принимает публикации от сотрудников отделов администрации. Если вы сотрудник, "
             "попросите администратора Госпаблика добавить вас (ему понадобится ваш ID в Telegram: {user_id}).")
NOT_STAFF_ANSWER = Answer("Извините, эти кнопки — для автора публикации.", alert=True)
HELP = ("Пришлите текст публикации — можно сразу с фото (до 10 штук альбомом). Под черновиком появятся кнопки: "
        "где публиковать, когда, опрос и ссылка. Когда всё готово — «📨 На согласование».\n\n"
        "/new — новый черновик, /drafts — мои публикации.")


@dataclass(frozen=True)
class IncomingPhoto:
    data: bytes
    content_type: str
    file_id: str | None


# --- the panel -----------------------------------------------------------------------------------


def publishable(services: Services) -> list[Target]:
    return [Target(a.network, a.id) for a in services.config.accounts
            if (p := services.platforms.get(a.network)) is not None and p.publishes]


def _status_line(draft: Draft, tz: Any) -> str:
    if draft.status is DraftStatus.EDITING:
        return "✏️ черновик"
    if draft.status is DraftStatus.RETURNED:
        return "↩️ возвращён на доработку" + (f": «{draft.comment}»" if draft.comment else "")
    if draft.status is DraftStatus.SUBMITTED:
        return "⏳ на согласовании"
    if draft.status is DraftStatus.APPROVED:
        return f"✅ одобрен, выйдет {shown(draft.publish_at, tz)}" if draft.publish_at else "✅ одобрен"
    return submit.status_ru(draft.status)


def render_panel(services: Services, draft: Draft, menu: str | None) -> tuple[Text, Rows]:
    tz = services.config.tz
    lines = Lines()
    lines.line(bold(f"📝 Публикация №{draft.id}"), plain(f" · {_status_line(draft, tz)}"))
    pages = [submit.page_name(services, t) for t in draft.targets]
    lines.line(plain("Куда: " + (", ".join(pages) if pages else "страницы не выбраны")))
    lines.line(plain("Когда: " + (shown(draft.wish_at, tz) if draft.wish_at else "сразу после одобрения")))
    lines.blank()
    version = draft.version
    lines.line(plain(version.text.strip()[:3000]) if version.text.strip() else italic("(текста пока нет)"))
    extras = []
    if version.photos:
        extras.append(f"📷 фото: {len(version.photos)}")
    if version.poll:
        extras.append(f"📊 опрос «{version.poll.question}»: {', '.join(version.poll.options)}")
    if version.link:
        extras.append(f"🔗 {version.link}")
    if extras:
        lines.blank().line(plain("\n".join(extras)))
    return lines.text(), panel_buttons(services, draft, menu)


def panel_buttons(services: Services, draft: Draft, menu: str | None) -> Rows:
    back = Button("↩️ Назад", "a_menu", {"menu": None})
    if draft.status not in EDITABLE:
        if draft.status is DraftStatus.SUBMITTED:
            return ((Button("🗑 Отозвать", "a_withdraw"), Button("➕ Новая публикация", "a_new")),)
        return ((Button("➕ Новая публикация", "a_new"),),)
    if menu == "targets":
        chosen = {str(t) for t in draft.targets}
        toggles = [(Button(("✅ " if str(t) in chosen else "⬜ ") + submit.page_name(services, t), "a_toggle",
                           {"target": str(t)}),) for t in publishable(services)]
        return (*toggles, (Button("Готово", "a_menu", {"menu": None}),))
    if menu == "time":
        now = datetime.now(UTC)
        times = [Button(label, "a_when", {"at": at.isoformat()}) for label, at in presets(now, services.config.tz)]
        return ((Button("⚡ Сразу после одобрения", "a_when", {"at": None}),),
                *(tuple(times[i:i + 2]) for i in range(0, len(times), 2)),
                (Button("⌨️ Ввести время", "a_ask", {"what": "time"}), back))
    version = draft.version
    rows: list[tuple[Button, ...]] = [
        (Button("📍 Страницы", "a_menu", {"menu": "targets"}), Button("🕒 Время", "a_menu", {"menu": "time"})),
        (Button("📊 Убрать опрос", "a_clear", {"what": "poll"}) if version.poll
         else Button("📊 Опрос", "a_ask", {"what": "poll"}),
         Button("🔗 Убрать ссылку", "a_clear", {"what": "link"}) if version.link
         else Button("🔗 Ссылка", "a_ask", {"what": "link"})),
    ]
    if version.photos:
        rows.append((Button("🖼 Убрать фото", "a_clear", {"what": "photos"}),))
    rows.append((Button("📨 На согласование", "a_submit"),))
    rows.append((Button("🗑 Удалить черновик", "a_withdraw"),))
    return tuple(rows)


async def show_panel(services: Services, author_id: int, draft_id: int, *, menu: str | None = None,
                     fresh: bool = False) -> None:
    """Draws the panel: edits the one on screen, or (`fresh`) sends a new one under the author's message."""
    async with services.db.transaction() as conn:
        draft = await model.load(conn, draft_id)
        assert draft is not None
        text, rows = render_panel(services, draft, menu)
        keyboard = await buttons.store(conn, drafts.SUBJECT, rows, {draft.id: draft.decision_seq}, draft.id,
                                       author_id)
    chat = services.workchat
    for attempt in range(PANEL_TRIES):
        try:
            if draft.panel_message_id and not fresh:
                await chat.edit(draft.panel_message_id, text, keyboard, chat_id=author_id)
                return
            if draft.panel_message_id:
                try:  # the old panel loses its buttons: the fresh one below is the one to use
                    await chat.edit(draft.panel_message_id, text, (), chat_id=author_id)
                except WorkChatError:
                    pass
            message_id = await chat.send(text, keyboard, chat_id=author_id, topic=None)
            break
        except Unavailable as exc:  # a dropped connection: a second panel is better than none
            log.warning("author %s, draft %s: the panel did not go out (%s); try %s", author_id, draft_id, exc,
                        attempt + 1)
            await asyncio.sleep(0.5 * (attempt + 1))
        except WorkChatError as exc:
            log.warning("cannot show author %s the panel of draft %s: %s", author_id, draft_id, exc)
            return
    else:
        return
    await services.db.execute("UPDATE drafts SET panel_message_id = $2 WHERE id = $1", draft_id, message_id)


async def say(services: Services, author_id: int, text: str) -> None:
    for attempt in range(PANEL_TRIES):
        try:
            await services.workchat.say(text, chat_id=author_id)
            return
        except Unavailable as exc:
            log.warning("cannot write to author %s yet (%s)", author_id, exc)
            await asyncio.sleep(0.5 * (attempt + 1))
        except WorkChatError as exc:
            log.warning("cannot write to author %s: %s", author_id, exc)
            return


# --- the conversation ----------------------------------------------------------------------------


async def _state(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM conversations WHERE user_id = $1", user_id)


async def _remember(conn: asyncpg.Connection, user_id: int, state: str, draft_id: int | None) -> None:
    await conn.execute("INSERT INTO conversations (user_id, state, draft_id) VALUES ($1, $2, $3)"
                       " ON CONFLICT (user_id) DO UPDATE SET state = $2, draft_id = $3, updated_at = now()",
                       user_id, state, draft_id)


async def _current(conn: asyncpg.Connection, member: StaffMember, actor: str, *, create: bool) -> Draft | None:
    """The draft the author is working on: the one remembered, if still editable; else a new one."""
    state = await _state(conn, member.user_id)
    if state is not None and state["draft_id"]:
        draft = await model.load(conn, state["draft_id"])
        if draft is not None and draft.author_id == member.user_id and draft.status in EDITABLE:
            return draft
    if not create:
        return None
    draft_id = await drafts.create(conn, author_id=member.user_id, author_name=member.name, unit=member.unit,
                                   actor=actor)
    await _remember(conn, member.user_id, "idle", draft_id)
    return await model.load(conn, draft_id)


async def _change(conn: asyncpg.Connection, draft: Draft, change: drafts.Change, *, actor: str, name: str) -> None:
    """Edits the draft; a draft returned for rework gets a new version (the coordinator saw the old one)."""
    rework = draft.status is DraftStatus.RETURNED
    await drafts.edit(conn, draft.id, change, by=actor, by_name=name, new_version=rework)
    if rework:
        await conn.execute("UPDATE drafts SET status = 'editing', decision_seq = decision_seq + 1 WHERE id = $1",
                           draft.id)


def parse_poll(text: str) -> Poll | None:
    lines = [line.strip(" -•*\t") for line in text.strip().splitlines() if line.strip(" -•*\t")]
    if len(lines) < 3:
        return None
    return Poll(lines[0], tuple(lines[1:]))


async def on_message(services: Services, *, user_id: int, user_name: str, actor: str, text: str | None,
                     photos: list[IncomingPhoto], command: str | None) -> None:
    """Everything an author writes to the bot; the bot answers in the same chat."""
    async with services.db.transaction() as conn:
        member = await staff.lookup(conn, services.config, user_id)
        if member is None or not member.can(Permission.SUBMIT):
            await audit.record(conn, actor=actor, actor_name=user_name, action="private_message", result="refused",
                               detail={"reason": "not staff who may submit"})
            refused = True
        else:
            refused = False
    if refused:
        await say(services, user_id, NOT_STAFF.format(user_id=user_id))
        return
    assert member is not None
    if command in ("start", "help"):
        await say(services, user_id, f"Здравствуйте, {member.name}! " + HELP)
        return
    if command == "drafts":
        await list_drafts(services, member)
        return
    if command == "edit":
        number = int(text) if text and text.strip().isdigit() else 0
        async with services.db.transaction() as conn:
            draft = await model.load(conn, number) if number else None
            mine = draft is not None and draft.author_id == user_id
            if mine:
                await _remember(conn, user_id, "idle", number)
        if not mine:
            await say(services, user_id, "Такого черновика у вас нет. Список — /drafts.")
            return
        await show_panel(services, user_id, number, fresh=True)
        return
    if command == "new":
        async with services.db.transaction() as conn:
            await _remember(conn, user_id, "idle", None)
        await say(services, user_id, "Новая публикация: пришлите её текст (можно с фото).")
        return
    note = None
    async with services.db.transaction() as conn:
        state = await _state(conn, user_id)
        asked = state["state"] if state else "idle"
        draft = await _current(conn, member, actor, create=True)
        assert draft is not None
        if photos:
            ids = [await drafts.put_media(conn, p.data, p.content_type, p.file_id) for p in photos]
            if len(draft.version.photos) + len(ids) > drafts.MAX_PHOTOS:
                note = f"В публикации может быть не больше {drafts.MAX_PHOTOS} фото — лишние не добавлены."
            change = drafts.Change(add_photos=tuple(ids), text=text) if text else drafts.Change(add_photos=tuple(ids))
            await _change(conn, draft, change, actor=actor, name=member.name)
        elif text is not None and asked == "poll":
            poll = parse_poll(text)
            if poll is None:
                note = "Не получилось: нужен вопрос в первой строке и хотя бы два варианта — каждый с новой строки."
            else:
                await _change(conn, draft, drafts.Change(poll=poll), actor=actor, name=member.name)
                await _remember(conn, user_id, "idle", draft.id)
        elif text is not None and asked == "link":
            link = text.strip()
            if not link.startswith(("http://", "https://")) or " " in link:
                note = "Ссылка должна начинаться с http:// или https:// — пришлите её ещё раз."
            else:
                await _change(conn, draft, drafts.Change(link=link), actor=actor, name=member.name)
                await _remember(conn, user_id, "idle", draft.id)
        elif text is not None and asked == "time":
            at = parse_when(text, now=datetime.now(UTC), tz=services.config.tz)
            if at is None:
                note = "Не понял время. Напишите, например, «завтра 10:00» или «05.12 18:30»."
            else:
                await drafts.set_wish(conn, draft.id, at)
                await _remember(conn, user_id, "idle", draft.id)
        elif text is not None:
            await _change(conn, draft, drafts.Change(text=text), actor=actor, name=member.name)
    if note:
        await say(services, user_id, note)
    await show_panel(services, user_id, draft.id, fresh=True)


async def list_drafts(services: Services, member: StaffMember) -> None:
    rows = await services.db.fetch("SELECT id FROM drafts WHERE author_id = $1 ORDER BY id DESC LIMIT 10",
                                   member.user_id)
    if not rows:
        await say(services, member.user_id, "У вас пока нет публикаций. " + HELP)
        return
    lines = ["Ваши публикации:"]
    async with services.db.connection() as conn:
        for row in rows:
            draft = await model.load(conn, row["id"])
            assert draft is not None
            preview = " ".join(draft.version.text.split())[:60] or "(без текста)"
            lines.append(f"№{draft.id} — {_status_line(draft, services.config.tz)}: «{preview}»")
    lines.append("Продолжить черновик: /edit номер. Новая публикация: /new.")
    await say(services, member.user_id, "\n".join(lines))


# --- the panel's buttons ---------------------------------------------------------------------------


async def press(services: Services, conn: asyncpg.Connection, ctx: PressContext) -> Answer:
    action, params = ctx.button["action"], ctx.button["params"]
    draft = await model.load(conn, ctx.button["subject_id"])
    if draft is None or draft.author_id != ctx.staff.user_id:
        return NOT_STAFF_ANSWER
    menu: str | None = None
    answer = Answer("Готово.")
    editable = draft.status in EDITABLE
    if action == "a_new":
        await _remember(conn, draft.author_id, "idle", None)
        ctx.later.append(lambda: say(services, draft.author_id, "Новая публикация: пришлите её текст (можно с фото)."))
        return Answer("Начинаем новую публикацию.")
    if action == "a_withdraw" and draft.status in (*EDITABLE, DraftStatus.SUBMITTED):
        await drafts.move(conn, draft.id, "withdraw")
        await _remember(conn, draft.author_id, "idle", None)
        await audit.record(conn, actor=ctx.actor, actor_name=ctx.staff.name, action="draft_withdrawn", result="ok",
                           detail={"draft_id": draft.id})
        answer = Answer("Черновик удалён." if draft.status is not DraftStatus.SUBMITTED else "Публикация отозвана.")
    elif not editable:
        return Answer("Этот черновик уже не редактируется.", alert=True)
    elif action == "a_menu":
        menu = params.get("menu")
    elif action == "a_toggle":
        chosen = [str(t) for t in draft.targets]
        target = str(params["target"])
        chosen = [t for t in chosen if t != target] if target in chosen else [*chosen, target]
        await drafts.set_targets(conn, draft.id, [Target.parse(t) for t in chosen])
        menu = "targets"
    elif action == "a_when":
        at = datetime.fromisoformat(params["at"]) if params.get("at") else None
        await drafts.set_wish(conn, draft.id, at)
        answer = Answer(f"Публикация: {shown(at, services.config.tz) if at else 'сразу после одобрения'}.")
    elif action == "a_ask":
        what = str(params["what"])
        await _remember(conn, draft.author_id, what, draft.id)
        question = {"poll": "Пришлите опрос одним сообщением: в первой строке — вопрос, дальше каждый вариант с "
                            "новой строки (от 2 до 10).",
                    "link": "Пришлите ссылку (https://…).",
                    "time": "Напишите дату и время публикации, например «завтра 10:00» или «05.12 18:30»."}[what]
        ctx.later.append(lambda: say(services, draft.author_id, question))
        answer = Answer("Жду ваше сообщение.")
    elif action == "a_clear":
        what = str(params["what"])
        change = {"poll": drafts.Change(poll=None), "link": drafts.Change(link=None),
                  "photos": drafts.Change(clear_photos=True)}[what]
        await _change(conn, draft, change, actor=ctx.actor, name=ctx.staff.name)
    elif action == "a_submit":
        result = await submit.submit(services, conn, draft.id, actor=ctx.actor)
        ctx.later.append(lambda: say(services, draft.author_id, submitted_text(result)))
        answer = Answer("Отправлено на согласование." if result.accepted else "Пока не отправлено — см. сообщение.")
    ctx.later.append(lambda: show_panel(services, draft.author_id, draft.id, menu=menu))
    return answer


def submitted_text(result: submit.Submitted) -> str:
    if not result.accepted:
        return "Пока не отправлено:\n" + "\n".join(f"• {p}" for p in result.problems)
    lines = ["📨 Отправлено на согласование. Когда координатор решит, я напишу."]
    hits = result.advice.get("hits") or []
    if hits:
        lines.append("\nСоветы по стилю — это подсказки, не запрет:")
        for hit in hits[:8]:
            lines.append(f"• «{hit.get('fragment', '')}»: {hit.get('note_ru', '')} {hit.get('suggestion_ru', '')}")
    summary = result.advice.get("summary_ru")
    if summary:
        lines.append(f"\n{summary}")
    return "\n".join(lines)


# --- the control API's way in ----------------------------------------------------------------------


async def submit_direct(services: Services, *, author: StaffMember, actor: str, text: str,
                        photos: list[IncomingPhoto], poll: Poll | None, targets: list[Target],
                        publish_at: datetime | None) -> submit.Submitted:
    """A whole draft at once, submitted exactly as the private chat would: same checks, advice and card."""
    async with services.db.transaction() as conn:
        draft_id = await drafts.create(conn, author_id=author.user_id, author_name=author.name, unit=author.unit,
                                       actor=actor)
        ids = [await drafts.put_media(conn, p.data, p.content_type, p.file_id) for p in photos]
        await drafts.edit(conn, draft_id, drafts.Change(text=text, add_photos=tuple(ids), poll=poll), by=actor,
                          by_name=author.name, new_version=False)
        await drafts.set_targets(conn, draft_id, targets)
        await drafts.set_wish(conn, draft_id, publish_at)
        result = await submit.submit(services, conn, draft_id, actor=actor)
    services.cards_ready.set()
    return result
