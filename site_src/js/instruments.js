// Voices for the sampler presets named in scores. Built-in Tone synths stand in until
// the sound kit's samples are listed in manifest.json.
const T = () => window.Tone;

const SYNTH_PRESETS = {
  piano: { oscillator: { type: "triangle" }, envelope: { attack: 0.005, decay: 0.6, sustain: 0.2, release: 1.2 } },
  rhodes: { oscillator: { type: "sine" }, envelope: { attack: 0.01, decay: 0.8, sustain: 0.35, release: 1.4 } },
  guitar: { oscillator: { type: "triangle" }, envelope: { attack: 0.003, decay: 0.4, sustain: 0.1, release: 0.6 } },
  vibraphone: { oscillator: { type: "sine" }, envelope: { attack: 0.002, decay: 1.2, sustain: 0.1, release: 1.5 } },
  musicbox: { oscillator: { type: "sine" }, envelope: { attack: 0.001, decay: 0.5, sustain: 0.0, release: 0.8 } },
  bass: { oscillator: { type: "triangle" }, envelope: { attack: 0.01, decay: 0.3, sustain: 0.6, release: 0.3 } },
};

class SynthVoice {
  constructor(preset, destination) {
    this.synth = new (T().PolySynth)(T().Synth, SYNTH_PRESETS[preset] || SYNTH_PRESETS.piano).connect(destination);
    this.synth.volume.value = -10;
  }
  play(ev, time) {
    this.synth.triggerAttackRelease(ev.name, ev.dur, time, ev.velocity);
  }
  dispose() {
    this.synth.dispose();
  }
}

class DrumVoice {
  constructor(destination) {
    this.kick = new (T().MembraneSynth)({ volume: -6 }).connect(destination);
    this.noise = new (T().NoiseSynth)({ volume: -18, envelope: { attack: 0.001, decay: 0.12, sustain: 0 } }).connect(destination);
    this.hat = new (T().MetalSynth)({ volume: -30, envelope: { attack: 0.001, decay: 0.05, release: 0.01 } }).connect(destination);
  }
  play(ev, time) {
    if (ev.midi === 35 || ev.midi === 36) this.kick.triggerAttackRelease("C1", "8n", time, ev.velocity);
    else if (ev.midi >= 37 && ev.midi <= 40) this.noise.triggerAttackRelease("16n", time, ev.velocity);
    else this.hat.triggerAttackRelease("C6", "32n", time, ev.velocity * 0.6);
  }
  dispose() {
    this.kick.dispose();
    this.noise.dispose();
    this.hat.dispose();
  }
}

/** A voice for a track of a piece; percussion tracks (channel 9) get the drum voice. */
export function createVoice(track, preset, destination) {
  return track.channel === 9 ? new DrumVoice(destination) : new SynthVoice(preset, destination);
}
