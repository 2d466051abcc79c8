"""The installable, offline player: the web app manifest and sw.js with this build's precache list."""

from __future__ import annotations

import json
import re

from .output import content_hash

WORKER = "sw.js"
WEB_MANIFEST = "app.webmanifest"
BACKGROUND = "#17121f"  # the page's night sky (site.css --bg)
THEME = "#17121f"
# Fetched by the worker when it installs: what the page needs to start at all. Everything else
# (pieces, samples, p5, licences) is cached in the background after the first sound.
SHELL_PREFIXES = ("assets/js-", "assets/site.", "assets/vendor/Tone.", "assets/icon")
HASHED = re.compile(r"\.([0-9a-f]{10})\.[^./]+$")  # Output.add_hashed's names: stem.<hash>.ext
NEVER = {WORKER, "404.html"}  # the browser fetches the worker itself; 404 is the host's page


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
