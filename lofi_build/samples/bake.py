"""``lofi-build samples``: re-bake the kit's audio from samples.yaml's ``bake`` settings, with one progress bar."""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from tqdm import tqdm

from ..errors import BakeError, Collector, LofiError, warn
from . import tools
from .manifest import KINDS, Item, Kit, load_kit

log = logging.getLogger("lofi_build")

MANIFEST = "samples.yaml"


@dataclass
class BakeReport:
    outdir: Path
    files: list[Path]
    seconds: float

    @property
    def bytes(self) -> int:
        return sum(p.stat().st_size for p in self.files)


def select(kit: Kit, only: list[str] | tuple[str, ...]) -> list[Item]:
    """The items ``--only`` names (``KIND/ID``, ``KIND`` or ``ID``); all of them when empty."""
    if not only:
        return list(kit.items)
    chosen: dict[str, Item] = {}
    unknown = []
    for spec in only:
        kind, _, ident = spec.rpartition("/") if "/" in spec else ("", "", spec)
        matches = [
            item for item in kit.items
            if (kind and item.kind == kind and item.id == ident)
            or (not kind and (item.id == ident or item.kind == ident))
        ]
        if not matches:
            unknown.append(spec)
        chosen.update((item.id, item) for item in matches)
    if unknown:
        known = ", ".join(f"{i.kind}/{i.id}" for i in kit.items)
        raise BakeError(f"--only {', '.join(unknown)}: no such item in {kit.path.name} (kinds: {', '.join(KINDS)}; "
                        f"items: {known})", kit.path)
    return [item for item in kit.items if item.id in chosen]


def _bakers():
    """The baking modules, imported only now: they need scipy, which the site build does not."""
    try:
        from . import ambience, instruments, quotes
    except ImportError as e:
        raise BakeError(f"re-baking samples needs {e.name}: pip install 'lofi-build[bake]'") from None
    return {"instrument": instruments, "drumkit": instruments, "ambience": ambience, "quote": quotes}


def _check_tools(kit: Kit, items: list[Item]) -> None:
    """Every missing program or soundfont at once, before any work starts."""
    errors = Collector()
    kinds = {item.kind for item in items}
    needs = [("fluidsynth", kinds & {"instrument", "drumkit"}), ("espeak-ng", kinds & {"quote"})]
    for program, wanted in needs:
        if wanted:
            try:
                tools.program(program)
            except LofiError as e:
                errors.add(e)
    fonts: dict[str, Item] = {}  # each soundfont once, at the first item that names it
    for item in items:
        font = (item.bake or {}).get("soundfont")
        if item.kind in ("instrument", "drumkit") and isinstance(font, str):
            fonts.setdefault(font, item)
    for font, item in fonts.items():
        try:
            tools.soundfont(font, kit.path, *(kit.doc.mark(*item.keys, "bake", "soundfont") or (None, None)))
        except LofiError as e:
            errors.add(e)
    errors.raise_if_any()


def _write_manifest(kit: Kit, items: list[Item], outdir: Path) -> None:
    """samples.yaml for a kit baked elsewhere: the whole file if every item was baked, else just those."""
    target = outdir / MANIFEST
    if len(items) == len(kit.items):
        shutil.copyfile(kit.path, target)
        return
    data = kit.doc.data
    keep = {item.index for item in items}
    used = {key for item in items for key in item.sources}
    subset = {
        "version": data.get("version", 1),
        "sources": {k: v for k, v in data["sources"].items() if k in used},
        "items": [entry for i, entry in enumerate(data["items"]) if i in keep],
    }
    header = f"# A part of {kit.path}, baked by `lofi-build samples --only`.\n"
    target.write_text(header + yaml.safe_dump(subset, sort_keys=False, allow_unicode=True, width=100),
                      encoding="utf-8")


def bake_kit(samples_yaml: str | Path, outdir: str | Path | None = None, only=(), progress: bool = True,
             strict: bool = False) -> BakeReport:
    """Re-bake the items of ``samples_yaml`` (all, or those ``only`` names) into ``outdir``."""
    started = time.perf_counter()
    kit = load_kit(samples_yaml, strict=strict, check_files=False)
    items = select(kit, only)
    skipped = [item for item in items if item.bake is None]
    for item in skipped:
        log.info("%s/%s has no 'bake' settings: keeping its files as they are", item.kind, item.id)
    items = [item for item in items if item.bake is not None]
    outdir = Path(outdir) if outdir is not None else kit.root
    bakers = _bakers()
    _check_tools(kit, items)

    fonts = {str((item.bake or {}).get("soundfont")) for item in items if item.kind in ("instrument", "drumkit")}
    total = sum(len(item.files) for item in items) + len(fonts)
    written: list[Path] = []
    outdir.mkdir(parents=True, exist_ok=True)
    with tqdm(total=total, desc="baking samples", unit="file", disable=None if progress else True,
              dynamic_ncols=True) as bar:
        for module in dict.fromkeys(bakers.values()):
            group = [item for item in items if bakers[item.kind] is module]
            if group:
                written += module.bake(kit, group, outdir, bar)
    if outdir.resolve() != kit.root.resolve():
        _write_manifest(kit, items, outdir)
    load_kit(outdir / MANIFEST, strict=strict)  # every file it names must now decode
    _warn_strays(kit, outdir)
    return BakeReport(outdir, written, time.perf_counter() - started)


def _warn_strays(kit: Kit, outdir: Path) -> None:
    """Audio files in the kit's folder that samples.yaml no longer names are not published."""
    if outdir.resolve() != kit.root.resolve():
        return
    named = {audio.path.resolve() for audio in kit.files}
    for path in sorted(outdir.rglob("*")):
        if path.suffix.lower() in (".mp3", ".wav", ".flac", ".ogg") and path.resolve() not in named:
            warn(f"not named in {MANIFEST}, so the site will not use it", path)
