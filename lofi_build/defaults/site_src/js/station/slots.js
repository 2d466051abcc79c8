// The station's layers in the engine's slots: built ahead of their track, put in at a given tick, named at that bar.
//
// The engine plays manifest choices (engine.select); the station's tracks are pieces of its own,
// so their layers are built here through the engine's own environment, while the current track
// still plays, and put in at the tick where the next track starts. What the slot reports (its id,
// title, status) changes at that bar, when the new track is heard, not when it was put in.
import { PieceLayer } from "../layers/piece-layer.js";

/** The station's layer kinds: played once through (they loop only should the next track be late),
 * a few bars at a time (layers/sliced-parts.js). */
export const STATION_KINDS = {
  solo: { Layer: PieceLayer, kind: "solo", sliced: true, humanise: true, station: true },
  song: { Layer: PieceLayer, kind: "song", sliced: true, station: true },
  drums: { Layer: PieceLayer, kind: "drums", sliced: true, station: true },
};

/** A layer of `spec` for `piece` built for `engine`'s slot `slotName`, not put in; `live()`: still wanted. */
export function prepare(engine, slotName, entry, spec, piece, { live = () => true } = {}) {
  const track = (p) => p.catch((e) => { engine._lastError = e; });
  const env = { ...engine._env(engine.slots[slotName], NaN), piece: async () => piece, live, count: () => {}, track };
  return spec.Layer.build(entry, spec, env);
}

/** Put a prepared layer (or none) in slot `slotName` at Transport tick `at`, `phase` ticks into its piece,
 * the outgoing layer fading over `fade` seconds. A choice of that slot still loading is dropped. */
export function installAt(engine, slotName, { entry = null, spec = null, layer = null, at, phase, fade } = {}) {
  const slot = engine.slots[slotName];
  const transport = engine.transport;
  slot.token++;
  at = at ?? engine._entryTick();
  const failed = layer && layer.failed && layer.failed.length;
  const name = () => {
    Object.assign(slot, { id: entry ? entry.id : null, entry, kind: spec, progress: { done: 0, total: 0, failed: 0 } });
    slot.status = failed ? "error" : layer ? "ready" : "off";
    slot.error = failed ? `Couldn't load the ${layer.failed.join(", ").toLowerCase()} samples; a simple synth stands in.` : null;
    engine.onChange();
  };
  engine._unname(slot);
  if (transport.state === "started" && at > Math.round(transport.ticks)) {
    slot.nameEvent = { apply: name, id: transport.scheduleOnce(() => engine._unname(slot, true), `${at}i`) };
  } else {
    name();
  }
  slot.ready = Promise.resolve();
  engine._install(slot, layer, { at, phase, fade });
  engine.onChange();
  return slot.layer;
}
