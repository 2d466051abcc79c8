// The page's AudioContext on phones: made for playback, asleep when paused, resumed after interruptions.
//
// The page's AudioContext on phones: made for playback (a larger output buffer and a long
// look-ahead, so a busy main thread cannot make notes late), suspended after a while paused
// (the audio hardware sleeps), and brought back by a tap after an interruption (a call, Siri,
// another app taking the audio, a tab in the background) with "tap to resume".

export const CONTEXT_OPTIONS = { latencyHint: "playback", lookAhead: 0.3, updateInterval: 0.05 };
export const IDLE_SUSPEND_S = 30;

/** The page's Tone context (created here, explicitly, so nothing depends on Tone's global one).
 * Tone made a default one when it loaded; that one is closed (a phone gives a page few). */
export function createContext(Tone) {
  const context = new Tone.Context(CONTEXT_OPTIONS);
  Tone.setContext(context, true);
  return context;
}

/**
 * `wantsSound()`: whether the listener expects music now (playing). `overlay`: the element
 * that says "tap to resume" (hidden when not needed); tapping it resumes.
 */
export function createAudioSession({ context, wantsSound, overlay, onResume = () => {}, idleSeconds = IDLE_SUSPEND_S }) {
  const raw = context.rawContext;
  if (navigator.audioSession) {
    try {
      navigator.audioSession.type = "playback"; // iOS: keep playing with the ringer switch off
    } catch {
      // Read-only or unknown in this browser.
    }
  }
  let ours = false; // the suspension in progress is our idle one
  let idleTimer = null;
  let interrupted = false;

  const show = (on) => {
    interrupted = on;
    if (overlay) overlay.hidden = !on;
  };

  const check = () => {
    if (!wantsSound()) return show(false);
    if (raw.state === "running") return show(false);
    if (!ours) show(true);
  };

  raw.addEventListener("statechange", () => {
    if (raw.state === "running") ours = false;
    check();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible" || !wantsSound() || raw.state === "running") return;
    // Desktop browsers let a page resume on its own; phones want a gesture: ask for a tap.
    raw.resume().catch(() => {});
    setTimeout(check, 400);
  });

  const resume = async () => {
    ours = false;
    await raw.resume();
    show(false);
    onResume();
  };
  if (overlay) overlay.addEventListener("click", () => resume().catch(() => {}));

  return {
    /** Music has started (or resumed): the context must run. */
    playing() {
      clearTimeout(idleTimer);
      idleTimer = null;
      ours = false;
      if (raw.state !== "running") raw.resume().catch(() => {});
      show(false);
    },
    /** Paused or stopped: let the audio hardware sleep after `idleSeconds`. */
    paused() {
      show(false);
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        idleTimer = null;
        if (wantsSound() || raw.state !== "running") return;
        ours = true;
        raw.suspend().catch(() => (ours = false));
      }, idleSeconds * 1000);
    },
    resume,
    state() {
      return {
        state: raw.state,
        interrupted,
        idleSuspended: ours && raw.state === "suspended",
        lookAhead: context.lookAhead,
        latencyHint: CONTEXT_OPTIONS.latencyHint,
        baseLatency: raw.baseLatency ?? 0,
        outputLatency: raw.outputLatency ?? 0,
        sessionType: navigator.audioSession ? navigator.audioSession.type : null,
      };
    },
  };
}

/** Seconds between a sample's audio time and it reaching the listener's ears. */
export function outputLatency(context) {
  const raw = context.rawContext;
  return (raw.outputLatency || 0) + (raw.baseLatency || 0);
}
