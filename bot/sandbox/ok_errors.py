"""OK (ok.ru) API error codes, their names and the emulator's texts, and the parameter reader that raises them.

OK answers `{"error_code": N, "error_msg": "NAME : text", "error_data": null}` (HTTP 200). Codes and names are
OK's (shared/reference/ok.md §4.4). Only a few texts are confirmed from real answers ("Session expired");
the others are this emulator's wording, so a client must dispatch on `error_code`, never on the text.
"""

from __future__ import annotations

from typing import Any

ERRORS: dict[int, tuple[str, str]] = {
    1: ("UNKNOWN", "Unknown error"),
    2: ("SERVICE", "Service temporary unavailable"),
    3: ("METHOD", "Method not found"),
    4: ("REQUEST", "Bad request"),
    7: ("ACTION_BLOCKED", "Action blocked"),
    8: ("FLOOD_BLOCKED", "Flood blocked"),
    9: ("IP_BLOCKED", "IP blocked"),
    10: ("PERMISSION_DENIED", "Permission denied"),
    11: ("LIMIT_REACHED", "Limit reached"),
    12: ("CANCELLED", "Cancelled"),
    22: ("NOT_ACTIVATED", "Not activated"),
    24: ("NOT_OWNER", "Not owner"),
    30: ("NETWORK", "Network error"),
    31: ("NETWORK_TIMEOUT", "Network timeout"),
    50: ("NOT_ADMIN", "Not admin"),
    100: ("PARAM", "Invalid parameter"),
    101: ("PARAM_API_KEY", "Application not exist"),
    102: ("PARAM_SESSION_EXPIRED", "Session expired"),
    103: ("PARAM_SESSION_KEY", "No session key"),
    104: ("PARAM_SIGNATURE", "Invalid signature"),
    105: ("PARAM_RESIGNATURE", "Resignature required"),
    160: ("PARAM_GROUP_ID", "Invalid group id"),
    200: ("PARAM_PERMISSION", "Application has no permission"),
    210: ("PARAM_APPLICATION_DISABLED", "Application disabled"),
    300: ("NOT_FOUND", "Not found"),
    451: ("NOT_SESSION_METHOD", "Session is prohibited"),
    453: ("SESSION_REQUIRED", "Session required"),
    454: ("CENSOR_MATCH", "Censor match"),
    456: ("GROUP_RESTRICTION", "Group restriction"),
    457: ("UNAUTHORIZED_RESTRICTION", "Unauthorized restriction"),
    458: ("PRIVACY_RESTRICTION", "Privacy restriction"),
    511: ("IDS_BLOCKED", "Blocked by antispam"),
    514: ("IDS_SESSION_VERIFICATION_REQUIRED", "Session verification required"),
    600: ("MEDIA_TOPIC_BLOCK_LIMIT", "Too many media blocks"),
    601: ("MEDIA_TOPIC_TEXT_LIMIT", "Text is too long"),
    607: ("MEDIA_TOPIC_LINK_BAD_FORMAT", "Bad link format"),
    704: ("TIMEOUT_EXCEEDED", "Timeout exceeded"),
    9999: ("SYSTEM", "System error"),
}


class OkApiError(Exception):
    """One OK error; `text` replaces the default text after "NAME : "."""

    def __init__(self, code: int, text: str | None = None) -> None:
        name, default = ERRORS.get(code, ERRORS[1])
        self.code = code
        self.message = f"{name} : {text or default}"
        super().__init__(f"[{code}] {self.message}")

    def body(self) -> dict[str, Any]:
        return {"error_code": self.code, "error_msg": self.message, "error_data": None}


def ok_fault(code: int, text: str | None = None) -> OkApiError:
    """An injected error: OK's name and text for a known code; `text`, when given, is the whole `error_msg`."""
    error = OkApiError(code) if code in ERRORS else OkApiError(code, f"Injected error {code}")
    if text:
        error.message = text
    return error


def missing(name: str) -> OkApiError:
    return OkApiError(100, f"Missing required parameter {name}")


def invalid(name: str, value: object) -> OkApiError:
    return OkApiError(100, f"Invalid parameter {name} value : {value}")


def not_found(text: str) -> OkApiError:
    return OkApiError(300, text)


class Params:
    """REST parameters (all strings) read with OK's error wording: a bad value is error 100, never a guess."""

    def __init__(self, params: dict[str, str]) -> None:
        self.params = params

    def text(self, name: str) -> str:
        return self.params.get(name, "")

    def required(self, name: str) -> str:
        value = self.params.get(name, "")
        if not value.strip():
            raise missing(name)
        return value

    def flag(self, name: str) -> bool:
        """OK booleans are "true"/"false"; absent = false."""
        raw = self.params.get(name, "")
        if raw.lower() not in ("", "true", "false"):
            raise invalid(name, raw)
        return raw.lower() == "true"

    def number(self, name: str, default: int | None = None, *, low: int = 0, high: int | None = None) -> int | None:
        raw = self.params.get(name, "")
        if raw == "":
            return default
        if not raw.lstrip("-").isdigit() or int(raw) < low or (high is not None and int(raw) > high):
            raise invalid(name, raw)
        return int(raw)

    def count(self, default: int = 20, high: int = 100) -> int:
        value = self.number("count", default, low=1, high=high)
        return default if value is None else value

    def ids(self, name: str, limit: int = 100) -> list[str]:
        """A required comma list of numeric ids, at most `limit` of them."""
        raw = self.required(name)
        items = [part.strip() for part in raw.split(",") if part.strip()]
        if len(items) > limit or not all(item.isdigit() for item in items):
            raise invalid(name, raw)
        return items

    def fields(self) -> set[str]:
        """`fields`, lower-cased: OK field names are case-insensitive."""
        return {part.strip().lower() for part in self.params.get("fields", "").split(",") if part.strip()}

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.params.get(name, "") or default
        if value is None:
            raise missing(name)
        if value not in allowed:
            raise invalid(name, value)
        return value
