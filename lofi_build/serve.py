"""``lofi-build serve``: build, serve build/ under its base path, watch the sources, push every change to the open pages.

The sources are watched through ``watchfiles`` (the kernel's inotify, through Rust's notify):
nothing is polled while nothing changes. A burst of saves settles into one rebuild; a save that
lands during a rebuild is kept and triggers the next one. Each rebuild renders the whole site in
memory (compiled scores, the kit and the pool come from a ``BuildCache``), then writes only the
files that differ, so build/ always equals what ``lofi-build site`` would write.

What the open pages hear, over one Server-Sent Events stream (``/__lofi__/events``):
  ``swap``   scores, drum grooves or the progression library changed: the new pieces' JSON,
             which the page hands to ``lofi.replacePiece`` (in at the next bar, no reload); a
             stylesheet-only change sends the new stylesheet's URL instead;
  ``reload`` templates, JavaScript, the kit or lofi.yaml changed;
  ``failed`` the build failed: the page shows the error overlay and keeps playing the last
             good build; the next good build clears it.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import json
import logging
import os
import queue
import re
import threading
import time
import webbrowser
from pathlib import Path

from .config import Config, load_config
from .errors import LofiError
from .site.build import BuildCache, collect, render
from .site.output import MARKER, check_replaceable, commit

log = logging.getLogger("lofi_build")

SETTLE_SECONDS = 0.03  # saves closer together than this are one burst, rebuilt once
WATCH_STEP_MS = 20  # how often the watcher thread looks at what inotify has collected
PING_SECONDS = 20  # a comment on every idle stream, so dead connections are noticed
ASSETS = Path(__file__).parent / "serve_assets"
PIECE_LISTS = ("songs", "drums", "solos")  # manifest lists whose entries can be swapped in place
_ADDR = re.compile(r"^(?:\[(?P<v6>[0-9a-fA-F:]+)\]|(?P<host>[A-Za-z0-9.-]+)):(?P<port>[0-9]{1,5})$")
_CSS = re.compile(r"^assets/site\.[0-9a-f]+\.css$")


def parse_address(addr: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``[V6]:PORT``) -> (host, port)."""
    m = _ADDR.match(addr.strip())
    if not m or not 0 < int(m.group("port")) < 65536:
        raise ValueError(f"{addr!r} is not HOST:PORT, e.g. 127.0.0.1:8000")
    return m.group("v6") or m.group("host"), int(m.group("port"))


def write_changes(old: dict[str, bytes], new: dict[str, bytes], outdir: Path) -> list[str]:
    """Turn build/ (holding ``old``) into ``new`` in place: new files first (hashed names, nothing
    points at them yet), then each changed file by an atomic rename, then the files that went.
    A page that reads build/ meanwhile sees either manifest, and every file each one names."""
    changed = sorted(rel for rel, data in new.items() if old.get(rel) != data)
    changed.sort(key=lambda rel: rel in old)  # added before replaced
    for rel in changed:
        path = outdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.new")
        tmp.write_bytes(new[rel])
        os.replace(tmp, path)
    gone = sorted(set(old) - set(new))
    for rel in gone:
        path = outdir / rel
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == outdir:
                break
            try:
                parent.rmdir()
            except OSError:  # not empty
                break
    return changed + gone


def _inside(path: Path, folders: list[Path]) -> bool:
    return any(path.is_relative_to(folder) for folder in folders)


def _entries(manifest: dict) -> dict[tuple[str, str], dict]:
    return {(kind, e["id"]): e for kind in PIECE_LISTS for e in manifest.get(kind, [])}


def plan_push(sources: set[Path], config: Config, old: dict[str, bytes], new: dict[str, bytes]) -> dict | None:
    """What the open pages must do after a good build: ``None`` (nothing they see changed),
    ``{"reload": True}``, or ``{"pieces": [(kind, id, manifest entry)], "css": url | None}``."""
    if old == new:
        return None
    swappable = config.piece_dirs + config.stylesheet_dirs
    if not all(_inside(path, swappable) for path in sources):
        return {"reload": True}  # templates, JS, the kit, lofi.yaml: a new page
    before, after = json.loads(old[MARKER]), json.loads(new[MARKER])
    old_entries, new_entries = _entries(before), _entries(after)
    if old_entries.keys() != new_entries.keys():
        return {"reload": True}  # a piece came or went: the page's lists change
    swapped = [key for key, entry in new_entries.items() if entry != old_entries[key]]
    # Everything else in the manifest must be as it was, or the page would be out of date.
    unswapped = {kind: [old_entries[(kind, e["id"])] if (kind, e["id"]) in swapped else e for e in after[kind]]
                 for kind in PIECE_LISTS if kind in after}
    if {**after, **unswapped} != before:
        return {"reload": True}
    css = [rel for rel in new if _CSS.match(rel) and rel not in old]
    return {"pieces": [(kind, id_, new_entries[(kind, id_)]) for kind, id_ in swapped], "css": css[0] if css else None}


class ServeCache(BuildCache):
    """A ``BuildCache`` told which sources changed: after edits of songs, drum grooves or site_src
    only, the AI pool is the last one, without walking the training corpus to prove it."""

    def __init__(self):
        super().__init__()
        self.pool_may_change = True
        self._last_solos = None

    def solos(self, config, strict):
        if self.pool_may_change or self._last_solos is None:
            self._last_solos = super().solos(config, strict)
        return self._last_solos


class Site:
    """The served site: rebuilds on demand, writes what changed, and says what the pages must do."""

    def __init__(self, config_file: Path, strict: bool, push=None, superseded=None):
        self.config_file = Path(config_file).absolute()
        self.strict = strict
        self.cache = ServeCache()
        self.config: Config | None = None
        self.error: LofiError | None = None
        self.push = push or (lambda event, data: None)
        # True when more saves are already waiting: a failure then is likely a half-written file.
        self.superseded = superseded or (lambda: False)
        self.files: dict[str, bytes] | None = None  # what build/ holds (the last good build)
        self.version = ""  # names the last good build; a page that saw another one reloads
        self.builds = 0
        self._dirty: set[Path] = set()  # sources changed since the last good build
        self._lock = threading.Lock()

    @property
    def outdir(self) -> Path:
        return (self.config or Config(path=self.config_file)).build_dir

    @property
    def base_path(self) -> str:
        return self.config.base_path if self.config else "/"

    def rebuild(self, sources: set[Path] | None = None, seen: float | None = None) -> None:
        """Build again after ``sources`` changed (None: from scratch) and tell the pages;
        ``seen``: when the watcher saw the first change (epoch seconds, for the benchmark)."""
        with self._lock:
            started = time.perf_counter()
            if sources is None:
                self.files = None
            else:
                self._dirty |= sources
            layout = self.config or Config(path=self.config_file)
            self.cache.pool_may_change = sources is None or not all(
                _inside(p, layout.pool_free_dirs) for p in self._dirty)
            try:
                config = load_config(self.config_file, strict=self.strict)
                self.config = config
                outdir = config.build_dir
                check_replaceable(outdir, config.protected)
                files = render(config, collect(config, self.strict, self.cache), self.cache).files
                old = self.files
                if old is not None and self._intact(outdir, old):
                    written = write_changes(old, files, outdir)
                    plan = plan_push(self._dirty, config, old, files)
                else:
                    written = list(files) if commit(files, outdir) else []
                    plan = {"reload": True} if sources is not None else None
            except LofiError as e:
                self.error = e
                self.builds += 1
                for diagnostic in e.diagnostics:
                    log.error("%s", diagnostic)
                log.error("Build failed; the page shows the error until the files are fixed.")
                if not self.superseded():
                    self.push("failed", {"diagnostics": [str(d) for d in e.diagnostics]})
                return
            except OSError as e:  # build/ changed under us (another build?): start afresh next time
                self.files = None
                log.error("cannot write %s: %s; the next save rebuilds everything.", e.filename, e.strerror)
                return
            recovered = self.error is not None
            self.error = None
            self.files = files
            self._dirty = set()
            self.version = hashlib.sha256(files[MARKER] + files.get("index.html", b"")).hexdigest()[:12]
            self.builds += 1
            seconds = time.perf_counter() - started
            if plan is not None and plan.get("pieces") is not None:
                names = ", ".join(entry["url"] for _, _, entry in plan["pieces"]) or plan["css"] or "nothing"
                log.info("Rebuilt in %.2f s (%d files); hot swap: %s.", seconds, len(written), names)
            else:
                log.info("%s in %.2f s.", "Rebuilt" if written else "No changes", seconds)
        if plan is None:
            if recovered:
                self.push("swap", {"version": self.version, "pieces": [], "css": None})
        elif plan.get("reload"):
            self.push("reload", {"version": self.version})
        else:
            pieces = [{"kind": kind, "id": id_, "url": entry["url"], "entry": entry,
                       "piece": _Raw(files[entry["url"]].decode("utf-8"))} for kind, id_, entry in plan["pieces"]]
            css = self.base_path + plan["css"] if plan["css"] else None
            timing = {"seen": round(seen * 1000, 1) if seen else None, "built": round(time.time() * 1000, 1)}
            self.push("swap", {"version": self.version, "pieces": pieces, "css": css, "timing": timing})

    def _intact(self, outdir: Path, files: dict[str, bytes]) -> bool:
        """build/ still holds our last build (nobody else rebuilt it meanwhile)."""
        try:
            return (outdir / MARKER).read_bytes() == files[MARKER]
        except OSError:
            return False


class _Raw(str):
    """JSON text spliced into a message as it is (a piece is already compact JSON)."""


def event_text(event: str, data: dict) -> str:
    """One Server-Sent Event; the data is one line of JSON (pieces go in verbatim)."""
    raws: list[str] = []

    def default(value):
        raise TypeError(value)

    def mark(value):
        if isinstance(value, _Raw):
            raws.append(value)
            return f"\0RAW{len(raws) - 1}\0"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(data), separators=(",", ":"), default=default)
    text = re.sub(r'"\\u0000RAW(\d+)\\u0000"', lambda m: raws[int(m.group(1))], text)
    return f"event: {event}\ndata: {text}\n\n"


class Hub:
    """The open pages' event streams; ``send`` may be called from any thread."""

    def __init__(self, loop):
        self.loop = loop
        self.streams: set = set()

    def send(self, event: str, data: dict) -> None:
        text = event_text(event, data)
        self.loop.add_callback(self._send, text)

    def _send(self, text: str) -> None:
        for stream in list(self.streams):
            stream.put_nowait(text)


class Watcher:
    """Watches the sources with inotify (watchfiles) and rebuilds once per settled burst."""

    def __init__(self, site: Site):
        self.site = site
        self.stopping = threading.Event()
        self.changes: queue.Queue[tuple[float, set[Path]]] = queue.Queue()
        self.threads: list[threading.Thread] = []
        site.superseded = lambda: not self.changes.empty()

    def start(self) -> None:
        config = self.site.config_file
        layout = self.site.config or Config(path=config)
        trees = [p for p in layout.sources if p != config and p.is_dir()]
        if trees:
            self._spawn(trees, recursive=True, keep=lambda path: True)
        # The config file's folder, not the file: an editor that saves by renaming would end a
        # watch on the file itself.
        self._spawn([config.parent], recursive=False, keep=lambda path: path == config)
        builder = threading.Thread(target=self._build_loop, daemon=True, name="lofi-builder")
        builder.start()
        self.threads.append(builder)

    def stop(self) -> None:
        self.stopping.set()

    def _spawn(self, paths, recursive, keep) -> None:
        import watchfiles

        def run():
            for batch in watchfiles.watch(*paths, recursive=recursive, step=WATCH_STEP_MS, debounce=400,
                                          stop_event=self.stopping, raise_interrupt=False):
                changed = {Path(p) for _, p in batch if keep(Path(p))}
                if changed:
                    self.changes.put((time.time(), changed))

        thread = threading.Thread(target=run, daemon=True, name="lofi-watcher")
        thread.start()
        self.threads.append(thread)

    def _build_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                seen, changed = self.changes.get(timeout=1)
            except queue.Empty:
                continue
            while True:  # let the burst finish
                try:
                    changed |= self.changes.get(timeout=SETTLE_SECONDS)[1]
                except queue.Empty:
                    break
            # Saves that arrive from here on wait in the queue: the next turn rebuilds them.
            self.site.rebuild(changed, seen)


def make_app(site: Site, hub: Hub | None = None, livereload: bool = True):
    """The tornado application: the site under its base path, the event stream, the overlay."""
    from tornado import iostream, queues, util, web

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

    class EventsHandler(web.RequestHandler):
        """One page's Server-Sent Events stream."""

        async def get(self):
            self.set_header("Content-Type", "text/event-stream")
            self.set_header("Cache-Control", "no-cache")
            self.stream = queues.Queue()
            hub.streams.add(self.stream)
            try:
                self.write(event_text("hello", {"version": site.version, "basePath": site.base_path}))
                if site.error is not None:
                    self.write(event_text("failed", {"diagnostics": [str(d) for d in site.error.diagnostics]}))
                await self.flush()
                while True:
                    try:
                        text = await self.stream.get(timeout=datetime.timedelta(seconds=PING_SECONDS))
                    except util.TimeoutError:
                        text = ": ping\n\n"
                    if text is None:
                        break
                    self.write(text)
                    await self.flush()
            except iostream.StreamClosedError:
                pass
            finally:
                hub.streams.discard(self.stream)

        def on_connection_close(self):
            if getattr(self, "stream", None) is not None:
                self.stream.put_nowait(None)

    def inject(text: str) -> str:
        tags = []
        if livereload:
            tags.append(f'<script type="module" src="/__lofi__/dev.js" data-build="{site.version}"></script>')
            tags.append('<link rel="stylesheet" href="/__lofi__/overlay.css">')
        elif site.error is not None:
            tags.append('<link rel="stylesheet" href="/__lofi__/overlay.css">')
        extra = "".join(tags)
        if site.error is not None:
            lines = "\n".join(html.escape(str(d)) for d in site.error.diagnostics)
            text = re.sub(
                r"(<body[^>]*>)",
                lambda m: m.group(1) + '<div id="lofi-build-error" role="alert"><strong>lofi-build: the last '
                'build failed; the page keeps the last good build until the file is fixed.</strong><pre>'
                + lines + "</pre></div>",
                text, count=1,
            )
        return re.sub(r"</head>", lambda m: extra + m.group(0), text, count=1) if extra else text

    class Injector(web.OutputTransform):
        """Adds the dev client (and the error overlay) to every HTML page."""

        def transform_first_chunk(self, status_code, headers, chunk, finishing):
            if headers.get("Content-Type", "").startswith("text/html") and status_code == 200:
                chunk = inject(chunk.decode("utf-8")).encode("utf-8")
                if "Content-Length" in headers:
                    headers["Content-Length"] = str(len(chunk))
            return status_code, headers, chunk

    class AssetHandler(web.StaticFileHandler):
        def set_extra_headers(self, path):
            self.set_header("Cache-Control", "no-cache")

    routes = [(r"/__lofi__/(dev\.js|overlay\.css)", AssetHandler, {"path": str(ASSETS)})]
    if hub is not None:
        routes.append((r"/__lofi__/events", EventsHandler))
    routes.append((r"/(.*)", SiteHandler))
    return web.Application(routes, transforms=[Injector])


def serve(config_file, host: str = "127.0.0.1", port: int = 8000, *, open_browser=False,
          livereload=True, strict=False) -> None:
    from tornado import ioloop

    loop = ioloop.IOLoop.current()
    hub = Hub(loop)
    site = Site(config_file, strict, push=hub.send if livereload else None)
    site.rebuild()
    if site.config is None:  # the config itself is broken: nothing to serve yet
        raise site.error
    app = make_app(site, hub if livereload else None, livereload)
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
        watcher.stop()
