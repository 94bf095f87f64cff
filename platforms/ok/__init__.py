"""OK (Odnoklassniki): group comments polled over REST, group messages pushed to a webhook.

The configuration reader is imported eagerly and the platform lazily, so that reading the configuration
does not load the HTTP client.
"""

from typing import Any

from platforms.ok.config import NETWORK, OkSection

SECTION = OkSection()

__all__ = ["NETWORK", "SECTION", "OkPlatform"]


def __getattr__(name: str) -> Any:
    if name == "OkPlatform":
        from platforms.ok.platform import OkPlatform

        return OkPlatform
    raise AttributeError(name)
