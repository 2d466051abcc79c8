// The piece layer: a song, drum groove or AI solo from its Tone.js JSON, looping on the Transport.
//
// The piece layer: a song, drum groove or AI solo from its Tone.js JSON, looping on the
// Transport through voices of its own, behind its own output gain.
import { Layer } from "./layers.js";
import { PieceParts } from "./playback.js";
import { pieceBarTicks, pieceBpm, pieceLoopTicks, pieceMeter, pieceSwing, presetsByTrack } from "./pieces.js";
import { loadVoices } from "../audio/voice-loader.js";

export class PieceLayer extends Layer {
  /**
   * Fetch the piece and the samples of its first bar, then build the layer. `spec` (from the
   * engine's table of kinds) says how it loops (`loop`: a key of site.loops, or its own
   * loop_bars), whether it keeps the Transport's phase (`keepsPhase`), whether it takes the
   * groove's swing (`swingFromGroove`), the site's solo tempo (`siteTempo`), and whether it goes
   * to Tone a few bars at a time (`sliced`: the station's long tracks, layers/sliced-parts.js).
   */
  static async build(entry, spec, env) {
    const piece = await env.piece(entry);
    const Parts = spec.sliced ? (await import("./sliced-parts.js")).SlicedParts : PieceParts;
    if (!env.live()) return null;
    // A solo made in the page (lofi.generate) loops at its own length, not the site's solo loop.
    const ownLength = !spec.loop || (piece.lofi.live && piece.lofi.loopBars);
    const loopTicks = ownLength ? pieceLoopTicks(piece) : env.loops[spec.loop] * pieceBarTicks(piece);
    const layer = new PieceLayer({ context: env.context, destination: env.destination, spec });
    layer.Parts = Parts;
    layer.voices = new Map();
    const fromTick = spec.keepsPhase ? env.entryTick() : 0;
    let loaded;
    try {
      loaded = await loadVoices(piece, { ...env, destination: layer.output, loopTicks, fromTick });
    } catch (error) {
      layer.dispose();
      throw error;
    }
    layer.setUp(piece, entry, loopTicks, loaded.voices, env);
    layer.failed = loaded.failed;
    if (!env.live()) {
      layer.dispose();
      return null;
    }
    return layer;
  }

  setUp(piece, entry, loopTicks, voices, env) {
    this.piece = piece;
    this.entry = entry;
    this.loopTicks = loopTicks;
    this.voices = voices;
    this.timeSignature = pieceMeter(piece);
    this.bpm = this.spec.siteTempo ? env.soloBpm() : pieceBpm(piece);
    const own = pieceSwing(piece, env.swing);
    this.swing = this.spec.swingFromGroove ? () => env.groove() || own : () => own;
    const presets = presetsByTrack(piece);
    this.options = {
      context: this.context, loopTicks, swing: this.swing,
      voiceFor: (track) => {
        const preset = presets.get(track.name);
        return { play: (ev, time, duration) => { const v = this.voices.get(preset); if (v) v.play(ev, time, duration); } };
      },
      humanise: this.spec.humanise && env.humanise ? { seed: entry.seed ?? env.hash(entry.id), ...env.humanise } : null,
      latency: env.latency,
      onNote: env.onNote,
    };
    this.parts = null;
  }

  /** Start at `tick`; `phase`: ticks into the piece to start from (a hot swap keeps the old
   * version's), else a groove keeps the Transport's phase and a song or solo starts at its top. */
  install(tick, { phase } = {}) {
    if (this.parts) this.parts.dispose();
    this.parts = new this.Parts(this.piece, this.options);
    this.parts.start(tick, phase ?? (this.spec.keepsPhase ? tick : 0));
    this.startTick = tick;
    return this;
  }

  stopAt(tick) {
    if (this.parts) this.parts.stop(tick);
  }

  silence(time) {
    for (const v of this.voices.values()) v.silence(time);
  }

  _dispose() {
    if (this.parts) this.parts.dispose();
    this.parts = null;
    for (const v of this.voices.values()) v.dispose();
    this.voices.clear();
  }
}
