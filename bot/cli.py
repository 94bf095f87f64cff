"""The `gospablik` command: run the service, try it offline, check the configuration, export records."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from bot.db.database import quiet_runtime_dir

quiet_runtime_dir()  # before vkbottle's import asks platformdirs, which warns twice on a server

from bot import config as config_module  # noqa: E402
from bot import exports, logs  # noqa: E402
from bot.config import Config, ConfigError, SectionParser  # noqa: E402
from platforms import ok, vk  # noqa: E402
from platforms.telegram.config import TelegramSection  # noqa: E402

# Every network's configuration section. Reading the configuration loads no network client.
SECTIONS: Mapping[str, SectionParser] = {vk.NETWORK: vk.SECTION, ok.NETWORK: ok.SECTION,
                                         "telegram": TelegramSection()}


def parse_config(data: Mapping[str, Any], env: Mapping[str, str]) -> Config:
    return config_module.parse_config(data, env, SECTIONS)


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    return config_module.load_config(path, env, SECTIONS)


def _config(args: argparse.Namespace) -> Config:
    return load_config(Path(args.config) if args.config else None)


async def _with_db(config: Config, work: Callable[..., Awaitable[int]]) -> int:
    from bot.db import open_database

    async with open_database(config.database_url, config.data_dir) as db:
        return await work(db)


def cmd_run(args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.app import ROLE_ALL, ROLES, build_app

    role = args.role or os.environ.get("GOSPABLIK_ROLE") or ROLE_ALL
    if role not in ROLES:
        print(f"GOSPABLIK_ROLE: unknown role {role!r} (expected one of {', '.join(ROLES)})", file=sys.stderr)
        return 2
    config = _config(args)
    logs.setup(config.log_format)
    web.run_app(build_app(config, role=role), host=args.host or config.host, port=args.port or config.port,
                print=lambda *_: print(f"gospablik ({role}) listening on http://{config.host}:{config.port}"))
    return 0


async def _check_online(config: Config) -> int:
    """Every credential tried for real, as the daily security check tries it, and the database reached."""
    from bot.app import default_platforms, make_bot
    from bot.db import DatabaseUnavailable, open_database
    from platforms.telegram import TelegramWorkChat

    failed = 0
    try:
        async with open_database(config.database_url, config.data_dir, run_migrations=False, max_size=1) as db:
            version = await db.fetchval("SHOW server_version")
        print(f"✅ база данных: PostgreSQL {version}")
    except (DatabaseUnavailable, OSError) as exc:
        print(f"❌ база данных недоступна: {exc}")
        failed += 1
    bot = make_bot(config)
    platforms = default_platforms(config, bot)
    workchat = TelegramWorkChat(bot, config.telegram.work_chat_id)
    try:
        found = [c for account in config.accounts for c in await platforms[account.network].check_access(account)]
        found += await workchat.check_access()
    finally:
        for platform in platforms.values():
            await platform.close()
        await workchat.close()
    for credential in found:
        if credential.valid:
            print(f"✅ {credential.title_ru}" + (f": {credential.rights_ru}" if credential.rights_ru else ""))
            continue
        failed += 1
        print(f"❌ {credential.title_ru}: {credential.problem_ru}")
        if credential.advice_ru:
            print(f"   что сделать: {credential.advice_ru}")
    return 1 if failed else 0


def cmd_check_config(args: argparse.Namespace) -> int:
    from platforms.vk.config import VkCommunity

    config = _config(args)
    if args.online:
        return asyncio.run(_check_online(config))
    for account in config.accounts:
        if isinstance(account.settings, VkCommunity) and account.settings.confirmation is None:
            print(f"VK community {account.id}: the confirmation string will be asked from VK"
                  " (set the server up with `gospablik vk setup`)")
    def count(n: int, one: str, many: str) -> str:
        return f"{n} {one if n == 1 else many}"

    pages = ", ".join([count(len(config.accounts_of("vk")), "VK community", "VK communities"),
                       count(len(config.accounts_of("ok")), "OK group", "OK groups"),
                       count(len(config.accounts_of("telegram")), "Telegram channel", "Telegram channels")])
    print(f"Configuration is valid: {pages}, {count(len(config.staff), 'staff member', 'staff members')} in the file, "
          f"work chat {config.telegram.work_chat_id} ({config.telegram.mode}), "
          f"database: {'DATABASE_URL' if config.database_url else 'embedded in ' + str(config.data_dir)}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.db.database import migrate

    async def work(db: object) -> int:
        applied = await migrate(db)  # type: ignore[arg-type]
        print("applied: " + (", ".join(applied) if applied else "nothing, the schema is current"))
        return 0

    return asyncio.run(_with_db(_config(args), work))


def cmd_vk_setup(args: argparse.Namespace) -> int:
    """Sets up each community's Callback server through VK's API (the service must be running)."""
    from bot.platform import PlatformError
    from platforms.vk import VkPlatform
    from platforms.vk.setup import setup_callback

    config = _config(args)
    if not config.public_url:
        raise SystemExit("service.public_url is not set: VK must know where to send events")
    communities = [a for a in config.accounts_of("vk") if args.group_id in (None, a.id)]
    if not communities:
        raise SystemExit(f"VK community {args.group_id} is not in the configuration")

    stale: list[int] = []

    async def rotated_away(db: Any) -> int:
        from bot.security.rotation import digest, load

        for community in communities:
            held = await load(db, "vk", community.id)
            if held.current and digest(community.settings.secret) not in held.current:
                stale.append(community.id)
        return len(stale)

    async def work() -> int:
        if await _with_db(config, rotated_away):
            print(f"VK_SECRET_{stale[0]} in the environment is an old secret (`gospablik vk rotate-secret` made a newer"
                  " one): setting it up would undo the rotation. Put the newer value into the environment first.")
            return 1
        vk = VkPlatform(config.accounts_of("vk"), config.networks["vk"])
        failed = 0
        try:
            for community in communities:
                url = f"{config.public_url}/webhooks/vk/{community.id}"
                try:
                    result = await setup_callback(vk, group_id=community.id, url=url, secret=community.settings.secret,
                                                  api_version=config.networks["vk"].api_version)
                except PlatformError as exc:
                    print(f"{community.id}: {exc.for_card()}")
                    failed += 1
                    continue
                verb = "added" if result.created else "updated"
                print(f"{community.id}: server {result.server_id} {verb} for {url}; VK status: {result.status}")
                if result.status != "ok":
                    failed += 1
                    print("  VK could not confirm the address: is the service running and reachable there?")
        finally:
            await vk.close()
        return 1 if failed else 0

    return asyncio.run(work())


def cmd_ok_setup(args: argparse.Namespace) -> int:
    """Subscribes each OK group's messages webhook and removes stale subscriptions of ours."""
    from bot.platform import PlatformError
    from platforms.ok import OkPlatform
    from platforms.ok.setup import setup_webhook

    config = _config(args)
    if not config.public_url:
        raise SystemExit("service.public_url is not set: OK must know where to send messages")
    public_url = config.public_url
    groups = [a for a in config.accounts_of("ok") if args.group_id in (None, a.id) and a.settings.group_token]
    if not groups:
        raise SystemExit("no OK group with messages in the configuration" + (
            f" matches {args.group_id}" if args.group_id else ""))

    async def work() -> int:
        ok = OkPlatform(config.accounts_of("ok"), config.networks["ok"])
        failed = 0
        try:
            for group in groups:
                try:
                    report = await setup_webhook(ok.client, group, public_url=public_url, prune=args.prune)
                except PlatformError as exc:
                    print(f"{group.id}: {exc.for_card()}")
                    failed += 1
                    continue
                print(f"{group.id}: " + report.describe())
        finally:
            await ok.close()
        return 1 if failed else 0

    return asyncio.run(work())


def cmd_registry(args: argparse.Namespace) -> int:
    from bot.registry import commands

    if args.registry_command == "template":
        return commands.write_template(args.path)
    config = _config(args)
    return asyncio.run(_with_db(config, lambda db: commands.run(db, config, args)))


def cmd_secrets_check(args: argparse.Namespace) -> int:
    import os

    from bot.security.commands import secrets_report
    from platforms.ok.config import SECRETS as OK_SECRETS
    from platforms.telegram.config import SECRETS as TELEGRAM_SECRETS
    from platforms.vk.config import SECRETS as VK_SECRETS

    try:
        config: Config | None = _config(args)
    except ConfigError as exc:
        print("The configuration has problems (leftovers cannot be told apart):\n  - " + "\n  - ".join(exc.problems))
        config = None
    text, status = secrets_report(os.environ, [*VK_SECRETS, *OK_SECRETS, *TELEGRAM_SECRETS], config)
    print(text)
    return status


def _rotate(args: argparse.Namespace, network: str, variable: str, secret_of: Callable[[Any], str | None],
            apply: Callable[[Config, Any, str], Awaitable[None]]) -> int:
    """A webhook secret rotated for each chosen page: recorded, told to the network, the new value shown."""
    import getpass

    from bot.platform import PlatformError
    from bot.security.commands import RotationRefused, hint, rotate, write_env

    config = _config(args)
    accounts = [a for a in config.accounts_of(network) if args.group_id in (None, a.id) and secret_of(a)]
    if not accounts:
        raise SystemExit(f"no {network} page with a webhook secret matches {args.group_id or 'the configuration'}")
    grace = config.security.rotation_grace.total_seconds()
    env_file = Path(args.env_file) if args.env_file else None

    async def work(db: Any) -> int:
        failed = 0
        for account in accounts:
            def tell(new: str, account: Any = account) -> Awaitable[None]:
                return apply(config, account, new)

            try:
                new = await rotate(db, network=network, account_id=account.id, old=secret_of(account) or "",
                                   grace_seconds=grace, actor=f"cli:{getpass.getuser()}", apply=tell)
            except Exception as exc:  # refused here or by the network: nothing changed
                if not isinstance(exc, RotationRefused | PlatformError | RuntimeError):
                    raise
                print(f"{account.id}: not rotated: {exc}")
                failed += 1
                continue
            name = f"{variable}{account.id}"
            if env_file:
                write_env(env_file, name, new)
            print(f"{account.id}: " + hint(name, new, grace, env_file))
        return 1 if failed else 0

    return asyncio.run(_with_db(config, work))


def cmd_vk_rotate_secret(args: argparse.Namespace) -> int:
    async def apply(config: Config, account: Any, new: str) -> None:
        from platforms.vk import VkPlatform
        from platforms.vk.setup import setup_callback

        vk = VkPlatform(config.accounts_of("vk"), config.networks["vk"])
        try:
            result = await setup_callback(vk, group_id=account.id, url=f"{config.public_url}/webhooks/vk/{account.id}",
                                          secret=new, api_version=config.networks["vk"].api_version)
        finally:
            await vk.close()
        if result.status != "ok":
            raise RuntimeError(f"VK could not confirm the address with the new secret (status {result.status})")

    return _rotate(args, "vk", "VK_SECRET_", lambda a: a.settings.secret, apply)


def cmd_ok_rotate_secret(args: argparse.Namespace) -> int:
    async def apply(config: Config, account: Any, new: str) -> None:
        import dataclasses

        from platforms.ok import OkPlatform
        from platforms.ok.setup import setup_webhook

        ok = OkPlatform(config.accounts_of("ok"), config.networks["ok"])
        renewed = dataclasses.replace(account, settings=dataclasses.replace(account.settings, webhook_secret=new))
        try:  # subscribes the new address and removes our old one; the old path works until the grace ends
            await setup_webhook(ok.client, renewed, public_url=config.public_url or "")
        finally:
            await ok.close()

    return _rotate(args, "ok", "OK_WEBHOOK_SECRET_", lambda a: a.settings.webhook_secret, apply)


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    logs.setup("text")
    try:
        return asyncio.run(run_demo(host=args.host, port=args.port, data_dir=Path(args.data_dir),
                                    ephemeral=args.ephemeral, open_browser=not args.no_open))
    except KeyboardInterrupt:  # Ctrl+C is how a demo ends: not an error for `make demo`
        print("\n  gospablik demo stopped.")
        return 0


def cmd_classify(args: argparse.Namespace, rest: list[str]) -> int:
    from bot.classifier.cli import main as classify_main

    return classify_main(rest)


def cmd_train(args: argparse.Namespace) -> int:
    """Retrain the rudeness model from the desk's decisions; needs only the database (like the exports)."""
    import tomllib

    from bot.db import open_database
    from bot.training import commands, examples
    from bot.training.settings import parse_training

    where = exports.storage(args.config, args.data_dir)
    if args.rollback:
        return commands.rollback(where.data_dir)
    if args.activate:
        return commands.activate(where.data_dir)
    raw: dict[str, Any] = {}
    path = Path(args.config or "gospablik.toml")
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SystemExit(f"{path}: {exc}") from None
    problems: list[str] = []
    settings = parse_training(config_module.Reader(problems, {}), raw)
    if problems:
        raise ConfigError(problems)
    public = Path(args.public_data) if args.public_data else examples.default_folder()

    async def work() -> int:
        async with open_database(where.url, where.data_dir) as db:
            if args.report:
                return await commands.report(db, where.data_dir)
            return await commands.train(db, where.data_dir, settings, public_folder=public,
                                        shadow_days=args.shadow_days)

    return asyncio.run(work())


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="gospablik", description="Moderation desk for official community pages.")
    root.add_argument("--config", help="path to gospablik.toml (default: $GOSPABLIK_CONFIG or ./gospablik.toml)")
    sub = root.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the service")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.add_argument("--role", choices=("all", "web", "worker"),
                     help="all (default, or $GOSPABLIK_ROLE): everything in this process; web: only take and store "
                          "events and presses (run a worker beside it); worker: judge, draw the cards and act")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check-config", help="validate the configuration and say what is wrong")
    check.add_argument("--online", action="store_true", help="also reach the database and try every credential "
                                                              "(Telegram, VK, OK) for real")
    check.set_defaults(func=cmd_check_config)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="the whole service offline, with emulated VK and Telegram")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--data-dir", default="var/demo")
    demo.add_argument("--ephemeral", action="store_true", help="a throwaway database")
    demo.add_argument("--no-open", action="store_true", help="do not open a browser")
    demo.set_defaults(func=cmd_demo)

    vk = sub.add_parser("vk", help="VK community set-up").add_subparsers(dest="vk_command", required=True)
    setup = vk.add_parser("setup", help="add the Callback server through VK's API and subscribe it to the "
                                        "moderation events (run it while the service is running)")
    setup.add_argument("--group-id", type=int, help="only this community (default: all)")
    setup.set_defaults(func=cmd_vk_setup)

    okp = sub.add_parser("ok", help="OK group set-up").add_subparsers(dest="ok_command", required=True)
    oksetup = okp.add_parser("setup", help="subscribe each group's messages webhook (/graph/me/subscribe) and remove"
                                            " stale subscriptions of this service")
    oksetup.add_argument("--group-id", type=int, help="only this group (default: all)")
    oksetup.add_argument("--prune", action="store_true", help="also remove subscriptions to other addresses")
    oksetup.set_defaults(func=cmd_ok_setup)
    for net, command in ((vk, cmd_vk_rotate_secret), (okp, cmd_ok_rotate_secret)):
        rotate = net.add_parser("rotate-secret", help="a new webhook secret, told to the network; the old one is "
                                                      "accepted for [security] rotation_grace_hours (default 24)")
        rotate.add_argument("--group-id", type=int, help="only this page (default: all)")
        rotate.add_argument("--env-file", help="also write the new value into this env file (e.g. deploy/.env)")
        rotate.set_defaults(func=command)

    secrets_parser = sub.add_parser("secrets", help="the secrets in the environment").add_subparsers(
        dest="secrets_command", required=True)
    secrets_parser.add_parser("check", help="weak or reused secrets, values of the wrong kind, leftovers").set_defaults(
        func=cmd_secrets_check)

    exports.add_parsers(sub)
    train = sub.add_parser("train", help="retrain the rudeness model from the desk's decisions (needs only the "
                                         "database); installed only when not worse, first in shadow")
    what = train.add_mutually_exclusive_group()
    what.add_argument("--report", action="store_true", help="what the model in shadow flags differently")
    what.add_argument("--activate", action="store_true", help="switch the model in shadow on")
    what.add_argument("--rollback", action="store_true", help="back to the version active before this one")
    train.add_argument("--shadow-days", type=int, help="days in shadow before it may be switched on "
                                                       "(default: [training] shadow_days, 7; 0 switches it on now)")
    train.add_argument("--public-data", help="the public data sets folder (default: $GOSPABLIK_MODERATION_DATA or "
                                             "../shared/data/moderation); used when present, never required")
    train.add_argument("--data-dir", help="the data folder (models, and the embedded database when DATABASE_URL "
                                          "is unset; e.g. var/demo for the demo)")
    train.set_defaults(func=cmd_train)

    _registry_parser(sub)
    sub.add_parser("classify", help="classify JSON lines {id, text}; see `gospablik classify --help`",
                   add_help=False)
    return root


def _registry_parser(sub: Any) -> None:
    from bot.registry.commands import add_arguments

    reg = sub.add_parser("registry", help="the public registry of official accounts and the reports to the committee"
                         ).add_subparsers(dest="registry_command", required=True)
    listing = reg.add_parser("list", help="every account, deleted ones too, with overdue reports marked")
    listing.add_argument("--json", action="store_true", help="as /registry.json")
    add = reg.add_parser("add", help="add an account kept by hand (starts the 10-day report if --created is given)")
    add_arguments(add)
    edit = reg.add_parser("edit", help="change fields of an account")
    edit.add_argument("id", type=int)
    add_arguments(edit)
    delete = reg.add_parser("delete", help="mark an account deleted (it stays in the registry with the date)")
    delete.add_argument("id", type=int)
    delete.add_argument("--date", help="deletion day, YYYY-MM-DD (default: today)")
    history = reg.add_parser("history", help="every version of an account, with who changed it")
    history.add_argument("id", type=int)
    report = reg.add_parser("report", help="the letter to the regional committee (DOCX) for accounts created or "
                                           "deleted since a day")
    report.add_argument("--since", required=True, help="first day, YYYY-MM-DD")
    report.add_argument("--output", "-o", help="the DOCX file (default: a name from the day)")
    template = reg.add_parser("template", help="write the default letter template to edit in Word")
    template.add_argument("path")
    for command in (listing, add, edit, delete, history, report, template):
        command.set_defaults(func=cmd_registry)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    root = parser()
    args, rest = root.parse_known_args(argv)
    if args.command == "classify":  # it has options of its own; hand them over untouched
        return cmd_classify(args, rest)
    if rest:
        root.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        return args.func(args)
    except ConfigError as exc:
        print("The configuration has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
