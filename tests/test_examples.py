"""The examples in examples/ train to their stated accuracy (`make test-slow`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
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


@pytest.mark.slow
def test_text_classifier_learns_the_sentiment_words(tmp_path):
    tc = _load("text_classifier")
    model, accuracy = tc.train(epochs=4, verbose=0)
    assert accuracy > 0.9  # the docstring's figure
    texts = np.array(["a wonderful film, loved the music", "a boring, awful plot"])
    p = model.predict(texts, verbose=0)[:, 0]
    assert p[0] > 0.5 > p[1]
    model.save(tmp_path / "reviews.keras")
    from ember import keras
    again = keras.models.load_model(tmp_path / "reviews.keras")
    np.testing.assert_allclose(again.predict(texts, verbose=0), model.predict(texts, verbose=0),
                               rtol=1e-5)
