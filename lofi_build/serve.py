"""``lofi-build serve``: build, serve build/ and rebuild + reload the browser on every change."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from .config import load_config
from .errors import LofiError
from .site.build import ScoreCache, build

log = logging.getLogger("lofi_build")

_ADDR = re.compile(r"^(?:\[(?P<v6>[0-9a-fA-F:]+)\]|(?P<host>[A-Za-z0-9.-]+)):(?P<port>[0-9]{1,5})$")


def parse_address(addr: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``[V6]:PORT``) -> (host, port)."""
    m = _ADDR.match(addr.strip())
    if not m or not 0 < int(m.group("port")) < 65536:
        raise ValueError(f"{addr!r} is not HOST:PORT, e.g. 127.0.0.1:8000")
    return m.group("v6") or m.group("host"), int(m.group("port"))


class Rebuilder:
    """Rebuilds on change and keeps serving the last good build when an edit breaks something."""

    def __init__(self, config_file: Path, strict: bool):
        self.config_file = Path(config_file)
        self.strict = strict
        self.cache = ScoreCache()
        self.last_error: LofiError | None = None

    def __call__(self) -> None:
        try:
            config = load_config(self.config_file, strict=self.strict)
            result = build(config, strict=self.strict, cache=self.cache)
        except LofiError as e:
            self.last_error = e
            for diagnostic in e.diagnostics:
                log.error("%s", diagnostic)
            log.error("Build failed; still serving the last good build.")
            return
        self.last_error = None
        log.info("Rebuilt in %.2f s.", result.seconds)

    def watched(self) -> list[Path]:
        root = self.config_file.parent
        return [self.config_file, root / "content", root / "site_src"]


def serve(config_file, host: str = "127.0.0.1", port: int = 8000, *, open_browser=False, strict=False):
    from livereload import Server

    config = load_config(config_file, strict=strict)
    rebuild = Rebuilder(config_file, strict)
    build(config, strict=strict, cache=rebuild.cache)  # the first build must succeed
    outdir = config.resolve("build")
    server = Server()
    for path in rebuild.watched():
        server.watch(str(path), rebuild, delay=0.1)
    log.info("Serving %s on http://%s:%d%s (Ctrl+C to stop)", outdir, host, port, config.base_path)
    server.serve(
        host=host, port=port, root=str(outdir), open_url_delay=0.5 if open_browser else None,
        restart_delay=0, live_css=False,
    )
