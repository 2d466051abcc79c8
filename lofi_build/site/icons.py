"""The site's icon as PNG (lock screens and app launchers show no SVG), drawn from the same shapes as site_src/icon.svg."""

from __future__ import annotations

import functools
import struct
import zlib

import numpy as np

ICON_SIZES = (192, 512)

# site_src/icon.svg, in its 64-unit box.
BACKGROUND = (0x2B, 0x25, 0x40)
RECORD = (0xF2, 0xC7, 0x8B)
WAVE = (0x8F, 0xB8, 0xC9)


def _coverage(inside, size: int, ss: int = 4) -> np.ndarray:
    """Anti-aliased coverage (0..1) of a shape given as ``inside(x, y)`` over 64-unit coordinates."""
    step = 64.0 / (size * ss)
    axis = (np.arange(size * ss) + 0.5) * step
    # A row and a column that broadcast to the grid: each shape's sums of squares cost one pass over it.
    hit = np.broadcast_to(inside(axis[None, :], axis[:, None]), (size * ss, size * ss)).astype(np.float32)
    return hit.reshape(size, ss, size, ss).mean(axis=(1, 3))


def _rounded_square(x, y, r=14.0):
    dx = np.maximum(np.maximum(r - x, x - (64 - r)), 0)
    dy = np.maximum(np.maximum(r - y, y - (64 - r)), 0)
    return dx * dx + dy * dy <= r * r


def _disc(cx, cy, r):
    return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _wave(x, y, width=3.0):
    """The stroke ``M12 48 c8-6 32-6 40 0`` (a cubic Bezier) with round caps."""
    t = np.linspace(0.0, 1.0, 96)[:, None]
    p0, p1, p2, p3 = np.array([12, 48]), np.array([20, 42]), np.array([44, 42]), np.array([52, 48])
    curve = ((1 - t) ** 3) * p0 + 3 * ((1 - t) ** 2) * t * p1 + 3 * (1 - t) * t * t * p2 + (t**3) * p3
    xs, ys = x[0], y[:, 0]
    near = np.zeros((len(ys), len(xs)), dtype=bool)
    r = width / 2
    for cx, cy in curve:  # each disc is tested only on the samples under its square
        cols = slice(np.searchsorted(xs, cx - r), np.searchsorted(xs, cx + r, side="right"))
        rows = slice(np.searchsorted(ys, cy - r), np.searchsorted(ys, cy + r, side="right"))
        near[rows, cols] |= (xs[cols][None, :] - cx) ** 2 + (ys[rows][:, None] - cy) ** 2 <= r * r
    return near


def _png(rgba: np.ndarray) -> bytes:
    height, width, _ = rgba.shape
    raw = b"".join(b"\0" + rgba[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


@functools.lru_cache(maxsize=None)
def icon_png(size: int) -> bytes:
    """The icon, ``size`` pixels square, as PNG bytes (the same bytes every build)."""
    layers = [
        (_coverage(_rounded_square, size), BACKGROUND),
        (_coverage(_disc(32, 32, 17), size), RECORD),
        (_coverage(_disc(32, 32, 5), size), BACKGROUND),
        (_coverage(_wave, size), WAVE),
    ]
    rgb = np.zeros((size, size, 3), dtype=np.float64)
    alpha = np.zeros((size, size), dtype=np.float64)
    for cover, colour in layers:  # "over", straight alpha
        a = cover
        out_a = a + alpha * (1 - a)
        safe = np.where(out_a > 0, out_a, 1)
        rgb = (np.array(colour, dtype=np.float64) * a[..., None] + rgb * (alpha * (1 - a))[..., None]) / safe[..., None]
        alpha = out_a
    rgba = np.dstack([np.clip(np.rint(rgb), 0, 255), np.clip(np.rint(alpha * 255), 0, 255)]).astype(np.uint8)
    return _png(rgba)
