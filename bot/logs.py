"""Logging: readable lines in development, one JSON object a line in production; never a token."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_SECRETS = re.compile(r"(access_token=|/bot)([^&\s/]+)|(\"secret\"\s*:\s*\")([^\"]*)"
                      r"|(/webhooks/[a-z]+/\d+/)([^\s/?\"']+)")  # a webhook path's secret segment


def scrub(text: str) -> str:
    return _SECRETS.sub(lambda m: (m.group(1) or m.group(3) or m.group(5)) + "***", text)


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class ScrubbingFormatter(logging.Formatter):
    """Scrubs the whole formatted line, tracebacks included (an exception can carry a URL with a token)."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return scrub(json.dumps(entry, ensure_ascii=False))


def setup(fmt: str = "text", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ScrubFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiohttp.access", "vkbottle", "aiogram.event", "apscheduler", "pgserver"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
