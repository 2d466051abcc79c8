"""Bad input everywhere: every case in tests/bad_inputs/ gives clear ``PATH[:LINE:COL]: error:``
lines (one per problem, every problem of a file at once), exit 1, no traceback, and the previous
build/ stays byte-identical.

A case is a folder of files laid over a good project (plus ``delete``: paths to remove, and
``args``: extra command-line arguments such as ``--strict``) and ``expect``: a regular expression
a line for the lines ``lofi-build site`` must print, in order. Cases that
cannot live in git (symlink loops, huge files) are made by the tests below.
"""

import re
import shutil
from pathlib import Path

import pytest

from support import run_cli, tree_bytes

CASES = sorted(p for p in (Path(__file__).parent / "bad_inputs").iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def built(tmp_path_factory, request):
    """A good project, built once; each case starts from a copy of it."""
    from support import MINIMAL_CONFIG, MINIMAL_SONG

    root = tmp_path_factory.mktemp("good") / "proj"
    (root / "content" / "songs").mkdir(parents=True)
    (root / "lofi.yaml").write_text(MINIMAL_CONFIG)
    (root / "content" / "songs" / "test-song.yaml").write_text(MINIMAL_SONG)
    run_cli("site", cwd=root, check=True)
    return root


def fails_cleanly(project: Path, pattern: str, args=()) -> list[str]:
    """``pattern``: one regular expression a line, for each line printed."""
    before = tree_bytes(project / "build")
    result = run_cli("site", *args, cwd=project)
    lines = result.stderr.strip().splitlines()
    patterns = pattern.splitlines()
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == len(patterns), lines
    for line, expected in zip(lines, patterns):
        assert re.match(expected, line), line
        assert re.match(r"^[^\s:][^:]*(:\d+(:\d+)?)?: error: \S", line)
    assert tree_bytes(project / "build") == before, "the failed build touched build/"
    assert not [p.name for p in project.iterdir() if p.name.startswith(".build-")]
    return lines


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case, built, tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(built, project, symlinks=True)
    for src in case.rglob("*"):
        rel = src.relative_to(case)
        if src.is_file() and rel.as_posix() not in ("expect", "delete", "args"):
            (project / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, project / rel)
    if (case / "delete").exists():
        for rel in (case / "delete").read_text().split():
            (project / rel).unlink()
    args = (case / "args").read_text().split() if (case / "args").exists() else ()
    fails_cleanly(project, (case / "expect").read_text().strip(), args)


def test_symlink_loop(built, tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(built, project, symlinks=True)
    loop = project / "content" / "songs" / "loop.yaml"
    loop.symlink_to(loop)
    fails_cleanly(project, r"^content/songs/loop.yaml: error: cannot read file: Too many levels of symbolic links$")


def test_huge_yaml(built, tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(built, project, symlinks=True)
    with open(project / "content" / "songs" / "huge.yaml", "w") as f:
        f.write("title: Huge\nbpm: 80\nparts:\n  - name: keys\n    instrument: piano\n    notes:\n")
        for i in range(250_000):
            f.write(f'      - ["{i % 4000}:0:0", C4, 4n]\n')
    fails_cleanly(project, r"^content/songs/huge.yaml: error: file is too large \(the limit is 4 MB\)$")


def test_alias_bomb(built, tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(built, project, symlinks=True)
    lines = ["a: &a [1,1,1,1,1,1,1,1,1,1]"] + [
        f"{chr(97 + i)}{i}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]" for i in range(9)]
    (project / "content" / "songs" / "bomb.yaml").write_text("\n".join(lines) + "\n")
    fails_cleanly(project, r"^content/songs/bomb.yaml:\d+:\d+: error: document is too large")


def test_unreadable_song(built, tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(built, project, symlinks=True)
    (project / "content" / "songs" / "folder.yaml").mkdir()
    fails_cleanly(project, r"^content/songs/folder.yaml: error: cannot read file: Is a directory$")
