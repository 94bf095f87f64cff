"""VK: Callback events in, API calls out, through vkbottle's `API`."""

from platforms.vk.config import NETWORK, VkSection
from platforms.vk.platform import VkPlatform

SECTION = VkSection()

__all__ = ["NETWORK", "SECTION", "VkPlatform"]
