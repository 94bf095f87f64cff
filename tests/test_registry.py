"""The registry of official accounts: what the store keeps and its history, the two clocks of the report, the
reminders, what people type, the letter, and the published files (page, JSON, open data)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database
from bot.registry import desk, letter, public, reports, store
from bot.registry.reports import Clock, reminder_stage
from bot.registry.settings import RegistrySettings
from bot.registry.values import BadValue, check_responsible, parse_admins, parse_date, parse_field
from bot.workdays import ProductionCalendar

CHAT = -1001234567890
TODAY = date(2026, 11, 30)
CLOCK = Clock(TODAY, ProductionCalendar(), CHAT)
WHO = store.Actor("tg:555", "Ольга Котова")
TZ = ZoneInfo("Europe/Moscow")
MAX_CHANNEL = {"unit": "МКУ «Молодёжный центр»", "network": "MAX", "kind": "канал", "name": "Молодёжь Октябрьского",
               "url": "https://max.ru/molodezh_okt", "identifier": "@molodezh_okt", "responsible": "директор МКУ",
               "created_on": date(2026, 11, 27), "gov_mark": True}


async def test_adding_keeps_history_and_audit_and_starts_the_ten_day_clock(db: Database) -> None:
    async with db.transaction() as conn:
        account = await store.add(conn, dict(MAX_CHANNEL), actor=WHO, clock=CLOCK)
    history = await db.fetch("SELECT change, actor, actor_name, before, after FROM registry_history")
    assert [(h["change"], h["actor"], h["actor_name"]) for h in history] == [("added", "tg:555", "Ольга Котова")]
    assert history[0]["before"] is None and history[0]["after"]["name"] == "Молодёжь Октябрьского"
    assert await db.fetchval("SELECT count(*) FROM audit WHERE action = 'registry_added'") == 1
    [report] = await db.fetch("SELECT * FROM registry_reports")
    assert (report["event"], report["event_on"], report["due_on"]) == ("created", date(2026, 11, 27), date(2026, 12, 7))
    assert report["regional_due_on"] is None, "the 3-working-day clock is only for regional bodies' accounts"
    card = await db.fetchrow("SELECT * FROM cards WHERE subject_kind = 'registry_report'")
    assert card["subject_id"] == report["id"] and card["chat_id"] == CHAT
    assert account.id == report["account_id"]


async def test_deleting_keeps_the_row_and_starts_its_own_report(db: Database) -> None:
    async with db.transaction() as conn:
        account = await store.add(conn, dict(MAX_CHANNEL, reported_on=date(2026, 11, 28)), actor=WHO, clock=CLOCK)
        assert await conn.fetchval("SELECT count(*) FROM registry_reports") == 0, "already reported: no clock"
        deleted = await store.mark_deleted(conn, account.id, on=date(2026, 11, 30), actor=WHO, clock=CLOCK)
    assert deleted.deleted and deleted.deleted_on == date(2026, 11, 30) and deleted.version == 2
    rows = await db.fetch("SELECT * FROM registry_accounts")
    assert len(rows) == 1 and rows[0]["status"] == "deleted", "deleted accounts stay in the registry"
    [report] = await db.fetch("SELECT event, due_on FROM registry_reports")
    assert (report["event"], report["due_on"]) == ("deleted", date(2026, 12, 10))
    changes = [r["change"] for r in await db.fetch("SELECT change FROM registry_history ORDER BY id")]
    assert changes == ["added", "deleted"]
    async with db.transaction() as conn:
        restored = await store.edit(conn, account.id, {"status": "active"}, actor=WHO, clock=CLOCK)
    assert not restored.deleted and restored.deleted_on is None


async def test_regional_body_gets_three_working_days_on_the_production_calendar(db: Database) -> None:
    clock = Clock(date(2026, 12, 29), ProductionCalendar(), CHAT)
    async with db.transaction() as conn:
        await store.add(conn, dict(MAX_CHANNEL, created_on=date(2026, 12, 29), regional=True), actor=WHO, clock=clock)
    [report] = await db.fetch("SELECT due_on, regional_due_on FROM registry_reports")
    # 30 Dec is worked, 31 Dec 2026 and 1–11 Jan 2027 are days off: the third working day is 12 January.
    assert report["regional_due_on"] == date(2027, 1, 12)
    assert report["due_on"] == date(2027, 1, 8), "the seed's clock counts calendar days, holidays included"


def test_reminders_come_at_three_days_one_day_the_day_and_once_overdue() -> None:
    assert [reminder_stage(d) for d in (10, 4, 3, 2, 1, 0, -1, -9)] == [None, None, 3, 3, 1, 0, -1, -1]


async def test_due_reminders_are_given_once_per_stage(db: Database) -> None:
    async with db.transaction() as conn:
        await store.add(conn, dict(MAX_CHANNEL, created_on=date(2026, 11, 20)), actor=WHO, clock=CLOCK)
    # due 30.11: created inside the reminder window, its card is the news — no reminder at once
    async with db.transaction() as conn:
        assert await reports.due_reminders(conn, TODAY) == []
        assert [r.account.name for r in await reports.due_reminders(conn, date(2026, 12, 1))] == [
            "Молодёжь Октябрьского"]
        assert await reports.due_reminders(conn, date(2026, 12, 2)) == [], "overdue is reminded once"
        assert await reports.overdue_ids(conn, date(2026, 12, 2)) != {}


def test_what_people_type_is_read_or_explained() -> None:
    assert parse_date("27.11.2026", today=TODAY) == date(2026, 11, 27)
    assert parse_date("сегодня", today=TODAY) == TODAY
    with pytest.raises(BadValue, match="Не понимаю дату"):
        parse_date("в понедельник", today=TODAY)
    assert parse_field("gov_mark", "Да", today=TODAY) is True
    with pytest.raises(BadValue, match="https://"):
        parse_field("url", "vk com/club1", today=TODAY)
    with pytest.raises(BadValue, match="должность, а не имя"):
        check_responsible("Иванов И.И.")
    with pytest.raises(BadValue, match="152-ФЗ"):
        parse_field("responsible", "Петрова Анна Сергеевна", today=TODAY)
    assert check_responsible("главный специалист  отдела информатизации") == "главный специалист отдела информатизации"
    admins = parse_admins("12345 administrator, 67890 moderator (пресс-служба)")
    assert [(a.user_id, a.role, a.note) for a in admins] == [("12345", "administrator", ""),
                                                            ("67890", "moderator", "пресс-служба")]


async def test_bad_values_are_refused_before_anything_is_stored(db: Database) -> None:
    async with db.transaction() as conn:
        with pytest.raises(BadValue, match="Наименование"):
            await store.add(conn, {k: v for k, v in MAX_CHANNEL.items() if k != "name"}, actor=WHO, clock=CLOCK)
    with pytest.raises(BadValue) as raised:
        store.parse_changes({"url": "max.ru", "created_on": "вчерашний"}, today=TODAY)
    assert "Ссылка" in str(raised.value) and "Дата создания" in str(raised.value)
    assert await db.fetchval("SELECT count(*) FROM registry_accounts") == 0


async def test_pages_of_the_configuration_enter_once(db: Database) -> None:
    page = store.FoundPage("vk", 229000001, "ВКонтакте", "сообщество", "Администрация района",
                           "https://vk.com/club229000001", "229000001")
    async with db.transaction() as conn:
        assert len(await store.sync_found(conn, [page], unit="Администрация района")) == 1
        account = (await store.everything(conn))[0]
        await store.edit(conn, account.id, {"name": "Администрация Октябрьского района"}, actor=WHO, clock=CLOCK)
        assert await store.sync_found(conn, [page], unit="Администрация района") == []
        assert (await store.get(conn, account.id)).name == "Администрация Октябрьского района"  # type: ignore[union-attr]
    assert await db.fetchval("SELECT count(*) FROM registry_reports") == 0, "a known page is not a new account"


async def test_the_letter_lists_the_accounts_and_takes_a_replaced_template(db: Database, tmp_path) -> None:
    async with db.transaction() as conn:
        account = await store.add(conn, dict(MAX_CHANNEL), actor=WHO, clock=CLOCK)
        await store.mark_deleted(conn, account.id, on=date(2026, 11, 29), actor=WHO, clock=CLOCK)
        found = await reports.since(conn, date(2026, 11, 1))
    settings = RegistrySettings(organisation="Администрация Октябрьского района", signer_name="А.Б. Главин")
    composed = desk.compose(found, settings, url="https://adm.example/registry", dated=TODAY)
    text = letter.text_of(letter.render(composed))
    assert "О создании и удалении официальных аккаунтов" in text
    assert "1 | MAX | канал | Молодёжь Октябрьского | https://max.ru/molodezh_okt | создан | 27.11.2026" in text
    assert "2 | MAX | канал | Молодёжь Октябрьского | https://max.ru/molodezh_okt | удалён | 29.11.2026" in text
    assert "{{" not in text and "А.Б. Главин" in text
    template = tmp_path / "ours.docx"
    template.write_bytes(letter.template_bytes())
    import docx

    document = docx.Document(str(template))
    document.paragraphs[0].runs[0].text = "БЛАНК АДМИНИСТРАЦИИ: {{организация}}"
    document.save(str(template))
    replaced = letter.text_of(letter.render(composed, template))
    assert replaced.startswith("БЛАНК АДМИНИСТРАЦИИ: Администрация Октябрьского района")


async def test_published_files_show_only_public_columns(db: Database) -> None:
    async with db.transaction() as conn:
        await store.add(conn, dict(MAX_CHANNEL, admins=[{"user_id": "777", "role": "admin", "note": "Петров"}]),
                        actor=WHO, clock=CLOCK)
        second = await store.add(conn, dict(MAX_CHANNEL, name="Старый блог", network="Блог", kind="блог",
                                            url="https://blog.example/old"), actor=WHO, clock=CLOCK)
        await store.mark_deleted(conn, second.id, on=TODAY, actor=WHO, clock=CLOCK)
        snapshot = await store.snapshot(conn)
    settings = RegistrySettings(organisation="Администрация Октябрьского района", inn="4621001234")
    data = public.as_json(snapshot, settings)
    assert [a["name"] for a in data["accounts"]] == ["Молодёжь Октябрьского", "Старый блог"]
    assert data["accounts"][1]["status"] == "удалён" and data["accounts"][1]["deleted_on"] == "2026-11-30"
    assert "admins" not in json.dumps(data) and "Петров" not in json.dumps(data, ensure_ascii=False)
    rows = list(csv.reader(io.StringIO(public.data_csv(snapshot).decode("utf-8"))))
    assert rows[0][:3] == ["number", "unit", "network"] and len(rows) == 3
    assert rows[1][7] == "да" and rows[2][10] == "удалён"
    meta = dict(csv.reader(io.StringIO(public.meta_csv(snapshot, settings, base_url="https://adm.example",
                                                       tz=TZ).decode("utf-8"))))
    assert meta["standardversion"] == "http://opendata.gosmonitor.ru/standard/3.0"
    assert meta["identifier"] == "4621001234-official-accounts"
    stamp = snapshot.modified.astimezone(TZ).strftime("%Y%m%d")  # type: ignore[union-attr]
    assert meta[f"data-{stamp}-structure-{public.STRUCTURE_VERSION}"] == (
        f"https://adm.example/registry/data-{stamp}-structure-{public.STRUCTURE_VERSION}.csv")
    structure = list(csv.reader(io.StringIO(public.structure_csv().decode("utf-8"))))
    assert [r[0] for r in structure[1:]] == [c.key for c in public.PUBLIC_COLUMNS]
    html = public.html_page(snapshot, settings, tz=TZ)
    assert '<html lang="ru">' in html and '<caption id="registry-caption">' in html
    assert '<th scope="col">Наименование</th>' in html
    assert "<script" not in html and "Петров" not in html
    embed = public.html_page(snapshot, settings, tz=TZ, embed=True)
    assert "<h1>" not in embed and "<table>" in embed


def test_snapshot_of_an_empty_registry_renders() -> None:
    snapshot = public.Snapshot([], 0, None, None)
    html = public.html_page(snapshot, RegistrySettings(), tz=TZ)
    assert "Реестр пока пуст" in html
    assert public.data_name(snapshot, TZ) == f"data-{public.STRUCTURE_VERSION}-structure-{public.STRUCTURE_VERSION}.csv"
