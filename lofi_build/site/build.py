"""The site build: compile content, render the templates, fingerprint assets, swap build/ in atomically."""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .. import __version__
from ..config import Config, Theme, as_config, as_dict
from ..errors import Collector, ContentError, LofiError
from ..music.chord_table import chord_table
from ..music.midi import midi_bytes
from ..music.transport import Meter, parse_ticks
from ..samples.manifest import Kit, load_kits, publish
from ..scorefile import compile_file
from ..slug import slug
from . import csp, worker
from .facts import facts
from .icons import ICON_SIZES, icon_png
from .output import Output, check_replaceable, commit, read_bytes

log = logging.getLogger("lofi_build")

SCORE_SUFFIXES = (".yaml", ".yml")


def dumps(data) -> bytes:
    """JSON as every build writes it: sorted keys, compact, UTF-8, so equal data gives equal bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass
class Piece:
    """A compiled score file: a song or a drum groove."""

    id: str
    path: Path
    song: dict


@dataclass
class Content:
    songs: list[Piece] = field(default_factory=list)
    drums: list[Piece] = field(default_factory=list)
    kit: Kit | None = None  # None: the project has no sound kit, the player uses synths
    solos: list = field(default_factory=list)  # model.pool.Solo, when ai.pool_size > 0
    model: object = None  # model.export.Exported: the weights live solos run in the browser


_CSS_TOKENS = re.compile(r'("(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')|/\*.*?\*/|\n[ \t]*(?:\n[ \t]*)*', re.S)


def compact_css(data: bytes) -> bytes:
    """The stylesheet as the browser needs it: its comments and each line's indentation left out (quoted
    strings kept as they are). It is fetched before the first sound, where every byte counts."""
    def keep(m: re.Match) -> str:
        if m.group(1):
            return m.group(1)
        return "\n" if m.group(0).startswith("\n") else ""
    return _CSS_TOKENS.sub(keep, data.decode("utf-8")).strip().encode("utf-8") + b"\n"


def compact_js(rel: str, data: bytes) -> bytes:
    """A module of the player as the browser needs it: rJSmin leaves out its comments and the whitespace that
    means nothing (licence comments, /*! ... */, kept). The theme's sources stay commented; the page fetches
    about 40% fewer bytes of them, most before the first sound."""
    if not rel.endswith(".js"):
        return data
    import rjsmin

    return rjsmin.jsmin(data.decode("utf-8"), keep_bang_comments=True).encode("utf-8") + b"\n"


class BuildCache:
    """What a rebuild can reuse (``lofi-build serve`` keeps one): compiled scores keyed by
    their bytes, so editing one song recompiles that song only."""

    def __init__(self):
        self._scores: dict[str, tuple[bytes, bool, dict]] = {}
        self._envs: dict[str, jinja2.Environment] = {}
        self._kit: tuple | None = None
        self._pool: tuple | None = None
        self._midi: dict[bytes, bytes] = {}
        self._json: dict[int, tuple[dict, bytes]] = {}
        self._files: dict[str, tuple] = {}
        self._model: tuple | None = None

    def dumps(self, song: dict) -> bytes:
        """A compiled piece's JSON, written again only for a new piece (compiled pieces are kept)."""
        hit = self._json.get(id(song))
        if hit is None or hit[0] is not song:
            if len(self._json) > 1024:
                self._json.clear()
            hit = self._json[id(song)] = (song, dumps(song))
        return hit[1]

    def add_file(self, out: Output, src: Path, rel: str, transform=None) -> str:
        """``out.add_file``, with the file's bytes and hashed name kept while its stat is unchanged;
        ``transform(bytes) -> bytes``, if given, is applied to what is published."""
        try:
            st = src.stat()
        except OSError:
            return out.add_file(src, rel)  # reports the error
        key = (rel, st.st_mtime_ns, st.st_size, st.st_ino)
        hit = self._files.get(str(src))
        if hit is None or hit[0] != key:
            data = read_bytes(src)
            if transform:
                data = transform(data)
            hit = self._files[str(src)] = (key, data, out.add_hashed(rel, data))
        return out.add(hit[2], hit[1])

    def solos(self, config: Config, strict: bool) -> list:
        """The AI pool, regenerated only when the model package says it would change."""
        if config.ai.pool_size == 0:
            return []
        from .. import model

        key = model.solos_key(config)
        if self._pool is None or self._pool[0] != key:
            result = model.solos(config, strict=strict)
            self._pool = (model.solos_key(config), result.solos)  # keyed after: a first build may have trained
        return self._pool[1]

    def model(self, config: Config):
        """The checkpoint exported for the browser, made again only when the pool's checkpoint changed."""
        from ..model import export

        key = self._pool[0] if self._pool else None
        if self._model is None or self._model[0] != key:
            self._model = (key, export.site_export(config))
        return self._model[1]

    def midi(self, song_json: bytes, song: dict) -> bytes:
        """A piece's MIDI file, made again only when its JSON changed."""
        key = hashlib.sha256(song_json).digest()
        if key not in self._midi:
            if len(self._midi) > 1024:  # a long serve session: forget old edits
                self._midi.clear()
            self._midi[key] = midi_bytes(song)
        return self._midi[key]

    def kit(self, samples_yamls: list[Path], strict: bool) -> Kit | None:
        """The sound kit (the package's, with the project's laid over it), re-read only when a samples.yaml
        or one of its files changed."""
        key = (tuple((path, path.read_bytes()) for path in samples_yamls), strict)
        hit = self._kit
        if hit is not None and hit[0] == key:
            stamps = [(a.path, a.path.stat().st_mtime_ns, a.path.stat().st_size) for a in hit[1].files]
            if stamps == hit[2]:
                return hit[1]
        kit = load_kits(samples_yamls, strict=strict)
        if kit is None:
            return None
        stamps = [(a.path, a.path.stat().st_mtime_ns, a.path.stat().st_size) for a in kit.files]
        self._kit = (key, kit, stamps)
        return kit

    def templates(self, folders: list[Path]) -> jinja2.Environment:
        """One Jinja2 environment per template search path; it re-reads templates that changed."""
        key = "\0".join(map(str, folders))
        if key not in self._envs:
            self._envs[key] = _template_env(folders)
        return self._envs[key]

    def compile(self, path: Path, strict: bool) -> dict:
        digest = hashlib.sha256(path.read_bytes()).digest()
        hit = self._scores.get(str(path))
        if hit is None or hit[:2] != (digest, strict):
            hit = (digest, strict, compile_file(path, strict=strict))
            self._scores[str(path)] = hit
        return hit[2]


def score_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SCORE_SUFFIXES and not p.name.startswith("."))


def compile_folder(folder: Path, strict: bool, cache: BuildCache, errors: Collector) -> list[Piece]:
    pieces: list[Piece] = []
    seen: dict[str, Path] = {}
    for path in score_files(folder):
        piece_id = slug(path.stem)
        if piece_id in seen:
            errors.add(ContentError(f"two files would both be called '{piece_id}' (the other is {seen[piece_id].name})", path))
            continue
        seen[piece_id] = path
        try:
            pieces.append(Piece(piece_id, path, cache.compile(path, strict)))
        except LofiError as e:
            errors.add(e)
        except OSError as e:
            errors.add(ContentError(f"cannot read file: {e.strerror or e}", path))
    return pieces


def compile_folders(folders: list[Path], strict: bool, cache: BuildCache, errors: Collector) -> list[Piece]:
    """The scores of ``folders`` laid over each other: a later folder's piece replaces an earlier one's of the
    same id (in its place), others follow."""
    pieces: dict[str, Piece] = {}
    for folder in folders:
        pieces.update((piece.id, piece) for piece in compile_folder(folder, strict, cache, errors))
    return list(pieces.values())


def collect(config: Config, strict: bool, cache: BuildCache) -> Content:
    """Compile every score; every problem of every file is reported together."""
    errors = Collector()
    songs_dir = config.songs_dir
    content = Content(
        songs=compile_folder(songs_dir, strict, cache, errors),
        drums=compile_folders(config.drums_dirs, strict, cache, errors),
    )
    try:
        content.kit = cache.kit(config.samples_yamls, strict)
    except LofiError as e:
        errors.add(e)
    errors.raise_if_any()
    if not content.songs:
        raise ContentError("no songs found: add a score with `lofi-build new-song NAME`", songs_dir)
    content.solos = cache.solos(config, strict)
    content.model = cache.model(config)
    return content


def _piece_entry(out: Output, folder: str, piece: Piece, cache: BuildCache) -> dict:
    """A piece in the manifest: its id and title and where its files are. Tempo, meter, loop,
    swing, key and instruments are read from the piece itself (one fact, one place)."""
    song = piece.song
    lofi = song["lofi"]
    data = cache.dumps(song)
    entry = {
        "id": piece.id,
        "title": song["header"]["name"],
        "url": out.add_hashed(f"{folder}/{piece.id}.json", data),
        "midi": out.add_hashed(f"{folder}/{piece.id}.mid", cache.midi(data, song)),
    }
    for extra in ("composer", "description"):
        if extra in lofi:
            entry[extra] = lofi[extra]
    return entry


def track_rows(entries: list[dict], pieces: dict) -> list[dict]:
    """What the page's track list shows of each song or solo, read from its piece (a solo's progression too:
    its row says what it is)."""
    rows = []
    for entry in entries:
        song = pieces[entry["id"]]
        keys = song["header"]["keySignatures"]
        rows.append({
            **entry,
            "bpm": song["header"]["tempos"][0]["bpm"],
            "key": f"{keys[0]['key']} {keys[0]['scale']}" if keys else "",
            "instruments": sorted({p["instrument"] for p in song["lofi"]["parts"]}),
            "progression": song["lofi"].get("progression", ""),
        })
    return rows


def _solo_entry(out: Output, solo, cache: BuildCache) -> dict:
    """A solo is listed like a song, plus how it was made: seed, temperature, top-k and its stats."""
    lofi = solo.song["lofi"]
    entry = _piece_entry(out, "solos", Piece(solo.id, Path(f"{solo.id}.json"), solo.song), cache)
    entry.update({"seed": lofi["seed"], "temperature": lofi["temperature"], "topK": lofi["topK"],
                  "stats": lofi["stats"]})
    return entry


def libraries(theme: Theme) -> list[dict]:
    """The vendored libraries for the credits panel, from vendor/vendor.json (name, version,
    licence, and the licence file shipped beside the library)."""
    path = theme.file("vendor/vendor.json")
    if not path.is_file():
        return []
    try:
        pins = json.loads(read_bytes(path))
    except ValueError as e:
        raise ContentError(f"invalid JSON: {e}", path) from None
    names = {"tone": "Tone.js", "p5": "p5.js", "vader": "VADER sentiment lexicon"}
    rows = []
    for key, pin in sorted(pins.items()):
        name, _, version = (pin.get("npm") or pin.get("pypi") or key).rpartition("@")
        # The library's own licence (LICENSE.md) before bundled notices (Tone.js.LICENSE.txt).
        licences = sorted((d for d in pin.get("files", {}).values() if "LICENSE" in d.upper()),
                          key=lambda d: (not d.rsplit("/", 1)[-1].upper().startswith("LICENSE"), d))
        licence_file = licences[0] if licences else ""
        rows.append({
            "name": names.get(key, name or key),
            "version": version,
            "license": pin.get("license", ""),
            "licence_url": f"assets/vendor/{licence_file}" if licence_file else "",
            "note": pin.get("note", ""),
        })
    return rows


def _progressions(config: Config, out: Output, library: dict | None) -> str:
    """The progression library, the mood table and VADER's lexicons as one asset the page fetches
    only when the listener makes a solo or types a mood; "" when the project has no library."""
    from ..music.mood import library_rows
    from ..progressions import mood_table

    if not library:
        return ""
    data = {"library": library_rows(library)}
    table = mood_table(config)
    if table is not None:
        lexicon = config.theme.file("vendor/vader/vader_lexicon.txt")
        emoji = config.theme.file("vendor/vader/emoji_utf8_lexicon.txt")
        # URLs relative to the page, like every URL in the manifest.
        data["mood"] = {
            "table": table,
            "lexicon": out.add_file(lexicon, "assets/vendor/vader_lexicon.txt"),
            "emoji": out.add_file(emoji, "assets/vendor/emoji_utf8_lexicon.txt"),
        }
    return out.add_hashed("assets/progressions.json", dumps(data))


_STATIC_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^"';]*?\bfrom\s*["'](\.{1,2}/[^"']+)["']|^\s*import\s*["'](\.{1,2}/[^"']+)["']""",
                            re.M)


def static_imports(files: dict[str, Path], entry: str) -> list[str]:
    """The modules ``entry`` imports statically, directly or not, as sorted paths inside the folder
    ``files`` maps (path inside it -> file); dynamic ``import()`` and workers are left out."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        rel = todo.pop()
        if rel not in files:
            raise ContentError(f"no such module: {rel}", f"js/{rel}")
        try:
            text = files[rel].read_text(encoding="utf-8")
        except OSError as e:
            raise ContentError(f"cannot read module: {e.strerror or e}", files[rel]) from None
        for m in _STATIC_IMPORT.finditer(text):
            target = (Path(rel).parent / (m.group(1) or m.group(2))).as_posix()
            target = posixpath.normpath(target)
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return sorted(seen - {entry})


def _template_env(templates: list[Path]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(t) for t in templates]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(env: jinja2.Environment, name: str, **context) -> bytes:
    """A page, each line's indentation left out (the templates have no <pre> or <textarea>): the page is
    fetched before the first sound, where every byte counts."""
    try:
        return re.sub(r"\n[ \t]+", "\n", env.get_template(name).render(**context)).encode("utf-8")
    except jinja2.TemplateSyntaxError as e:
        raise ContentError(f"template error: {e.message}", e.filename or name, e.lineno) from None
    except jinja2.TemplateNotFound as e:
        raise ContentError(f"template not found: {e.name}", env.loader.searchpath[0]) from None
    except jinja2.UndefinedError as e:
        raise ContentError(f"template error: {e.message}", name) from None


def render(config: Config, content: Content, cache: BuildCache | None = None) -> Output:
    """Every file of the site, in memory."""
    cache = cache or BuildCache()
    theme = config.theme
    out = Output()
    js = theme.tree("js")
    if not js:
        raise ContentError("cannot read folder: No such file or directory", theme.dirs("js")[0])
    js_dir = out.add_tree(js, "assets/js", compact_js)
    assets = {
        "css": cache.add_file(out, theme.file("css/site.css"), "assets/site.css", compact_css),
        "station_css": cache.add_file(out, theme.file("css/station.css"), "assets/station.css", compact_css),
        "js": js_dir + "/main.js",
        # Every module main.js imports statically, so the browser fetches them in parallel, not one
        # import at a time (modules loaded on demand and a worker's scripts are fetched when needed).
        "modules": [f"{js_dir}/{rel}" for rel in static_imports(js, "main.js")],
        "tone": cache.add_file(out, theme.file("vendor/tone/Tone.js"), "assets/vendor/Tone.js"),
        "icon": cache.add_file(out, theme.file("icon.svg"), "assets/icon.svg"),
        # PNG for lock screens (Media Session) and the web app manifest: {size: URL}.
        "icons": {size: out.add_hashed(f"assets/icon-{size}.png", icon_png(size)) for size in ICON_SIZES},
        "webmanifest": worker.WEB_MANIFEST,
        "theme": worker.THEME,
    }
    p5 = theme.file("vendor/p5/p5.min.js")
    if p5.is_file():  # loaded by the player only after the first sound
        assets["p5"] = cache.add_file(out, p5, "assets/vendor/p5.min.js")
    else:
        assets["p5"] = ""
    for rel, licence in theme.tree("vendor").items():
        if "LICENSE" in licence.name:
            out.add(f"assets/vendor/{licence.parent.name}/{licence.name}", read_bytes(licence))

    manifest = {
        "generator": f"lofi-build {__version__}",
        "site": {
            "title": config.title,
            "description": config.description,
            "basePath": config.base_path,
            "bpm": config.bpm,
            "loops": as_dict(config.loops),
            # Ticks at the site's 4/4 (the player reads no TransportTime strings).
            "quoteStartTicks": parse_ticks(config.quote_start, Meter(), config.bpm),
        },
        "facts": facts(config),  # what the page and the generator's worker read instead of restating it
        "songs": [_piece_entry(out, "songs", p, cache) for p in content.songs],
        "drums": [_piece_entry(out, "drums", p, cache) for p in content.drums],
        "solos": [_solo_entry(out, s, cache) for s in content.solos],
        # What the page reads chord symbols with, fetched when the listener first makes a solo.
        "chords": out.add_hashed("assets/chords.json", dumps(chord_table())),
        "ambience": [],
        "quotes": [],
        "instruments": [],
        "credits": [],
    }
    from ..progressions import library as library_of
    from ..station import station_data

    library = library_of(config)  # the package's, with the project's entries laid over it
    progressions = _progressions(config, out, library)
    if progressions:
        manifest["progressions"] = progressions
    # Station mode's word lists and the library's home keys, fetched when the station starts.
    manifest["station"] = out.add_hashed("assets/station.json", dumps(station_data(config, library)))
    if content.model is not None:  # fetched by the player only when the listener asks for a new solo
        manifest["model"] = content.model.publish(out)
    if content.kit is not None:
        manifest.update(publish(content.kit, lambda audio: cache.add_file(out, audio.path, "assets/samples/" + audio.inside)))
    out.add("manifest.json", dumps(manifest))

    env = cache.templates(theme.dirs("templates"))
    pieces = {p.id: p.song for p in content.songs} | {s.id: s.song for s in content.solos}
    context = {
        "site": manifest["site"], "manifest": manifest, "assets": assets, "libraries": libraries(theme),
        "songs": track_rows(manifest["songs"], pieces), "solos": track_rows(manifest["solos"], pieces),
        "csp": csp.meta_policy(csp.policy(config.netlify_toml)),
    }
    out.add("index.html", _render(env, "index.html", root="", **context))
    # The 404 page is served at any depth, so its links start from the base path.
    out.add("404.html", _render(env, "404.html", root=config.base_path, **context))
    out.add(worker.WEB_MANIFEST, worker.web_manifest(config.title, config.description, assets["icons"], assets["icon"]))
    out.add(worker.WORKER, worker.service_worker(read_bytes(theme.file(worker.WORKER)), out.files))  # last: it lists the rest
    return out


@dataclass
class BuildResult:
    outdir: Path
    changed: bool
    songs: int
    drums: int
    samples: int
    seconds: float
    solos: int = 0


def build(config: Config, outdir: Path | None = None, strict: bool = False, cache: BuildCache | None = None) -> BuildResult:
    """Build the site for ``config`` into ``outdir`` (default: build/ beside the config)."""
    started = time.perf_counter()
    outdir = Path(outdir) if outdir else config.build_dir
    check_replaceable(outdir, config.protected)
    cache = cache or BuildCache()
    content = collect(config, strict, cache)
    out = render(config, content, cache)
    changed = commit(out.files, outdir)
    samples = len(content.kit.files) if content.kit else 0
    return BuildResult(outdir, changed, len(content.songs), len(content.drums), samples, time.perf_counter() - started,
                       len(content.solos))


def build_site(config: Config | str | Path, outdir=None, strict=False, seed=None, base_path=None) -> BuildResult:
    """``lofi-build site``: build with the config (or the config file), and say what happened."""
    config = as_config(config, strict=strict, seed=seed, base_path=base_path)
    result = build(config, outdir, strict)
    where = result.outdir
    def count(n: int, what: str) -> str:
        return f"{n} {what}" if n == 1 else f"{n} {what}s"

    log.info("%s %s in %.2f s: %s, %s, %s, %s.", "Built" if result.changed else "Unchanged:", where, result.seconds,
             count(result.songs, "song"), count(result.solos, "AI solo"), count(result.drums, "drum groove"),
             count(result.samples, "sample"))
    log.info("Preview it with `lofi-build serve` (or `python3 -m http.server -d %s`).", where)
    return result


__all__ = ["build", "build_site", "BuildResult", "BuildCache"]
