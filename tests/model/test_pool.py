"""Generation: the pinned PRNG and sampling, the lofi network's numpy inference, bar-aware solos over
progressions (length, grid, ending), the pool of pieces, `lofi-build generate --progression` and the site's call."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lofi_build.config import AI
from lofi_build.model import engine, lookback
from lofi_build.model.checkpoint import Checkpoint
from lofi_build.music.pitch import midi_name
from lofi_build.music.progression import parse_progression
from lofi_build.music.tokens import DURATIONS, END, REST, START, token_pitches

HELD_OUT = [  # unusual keys, m7b5, 7#9, 13sus4, slash chords: none of them is in the library
    "F#m7b5 B7#9 | Em9 | C#m7b5 F#7#9 | Bm9",
    "G13sus4 | Gb13sus4 | Fmaj9/A | Bbmaj7/D",
    "Ebm9 Ab13 | Dbmaj9 | Dbmaj9 Bb7b13",
    "Abmaj7/C | Dbmaj9 | C7#9 | Fm11",
]


def random_checkpoint(preset: str = "lofi", seed: int = 0, units=(32, 32), embed: int = 8) -> Checkpoint:
    """A real network of the pinned shape with random weights: notes G3..B5, rests, one chord token."""
    rng = np.random.default_rng(seed)
    vocab = [START, END, REST] + [midi_name(m) for m in range(55, 84)] + ["0.4.7"]
    v, d = len(vocab), len(DURATIONS) + 1
    w = {"token_embed/embeddings": rng.normal(0, .5, (v, embed)),
         "duration_embed/embeddings": rng.normal(0, .5, (d, 4)),
         "next_embed/embeddings": rng.normal(0, .5, (v, embed))}
    x = embed + 4
    if preset == "lofi":
        w["position_embed/embeddings"] = rng.normal(0, .5, (49, 4))
        w["degree_embed/embeddings"] = rng.normal(0, .5, (lookback.DEGREES, 3))
        x += 4 + 36 + len(lookback.BARS) * (embed + 4 + 3 + 2)
    for i, u in enumerate(units):
        w[f"lstm{i}/kernel"] = rng.normal(0, .3, (x, 4 * u))
        w[f"lstm{i}/recurrent_kernel"] = rng.normal(0, .3, (u, 4 * u))
        w[f"lstm{i}/bias"] = rng.normal(0, .1, 4 * u)
        x = u
    w["token_logits/kernel"], w["token_logits/bias"] = rng.normal(0, .5, (x, v)), np.zeros(v)
    w["duration_hidden/kernel"], w["duration_hidden/bias"] = rng.normal(0, .5, (x + embed, 8)), np.zeros(8)
    w["duration_logits/kernel"], w["duration_logits/bias"] = rng.normal(0, .5, (8, d)), np.zeros(d)
    return Checkpoint(folder=None, preset=preset, fingerprint="0" * 64, settings=None, vocab=vocab,
                      durations=list(DURATIONS), weights={k: a.astype(np.float32) for k, a in w.items()})


def random_article_checkpoint(seed: int = 0) -> Checkpoint:
    """The article's network (windows of token ids scaled by 1/vocab) with random weights and prime windows."""
    rng = np.random.default_rng(seed)
    ckpt = random_checkpoint("default", seed)
    v, w, x = len(ckpt.vocab), {}, 1
    for i, u in enumerate((8, 16, 8)):
        w[f"lstm{i}/kernel"] = rng.normal(0, .5, (x, 4 * u))
        w[f"lstm{i}/recurrent_kernel"] = rng.normal(0, .5, (u, 4 * u))
        w[f"lstm{i}/bias"] = np.zeros(4 * u)
        x = u
    w["dense/kernel"], w["dense/bias"] = rng.normal(0, .5, (x, 8)), np.zeros(8)
    w["logits/kernel"], w["logits/bias"] = rng.normal(0, 1, (8, v)), np.zeros(v)
    ckpt.preset, ckpt.weights = "seed", {k: a.astype(np.float32) for k, a in w.items()}
    ckpt.primes = rng.integers(2, v, (4, 8))
    return ckpt


def harmony_of(text: str, bars: int) -> tuple[engine.Harmony, list]:
    timeline = parse_progression(text).timeline(bars)
    spans = [(s.start, s.end, s.chord.vector(), s.chord.pcs, s.chord.pcs, s.chord.avoid) for s in timeline]
    return engine.harmony(spans, quarters=Fraction(4 * bars)), timeline


def chord_at(timeline, t: Fraction):
    return next(s.chord for s in timeline if s.start <= t < s.end)


def assert_bar_aware(ckpt, events, timeline, bars: int):
    """Exactly ``bars`` bars, every onset on the 16th or triplet grid, and the ending rule."""
    assert sum(d for _, d in events) == 4 * bars
    onset = Fraction(0)
    for _, d in events:
        twelfths = onset * 12
        assert twelfths.denominator == 1 and (twelfths % 3 == 0 or twelfths % 4 == 0), onset
        onset += d
    token, length = events[-1]
    last_onset = 4 * bars - length
    if token != ckpt.vocab.index(REST):
        pcs = {p % 12 for p in token_pitches(ckpt.vocab[token])}
        chord = chord_at(timeline, last_onset)
        assert length >= 1 and pcs <= set(chord.pcs) - set(chord.avoid), (ckpt.vocab[token], length)


# -- the pinned PRNG and sampling ---------------------------------------------------------------------------


def test_prng_is_xoshiro128starstar_seeded_by_splitmix32():
    a, b = engine.Prng(1), engine.Prng(1)
    xs = [a.random() for _ in range(1000)]
    assert xs == [b.random() for _ in range(1000)]
    assert all(0 <= x < 1 for x in xs) and 0.45 < np.mean(xs) < 0.55
    assert engine.Prng(2).random() != xs[0]
    # Pinned numbers (the browser helper's shared vectors, tests/prng_vectors.json, for prng.js too).
    for seed, words in {0: [1789933344, 44971166, 2521387044], 42: [660444221, 3652823732, 77672526]}.items():
        p = engine.Prng(seed)
        assert [p.next_u32() for _ in words] == words


def test_sampling_is_the_pinned_walk():
    logits = np.array([[0.0, 3.0, 1.0, 3.0], [5.0, 0.0, 0.0, 0.0]])
    assert list(engine.sample(logits, np.array([0.99, 0.5]), 0, 0)) == [1, 0]  # argmax, lowest index on a tie
    assert list(engine.sample(logits, np.array([0.99, 0.5]), 0, 0, banned=[1])) == [3, 0]
    # Top-2 of row 0 are indices 1 and 3 (tie: 1 first), each p = .5: u < .5 -> 1, else 3.
    assert [int(engine.sample(logits, np.array([u, u]), 1.0, 2)[0]) for u in (0.0, 0.49, 0.5, 0.99)] == [1, 1, 3, 3]
    # All four in descending order 1, 3, 2, 0 with softmax weights; u walks the cumulative sum.
    p = np.exp(np.array([3.0, 3.0, 1.0, 0.0]) - 3.0)
    cdf = np.cumsum(p / p.sum())
    for u, want in ((cdf[0] - 1e-9, 1), (cdf[0], 3), (cdf[1] + 1e-9, 2), (cdf[2] + 1e-9, 0), (0.9999999999, 0)):
        assert int(engine.sample(logits, np.array([u, u]), 1.0, 0)[0]) == want
    allowed = np.array([[True, False, True, False], [False, True, True, True]])
    picks = {int(engine.sample(logits, np.array([u, u]), 1.0, 0, allowed=allowed)[1]) for u in np.linspace(0, .999, 99)}
    assert picks == {1, 2, 3}


# -- bar-aware generation -------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["lofi", "default"])
@pytest.mark.parametrize("text", ["Dm9 G13 | Cmaj9 | Cmaj9 A7b13"] + HELD_OUT)
def test_solos_are_exactly_the_bars_on_the_grid_and_end_on_the_loop_point(preset, text):
    ckpt = random_checkpoint(preset)
    for bars in (1, 3, 8):
        h, timeline = harmony_of(text, bars)
        for temperature, top_k in ((1.0, 0), (0.8, 5), (0, 0)):
            for events in engine.generate(ckpt, list(range(12)), [h] * 12, temperature, top_k):
                assert_bar_aware(ckpt, events, timeline, bars)


def test_a_solo_depends_on_its_seed_only():
    ckpt = random_checkpoint()
    h1, _ = harmony_of(HELD_OUT[0], 4)
    h2, _ = harmony_of(HELD_OUT[1], 6)
    alone = engine.generate(ckpt, [7], [h1], 1.0, 0)
    together = engine.generate(ckpt, [3, 7, 9], [h2, h1, h2], 1.0, 0)
    assert together[1] == alone[0]
    assert engine.generate(ckpt, [3, 7, 9], [h2, h1, h2], 1.0, 0) == together
    assert together[0] != together[2]


def test_the_chords_reach_the_network():
    ckpt = random_checkpoint()
    a = engine.generate(ckpt, [5], [harmony_of("Cmaj9", 4)[0]], 0, 0)
    b = engine.generate(ckpt, [5], [harmony_of("F#m7b5 B7#9", 4)[0]], 0, 0)
    assert a != b  # same seed, argmax: only the chords differ


def test_runs_of_equal_durations_are_capped():
    ckpt = random_checkpoint(seed=3)
    ckpt.weights["duration_logits/bias"][DURATIONS.index(Fraction(1, 2)) + 1] = 50.0  # eighths, always
    h, timeline = harmony_of("Dm9 G13 | Cmaj9", 8)
    for events in engine.generate(ckpt, list(range(24)), [h] * 24, 1.0, 0, max_equal_run=4):
        run = longest = 0
        for i, (_, d) in enumerate(events):
            run = run + 1 if i and d == events[i - 1][1] else 1
            longest = max(longest, run)
        assert longest <= 4
        assert_bar_aware(ckpt, events, timeline, 8)


def test_the_articles_network_keeps_its_random_durations():
    ckpt = random_article_checkpoint()
    assert engine.check_weights(ckpt) is None
    h, _ = harmony_of("Dm9 G13 | Cmaj9", 8)
    solos = engine.generate(ckpt, list(range(8)), [h] * 8, 1.0, 0)
    assert all(sum(d for _, d in events) == 32 for events in solos)
    events = [(ckpt.vocab[t], d) for s in solos for t, d in s[:-1]]  # the last one is cut at the loop end
    assert {d for t, d in events if t == REST} <= {Fraction(1, 4)}
    notes = [d for t, d in events if t != REST]
    assert set(notes) <= {Fraction(1, 2), Fraction(1, 4), Fraction(1), Fraction(2)}
    assert notes.count(Fraction(1, 2)) > len(notes) / 2  # eighths at .65
    assert engine.generate(ckpt, [3], [h], 1.0, 0)[0] == solos[3]


def test_temperature_zero_is_the_argmax_after_the_first_note():
    h, _ = harmony_of("Dm9 G13 | Cmaj9", 4)
    for preset in ("lofi", "default"):
        solos = engine.generate(random_checkpoint(preset), list(range(12)), [h] * 12, 0, 0)
        by_first = {}
        for events in solos:
            by_first.setdefault(events[0][0], set()).add(tuple(events))
        assert len(by_first) > 1  # the first note is drawn, so seeds differ
        assert all(len(v) == 1 for v in by_first.values())  # and the rest follows from it


def test_strong_beats_sound_chord_tones_or_tensions():
    ckpt = random_checkpoint(seed=2)
    for text in HELD_OUT:
        prog = parse_progression(text)
        h = pool.harmony_of(prog, 9)
        timeline = pool.timeline_of(prog, 9)  # the loop's form: three cycles, or cycles and a turnaround
        for events in engine.generate(ckpt, list(range(8)), [h] * 8, 1.0, 0):
            assert_bar_aware(ckpt, events, timeline, 9)
            melody = pool.melody_of([(ckpt.vocab[t], d) for t, d in events])
            assert quality.lofi_measures(melody, timeline, bars=9)["chord_tones"] in (1.0, None)


def test_no_avoid_note_on_a_strong_beat_or_held_a_beat():
    """The natural 11 over a chord with a major 3rd (the chord table's avoid note, though a 13th chord sounds it),
    counted as the musician's measures count it, whatever the network: never."""
    from lofi_build.model import measures

    ckpt = random_checkpoint(seed=5)
    for text in HELD_OUT + ["G13 | Cmaj9 | F13 | Bbmaj7", "C7 | F | G13 | Cmaj7"]:
        prog = parse_progression(text)
        h, timeline = pool.harmony_of(prog, 8), pool.timeline_of(prog, 8)  # the chords the loop plays
        for events in engine.generate(ckpt, list(range(12)), [h] * 12, 1.0, 0):
            notes = quality.notes_of(pool.melody_of([(ckpt.vocab[t], d) for t, d in events]))
            assert measures.natural_elevenths(notes, timeline, Fraction(4)) == 0


def test_the_network_hears_what_it_played_one_and_two_bars_back():
    """Generation's lookback (lookback.History, fed from what was played) equals the corpus side's (corpus_rows,
    read from a part's onsets) on the same solo, and the network's input changes with it."""
    from lofi_build.music.tokens import Step

    ckpt = random_checkpoint(seed=3)
    h, timeline = harmony_of("Dm9 G13 | Cmaj9 | Cmaj9 A7b13", 6)
    (events,) = engine.generate(ckpt, [9], [h], 1.0, 0)
    tops = [top for top in (max(token_pitches(t)) % 12 if token_pitches(t) else -1 for t in ckpt.vocab)]
    history = lookback.History([len(h.at)], [h.bar], h.roots[None, :], lookback.chord_ids(h.vectors, h.at)[None, :],
                               tops, ckpt.vocab.index(START))
    steps, heard, now = [], [], 0
    classes = {d: k + 1 for k, d in enumerate(DURATIONS)}
    for token, d in events:
        back = tuple(history.inputs(np.array([0]), np.array([now]))[0])
        twelfths = int(d * 12)
        history.advance(np.array([0]), np.array([now]), np.array([token]), np.array([classes[d]]), np.array([twelfths]))
        heard.append(back + tuple(history.restated[0]))  # what the next step hears it restated
        chord = chord_at(timeline, Fraction(now, 12))
        steps.append(Step(ckpt.vocab[token], d, now % 48, (chord.root, chord.pcs, chord.bass), Fraction(now, 12)))
        now += twelfths
    rows = lookback.corpus_rows(steps, [t for t, _ in events], [classes[d] for _, d in events], [tops[t] for t, _ in events],
                                ckpt.vocab.index(START))
    assert heard == rows
    assert any(r[0] != ckpt.vocab.index(START) for r in rows[4:])  # a bar in, it hears notes
    assert {r[2] for r in rows} - {lookback.NOTHING, lookback.REST} <= set(range(12))
    assert any(r[3] for r in rows) and not all(r[3] for r in rows[8:])  # the chord a bar back: now the same, now not
    repeat = [ckpt.vocab.index(t) for t in ("C4", "E4", "G4", "C4")] * 3  # four quarters, three bars running
    again = [Step(ckpt.vocab[t], Fraction(1), (12 * i) % 48, None, Fraction(i)) for i, t in enumerate(repeat)]
    flags = [r[-len(lookback.BARS):] for r in lookback.corpus_rows(again, repeat, [6] * 12, [0] * 12, 0)]
    assert flags == [(0, 0, 0, 0)] * 4 + [(1, 0, 0, 0)] * 4 + [(1, 1, 0, 0)] * 4  # the bar before, then two bars too


def lofi_keras(ckpt):
    """The lofi network as training builds it (presets), sized like ``ckpt``, with its weights."""
    from lofi_build.model import presets, train

    w = ckpt.weights
    s = presets.settings("lofi", embed=w["token_embed/embeddings"].shape[1],
                         duration_embed=w["duration_embed/embeddings"].shape[1],
                         position_embed=w["position_embed/embeddings"].shape[1],
                         degree_embed=w["degree_embed/embeddings"].shape[1],
                         lstm=tuple(r.shape[0] for _, r, _ in engine.lstm_layers(w)),
                         duration_hidden=w["duration_hidden/bias"].shape[0])
    model = presets.build("lofi", s, len(ckpt.vocab), len(ckpt.durations) + 1)
    train._import_weights(model, w)
    return model


def test_the_lofi_engine_matches_keras():
    ckpt = random_checkpoint()
    model = lofi_keras(ckpt)
    rng = np.random.default_rng(1)
    batch, steps, v = 3, 40, len(ckpt.vocab)
    tokens, durs, positions, nxt = (rng.integers(0, n, (batch, steps)) for n in (v, len(DURATIONS) + 1, 49, v))
    chords = (rng.random((batch, steps, 36)) < 0.2).astype(np.float32)
    back = np.stack([rng.integers(0, n, (batch, steps)) for _ in lookback.BARS
                     for n in (v, len(DURATIONS) + 1, lookback.DEGREES, 2)], axis=2)
    named = {f"lookback{k}_{what}": back[..., b * lookback.WIDTH + i] for b, k in enumerate(lookback.BARS)
             for i, what in enumerate(("tokens", "durations", "degrees"))}
    restated = rng.integers(0, 2, (batch, steps, len(lookback.BARS))).astype(np.float32)
    same = back[..., lookback.WIDTH - 1::lookback.WIDTH].astype(np.float32)
    out = model.predict({"tokens": tokens, "durations": durs, "positions": positions, "chords": chords,
                         "next_tokens": nxt, "restated": restated, "same_chord": same, **named}, verbose=0)
    state, worst = engine.default_init(ckpt.weights, batch), 0.0
    for t in range(steps):
        top, logits, state = engine.lofi_step(ckpt.weights, state, tokens[:, t], durs[:, t], positions[:, t],
                                              chords[:, t], back[:, t], restated[:, t])
        d = engine.duration_logits(ckpt.weights, top, nxt[:, t])
        worst = max(worst, np.abs(engine.softmax(logits) - engine.softmax(out["token"][:, t])).max(),
                    np.abs(engine.softmax(d) - engine.softmax(out["duration"][:, t])).max())
    assert worst <= 1e-5, worst


def test_lofi_weights_are_checked():
    ckpt = random_checkpoint()
    assert engine.check_weights(ckpt) is None
    del ckpt.weights["position_embed/embeddings"]
    assert "position_embed" in engine.check_weights(ckpt)
    ckpt = random_checkpoint()
    ckpt.weights["position_embed/embeddings"] = ckpt.weights["position_embed/embeddings"][:40]
    assert "position embedding" in engine.check_weights(ckpt)


# -- the pool: pieces over progressions, the lofi gate --------------------------------------------------------

import json  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import mido  # noqa: E402

from lofi_build.config import load_config  # noqa: E402
from lofi_build.errors import LofiError, ModelError  # noqa: E402
from lofi_build.model import pool, quality, train  # noqa: E402
from lofi_build.progressions import load_library  # noqa: E402
from lofi_build.music import tonejson  # noqa: E402
from support import DEFAULTS, MINIMAL_SONG, ROOT, THEME, melody_notes, run_cli, tree_bytes, write_midi  # noqa: E402

LOOSE = dict(chord_tones=0.0, rest_min=0.0, rest_max=1.0, mean_note=0.0, max_equal_run=10_000, max_sixteenths=1.0)


def library(*names):
    config = load_config(ROOT / "lofi.yaml")
    progs = dict(pool.progressions(config))
    return [(n, progs[n]) for n in names] if names else list(progs.items())


def pool_of(ckpt, **kw):
    args = dict(count=4, bars=4, temperature=1.0, top_k=0, seed=11, bpm=80, progressions=library("ii-v-i"),
                thresholds=LOOSE)
    args.update(kw)
    return pool.make_pool(ckpt, **args)


def test_a_solo_is_a_piece_of_three_tracks_over_its_progression():
    ckpt = random_checkpoint()
    result = pool_of(ckpt, count=3, bars=5, progressions=[("inline", parse_progression(HELD_OUT[1]))],
                     transpose=False)
    for solo in result.solos:
        song = solo.song
        assert not tonejson.problems(song)
        assert [(t["name"], p["instrument"]) for t, p in zip(song["tracks"], song["lofi"]["parts"])][::2] == [
            ("melody", "rhodes"), ("bass", "bass")]
        assert song["lofi"]["parts"][1]["instrument"] in ("rhodes", "piano")
        assert all(t["notes"] for t in song["tracks"])
        assert song["lofi"]["progression"] == parse_progression(HELD_OUT[1]).text  # as asked: not transposed
        timeline = pool.timeline_of(parse_progression(HELD_OUT[1]), 5)  # a cycle of 4 bars and a turnaround bar
        assert song["lofi"]["chords"] == [{"ticks": int(s.start * 480), "durationTicks": int((s.end - s.start) * 480),
                                           "symbol": s.chord.symbol} for s in timeline]
        assert [c["symbol"] for c in song["lofi"]["chords"][-2:]] == ["Am9", "D9"]  # ii-V into G13sus4
        assert song["lofi"]["swing"] == 0 and song["lofi"]["loopBars"] == 5
        assert song["lofi"]["layBack"] == {"melody": AI().lay_back}
        for track in song["tracks"]:
            assert max(n["ticks"] + n["durationTicks"] for n in track["notes"]) <= 5 * 1920
        assert_bar_aware(ckpt, [(ckpt.vocab.index(t), d) for t, d in solo.events], timeline, 5)
        melody = [(n["ticks"], n["midi"]) for n in song["tracks"][0]["notes"]]
        want = [(int(s * 480), m) for s, _, ms in pool.melody_of(solo.events) for m in ms]
        shift = min(melody)[1] - min(want)[1]  # the lead is moved up an octave where it would sit in the comping
        assert shift in (0, 12) and sorted(melody) == sorted((t, m + shift) for t, m in want)
        assert len({n["velocity"] for n in song["tracks"][0]["notes"]}) > 3  # shaped by phrase and metre
        assert song["lofi"]["stats"] == {**solo.stats, "problems": solo.problems}


@pytest.mark.parametrize("text", HELD_OUT)
def test_held_out_progressions_measured_against_the_asked_progression(text):
    """As the issue checks it: the melody track read back from the piece, measured over the chords asked for."""
    ckpt = random_checkpoint(seed=4)
    result = pool_of(ckpt, count=3, bars=12, progressions=[("inline", parse_progression(text))], transpose=False,
                     thresholds=pool.default_thresholds())
    timeline = pool.timeline_of(parse_progression(text), 12)  # the chords played: cycles, the loop turned round
    for solo in result.solos:
        notes = [(n["ticks"], n["durationTicks"], n["midi"]) for n in solo.song["tracks"][0]["notes"]]
        m = quality.lofi_measures(quality.melody_from_notes(notes, 480), timeline, bars=12)
        assert m["on_grid"] == 1 and m["ending"] and m["chord_tones"] == 1 and m["max_equal_run"] <= 8
        assert solo.song["lofi"]["chords"][0]["symbol"] == parse_progression(text).bars[0][0].symbol


def test_the_pool_cycles_progressions_through_all_twelve_keys():
    ckpt = random_checkpoint()
    progs = library()
    result = pool_of(ckpt, count=2 * len(progs), bars=2, progressions=progs)
    assert [s.slot.name for s in result.solos] == [n for n, _ in progs] * 2
    assert {s.slot.semitones for s in result.solos[:12]} == set(range(12))
    for s in result.solos:
        prog = dict(progs)[s.slot.name]
        assert s.song["lofi"]["progression"] == prog.transpose(s.slot.semitones).text
    firsts = {(s.slot.name, s.slot.semitones) for s in result.solos}
    assert len(firsts) == len(result.solos)  # the second lap plays each progression in another key
    other = pool_of(ckpt, count=len(progs), bars=2, progressions=progs, seed=12)
    assert [s.slot.semitones for s in other.solos] != [s.slot.semitones for s in result.solos[:len(progs)]]


def test_same_seed_same_pool():
    ckpt = random_checkpoint()
    a, b = pool_of(ckpt), pool_of(ckpt)
    assert [s.song for s in a.solos] == [s.song for s in b.solos]
    assert [s.seed for s in a.solos] == [11, 12, 13, 14]
    assert a.solos[0].events != a.solos[1].events


def test_the_gate_resamples_with_the_next_seeds_and_reports_what_it_cannot_meet(caplog):
    ckpt = random_checkpoint()
    # A random network fails the limits on what a model must learn (test_baselines.py): here, the feel alone.
    gate = dict(pool.default_thresholds(), max_sixteenths=0.2, max_weak_outside=1.0, min_nct_step=0.0)
    # One candidate a try: the choice between six keeps this network's solos within the gate's rests (candidates.py).
    result = pool_of(ckpt, count=6, bars=8, thresholds=gate, candidates=1)
    passed = [s for s in result.solos if not s.problems]
    assert passed and result.rejected and all(reasons for _, reasons in result.rejected)
    for s in passed:
        assert quality.lofi_problems(s.stats, gate) == [] and s.stats["sixteenths"] <= 0.2
    seeds = sorted([s.seed for s in result.solos] + [s for s, _ in result.rejected])
    assert seeds == sorted(set(seeds)) and seeds[0] == 11  # every try has its own seed, in order
    impossible = dict(LOOSE, rest_min=0.99)
    caplog.clear()
    result = pool_of(ckpt, count=2, thresholds=impossible)
    assert len(result.failed) == 2 and "did not pass the quality gate in 8 tries" in caplog.text
    assert len(result.rejected) == 2 * pool.MAX_ROUNDS - 2  # the best try of each is kept, not rejected
    with pytest.raises(ModelError, match="2 of 2 solos did not pass the quality gate"):
        pool_of(ckpt, count=2, thresholds=impossible, strict=True)


# -- lofi-build generate and the site -------------------------------------------------------------------------

PRESET = "lofi"


def make_project(root: Path, ai: str = "") -> Path:
    """A project whose checkpoint (random weights of the pinned shape) is already in content/model."""
    write_midi(root / "content" / "midi" / "tune.mid", [(0, 0, melody_notes(0))])
    (root / "content" / "songs").mkdir(parents=True)
    (root / "content" / "songs" / "song.yaml").write_text(MINIMAL_SONG)
    shutil.copytree(DEFAULTS / "content" / "progressions", root / "content" / "progressions")
    (root / "lofi.yaml").write_text(f"title: Gen\nseed: 3\nai:\n  pool_size: 3\n{ai}model:\n  preset: {PRESET}\n"
                                    "  train: never\n  corpus: [content/midi]\n")
    p = train.plan(load_config(root / "lofi.yaml"))
    ckpt = random_checkpoint(PRESET)
    ckpt.folder, ckpt.preset, ckpt.fingerprint, ckpt.settings = p.folder, p.preset, p.fingerprint, p.settings
    ckpt.info = {"val_perplexity": 9.5, "unigram_val_perplexity": 30.2}
    ckpt.save()
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("gen") / "proj")


@pytest.mark.parametrize("args,message", [
    (("--progression", "Dm9 G13 | Hm7 | Cmaj9"), "error: --progression: bar 2: unknown chord symbol 'Hm7'\n"),
    (("--progression", "Dm9 | | C"), "error: --progression: bar 2: empty bar\n"),
    (("--progression", " "), "error: --progression: empty progression\n"),
    (("--bars", "0"), "Invalid value for '--bars': 0 is not in the range 1<=x<=256"),
    (("--bars", "10000"), "Invalid value for '--bars': 10000 is not in the range 1<=x<=256"),
])
def test_bad_generate_arguments_are_usage_errors(project, tmp_path, args, message):
    result = run_cli("generate", *args, "-o", tmp_path / "out", cwd=project)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    if message.startswith("error:"):
        assert result.stderr == message
    assert not (tmp_path / "out").exists()


def test_generate_over_a_progression_writes_pieces_and_pool_json(project, tmp_path):
    text = "Ebm9 Ab13 | Dbmaj9 | Dbmaj9 Bb7b13"
    args = ("generate", "--progression", text, "--bars", "6", "-n", "3", "--seed", "5", "--temperature", "0.8",
            "--top-k", "6")
    first = run_cli(*args, "-o", tmp_path / "a", cwd=project, check=True)
    run_cli(*args, "-o", tmp_path / "b", cwd=project, check=True)
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")  # same seed, same files
    assert "validation perplexity 9.5 (unigram 30.2)" in first.stderr
    summary = json.loads((tmp_path / "a" / "pool.json").read_text())
    assert summary["temperature"] == 0.8 and summary["topK"] == 6 and summary["bars"] == 6
    assert summary["checkpoint"]["val_perplexity"] == 9.5 and summary["quality"]["chord_tones"] == 0.85
    assert len(summary["solos"]) == 3
    timeline = parse_progression(text).timeline(6)
    for solo in summary["solos"]:
        assert solo["progression"] == parse_progression(text).text and solo["transpose"] == 0
        assert set(solo["stats"]) >= {"chord_tones", "rest_share", "mean_note", "max_equal_run", "sixteenths",
                                      "on_grid", "ending", "weak_outside", "nct_step"}
        assert solo["passed"] == (solo["problems"] == [])
        song = json.loads((tmp_path / "a" / f"{solo['id']}.json").read_text())
        assert song["lofi"]["seed"] == solo["seed"] and song["lofi"]["solo"] is True and not tonejson.problems(song)
        assert [t["name"] for t in song["tracks"]] == ["melody", "chords", "bass"]
        mid = mido.MidiFile(tmp_path / "a" / f"{solo['id']}.mid")
        assert mid.ticks_per_beat == 480 and len([t for t in mid.tracks if any(m.type == "note_on" for m in t)]) == 3
        ends = [max(n["ticks"] + n["durationTicks"] for n in t["notes"]) for t in song["tracks"]]
        assert max(ends) <= 6 * 1920
        quarters = [(Fraction(n["ticks"], 480), Fraction(n["durationTicks"], 480)) for n in song["tracks"][0]["notes"]]
        last = max(quarters)
        assert last[0] + last[1] == 24 or solo["stats"]["ending"]  # held to the loop point, or a rest ends it


def test_ai_progressions_names_and_inline_ones_with_located_errors(tmp_path):
    root = make_project(tmp_path / "p", ai='  progressions: [ii-v-i, "Cm9 | F13sus4"]\n')
    config = load_config(root / "lofi.yaml")
    assert [(n, p.text) for n, p in pool.progressions(config)] == [
        ("ii-v-i", dict(library())["ii-v-i"].text), ("inline", "Cm9 | F13sus4")]
    (root / "lofi.yaml").write_text((root / "lofi.yaml").read_text().replace("F13sus4", "Hm7"))
    with pytest.raises(LofiError) as e:
        pool.progressions(load_config(root / "lofi.yaml"))
    assert str(e.value).endswith("lofi.yaml:6:32: error: bar 2: unknown chord symbol 'Hm7'") or \
        "bar 2: unknown chord symbol 'Hm7'" in str(e.value)
    (root / "lofi.yaml").write_text((root / "lofi.yaml").read_text().replace("ii-v-i", "no-such-name"))
    with pytest.raises(LofiError, match="no-such-name"):
        pool.progressions(load_config(root / "lofi.yaml"))
    shutil.rmtree(root / "content" / "progressions")
    (root / "lofi.yaml").write_text((root / "lofi.yaml").read_text().replace(
        '  progressions: [no-such-name, "Cm9 | Hm7"]\n', ""))
    # A project without a library of its own plays over the package's.
    packaged = load_library(DEFAULTS / "content" / "progressions" / "progressions.yaml")
    assert [n for n, _ in pool.progressions(load_config(root / "lofi.yaml"))] == list(packaged)
    result = run_cli("generate", "--progression", "Cm9 | F13sus4", "--bars", "4", "-n", "1", "-o", tmp_path / "o",
                     cwd=root)
    assert result.returncode == 0, result.stderr


def test_the_site_asks_the_model_package_for_its_pool(project, tmp_path):
    from lofi_build import model
    from lofi_build.site.build import build_site

    shutil.copytree(THEME, project / "site_src", dirs_exist_ok=True)
    result = run_cli("site", "-d", tmp_path / "site", cwd=project, check=True)
    assert "AI pool: checkpoint " in result.stderr and "validation perplexity 9.5" in result.stderr
    manifest = json.loads((tmp_path / "site" / "manifest.json").read_text())
    assert len(manifest["solos"]) == 3
    for entry in manifest["solos"]:
        song = json.loads((tmp_path / "site" / entry["url"]).read_text())
        assert entry["stats"] == song["lofi"]["stats"] and "chord_tones" in entry["stats"]
        assert isinstance(entry["stats"]["problems"], list)  # the gate's verdict: empty when it passed
        assert [t["name"] for t in song["tracks"]] == ["melody", "chords", "bass"]
    config = load_config(project / "lofi.yaml")
    assert model.solos_key(config) == model.solos_key(load_config(project / "lofi.yaml"))
    assert model.solos_key(config) != model.solos_key(load_config(project / "lofi.yaml", seed=4))
    del build_site


def test_serve_cache_regenerates_the_pool_only_when_needed(project, tmp_path, monkeypatch):
    from lofi_build.site.build import BuildCache, build

    root = shutil.copytree(project, tmp_path / "proj")
    shutil.copytree(THEME, root / "site_src", dirs_exist_ok=True)
    calls = []
    real = pool.solos
    monkeypatch.setattr(pool, "solos", lambda *a, **k: calls.append(1) or real(*a, **k))
    cache = BuildCache()
    build(load_config(root / "lofi.yaml"), tmp_path / "out", cache=cache)
    build(load_config(root / "lofi.yaml"), tmp_path / "out", cache=cache)
    assert len(calls) == 1
    config_file = root / "lofi.yaml"
    config_file.write_text(config_file.read_text().replace("pool_size: 3", "pool_size: 3\n  top_k: 5"))
    build(load_config(root / "lofi.yaml"), tmp_path / "out", cache=cache)
    assert len(calls) == 2
    library_file = root / "content" / "progressions" / "progressions.yaml"
    library_file.write_text(library_file.read_text().replace("Dm9 | G13 | Cmaj9 | Cmaj9", "Dm9 | G13 | Cmaj9 | A7"))
    build(load_config(root / "lofi.yaml"), tmp_path / "out", cache=cache)
    assert len(calls) == 3
