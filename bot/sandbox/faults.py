"""Injected faults, shared by the VK, OK and Telegram emulators: "this method fails like this, N times or S seconds".

A fault names a method (or "*" for any), the HTTP status and, for an API-level error, the network's own code,
text and parameters; each emulator renders it in its network's shape (VK `{"error": {...}}` and OK
`{"error_code", "error_msg", "error_data"}` with HTTP 200, Telegram `{"ok": false, ...}` with the status). A
status other than 200 on VK or OK is a failure of the front end, answered as the HTML error page a proxy gives.
Faults fire in the order they were added, so `fail_next` keeps its first-in, first-out meaning.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ANY = "*"
STATUS_TEXT = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
    413: "Request Entity Too Large", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


@dataclass
class Fault:
    id: int
    method: str
    status: int
    error_code: int | None = None
    description: str | None = None
    parameters: dict[str, int] = field(default_factory=dict)
    times: int | None = None  # calls still to fail; None: until `until`
    until: float | None = None  # on the book's clock
    hits: int = 0

    def live(self, now: float) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        return self.until is None or now < self.until

    def as_json(self, now: float) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "method": self.method, "status": self.status, "hits": self.hits}
        if self.error_code is not None:
            data["error_code"] = self.error_code
        if self.description is not None:
            data["description"] = self.description
        if self.parameters:
            data["parameters"] = dict(self.parameters)
        if self.times is not None:
            data["times_left"] = self.times
        if self.until is not None:
            data["seconds_left"] = round(max(0.0, self.until - now), 3)
        return data


class FaultBook:
    """The faults injected into one emulator."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, method: str, status: int, *, error_code: int | None = None, description: str | None = None,
            parameters: dict[str, int] | None = None, times: int | None = None,
            for_seconds: float | None = None) -> Fault:
        """A fault for `times` calls or `for_seconds` seconds (exactly one of the two)."""
        if (times is None) == (for_seconds is None):
            raise ValueError("give either times or for_seconds")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        if for_seconds is not None and for_seconds <= 0:
            raise ValueError("for_seconds must be positive")
        fault = Fault(next(self._ids), method, status, error_code, description, dict(parameters or {}), times,
                      self._clock() + for_seconds if for_seconds is not None else None)
        self._faults.append(fault)
        return fault

    def take(self, method: str, *, where: Callable[[Fault], bool] = lambda _fault: True) -> Fault | None:
        """The first live fault for `method` that `where` accepts, with this call counted against it."""
        now = self._clock()
        self._faults = [f for f in self._faults if f.live(now)]
        for fault in self._faults:
            if fault.method in (ANY, method) and where(fault):
                fault.hits += 1
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def clear(self) -> int:
        """Removes every fault; returns how many were still live."""
        now = self._clock()
        count = sum(1 for f in self._faults if f.live(now))
        self._faults = []
        return count

    def view(self, fault: Fault) -> dict[str, Any]:
        return fault.as_json(self._clock())

    def active(self) -> list[dict[str, Any]]:
        now = self._clock()
        return [f.as_json(now) for f in self._faults if f.live(now)]


def proxy_error_page(status: int, text: str | None = None) -> str:
    """The HTML page an nginx front end answers with when the API behind it fails (VK, OK: UNVERIFIED wording)."""
    title = f"{status} {STATUS_TEXT.get(status, 'Error')}"
    body = text or title
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{body}</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


def front_response(fault: Fault) -> web.Response:
    return web.Response(status=fault.status, text=proxy_error_page(fault.status, fault.description),
                        content_type="text/html")


def is_front(fault: Fault) -> bool:
    """A failure of the front end (VK, OK): any HTTP status but 200."""
    return fault.status != 200


def is_api(fault: Fault) -> bool:
    """An error of the API itself (VK, OK): HTTP 200 with the network's error body."""
    return fault.status == 200
