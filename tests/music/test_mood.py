"""Mood in words: the table, VADER in Python (the package) and in the page (our port), one file of cases for both."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from lofi_build.music import mood
from lofi_build.progressions import load_library, load_mood_table

from support import DEFAULTS, ROOT, THEME, run_cli

TABLE = DEFAULTS / "content" / "progressions" / "moods.yaml"
LIBRARY = DEFAULTS / "content" / "progressions" / "progressions.yaml"
CASES = json.loads((ROOT / "tests" / "mood_cases.json").read_text(encoding="utf-8"))
VENDOR = THEME / "vendor" / "vader"


@pytest.fixture(scope="module")
def table():
    return load_mood_table(TABLE)


@pytest.fixture(scope="module")
def rows():
    return mood.library_rows(load_library(LIBRARY))


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:30] for c in CASES])
def test_cases_in_python(case, table, rows):
    got = mood.choose(case["text"], table, rows).as_dict()
    assert got == {k: v for k, v in case.items() if k != "text"}


def test_cases_cover_every_cell_and_both_modes(table, rows):
    cells = set()
    for case in CASES:
        cell = next(i for i, c in enumerate(table["cells"])
                    if c["valence"][0] <= case["valence"] < c["valence"][1] and c["arousal"][0] <= case["arousal"] < c["arousal"][1])
        cells.add(cell)
    assert cells == set(range(len(table["cells"])))
    assert {c["mode"] for c in CASES} == {"major", "minor"}
    assert all(70 <= c["bpm"] <= 90 for c in CASES)


def test_the_same_words_give_the_same_choice_and_whitespace_does_not_matter(table, rows):
    a = mood.choose("a slow rainy evening, a little sad", table, rows)
    b = mood.choose("  a slow   rainy evening, a little sad ", table, rows)
    assert a == b


def test_mood_follows_the_words(table, rows):
    """Read as a listener would: happy words are major, sad ones minor; "!" and CAPITALS raise the energy."""
    happy = mood.choose("what a lovely warm sunny morning, I feel great", table, rows)
    sad = mood.choose("heartbroken and tired", table, rows)
    assert happy.mode == "major" and happy.valence > 0.35
    assert sad.mode == "minor" and sad.valence < -0.35
    calm = mood.choose("sleepy quiet evening", table, rows)
    wired = mood.choose("BEST. DAY. EVER!!!", table, rows)
    assert wired.arousal > calm.arousal + 0.3 and wired.bpm > calm.bpm and wired.temperature > calm.temperature


# Texts that tell no mood: unknown words, another script, emphasis alone, and words VADER only uses to scale others.
NO_MOOD_TEXTS = ["asdfgh", "雨の夜", "VERY!!!", "studying late, coffee going cold", "so much more", "   "]


@pytest.mark.parametrize("text", NO_MOOD_TEXTS)
def test_a_text_with_no_mood_word_is_refused_not_read_as_a_neutral_mood(text, table, rows):
    assert mood.choose(text, table, rows).words == ()  # choose() still answers (the page's twin is checked on it)
    with pytest.raises(mood.NoMoodError) as e:
        mood.read(text, table, rows)
    assert str(e.value) == mood.NO_MOOD


def test_the_words_a_mood_is_read_from(table, rows):
    """Lexicon words (lower-cased, once each, in order), the table's calm and lively words, emoji by VADER's
    description of them; not VADER's intensifiers, which only scale the words beside them."""
    assert mood.read("a SLOW rainy evening, a little sad, so sad", table, rows).words == ("slow", "rainy", "sad")
    assert mood.read("Rainy Sunday 😢", table, rows).words == ("rainy", "crying")
    assert mood.read("very chill", table, rows).words == ("chill",)
    # The message's own examples are words a mood is read from.
    for example in ("rainy", "calm", "happy"):
        assert f"“{example}”" in mood.NO_MOOD and mood.read(example, table, rows).words == (example,)


def test_cli_refuses_a_text_with_no_mood_word_as_a_bad_command_line():
    for text in ("asdfgh", "雨の夜"):
        result = run_cli("mood", text, cwd=ROOT)
        assert result.returncode == 2, result.stdout
        assert result.stderr.strip() == f"error: TEXT: {mood.NO_MOOD}"
        assert result.stdout == "" and "Traceback" not in result.stderr


def test_vendored_lexicons_are_the_packages_own_files():
    import vaderSentiment

    package = Path(vaderSentiment.__file__).parent
    for name in ("vader_lexicon.txt", "emoji_utf8_lexicon.txt"):
        assert (VENDOR / name).read_bytes() == (package / name).read_bytes(), name
    assert "MIT" in (VENDOR / "LICENSE.txt").read_text()


def test_cli_prints_the_choice_as_json():
    result = run_cli("mood", CASES[0]["text"], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {k: v for k, v in CASES[0].items() if k != "text"}


def test_cli_with_a_broken_table_exits_1_without_a_traceback(tmp_path):
    (tmp_path / "lofi.yaml").write_text("title: t\n", encoding="utf-8")
    folder = tmp_path / "content" / "progressions"
    folder.mkdir(parents=True)
    (folder / "moods.yaml").write_text("energy: [1\n", encoding="utf-8")
    (folder / "progressions.yaml").write_bytes(LIBRARY.read_bytes())
    result = run_cli("mood", "hello", cwd=tmp_path)
    assert result.returncode == 1
    assert "moods.yaml:" in result.stderr and "error: invalid YAML" in result.stderr
    assert "Traceback" not in result.stderr


# --- the page's port, in Chromium ---

def _sentences(count: int, seed: int) -> list[str]:
    """Sentences that exercise VADER's rules: lexicon words, boosters, negations, "but", "least",
    "no", idioms, CAPITALS, "!", "?" and emoji."""
    lexicon = [line.split("\t")[0] for line in (VENDOR / "vader_lexicon.txt").read_text(encoding="utf-8").splitlines()]
    rng = random.Random(seed)
    glue = ["the", "rain", "is", "and", "but", "not", "never", "so", "this", "very", "kind", "of", "no", "or",
            "least", "at", "without", "doubt", "isn't", "really", "slightly", "bus", "stop", "kiss", "death",
            "sort", "a", "I", "feel", "tonight", "kinda", "yeah", "right"]
    emoji = ["☔", "😀", "😢", "🔥", "💤", "🌙", "❤️", "😡"]
    out = []
    for _ in range(count):
        words = []
        for _ in range(rng.randint(1, 12)):
            roll = rng.random()
            w = rng.choice(lexicon) if roll < 0.35 else rng.choice(glue) if roll < 0.9 else rng.choice(emoji)
            if rng.random() < 0.12:
                w = w.upper()
            if rng.random() < 0.1:
                w += rng.choice([",", ".", "!", "?", "!!", "..."])
            words.append(w)
        out.append(" ".join(words) + rng.choice(["", "", "!", "?", "??", "!!!!!"]))
    return out


@pytest.mark.browser
def test_the_page_computes_what_python_computes(repo_page):
    """The JS port against the vaderSentiment package: every case of mood_cases.json and 400
    generated sentences give the same valence, arousal and choice."""
    table = load_mood_table(TABLE)
    rows = mood.library_rows(load_library(LIBRARY))
    sentences = _sentences(400, seed=11)
    expected = [mood.choose(s, table, rows).as_dict() for s in sentences]
    got = repo_page.evaluate(
        """async ({texts, table, library}) => {
            const m = await import("/site_src/js/ai/mood.js");
            const [lex, emo] = await Promise.all(["vader_lexicon.txt", "emoji_utf8_lexicon.txt"].map(
                (n) => fetch("/site_src/vendor/vader/" + n).then((r) => r.text())));
            const lexicons = {lexicon: m.parseLexicon(lex), emoji: m.parseLexicon(emo, false)};
            return texts.map((text) => m.chooseMood(text, {table, library, lexicons}));
        }""",
        {"texts": [c["text"] for c in CASES] + sentences, "table": table, "library": rows},
    )
    for case, result in zip(CASES, got):
        assert result == {k: v for k, v in case.items() if k != "text"}, case["text"]
    mismatches = [(s, e, g) for s, e, g in zip(sentences, expected, got[len(CASES):]) if e != g]
    assert not mismatches, mismatches[:5]


def test_the_build_publishes_library_table_and_lexicons_for_later(tmp_path):
    """One hashed asset with the library and the table; the lexicons beside it; none of it in the page's
    first requests (index.html links none of them, the manifest names only the asset)."""
    import shutil

    from support import MINIMAL_CONFIG, MINIMAL_SONG

    (tmp_path / "lofi.yaml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    (tmp_path / "content" / "songs").mkdir(parents=True)
    (tmp_path / "content" / "songs" / "song.yaml").write_text(MINIMAL_SONG, encoding="utf-8")
    shutil.copytree(THEME, tmp_path / "site_src")
    shutil.copytree(DEFAULTS / "content" / "progressions", tmp_path / "content" / "progressions")
    run_cli("site", cwd=tmp_path, check=True)
    out = tmp_path / "build"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    data = json.loads((out / manifest["progressions"]).read_text(encoding="utf-8"))
    assert data["library"] == mood.library_rows(load_library(LIBRARY))
    assert data["mood"]["table"] == load_mood_table(TABLE)
    assert (out / data["mood"]["lexicon"]).read_bytes() == (VENDOR / "vader_lexicon.txt").read_bytes()
    assert (out / data["mood"]["emoji"]).read_bytes() == (VENDOR / "emoji_utf8_lexicon.txt").read_bytes()
    html = (out / "index.html").read_text(encoding="utf-8")
    for url in (manifest["progressions"], data["mood"]["lexicon"], data["mood"]["emoji"]):
        assert url not in html


@pytest.mark.browser
def test_the_page_refuses_the_same_texts_with_the_same_message(repo_page, table, rows):
    """ai/mood.js's readMood: the rule and the message of mood.read, word for word."""
    got = repo_page.evaluate(
        """async ({texts, table, library}) => {
            const m = await import("/site_src/js/ai/mood.js");
            const [lex, emo] = await Promise.all(["vader_lexicon.txt", "emoji_utf8_lexicon.txt"].map(
                (n) => fetch("/site_src/vendor/vader/" + n).then((r) => r.text())));
            const lexicons = {lexicon: m.parseLexicon(lex), emoji: m.parseLexicon(emo, false)};
            return texts.map((text) => {
                try {
                    return {words: m.readMood(text, {table, library, lexicons}).words};
                } catch (e) {
                    return {error: e.message};
                }
            });
        }""",
        {"texts": NO_MOOD_TEXTS + ["Rainy Sunday 😢"], "table": table, "library": rows},
    )
    assert got[:-1] == [{"error": mood.NO_MOOD}] * len(NO_MOOD_TEXTS)
    assert got[-1] == {"words": ["rainy", "crying"]}
