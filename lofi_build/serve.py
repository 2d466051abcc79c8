"""``lofi-build serve``: build, serve build/ under its base path, rebuild and reload on every change.

Built on the ``livereload`` package's WebSocket handler and browser client, but not on its
file watcher, which polls every 800 ms and drops any change that comes within 3 s of the
last reload (so a quick second save is silently lost). Here a thread polls every 30 ms,
waits for a burst of saves to settle, rebuilds once, and reloads every connected page.
The client is loaded from an external script that computes the port from ``location``, so
the page reconnects to the port it came from (livereload's own injection falls back to
35729 when the URL has no explicit port).
"""

from __future__ import annotations

import html
import logging
import os
import re
import threading
import time
import webbrowser
from pathlib import Path

from .config import Config, load_config
from .errors import LofiError
from .site.build import BuildCache, build

log = logging.getLogger("lofi_build")

POLL_SECONDS = 0.03
SETTLE_SECONDS = 0.06  # saves closer together than this are one burst, rebuilt once
ASSETS = Path(__file__).parent / "serve_assets"
_ADDR = re.compile(r"^(?:\[(?P<v6>[0-9a-fA-F:]+)\]|(?P<host>[A-Za-z0-9.-]+)):(?P<port>[0-9]{1,5})$")


def parse_address(addr: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``[V6]:PORT``) -> (host, port)."""
    m = _ADDR.match(addr.strip())
    if not m or not 0 < int(m.group("port")) < 65536:
        raise ValueError(f"{addr!r} is not HOST:PORT, e.g. 127.0.0.1:8000")
    return m.group("v6") or m.group("host"), int(m.group("port"))


def snapshot(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file under ``paths``; dotfiles and editor temp files are skipped."""
    seen: dict[str, tuple[int, int]] = {}
    for top in paths:
        if top.is_file():
            st = top.stat()
            seen[str(top)] = (st.st_mtime_ns, st.st_size)
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
            for name in filenames:
                if name.startswith(".") or name.endswith(("~", ".swp", ".tmp")):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:  # deleted between listing and stat
                    continue
                seen[path] = (st.st_mtime_ns, st.st_size)
    return seen


class Site:
    """The served site: rebuilds on demand and remembers the last error for the overlay."""

    def __init__(self, config_file: Path, strict: bool, on_built=None):
        self.config_file = Path(config_file)
        self.strict = strict
        self.cache = BuildCache()
        self.config: Config | None = None
        self.error: LofiError | None = None
        self.on_built = on_built or (lambda: None)
        self.builds = 0
        self._lock = threading.Lock()

    @property
    def root(self) -> Path:
        return self.config_file.parent

    @property
    def outdir(self) -> Path:
        return Config(path=self.config_file).build_dir

    @property
    def base_path(self) -> str:
        return self.config.base_path if self.config else "/"

    def watched(self) -> list[Path]:
        return Config(path=self.config_file).sources

    def rebuild(self) -> None:
        with self._lock:
            started = time.perf_counter()
            try:
                config = load_config(self.config_file, strict=self.strict)
                self.config = config
                result = build(config, strict=self.strict, cache=self.cache)
            except LofiError as e:
                self.error = e
                for diagnostic in e.diagnostics:
                    log.error("%s", diagnostic)
                log.error("Build failed; the page shows the error until the files are fixed.")
            else:
                self.error = None
                log.info("%s in %.2f s.", "Rebuilt" if result.changed else "No changes", time.perf_counter() - started)
            self.builds += 1
        self.on_built()


class Watcher(threading.Thread):
    """Polls the watched files and rebuilds once per settled burst of changes."""

    def __init__(self, site: Site):
        super().__init__(daemon=True, name="lofi-watcher")
        self.site = site
        self.stopping = threading.Event()

    def run(self) -> None:
        before = snapshot(self.site.watched())
        while not self.stopping.wait(POLL_SECONDS):
            now = snapshot(self.site.watched())
            if now == before:
                continue
            while not self.stopping.wait(SETTLE_SECONDS):  # let the burst finish
                later = snapshot(self.site.watched())
                if later == now:
                    break
                now = later
            before = now
            self.site.rebuild()


def make_app(site: Site, livereload: bool = True):
    """The tornado application: the site under its base path, the reload socket, the overlay."""
    from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
    from tornado import web

    class SiteHandler(web.StaticFileHandler):
        def initialize(self):
            super().initialize(path=str(site.outdir), default_filename="index.html")

        def set_extra_headers(self, path):
            self.set_header("Cache-Control", "no-cache")

        def compute_etag(self):
            return None  # always the current build

        def should_return_304(self):
            return False  # Last-Modified has 1 s resolution; two builds within a second look alike

        async def get(self, path, include_body=True):
            base = site.base_path
            url_path = "/" + path
            if not url_path.startswith(base):
                if url_path == "/" and base != "/":
                    return self.redirect(base)
                raise web.HTTPError(404)
            rel = url_path[len(base):]
            if any(part.startswith(".") for part in rel.split("/") if part):
                raise web.HTTPError(404)
            await super().get(rel, include_body)

        def validate_absolute_path(self, root, absolute_path):
            try:
                return super().validate_absolute_path(root, absolute_path)
            except web.HTTPError as e:
                if e.status_code == 403:
                    raise web.HTTPError(404) from None
                raise

        def write_error(self, status_code, **kwargs):
            page = site.outdir / "404.html"
            body = page.read_text("utf-8") if status_code == 404 and page.is_file() else ""
            if site.error is not None:  # nothing built yet: a bare page that carries the overlay
                body = body or "<!doctype html><html><head><title>Build error</title></head><body></body></html>"
            if not body:
                return super().write_error(status_code, **kwargs)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(inject(body))

    def inject(text: str) -> str:
        tags = []
        if livereload:
            tags.append('<script src="/__lofi__/reload.js"></script>')
        if site.error is not None:
            tags.append('<link rel="stylesheet" href="/__lofi__/overlay.css">')
        extra = "".join(tags)
        if site.error is not None:
            lines = "\n".join(html.escape(str(d)) for d in site.error.diagnostics)
            text = re.sub(
                r"(<body[^>]*>)",
                lambda m: m.group(1) + '<div id="lofi-build-error" role="alert"><strong>lofi-build: the last '
                'build failed; fix the file and this page reloads by itself.</strong><pre>'
                + lines + "</pre></div>",
                text, count=1,
            )
        return re.sub(r"</head>", lambda m: extra + m.group(0), text, count=1) if extra else text

    class Injector(web.OutputTransform):
        """Adds the reload client (and the error overlay) to every HTML page."""

        def transform_first_chunk(self, status_code, headers, chunk, finishing):
            if headers.get("Content-Type", "").startswith("text/html") and status_code == 200:
                chunk = inject(chunk.decode("utf-8")).encode("utf-8")
                if "Content-Length" in headers:
                    headers["Content-Length"] = str(len(chunk))
            return status_code, headers, chunk

    routes = [
        (r"/livereload", LiveReloadHandler),
        (r"/livereload.js", LiveReloadJSHandler),
        (r"/__lofi__/(reload\.js|overlay\.css)", web.StaticFileHandler, {"path": str(ASSETS)}),
        (r"/(.*)", SiteHandler),
    ]
    return web.Application(routes, transforms=[Injector], websocket_ping_interval=20)


def reload_browsers() -> None:
    """Tell every connected page to reload (livereload's protocol, without its 3 s throttle)."""
    from livereload.handlers import LiveReloadHandler

    message = {"command": "reload", "path": "*", "liveCSS": False, "liveImg": False}
    for waiter in list(LiveReloadHandler.waiters):
        try:
            waiter.write_message(message)
        except Exception:  # a page that went away mid-send
            LiveReloadHandler.waiters.discard(waiter)


def serve(config_file, host: str = "127.0.0.1", port: int = 8000, *, open_browser=False,
          livereload=True, strict=False) -> None:
    from tornado import ioloop

    loop = ioloop.IOLoop.current()
    site = Site(config_file, strict, on_built=lambda: loop.add_callback(reload_browsers))
    site.rebuild()
    if site.config is None:  # the config itself is broken: nothing to serve yet
        raise site.error
    app = make_app(site, livereload)
    try:
        app.listen(port, address=host)
    except OSError as e:
        raise LofiError(f"cannot serve on {host}:{port}: {e.strerror or e}") from None
    watcher = Watcher(site)
    watcher.start()
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}{site.base_path}"
    log.info("Serving %s at %s (Ctrl+C to stop)", site.outdir, url)
    if open_browser:
        threading.Timer(0.3, webbrowser.open, [url]).start()
    try:
        loop.start()
    finally:
        watcher.stopping.set()
