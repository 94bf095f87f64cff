"""VK: Callback events in, API calls out, through vkbottle's `API`."""

from platforms.vk.client import VkNetwork
from platforms.vk.parse import parse_event

NETWORK = "vk"

__all__ = ["NETWORK", "VkNetwork", "parse_event"]
