"""The JS generator in real Chromium: the pinned PRNG, parity with the numpy engine on the same
dequantised weights, its module worker, and what a bad weights file or request does."""

from __future__ import annotations

import base64
import dataclasses
import json
import shutil
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from support import ROOT, PageLog, run_cli, static_server, wait_for
from lofi_build.config import Loops, bounds
from lofi_build.model import checkpoint, export
from lofi_build.site import csp
from modelkit import browser_generate

pytestmark = pytest.mark.browser

VECTORS = ROOT / "tests" / "prng_vectors.json"
SEEDS = list(range(100, 116))
SETTINGS = [(0.9, 8), (1.0, 0), (0.5, 3), (0.0, 0)]  # (temperature, top-k), cycled over the seeds
TOLERANCE = 1e-4
MOST_BARS = bounds(Loops, "solos")[1]  # the site's one bar limit (facts.limits.bars), as the CLI's --bars


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The shipped project built with the shipped `default` checkpoint (AI pool and exported weights
    included): the raw worker loop, unconditioned, against numpy. The `lofi` network's bar-aware
    solos are checked against Python in test_js_solo.py."""
    folder = tmp_path_factory.mktemp("jsengine")
    config = folder / "lofi.yaml"
    text = (ROOT / "lofi.yaml").read_text(encoding="utf-8")
    # The `default` checkpoint is this repository's (content/model/), found by the corpus it was trained on.
    config.write_text(text[:text.index("model:")] + "model:\n  preset: default\n  train: never\n  corpus: "
                      "[music21:oneills1850, music21:ryansMammoth, music21:bach/chorales]\n", encoding="utf-8")
    (folder / "content").symlink_to(ROOT / "content")
    out = folder / "site"
    run_cli("site", "-f", config, "-d", out, "-q", check=True)
    return out


@pytest.fixture(scope="module")
def url(site):
    with static_server(site, headers=csp.netlify_headers(ROOT / "netlify.toml")) as u:
        yield u


def new_page(browser):
    """A page whose console errors are collected; the blank page's favicon request is answered."""
    context = browser.new_context()
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page = context.new_page()
    page.log = PageLog(page)
    return context, page


@pytest.fixture
def blank(browser, url):
    """A same-origin page under the site's CSP, to import the ai/ modules into."""
    context, page = new_page(browser)
    page.goto(url + "__blank__.html")
    yield page
    context.close()


def ai_dir(site: Path) -> str:
    (client,) = site.glob("assets/js-*/ai/client.js")
    return client.parent.relative_to(site).as_posix() + "/"


def for_generator(site: Path) -> dict:
    """What the page hands createGenerator: the manifest's model entry and its facts block."""
    manifest = json.loads((site / "manifest.json").read_text())
    return {"model": manifest["model"], "facts": manifest["facts"]}


def manifest_model(site: Path) -> dict:
    return json.loads((site / "manifest.json").read_text())["model"]


def exported(site: Path) -> export.Exported:
    entry = manifest_model(site)
    return export.Exported(json.loads((site / entry["header"]).read_text()), (site / entry["weights"]).read_bytes())


def numpy_twin(site: Path):
    """The checkpoint the site was built from, holding the weights the browser dequantises."""
    ex = exported(site)
    folder = ROOT / "content" / "model" / ex.header["model"]
    return export.dequantised(checkpoint.load(folder), ex)


GENERATE = """async ([ai, manifest, runs]) => {
    const { createGenerator } = await import(new URL(ai + "client.js", location.href).href);
    const gen = createGenerator(manifest, location.href);
    const b64 = (arrays) => {
        const flat = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
        let at = 0;
        for (const a of arrays) { flat.set(a, at); at += a.length; }
        const bytes = new Uint8Array(flat.buffer);
        let s = "";
        for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return btoa(s);
    };
    const out = [];
    for (const r of runs) {
        const res = await gen.generate(r);
        out.push({events: res.events.map(e => [e.tokenId, e.durationClass, e.durationTicks]), notes: res.notes,
                  ms: res.ms, token: r.trace ? b64(res.trace.token) : null,
                  duration: r.trace ? b64(res.trace.duration) : null});
    }
    gen.terminate();
    return out;
}"""


def generate_in_page(page, site, runs):
    return page.evaluate(GENERATE, [ai_dir(site), for_generator(site), runs])


def test_prng_and_sampling_match_the_shared_vectors(blank, site):
    vectors = json.loads(VECTORS.read_text())
    bad = blank.evaluate("""async ([ai, v]) => {
        const { Prng, sample } = await import(new URL(ai + "prng.js", location.href).href);
        const bad = [];
        for (const [seed, want] of Object.entries(v.streams)) {
            const p = new Prng(Number(seed));
            want.forEach((w, i) => { const got = p.nextU32(); if (got !== w) bad.push(`seed ${seed} #${i}: ${got}`); });
        }
        v.sampling.forEach((c, i) => {
            const got = sample(v.logits[c.row], c.u, c.temperature, c.topK, new Set(c.banned));
            if (got !== c.choice) bad.push(`case ${i}: ${got} != ${c.choice}`);
        });
        const p = Prng.fromState([1, 2, 3, 4]);
        const ref = [11520, 0, 5927040, 70819200, 2031721883, 1637235492];
        ref.forEach((w, i) => { const got = p.nextU32(); if (got !== w) bad.push(`reference #${i}: ${got}`); });
        const a = new Prng(2 ** 32 + 7), b = new Prng(7);
        if (a.random() !== b.random()) bad.push("seeds are not taken mod 2**32");
        return bad;
    }""", [ai_dir(site), vectors])
    assert bad == []
    assert len(vectors["streams"]) >= 5 and all(len(s) == 1000 for s in vectors["streams"].values())
    assert blank.log.errors == []


def test_js_engine_matches_the_numpy_engine_on_16_seeds(blank, site):
    ckpt = numpy_twin(site)
    ticks = json.loads((site / "manifest.json").read_text())["site"]["loops"]["solos"] * 4 * 480
    runs = [{"seed": s, "ticks": ticks, "temperature": SETTINGS[i % 4][0], "topK": SETTINGS[i % 4][1], "trace": True}
            for i, s in enumerate(SEEDS)]
    got = generate_in_page(blank, site, runs)
    same, worst = 0, 0.0
    for run, js in zip(runs, got):
        trace = []
        events = browser_generate(ckpt, run["seed"], ticks, run["temperature"], run["topK"], trace)
        js_events = [tuple(e) for e in js["events"]]
        same += js_events == events
        token = np.frombuffer(base64.b64decode(js["token"]), np.float32).reshape(len(js_events), -1)
        duration = np.frombuffer(base64.b64decode(js["duration"]), np.float32).reshape(len(js_events), -1)
        # Logits compare while both engines have been fed the same events.
        agree = next((i for i, (a, b) in enumerate(zip(js_events, events)) if a != b), min(len(events), len(js_events)))
        for step in range(agree + 1 if agree < min(len(events), len(js_events)) else agree):
            worst = max(worst, float(np.abs(token[step] - trace[step][0]).max()),
                        float(np.abs(duration[step] - trace[step][1]).max()))
        assert sum(d for _, _, d in js_events) == ticks
    print(f"\nJS vs numpy: {same}/16 seeds identical, largest logit difference {worst:.2e}")
    assert same >= 15, f"only {same} of 16 seeds gave identical events"
    assert worst <= TOLERANCE
    assert blank.log.errors == []


def test_same_seed_same_solo_other_seed_other_solo(blank, site):
    runs = [{"seed": 5, "ticks": 4 * 1920, "temperature": 0.9, "topK": 8}] * 2 + [
        {"seed": 6, "ticks": 4 * 1920, "temperature": 0.9, "topK": 8},
        {"seed": 5, "ticks": 4 * 1920, "temperature": 0.0, "topK": 0}]
    a, b, c, greedy = generate_in_page(blank, site, runs)
    assert a["events"] == b["events"] and a["events"] != c["events"]
    assert sum(e[2] for e in greedy["events"]) == 4 * 1920 and a["notes"] > 0
    assert blank.log.errors == []


def _serve_broken(site: Path, tmp_path: Path, *, weights: bytes | None = None, header: bytes | None = None):
    broken = tmp_path / "broken"
    shutil.copytree(site, broken)
    entry = manifest_model(site)
    if weights is not None:
        (broken / entry["weights"]).write_bytes(weights)
    if header is not None:
        (broken / entry["header"]).write_bytes(header)
    return broken


@pytest.mark.parametrize("case, expect", [
    ("corrupt", "corrupt"),
    ("truncated", "bytes"),
    ("missing", "HTTP 404"),
    ("header", "not valid JSON"),
    ("format", "unknown weights format"),
])
def test_a_bad_weights_file_is_a_clear_error_not_a_crash(browser, site, tmp_path, case, expect):
    entry = manifest_model(site)
    data = (site / entry["weights"]).read_bytes()
    header = json.loads((site / entry["header"]).read_text())
    if case == "corrupt":
        broken = _serve_broken(site, tmp_path, weights=data[:1000] + bytes([data[1000] ^ 0x40]) + data[1001:])
    elif case == "truncated":
        broken = _serve_broken(site, tmp_path, weights=data[: len(data) // 2])
    elif case == "missing":
        broken = _serve_broken(site, tmp_path)
        (broken / entry["weights"]).unlink()
    elif case == "header":
        broken = _serve_broken(site, tmp_path, header=b'{"format": "lofi-weights-1", "vocab": [')
    else:
        broken = _serve_broken(site, tmp_path, header=json.dumps({**header, "format": "other"}).encode())
    with static_server(broken, headers=csp.netlify_headers(ROOT / "netlify.toml")) as u:
        context, page = new_page(browser)
        page.goto(u + "__blank__.html")
        message = page.evaluate("""async ([ai, manifest]) => {
            const { createGenerator } = await import(new URL(ai + "client.js", location.href).href);
            const gen = createGenerator(manifest, location.href);
            try { await gen.generate({seed: 1, ticks: 1920}); return "no error"; }
            catch (e) { return e.message; }
        }""", [ai_dir(site), for_generator(site)])
        context.close()
    assert expect in message
    # A failed fetch of the missing file is the network's log line, not an uncaught error.
    assert [e for e in page.log.errors if "404" not in e] == []


@pytest.mark.parametrize("options, expect", [
    ({"seed": 1.5, "ticks": 1920}, "seed must be an integer"),
    ({"seed": 1, "ticks": 0}, "positive whole number of ticks"),
    ({"seed": 1, "ticks": 1920, "temperature": -1}, "temperature"),
    ({"seed": 1, "ticks": 1920, "topK": -2}, "top-k"),
    ({"seed": 1, "ticks": (MOST_BARS + 1) * 1920}, f"at most {MOST_BARS} bars"),
    ({"seed": 1, "ticks": 1920, "chords": [{"ticks": 0, "durationTicks": 1920}]}, "chord span"),
])
def test_bad_requests_are_errors_the_worker_survives(blank, site, options, expect):
    result = blank.evaluate("""async ([ai, manifest, options]) => {
        const { createGenerator } = await import(new URL(ai + "client.js", location.href).href);
        const gen = createGenerator(manifest, location.href);
        let message = "no error";
        try { await gen.generate(options); } catch (e) { message = e.message; }
        const after = await gen.generate({seed: 2, ticks: 960});  // the worker still works
        gen.terminate();
        return [message, after.events.length > 0];
    }""", [ai_dir(site), for_generator(site), options])
    assert expect in result[0] and result[1]
    assert blank.log.errors == []


def test_the_player_fetches_no_model_before_a_solo_is_asked_for(browser, site, url):
    """Playing music loads neither the weights, their header nor the generator's modules."""
    context, page = new_page(browser)
    page.goto(url)
    wait_for(page, "window.lofi !== undefined", timeout=30)
    page.click("#play")
    wait_for(page, "window.lofi.state().startup.firstNoteAt !== null", timeout=30)
    names = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    context.close()
    assert names and not [n for n in names if "/assets/model/" in n or "/ai/" in n]
    index = (site / "index.html").read_text()
    assert "assets/model/" not in index and "/ai/" not in index
    assert page.log.errors == []


def _lofi_reference(ckpt, seed, ticks, temperature, top_k, chords):
    """The lofi network's step written out in numpy (position embedding and chord vector
    concatenated after the token and duration embeddings), with the pinned sampling."""
    from lofi_build.model import engine
    from lofi_build.model.prng import Prng, sample

    w = ckpt.weights
    stacked = engine.stack_layers(w)
    state = engine.default_init(w, 1)
    prng = Prng(seed)
    durations = [int(Fraction(d) * 480) for d in ckpt.durations]
    token, dur, elapsed, events = ckpt.vocab.index("<start>"), 0, 0, []
    while elapsed < ticks:
        in_bar = elapsed % 1920
        position = in_bar // 40 if in_bar % 40 == 0 else 48
        chord = next((np.array(v, np.float32) for s, d, v in chords if s <= elapsed < s + d), np.zeros(36, np.float32))
        x = np.concatenate([w["token_embed/embeddings"][token], w["duration_embed/embeddings"][dur],
                            w["position_embed/embeddings"][position], chord])[None, :]
        new_state = []
        for (kernel, bias), (h, c) in zip(stacked, state):
            h, c = engine.fused_lstm_step(x, h, c, kernel, bias)
            new_state.append((h, c))
            x = h
        state = new_state
        logits = x @ w["token_logits/kernel"] + w["token_logits/bias"]
        token = sample(logits[0], prng.random(), temperature, top_k, [0, 1])
        dur = sample(engine.duration_logits(w, x, np.array([token]))[0], prng.random(), temperature, 0, [0])
        length = min(durations[dur - 1], ticks - elapsed)
        events.append([token, dur, length])
        elapsed += length
    return events


def test_chord_and_position_inputs_are_fed_as_the_header_says(browser, site, tmp_path):
    """A network with the lofi inputs (random extra weights) runs from its header alone, and the
    worker feeds each step the chord at its onset and its position in the bar, as numpy does."""
    shipped = checkpoint.load(ROOT / "content" / "model" / manifest_model(site)["id"])
    rng = np.random.default_rng(1)
    w = dict(shipped.weights)
    w["position_embed/embeddings"] = rng.standard_normal((49, 8)).astype(np.float32)
    w["lstm0/kernel"] = np.concatenate([w["lstm0/kernel"], rng.standard_normal((44, 1024)).astype(np.float32) * 0.3])
    lofi = dataclasses.replace(shipped, weights=w, preset="lofi")
    ex = export.export(lofi)
    twin = export.dequantised(lofi, ex)
    served = _serve_broken(site, tmp_path, weights=ex.data, header=ex.header_bytes())
    entry = manifest_model(site)
    vectors = [[float(b) for b in rng.integers(0, 2, 36)] for _ in range(4)]
    chords = [{"ticks": i * 1920, "durationTicks": 1920, "vector": v} for i, v in enumerate(vectors)]
    runs = [{"seed": 9, "ticks": 4 * 1920, "temperature": 0.9, "topK": 8, "chords": chords},
            {"seed": 9, "ticks": 4 * 1920, "temperature": 0.9, "topK": 8}]
    with static_server(served, headers=csp.netlify_headers(ROOT / "netlify.toml")) as u:
        context, page = new_page(browser)
        page.goto(u + "__blank__.html")
        with_chords, without = page.evaluate(GENERATE, [ai_dir(site), for_generator(site), runs])
        context.close()
    spans = [(c["ticks"], c["durationTicks"], c["vector"]) for c in chords]
    assert with_chords["events"] == _lofi_reference(twin, 9, 4 * 1920, 0.9, 8, spans)
    assert without["events"] == _lofi_reference(twin, 9, 4 * 1920, 0.9, 8, [])
    assert with_chords["events"] != without["events"]
    assert page.log.errors == []
