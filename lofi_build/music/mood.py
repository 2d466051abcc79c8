"""Mood in words: a sentence's valence (VADER) and arousal (energy cues) choose a mode, a progression, a tempo and a temperature."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Mood:
    """What a text asks for; the same text always gives the same Mood."""

    valence: float
    arousal: float
    mode: str
    progression: str  # the progression's text, in the pinned `|` syntax
    name: str  # the library entry it came from
    bpm: int
    temperature: float
    words: tuple[str, ...]  # the words it was read from (mood_words); none: the text tells no mood

    def as_dict(self) -> dict:
        return {**asdict(self), "words": list(self.words)}


# What the CLI and the page say to a text with no mood word (the page's ai/mood.js says the same).
NO_MOOD = "none of these words tells a mood (none is in the mood lexicon): try words such as “rainy”, “calm” or “happy”"


class NoMoodError(ValueError):
    """A text with no word the mood is read from ("asdfgh", "雨の夜"): read, it would be a silent neutral mood."""


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def valence(text: str) -> float:
    """VADER's compound score (-1..1, 4 places), computed by the vaderSentiment package itself."""
    return _analyzer().polarity_scores(text)["compound"] if text.strip() else 0.0


def _without_emoji(text: str) -> str:
    """The text as VADER scores it: each emoji replaced by its description (vaderSentiment 3.3.2's polarity_scores)."""
    emojis = _analyzer().emojis
    out = ""
    prev_space = True
    for ch in text:
        if ch in emojis:
            out += ("" if prev_space else " ") + emojis[ch]
            prev_space = False
        else:
            out += ch
            prev_space = ch == " "
    return out.strip()


def mood_words(text: str, energy: dict) -> tuple[str, ...]:
    """The words a mood is read from, lower-cased, each once in the order they come: VADER's lexicon words
    (emoji by their descriptions, as VADER reads them) but its intensifiers and dampeners, which only scale
    the words beside them, and the table's calm and lively words. "!" and CAPITALS alone tell no mood."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT

    lexicon = _analyzer().lexicon
    cues = set(energy["calm_words"]) | set(energy["lively_words"])
    found: list[str] = []
    for word in _words(_without_emoji(text)):
        w = word.lower()
        if ((w in lexicon and w not in BOOSTER_DICT) or w in cues) and w not in found:
            found.append(w)
    return tuple(found)


def _words(text: str) -> list[str]:
    """VADER's tokens: split on whitespace, punctuation stripped unless that leaves 2 letters or fewer."""
    import string

    words = []
    for token in text.split():
        stripped = token.strip(string.punctuation)
        words.append(token if len(stripped) <= 2 else stripped)
    return words


def arousal(text: str, val: float, energy: dict) -> float:
    """0 (sleepy) .. 1 (wired) from "!", VADER's intensifiers and dampeners, CAPITALS and strong words."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT

    words = _words(text)
    lower = [w.lower() for w in words]
    boosters = sum(1 for w in lower if BOOSTER_DICT.get(w, 0) > 0)
    dampeners = sum(1 for w in lower if BOOSTER_DICT.get(w, 0) < 0)
    lettered = [w for w in words if sum(ch.isalpha() for ch in w) >= 2]
    capitals = sum(1 for w in lettered if w.isupper()) / len(lettered) if lettered else 0.0
    calm = set(energy["calm_words"])
    lively = set(energy["lively_words"])
    a = (energy["base"]
         + energy["exclamation"] * min(text.count("!"), 3)
         + energy["intensifier"] * (min(boosters, 3) - min(dampeners, 3))
         + energy["capitals"] * capitals
         + energy["strength"] * abs(val)
         + energy["calm_word"] * sum(1 for w in lower if w in calm)
         + energy["lively_word"] * sum(1 for w in lower if w in lively))
    return round(min(1.0, max(0.0, a)), 3)


def fnv1a(text: str) -> int:
    """32-bit FNV-1a of the text's UTF-8 bytes, whitespace collapsed: the page computes the same."""
    h = 0x811C9DC5
    for byte in " ".join(text.split()).encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def _pick(scored: list[tuple[dict, int]], h: int) -> dict:
    """The entry at ``h mod total`` on the integer line of the scores: better matches get more of it."""
    r = h % sum(s for _, s in scored)
    for entry, s in scored:
        if r < s:
            return entry
        r -= s
    raise AssertionError("unreachable")


def choose(text: str, table: dict, library: list[dict]) -> Mood:
    """The mood of ``text`` by ``table`` (content/progressions/moods.yaml) over ``library`` entries
    (dicts with name, progression, mode, moods, in library order)."""
    val = valence(text)
    aro = arousal(text, val, table["energy"])
    cell = next(c for c in table["cells"]
                if c["valence"][0] <= val < c["valence"][1] and c["arousal"][0] <= aro < c["arousal"][1])
    weights = {tag: 3 - i for i, tag in enumerate(cell["moods"])}
    pool = [e for e in library if e["mode"] == cell["mode"]] or list(library)
    scored = [(e, sum(weights.get(tag, 0) for tag in e["moods"])) for e in pool]
    scored = [(e, s) for e, s in scored if s > 0] or [(e, 1) for e in pool]
    entry = _pick(scored, fnv1a(text))
    tempo, temp = table["tempo"], table["temperature"]
    return Mood(
        valence=val,
        arousal=aro,
        mode=cell["mode"],
        progression=entry["progression"],
        name=entry["name"],
        bpm=int(math.floor(tempo["min"] + (tempo["max"] - tempo["min"]) * aro + 0.5)),
        temperature=round(temp["min"] + (temp["max"] - temp["min"]) * aro, 2),
        words=mood_words(text, table["energy"]),
    )


def read(text: str, table: dict, library: list[dict]) -> Mood:
    """choose(), but a text with no mood word is refused (NoMoodError, saying NO_MOOD) rather than read as a
    neutral mood nobody asked for: the rule of `lofi-build mood` and of the page's lofi.mood()."""
    mood = choose(text, table, library)
    if not mood.words:
        raise NoMoodError(NO_MOOD)
    return mood


def library_rows(library) -> list[dict]:
    """The library as the page and choose() read it: [{name, progression, mode, moods, description}] in order."""
    return [{"name": e.name, "progression": e.progression.text, "mode": e.mode, "moods": list(e.moods),
             "description": e.description} for e in library.values()]
