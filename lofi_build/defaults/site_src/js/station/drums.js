// Drums for a station track: a groove score laid over the track's sections, with fills at phrase ends and drop-outs.
//
// The groove is a drum score from content/drums/ in the one note format. Its bars are taken in
// turn from each section's top, so the groove's own fills (most grooves roll into bars 4 and 8)
// fall on the section's phrases; a section's last bar takes the groove's fill bar (its section
// named "fill…" where the score has sections, else its last bar), unless the drums drop out for
// the last two beats before the next section. Sections with drums "out" have none; "half"
// plays the first half of the section (an outro whose last chord rings alone).

const FILL = /fill/i;

/** The groove's bars: {main: [bar...], fill: bar} from its sections where it has them. */
function grooveBars(groove) {
  const loop = groove.lofi.loopBars;
  const sections = groove.lofi.sections || [];
  const fill = sections.find((s) => FILL.test(s.name));
  const inFill = (bar) => fill && bar >= fill.bar && bar < fill.bar + fill.bars;
  const main = [];
  for (let bar = 0; bar < loop; bar++) if (!inFill(bar)) main.push(bar);
  return { main: main.length ? main : [0], fill: fill ? fill.bar + fill.bars - 1 : loop - 1 };
}

/**
 * Drum tracks for `sections` ([{bars, drums: "groove" | "out" | "half", dropout}] in order) from `groove` (a
 * piece): [{name, instrument (kit id), gm (the groove track's instrument), channel, notes: [[ticks,
 * durationTicks, midi, velocity, name]]}], one per groove track. `barTicks`: a bar of the track (the groove's
 * meter must be the track's); `beatTicks`: one beat.
 */
export function arrangeDrums(groove, sections, { barTicks, beatTicks }) {
  const { main, fill } = grooveBars(groove);
  const kits = new Map(groove.lofi.parts.map((p) => [p.name, p.instrument]));
  const tracks = groove.tracks.map((t) => ({ name: t.name, instrument: kits.get(t.name), gm: t.instrument, channel: t.channel,
                                            byBar: new Map(), notes: [] }));
  // The groove's notes by bar, once.
  groove.tracks.forEach((t, i) => {
    for (const n of t.notes) {
      const bar = Math.floor(n.ticks / barTicks);
      const list = tracks[i].byBar.get(bar) || [];
      list.push(n);
      tracks[i].byBar.set(bar, list);
    }
  });
  let start = 0;
  for (const s of sections) {
    const playing = s.drums === "half" ? Math.ceil(s.bars / 2) : s.drums === "out" ? 0 : s.bars;
    for (let j = 0; j < playing; j++) {
      const last = j === s.bars - 1;
      const bar = last ? fill : main[j % main.length];
      const at = (start + j) * barTicks;
      const cut = last && s.dropout ? barTicks - 2 * beatTicks : barTicks; // the drop before the next section
      for (const t of tracks) {
        for (const n of t.byBar.get(bar) || []) {
          const offset = n.ticks - bar * barTicks;
          if (offset >= cut) continue;
          t.notes.push([at + offset, Math.min(n.durationTicks, barTicks - offset), n.midi, n.velocity, n.name]);
        }
      }
    }
    start += s.bars;
  }
  return tracks.map(({ byBar, ...t }) => t);
}

/** What the drums do in a song's section, by its name: none in an intro, outro or breakdown. */
export function songDrums(name) {
  return /intro|outro|break/i.test(name) ? "out" : "groove";
}
