"""Configuration: a valid file loads; every problem is named at once, in plain words."""

from pathlib import Path

import pytest

from bot.cli import load_config, main, parse_config
from bot.config import ConfigError
from bot.domain import PolicyAction, Role

GOOD = """
[service]
port = 8080
public_url = "https://moder.admokt.ru/"
timezone = "Europe/Moscow"

[telegram]
work_chat_id = -1001234567890
mode = "webhook"

[[staff]]
user_id = 111
name = "Мария Захарова"
role = "moderator"

[[staff]]
user_id = 222
name = "Пётр Иванов"
role = "viewer"

[[vk.communities]]
group_id = 229000001
name = "Администрация Октябрьского района"
topic_id = 5
own_domains = ["admokt.ru"]
policy = { spam = "auto_delete", obscene = "auto_delete_and_ban", ban_days = 7 }

[[vk.communities]]
group_id = 229000002
name = "Молодёжь района"
confirmation = "fromtoml"
"""

ENV = {
    "TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_SECRET": "hook_secret",
    "VK_SECRET_229000001": "s1", "VK_CONFIRMATION_229000001": "c1", "VK_GROUP_TOKEN_229000001": "g1",
    "VK_USER_TOKEN_229000001": "u1",
    "VK_SECRET_229000002": "s2", "VK_GROUP_TOKEN_229000002": "g2", "VK_USER_TOKEN_229000002": "u2",
    "DATABASE_URL": "postgresql://db/gospablik",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gospablik.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_configuration_with_two_communities(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), ENV)
    assert [(a.network, a.id) for a in config.accounts] == [("vk", 229000001), ("vk", 229000002)]
    first = config.account("vk", 229000001)
    assert first is not None and first.settings.secret == "s1" and first.settings.user_token == "u1"
    assert first.topic_id == 5
    assert first.policy_for("spam").action is PolicyAction.AUTO_DELETE
    assert first.policy_for("obscene").action is PolicyAction.AUTO_DELETE_AND_BAN
    assert first.policy_for("obscene").ban_days == 7
    assert first.policy_for("insult").action is PolicyAction.NOTIFY
    assert config.account("vk", 229000002).settings.confirmation == "fromtoml"
    assert config.public_url == "https://moder.admokt.ru"
    assert config.staff_member(222).role is Role.VIEWER and not Role.VIEWER.can_moderate
    assert config.database_url == "postgresql://db/gospablik"


def test_every_problem_is_reported_at_once() -> None:
    data = {
        "service": {"port": "eighty", "timezone": "Mars/Olympus"},
        "telegram": {"work_chat_id": 12345, "mode": "carrier-pigeon"},
        "staff": [{"user_id": 1, "name": "A", "role": "boss"}],
        "vk": {"communities": [{"group_id": -5, "policy": {"insult": "auto_delete", "spam": "explode",
                                                         "rudeness": "notify"}}]},
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data, {})
    text = "\n".join(caught.value.problems)
    for expected in [
        "service.port: expected int", "service.timezone: unknown time zone",
        "telegram.work_chat_id: a group's id is negative", "telegram.mode",
        "staff[0].role: unknown role 'boss'", "nobody has a moderating role",
        "group_id: a community's id is positive here (write 5)",
        "policy.insult: must be \"notify\"", "policy.spam: unknown action 'explode'",
        "policy.rudeness: unknown label", "TELEGRAM_BOT_TOKEN is not set", "VK_SECRET_5 is not set",
        "VK_USER_TOKEN_5 is not set",
    ]:
        assert expected in text, f"{expected!r} not reported in:\n{text}"


def test_confirmation_may_be_left_to_vk() -> None:
    data = {"telegram": {"work_chat_id": -100}, "staff": [{"user_id": 1, "name": "A"}],
            "vk": {"communities": [{"group_id": 5}]}}
    env = {"TELEGRAM_BOT_TOKEN": "1:a", "VK_SECRET_5": "s", "VK_GROUP_TOKEN_5": "g", "VK_USER_TOKEN_5": "u"}
    assert parse_config(data, env).account("vk", 5).settings.confirmation is None
    assert parse_config(data, {**env, "VK_CONFIRMATION_5": "abc"}).account("vk", 5).settings.confirmation == "abc"


def test_webhook_mode_needs_public_url_and_secret() -> None:
    data = {"telegram": {"work_chat_id": -100, "mode": "webhook"},
            "staff": [{"user_id": 1, "name": "A"}],
            "vk": {"communities": [{"group_id": 5, "confirmation": "x"}]}}
    env = {"TELEGRAM_BOT_TOKEN": "1:a", "VK_SECRET_5": "s", "VK_GROUP_TOKEN_5": "g", "VK_USER_TOKEN_5": "u"}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, env)
    assert any("public_url" in p for p in caught.value.problems)
    assert any("TELEGRAM_WEBHOOK_SECRET" in p for p in caught.value.problems)
    parse_config({**data, "telegram": {"work_chat_id": -100}}, env)  # polling needs neither


def test_check_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    path = write(tmp_path, GOOD)
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    assert main(["--config", str(path), "check-config"]) == 0
    assert "2 VK communities" in capsys.readouterr().out
    monkeypatch.delenv("VK_USER_TOKEN_229000002")
    assert main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "VK_USER_TOKEN_229000002 is not set" in err
    assert main(["--config", str(tmp_path / "missing.toml"), "check-config"]) == 2
    assert "file not found" in capsys.readouterr().err
    write(tmp_path, "[service\nport=")
    assert main(["--config", str(path), "check-config"]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_the_shipped_example_is_valid() -> None:
    example = Path(__file__).parent.parent / "deploy" / "gospablik.example.toml"
    env = {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_SECRET": "s", "VK_SECRET_229000001": "s",
           "VK_CONFIRMATION_229000001": "c", "VK_GROUP_TOKEN_229000001": "g", "VK_USER_TOKEN_229000001": "u"}
    env_example = Path(__file__).parent.parent / "deploy" / ".env.example"
    placeholders = {k: v for k, _, v in (line.partition("=") for line in env_example.read_text().splitlines())
                    if k.startswith("OK_")}
    with pytest.raises(ConfigError) as caught:  # the example's values are placeholders, and said to be
        load_config(example, env | placeholders)
    assert any("OK_APP_SECRET still holds the example's placeholder" in p for p in caught.value.problems)
    real = {k: "x7Kp2mQ9vR4tW8zA3bN6cD1e" for k in placeholders}
    config = load_config(example, env | real)
    assert config.account("vk", 229000001).own_domains == ("admokt.ru", "gosuslugi.ru")
    ok = config.account("ok", 70000000000001)
    assert ok is not None and ok.settings.webhook_secret == "x7Kp2mQ9vR4tW8zA3bN6cD1e"


def test_a_dot_env_file_supplies_what_the_environment_does_not(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path, GOOD)
    for key in ENV:
        monkeypatch.delenv(key, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("# secrets\n" + "\n".join(f"export {k}=\"{v}\"" for k, v in ENV.items()) + "\n",
                        encoding="utf-8")
    monkeypatch.setenv("GOSPABLIK_ENV_FILE", str(env_file))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:from-the-real-environment")
    config = load_config(path)
    assert config.telegram.bot_token == "999:from-the-real-environment", "the real environment wins"
    assert config.account("vk", 229000002) is not None


def test_classify_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "Спасибо за ремонт дороги"}\n{"id": "b", "text": "п*здец"}\n',
                      encoding="utf-8")
    assert main(["classify", str(source)]) == 0
    lines = [__import__("json").loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(x["id"], x["labels"]) for x in lines] == [("a", []), ("b", ["obscene"])]
    assert main(["--config", "whatever.toml", "classify", str(source), "--explain"]) == 0
    assert "obscene" in capsys.readouterr().out


def test_ban_days_must_fit_vk() -> None:
    data = {"telegram": {"work_chat_id": -100}, "staff": [{"user_id": 1, "name": "A"}],
            "vk": {"communities": [{"group_id": 5, "confirmation": "x",
                                    "policy": {"spam": "auto_delete_and_ban", "ban_days": 400}}]}}
    env = {"TELEGRAM_BOT_TOKEN": "1:a", "VK_SECRET_5": "s", "VK_GROUP_TOKEN_5": "g", "VK_USER_TOKEN_5": "u"}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, env)
    assert any("1 to 365 days" in p for p in caught.value.problems)
