"""The command line: thin click commands, each calling one function of a module."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path

import click

from . import __version__
from .errors import ExitCode, LofiError

log = logging.getLogger("lofi_build")

config_option = click.option(
    "-f", "--config-file", "config_file", default="lofi.yaml", show_default=True,
    type=click.Path(dir_okay=False, path_type=Path), help="The site's config file.",
)
strict_option = click.option("--strict", is_flag=True, help="Treat warnings (e.g. unknown keys) as errors.")


def _verbosity(f):
    f = click.option("-v", "--verbose", "verbosity", flag_value=logging.DEBUG, help="Say more.")(f)
    return click.option("-q", "--quiet", "verbosity", flag_value=logging.WARNING, help="Only warnings and errors.")(f)


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
def cli(debug):
    """Bake a lofi hip-hop web player: songs, an AI solo pool and a static site."""
    setup_logging(None)


@cli.command()
@config_option
@click.option("-d", "--site-dir", "outdir", type=click.Path(file_okay=False, path_type=Path),
              help="Output directory (default: build/ beside the config).")
@strict_option
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="Seed for every random choice (overrides lofi.yaml).")
@click.option("--base-path", help="URL path the site is served from, e.g. /lofi/ (overrides lofi.yaml).")
@_verbosity
def site(config_file, outdir, strict, seed, base_path, verbosity):
    """Build the site into build/."""
    from .site.build import build_site

    setup_logging(verbosity)
    build_site(config_file, outdir=outdir, strict=strict, seed=seed, base_path=base_path)


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

    setup_logging(verbosity)
    try:
        host, port = parse_address(addr)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="'-a' / '--dev-addr'") from None
    run_server(config_file, host, port, open_browser=open_browser, livereload=not no_livereload, strict=strict)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here.")
@strict_option
def score(file, output, strict):
    """Compile one YAML score and print its Tone.js JSON."""
    from .music.score import compile_score

    text = json.dumps(compile_score(file, strict=strict), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@cli.command("new-song")
@click.argument("name")
@config_option
@click.option("--force", is_flag=True, help="Overwrite an existing song.")
def new_song(name, config_file, force):
    """Write a commented starter score to content/songs/NAME.yaml."""
    from .music.starter import write_starter

    path = write_starter(config_file.parent / "content" / "songs", name, force=force)
    click.echo(f"Wrote {path}. Edit it, then run: lofi-build serve")


@cli.command()
@config_option
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="Seed for every random choice (overrides lofi.yaml).")
@click.option("--base-path", help="URL path the site will be served from (overrides lofi.yaml).")
@_verbosity
def check(config_file, seed, base_path, verbosity):
    """Build strictly into a temp dir and verify links and the Content-Security-Policy."""
    from .site.check import check_site

    setup_logging(verbosity)
    check_site(config_file, seed=seed, base_path=base_path)


@cli.command()
@config_option
@click.option("--only", multiple=True, metavar="KIND/ID",
              help="Re-bake only this item, e.g. ambience/rain, a kind (quote) or an id (rhodes). Repeatable.")
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False, path_type=Path),
              help="Bake into this folder (with its own samples.yaml) instead of content/samples/.")
@strict_option
@_verbosity
def samples(config_file, only, outdir, strict, verbosity):
    """Re-bake the sound kit (instruments, drums, ambience, quotes) from content/samples/samples.yaml."""
    from .samples.bake import bake_kit

    setup_logging(verbosity)
    report = bake_kit(config_file.parent / "content" / "samples" / "samples.yaml", outdir=outdir, only=only,
                      strict=strict)
    log.info("Baked %d files (%.1f MB) into %s in %.1f s.", len(report.files), report.bytes / 1e6,
             report.outdir, report.seconds)


@cli.command()
@config_option
@click.option("--preset", type=click.Choice(["default", "seed"]), help="Network to train (default: model.preset).")
@click.option("--epochs", type=click.IntRange(1, 10_000), help="Maximum epochs (default: model.epochs; seed: 200).")
@click.option("--resume", is_flag=True, help="Continue the matching checkpoint from its last epoch.")
@strict_option
@_verbosity
def train(config_file, preset, epochs, resume, strict, verbosity):
    """Train the model on model.corpus and write its checkpoint (needs the [train] extra)."""
    from .model.train import run_training

    setup_logging(verbosity)
    run_training(config_file, preset=preset, epochs=epochs, resume=resume, strict=strict,
                 progress=verbosity != logging.WARNING)


@cli.command()
@config_option
@click.option("-n", "--count", type=click.IntRange(1, 1024), help="How many solos (default: ai.pool_size).")
@click.option("--bars", type=click.IntRange(1, 256), help="Bars per solo (default: loops.solos).")
@click.option("--temperature", type=click.FloatRange(0, 5), help="Sampling temperature; 0 = argmax (default: ai.temperature).")
@click.option("--top-k", "top_k", type=click.IntRange(0, 10_000), help="Sample among the k likeliest tokens; 0 = all.")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="First seed (default: lofi.yaml's seed).")
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the .mid/.json files (default: solos/ beside the config).")
@strict_option
@_verbosity
def generate(config_file, count, bars, temperature, top_k, seed, outdir, strict, verbosity):
    """Generate AI solos as MIDI files and Tone.js JSON, with the matching checkpoint."""
    from .model.pool import generate_files

    setup_logging(verbosity)
    generate_files(config_file, count=count, bars=bars, temperature=temperature, top_k=top_k, seed=seed,
                   outdir=outdir, strict=strict)


@cli.command()
@config_option
@click.argument("text")
def mood(config_file, text):
    """Print the mode, progression, tempo and temperature a sentence asks for (as the player's mood box)."""
    from .music.mood import mood_of

    click.echo(json.dumps(mood_of(text, config_file.parent).as_dict(), ensure_ascii=False))


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--markers", is_flag=True, help="Also show the start/end tokens around each part, as the model sees them.")
def tokens(file, markers):
    """Print the events of a MIDI file or YAML score: TOKEN<TAB>QUARTERLENGTH, one a line."""
    from .music.tokens import file_text

    click.echo(file_text(file, markers=markers), nl=False)


def main() -> None:
    cli(prog_name="lofi-build")
