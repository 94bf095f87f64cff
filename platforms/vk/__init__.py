"""VK: Callback events in, API calls out, through vkbottle's `API`.

The configuration reader is imported eagerly and the platform lazily, so that reading the configuration
(`gospablik check-config`, exports) does not load vkbottle.
"""

from typing import Any

from platforms.vk.config import NETWORK, VkSection

SECTION = VkSection()

__all__ = ["NETWORK", "SECTION", "VkPlatform"]


def __getattr__(name: str) -> Any:
    if name == "VkPlatform":
        from platforms.vk.platform import VkPlatform

        return VkPlatform
    raise AttributeError(name)
