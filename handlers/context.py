"""How a request handler finds the running service's parts."""

from __future__ import annotations

from aiohttp import web

from bot.services import Services

SERVICES = web.AppKey("services", Services)
