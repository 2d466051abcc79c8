// A station track written as one piece in the one note format: its tracks, tempo, key, swing and sections.
//
// Used in the generator's worker (AI tracks) and on the page (a song's station drums); the note
// fields are those every piece has: ticks and durations at the build's PPQ, seconds from the
// tempo, the TransportTime string and the name the note already carries.
import { formatBbs } from "../ai/solo.js";

const seconds = (ticks, bpm, ppq) => ((ticks / ppq) * 60) / bpm;

/** Notes [[ticks, durationTicks, midi, velocity, name]] as the note format's objects, in time order. */
export function notesJson(list, { bpm, ppq, beats }) {
  return list.slice().sort((a, b) => a[0] - b[0] || a[2] - b[2]).map(([ticks, durationTicks, midi, velocity, name]) => {
    const time = seconds(ticks, bpm, ppq);
    return { duration: seconds(ticks + durationTicks, bpm, ppq) - time, durationTicks, midi, name, ticks, time,
             transport: formatBbs(ticks, beats, ppq), velocity };
  });
}

/**
 * A piece: `tracks` [{name, instrument (kit id), gm (General MIDI {family, number, name}), channel, notes (as
 * notesJson takes them)}], `title`, `bpm`, `meter`, `ppq`, `key` ({key, scale} or null), `bars` (its length),
 * `swing` ({amount, subdivision} or null), `sections` (lofi.sections) and `lofi` (more of the "lofi" block).
 */
export function trackPiece({ tracks, title, bpm, meter, ppq, key, bars, swing, sections, lofi = {} }) {
  const beats = meter[0];
  return {
    header: {
      keySignatures: key ? [{ key: key.key, scale: key.scale, ticks: 0 }] : [],
      meta: [],
      name: title,
      ppq,
      tempos: [{ bpm, ticks: 0 }],
      timeSignatures: [{ measures: 0, ticks: 0, timeSignature: [...meter] }],
    },
    lofi: {
      bpm, timeSignature: [...meter], loopBars: bars, swing: swing ? swing.amount : 0,
      ...(swing && swing.subdivision ? { swingSubdivision: swing.subdivision } : {}),
      parts: tracks.map((t) => ({ name: t.name, instrument: t.instrument })),
      sections, ...lofi,
    },
    tracks: tracks.map((t) => ({ channel: t.channel, controlChanges: {}, instrument: t.gm, name: t.name,
                                 notes: notesJson(t.notes, { bpm, ppq, beats }), pitchBends: [] })),
  };
}
