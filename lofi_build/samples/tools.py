"""The programs and soundfonts a re-bake needs: found, or reported with the Debian package to install."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..errors import BakeError

PROGRAM_PACKAGES = {"fluidsynth": "fluidsynth", "espeak-ng": "espeak-ng"}
SOUNDFONT_PACKAGES = {
    "FluidR3_GM.sf2": "fluid-soundfont-gm",
    "FluidR3_GS.sf2": "fluid-soundfont-gs",
    "MuseScore_General.sf3": "musescore-general-soundfont",
    "MuseScore_General.sf2": "musescore-general-soundfont",
    "MuseScore_General_Full.sf3": "musescore-general-soundfont",
    "TimGM6mb.sf2": "timgm6mb-soundfont",
}


def _install_hint(package: str | None) -> str:
    if not package:
        return "install it or point the manifest's 'soundfont' at one that exists"
    return f"install the Debian package '{package}' (sudo apt-get install {package})"


def program(name: str, path=None, line=None, col=None) -> str:
    """The full path of an external program, or a BakeError naming its package."""
    found = shutil.which(name)
    if not found:
        raise BakeError(
            f"re-baking needs '{name}', which is not on PATH: {_install_hint(PROGRAM_PACKAGES.get(name))}; "
            "the committed kit works without it", path, line, col,
        )
    return found


def soundfont(file: str | Path, path=None, line=None, col=None) -> Path:
    """A soundfont that exists, or a BakeError naming the package that ships it."""
    sf = Path(file)
    if not sf.is_file():
        raise BakeError(
            f"soundfont {str(sf)!r} not found: {_install_hint(SOUNDFONT_PACKAGES.get(sf.name))}",
            path, line, col,
        )
    return sf


def run(command: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    """Run a tool; a failure is a BakeError quoting the tool's own last words."""
    result = subprocess.run(command, capture_output=True, **kwargs)
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", "replace") if isinstance(result.stderr, bytes) else result.stderr
        tail = " ".join(stderr.strip().splitlines()[-3:]) or f"exit status {result.returncode}"
        raise BakeError(f"{what} failed: {tail}")
    return result
