"""The `[registry]` section: who publishes the registry, where the letter goes, and who signs it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.registry.model import OTHER_NETWORKS

if TYPE_CHECKING:
    from bot.config import Reader


@dataclass(frozen=True)
class RegistrySettings:
    organisation: str = "Администрация муниципального района"  # the publisher, the letter's sender
    addressee: str = "Комитет информации и печати Курской области"
    addressee_head: str = ""  # «Председателю комитета … И.О. Фамилии»
    signer_position: str = "Глава района"
    signer_name: str = ""
    executor: str = ""  # the contact line under the signature: position and phone
    inn: str = ""  # the open-data set's identifier is <ИНН>-<code>
    dataset_code: str = "official-accounts"
    publisher_phone: str = ""
    publisher_email: str = ""
    site_url: str = ""  # where the open-data files are linked from; default: the service's public URL
    letter_template: Path | None = None  # a DOCX the administration may replace (`gospablik registry template`)
    region: str | None = None  # a regional calendar's code in bot/workdays/ru.toml, e.g. "BA"
    other_networks: tuple[str, ...] = OTHER_NETWORKS  # offered besides the served networks when adding by hand

    @property
    def dataset_id(self) -> str:
        return f"{self.inn}-{self.dataset_code}" if self.inn else self.dataset_code


def parse_registry(read: Reader, data: Mapping[str, Any]) -> RegistrySettings:
    raw = read.get(data, "registry", dict, "", default={})
    defaults = RegistrySettings()
    values: dict[str, Any] = {}
    for key in ("organisation", "addressee", "addressee_head", "signer_position", "signer_name", "executor", "inn",
                "dataset_code", "publisher_phone", "publisher_email", "site_url", "region"):
        values[key] = read.get(raw, key, str, "registry", getattr(defaults, key))
    if values["inn"] and not re.fullmatch(r"\d{10}|\d{12}", values["inn"]):
        read.problems.append("registry.inn: an ИНН is 10 digits (12 for a person)")
    if not re.fullmatch(r"[a-z0-9-]{1,60}", values["dataset_code"]):
        read.problems.append("registry.dataset_code: latin lower-case letters, digits and hyphens")
    template = read.get(raw, "letter_template", str, "registry", None)
    if template is not None:
        path = Path(template)
        if not path.is_file():
            read.problems.append(f"registry.letter_template: {template}: file not found (make one with "
                                 "`gospablik registry template letter.docx`)")
        values["letter_template"] = path
    values["site_url"] = values["site_url"].rstrip("/")
    others = read.get(raw, "other_networks", list, "registry", list(OTHER_NETWORKS))
    if not all(isinstance(n, str) and n.strip() for n in others):
        read.problems.append("registry.other_networks: a list of names, e.g. [\"MAX\", \"Дзен\"]")
        others = list(OTHER_NETWORKS)
    values["other_networks"] = tuple(n.strip() for n in others)
    return RegistrySettings(**values)
