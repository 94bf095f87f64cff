"""The rooms of the house keep their doors: imports follow the directions in `../shared/design.md`.

- the core (`bot/`) imports nothing outside `bot/` but the standard library and asyncpg (the embedded
  server's `pgserver` in `bot/db/`), and never app assembly or the emulators;
- the classifier is a library of its own: the standard library and itself; so is the style advice, with
  pymorphy3 for Russian morphology, and the production calendar (`bot/workdays/`), with `holidays`;
- the registry's letter (`bot/registry/letter.py`) is the one core module that writes DOCX (python-docx), and
  `bot/metrics.py` the one that speaks Prometheus (prometheus-client);
- `handlers/` (thin transport) may use the core, aiohttp and aiogram;
- each package in `platforms/` may use the core and its own network's libraries, never another platform;
- `scheduler/` may use the core, asyncpg and APScheduler;
- the emulators (`bot/sandbox/`) stand alone: the standard library, aiohttp and themselves;
- app assembly (`bot/app.py`, `bot/cli.py`, `bot/demo.py`) is the one place that may import everything.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSEMBLY = {"bot/app.py", "bot/cli.py", "bot/demo.py", "bot/__main__.py"}
OURS = ("bot", "handlers", "platforms", "scheduler")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _core(module: str) -> bool:
    return module.split(".")[0] == "bot" and not module.startswith(("bot.sandbox", "bot.app", "bot.cli", "bot.demo"))


def _allowed(where: str, module: str) -> bool:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return True
    if where in ASSEMBLY:
        return True
    if where.startswith("bot/sandbox/"):
        return top == "aiohttp" or module.startswith("bot.sandbox")
    if where.startswith("bot/classifier/"):
        return module.startswith("bot.classifier")
    if where.startswith("bot/style/"):
        return module.startswith("bot.style") or top == "pymorphy3"
    if where.startswith("bot/workdays/"):
        return module.startswith("bot.workdays") or top == "holidays"
    if where == "bot/registry/letter.py":
        return top == "docx" or _core(module)
    if where == "bot/metrics.py":
        return top == "prometheus_client" or _core(module)
    if where == "bot/summary/chart.py":
        return top == "matplotlib" or _core(module)
    if where == "bot/audit_export.py":
        return top == "openpyxl" or _core(module)
    if where.startswith("bot/"):
        return _core(module) or top == "asyncpg" or (top == "pgserver" and where.startswith("bot/db/"))
    if where.startswith("handlers/"):
        return _core(module) or top in ("aiohttp", "aiogram", "handlers")
    if where.startswith("scheduler/"):
        return _core(module) or top in ("asyncpg", "apscheduler", "scheduler")
    if where.startswith("platforms/"):
        own = where.split("/")[1]
        if top == "platforms":
            return module.split(".")[1:2] == [own] or module == "platforms"
        return _core(module) or top not in OURS
    return True


def test_imports_follow_the_directions_of_the_design() -> None:
    wrong = []
    for folder in OURS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            wrong += [f"{where}:{line}: imports {module}" for line, module in _imports(path)
                      if not _allowed(where, module)]
    assert not wrong, "imports that break the layout:\n" + "\n".join(wrong)


def test_the_checker_itself_catches_a_wrong_door() -> None:
    assert not _allowed("bot/moderation/cards.py", "aiogram.types")
    assert not _allowed("bot/moderation/cards.py", "platforms.vk")
    assert not _allowed("platforms/ok/platform.py", "platforms.vk.kinds")
    assert not _allowed("handlers/webhooks.py", "platforms.vk")
    assert not _allowed("bot/sandbox/vk_api.py", "bot.domain")
    assert _allowed("platforms/ok/platform.py", "platforms.ok.kinds") and _allowed("bot/app.py", "platforms.ok")


# The two kinds of line the grep still finds, and why they are not a network in the core: the spam
# rules know social networks' link domains (a link to vk.com is data about a link), and the audit records a
# successful action with the word "ok".
KNOWN = (re.compile(r"^bot/classifier/spam\.py:.*\\\.(me|com|ru|cc)\b"), re.compile(r'result="ok"'),
         re.compile(r'^bot/audit_export\.py:\d+: RESULTS = \{"ok": '), re.compile(r"result = 'ok'"))


def test_the_core_never_names_a_network() -> None:
    """Outside assembly and the emulators, the core speaks of platforms, never of VK or OK by name."""
    pattern = re.compile(r"\b(vk|vkontakte|вконтакте|ok|odnoklassniki|одноклассники)\b", re.IGNORECASE)
    hits = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        if where in ASSEMBLY or where.startswith("bot/sandbox/"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            hit = f"{where}:{number}: {line.strip()}"
            if pattern.search(line) and not any(known.search(hit) for known in KNOWN):
                hits.append(hit)
    assert not hits, "the core names a network:\n" + "\n".join(hits)
