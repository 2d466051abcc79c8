"""As a new user: the wheel, installed into a fresh virtual environment (no TensorFlow, nothing of this
repository reachable), makes a station in an empty folder, builds and checks it, and the page plays."""

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from support import ROOT, static_server, wait_for
from lofi_build.site import csp

pytestmark = [pytest.mark.slow, pytest.mark.browser]
WHEEL_LIMIT = 25 * 2**20


def sources(dest):
    """The repository's files as a clone has them (tracked, and new ones git does not ignore)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    return dest


def run(args, cwd, env, timeout=900):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, args))}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    """``lofi-build new s && cd s && lofi-build site && lofi-build check`` with the installed wheel."""
    tmp = tmp_path_factory.mktemp("new-user")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp / "dist", sources(tmp / "src")],
        cwd=tmp, env=env)
    (wheel,) = (tmp / "dist").glob("lofi_build-*.whl")
    run([sys.executable, "-m", "venv", tmp / "venv"], cwd=tmp, env=env)
    python = tmp / "venv" / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", wheel], cwd=tmp, env=env)
    env["PATH"] = f"{tmp / 'venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    home = tmp / "home"
    home.mkdir()
    log = [run(["lofi-build", "new", "s"], cwd=home, env=env)]
    log.append(run(["lofi-build", "site"], cwd=home / "s", env=env))
    log.append(run(["lofi-build", "check"], cwd=home / "s", env=env))
    where = run([python, "-c", "import importlib.util, lofi_build; print(lofi_build.__file__); "
                               "print(importlib.util.find_spec('tensorflow'))"], cwd=home, env=env).stdout.split()
    return {"wheel": wheel, "root": home / "s", "log": log, "package": where[0], "tensorflow": where[1]}


def test_the_wheel_carries_the_theme_the_kit_and_the_model_within_25_mb(station):
    wheel = station["wheel"]
    assert wheel.stat().st_size <= WHEEL_LIMIT
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in ("site_src/templates/index.html", "site_src/js/main.js", "site_src/css/site.css",
                "site_src/vendor/tone/Tone.js", "site_src/vendor/p5/p5.min.js", "content/samples/samples.yaml",
                "content/progressions/progressions.yaml", "content/progressions/moods.yaml"):
        assert f"lofi_build/defaults/{rel}" in names, rel
    assert any(n.startswith("lofi_build/defaults/site_src/vendor/tone/") and "LICENSE" in n.upper() for n in names)
    assert any(n.startswith("lofi_build/defaults/site_src/vendor/p5/") and "LICENSE" in n.upper() for n in names)
    assert any(n.startswith("lofi_build/defaults/content/drums/") for n in names)
    assert any(n.startswith("lofi_build/defaults/content/model/lofi-") and n.endswith("/weights.npz") for n in names)
    assert any(n.startswith("lofi_build/starter/") for n in names)


def test_the_station_builds_from_the_installed_package_alone(station):
    assert station["package"].startswith(str(station["wheel"].parents[1] / "venv"))
    assert station["tensorflow"] == "None"  # the packaged model serves: nothing trains
    new, site, check = station["log"]
    assert "Made a station in s" in new.stdout
    assert "1 song, 16 AI solos, 4 drum grooves" in site.stderr and " with lofi-" in site.stderr
    assert "all good" in check.stderr
    assert "Traceback" not in "".join(r.stderr for r in station["log"])


def test_the_station_plays_in_chromium(station, page):
    root = station["root"]
    with static_server(root / "build", headers=csp.netlify_headers(root / "netlify.toml")) as url:
        page.goto(url)
        wait_for(page, "window.lofi !== undefined")
        assert page.locator("#songs .track").count() == 1
        page.evaluate("window.lofi.select({track: 'first-light', drums: 'lazy-half-time'})")
        page.click("#play")
        wait_for(page, "window.lofi.state().transport.state === 'started'")
        wait_for(page, "window.lofi.state().transport.seconds > 1", timeout=60)
        state = page.evaluate("window.lofi.state()")
        assert state["selected"]["track"] == "first-light" and state["layers"]["music"]["error"] is None
        wait_for(page, "window.lofi.state().layers.music.status === 'ready'", timeout=60)
    assert page.log.errors == []
