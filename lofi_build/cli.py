"""The command line: thin click commands, each calling one function of a module."""

from __future__ import annotations

import json
import logging
import sys
import traceback
import unicodedata
from pathlib import Path

import click

from . import __version__
from .config import AI, DEFAULT_CONFIG, Config, Loops, bounds, load_config, schema_of
from .errors import ExitCode, LofiError
from .model import presets
from .schema import DOCUMENTS

log = logging.getLogger("lofi_build")


class Project:
    """What the commands share (``ctx.obj``): the config file, and its config loaded once when first asked for."""

    def __init__(self):
        self.config_file = Path(DEFAULT_CONFIG)
        self._config: Config | None = None

    @property
    def layout(self) -> Config:
        """The project's paths (``songs_dir``, ``samples_yaml``...) without reading the config file."""
        return Config(path=self.config_file)

    def config(self, strict: bool = False, **overrides) -> Config:
        """The config file, loaded and checked once for the command (``overrides``: its CLI options)."""
        if self._config is None:
            self._config = load_config(self.config_file, strict=strict, **overrides)
        return self._config


pass_project = click.make_pass_decorator(Project, ensure=True)


def _remember_config_file(ctx, _param, value):
    ctx.ensure_object(Project).config_file = value
    return value


config_option = click.option(
    "-f", "--config-file", "config_file", default=DEFAULT_CONFIG, show_default=True,
    type=click.Path(dir_okay=False, path_type=Path), help="The site's config file.",
    callback=_remember_config_file,
)
strict_option = click.option("--strict", is_flag=True, help="Treat warnings (e.g. unknown keys) as errors.")


def _set_verbosity(_ctx, _param, value):
    if value is not None:  # the group set the default level; -v and -q share this callback
        log.setLevel(value)
    return value


def _verbosity(f):
    f = click.option("-v", "--verbose", "verbosity", flag_value=logging.DEBUG, callback=_set_verbosity,
                     help="Say more.")(f)
    return click.option("-q", "--quiet", "verbosity", flag_value=logging.WARNING, callback=_set_verbosity,
                        help="Only warnings and errors.")(f)


def setup_logging(level: int | None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level or logging.INFO)
    log.propagate = False


class LofiGroup(click.Group):
    """Turns user errors into ``PATH:LINE:COL: error: ...`` lines and exit 1, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LofiError as e:
            if ctx.params.get("debug"):
                traceback.print_exc()
            for diagnostic in e.diagnostics:
                click.echo(str(diagnostic), err=True)
            ctx.exit(ExitCode.ERROR)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(cls=LofiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="lofi-build")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks for user errors.")
@click.pass_context
def cli(ctx, debug):
    """Bake a lofi hip-hop web player: songs, an AI solo pool and a static site."""
    setup_logging(None)
    ctx.ensure_object(Project)


@cli.command()
@config_option
@click.option("-d", "--site-dir", "outdir", type=click.Path(file_okay=False, path_type=Path),
              help="Output directory (default: build/ beside the config).")
@strict_option
@click.option("--seed", type=click.IntRange(*bounds(Config, "seed")), help="Seed for every random choice (overrides lofi.yaml).")
@click.option("--base-path", help="URL path the site is served from, e.g. /lofi/ (overrides lofi.yaml).")
@_verbosity
@pass_project
def site(project, config_file, outdir, strict, seed, base_path, verbosity):
    """Build the site into build/."""
    from .site.build import build_site

    build_site(project.config(strict=strict, seed=seed, base_path=base_path), outdir=outdir, strict=strict)


@cli.command()
@config_option
@click.option("-a", "--dev-addr", "addr", default="127.0.0.1:8000", show_default=True, metavar="HOST:PORT",
              help="Address to serve on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@click.option("--no-livereload", is_flag=True, help="Rebuild on change, but do not reload the browser.")
@strict_option
@_verbosity
def serve(config_file, addr, open_browser, no_livereload, strict, verbosity):
    """Build, serve and rebuild on every change, reloading the browser."""
    from .serve import parse_address, serve as run_server

    try:
        host, port = parse_address(addr)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="'-a' / '--dev-addr'") from None
    # serve reads the config file again on every change to it, so it gets the file.
    run_server(config_file, host, port, open_browser=open_browser, livereload=not no_livereload, strict=strict)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here.")
@strict_option
def score(file, output, strict):
    """Compile one YAML score and print its Tone.js JSON."""
    from .scorefile import compile_file

    text = json.dumps(compile_file(file, strict=strict), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def _one_line_title(schema, param, value):
    """A title as ``schema`` (lofi.yaml's or a score's) reads its 'title', and on one line; else a usage error."""
    if value is None:
        return None
    from .schema import Invalid

    try:
        value = schema.check_value("title", value, label="the title")
    except Invalid as e:
        raise click.BadParameter(str(e), param=param) from None
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise click.BadParameter("the title must be one line without control characters", param=param)
    return value.strip()


def _station_title(_ctx, param, value):
    return _one_line_title(schema_of(Config), param, value)


def _song_title(_ctx, param, value):
    from .music.score import HEADER

    return _one_line_title(HEADER, param, value)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--title", callback=_station_title, help="The station's title (default: the folder's name in words).")
def new(path, title):
    """Make a new station in PATH (a new or empty folder): lofi.yaml, a song, a README and deploy files."""
    from .scaffold import new_station

    new_station(path, title)
    click.echo(f"Made a station in {path}. Next:  cd {path} && lofi-build serve")


@cli.command("new-song")
@click.argument("title", callback=_song_title)
@config_option
@click.option("--force", is_flag=True, help="Overwrite an existing song.")
@pass_project
def new_song(project, title, config_file, force):
    """Write a commented starter score titled TITLE to content/songs/ (its file name made from the title)."""
    from .scaffold import new_song as write_song

    path = write_song(project.layout, title, force=force)
    click.echo(f"Wrote {path}. Edit it, then run: lofi-build serve")


@cli.command()
@config_option
@click.option("--seed", type=click.IntRange(*bounds(Config, "seed")), help="Seed for every random choice (overrides lofi.yaml).")
@click.option("--base-path", help="URL path the site will be served from (overrides lofi.yaml).")
@_verbosity
@pass_project
def check(project, config_file, seed, base_path, verbosity):
    """Build strictly into a temp dir and verify links and the Content-Security-Policy."""
    from .site.check import check_site

    check_site(project.config(strict=True, seed=seed, base_path=base_path))


@cli.command()
@config_option
@click.option("--only", multiple=True, metavar="KIND/ID",
              help="Re-bake only this item, e.g. ambience/rain, a kind (quote) or an id (rhodes). Repeatable.")
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False, path_type=Path),
              help="Bake into this folder (with its own samples.yaml) instead of content/samples/.")
@strict_option
@_verbosity
@pass_project
def samples(project, config_file, only, outdir, strict, verbosity):
    """Re-bake the sound kit (instruments, drums, ambience, quotes) from content/samples/samples.yaml (the packaged kit's without one)."""
    from .samples.bake import bake_kit

    # The project's own kit file when it has one (the last laid), else the package's.
    report = bake_kit(project.layout.samples_yamls[-1], outdir=outdir, only=only, strict=strict)
    log.info("Baked %d files (%.1f MB) into %s in %.1f s.", len(report.files), report.bytes / 1e6,
             report.outdir, report.seconds)


@cli.command()
@config_option
@click.option("--preset", type=click.Choice(presets.NAMES + presets.OLD_NAMES),
              help=f"Network to train: {', '.join(presets.NAMES)} (default: model.preset).")
@click.option("--epochs", type=click.IntRange(1, 10_000), help="Maximum epochs (default: the preset's; default: model.epochs).")
@click.option("--resume", is_flag=True, help="Continue the checkpoint of the same network and corpus from its last epoch.")
@click.option("--force", is_flag=True, help="Replace the checkpoint of the same fingerprint even if this run is worse.")
@click.option("--distribute", type=click.Choice(["mirrored", "multiworker"]),
              help="tf.distribute: every local device (mirrored) or the workers in TF_CONFIG (multiworker).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), help="Processes encoding the corpus (default: every core).")
@strict_option
@_verbosity
@pass_project
def train(project, config_file, preset, epochs, resume, force, distribute, jobs, strict, verbosity):
    """Train the model on model.corpus and write its checkpoint (needs the [train] extra)."""
    from .model.train import run_training

    run_training(project.config(strict=strict), preset=preset, epochs=epochs, resume=resume, force=force,
                 strict=strict, progress=verbosity != logging.WARNING, distribute=distribute, jobs=jobs)


def _progression(ctx, param, value):
    """--progression read as the pool reads ai.progressions; a bad one is a usage error naming bar and symbol."""
    if value is None:
        return None
    from .music.progression import ProgressionError, parse_progression

    try:
        parse_progression(value)
    except ProgressionError as e:
        click.echo(f"error: --progression: {e}", err=True)
        ctx.exit(ExitCode.USAGE)
    return value


@cli.command()
@config_option
@click.option("--progression", callback=_progression, metavar="CHORDS",
              help='Chords to play over, e.g. "Dm9 G13 | Cmaj9": bars split by |, chords in a bar split it evenly; '
                   "repeats to fill the bars (default: ai.progressions in all 12 keys).")
@click.option("-n", "--count", type=click.IntRange(1, 1024), help="How many solos (default: ai.pool_size).")
@click.option("--bars", type=click.IntRange(*bounds(Loops, "solos")), help="Bars per solo (default: loops.solos).")
@click.option("--temperature", type=click.FloatRange(*bounds(AI, "temperature")), help="Sampling temperature; 0 = argmax (default: ai.temperature).")
@click.option("--top-k", "top_k", type=click.IntRange(*bounds(AI, "top_k")), help="Sample among the k likeliest tokens; 0 = all.")
@click.option("--seed", type=click.IntRange(*bounds(Config, "seed")), help="First seed (default: lofi.yaml's seed).")
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the .mid/.json files (default: solos/ beside the config).")
@strict_option
@_verbosity
@pass_project
def generate(project, config_file, progression, count, bars, temperature, top_k, seed, outdir, strict, verbosity):
    """Generate AI solos (melody, chords and bass) as MIDI files and Tone.js JSON, with the matching checkpoint."""
    from .model.pool import generate_files

    generate_files(project.config(strict=strict), progression=progression, count=count, bars=bars,
                   temperature=temperature, top_k=top_k, seed=seed, outdir=outdir, strict=strict)


@cli.command()
@config_option
@click.argument("text")
@pass_project
@click.pass_context
def mood(ctx, project, config_file, text):
    """Print the mode, progression, tempo and temperature a sentence asks for (as the player's mood box)."""
    from .music.mood import NoMoodError
    from .progressions import mood_of

    try:
        chosen = mood_of(text, project.layout)
    except NoMoodError as e:  # a bad command line, as a bad --progression is
        click.echo(f"error: TEXT: {e}", err=True)
        ctx.exit(ExitCode.USAGE)
    click.echo(json.dumps(chosen.as_dict(), ensure_ascii=False))


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--markers", is_flag=True, help="Also show the start/end tokens around each part, as the model sees them.")
@click.option("--chords", is_flag=True,
              help="As the lofi network reads the file: melody parts, each event with its position in the bar "
                   "(twelfths of a quarter; 48 = off the grid) and the chord under it (ROOT:PITCH.CLASSES/BASS).")
def tokens(file, markers, chords):
    """Print the events of a MIDI file, YAML score or lead sheet: TOKEN<TAB>QUARTERLENGTH, one a line."""
    from .music.tokens import file_text

    click.echo(file_text(file, markers=markers, chords=chords), nl=False)


@cli.command()
@click.argument("kind", type=click.Choice(list(DOCUMENTS)))
def schema(kind):
    """Print the JSON Schema (draft 2020-12) of lofi.yaml (config), a song (score), the progression library
    or the mood table, for editors that check YAML as you type."""
    from .schema import document

    click.echo(json.dumps(document(kind), indent=2, ensure_ascii=False))


def main() -> None:
    cli(prog_name="lofi-build")
