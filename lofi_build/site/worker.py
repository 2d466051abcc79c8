"""The installable, offline player: the web app manifest, its PNG icons and sw.js with this build's precache list."""

from __future__ import annotations

import functools
import json
import re
import struct
import zlib

import numpy as np

from .output import content_hash

WORKER = "sw.js"
WEB_MANIFEST = "app.webmanifest"
ICON_SIZES = (192, 512)
BACKGROUND = "#17121f"  # the page's night sky (site.css --bg)
THEME = "#17121f"
# Fetched by the worker when it installs: what the page needs to start at all. Everything else
# (pieces, samples, p5, licences) is cached in the background after the first sound.
SHELL_PREFIXES = ("assets/js-", "assets/site.", "assets/vendor/Tone.", "assets/icon")
HASHED = re.compile(r"\.([0-9a-f]{10})\.[^./]+$")  # Output.add_hashed's names: stem.<hash>.ext
NEVER = {WORKER, "404.html"}  # the browser fetches the worker itself; 404 is the host's page


def png(rgba: np.ndarray) -> bytes:
    """An 8-bit RGBA image as PNG bytes (deterministic: fixed zlib level, no metadata)."""
    height, width, _ = rgba.shape
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rgba.reshape(height, width * 4)], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


@functools.lru_cache(maxsize=None)
def icon(size: int) -> bytes:
    """The app icon: a crescent moon over a vinyl record on the night sky (drawn here, original).
    Full-bleed, so it also works as a maskable icon (everything that matters is in the middle 80 %)."""
    y, x = (np.mgrid[0:size, 0:size] + 0.5) / size - 0.5
    r = np.hypot(x, y)
    img = np.empty((size, size, 4), np.float64)
    img[...] = (0x17, 0x12, 0x1F, 255)
    # The record: dark disc, faint grooves, a warm label.
    record = r < 0.34
    grooves = record & (np.sin(r * 260) > 0.6) & (r > 0.14)
    img[record] = (0x0E, 0x0B, 0x12, 255)
    img[grooves] = (0x2A, 0x22, 0x33, 255)
    img[r < 0.12] = (0xE8, 0x9F, 0x71, 255)
    img[r < 0.018] = (0x17, 0x12, 0x1F, 255)
    # The crescent, top right, over the record's edge.
    mx, my = x - 0.17, y + 0.17
    moon = (np.hypot(mx, my) < 0.12) & (np.hypot(mx + 0.05, my - 0.035) > 0.1)
    img[moon] = (0xF6, 0xE7, 0xC1, 255)
    return png(np.clip(img, 0, 255).astype(np.uint8))


def web_manifest(title: str, description: str, icons: dict[int, str], svg: str) -> bytes:
    """The web app manifest; URLs relative to it, so the app installs under any base path."""
    data = {
        "name": title,
        "short_name": title[:12],
        "description": description,
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "background_color": BACKGROUND,
        "theme_color": THEME,
        "icons": [{"src": url, "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any maskable"}
                  for size, url in sorted(icons.items())] + [{"src": svg, "sizes": "any", "type": "image/svg+xml"}],
    }
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


def precache(files: dict[str, bytes]) -> dict:
    """The precache list: every file the player may need, with its content hash, in two parts."""
    shell, later = [], []
    for rel in sorted(files):
        if rel in NEVER:
            continue
        named = HASHED.search(rel)  # the build named it by its content hash already
        entry = ["./" if rel == "index.html" else rel, named.group(1) if named else content_hash(files[rel])]
        if rel in ("index.html", "manifest.json", WEB_MANIFEST) or rel.startswith(SHELL_PREFIXES):
            shell.append(entry)
        else:
            later.append(entry)
    listing = {"shell": shell, "later": later}
    listing["version"] = content_hash(json.dumps(listing, sort_keys=True).encode())
    return listing


def service_worker(source: bytes, files: dict[str, bytes]) -> bytes:
    """sw.js: the hand-written worker, preceded by this build's precache list (so a new build is
    a new worker, and the browser installs it)."""
    listing = json.dumps(precache(files), sort_keys=True, separators=(",", ":"))
    return b"// Written by lofi-build: this build's files and their content hashes.\nself.LOFI_PRECACHE = " + \
        listing.encode() + b";\n" + source
