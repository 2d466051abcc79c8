// The sleep timer: the whole mix fades out on the audio clock and the player pauses, in silence.
//
// The fade is automation on the mixer's fader (every layer, before the master slider), so it is
// sample-exact and the same in an offline render; the pause at its end is a timer of the audio
// context, which keeps no time while the context is suspended (nothing plays then either).

/**
 * Fade `engine`'s mix to silence over the last `fade` seconds of `seconds` from audio time `from` (default:
 * now), then call `onEnd()` (the page pauses). Returns {endsAt (audio time), cancel()}.
 */
export function scheduleSleep(engine, seconds, { fade, from, onEnd = () => {} }) {
  const context = engine.context;
  const g = engine.mixer.fader.gain;
  const start = from ?? context.currentTime;
  const endsAt = start + seconds;
  const down = Math.min(fade, seconds);
  g.cancelScheduledValues(start);
  g.setValueAtTime(1, start);
  g.setValueAtTime(1, endsAt - down);
  g.linearRampToValueAtTime(0, endsAt);
  let done = false;
  const timer = context.setTimeout(() => {
    done = true;
    onEnd();
  }, Math.max(0, endsAt - context.currentTime));
  return {
    endsAt,
    /** Stop the timer: the mix comes back up at once (after a pause it is silent anyway). */
    cancel() {
      if (!done) context.clearTimeout(timer);
      const now = context.currentTime;
      g.cancelScheduledValues(now);
      g.setValueAtTime(1, now);
    },
  };
}
