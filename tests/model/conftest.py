"""Fixtures of the model tests: a tiny project and a tiny trained checkpoint of the default and article presets."""

from __future__ import annotations

import pytest

from lofi_build.config import load_config
from modelkit import make_project, tiny_train

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """A project with a MIDI corpus and a tiny trained checkpoint of each unconditioned preset."""
    root = make_project(tmp_path_factory.mktemp("tiny") / "proj")
    config = load_config(root / "lofi.yaml")
    return {"root": root, "config": config,
            "default": tiny_train(config, "default", epochs=12), "article": tiny_train(config, "article", epochs=12)}
