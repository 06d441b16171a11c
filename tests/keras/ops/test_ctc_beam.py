"""keras.ops.ctc_decode(strategy="beam_search"): against real Keras 3 (NumPy backend), an
exhaustive sum over every alignment (NumPy), inside ember.function and on KerasTensors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.keras3_oracle import check_op

RNG = np.random.default_rng(7)


def _logits(*shape):
    return (RNG.normal(size=shape) * 2).astype("float32")


@pytest.mark.parametrize("mask_index", [0, 3])
@pytest.mark.parametrize("beam_width,top_paths", [(1, 1), (4, 2), (16, 3)])
def test_beam_search_equals_keras3(mask_index, beam_width, top_paths):
    x = _logits(3, 7, 4)
    check_op("ctc_decode", x, np.array([7, 5, 2], "int32"), strategy="beam_search",
             beam_width=beam_width, top_paths=top_paths, mask_index=mask_index,
             module="nn", rtol=1e-4, atol=1e-4)


def _exact(logits, length, blank):
    """log P(labelling) for every labelling: a sum over all alignments."""
    lp = logits[:length] - np.log(np.exp(logits[:length]).sum(-1, keepdims=True))
    totals: dict = {}
    for path in itertools.product(range(logits.shape[1]), repeat=length):
        merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
        label = tuple(c for c in merged if c != blank)
        p = np.exp(sum(lp[t, c] for t, c in enumerate(path)))
        totals[label] = totals.get(label, 0.0) + p
    return sorted(((np.log(p), k) for k, p in totals.items()), reverse=True)


@pytest.mark.parametrize("blank", [0, 2])
def test_wide_beam_finds_the_exact_most_probable_labellings(blank):
    x = _logits(2, 5, 3).astype("float64")
    paths, scores = keras.ops.ctc_decode(x, [5, 4], strategy="beam_search",
                                         beam_width=200, top_paths=4, mask_index=blank)
    assert paths.shape == (4, 2, 5) and paths.dtype == tf.int32
    for b, length in enumerate([5, 4]):
        exact = _exact(x[b], length, blank)[:4]
        for k, (logp, label) in enumerate(exact):
            got = paths.numpy()[k, b]
            assert tuple(got[got >= 0]) == label
            np.testing.assert_allclose(scores.numpy()[b, k], logp, rtol=1e-9)


def test_beam_search_in_a_function_and_a_functional_model():
    x = _logits(2, 6, 5)
    lengths = np.array([6, 3], "int32")
    eager = keras.ops.ctc_decode(x, lengths, strategy="beam_search", beam_width=5,
                                 top_paths=2)
    traced = tf.function(lambda a, n: keras.ops.ctc_decode(
        a, n, strategy="beam_search", beam_width=5, top_paths=2))(x, lengths)
    for e, t in zip(eager, traced):
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    inp, lens = keras.Input((6, 5)), keras.Input((), dtype="int32")
    out = keras.ops.ctc_decode(inp, lens, strategy="beam_search", beam_width=5, top_paths=2)
    assert tuple(out[0].shape) == (2, None, 6) and tuple(out[1].shape) == (None, 2)
    model = keras.Model([inp, lens], list(out))
    for e, m in zip(eager, model([x, lengths])):
        np.testing.assert_array_equal(e.numpy(), m.numpy())


def test_beam_search_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="top_paths must be an int in \\[1, beam_width=2\\]"):
        keras.ops.ctc_decode(_logits(1, 3, 3), [3], strategy="beam_search", beam_width=2,
                             top_paths=3)
    with pytest.raises(ValueError, match="invalid strategy 'beam'"):
        keras.ops.ctc_decode(_logits(1, 3, 3), [3], strategy="beam")
