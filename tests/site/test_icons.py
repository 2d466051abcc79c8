"""The PNG icon: a real RGBA image of the asked size, the same bytes every time, in the build."""

import re
import struct
import zlib

import numpy as np

from lofi_build.site.icons import ICON_SIZES, icon_png
from test_build import build_project


def decode(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 6)  # 8-bit RGBA
    idat = b"".join(data[i + 8: i + 8 + struct.unpack(">I", data[i:i + 4])[0]]
                    for i in [m.start() - 4 for m in re.finditer(b"IDAT", data)])
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + 4 * width)
    assert (rows[:, 0] == 0).all()  # no filters
    return rows[:, 1:].reshape(height, width, 4)


def test_the_icon_is_an_rgba_png_of_each_size_drawn_like_the_svg():
    for size in ICON_SIZES:
        image = decode(icon_png(size))
        assert image.shape == (size, size, 4)
        assert image[0, 0, 3] == 0 and image[size // 2, size // 10, 3] == 255  # rounded corner, opaque body
        assert tuple(image[size // 2, size // 2, :3]) == (0x2B, 0x25, 0x40)  # the record's hole
        assert tuple(image[size // 2, int(size * 0.33), :3]) == (0xF2, 0xC7, 0x8B)  # the record
    assert icon_png.__wrapped__(192) == icon_png(192)  # the same bytes when drawn again


def test_the_build_writes_the_pngs_and_the_page_points_at_them(project):
    build_project(project)
    out = project / "build"
    html = (out / "index.html").read_text("utf-8")
    for size in ICON_SIZES:
        url = re.search(rf'data-icon-{size}="([^"]+)"', html).group(1)
        assert re.fullmatch(rf"assets/icon-{size}\.[0-9a-f]{{10}}\.png", url)
        assert decode((out / url).read_bytes()).shape == (size, size, 4)
