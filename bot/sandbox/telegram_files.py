"""Files of the Telegram emulator: uploads, the `file_id`s Telegram issues for them, getFile and downloads.

Telegram keeps every uploaded photo and hands out a `file_id` per size; a bot may send it again by that id, and
`getFile` + `GET /file/bot{token}/{file_path}` (aiogram's `bot.download`) return the bytes. The emulator keeps
the bytes in memory and checks an upload the way Telegram's image processing would refuse it: bytes that are not
a picture answer "IMAGE_PROCESS_FAILED", extreme proportions "PHOTO_INVALID_DIMENSIONS".

One documented deviation: the emulator does not re-encode or shrink pictures. The sizes it reports are the ones
Telegram would make (90/320/800/1280/2560 px boxes), but every size downloads the original bytes.
"""

from __future__ import annotations

import itertools
import secrets
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox.telegram_markup import bad_request

PHOTO_BOXES = (90, 320, 800, 1280, 2560)
FALLBACK_SIZE = (800, 600)  # what the sizes say when the header does not tell the dimensions
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Telegram's upload limit for bots


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes

    def as_file(self) -> dict[str, Any]:
        """The Bot API `File` object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


def image_kind(data: bytes) -> str | None:
    """The picture format the bytes start with, or None when Telegram could not process them as a photo."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, GIF or JPEG header; None when the header does not say."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + length
    return None


def photo_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The sizes Telegram keeps of a photo: the picture fitted into growing boxes, up to its own size."""
    sizes: list[tuple[int, int]] = []
    longest = max(width, height, 1)
    for box in PHOTO_BOXES:
        scale = min(1.0, box / longest)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if not sizes or size != sizes[-1]:
            sizes.append(size)
        if scale == 1.0:
            break
    return sizes


def make_png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid one-colour PNG: for tests and demos that need a picture Telegram would accept."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class FileStore:
    """Every file the emulator has seen, by `file_id` and by `file_path`; photos also as their PhotoSize list."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photos: dict[str, list[dict[str, Any]]] = {}
        self._numbers = itertools.count()

    def add_photo(self, data: bytes) -> list[dict[str, Any]]:
        """Checks an uploaded picture like Telegram and returns its `photo` array (smallest size first)."""
        kind = image_kind(data)
        if kind is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        width, height = image_size(data) or FALLBACK_SIZE
        if width <= 0 or height <= 0 or width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        number = next(self._numbers)
        sizes: list[dict[str, Any]] = []
        for index, (w, h) in enumerate(photo_sizes(width, height)):
            stored = self._add(data, f"photos/file_{number}_{index}.{kind}", prefix="AgACAgIAAxkBAAI")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": len(data),
                    "width": w,
                    "height": h,
                }
            )
        for size in sizes:
            self._photos[size["file_id"]] = sizes
        return [dict(size) for size in sizes]

    def add_document(self, data: bytes, file_name: str, mime_type: str) -> dict[str, Any]:
        """Keeps a sent document and returns its Bot API `Document` object."""
        suffix = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self._add(data, f"documents/file_{next(self._numbers)}.{suffix}", prefix="BQACAgIAAxkBAAI")
        return {"file_name": file_name, "mime_type": mime_type, "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id, "file_size": len(data)}

    def photo(self, file_id: str) -> list[dict[str, Any]] | None:
        """The whole photo one of its sizes belongs to (a photo is resent by the id of any of its sizes)."""
        sizes = self._photos.get(file_id)
        return [dict(size) for size in sizes] if sizes is not None else None

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def _add(self, data: bytes, file_path: str, *, prefix: str) -> StoredFile:
        stored = StoredFile(
            file_id=prefix + secrets.token_urlsafe(48),
            file_unique_id="AQAD" + secrets.token_urlsafe(12),
            file_path=file_path,
            data=data,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[file_path] = stored
        return stored


def photo_source(value: Any, uploads: dict[str, bytes], field: str) -> bytes | str | None:
    """What an InputFile names: uploaded bytes (`attach://name` or a part called `field`) or a file_id / URL.

    None when the request carries no such file, so the caller answers with its own wording ("there is no photo
    in the request" for sendPhoto, "media not found" inside sendMediaGroup). Like the Bot API server, this only
    finds the file; whether it is a usable photo is decided later, after the chat and rights checks.
    """
    if isinstance(value, str) and value.startswith("attach://"):
        return uploads.get(value[len("attach://") :])
    if isinstance(value, str) and value:
        return value
    return uploads.get(field)


def photo_of(files: FileStore, source: bytes | str) -> list[dict[str, Any]]:
    """The `photo` array of a message sending `source`: a new upload is checked and stored, a file_id reused."""
    if isinstance(source, bytes):
        if not source:
            raise bad_request("file must be non-empty")
        return files.add_photo(source)
    if source.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")  # the sandbox is offline and fetches nothing
    sizes = files.photo(source)
    if sizes is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return sizes


class FileMethods:
    """`getFile` and the file download route; mixed into the emulator, which provides `token` and `_files`."""

    token: str
    _files: FileStore

    async def _m_getFile(self, params: dict) -> dict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.as_file()

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """`GET /file/bot{token}/{file_path}`, as api.telegram.org serves what getFile named."""
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        stored = self._files.by_path(request.match_info["path"])
        if stored is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type="application/octet-stream")
