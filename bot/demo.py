"""`gospablik demo`: the whole service offline, on one port, for a newcomer's browser.

The real service (the same `build_app` as production) runs between the VK and Telegram emulators,
which are mounted on the same server: VK's API under /emulators/vk, Telegram's Bot API under
/emulators/telegram, and the page at /sandbox shows the community wall beside the work chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import tempfile
import webbrowser
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.config import Community, Config, LabelPolicy, StaffMember, TelegramConfig
from bot.domain import PolicyAction, Role
from bot.services import SERVICES

log = logging.getLogger(__name__)

GROUP_ID = 229000001
WORK_CHAT = -1001002003004
ADMIN_USER = 100500
OUTSIDER = 700700
STAFF = (
    StaffMember(111111, "Мария Захарова", Role.MODERATOR),
    StaffMember(222222, "Ольга Котова", Role.ADMIN),
    StaffMember(333333, "Пётр Иванов", Role.VIEWER),
)
CITIZENS = {51234567: ("Иван", "Петров"), 60011122: ("Анна", "Смирнова"), 70022233: ("Сергей", "Волков"),
            80033344: ("Крипто", "Заработок")}
POSTS = (
    "График приёма граждан на декабрь: глава района принимает по вторникам с 10:00 до 13:00.",
    "Начинаем ремонт дороги на ул. Ленина. Просим водителей объезжать участок по ул. Садовой.",
)
SEED_COMMENTS = (
    (51234567, "Когда отремонтируют дорогу на ул. Ленина? Уже третий год обещаете."),
    (60011122, "Спасибо за субботник, во дворе стало чисто!"),
    (80033344, "Заработок от 5000 в день без вложений! Пиши в телеграм @easy_money_bot"),
)


def demo_config(*, host: str, port: int, data_dir: Path) -> tuple[Config, dict[str, str]]:
    base = f"http://{host}:{port}"
    secrets_ = {"secret": secrets.token_urlsafe(16), "confirmation": secrets.token_hex(4),
                "group_token": "vk1.a." + secrets.token_urlsafe(24), "user_token": "vk1.a." + secrets.token_urlsafe(24),
                "bot_token": f"7000000001:{secrets.token_urlsafe(24)}", "webhook": secrets.token_urlsafe(16)}
    config = Config(
        communities=(Community(
            group_id=GROUP_ID, name="Администрация Октябрьского района", secret=secrets_["secret"],
            confirmation=secrets_["confirmation"], group_token=secrets_["group_token"],
            user_token=secrets_["user_token"], own_domains=("admokt.ru",),
            policy={"spam": LabelPolicy(PolicyAction.NOTIFY)},
        ),),
        staff=STAFF,
        telegram=TelegramConfig(bot_token=secrets_["bot_token"], work_chat_id=WORK_CHAT,
                                api_base=f"{base}/emulators/telegram", mode="webhook",
                                webhook_secret=secrets_["webhook"], messages_per_minute=20),
        host=host, port=port, public_url=base, database_url=None, data_dir=data_dir,
        vk_api_url=f"{base}/emulators/vk/method/",
    )
    return config, secrets_


def build_demo_app(config: Config) -> tuple[web.Application, Any]:
    from bot.app import build_app
    from bot.sandbox.control import SandboxInfo, sandbox_app
    from bot.sandbox.telegram_api import TelegramEmulator
    from bot.sandbox.vk_api import VkEmulator
    from bot.sandbox.vk_callback import CallbackSender

    community = config.communities[0]
    vk = VkEmulator(group_id=GROUP_ID, group_token=community.group_token, user_token=community.user_token,
                    admin_user_id=ADMIN_USER, group_name=community.name)
    vk.confirmation_code = community.confirmation
    for user_id, (first, last) in CITIZENS.items():
        vk.add_user(user_id, first, last)
    for text in POSTS:
        vk.add_post(text)
    # The emulated Telegram enforces the same per-group limit the service is configured to respect.
    telegram = TelegramEmulator(token=config.telegram.bot_token,
                                messages_per_minute=config.telegram.messages_per_minute)
    telegram.add_chat(WORK_CHAT, "Модерация госпабликов")
    for member in STAFF:
        first, _, last = member.name.partition(" ")
        telegram.add_user(member.user_id, first, last or None)
    telegram.add_user(OUTSIDER, "Случайный", "Участник")
    callback_url = f"{config.public_url}/webhooks/vk/{GROUP_ID}"
    sender = CallbackSender(url=callback_url, group_id=GROUP_ID, secret=community.secret)
    info = SandboxInfo(
        group_id=GROUP_ID, callback_url=callback_url, secret=community.secret,
        confirmation=community.confirmation, work_chat_id=WORK_CHAT,
        staff=[{"user_id": m.user_id, "name": m.name, "role": m.role.value} for m in STAFF],
        outsider_user_id=OUTSIDER,
    )
    app = build_app(config)
    app.add_subapp("/emulators/vk", vk.app)
    app.add_subapp("/emulators/telegram", telegram.app)
    app.add_subapp("/sandbox", sandbox_app(vk=vk, sender=sender, telegram=telegram, info=info))

    async def index(_request: web.Request) -> web.Response:
        raise web.HTTPFound("/sandbox/")

    app.router.add_get("/", index)

    async def close_sender(_app: web.Application) -> None:
        await sender.close()

    app.on_cleanup.append(close_sender)
    return app, (vk, telegram, sender)


async def _redraw_cards(app: web.Application) -> None:
    """The emulated chat lives in memory; after a restart, draw every stored card into it again."""
    await app[SERVICES].db.execute("UPDATE cards SET message_id = NULL, sent_revision = 0")
    app[SERVICES].cards_ready.set()


async def _seed(app: web.Application, vk: Any, telegram: Any, sender: Any) -> None:
    """A few comments so that the chat is not empty; fixed event ids make a second run a no-op."""
    for _ in range(200):
        if any(method == "setWebhook" for method, _p in telegram.calls):
            break
        await asyncio.sleep(0.05)
    post_id = vk.snapshot()["posts"][0]["id"]
    for number, (author, text) in enumerate(SEED_COMMENTS, start=1):
        obj = {"id": number, "from_id": author, "date": 1767600000 + number * 60, "text": text, "post_id": post_id,
               "owner_id": -GROUP_ID, "post_owner_id": -GROUP_ID, "parents_stack": [], "attachments": []}
        vk.record_event_object("wall_reply_new", obj)
        await sender.deliver("wall_reply_new", obj, event_id=f"{number:040x}")


async def run_demo(*, host: str, port: int, data_dir: Path, ephemeral: bool, open_browser: bool) -> int:
    with contextlib.ExitStack() as stack:
        if ephemeral:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gospablik-demo-")))
        config, _ = demo_config(host=host, port=port, data_dir=data_dir)
        app, (vk, telegram, sender) = build_demo_app(config)
        runner = web.AppRunner(app, handle_signals=True)
        await runner.setup()
        await _redraw_cards(app)
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            print(f"Cannot listen on {host}:{port}: {exc.strerror}. Try `gospablik demo --port 8081`.")
            return 1
        url = f"http://{host}:{port}/sandbox/"
        print(f"\n  gospablik demo is running: {url}\n"
              f"  VK wall on the left, the Telegram work chat on the right. Ctrl+C stops it.\n"
              f"  Database: {'throwaway' if ephemeral else data_dir / 'pgdata'}\n", flush=True)
        seeding = asyncio.create_task(_seed(app, vk, telegram, sender))
        if open_browser:
            with contextlib.suppress(Exception):
                webbrowser.open(url)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            pass
        finally:
            seeding.cancel()
            await runner.cleanup()
    return 0
