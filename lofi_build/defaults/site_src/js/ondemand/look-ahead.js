// How far ahead the page's Transport schedules while something else holds the main thread (an export).
//
// Loaded with the WAV export, never before the first sound. CONTEXT_OPTIONS.lookAhead (audio-session.js)
// is what the page schedules ahead normally; an offline render's set-up holds the main thread longer than
// that (0.4-0.9 s on a loaded 2-core machine).

// Seconds the Transport looks ahead while the main thread is held that long.
export const BUSY_LOOK_AHEAD = 1.5;

const easing = new WeakMap(); // context -> {ease, base}: the tick listener bringing its look-ahead back to base

/** Let the Transport of `context` schedule `seconds` ahead (at least its own look-ahead) until the returned
 * function is called. Tone's clock schedules what falls before now + lookAhead at each update: a main thread
 * held past that makes notes late. While widened, Play and Pause take effect that much later (Tone starts and
 * pauses the Transport at now + lookAhead); Pause is silent at once regardless.
 *
 * Back again, the look-ahead shrinks only as fast as time passes. At each update Tone's clock schedules from
 * where it stopped to now + lookAhead, and takes that as where it stopped: a look-ahead cut at once would put
 * the end before what it has scheduled already, which it would schedule a second time. So before each of its
 * updates the look-ahead is set to reach just where the clock stopped, until that is no more than its own.
 * Tone's lookAhead setter also sets the update interval (to half of it), which is kept as it was. */
export function widenLookAhead(context, seconds = BUSY_LOOK_AHEAD) {
  const base = stopEasing(context) ?? context.lookAhead; // widened again while easing: the same base
  const { updateInterval } = context;
  const set = (value) => {
    context.lookAhead = value;
    context.updateInterval = updateInterval;
  };
  set(Math.max(base, seconds));
  return () => {
    stopEasing(context);
    // The Transport's clock and its "tick" listener (Tone 15.5 as vendored): the easing listens first.
    const clock = context.transport._clock;
    const ease = () => {
      const value = Math.max(base, clock._lastUpdate - context.currentTime);
      set(value);
      if (value <= base) stopEasing(context);
    };
    easing.set(context, { ease, base });
    context.off("tick", clock._boundLoop);
    context.on("tick", ease);
    context.on("tick", clock._boundLoop);
  };
}

/** Stop bringing the look-ahead back; returns the value it was going back to (undefined when it was not). */
function stopEasing(context) {
  const current = easing.get(context);
  if (!current) return undefined;
  context.off("tick", current.ease);
  easing.delete(context);
  return current.base;
}
