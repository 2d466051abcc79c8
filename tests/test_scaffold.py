"""lofi-build new (a station in one line) and new-song (a song from its title, in any script)."""

import json

import jsonschema
import pytest
import yaml

from support import ROOT, run_cli
from lofi_build.config import load_config
from lofi_build.schema import document
from lofi_build.scaffold import STARTER
from lofi_build.scorefile import compile_file
from lofi_build.site.build import build
from lofi_build.slug import slug

STATION_FILES = {"lofi.yaml", "README.md", "netlify.toml", "requirements.txt", ".gitignore", ".github/workflows/pages.yml",
                 "content/songs/first-light.yaml", "schemas/config.json", "schemas/score.json",
                 "schemas/progressions.json", "schemas/moods.json"}


def files(root):
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_new_makes_a_station_that_builds(tmp_path):
    result = run_cli("new", "my-station", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "my-station"
    assert files(root) == STATION_FILES
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left
    config = load_config(root / "lofi.yaml", strict=True)
    assert config.title == "My Station" and config.model.corpus == [] and config.ai.pool_size == 16
    lines = (root / "lofi.yaml").read_text().splitlines()
    assert lines[0] == "# yaml-language-server: $schema=schemas/config.json"
    assert sum(line.startswith("# ") for line in lines) > 20  # every setting, commented, at its default
    song = root / "content" / "songs" / "first-light.yaml"
    assert song.read_text().splitlines()[0] == "# yaml-language-server: $schema=../../schemas/score.json"
    assert compile_file(song, strict=True)["header"]["name"] == "First Light"
    for kind in ("config", "score", "progressions", "moods"):
        assert json.loads((root / "schemas" / f"{kind}.json").read_text()) == document(kind)
    for kind, path in (("config", root / "lofi.yaml"), ("score", song)):
        jsonschema.validate(yaml.safe_load(path.read_text()), document(kind))
    readme = (root / "README.md").read_text()
    assert readme.startswith("# My Station\n") and "lofi-build serve" in readme and "${" not in readme
    assert "lofi-build==0.1.0" in (root / "requirements.txt").read_text()
    result = build(config)
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    assert result.songs == 1 and result.solos == 16 and result.samples > 100 and manifest["model"]


def test_new_takes_a_title_and_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("new", "empty", "--title", "Rain: a station", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert load_config(tmp_path / "empty" / "lofi.yaml").title == "Rain: a station"


def test_new_refuses_a_folder_with_files_and_a_file(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    (tmp_path / "afile").write_text("x")
    for target in ("full", "afile"):
        result = run_cli("new", target, cwd=tmp_path)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr == (f"{target}: error: not an empty folder: lofi-build new makes a station in a new or "
                                 "empty folder\n")
    assert files(tmp_path / "full") == {"notes.txt"} and (tmp_path / "afile").read_text() == "x"


@pytest.mark.parametrize("title, message", [("", "the title must be a non-empty string"),
                                            ("x" * 201, "the title is longer than 200 characters"),
                                            ("two\nlines", "the title must be one line")])
def test_a_bad_title_is_a_usage_error(tmp_path, title, message):
    for args in (("new", "s", "--title", title), ("new-song", title)):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


# Titles in several scripts, and the file each gets (the build's ids follow the same rule).
TITLES = [
    ("Midnight Tea", "midnight-tea"),
    ("Café au lait, 2 a.m.", "cafe-au-lait-2-a-m"),
    ("Ночной чай", "nochnoy-chay"),
    ("雨の夜", "yu-no-ye"),
    ("Βροχή", "vrochi"),
    ("ليلة ممطرة", "lylh-mmtrh"),
    ("🌧️☕", "cloud-rain-coffee"),
]


@pytest.mark.parametrize("title, name", TITLES)
def test_new_song_makes_the_file_name_from_the_title(project, title, name):
    result = run_cli("new-song", title, cwd=project)
    assert result.returncode == 0, result.stderr
    path = project / "content" / "songs" / f"{name}.yaml"
    assert compile_file(path, strict=True)["header"]["name"] == title
    assert slug(path.stem) == name  # the build gives the song the id of its file name
    assert not path.read_text().startswith("# yaml-language-server")  # this project has no schemas/


def test_a_title_with_nothing_to_transliterate_gets_a_short_hash(project):
    assert run_cli("new-song", "♪♪", cwd=project).returncode == 0
    (path,) = [p for p in (project / "content" / "songs").glob("x*.yaml")]
    assert len(path.stem) == 9 and compile_file(path)["header"]["name"] == "♪♪"


def test_new_song_refuses_an_existing_file_and_force_overwrites_it(project):
    song = project / "content" / "songs" / "midnight-tea.yaml"
    song.write_text("mine")
    result = run_cli("new-song", "Midnight Tea", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr == ("content/songs/midnight-tea.yaml: error: a song with this file name exists already: "
                             "choose another title, or --force to overwrite it\n")
    assert song.read_text() == "mine"
    assert run_cli("new-song", "Midnight Tea", "--force", cwd=project).returncode == 0
    assert compile_file(song)["header"]["name"] == "Midnight Tea"


def test_the_repository_deploys_as_a_station_does():
    """One way to build: the repository's deploy files are the ones `lofi-build new` writes (its
    requirements.txt names the package from here instead of the released one)."""
    assert (ROOT / "netlify.toml").read_text() == (STARTER / "netlify.toml").read_text()
    assert (ROOT / ".github" / "workflows" / "pages.yml").read_text() == (STARTER / "pages.yml").read_text()
    assert [line for line in (ROOT / "requirements.txt").read_text().splitlines() if not line.startswith("#")] == ["./"]
