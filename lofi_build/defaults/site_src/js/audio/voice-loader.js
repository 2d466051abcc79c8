// Voices for a piece: one per kit instrument its tracks name, fed with the samples its notes need.
//
// Voices for a piece: one per kit instrument its tracks name, fed with the samples its notes
// need (the first bar's now, the rest soon), a synth standing in for an instrument the kit
// lacks or whose first samples all failed to load.
import { DrumKitVoice, DrumSynthVoice, ProbeVoice, SamplerVoice, SynthVoice } from "./instruments.js";
import { pieceBarTicks, presetsByTrack, samplePlan } from "../layers/pieces.js";
import { NOW, SOON } from "./samples.js";

/**
 * Resolves to `{voices: Map(instrument id -> voice), failed: [instrument title...]}` once the
 * samples heard in the layer's first bar (from `fromTick`) are in (`eager`: all of them).
 * `count(n)` announces n downloads; `track(promise)` counts each download towards the layer's progress and resolves to
 * undefined when it failed; `live()` is false once nobody waits for this layer any more.
 */
export async function loadVoices(piece, { context, destination, instruments, loader, probe, eager, loopTicks, fromTick, count, track, live }) {
  const voices = new Map();
  const failed = [];
  const presets = presetsByTrack(piece);
  const percussion = (preset) => piece.tracks.some((t) => presets.get(t.name) === preset && t.channel === 9);
  const standIn = (preset) => (percussion(preset)
    ? new DrumSynthVoice({ context, destination })
    : new SynthVoice({ context, destination, preset }));
  const plan = samplePlan(piece, instruments, { loopTicks, fromTick });
  const gate = eager ? Infinity : pieceBarTicks(piece);
  const waits = [];
  for (const preset of new Set(presets.values())) {
    const inst = instruments[preset];
    if (probe) {
      voices.set(preset, new ProbeVoice({ context, destination }));
      continue;
    }
    if (!inst) {
      voices.set(preset, standIn(preset));
      continue;
    }
    const voice = inst.percussion
      ? new DrumKitVoice({ context, destination })
      : new SamplerVoice({ context, destination, release: inst.release });
    voices.set(preset, voice);
    const files = [...(plan.get(preset) || new Map()).values()].sort((a, b) => a.first - b.first);
    count(files.length);
    const firstBar = [];
    for (const f of files) {
      const urgent = f.first < gate;
      const got = track(loader.buffer(f.url, urgent ? NOW : SOON)).then((buffer) => {
        if (buffer !== undefined && live()) voice.add(f.midi, buffer);
        return buffer !== undefined;
      });
      if (urgent) firstBar.push(got);
    }
    // An instrument is judged by its first bar's samples; one that enters later (a melody after
    // a song's intro) has none there to judge, and its samples come in before it plays.
    waits.push(Promise.all(firstBar).then((oks) => {
      if (firstBar.length && !voice.ready && oks.every((ok) => !ok)) {
        voice.dispose();
        voices.set(preset, standIn(preset));
        failed.push(inst.title);
      }
    }));
  }
  await Promise.all(waits);
  return { voices, failed };
}
