"""fused_update: the in-place effect primitive optimizers use (ember/prims/effects.py)."""

from __future__ import annotations

import weakref

import numpy as np
import pytest

import ember as tf
from ember.errors import ShapeError
from ember.ops.state_ops import fused_update


def _sgd(g, p, lr):
    p -= lr * g


def test_eager_update_is_in_place_and_correct():
    w = tf.Variable([1.0, 2.0])
    buf = weakref.ref(w._value)
    fused_update(_sgd, [(w,)], [tf.constant([1.0, 2.0])], [tf.constant(0.5)])
    np.testing.assert_allclose(w.numpy(), [0.5, 1.0])
    assert buf() is w._value


def test_an_alias_of_the_buffer_keeps_its_values():
    w = tf.Variable([1.0, 2.0])
    snapshot = w.value()            # shares the buffer (no copy)
    view = np.asarray(w)            # a read-only view
    fused_update(_sgd, [(w,)], [tf.constant([1.0, 1.0])], [tf.constant(1.0)])
    np.testing.assert_allclose(snapshot.numpy(), [1.0, 2.0])
    np.testing.assert_allclose(view, [1.0, 2.0])
    np.testing.assert_allclose(w.numpy(), [0.0, 1.0])


def test_in_a_function_reads_after_the_update_see_new_values():
    w = tf.Variable([1.0, 2.0])

    @tf.function
    def step(g):
        before = w * 1.0
        fused_update(_sgd, [(w,)], [g], [tf.constant(1.0)])
        return before, w * 1.0

    before, after = step(tf.constant([1.0, 1.0]))
    np.testing.assert_allclose(before.numpy(), [1.0, 2.0])
    np.testing.assert_allclose(after.numpy(), [0.0, 1.0])
    np.testing.assert_allclose(w.numpy(), [0.0, 1.0])
    buf = weakref.ref(w._value)
    step(tf.constant([1.0, 1.0]))
    assert buf() is w._value        # the compiled plan holds no stale reference
    np.testing.assert_allclose(w.numpy(), [-1.0, 0.0])


def test_kept_when_no_output_uses_it_and_matches_eager_under_a_tape():
    w = tf.Variable([3.0])
    x = tf.Variable([2.0])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * x)
        fused_update(_sgd, [(w,)], [tape.gradient(loss, w)], [tf.constant(0.25)])

    step()
    np.testing.assert_allclose(w.numpy(), [2.5])
    with tf.GradientTape():          # replayed op by op through the tape
        step()
    np.testing.assert_allclose(w.numpy(), [2.0])


def test_bad_gradient_changes_nothing():
    w = tf.Variable([1.0, 2.0])
    with pytest.raises(ShapeError, match="shape"):
        fused_update(_sgd, [(w,)], [tf.constant([1.0, 2.0, 3.0])], [tf.constant(1.0)])
    with pytest.raises(TypeError, match="float64"):
        fused_update(_sgd, [(w,)], [tf.constant([1.0, 2.0], tf.float64)], [tf.constant(1.0)])
    np.testing.assert_allclose(w.numpy(), [1.0, 2.0])


def test_pending_assignment_in_the_same_function_is_refused():
    w = tf.Variable([1.0])

    @tf.function
    def step():
        w.assign([5.0])
        fused_update(_sgd, [(w,)], [tf.constant([1.0])], [tf.constant(1.0)])

    with pytest.raises(NotImplementedError, match="assigned earlier"):
        step()
    np.testing.assert_allclose(w.numpy(), [1.0])


def test_a_run_time_error_after_an_update_applies_the_update_once():
    from ember import keras
    from ember.core.errors import InvalidArgumentError
    v = tf.Variable([1.0, 2.0, 3.0])
    opt = keras.optimizers.SGD(1.0)

    @tf.function
    def step(g, idx):
        opt.apply_gradients([(g, v)])  # an in-place update (an effect equation)
        return tf.gather(v, idx)  # fails at run time for a bad index

    step(tf.constant([0.5, 0.5, 0.5]), tf.constant([0]))
    np.testing.assert_allclose(v.numpy(), [0.5, 1.5, 2.5])
    with pytest.raises(InvalidArgumentError, match="gather"):
        step(tf.constant([0.5, 0.5, 0.5]), tf.constant([7]))
    # the failing call's in-place update ran once, before its gather failed (as in TF's
    # graph); the error was explained from the failed frame, not by re-running the plan,
    # which would have applied the update twice ([-0.5, 0.5, 1.5])
    np.testing.assert_allclose(v.numpy(), [0.0, 1.0, 2.0])
