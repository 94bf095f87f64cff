"""Sample photos made in code (no binary files in the repository) and the image check both upload servers use.

The emulators accept only real images, as VK and OK do: `image_info` reads the format and the size from the
bytes themselves (PNG, JPEG or GIF, the formats VK takes for wall photos), never from a file name or a
Content-Type header, which clients set freely (vkbottle names every photo "picture.jpg").
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class ImageInfo:
    kind: str  # "png" | "jpeg" | "gif"
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return f"image/{self.kind}"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour truecolour PNG: a few hundred bytes, valid for any decoder."""
    row = b"\x00" + bytes(rgb) * width  # filter byte "none", then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return PNG_MAGIC + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(row * height, 9)) + _chunk(
        b"IEND", b"")


SAMPLES: dict[str, bytes] = {
    "park.png": png(64, 48, (46, 139, 87)),
    "road.png": png(80, 40, (105, 105, 105)),
    "snow.png": png(48, 64, (240, 248, 255)),
}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walks the JPEG segments to the frame header (SOFn), which holds the size."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # segments without a length
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in JPEG_SOF and pos + 9 <= len(data):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        if marker == 0xDA or length < 2:  # image data began before any frame header: broken
            return None
        pos += 2 + length
    return None


def image_info(data: bytes) -> ImageInfo | None:
    """The format and size of an image, or None when the bytes are not a whole-looking PNG, JPEG or GIF."""
    size: tuple[int, int] | None = None
    kind = ""
    if data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR" and len(data) >= 24:
        kind, size = "png", struct.unpack(">II", data[16:24])
    elif data.startswith(b"\xff\xd8\xff"):
        kind, size = "jpeg", _jpeg_size(data)
    elif data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        kind, size = "gif", struct.unpack("<HH", data[6:10])
    if size is None or size[0] <= 0 or size[1] <= 0:
        return None
    return ImageInfo(kind, size[0], size[1])
