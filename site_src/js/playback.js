// The one playback path: every piece (song, drum groove, AI solo) is Tone.js JSON
// scheduled on the shared Transport at PPQ 480, so ticks in the JSON are Transport ticks.
export const PPQ = 480;

const T = () => window.Tone;

/** Set the Transport up for a piece: tempo, meter and swing. */
export function configureTransport(song) {
  const transport = T().getTransport();
  const lofi = song.lofi;
  transport.bpm.value = lofi.bpm;
  transport.timeSignature = lofi.timeSignature;
  transport.swing = lofi.swing || 0;
  transport.swingSubdivision = "8n";
}

/** One looping Part per track; `voices[track.name]` plays the notes. */
export class PieceLayer {
  constructor(song, voices, { loopBars } = {}) {
    this.song = song;
    this.loopBars = loopBars || song.lofi.loopBars;
    this.parts = song.tracks.map((track) => {
      const voice = voices(track);
      const events = track.notes.map((n) => ({
        time: `${n.ticks}i`,
        midi: n.midi,
        name: n.name,
        dur: `${n.durationTicks}i`,
        velocity: n.velocity,
      }));
      const part = new (T().Part)((time, ev) => voice.play(ev, time), events);
      part.loop = true;
      part.loopStart = 0;
      part.loopEnd = `${this.loopBars}m`;
      return part;
    });
  }

  start(at = 0) {
    for (const part of this.parts) part.start(at);
    return this;
  }

  dispose() {
    for (const part of this.parts) part.dispose();
    this.parts = [];
  }
}
