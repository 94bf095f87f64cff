"""The emulators in a process of their own: `python -m bot.sandbox.serve --port P --service-url http://127.0.0.1:S`.

The demo mounts the emulators inside the service; acceptance checks and fault experiments need them apart, so
that the service can be killed, restarted or run twice while VK keeps resending and the chat keeps its messages.
One "world" (ids, tokens, secrets, people) is handed to both sides: this process reads it from `--world FILE`
(written there first if the file does not exist), and `--emit-config DIR` writes the `gospablik.toml` and the
environment (`service.env`) that make `gospablik run` talk to these emulators.

Served on one port: VK's API at `/emulators/vk/method/`, OK's at `/emulators/ok/`, the Bot API at
`/emulators/telegram/bot<token>/`, and the control API at `/sandbox/api/` (`control`, `control_faults`). VK's
Callback server posts to `<service>/webhooks/vk/<group>`, retrying as `--vk-retry-delays` says (VK itself waits
10 s, 3 min, 10 min, 30 min, 1 h); OK's messages webhook is subscribed at `<service>/webhooks/ok/<group>/<secret>`;
Telegram delivers updates wherever the service's `setWebhook` points. Deletions and restores the service makes
through VK's API are reported back to its Callback server, as VK does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import signal
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.sandbox.control import SandboxInfo, sandbox_app
from bot.sandbox.control_ok import OkInfo
from bot.sandbox.ok_api import OkEmulator
from bot.sandbox.ok_webhook import OkWebhookSender
from bot.sandbox.telegram_api import TelegramEmulator
from bot.sandbox.vk_api import VkEmulator
from bot.sandbox.vk_callback import VK_RETRY_DELAYS, CallbackSender

NAME = "Администрация Октябрьского района"
STAFF = ({"user_id": 111111, "name": "Мария Захарова", "role": "moderator"},
         {"user_id": 222222, "name": "Ольга Котова", "role": "moderator"},
         {"user_id": 333333, "name": "Пётр Иванов", "role": "viewer"})
CITIZENS = {51234567: ("Иван", "Петров"), 60011122: ("Анна", "Смирнова"), 70022233: ("Сергей", "Волков")}
OK_CITIZENS = {"575000000001": ("Галина", "Орлова"), "575000000002": ("Николай", "Седов")}


def new_world(*, messages_per_minute: int = 20, ok: bool = True) -> dict[str, Any]:
    """Fresh ids, tokens and secrets for one sandbox and the service that talks to it."""
    token = secrets.token_urlsafe
    world: dict[str, Any] = {
        "name": NAME,
        "vk": {"group_id": 229000001, "secret": token(16), "confirmation": secrets.token_hex(4),
               "group_token": "vk1.a." + token(24), "user_token": "vk1.a." + token(24), "admin_user_id": 100500},
        "telegram": {"bot_token": f"7000000001:{token(24)}", "webhook_secret": token(16),
                     "work_chat_id": -1001002003004, "work_chat_kind": "supergroup",
                     "messages_per_minute": messages_per_minute},
        "staff": [dict(member) for member in STAFF],
        "outsider_user_id": 700700,
    }
    if ok:
        world["ok"] = {"group_id": 70000000000001, "application_key": "CBA" + secrets.token_hex(6).upper(),
                       "application_secret": secrets.token_hex(12).upper(), "access_token": "-s-" + token(30),
                       "group_token": "tkn1" + token(24), "webhook_secret": token(18), "admin_user_id": "575000000099"}
    return world


def _toml(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's for text like ours."""
    return json.dumps(value, ensure_ascii=False)


def service_files(world: dict[str, Any], *, emulators_url: str, service_url: str, port: int, data_dir: str,
                  ok_poll_interval: float = 5.0) -> tuple[str, dict[str, str]]:
    """The `gospablik.toml` and the environment of a service that talks to this sandbox."""
    vk, tg = world["vk"], world["telegram"]
    lines = ["[service]", 'host = "127.0.0.1"', f"port = {port}", f"public_url = {_toml(service_url)}",
             f"data_dir = {_toml(data_dir)}", 'log_format = "text"', "",
             "[telegram]", f"work_chat_id = {tg['work_chat_id']}", 'mode = "webhook"',
             f"api_base = {_toml(emulators_url + '/emulators/telegram')}",
             f"messages_per_minute = {tg['messages_per_minute']}", ""]
    for member in world["staff"]:
        lines += ["[[staff]]", f"user_id = {member['user_id']}", f"name = {_toml(member['name'])}",
                  f"role = {_toml(member['role'])}", ""]
    lines += ["[vk]", f"api_url = {_toml(emulators_url + '/emulators/vk/method/')}", "", "[[vk.communities]]",
              f"group_id = {vk['group_id']}", f"name = {_toml(world['name'])}", ""]
    gid = vk["group_id"]
    env = {"TELEGRAM_BOT_TOKEN": tg["bot_token"], "TELEGRAM_WEBHOOK_SECRET": tg["webhook_secret"],
           f"VK_SECRET_{gid}": vk["secret"], f"VK_CONFIRMATION_{gid}": vk["confirmation"],
           f"VK_GROUP_TOKEN_{gid}": vk["group_token"], f"VK_USER_TOKEN_{gid}": vk["user_token"]}
    if "ok" in world:
        ok = world["ok"]
        lines += ["[ok]", f"api_url = {_toml(emulators_url + '/emulators/ok/')}",
                  f"poll_interval = {ok_poll_interval}", "", "[[ok.groups]]", f"group_id = {ok['group_id']}",
                  f"name = {_toml(world['name'])}", ""]
        oid = ok["group_id"]
        env.update({"OK_APP_KEY": ok["application_key"], "OK_APP_SECRET": ok["application_secret"],
                    f"OK_ACCESS_TOKEN_{oid}": ok["access_token"], f"OK_GROUP_TOKEN_{oid}": ok["group_token"],
                    f"OK_WEBHOOK_SECRET_{oid}": ok["webhook_secret"]})
    return "\n".join(lines), env


class Sandbox:
    """The three emulators, the senders that push to the service, and the control API, for one world."""

    def __init__(self, world: dict[str, Any], service_url: str, *, vk_retry_delays: tuple[float, ...] | None = None,
                 ok_retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0), press_timeout: float = 15.0) -> None:
        self.world = world
        vk, tg = world["vk"], world["telegram"]
        self.vk = VkEmulator(group_id=vk["group_id"], group_token=vk["group_token"], user_token=vk["user_token"],
                             admin_user_id=vk["admin_user_id"], group_name=world["name"])
        self.vk.confirmation_code = vk["confirmation"]
        for user_id, (first, last) in CITIZENS.items():
            self.vk.add_user(user_id, first, last)
        self.vk.add_post("Новости района")
        self.callback_url = f"{service_url}/webhooks/vk/{vk['group_id']}"
        self.vk_sender = CallbackSender(url=self.callback_url, group_id=vk["group_id"], secret=vk["secret"],
                                        retry_delays=vk_retry_delays or VK_RETRY_DELAYS)
        self.vk.send_events_to(self.vk_sender)
        self.telegram = TelegramEmulator(token=tg["bot_token"], messages_per_minute=tg["messages_per_minute"])
        self.telegram.add_chat(tg["work_chat_id"], "Модерация госпабликов", kind=tg.get("work_chat_kind", "supergroup"))
        for member in world["staff"]:
            first, _, last = member["name"].partition(" ")
            self.telegram.add_user(member["user_id"], first, last or None)
        self.telegram.add_user(world["outsider_user_id"], "Случайный", "Участник")
        self.ok: OkEmulator | None = None
        self.ok_sender: OkWebhookSender | None = None
        self.ok_info: OkInfo | None = None
        if "ok" in world:
            ok = world["ok"]
            self.ok = OkEmulator(group_id=str(ok["group_id"]), group_name=world["name"],
                                 application_key=ok["application_key"], application_secret_key=ok["application_secret"],
                                 user_token=ok["access_token"], group_token=ok["group_token"],
                                 admin_user_id=ok["admin_user_id"])
            for ok_user, (first, last) in OK_CITIZENS.items():
                self.ok.add_user(ok_user, first, last)
            self.ok.add_topic("Открыт новый каток в парке Победы")
            webhook = f"{service_url}/webhooks/ok/{ok['group_id']}/{ok['webhook_secret']}"
            self.ok.state.subscribe(webhook)  # what `gospablik ok setup` does once
            self.ok_sender = OkWebhookSender(self.ok, retry_delays=ok_retry_delays)
            self.ok_info = OkInfo(group_id=str(ok["group_id"]), webhook_url=webhook, poll_interval=0)
        self.press_timeout = press_timeout

    def app(self) -> web.Application:
        world = self.world
        info = SandboxInfo(group_id=world["vk"]["group_id"], callback_url=self.callback_url,
                           secret=world["vk"]["secret"], confirmation=world["vk"]["confirmation"],
                           work_chat_id=world["telegram"]["work_chat_id"],
                           staff=[{**m, "roles": [m["role"]], "unit": None} for m in world["staff"]],
                           outsider_user_id=world["outsider_user_id"])
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.add_subapp("/emulators/vk", self.vk.app)
        if self.ok is not None:
            app.add_subapp("/emulators/ok", self.ok.app)
        app.add_subapp("/emulators/telegram", self.telegram.app)
        app.add_subapp("/sandbox", sandbox_app(vk=self.vk, sender=self.vk_sender, telegram=self.telegram, info=info,
                                               ok=self.ok, ok_sender=self.ok_sender, ok_info=self.ok_info,
                                               press_timeout=self.press_timeout))

        async def healthz(_request: web.Request) -> web.Response:
            return web.json_response({"status": "ok"})

        async def close(_app: web.Application) -> None:
            await self.vk_sender.close()
            if self.ok_sender is not None:
                await self.ok_sender.close()

        app.router.add_get("/healthz", healthz)
        app.on_cleanup.append(close)
        return app


def _delays(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("seconds separated by commas, e.g. 0.5,1,2,4") from None
    if not delays or any(d < 0 for d in delays):
        raise argparse.ArgumentTypeError("seconds separated by commas, e.g. 0.5,1,2,4")
    return delays


def load_world(path: Path, *, messages_per_minute: int) -> dict[str, Any]:
    """The world in `path`, or a new one written there (so that the service can be configured from it)."""
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    world = new_world(messages_per_minute=messages_per_minute)
    path.write_text(json.dumps(world, ensure_ascii=False, indent=1), encoding="utf-8")
    return world


async def serve(args: argparse.Namespace) -> None:
    world = load_world(Path(args.world), messages_per_minute=args.messages_per_minute) if args.world \
        else new_world(messages_per_minute=args.messages_per_minute)
    service_url = args.service_url.rstrip("/")
    own_url = f"http://{args.host}:{args.port}"
    if args.emit_config:
        folder = Path(args.emit_config)
        folder.mkdir(parents=True, exist_ok=True)
        port = int(service_url.rsplit(":", 1)[-1]) if service_url.rsplit(":", 1)[-1].isdigit() else 8080
        toml, env = service_files(world, emulators_url=own_url, service_url=service_url, port=port,
                                  data_dir=str(folder / "var"))
        (folder / "gospablik.toml").write_text(toml, encoding="utf-8")
        (folder / "service.env").write_text("".join(f"{k}={v}\n" for k, v in env.items()), encoding="utf-8")
    sandbox = Sandbox(world, service_url, vk_retry_delays=args.vk_retry_delays, press_timeout=args.press_timeout)
    runner = web.AppRunner(sandbox.app(), handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, args.host, args.port).start()
    print(f"sandbox listening on {own_url} (control API: {own_url}/sandbox/api/state), service at {service_url}",
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--service-url", required=True, help="where the service listens, e.g. http://127.0.0.1:8080")
    parser.add_argument("--world", help="JSON with the ids, tokens and secrets; created when missing")
    parser.add_argument("--emit-config", metavar="DIR", help="write gospablik.toml and service.env for the service")
    parser.add_argument("--messages-per-minute", type=int, default=20, help="the work chat's limit (new worlds)")
    parser.add_argument("--vk-retry-delays", type=_delays, default=None,
                        help="seconds between VK's resends of an unacknowledged event (default: VK's own)")
    parser.add_argument("--press-timeout", type=float, default=15.0)
    asyncio.run(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
