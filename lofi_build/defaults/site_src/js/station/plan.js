// The station's program: a seeded list of songs and arranged AI tracks whose key, tempo and mood drift gently.
//
// Pure functions over data the page already has (the station facts, the songs' and grooves' JSON,
// the progression library and mood cells, the station asset): the same seed gives the same
// program on every page, and track i is made by replaying the program from its start (cheap: no
// music is generated here, only each track's recipe). The arrangement's shape (how many bars
// an intro, a breakdown and an outro take, what plays in each) is the station's own design and
// lives here; what a listener may set lives in lofi.yaml (facts.station).
import { Prng } from "../ai/prng.js";
import { hashString } from "../audio/transport.js";
import { nameTrack } from "./names.js";

export const INTRO_BARS = 4;
export const BREAKDOWN_BARS = 4;
export const OUTRO_BARS = 4; // the melody's cadence, then the home chord rings ENDING_BARS
export const ENDING_BARS = 2;
const PHRASE_BARS = 8; // a melody section is at least this long, whole passes of its progression
// How far the mood moves from one track to the next (valence -1..1, arousal 0..1), and where it stays.
const VALENCE_STEP = 0.3;
const AROUSAL_STEP = 0.2;
const VALENCE = [-0.9, 0.9];
const AROUSAL = [0.05, 0.8];
// Key moves from one AI track to the next, with their weights: mostly a fifth or a fourth (the
// circle of fifths), sometimes none, now and then a whole step.
const KEY_MOVES = [[0, 2], [7, 3], [5, 3], [2, 1], [10, 1]];
const TRANSITION_WEIGHTS = { crossfade: 3, "tape-stop": 1, "vinyl-brake": 1 };

const clamp = (x, [lo, hi]) => Math.min(hi, Math.max(lo, x));
const mod12 = (x) => ((x % 12) + 12) % 12;

function weighted(rnd, items, weight) {
  const total = items.reduce((a, it) => a + weight(it), 0);
  let u = rnd() * total;
  for (const it of items) {
    u -= weight(it);
    if (u < 0) return it;
  }
  return items[items.length - 1];
}

/** The pitch class a key name stands for, by the key names the build publishes (station asset `keys`). */
export function tonicOf(name, keys) {
  for (const scale of Object.keys(keys)) {
    const i = keys[scale].indexOf(name);
    if (i >= 0) return i;
  }
  return null;
}

/** What the plan needs of a song (its JSON, read once): {id, title, bpm, tonic, scale, key, loopBars, beats,
 * sections: [{name, bars}], progression}. */
export function songFacts(entry, piece, keys) {
  const sig = piece.header.keySignatures[0];
  const loopBars = piece.lofi.loopBars;
  const sections = (piece.lofi.sections || []).map((s) => ({ name: s.name, bars: s.bars }));
  return {
    id: entry.id, title: piece.header.name || entry.title, bpm: piece.header.tempos[0].bpm,
    tonic: sig ? tonicOf(sig.key, keys) : null, scale: sig ? sig.scale : null, key: sig ? `${sig.key} ${sig.scale}` : null,
    loopBars, beats: piece.header.timeSignatures[0].timeSignature[0], progression: piece.lofi.progression || null,
    sections: sections.length ? sections : [{ name: "A", bars: loopBars }],
  };
}

/** The sections of an AI track about `targetBars` long (and at most `maxBars`) over progressions of `aBars` and
 * `bBars` bars, with textures drawn by `rnd`: {sections: [{name, bars, material, from, melody, chords, bass, soft,
 * drums, filter, dropout, ending}], materialBars: {A, B}} (how long each material is made). */
export function arrangement(rnd, { targetBars, maxBars, aBars, bBars }) {
  const a = aBars * Math.ceil(PHRASE_BARS / aBars);
  const b = bBars * Math.ceil(PHRASE_BARS / bBars);
  const filteredIntro = rnd() < 0.5;
  const filteredBreak = rnd() < 0.5;
  const intro = { name: "intro", bars: INTRO_BARS, material: "A", melody: false, chords: true, bass: filteredIntro,
                  drums: filteredIntro ? "groove" : "out", filter: filteredIntro };
  const A = () => ({ name: "A", bars: a, material: "A", melody: true, chords: true, bass: true, drums: "groove" });
  const B = () => ({ name: "B", bars: b, material: "B", melody: true, chords: true, bass: true, drums: "groove" });
  const breakdown = { name: "breakdown", bars: BREAKDOWN_BARS, material: "B", melody: true, soft: true, chords: true,
                      bass: true, drums: filteredBreak ? "groove" : "out", filter: filteredBreak };
  const outro = { name: "outro", bars: OUTRO_BARS, material: "A", melody: false, chords: true, bass: true, drums: "half",
                  ending: true };
  const form = [intro, A(), B(), breakdown, A(), outro];
  const total = () => form.reduce((n, s) => n + s.bars, 0);
  // Longer tracks gain passes where a listener expects them: the melody twice before the B, the B
  // twice, the melody twice at the end.
  const grow = [[2, A], [4, B], [6, A], [3, A], [5, B]];
  for (const [at, make] of grow) {
    const next = make();
    if (total() >= targetBars || total() + next.bars > maxBars) break;
    form.splice(at, 0, next);
  }
  // Melody passes take the material's halves in turn (it is made two passes long where the form
  // plays it twice or more), and the last A restates the first: the motif comes back.
  const passes = { A: 0, B: 0 };
  const halves = { A: Math.min(2, form.filter((s) => s.name === "A").length), B: Math.min(2, form.filter((s) => s.name === "B").length) };
  const lastA = form.map((s) => s.name).lastIndexOf("A");
  // `from`: the material bar each section starts at; the outro takes the melody pass's last two bars (its cadence).
  form.forEach((s, i) => {
    if (s.name === "A" || s.name === "B") {
      s.from = (i === lastA ? 0 : passes[s.name] % halves[s.name]) * s.bars;
      passes[s.name]++;
    } else {
      s.from = s.ending ? a - (OUTRO_BARS - ENDING_BARS) : 0;
    }
    // A drop-out now and then: the drums stop for the last two beats before the next section.
    s.dropout = s.drums === "groove" && i < form.length - 1 && rnd() < 0.3;
  });
  return { sections: form, materialBars: { A: a * halves.A, B: b * Math.max(1, halves.B) } };
}

/**
 * The program for `seed`: `ctx` holds {facts (facts.station), ai (facts.ai), songs (songFacts), grooves
 * [{id, bpm}], library [{name, progression, mode, moods}], tonics, cells (the mood table's), names, keys,
 * meter, transpose(text, semitones) -> text, generates (false: the site has no model, every track is a song)}.
 * `program.track(i)` and `program.upTo(seconds)` extend it as needed.
 */
export class Program {
  constructor(seed, ctx) {
    if (!Number.isInteger(seed)) throw new TypeError(`seed must be an integer, not ${seed}`);
    this.seed = seed;
    this.ctx = ctx;
    this.rnd = (() => {
      const prng = new Prng(seed);
      return () => prng.random();
    })();
    this.tracks = [];
    const r = this.rnd;
    const f = ctx.facts;
    this.state = {
      valence: clamp(r() * 1.2 - 0.4, VALENCE),
      arousal: clamp(0.15 + r() * 0.35, AROUSAL),
      tonic: Math.floor(r() * 12),
      scale: null,
      bpm: null,
      groove: ctx.grooves.length ? ctx.grooves[Math.floor(r() * ctx.grooves.length)].id : null,
      progression: null,
    };
    this.state.bpm = Math.round(f.bpm.min + (f.bpm.max - f.bpm.min) * this.state.arousal);
  }

  /** Tracks until their total reaches `seconds`. */
  upTo(seconds) {
    while (!this.tracks.length || this.end() < seconds) this._next();
    const out = [];
    for (const t of this.tracks) {
      if (t.start >= seconds) break;
      out.push(t);
    }
    return out;
  }

  track(i) {
    while (this.tracks.length <= i) this._next();
    return this.tracks[i];
  }

  end() {
    const last = this.tracks[this.tracks.length - 1];
    return last ? last.start + last.seconds : 0;
  }

  _recentTitles(start) {
    const window = this.ctx.facts.repeatSeconds;
    return new Set(this.tracks.filter((t) => t.start + t.seconds > start - window).map((t) => t.title));
  }

  _next() {
    const index = this.tracks.length;
    const start = this.end();
    const song = this.ctx.generates === false ? this._oldestSong() : this._song(index, start);
    const track = song ? this._songTrack(song, index, start) : this._aiTrack(index, start);
    const transitions = this.ctx.facts.transitions;
    track.transition = weighted(this.rnd, transitions, (t) => TRANSITION_WEIGHTS[t] || 1);
    this.tracks.push(track);
  }

  /** The song that takes slot `index`, or null: every songEvery-th slot, one not heard within
   * repeatSeconds, the nearest in tempo to where the program is. */
  _song(index, start) {
    const { songEvery, repeatSeconds } = this.ctx.facts;
    if (!songEvery || (index + 1) % songEvery !== 0) return null;
    const heard = new Map();
    for (const t of this.tracks) if (t.kind === "song") heard.set(t.songId, t.start + t.seconds);
    const fresh = this.ctx.songs.filter((s) => !heard.has(s.id) || start - heard.get(s.id) >= repeatSeconds);
    if (!fresh.length) return null;
    const bpm = this.state.bpm;
    const best = Math.min(...fresh.map((s) => Math.abs(s.bpm - bpm)));
    const near = fresh.filter((s) => Math.abs(s.bpm - bpm) === best);
    return near[Math.floor(this.rnd() * near.length)];
  }

  /** Without a model every track is a song: the one not heard for longest (a site of songs only repeats them). */
  _oldestSong() {
    const { songs } = this.ctx;
    if (!songs.length) throw new Error("This site has neither a model nor songs for a station.");
    const heard = new Map();
    for (const t of this.tracks) if (t.kind === "song") heard.set(t.songId, t.start);
    return songs.reduce((best, s) => ((heard.get(s.id) ?? -Infinity) < (heard.get(best.id) ?? -Infinity) ? s : best));
  }

  _songTrack(song, index, start) {
    const { seconds } = this.ctx.facts;
    const once = (song.loopBars * song.beats * 60) / song.bpm;
    // Whole passes of its form: at least the shortest track, no longer than the longest unless one pass is.
    let passes = Math.max(1, Math.ceil(seconds.min / once - 1e-9));
    while (passes > 1 && passes * once > seconds.max) passes--;
    const sections = [];
    for (let p = 0; p < passes; p++) for (const s of song.sections) sections.push({ ...s });
    if (song.tonic !== null) Object.assign(this.state, { tonic: song.tonic, scale: song.scale });
    this.state.bpm = Math.round(song.bpm);
    this.state.groove = this._groove();
    return {
      index, id: song.id, songId: song.id, kind: "song", title: song.title, key: song.key, bpm: song.bpm,
      bars: passes * song.loopBars, passes, form: sections.map((s) => s.name), sections: laidOut(sections),
      progression: song.progression, seconds: passes * once, start, groove: this.state.groove,
      beats: song.beats,
    };
  }

  _groove() {
    const { grooves } = this.ctx;
    if (!grooves.length) return null;
    if (this.state.groove && this.rnd() < 0.5) return this.state.groove;
    // Another groove, the nearer its own tempo the likelier.
    const others = grooves.filter((g) => g.id !== this.state.groove);
    const choice = weighted(this.rnd, others.length ? others : grooves, (g) => 1 / (1 + Math.abs(g.bpm - this.state.bpm) / 8));
    return choice.id;
  }

  _aiTrack(index, start) {
    const { facts, ai, library, tonics, cells, keys, meter, transpose, names } = this.ctx;
    const r = this.rnd;
    const s = this.state;
    const seed = Math.floor(r() * 2 ** 31);
    s.valence = clamp(s.valence + (r() - 0.5) * VALENCE_STEP, VALENCE);
    s.arousal = clamp(s.arousal + (r() - 0.5) * AROUSAL_STEP, AROUSAL);
    const cell = cells.find((c) => c.valence[0] <= s.valence && s.valence < c.valence[1] && c.arousal[0] <= s.arousal
                                   && s.arousal < c.arousal[1]) || cells[0];
    if (s.scale === null) {
      s.scale = cell.mode;
    } else if (cell.mode !== s.scale) {
      s.tonic = mod12(s.tonic + (cell.mode === "minor" ? -3 : 3)); // to the relative key: the same notes
      s.scale = cell.mode;
    } else {
      s.tonic = mod12(s.tonic + weighted(r, KEY_MOVES, (m) => m[1])[0]);
    }
    const target = facts.bpm.min + (facts.bpm.max - facts.bpm.min) * s.arousal;
    const move = clamp(Math.round(target - s.bpm + (r() - 0.5) * 2), [-facts.bpmStep, facts.bpmStep]);
    s.bpm = clamp(s.bpm + move, [facts.bpm.min, facts.bpm.max]);
    // The melody's progression: one of the key's mode, weighted by the mood's tags (3, 2, 1), never the last one.
    const modal = library.filter((e) => e.mode === s.scale && e.name in tonics);
    const pool = modal.filter((e) => e.name !== s.progression);
    const tagWeight = (e) => 0.5 + cell.moods.reduce((w, tag, i) => w + (e.moods.includes(tag) ? 3 - i : 0), 0);
    const A = weighted(r, pool.length ? pool : modal, tagWeight);
    // The B section's: a related one (same mode, sharing a tag), else the melody's own a fourth up.
    const related = modal.filter((e) => e.name !== A.name && e.moods.some((m) => A.moods.includes(m)));
    const B = related.length ? weighted(r, related, (e) => 0.25 + e.moods.filter((m) => A.moods.includes(m)).length) : null;
    s.progression = A.name;
    const aText = transpose(A.progression, mod12(s.tonic - tonics[A.name]));
    const bText = B ? transpose(B.progression, mod12(s.tonic - tonics[B.name])) : transpose(A.progression, mod12(s.tonic + 5 - tonics[A.name]));
    const barCount = (text) => text.split("|").length;
    const beats = meter[0];
    const barsIn = (seconds) => (seconds * s.bpm) / 60 / beats;
    const wanted = facts.seconds.min + r() * (facts.seconds.max - facts.seconds.min);
    const shape = arrangement(r, { targetBars: barsIn(wanted), maxBars: Math.floor(barsIn(facts.seconds.max)),
                                   aBars: barCount(aText), bBars: barCount(bText) });
    s.groove = this._groove();
    const bars = shape.sections.reduce((n, x) => n + x.bars, 0);
    const title = nameTrack(r, names, this._recentTitles(start), `Station track ${index + 1}`);
    const recipe = {
      seed, key: { tonic: s.tonic, scale: s.scale }, bpm: s.bpm, progression: aText, progressionB: bText,
      arrangement: shape.sections, materialBars: shape.materialBars, groove: s.groove,
      temperature: ai.temperature, topK: ai.topK,
    };
    return {
      index, id: `st-${this.seed}-${index}-${hashString(JSON.stringify(recipe)).toString(16)}`, kind: "solo", title,
      key: `${keys[s.scale][s.tonic]} ${s.scale}`, bpm: s.bpm, bars, form: shape.sections.map((x) => x.name),
      sections: laidOut(shape.sections), progression: aText, progressionB: bText, seconds: (bars * beats * 60) / s.bpm,
      start, groove: s.groove, beats, mood: { valence: +s.valence.toFixed(3), arousal: +s.arousal.toFixed(3), moods: cell.moods },
      names: { A: A.name, B: B ? B.name : A.name }, recipe,
    };
  }
}

/** Sections as a piece's lofi.sections lists them: [{name, bar, bars, pass}]. */
export function laidOut(sections) {
  const passes = {};
  let bar = 0;
  return sections.map((s) => {
    passes[s.name] = (passes[s.name] || 0) + 1;
    const out = { name: s.name, bar, bars: s.bars, pass: passes[s.name] };
    bar += s.bars;
    return out;
  });
}
