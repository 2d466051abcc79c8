"""The page's generation rules (site_src/js/ai/rules.js) against Python's (lofi_build/model/rules.py), rule by
rule and by name, on the shared vectors of rule_vectors.py: Python reads them in batches, Chromium one solo at
a time."""

from __future__ import annotations

import pytest

from lofi_build.model import rules
from rule_vectors import FACTS, PLACES, camel, vectors

pytestmark = pytest.mark.browser

JS = """async ({groups, places, tokenRules, durationRules, tokenNudges, facts, nudges}) => {
    const R = await import("/site_src/js/ai/rules.js");
    const camel = (name) => name.replace(/_(\\w)/g, (_, c) => c.toUpperCase());
    const list = (x) => (x === null || typeof x !== "object" ? x : [...x].map(Number));
    const out = [];
    for (const g of groups) {
        const vocab = R.vocabulary({ ...g.vocab, pcs: g.vocab.pcs.map((r) => Uint8Array.from(r)) });
        g.cases.forEach((c, i) => {
            const h = g.harmonies[i];
            const rows = (x) => x.map((r) => Uint8Array.from(r));
            const harmony = { vectors: h.vectors.map((v) => Float64Array.from(v)), pcs: rows(h.pcs), tones: rows(h.tones),
                              avoid: rows(h.avoid), at: Int32Array.from(h.at), bar: h.bar, strong: h.strong };
            const solo = new R.Solo(vocab, harmony, { maxEqualRun: c.max_equal_run, nudges });
            Object.assign(solo, { onset: c.where, last: c.last, run: c.run, lastTop: c.last_top });
            const step = new R.Step(solo, false);
            const got = {};
            for (const f of facts) {
                const x = step[camel(f)];
                got[f] = typeof x === "boolean" ? x : list(x);
            }
            for (const r of places) got[r] = list(R[camel(r)](step));
            for (const r of tokenRules) got[r] = list(R[camel(r)](step, Uint8Array.from(c.tokens)));
            for (const r of durationRules) got[r] = list(R[camel(r)](step, c.token, Uint8Array.from(c.durations)));
            for (const n of tokenNudges) got[n] = list(R[camel(n)](step));
            got.token_nudges = list(R.tokenNudges(step));
            got.tokens_allowed = list(R.tokensAllowed(step));
            got.durations_allowed = list(R.durationsAllowed(step, c.token));
            got.first_draw = [0, 0.8].map((t) => R.firstDraw(new R.Step(solo, c.first), t));
            out.push(got);
        });
    }
    return { out, order: [R.TOKEN_RULES.map((f) => f.name), R.DURATION_RULES.map((f) => f.name),
                          R.TOKEN_NUDGES.map((f) => f.name)] };
}"""


def test_every_rule_gives_in_the_page_what_it_gives_in_python(repo_page):
    groups, cases, expected = vectors()
    names = {"places": [r.__name__ for r in PLACES], "tokenRules": [r.__name__ for r in rules.TOKEN_RULES],
             "durationRules": [r.__name__ for r in rules.DURATION_RULES],
             "tokenNudges": [n.__name__ for n in rules.TOKEN_NUDGES], "facts": FACTS}
    got = repo_page.evaluate(JS, {"groups": groups, **names, "nudges": rules.header()})
    # The same rules and nudges under the same names, in the same order.
    assert got["order"] == [[camel(n) for n in names[k]] for k in ("tokenRules", "durationRules", "tokenNudges")]
    assert len(got["out"]) == len(expected) == 360
    bad = [(i, name, want[name], page[name]) for i, (want, page) in enumerate(zip(expected, got["out"]))
           for name in want if want[name] != page[name]]
    assert not bad, f"{len(bad)} differences, first: {bad[:3]}"
