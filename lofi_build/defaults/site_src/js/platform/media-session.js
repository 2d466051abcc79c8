// Media Session: the track on the lock screen and the media keys.
//
// Media Session: the track's name on the lock screen and in the browser's media controls, and
// the keyboard's play/pause/next keys. Browsers only offer these while a media element plays,
// so a silent looping <audio> keeps them (and iOS's audio session) alive while we play.

function silentWav(seconds = 1, rate = 8000) {
  const n = Math.round(seconds * rate);
  const view = new DataView(new ArrayBuffer(44 + n * 2));
  const text = (at, s) => [...s].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  text(0, "RIFF");
  view.setUint32(4, 36 + n * 2, true);
  text(8, "WAVEfmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, n * 2, true);
  return new Blob([view], { type: "audio/wav" });
}

export function createMediaSession({ api, siteTitle, artwork }) {
  const session = navigator.mediaSession;
  let keepalive = null;
  // The artwork is fetched as soon as the metadata names it, so it is named only once the
  // music is out (withArtwork): the bytes before the first sound are for the sound.
  let art = [];
  let shown = null;
  if (session) {
    const actions = {
      play: () => api.play(),
      pause: () => api.pause(),
      stop: () => api.stop(),
      nexttrack: () => api.step(1),
      previoustrack: () => api.step(-1),
    };
    for (const [action, handler] of Object.entries(actions)) {
      try {
        session.setActionHandler(action, () => Promise.resolve(handler()).catch(() => {}));
      } catch {
        // An action this browser does not know.
      }
    }
  }
  return {
    /** Call from the click that starts playing (a user gesture). */
    started() {
      if (!keepalive && typeof Audio !== "undefined") {
        keepalive = new Audio(URL.createObjectURL(silentWav()));
        keepalive.loop = true;
      }
      if (keepalive) keepalive.play().catch(() => {});
    },
    stopped() {
      if (keepalive) keepalive.pause();
    },
    /** Call once the first sound is out: the lock screen's pictures may load now. */
    withArtwork() {
      art = artwork;
    },
    update(state) {
      if (!session) return;
      const track = state.track;
      const title = track ? track.title : siteTitle;
      const album = track && track.kind === "solo" ? "AI solo" : "Original song";
      const key = `${title}\n${album}\n${art.length}`;
      if (!session.metadata || shown !== key) {
        shown = key;
        try {
          session.metadata = new MediaMetadata({ title, artist: siteTitle, album, artwork: art });
        } catch {
          // MediaMetadata missing or artwork refused: the title is a nicety.
        }
      }
      session.playbackState = state.transport.state === "started" ? "playing" : state.transport.state === "paused" ? "paused" : "none";
    },
  };
}
