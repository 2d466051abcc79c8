"""The command line as a user meets it: exit codes, messages, no tracebacks."""

import json
import shutil
import sys
from pathlib import Path

from support import ROOT, run_cli
from lofi_build.scorefile import compile_file


def test_version_and_help():
    assert run_cli("--version").stdout.startswith("lofi-build, version")
    out = run_cli("--help").stdout
    for command in ("site", "serve", "score", "new", "new-song", "schema"):
        assert command in out


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "lofi-build"
    assert script.exists() or shutil.which("lofi-build"), "pip install -e . provides the lofi-build command"


def test_site_builds_and_says_how_to_open_it(project):
    result = run_cli("site", "-f", project / "lofi.yaml")
    assert result.returncode == 0, result.stderr
    assert "Built" in result.stderr and "lofi-build serve" in result.stderr
    assert (project / "build" / "index.html").is_file()
    quiet = run_cli("site", "-q", "-f", project / "lofi.yaml")
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_content_error_exits_1_without_traceback(project):
    line = "parts: [{name: a, instrument: piano, notes: [{time: 0, note: H4, duration: 4n}]}]"
    (project / "content" / "songs" / "test-song.yaml").write_text(f"title: x\nbpm: 80\n{line}\n")
    result = run_cli("site", "-f", "lofi.yaml", cwd=project)
    assert result.returncode == 1
    col = line.index("H4") + 1
    assert result.stderr.strip() == (
        f"content/songs/test-song.yaml:3:{col}: error: unknown pitch 'H4' (expected a name like C4, Bb3, E-4 or F#2)")
    assert "Traceback" not in result.stderr


def test_config_error_exits_1(project):
    (project / "lofi.yaml").write_text("loops:\n  drums: 0\n")
    result = run_cli("site", cwd=project)
    assert result.returncode == 1
    assert result.stderr.strip() == "lofi.yaml:2:10: error: 'loops.drums' must be a positive integer"


def test_usage_errors_exit_2(project):
    assert run_cli("site", "--no-such-flag", cwd=project).returncode == 2
    assert run_cli("score", cwd=project).returncode == 2
    assert run_cli("frobnicate").returncode == 2
    assert run_cli("site", "--seed", "-4", cwd=project).returncode == 2
    assert run_cli("serve", "-a", "nowhere", cwd=project).returncode == 2


def test_missing_config_exits_1(tmp_path):
    result = run_cli("site", cwd=tmp_path)
    assert result.returncode == 1 and "lofi.yaml: error: config file not found" in result.stderr


def test_score_prints_tonejs_json(project):
    song = project / "content" / "songs" / "test-song.yaml"
    result = run_cli("score", song)
    assert result.returncode == 0
    assert json.loads(result.stdout) == compile_file(song)
    out = project / "song.json"
    assert run_cli("score", song, "-o", out).returncode == 0
    assert json.loads(out.read_text()) == compile_file(song)


def test_score_errors(project):
    bad = project / "bad.yaml"
    line = "parts: [{name: a, instrument: piano, notes: [['9:9:x', C4, 4n]]}]"
    bad.write_text(f"title: x\nbpm: 80\n{line}\n")
    result = run_cli("score", "bad.yaml", cwd=project)
    col = line.index("'9:9:x'") + 1
    assert result.returncode == 1 and result.stderr.startswith(f"bad.yaml:3:{col}: error: bad time")
    result = run_cli("score", "missing.yaml", cwd=project)
    assert result.returncode == 1 and "missing.yaml: error: cannot read file" in result.stderr


def test_new_song_writes_a_starter_that_compiles(project):
    result = run_cli("new-song", "rainy-window", cwd=project)
    assert result.returncode == 0, result.stderr
    path = project / "content" / "songs" / "rainy-window.yaml"
    song = compile_file(path, strict=True)
    assert song["header"]["name"] == "Rainy Window"
    assert [s["name"] for s in song["lofi"]["sections"]] == ["intro", "A", "A", "B", "A", "outro"]
    assert "#" in path.read_text()  # it is commented
    again = run_cli("new-song", "rainy-window", cwd=project)
    assert again.returncode == 1 and "exists already" in again.stderr
    assert run_cli("new-song", "rainy-window", "--force", cwd=project).returncode == 0
    # A title is made a file name inside content/songs/, whatever it says.
    assert run_cli("new-song", "../evil", cwd=project).returncode == 0
    assert compile_file(project / "content" / "songs" / "evil.yaml")["header"]["name"] == "../evil"


def test_shipped_songs_compile_into_whole_forms_for_the_station():
    """Every shipped song compiles strictly, loops its whole form (sections end to end), has two or more
    contrasting sections besides its intro and outro, and lasts 1.5 to 4 minutes at its tempo (issue 20)."""
    paths = sorted((ROOT / "content" / "songs").glob("*.yaml"))
    assert len(paths) >= 8
    for path in paths:
        song = compile_file(path, strict=True)
        sections, bars = song["lofi"]["sections"], song["lofi"]["loopBars"]
        assert sum(s["bars"] for s in sections) == bars, path.name
        assert sections[0]["name"] == "intro" and sections[-1]["name"] == "outro", path.name
        assert len({s["name"] for s in sections} - {"intro", "outro"}) >= 2, path.name
        beats, _ = song["lofi"]["timeSignature"]
        minutes = bars * beats / song["header"]["tempos"][0]["bpm"]
        assert 1.5 <= minutes <= 4, (path.name, minutes)


def test_the_config_is_read_once_per_command(project):
    (project / "lofi.yaml").write_text("title: x\ncolour: blue\nai: {pool_size: 0}\n")
    result = run_cli("site", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("lofi.yaml:2:1: warning: unknown key 'colour'") == 1
    strict = run_cli("site", "--strict", cwd=project)
    assert strict.returncode == 1 and strict.stderr.strip() == "lofi.yaml:2:1: error: unknown key 'colour'"


def test_verbosity_is_set_by_the_flag_given(project):
    assert "Built" in run_cli("site", "-v", cwd=project).stderr
    assert run_cli("site", "-q", cwd=project).stderr == ""
