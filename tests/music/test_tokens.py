"""The article's encoding on hand-made MIDI: notes, chords, rests, several tracks, drums, tempo and meter
changes, overlapping notes, broken files; the CLI's ``tokens``; decoding back to music."""

from fractions import Fraction

import pytest

from lofi_build.errors import ContentError
from lofi_build.music import tokens as tk
from support import MINIMAL_SONG, run_cli, write_midi

Q = 480


def article_tokens(path) -> list[str]:
    """An independent copy of the article's loop: first part, recurse(), Note/Chord/Rest."""
    from music21 import chord, converter, instrument, note

    midi = converter.parse(str(path))
    parts = instrument.partitionByInstrument(midi)
    elements = parts.parts[0].recurse() if parts else midi.flatten().notes
    out = []
    for element in elements:
        if isinstance(element, note.Note):
            out.append(str(element.pitch))
        elif isinstance(element, chord.Chord):
            out.append(".".join(str(n) for n in element.normalOrder))
        elif isinstance(element, note.Rest):
            out.append("r")
    return out


def pairs(parts):
    return [[(e.token, e.quarter_length) for e in p] for p in parts]


@pytest.fixture
def melody(tmp_path):
    # C4 quarter, quarter rest, E-flat and G eighths, a C major triad (half, across the bar line),
    # a rest, D4 across the next bar line.
    return write_midi(tmp_path / "melody.mid", [(0, 0, [
        (0, Q, 60), (2 * Q, Q // 2, 63), (2 * Q + Q // 2, Q // 2, 67),
        (3 * Q, 2 * Q, 60), (3 * Q, 2 * Q, 64), (3 * Q, 2 * Q, 67), (7 * Q + Q // 2, Q, 62),
    ])])


def test_notes_chords_rests(melody):
    f = Fraction
    assert pairs(tk.encode_file(melody)) == [[
        ("C4", f(1)), ("r", f(1)), ("E-4", f(1, 2)), ("G4", f(1, 2)),
        # music21 splits the chord and the D at the bar lines: tied halves stay two events, as in the article
        ("0.4.7", f(1)), ("0.4.7", f(1)), ("r", f(5, 2)), ("D4", f(1, 2)), ("D4", f(1, 2)),
        ("r", f(7, 2)),  # the import pads the last bar with a rest
    ]]


@pytest.mark.parametrize("seed", range(4))
def test_tokens_match_the_articles_loop(tmp_path, seed):
    import random

    rng = random.Random(seed)
    notes, tick = [], 0
    for _ in range(40):
        length = rng.choice([Q // 4, Q // 2, Q, 2 * Q])
        if rng.random() < 0.25:
            tick += rng.choice([Q // 2, Q])  # a rest
        pitches = rng.sample(range(48, 84), rng.choice([1, 1, 1, 3]))
        notes += [(tick, length, p) for p in pitches]
        tick += length
    path = write_midi(tmp_path / "random.mid", [(0, 0, notes)])
    parts = tk.encode_file(path)
    assert [e.token for e in parts[0]] == article_tokens(path)


def test_multitrack_skips_drums(tmp_path):
    path = write_midi(tmp_path / "band.mid", [
        (0, 0, [(0, Q, 72), (Q, Q, 74), (2 * Q, Q, 76), (3 * Q, Q, 77)]),
        (1, 32, [(0, 2 * Q, 36), (2 * Q, 2 * Q, 43)]),
        (9, 0, [(0, Q // 2, 36), (Q, Q // 2, 38), (2 * Q, Q // 2, 36)]),
    ])
    parts = pairs(tk.encode_file(path))
    assert parts == [
        [("C5", 1), ("D5", 1), ("E5", 1), ("F5", 1)],
        [("C2", 2), ("G2", 2)],
    ]
    result = run_cli("tokens", path, check=True)
    assert result.stdout == "C5\t1.0\nD5\t1.0\nE5\t1.0\nF5\t1.0\nC2\t2.0\nG2\t2.0\n"
    marked = run_cli("tokens", "--markers", path, check=True).stdout.splitlines()
    assert marked[0] == "<start>\t0.0" and marked[5] == "<end>\t0.0" and marked[6] == "<start>\t0.0"
    assert len(marked) == 10


def test_tempo_changes_and_odd_meter(tmp_path):
    notes = [(i * Q // 2, Q // 2, 60 + i % 5) for i in range(21)]  # 7/8: seven eighths a bar
    path = write_midi(tmp_path / "odd.mid", [(0, 0, notes)], meter=(7, 8), tempo_changes=[(7 * Q // 2, 140)])
    events = tk.encode_file(path)[0]
    sounding = [e for e in events if e.token != tk.REST]
    assert [e.token for e in sounding] == ["C4 C#4 D4 E-4 E4".split()[i % 5] for i in range(21)]
    assert all(e.quarter_length == Fraction(1, 2) for e in sounding)  # tempo does not change quarter lengths


def test_overlapping_notes_are_read_voice_by_voice_as_the_article_does(tmp_path):
    """A held note under moving ones: music21 splits the bar into voices and the article's loop
    reads one voice after the other; so do we, each event with its own quarterLength."""
    path = write_midi(tmp_path / "legato.mid", [(0, 0, [(0, 4 * Q, 48), (0, Q, 64), (Q, Q, 67), (2 * Q, 2 * Q, 72)])])
    events = tk.encode_file(path)[0]
    assert [e.token for e in events] == article_tokens(path)
    assert sorted((e.token, e.quarter_length) for e in events if e.token != tk.REST) == [
        ("C3", 4), ("C5", 2), ("E4", 1), ("G4", 1)]


@pytest.mark.parametrize("seed", range(4))
def test_polyphonic_tokens_match_the_articles_loop(tmp_path, seed):
    import random

    rng = random.Random(100 + seed)
    notes = []
    for _ in range(60):  # notes of any length at any 8th, overlapping freely
        notes.append((rng.randrange(0, 64) * Q // 2, rng.choice([Q // 4, Q // 2, Q, 3 * Q, 4 * Q]), rng.randrange(40, 90)))
    path = write_midi(tmp_path / "poly.mid", [(0, 0, notes)])
    assert [e.token for e in tk.encode_file(path)[0]] == article_tokens(path)


@pytest.mark.parametrize("content,reason", [
    (b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\x00\x00\xff\xff garbage", "cannot read MIDI file"),
    (b"", "cannot read MIDI file: the file is empty"),
    (b"not a midi file at all", "cannot read MIDI file"),
])
def test_corrupt_midi_is_a_located_error(tmp_path, content, reason):
    path = tmp_path / "broken.mid"
    path.write_bytes(content)
    with pytest.raises(ContentError) as e:
        tk.encode_file(path)
    assert reason in e.value.message and e.value.path == path
    result = run_cli("tokens", "broken.mid", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"broken.mid: error: {reason}")


def test_missing_file(tmp_path):
    result = run_cli("tokens", "nope.mid", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr.startswith("nope.mid: error: cannot read file")


def test_yaml_score(tmp_path):
    song = tmp_path / "song.yaml"
    song.write_text(MINIMAL_SONG + "  - name: beat\n    instrument: drums\n    notes:\n      - [\"0:0:0\", kick, 8n]\n")
    parts = pairs(tk.encode_file(song))
    assert len(parts) == 1  # the drum part is skipped
    assert parts[0][:3] == [("11.0.4.7", 2), ("r", 2), ("G4", 1)]


def test_yaml_score_with_a_form_is_read_written_out(tmp_path):
    song = tmp_path / "form.yaml"
    song.write_text("title: Form\nbpm: 80\nparts: [{name: lead, instrument: piano}]\n"
                    "sections:\n  A: {bars: 1, lead: [['0:0:0', C4, 2n]]}\n  B: {bars: 1, lead: [['0:2:0', E4, 2n]]}\n"
                    "form: [A, B, A]\n")
    assert pairs(tk.encode_file(song)) == [[("C4", 2), ("r", 2), ("r", 2), ("E4", 2), ("C4", 2), ("r", 2)]]


def test_token_pitches():
    assert tk.token_pitches("E-4") == (63,)
    assert tk.token_pitches("F#3") == (54,)
    assert tk.token_pitches("0.4.7") == (60, 64, 67)
    assert tk.token_pitches("11.2.6") == (71, 74, 78)  # stacked upwards in normal order
    assert tk.token_pitches("7") == (67,)
    assert tk.token_pitches("r") == () and tk.token_pitches(tk.START) == ()
    assert tk.is_chord("0.4.7") and tk.is_chord("5") and not tk.is_chord("C4")


@pytest.mark.parametrize("value,expected", [
    (0.25, "1/4"), (0.3, "1/3"), (2.5, "5/2"), (5, "4"), (12, "4"), (0.1, "1/4"), (1.3, "4/3"), (0, "1/4"),
])
def test_quantise(value, expected):
    assert tk.quantise(value) == Fraction(expected)


def test_decode_round_trip(melody, tmp_path):
    events = [e for p in tk.encode_file(melody) for e in p]
    stream = tk.decode(events)
    out = tmp_path / "decoded.mid"
    stream.write("midi", fp=str(out))
    again = [e for p in tk.encode_file(out) for e in p]
    # Same notes and timing; music21 may pad the last bar differently.
    assert [(e.token, e.quarter_length) for e in again if e.token != "r"] == \
        [(e.token, e.quarter_length) for e in events if e.token != "r"]
    offsets = [float(n.offset) for n in stream.notes]
    assert offsets == [0.0, 2.0, 2.5, 3.0, 4.0, 7.5, 8.0]
