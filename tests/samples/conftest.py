"""Fixtures for the sound-kit tests: the committed kit decoded once, and tiny throwaway kits."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kitcheck import KIT_YAML, tone
from lofi_build.samples import audio
from lofi_build.samples.manifest import load_kit


@pytest.fixture(scope="session")
def kit():
    return load_kit(KIT_YAML)


@pytest.fixture(scope="session")
def decoded(kit):
    """Every file of the committed kit decoded once: rel path -> (float32 frames x channels, rate)."""
    return {a.rel: audio.read(a.path) for a in kit.files}


@pytest.fixture
def make_kit(tmp_path):
    """Write a samples.yaml (dedented) and its audio into a temp folder; returns the yaml's path.

    ``files`` maps relative paths to seconds of tone (a number) or raw bytes.
    """

    def make(yaml_text: str, files: dict | None = None) -> Path:
        for rel, content in (files or {}).items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                audio.write_mp3(path, tone(float(content)))
        manifest = tmp_path / "samples.yaml"
        manifest.write_text(textwrap.dedent(yaml_text).lstrip("\n"), encoding="utf-8")
        return manifest

    return make
