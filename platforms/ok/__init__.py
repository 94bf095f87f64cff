"""OK (Odnoklassniki): group comments polled over REST, group messages pushed to a webhook."""

from platforms.ok.config import NETWORK, OkSection
from platforms.ok.platform import OkPlatform

SECTION = OkSection()

__all__ = ["NETWORK", "SECTION", "OkPlatform"]
