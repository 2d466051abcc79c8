"""lofi.yaml: defaults, types, every error at once with its place, and unknown keys."""

import pytest

from lofi_build.config import DEFAULTS, as_dict, load_config
from lofi_build.errors import ConfigError, LofiError


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # errors name paths relative to the working directory


def write(tmp_path, text):
    p = tmp_path / "lofi.yaml"
    p.write_text(text)
    return p


def test_defaults(tmp_path):
    config = load_config(write(tmp_path, ""))
    assert (config.loops.drums, config.loops.ambience, config.loops.solos) == (8, 12, 30)
    assert config.quote_start == "4:0:0"
    assert config.base_path == "/"
    assert config.ai.pool_size == 16
    assert config.model.train == "auto"
    assert config.root == tmp_path


def test_values_are_read(tmp_path):
    config = load_config(write(tmp_path, "title: Night\nbase_path: /lofi\nloops: {drums: 4}\nseed: 9\n"))
    assert (config.title, config.base_path, config.loops.drums, config.loops.ambience, config.seed) == (
        "Night", "/lofi/", 4, 12, 9)
    assert as_dict(config)["loops"] == {"drums": 4, "ambience": 12, "solos": 30}


def test_every_error_at_once_with_its_place(tmp_path):
    p = write(tmp_path, "title: ''\nloops:\n  drums: -2\n  ambience: twelve\nbpm: 400\nquote_start: soon\n"
                        "base_path: no slash\nai: 5\nmodel: {train: sometimes}\n")
    with pytest.raises(LofiError) as info:
        load_config(p)
    lines = [str(d) for d in info.value.diagnostics]
    assert lines == [
        "lofi.yaml:1:8: error: 'title' must be a non-empty string",
        "lofi.yaml:3:10: error: 'loops.drums' must be a positive integer",
        "lofi.yaml:4:13: error: 'loops.ambience' must be a positive integer",
        "lofi.yaml:5:6: error: 'bpm' must be a number from 60 to 100",
        "lofi.yaml:6:14: error: 'quote_start' must be a TransportTime like '4:0:0' (invalid time 'soon': "
        "expected TransportTime 'BARS:QUARTERS[:SIXTEENTHS]' like '1:2:0', a note value like '4n', '8t', "
        "'4n.' or '1m', or seconds like '1.5s')",
        "lofi.yaml:7:12: error: 'base_path' must be a URL path like / or /lofi/",
        "lofi.yaml:8:5: error: 'ai' must be a mapping",
        "lofi.yaml:9:16: error: 'model.train' must be one of 'auto', 'never'",
    ]


def test_unknown_keys_warn_or_fail_under_strict(tmp_path, caplog):
    p = write(tmp_path, "title: x\ncolour: blue\nloops: {drum: 8}\n")
    load_config(p)
    assert "lofi.yaml:2:1: warning: unknown key 'colour'" in caplog.text
    assert "lofi.yaml:3:9: warning: unknown key 'loops.drum'" in caplog.text
    with pytest.raises(LofiError) as info:
        load_config(p, strict=True)
    assert [str(d) for d in info.value.diagnostics] == [
        "lofi.yaml:2:1: error: unknown key 'colour'", "lofi.yaml:3:9: error: unknown key 'loops.drum'"]


@pytest.mark.parametrize(
    "text, expected",
    [("- a\n- b\n", "lofi.yaml:1:1: error: the config must be a mapping"),
     ("title: [\n", "lofi.yaml:2:1: error: invalid YAML"),
     ("seed: yes\n", "lofi.yaml:1:7: error: 'seed' must be a whole number")],
)
def test_broken_files(tmp_path, text, expected):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert str(info.value).startswith(expected)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_command_line_overrides_are_checked(tmp_path):
    p = write(tmp_path, "seed: 1\n")
    assert load_config(p, seed=5, base_path="/x/").seed == 5
    with pytest.raises(ConfigError, match="--base-path must be a URL path"):
        load_config(p, base_path="x y")


def test_ai_progressions_and_quality(tmp_path):
    config = load_config(write(tmp_path, ""))
    assert config.ai.progressions == []  # empty: every progression of the library
    q = config.ai.quality
    assert (q.chord_tones, q.rest_min, q.rest_max, q.mean_note, q.max_equal_run, q.max_sixteenths) == (
        0.85, 0.02, 0.35, 0.5, 8, 0.30)
    assert (q.max_weak_outside, q.min_nct_step, q.max_intervals_js, q.max_degrees_js) == (0.18, 0.3, 0.25, 0.35)
    config = load_config(write(tmp_path, "ai:\n  progressions: [royal-road, 'Dm9 G13 | Cmaj9']\n"
                                         "  quality: {rest_max: 0.4, max_equal_run: 4}\n"))
    assert config.ai.progressions == ["royal-road", "Dm9 G13 | Cmaj9"]
    assert (config.ai.quality.rest_max, config.ai.quality.max_equal_run, config.ai.quality.rest_min) == (0.4, 4, 0.02)


def test_ai_quality_errors_are_located(tmp_path):
    p = write(tmp_path, "ai:\n  progressions: [1, 2]\n  quality:\n    chord_tones: 2\n    max_equal_run: many\n"
                        "    colour: red\n")
    with pytest.raises(LofiError) as info:
        load_config(p, strict=True)
    assert [str(d) for d in info.value.diagnostics] == [
        "lofi.yaml:2:17: error: 'ai.progressions' must be a list of strings",
        "lofi.yaml:4:18: error: 'ai.quality.chord_tones' must be a number from 0 to 1",
        "lofi.yaml:5:20: error: 'ai.quality.max_equal_run' must be a whole number from 1 to 10000",
        "lofi.yaml:6:5: error: unknown key 'ai.quality.colour'",
    ]


@pytest.mark.parametrize("preset", ["lofi", "default", "article"])
def test_model_presets(tmp_path, preset):
    assert load_config(write(tmp_path, f"model: {{preset: {preset}}}\n")).model.preset == preset


def test_the_old_preset_name_is_read_and_left_to_the_model(tmp_path, caplog):
    """'seed' is still read; model/presets.py resolves it, with the one warning (tests/model/test_presets.py)."""
    config = load_config(write(tmp_path, "model:\n  preset: seed\n"))
    assert config.model.preset == "seed" and "warning" not in caplog.text
    with pytest.raises(LofiError, match="'model.preset' must be one of 'lofi', 'default', 'article'$"):
        load_config(write(tmp_path, "model:\n  preset: jazz\n"))


def test_unicode_title_and_description(tmp_path):
    config = load_config(write(tmp_path, 'title: "雨の夜 ☔"\ndescription: "ليلة ממטר 🌧️"\n'))
    assert (config.title, config.description) == ("雨の夜 ☔", "ليلة ממטר 🌧️")


def test_the_config_owns_the_project_paths(tmp_path):
    config = load_config(write(tmp_path, "model: {checkpoints: models/here}\n"))
    assert config.songs_dir == tmp_path / "content" / "songs"
    assert config.drums_dir == tmp_path / "content" / "drums"
    assert config.progressions_dir == tmp_path / "content" / "progressions"
    assert config.samples_yaml == tmp_path / "content" / "samples" / "samples.yaml"
    assert config.site_src == tmp_path / "site_src"
    assert config.build_dir == tmp_path / "build"
    assert config.cache_dir == tmp_path / ".lofi-cache"
    assert config.model_dir == tmp_path / "models" / "here"
    assert config.solos_dir == tmp_path / "solos"
    assert config.sources == [tmp_path / "lofi.yaml", tmp_path / "content", tmp_path / "site_src",
                              DEFAULTS / "site_src", DEFAULTS / "content"]
    assert config.progressions_yaml == tmp_path / "content" / "progressions" / "progressions.yaml"
    assert config.moods_yaml == tmp_path / "content" / "progressions" / "moods.yaml"
    assert config.tokens_cache_dir == tmp_path / ".lofi-cache" / "tokens"
    assert config.netlify_toml == tmp_path / "netlify.toml"
    assert config.song_file("rainy-window") == tmp_path / "content" / "songs" / "rainy-window.yaml"
    assert config.corpus_provenance("content/leadsheets") == tmp_path / "content" / "leadsheets" / "PROVENANCE.yaml"
    assert config.theme.folders == [tmp_path / "site_src", DEFAULTS / "site_src"]
    assert config.shipped_model_dir == DEFAULTS / "content" / "model"


def test_content_is_laid_over_the_package_defaults(tmp_path):
    """The package's defaults first, the project's own files after them (theirs win): folders always, files
    where they exist; the mood table is the project's when it has one."""
    config = load_config(write(tmp_path, "title: T\n"))
    packaged = DEFAULTS / "content"
    assert config.drums_dirs == [packaged / "drums", tmp_path / "content" / "drums"]
    assert config.progressions_yamls == [packaged / "progressions" / "progressions.yaml"]
    assert config.samples_yamls == [packaged / "samples" / "samples.yaml"]
    assert config.mood_table_yaml == packaged / "progressions" / "moods.yaml"
    for path in (config.progressions_yaml, config.samples_yaml, config.moods_yaml):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    assert config.progressions_yamls == [packaged / "progressions" / "progressions.yaml", config.progressions_yaml]
    assert config.samples_yamls == [packaged / "samples" / "samples.yaml", config.samples_yaml]
    assert config.mood_table_yaml == config.moods_yaml
    assert config.piece_dirs == [config.songs_dir, *config.drums_dirs, packaged / "progressions", config.progressions_dir]


def test_the_theme_folder_is_named_in_lofi_yaml(tmp_path):
    (tmp_path / "my-theme").mkdir()
    config = load_config(write(tmp_path, "theme_dir: my-theme\n"))
    assert config.theme.folders == [tmp_path / "my-theme", DEFAULTS / "site_src"]
    with pytest.raises(ConfigError, match=r"lofi.yaml:1:12: error: theme_dir 'nowhere' is not a folder"):
        load_config(write(tmp_path, "theme_dir: nowhere\n"))
    load_config(write(tmp_path, "title: T\n"))  # the default, site_src/, need not exist


def test_no_code_outside_config_joins_a_project_path_of_its_own():
    """Content, cache, theme (vendor, templates, js, css) and build paths are named by Config alone."""
    import io
    import re
    import tokenize

    from support import ROOT

    folders = r"content|songs|drums|progressions|samples|leadsheets|site_src|templates|js|css|vendor|build|solos|model|\.lofi-cache|tokens"
    joined = re.compile(rf'["\']({folders})["\']')  # a folder name joined with `/`
    spelled = re.compile(r'["\'](?:(content|site_src|build|\.lofi-cache)/|(\.lofi-cache|site_src)["\'])')  # written out
    found = []
    for path in sorted((ROOT / "lofi_build").rglob("*.py")):
        if path.name == "config.py":
            continue
        source = path.read_text(encoding="utf-8")
        previous = None
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING and not token.string.startswith(('"""', "'''")):
                line = token.line.strip()
                if spelled.match(token.string) or (previous == "/" and joined.fullmatch(token.string)):
                    found.append(f"{path.relative_to(ROOT)}:{token.start[0]}: {line}")
            if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                previous = token.string
    assert not found, "\n".join(found)


def test_the_station_settings_and_their_defaults(tmp_path):
    s = load_config(write(tmp_path, "")).station
    assert (s.bpm_min, s.bpm_max, s.minutes_min, s.minutes_max, s.repeat_hours) == (70, 90, 1.5, 4, 8)
    assert s.transitions == ["crossfade", "tape-stop", "vinyl-brake"] and s.sleep_minutes == [15, 30, 60, 90]
    s = load_config(write(tmp_path, "station: {bpm_min: 72, song_every: 0, transitions: [tape-stop, tape-stop], "
                                    "sleep_minutes: [45, 10]}\n")).station
    assert (s.bpm_min, s.song_every, s.transitions, s.sleep_minutes) == (72, 0, ["tape-stop"], [10, 45])


def test_broken_station_settings_are_located_errors(tmp_path):
    p = write(tmp_path, "station:\n  bpm_min: 95\n  bpm_max: 80\n  minutes_min: 0\n  transitions: [crossfade, scratch]\n"
                        "  sleep_minutes: [15, forever]\n  repeat_hours: -1\n")
    with pytest.raises(LofiError) as info:
        load_config(p)
    assert [str(d) for d in info.value.diagnostics] == [
        "lofi.yaml:4:16: error: 'station.minutes_min' must be a number from 0.5 to 15",
        "lofi.yaml:5:16: error: 'station.transitions' has unknown transition 'scratch' (known: crossfade, tape-stop, "
        "vinyl-brake)",
        "lofi.yaml:6:18: error: 'station.sleep_minutes' must be a non-empty list of whole minutes from 1 to 720",
        "lofi.yaml:7:17: error: 'station.repeat_hours' must be a number from 0 to 48",
        "lofi.yaml:2:12: error: 'station.bpm_min' (95) must not exceed 'station.bpm_max' (80)",
    ]
    with pytest.raises(LofiError, match=r"'station.bpm_min' must be a whole number from 60 to 100"):
        load_config(write(tmp_path, "station: {bpm_min: 50}\n"))
