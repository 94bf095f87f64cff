"""The sandbox control API's registry routes, which need the running service (the demo mounts them).

`GET /sandbox/api/registry` and `POST /sandbox/api/registry` let an acceptance check read the registry and add an
account exactly as the work chat would, without playing the whole `/registry` form.
"""

from __future__ import annotations

from aiohttp import web

from bot.registry import desk, public, store
from bot.registry.values import BadValue
from handlers.context import SERVICES
from handlers.errors import Routes

routes = Routes()  # every handler guarded: an outage answers 503


@routes.get("/api/registry")
async def registry_view(request: web.Request) -> web.Response:
    """`GET /sandbox/api/registry`: the registry as the service holds it (the same as `/registry.json`)."""
    services = request.config_dict[SERVICES]
    async with services.db.connection() as conn:
        snapshot = await store.snapshot(conn)
    return web.json_response(public.as_json(snapshot, services.config.registry))


@routes.post("/api/registry")
async def registry_add(request: web.Request) -> web.Response:
    """`POST /sandbox/api/registry` `{"unit", "network", "kind", "name", "url", "created_on"?, "identifier"?,
    "responsible"?, "gov_mark"?, "regional"?, "reported_on"?}`: adds an account as `/registry` in the chat would
    (same checks, same history, the same report card when a creation date is given) → `{"id", "report_id"}`."""
    services = request.config_dict[SERVICES]
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return web.json_response({"error": "Тело запроса должно быть JSON-объектом"}, status=400)
    try:
        values = store.parse_changes({k: ("да" if v is True else "нет" if v is False else str(v))
                                      for k, v in body.items() if v is not None}, today=desk.today(services.config))
        async with services.db.transaction() as conn:
            account = await store.add(conn, values, actor=store.Actor("sandbox", "песочница"),
                                      clock=desk.clock(services.config))
            report_id = await conn.fetchval("SELECT id FROM registry_reports WHERE account_id = $1", account.id)
    except BadValue as exc:
        return web.json_response({"error": str(exc)}, status=400)
    services.cards_ready.set()
    return web.json_response({"id": account.id, "report_id": report_id})
