// A Standard MIDI File from a piece in the one note format.
//
// A Standard MIDI File from a piece in the one note format: format 1, a conductor track (title, tempo,
// time signature, a UTF-8 text), then one track per part (name, program, notes), each note moved by its
// track's lay-back as the player moves it (music/midi.py bakes the same). Pieces made in the page are
// written straight (their swing comes from the drum groove at play time), so no swing is baked here.
import { trackLayBack } from "../layers/pieces.js";

function varlen(n) {
  const bytes = [n & 0x7f];
  while ((n >>>= 7)) bytes.unshift((n & 0x7f) | 0x80);
  return bytes;
}

function meta(type, data) {
  return [0xff, type, ...varlen(data.length), ...data];
}

const utf8 = (text) => [...new TextEncoder().encode(text)];

function chunk(type, body) {
  const n = body.length;
  return [...utf8(type), (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff, ...body];
}

// [tick, order, bytes] events -> a track chunk with delta times and an end-of-track.
function track(events) {
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const body = [];
  let now = 0;
  for (const [tick, , bytes] of events) {
    body.push(...varlen(tick - now), ...bytes);
    now = tick;
  }
  body.push(0, ...meta(0x2f, []));
  return chunk("MTrk", body);
}

/** The .mid bytes (Uint8Array) of ``piece``; ``text`` goes into the conductor track as a text event. */
export function midiBytes(piece, text = "") {
  const ppq = piece.header.ppq;
  const bpm = piece.header.tempos[0] ? piece.header.tempos[0].bpm : piece.lofi.bpm;
  const [num, den] = piece.lofi.timeSignature;
  const tempo = Math.round(60e6 / bpm);
  const conductor = [
    [0, 0, meta(0x03, utf8(piece.header.name || ""))],
    [0, 1, meta(0x51, [(tempo >>> 16) & 0xff, (tempo >>> 8) & 0xff, tempo & 0xff])],
    [0, 2, meta(0x58, [num, Math.round(Math.log2(den)), 24, 8])],
  ];
  if (text) conductor.push([0, 3, meta(0x01, utf8(text))]);
  const chunks = [track(conductor)];
  for (const t of piece.tracks) {
    const ch = t.channel & 0x0f;
    const events = [[0, 0, meta(0x03, utf8(t.name))]];
    if (t.channel !== 9) events.push([0, 1, [0xc0 | ch, t.instrument.number & 0x7f]]);
    const late = trackLayBack(piece, t);
    for (const n of t.notes) {
      const velocity = Math.max(1, Math.min(127, Math.round(n.velocity * 127)));
      events.push([n.ticks + late, 3, [0x90 | ch, n.midi, velocity]]);
      events.push([n.ticks + n.durationTicks + late, 2, [0x80 | ch, n.midi, 0]]); // offs before ons at a tick
    }
    chunks.push(track(events));
  }
  const header = chunk("MThd", [0, 1, 0, chunks.length, (ppq >>> 8) & 0xff, ppq & 0xff]);
  return Uint8Array.from([...header, ...chunks.flat()]);
}
