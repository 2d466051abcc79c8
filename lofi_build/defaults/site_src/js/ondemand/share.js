// Share the player's link: the system share sheet where there is one, else the link copied to the clipboard.
//
// The link is the page's own address: its hash carries every choice (and a live solo's recipe), so the
// person it is sent to hears the same music. Phones have a share sheet (navigator.share); most desktop
// browsers have only the clipboard; where neither works the deck shows the link to copy by hand. Loaded
// with the first tap on Share (page/ui.js).

/**
 * Share `url` ({title, text, url}); resolves to what happened: "shared" (the sheet took it), "cancelled"
 * (the listener closed the sheet), "copied" (on the clipboard) or "manual" (nothing worked: show the link).
 */
export async function shareLink({ title, text, url }, nav = navigator) {
  if (typeof nav.share === "function") {
    const data = { title, text, url };
    if (typeof nav.canShare !== "function" || nav.canShare(data)) {
      try {
        await nav.share(data);
        return "shared";
      } catch (error) {
        if (error && error.name === "AbortError") return "cancelled";
        // Refused (no user activation, a policy): the clipboard may still work.
      }
    }
  }
  if (nav.clipboard && typeof nav.clipboard.writeText === "function") {
    try {
      await nav.clipboard.writeText(url);
      return "copied";
    } catch {
      // No permission (an insecure origin, a denied prompt): the link is shown instead.
    }
  }
  return "manual";
}

let timer = null;

/** The deck's Share button: share the link to what plays (`now`: page/now-playing.js) and say how it went. */
export async function shareFromDeck(now, siteTitle, doc = document) {
  const message = doc.getElementById("share-message");
  const box = doc.getElementById("share-link");
  const say = (text) => {
    clearTimeout(timer);
    message.textContent = text;
    if (text) timer = setTimeout(() => (message.textContent = ""), 6000);
  };
  const url = location.href;
  box.hidden = true;
  const name = now.id ? now.title : siteTitle;
  const how = await shareLink({ title: now.id ? `${now.title} · ${siteTitle}` : siteTitle, text: `Listen to ${name}`, url });
  say(how === "copied" ? "Link copied: it plays these choices." : "");
  if (how === "manual") {
    const field = doc.getElementById("share-url");
    field.value = url;
    box.hidden = false;
    field.focus();
    field.select();
  }
  return how;
}
