"""The content plan as an iCalendar feed at a secret address, for a coordinator's calendar app.

`GET /calendar/<GOSPABLIK_CALENDAR_SECRET>.ics`; without the secret configured there is no feed, and a
wrong secret is answered as an unknown address.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from bot.publishing.plan import calendar
from handlers.context import SERVICES
from handlers.errors import Routes

routes = Routes()  # every handler guarded: an outage answers 503


@routes.get("/calendar/{secret}.ics")
async def feed(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    secret = services.config.calendar_secret
    if not secret or not hmac.compare_digest(request.match_info["secret"].encode(), secret.encode()):
        raise web.HTTPNotFound(text="not found")
    body = await calendar(services, host=request.host.split(":")[0] or "gospablik")
    return web.Response(text=body, content_type="text/calendar", charset="utf-8",
                        headers={"Cache-Control": "private, max-age=300"})
