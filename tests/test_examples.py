"""The examples in examples/ train to their stated accuracy (`make test-slow`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_causal_lm_learns_the_next_character():
    lm = _load("causal_lm")
    model, chars, accuracy = lm.train(epochs=2, verbose=0)
    assert accuracy > 0.9  # the docstring's figure
    text = lm.sample(model, chars, "the quick ", 20)
    assert text.startswith("the quick ") and len(text) == 30
