"""samples.yaml: loading, every error path (located at its line), and what publish() hands the site."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kitcheck import KIT_YAML, pos, run_cli
from lofi_build.errors import ContentError, LofiError
from lofi_build.samples.manifest import Ambience, Instrument, Quote, load_kit, publish

GOOD = """
version: 1
sources:
  synth: {title: Test synth, licence: MIT, author: Tester}
  text: {title: A book, licence: Public domain}
items:
  - id: piano
    kind: instrument
    title: Piano
    sources: [synth]
    release: 0.8
    notes: {C4: piano/C4.mp3, D#4: piano/Ds4.mp3}
  - id: drums
    kind: drumkit
    title: Drums
    sources: [synth]
    notes: {kick: drums/kick.mp3, 38: drums/snare.mp3}
  - id: rain
    kind: ambience
    title: Rain
    sources: [synth]
    file: rain.mp3
    loop: {start: 0.1, end: 0.9}
  - id: hello
    kind: quote
    title: Hello
    sources: [text, synth]
    file: hello.mp3
    text: "Hello   there."
    author: Someone
    source: A book (1850)
"""
FILES = {"piano/C4.mp3": 0.3, "piano/Ds4.mp3": 0.3, "drums/kick.mp3": 0.2, "drums/snare.mp3": 0.2,
         "rain.mp3": 1.0, "hello.mp3": 0.5}


def errors_of(excinfo) -> list[tuple[int | None, int | None, str]]:
    return [(d.line, d.col, d.message) for d in excinfo.value.diagnostics]


def only_error(path: Path) -> tuple[int | None, int | None, str]:
    with pytest.raises(LofiError) as excinfo:
        load_kit(path)
    found = errors_of(excinfo)
    assert len(found) == 1, found
    assert all(str(d).startswith(str(d.path) if Path(str(d.path)).is_absolute() else "")
               for d in excinfo.value.diagnostics)
    return found[0]


# -- a good kit ------------------------------------------------------------------------------------


def test_good_kit_loads_every_kind(make_kit):
    kit = load_kit(make_kit(GOOD, FILES))
    piano, drums, rain, hello = kit.items
    assert isinstance(piano, Instrument) and not piano.percussion
    assert list(piano.notes) == [60, 63] and piano.release == 0.8
    assert isinstance(drums, Instrument) and drums.percussion and list(drums.notes) == [36, 38]
    assert drums.release == 1.0  # default
    assert isinstance(rain, Ambience) and (rain.loop_start, rain.loop_end, rain.visual) == (0.1, 0.9, "rain")
    assert rain.audio.rate == 44100 and rain.audio.duration == pytest.approx(1.0, abs=0.001)
    assert isinstance(hello, Quote) and hello.text == "Hello there."  # whitespace folded
    assert set(kit.sources) == {"synth", "text"}


def test_publish_gives_the_site_its_sections(make_kit):
    kit = load_kit(make_kit(GOOD, FILES))
    emitted = []

    def emit(audio) -> str:
        emitted.append(audio.path)
        return f"assets/samples/{audio.path.stem}.0123abcd{audio.path.suffix}"

    out = publish(kit, emit)
    assert set(out) == {"instruments", "ambience", "quotes", "credits"}
    piano, drums = out["instruments"]
    assert piano["urls"] == {"60": "assets/samples/C4.0123abcd.mp3", "63": "assets/samples/Ds4.0123abcd.mp3"}  # keyed by MIDI number, as drums
    assert piano["percussion"] is False and piano["release"] == 0.8 and piano["notes"] == [60, 63]
    assert drums["percussion"] is True and list(drums["urls"]) == ["36", "38"]
    (rain,) = out["ambience"]
    assert rain["loopStart"] == 0.1 and rain["loopEnd"] == 0.9 and rain["visual"] == "rain"
    assert rain["duration"] == pytest.approx(1.0, abs=0.001)
    (hello,) = out["quotes"]
    assert {k: hello[k] for k in ("id", "text", "author", "source")} == {
        "id": "hello", "text": "Hello there.", "author": "Someone", "source": "A book (1850)"}
    assert hello["duration"] == pytest.approx(0.5, abs=0.001) and hello["url"].endswith(".mp3")
    assert sorted(emitted) == sorted({a.path for a in kit.files})  # each file emitted exactly once
    credits = {row["source"]: row for row in out["credits"]}
    assert set(credits) == {"Test synth", "A book"}
    assert credits["Test synth"]["licence"] == "MIT"
    assert credits["Test synth"]["attribution"] == "Tester, Test synth"
    assert "Quotes: Hello" in credits["A book"]["item"] and "Instruments: Piano" in credits["Test synth"]["item"]
    json.dumps(out)  # plain data


def test_publish_emits_a_shared_file_once(make_kit):
    text = GOOD.replace("D#4: piano/Ds4.mp3", "D#4: piano/C4.mp3")
    emitted = []
    publish(load_kit(make_kit(text, FILES)), lambda a: emitted.append(a.path) or a.path.name)
    assert len(emitted) == len(set(emitted))


# -- every error path, located ---------------------------------------------------------------------


def test_broken_yaml_is_located(make_kit):
    line, col, message = only_error(make_kit(GOOD.replace("kind: quote", "kind: [quote"), FILES))
    assert message.startswith("invalid YAML") and line in (pos(GOOD, "kind: quote")[0], pos(GOOD, "title: Hello")[0])


def test_not_a_mapping(make_kit):
    assert only_error(make_kit("- just\n- a list\n"))[2].startswith("samples.yaml must be a mapping")


def test_missing_file(make_kit):
    files = dict(FILES)
    del files["rain.mp3"]
    line, col, message = only_error(make_kit(GOOD, files))
    assert (line, col) == pos(GOOD, "rain.mp3")
    assert message.startswith("file not found: rain.mp3")


def test_unknown_kind(make_kit):
    line, col, message = only_error(make_kit(GOOD.replace("kind: ambience", "kind: ambiance"), FILES))
    assert (line, col) == pos(GOOD, "ambience")
    assert "unknown kind 'ambiance'" in message and "ambience" in message


def test_file_that_does_not_decode(make_kit):
    files = {**FILES, "hello.mp3": b"ID3 this is not audio at all\n" * 40}
    line, col, message = only_error(make_kit(GOOD, files))
    assert (line, col) == pos(GOOD, "hello.mp3")
    assert message == "hello.mp3 does not decode as audio (not a recognised audio format, or corrupt)"


def test_empty_audio_file(make_kit, tmp_path):
    import soundfile as sf

    path = make_kit(GOOD.replace("rain.mp3", "rain.wav"), FILES)
    sf.write(tmp_path / "rain.wav", [], 44100)
    assert only_error(path)[2] == "rain.wav holds no audio"


@pytest.mark.parametrize("loop, expected", [
    ("{start: 0.9, end: 0.1}", "need 0 <= start < end"),
    ("{start: -1, end: 0.5}", "need 0 <= start < end"),
    ("{start: 0.1, end: 5}", "the loop ends at 5 s but rain.mp3 lasts 1.000 s"),
    ("{start: 0.1, end: later}", "must be numbers of seconds"),
    ("{start: 0.1}", "must be a mapping {start: SECONDS, end: SECONDS}"),
    ("0.5", "must be a mapping {start: SECONDS, end: SECONDS}"),
])
def test_bad_loop_points(make_kit, loop, expected):
    line, col, message = only_error(make_kit(GOOD.replace("{start: 0.1, end: 0.9}", loop), FILES))
    assert line == pos(GOOD, "loop:")[0] and expected in message


def test_missing_loop(make_kit):
    line, col, message = only_error(make_kit(GOOD.replace("    loop: {start: 0.1, end: 0.9}\n", ""), FILES))
    assert message.startswith("ambience is missing 'loop'") and (line, col) == pos(GOOD, "id: rain")


@pytest.mark.parametrize("notes, expected, at", [
    ("{H4: piano/C4.mp3}", "note key 'H4' is not a pitch", "H4"),
    ("{C4: piano/C4.mp3, Eb4: piano/Ds4.mp3, D#4: piano/Ds4.mp3}", "'D#4' is the same note as 'Eb4' (MIDI 63)", "D#4"),
    ("{C4: piano/C4.wma}", "is not an audio file the player can load", "piano/C4.wma"),
    ("{C4: ../outside.mp3}", "must be a relative path inside the samples folder", "../"),
    ("{C4: /etc/passwd.mp3}", "must be a relative path inside the samples folder", "/etc"),
    ("{}", "'notes' must be a non-empty mapping", "{}"),
])
def test_bad_note_maps(make_kit, notes, expected, at):
    text = GOOD.replace("{C4: piano/C4.mp3, D#4: piano/Ds4.mp3}", notes)
    line, col, message = only_error(make_kit(text, FILES))
    assert expected in message and (line, col) == pos(text, at)


def test_drum_names_are_pitches_only_in_drumkits(make_kit):
    line, col, message = only_error(make_kit(GOOD.replace("{kick: drums/kick.mp3, 38:", "{kicker: drums/kick.mp3, 38:"),
                                             FILES))
    assert (line, col) == pos(GOOD, "kick:") and "note key 'kicker' is not a pitch" in message
    assert "drum names are" in message
    message = only_error(make_kit(GOOD.replace("D#4: piano/Ds4.mp3", "snare: piano/Ds4.mp3"), FILES))[2]
    assert "note key 'snare' is not a pitch" in message


def test_duplicate_ids(make_kit):
    line, col, message = only_error(make_kit(GOOD.replace("id: hello", "id: rain"), FILES))
    assert (line, col) == pos(GOOD, "hello", ) and message == f"duplicate id 'rain' (first used at line {pos(GOOD, 'rain')[0]})"


@pytest.mark.parametrize("change, expected", [
    (("    sources: [synth]\n    release", "    release"), "item is missing 'sources'"),
    (("sources: [text, synth]", "sources: [text, nobody]"), "unknown source 'nobody'"),
    (("sources: [text, synth]", "sources: []"), "'sources' must be a non-empty list"),
    (("  text: {title: A book, licence: Public domain}", "  text: {title: A book}"), "source 'text' is missing 'licence'"),
    (("  text: {title: A book, licence: Public domain}", "  text: {title: A book, licence: ''}"),
     "'licence' must be a non-empty string"),
])
def test_missing_provenance_or_licence(make_kit, change, expected):
    message = only_error(make_kit(GOOD.replace(*change), FILES))[2]
    assert message.startswith(expected)


def test_no_sources_section(make_kit):
    text = GOOD.split("items:")[1]
    with pytest.raises(LofiError) as excinfo:
        load_kit(make_kit("version: 1\nitems:" + text, FILES))
    messages = [m for _, _, m in errors_of(excinfo)]
    assert messages[0].startswith("missing 'sources'") and all("unknown source" in m for m in messages[1:])


@pytest.mark.parametrize("change, expected", [
    (("    author: Someone\n", ""), "quote is missing 'author' (for the credits)"),
    (("    text: \"Hello   there.\"\n", ""), "quote is missing 'text'"),
    (("source: A book (1850)", "source: ''"), "'source' must be a non-empty string"),
    (("title: Hello", "title: ''"), "item needs a 'title'"),
    (("id: hello", "id: Hello World"), "id 'Hello World' must be lowercase"),
    (("    file: hello.mp3\n", ""), "quote is missing 'file'"),
    (("release: 0.8", "release: -2"), "'release' must be a number of seconds from 0 to 30"),
    (("kind: drumkit\n    title: Drums", "kind: instrument\n    title: Drums"), "note key 'kick' is not a pitch"),
    (("kind: drumkit\n    title: Drums\n    sources: [synth]\n    notes: {kick:",
      "kind: instrument\n    title: Drums\n    sources: [synth]\n    notes: {36:"), "preset 'drums' is a drum kit"),
    (("version: 1", "version: 2"), "unsupported version 2"),
])
def test_other_item_errors(make_kit, change, expected):
    with pytest.raises(LofiError) as excinfo:
        load_kit(make_kit(GOOD.replace(*change), FILES))
    assert any(m.startswith(expected) for _, _, m in errors_of(excinfo)), errors_of(excinfo)


def test_all_errors_are_reported_at_once(make_kit):
    text = (GOOD.replace("kind: ambience", "kind: noise").replace("H4", "").replace("D#4:", "X9:")
            .replace("id: hello", "id: piano"))
    files = dict(FILES)
    del files["drums/kick.mp3"]
    with pytest.raises(LofiError) as excinfo:
        load_kit(make_kit(text, files))
    lines = sorted(line for line, _, _ in errors_of(excinfo))
    expected = [pos(GOOD, needle)[0] for needle in ("D#4", "drums/kick.mp3", "ambience", "hello")]
    assert lines == expected
    assert all(str(d).count(":") >= 3 and ": error: " in str(d) for d in excinfo.value.diagnostics)


def test_unknown_keys_warn_or_fail_when_strict(make_kit, caplog):
    path = make_kit(GOOD.replace("    release: 0.8\n", "    release: 0.8\n    colour: blue\n"), FILES)
    with caplog.at_level(logging.WARNING, logger="lofi_build"):
        load_kit(path)
    line, col = pos(path.read_text(), "colour")
    assert f"{line}:{col}: warning: unknown instrument key 'colour'" in caplog.text
    with pytest.raises(ContentError) as excinfo:
        load_kit(path, strict=True)
    assert (excinfo.value.line, excinfo.value.col) == (line, col)


def test_unused_source_and_unknown_preset_warn(make_kit, caplog):
    text = GOOD.replace("  text: {title", "  spare: {title: Spare, licence: MIT}\n  text: {title")
    text = text.replace("id: piano", "id: harpsichord")
    with caplog.at_level(logging.WARNING, logger="lofi_build"):
        load_kit(make_kit(text, FILES))
    assert "source 'spare' is not used by any item" in caplog.text
    assert "instrument 'harpsichord' is not a sampler preset" in caplog.text


def test_check_files_false_reads_the_recipe_without_audio(make_kit):
    kit = load_kit(make_kit(GOOD, {}), check_files=False)
    assert [item.id for item in kit.items] == ["piano", "drums", "rain", "hello"]
    assert all(a.frames == 0 for a in kit.files)


# -- through the command line ----------------------------------------------------------------------


def test_cli_reports_manifest_errors_with_positions(tmp_path):
    samples = tmp_path / "content" / "samples"
    samples.mkdir(parents=True)
    (samples / "samples.yaml").write_text("version: 1\nsources: {}\nitems:\n  - {id: x, kind: nope}\n")
    result = run_cli("samples", cwd=tmp_path)
    assert result.returncode == 1
    assert "content/samples/samples.yaml:4:19: error: unknown kind 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_rejects_unknown_only(tmp_path):
    samples = tmp_path / "content" / "samples"
    samples.mkdir(parents=True)
    (samples / "samples.yaml").write_text(KIT_YAML.read_text())
    result = run_cli("samples", "--only", "ambience/snow", cwd=tmp_path)
    assert result.returncode == 1
    assert "--only ambience/snow: no such item" in result.stderr and "ambience/rain" in result.stderr


def test_committed_manifest_is_strictly_valid():
    kit = load_kit(KIT_YAML, strict=True)
    assert {item.kind for item in kit.items} == {"instrument", "drumkit", "ambience", "quote"}
