"""The model card comes from MODEL.md.jinja: every figure from checkpoint.json, no placeholder left, and the
solos section only when there are measures to show."""

from __future__ import annotations

import os

from lofi_build.model import card


def test_the_card_is_rendered_from_the_template(tiny):
    ckpt = tiny["default"]
    text = card.card_text(ckpt)
    assert text.startswith(f"# Model card: `{ckpt.short}`")
    assert f"**{ckpt.info['val_perplexity']}**" in text and ckpt.fingerprint in text
    assert f"{os.cpu_count()} CPU cores" in text  # the machine it ran on, not a hard-coded one
    assert "## Solos" not in text and "unconditioned twin" not in text and "taken away" not in text
    assert "{{" not in text and "{%" not in text
    assert len([line for line in text.splitlines() if line.startswith("| ") and line[2:3].isdigit()]) == \
        len(ckpt.history)


def test_the_solos_section_shows_the_measures_it_is_given(tiny):
    rows = [("new pool", {"chord_tones": 0.91, "rest_share": 0.12}), ("our songs", {"chord_tones": 0.88,
                                                                                     "rest_share": 0.07})]
    text = card.card_text(tiny["default"], pool=rows)
    section = text.split("## Solos")[1].split("## Reproduce")[0]
    assert "| | chord_tones | rest_share |" in section
    assert "| new pool | 0.91 | 0.12 |" in section and "| our songs | 0.88 | 0.07 |" in section
