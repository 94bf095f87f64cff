"""The public registry for the official website: `/registry` (HTML, `?embed=1` without the page frame),
`/registry.json`, and the open-data set under `/registry/` (`meta.csv`, the data and structure files).

Read-only and safe to expose: only the published columns, no scripts, a strict content policy. Each answer
carries an ETag and Last-Modified and is rendered once per registry version, so a site that embeds the page
costs one index probe per visit (and nothing with a 304).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime

from aiohttp import web

from bot.registry import public, store
from bot.services import Services
from handlers.context import SERVICES
from handlers.errors import Routes

routes = Routes()  # every handler guarded: an outage answers 503
HEADERS = {
    "Cache-Control": "public, max-age=300",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # No scripts at all; inline style only; the page may be framed by the municipal site.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str
    etag: str


CACHE = web.AppKey("registry_cache", dict)


def install(app: web.Application) -> None:
    app[CACHE] = {}
    app.add_routes(routes)


async def _snapshot(request: web.Request) -> tuple[public.Snapshot, dict]:
    """The registry as last rendered, read again only when its version moved."""
    services = request.app[SERVICES]
    cache = request.app[CACHE]
    async with services.db.connection() as conn:
        version = await store.version(conn)
        held = cache.get("snapshot")
        if held is None or held.version != version:
            held = await store.snapshot(conn)
            cache.clear()
            cache["snapshot"] = held
    return held, cache


async def _serve(request: web.Request, name: str, render: Callable[[public.Snapshot, Services], tuple[bytes, str]],
                 ) -> web.StreamResponse:
    services = request.app[SERVICES]
    snapshot, cache = await _snapshot(request)
    rendered = cache.get(name)
    if rendered is None:
        body, content_type = render(snapshot, services)
        rendered = cache[name] = Rendered(body, content_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
    headers = dict(HEADERS, ETag=rendered.etag)
    if snapshot.modified is not None:
        headers["Last-Modified"] = format_datetime(snapshot.modified.replace(microsecond=0), usegmt=True)
    if _not_modified(request, rendered.etag, snapshot):
        return web.Response(status=304, headers=headers)
    return web.Response(body=rendered.body, content_type=rendered.content_type, charset="utf-8", headers=headers)


def _not_modified(request: web.Request, etag: str, snapshot: public.Snapshot) -> bool:
    match = request.headers.get("If-None-Match")
    if match is not None:
        return etag in [tag.strip().removeprefix("W/") for tag in match.split(",")] or match.strip() == "*"
    since = request.headers.get("If-Modified-Since")
    if since and snapshot.modified is not None:
        try:
            return snapshot.modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _base_url(request: web.Request, services: Services) -> str:
    return (services.config.registry.site_url or services.config.public_url
            or f"{request.scheme}://{request.host}")


@routes.get("/registry")
async def page(request: web.Request) -> web.StreamResponse:
    embed = request.query.get("embed") in ("1", "true", "yes")

    def render(snapshot: public.Snapshot, services: Services) -> tuple[bytes, str]:
        html = public.html_page(snapshot, services.config.registry, tz=services.config.tz, embed=embed)
        return html.encode(), "text/html"

    return await _serve(request, "embed" if embed else "page", render)


@routes.get("/registry.json")
async def as_json(request: web.Request) -> web.StreamResponse:
    def render(snapshot: public.Snapshot, services: Services) -> tuple[bytes, str]:
        data = public.as_json(snapshot, services.config.registry)
        return json.dumps(data, ensure_ascii=False, indent=1).encode(), "application/json"

    return await _serve(request, "json", render)


@routes.get("/registry.csv")
async def as_csv(request: web.Request) -> web.StreamResponse:
    return await _serve(request, "csv", lambda snapshot, services: (public.data_csv(snapshot), "text/csv"))


@routes.get("/registry/meta.csv")
async def meta(request: web.Request) -> web.StreamResponse:
    base = _base_url(request, request.app[SERVICES])

    def render(snapshot: public.Snapshot, services: Services) -> tuple[bytes, str]:
        return public.meta_csv(snapshot, services.config.registry, base_url=base, tz=services.config.tz), "text/csv"

    return await _serve(request, f"meta:{base}", render)


@routes.get("/registry/{name}.csv")
async def versioned(request: web.Request) -> web.StreamResponse:
    """The set and its structure under the names the passport gives them; an older version is gone."""
    name = request.match_info["name"] + ".csv"
    if name == public.structure_name():
        return await _serve(request, "structure", lambda snapshot, services: (public.structure_csv(), "text/csv"))
    snapshot, _ = await _snapshot(request)
    current = public.data_name(snapshot, request.app[SERVICES].config.tz)
    if name == current:
        return await _serve(request, "csv", lambda snapshot, services: (public.data_csv(snapshot), "text/csv"))
    raise web.HTTPNotFound(text=f"Этой версии набора данных нет. Актуальная версия: /registry/{current}",
                           content_type="text/plain")
