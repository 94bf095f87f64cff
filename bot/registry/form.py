"""The registry in the work chat: `/registry` opens one card that lists the accounts and walks a person through
adding one, changing a field, or marking one deleted — a step per press, typed values as replies to the card.

The card's state is a row of `registry_forms`; each press moves it at the decision sequence it was drawn at,
so two people pressing the same old button cannot both act. Saving goes through `store`, which keeps the
history and opens the report to the committee.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncpg

from bot.registry import desk, reports, store
from bot.registry.cards import account_line
from bot.registry.model import FIELDS, FLAGS, KINDS, RegistryAccount, Status
from bot.registry.values import BadValue, parse_field
from bot.workchat.model import Button, Card, Lines, Rows, bold, italic, plain
from bot.workchat.outbox import open_card, touch
from bot.workchat.subjects import Answer, PressContext

if TYPE_CHECKING:
    from bot.config import Config, StaffMember

KIND = "registry_form"
ADD_ORDER = ("network", "kind", "name", "url", "unit", "responsible", "created_on", "identifier", "gov_mark")
QUESTIONS = {
    "network": "Где аккаунт? Выберите площадку (или ответьте на карточку её названием).",
    "kind": "Что это за аккаунт? Выберите тип.",
    "name": "Ответьте на эту карточку наименованием аккаунта — как оно видно на площадке.",
    "url": "Ответьте ссылкой на аккаунт (https://…).",
    "unit": "Какому органу или подведомственной организации принадлежит аккаунт? Ответьте на карточку.",
    "responsible": "Должность ответственного за ведение аккаунта (не имя: реестр публикуется). Ответьте на карточку.",
    "created_on": "Дата создания аккаунта: ответьте датой (ДД.ММ.ГГГГ) или нажмите «Сегодня».",
    "deleted_on": "С какой даты аккаунт удалён? Ответьте датой (ДД.ММ.ГГГГ) или нажмите «Сегодня».",
    "identifier": "Идентификатор на площадке (числовой id или @имя) — ответьте на карточку или нажмите «Пропустить».",
    "gov_mark": "Страница подтверждена через Госуслуги (отметка «Госорганизация»)?",
    "regional": "Аккаунт принадлежит региональному органу (его срок — 3 рабочих дня)?",
    "status": "Выберите статус.",
}
SKIPPABLE = ("identifier", "rkn_number", "reported_on")
PICK_LIMIT = 24


@dataclass
class Form:
    id: int
    step: str  # home | add | pick | edit | delete | closed
    account_id: int | None
    values: dict[str, Any] = field(default_factory=dict)  # what was given so far (stored values)
    asking: str | None = None  # the field a reply fills
    action: str | None = None  # pick: what the chosen account is for ("edit" | "delete")
    decision_seq: int = 1
    note: str | None = None


def _from_row(row: asyncpg.Record) -> Form:
    data = row["fields"] or {}
    return Form(row["id"], row["step"], row["account_id"], data.get("values", {}), data.get("asking"),
                data.get("action"), row["decision_seq"], row["note"])


async def load(conn: asyncpg.Connection, form_id: int, *, lock: bool = False) -> Form | None:
    row = await conn.fetchrow("SELECT * FROM registry_forms WHERE id = $1" + (" FOR UPDATE" if lock else ""), form_id)
    return _from_row(row) if row else None


async def start(conn: asyncpg.Connection, *, user_id: int, chat_id: int) -> int:
    form_id = await conn.fetchval("INSERT INTO registry_forms (step, started_by) VALUES ('home', $1) RETURNING id",
                                  user_id)
    await open_card(conn, KIND, form_id, chat_id=chat_id)
    return int(form_id)


async def _save(conn: asyncpg.Connection, state: Form) -> None:
    data = {"values": state.values, "asking": state.asking, "action": state.action}
    await conn.execute("UPDATE registry_forms SET step = $2, account_id = $3, fields = $4, note = $5,"
                       " decision_seq = decision_seq + 1 WHERE id = $1",
                       state.id, state.step, state.account_id, data, state.note)
    await touch(conn, KIND, [state.id])


def _home(state: Form, note: str | None = None) -> None:
    state.step, state.account_id, state.values, state.asking, state.action, state.note = (
        "home", None, {}, None, None, note)


# --- drawing -------------------------------------------------------------------------------------


async def draw(conn: asyncpg.Connection, state: Form, *, config: Config, networks: tuple[str, ...], limit: int
               ) -> Card:
    accounts = await store.everything(conn)
    lines = Lines()
    lines.line(bold("📒 Реестр официальных аккаунтов"))
    if state.note:
        lines.line(italic(state.note))
    if state.step == "closed":
        lines.line(plain(f"Открыть снова: /registry. Публичная страница: {desk.registry_url(config)}"))
        return Card(lines.text())
    if state.step == "home":
        await _list(conn, lines, accounts, config)
        return Card(lines.text(), ((Button("➕ Добавить", "form", {"do": "add"}),
                                    Button("✏️ Изменить", "form", {"do": "pick", "for": "edit"}),
                                    Button("🗑 Удалён", "form", {"do": "pick", "for": "delete"})),
                                   (Button("✖️ Закрыть", "form", {"do": "close"}),)))
    if state.step == "pick":
        verb = "изменить" if state.action == "edit" else "отметить удалённым"
        lines.line(plain(f"Какой аккаунт {verb}? Нажмите его номер или ответьте на карточку номером."))
        shown = [a for a in accounts if state.action == "edit" or not a.deleted][:PICK_LIMIT]
        for account in shown:
            lines.line(plain(f"№{account.id} "), *account_line(account))
        buttons = [Button(f"№{a.id}", "form", {"do": "choose", "id": a.id}) for a in shown]
        return Card(lines.text(), (*_rows(buttons, 4), (Button("↩️ Назад", "form", {"do": "home"}),)))
    chosen = next((a for a in accounts if a.id == state.account_id), None)
    if state.step == "add":
        return _add_card(lines, state, networks)
    if state.step == "edit" and chosen is not None:
        return _edit_card(lines, state, chosen)
    if state.step == "delete" and chosen is not None:
        return _delete_card(lines, state, chosen)
    _home(state)
    return await draw(conn, state, config=config, networks=networks, limit=limit)


def _rows(buttons: list[Button], width: int) -> Rows:
    return tuple(tuple(buttons[i:i + width]) for i in range(0, len(buttons), width))


async def _list(conn: asyncpg.Connection, lines: Lines, accounts: list[RegistryAccount], config: Config) -> None:
    today = desk.today(config)
    open_by_account: dict[int, list[reports.Report]] = {}
    for report in await reports.open_reports(conn):
        open_by_account.setdefault(report.account.id, []).append(report)
    if not accounts:
        lines.line(plain("Пока пусто. Нажмите «Добавить»."))
    for account in sorted(accounts, key=lambda a: (a.deleted, a.id)):
        mark = " ✔️ Госорганизация" if account.gov_mark else ""
        status = (f" — удалён {account.deleted_on:%d.%m.%Y}" if account.deleted and account.deleted_on
                  else f" — {account.status.title_ru}")
        lines.line(plain(f"№{account.id} "), *account_line(account), plain(status + mark))
        for report in open_by_account.get(account.id, []):
            left = report.days_left(today)
            flag = "🔴 просрочено" if left < 0 else "🟡"
            lines.line(plain(f"   {flag} сообщить в комитет, что {report.event_ru}, до {report.due_on:%d.%m.%Y}"))
    lines.blank().line(plain(f"Публичная страница: {desk.registry_url(config)}"))


def _values_lines(lines: Lines, values: dict[str, Any]) -> None:
    for key in ADD_ORDER:
        if key in values:
            value = values[key]
            shown = ("да" if value else "нет") if key in FLAGS else (value or "—")
            lines.line(plain(f"{FIELDS[key]}: {shown}"))


def _question_buttons(asking: str, networks: tuple[str, ...] = ()) -> list[tuple[Button, ...]]:
    if asking == "network":
        return list(_rows([Button(n, "form", {"do": "set", "value": n}) for n in networks], 4))
    if asking == "kind":
        return list(_rows([Button(k, "form", {"do": "set", "value": k}) for k in KINDS], 4))
    if asking in FLAGS:
        return [(Button("Да", "form", {"do": "set", "value": "да"}),
                 Button("Нет", "form", {"do": "set", "value": "нет"}))]
    if asking in ("created_on", "deleted_on", "reported_on"):
        return [(Button("Сегодня", "form", {"do": "set", "value": "сегодня"}),)]
    if asking == "status":
        return [tuple(Button(s.title_ru, "form", {"do": "set", "value": s.value}) for s in Status)]
    if asking in SKIPPABLE:
        return [(Button("Пропустить", "form", {"do": "set", "value": ""}),)]
    return []


def _add_card(lines: Lines, state: Form, networks: tuple[str, ...]) -> Card:
    lines.line(plain("Новый аккаунт"))
    _values_lines(lines, state.values)
    if state.asking == "confirm":
        lines.blank().line(plain("Всё верно? После сохранения аккаунт появится на публичной странице, а в чате — "
                                 "карточка сообщения в комитет (срок 10 дней)."))
        return Card(lines.text(), ((Button("✅ Сохранить", "form", {"do": "save"}),
                                    Button("✖️ Отмена", "form", {"do": "home"})),))
    lines.blank().line(bold(QUESTIONS.get(state.asking or "", "")))
    return Card(lines.text(), (*_question_buttons(state.asking or "", networks),
                               (Button("✖️ Отмена", "form", {"do": "home"}),)))


def _edit_card(lines: Lines, state: Form, account: RegistryAccount) -> Card:
    lines.line(plain(f"№{account.id} "), *account_line(account))
    if state.asking:
        current = getattr(account, state.asking)
        if state.asking == "admins":
            current = ", ".join(f"{a.user_id} {a.role}".strip() for a in account.admins) or "—"
        elif state.asking in FLAGS:
            current = "да" if current else "нет"
        elif isinstance(current, Status):
            current = current.title_ru
        lines.line(plain(f"{FIELDS[state.asking]}: сейчас «{current or '—'}»."))
        question = QUESTIONS.get(state.asking, "Ответьте на карточку новым значением.")
        if state.asking == "admins":
            question = ("Кто должен быть администратором страницы: ответьте списком «id роль», например "
                        "«12345 administrator, 67890 moderator». Список внутренний, он не публикуется.")
        lines.blank().line(bold(question))
        return Card(lines.text(), (*_question_buttons(state.asking), (Button("↩️ Назад", "form", {"do": "fields"}),)))
    lines.blank().line(plain("Что изменить?"))
    buttons = [Button(title.split(" (")[0], "form", {"do": "field", "field": key}) for key, title in FIELDS.items()]
    return Card(lines.text(), (*_rows(buttons, 3), (Button("✅ Готово", "form", {"do": "home"}),)))


def _delete_card(lines: Lines, state: Form, account: RegistryAccount) -> Card:
    lines.line(plain(f"№{account.id} "), *account_line(account))
    if state.asking == "confirm":
        day = state.values.get("deleted_on")
        lines.blank().line(plain(f"Отметить аккаунт удалённым с {day}? Запись останется в реестре с датой удаления, "
                                 "и начнётся срок сообщения в комитет (10 дней)."))
        return Card(lines.text(), ((Button("✅ Да, удалён", "form", {"do": "save"}),
                                    Button("✖️ Отмена", "form", {"do": "home"})),))
    lines.blank().line(bold(QUESTIONS["deleted_on"]))
    return Card(lines.text(), (*_question_buttons("deleted_on"), (Button("✖️ Отмена", "form", {"do": "home"}),)))


# --- moving the form -----------------------------------------------------------------------------


def _next_question(state: Form) -> None:
    state.asking = next((key for key in ADD_ORDER if key not in state.values), "confirm")


async def press(conn: asyncpg.Connection, ctx: PressContext, *, config: Config) -> Answer:
    from bot.registry.subject import LOST

    state = await load(conn, ctx.button["subject_id"], lock=True)
    if state is None or state.decision_seq != ctx.button["decision_seq"] or state.step == "closed":
        return LOST
    params, state.note = ctx.button["params"], None
    do = params.get("do")
    answer = "Готово."
    if do == "home":
        _home(state)
    elif do == "close":
        state.step, state.note = "closed", "Закрыто."
    elif do == "add":
        state.step, state.values = "add", {}
        _next_question(state)
    elif do == "pick":
        state.step, state.action = "pick", str(params.get("for"))
    elif do == "choose":
        answer = _choose(state, int(params["id"]))
    elif do == "field":
        state.asking = str(params["field"])
    elif do == "fields":
        state.asking = None
    elif do == "set":
        try:
            answer = await _given(conn, state, str(params.get("value", "")), staff=ctx.staff, actor=ctx.actor,
                                  config=config)
        except BadValue as exc:
            return Answer(str(exc), alert=True)
    elif do == "save":
        try:
            answer = await _commit(conn, state, staff=ctx.staff, actor=ctx.actor, config=config)
        except BadValue as exc:
            return Answer(str(exc), alert=True)
    else:
        return LOST
    await _save(conn, state)
    return Answer(answer)


def _choose(state: Form, account_id: int) -> str:
    state.account_id, state.values, state.asking = account_id, {}, None
    state.step = "edit" if state.action == "edit" else "delete"
    if state.step == "delete":
        state.asking = "deleted_on"
    return "Выбрано."


async def _given(conn: asyncpg.Connection, state: Form, text: str, *, staff: StaffMember, actor: str,
                 config: Config) -> str:
    """A value for the field being asked, typed or pressed."""
    key = state.asking
    if key is None or key == "confirm":
        raise BadValue("Сейчас ничего не спрашивается: выберите действие кнопкой.")
    if state.step == "add" and key in SKIPPABLE and not text.strip():
        state.values[key] = ""
        _next_question(state)
        return "Пропущено."
    today = desk.today(config)
    value = parse_field(key, text, today=today)
    if state.step == "add":
        state.values[key] = value.isoformat() if hasattr(value, "isoformat") else value
        _next_question(state)
        return "Записано."
    if state.step == "delete":
        state.values["deleted_on"] = value.isoformat() if value else today.isoformat()
        state.asking = "confirm"
        return "Подтвердите."
    # edit: saved at once, field by field, each a version in the history
    assert state.account_id is not None
    await store.edit(conn, state.account_id, {key: value}, actor=store.Actor(actor, staff.name),
                     clock=desk.clock(config))
    state.note, state.asking = f"Сохранено: {FIELDS[key]}.", None
    return "Сохранено."


async def _commit(conn: asyncpg.Connection, state: Form, *, staff: StaffMember, actor: str, config: Config) -> str:
    who = store.Actor(actor, staff.name)
    if state.step == "add" and state.asking == "confirm":
        values = {k: v for k, v in state.values.items() if v != "" or k == "identifier"}
        typed = store.parse_changes({k: str(v) for k, v in values.items() if k not in FLAGS},
                                    today=desk.today(config))
        typed.update({k: bool(v) for k, v in values.items() if k in FLAGS})
        account = await store.add(conn, typed, actor=who, clock=desk.clock(config))
        _home(state, f"Добавлено: №{account.id} «{account.name}».")
        return "Добавлено."
    if state.step == "delete" and state.asking == "confirm" and state.account_id is not None:
        from datetime import date

        day = date.fromisoformat(state.values["deleted_on"])
        account = await store.mark_deleted(conn, state.account_id, on=day, actor=who, clock=desk.clock(config))
        _home(state, f"Отмечено удалённым: №{account.id} «{account.name}».")
        return "Отмечено."
    raise BadValue("Эта кнопка уже не к месту: посмотрите карточку ещё раз.")


async def typed(conn: asyncpg.Connection, form_id: int, text: str, *, staff: StaffMember, actor: str,
                config: Config, networks: tuple[str, ...]) -> str | None:
    """A reply to the form's card: the value of the field being asked (or an account's number to pick)."""
    state = await load(conn, form_id, lock=True)
    if state is None or state.step in ("home", "closed"):
        return "Чтобы изменить реестр, нажмите кнопку на карточке: «Добавить», «Изменить» или «Удалён»."
    state.note = None
    if state.step == "pick":
        number = text.strip().lstrip("№").strip()
        if not number.isdigit() or await store.get(conn, int(number)) is None:
            return "Не нахожу такого номера в реестре. Ответьте номером из списка, например «3»."
        _choose(state, int(number))
    elif state.asking in (None, "confirm"):
        return "Сейчас на карточке нужно нажать кнопку."
    else:
        if state.step == "add" and state.asking == "network":
            text = next((n for n in networks if n.lower() == text.strip().lower()), text.strip())
        try:
            await _given(conn, state, text, staff=staff, actor=actor, config=config)
        except BadValue as exc:
            return str(exc)
    await _save(conn, state)
    return None
