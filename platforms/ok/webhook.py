"""OK's Bot API webhook: nothing is signed, so the address itself is the secret.

The URL registered with OK ends in an unguessable segment (`OK_WEBHOOK_SECRET_<gid>`): a wrong one is
answered 404, exactly as an unknown address, and nothing is stored. Optionally only OK's documented
source addresses may call; behind a reverse proxy the caller is read from `X-Forwarded-For`, trusted
only when the TCP peer is a configured proxy. OK wants HTTP 200 within 5 s: the event is stored and
acknowledged; everything else happens later.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
from collections.abc import Mapping

from bot.config import Account
from bot.platform import NO_ROTATION, InboundCall, InboundOutcome, Respond, SecretRotation, Store
from platforms.ok.config import Network, OkGroup, OkSettings
from platforms.ok.parse import MESSAGE

log = logging.getLogger(__name__)
NOT_FOUND = Respond(404, "unknown community or group")


def _inside(address: str | None, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # a dual-stack listener sees OK's IPv4 callers as ::ffff:a.b.c.d
    return any(ip in net for net in networks)


def caller(peer: str | None, headers: Mapping[str, str], trusted: tuple[Network, ...]) -> str | None:
    """The real caller: the peer, or behind trusted proxies the nearest untrusted X-Forwarded-For hop."""
    if not _inside(peer, trusted):
        return peer
    hops = [h.strip() for h in headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _inside(hop, trusted):
            return hop
    return peer


def check_path(settings: OkSettings, account: Account, rest: str, headers: Mapping[str, str],
               peer: str | None, rotation: SecretRotation = NO_ROTATION) -> Respond | None:
    group: OkGroup = account.settings
    if not group.webhook_secret or not rotation.matches(rest, group.webhook_secret):
        return NOT_FOUND
    if settings.ip_allowlist:
        address = caller(peer, headers, settings.trusted_proxies)
        if not _inside(address, settings.ip_allowlist):
            log.warning("ok webhook for %s from %s refused: not one of OK's addresses", account.id, address)
            return Respond(403, "address not allowed")
    return None


def read_webhook(call: InboundCall) -> InboundOutcome:
    payload = call.payload
    kind = payload.get("webhookType")
    message = payload.get("message")
    if kind is None and isinstance(message, dict) and "mid" in message:
        kind = MESSAGE  # OK's documented example carries no webhookType
    if kind == MESSAGE:
        mid = message.get("mid") if isinstance(message, dict) else None
        if not isinstance(mid, str) or not mid or len(mid) > 200:
            return Respond(400, "missing message.mid")
        return Store(mid, MESSAGE, payload)
    if not isinstance(kind, str) or not kind:
        return Respond(400, "missing webhookType")
    # Other kinds (callbacks, chat events) are kept for the record; their identity is their content.
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return Store(f"{kind}:{digest[:40]}", kind, payload)
