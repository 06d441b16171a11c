"""The dispatch context (core/context.py) and the Keras call context: one top trace per
thread, ACTIVE back to empty after every mode (errors included), threads independent."""

import threading

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.core import context
from ember.core.context import ACTIVE, CTX
from ember.keras.engine.call_context import CALL


def in_thread(fn):
    """fn() in a new thread; its result, or the exception it raised."""
    box = {}

    def run():
        try:
            box["out"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["exc"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "exc" in box:
        raise box["exc"]
    return box["out"]


def test_top_follows_tapes_and_traces():
    assert CTX.top is None and not ACTIVE
    seen = {}
    with tf.GradientTape() as outer:
        seen["tape"] = CTX.top is outer

        @tf.function
        def f(x):
            seen["trace"] = CTX.top is CTX.traces[-1] and CTX.top is not outer
            return x * 2.0

        f(tf.constant(1.0))
        seen["after"] = CTX.top is outer
    assert seen == {"tape": True, "trace": True, "after": True}
    assert CTX.top is None and not ACTIVE


def test_active_empties_after_errors():
    @tf.function
    def bad(x):
        raise ValueError("boom")

    with pytest.raises(ValueError):
        with tf.GradientTape():
            bad(tf.constant(1.0))
    inputs = keras.Input((3,))
    with pytest.raises(Exception):
        keras.layers.Dense(2)(inputs, training=True, mask=object())
    assert not ACTIVE and CTX.top is None
    assert CALL.training == [None] and CALL.spec_only == 0


def test_tape_records_only_its_own_thread():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * 3.0
        # the same Variable used in another thread while the tape records: not recorded
        other = in_thread(lambda: (x * 100.0, CTX.top))
    assert other[1] is None
    assert float(other[0]) == 200.0
    assert float(tape.gradient(y, x)) == 3.0


def test_trace_sees_only_its_own_thread():
    results = {}

    @tf.function
    def f(x):
        # eager work in another thread while this one traces: concrete values there
        results["other"] = in_thread(lambda: (tf.constant(2.0) * 3.0).numpy())
        return x + 1.0

    assert float(f(tf.constant(1.0))) == 2.0
    assert results["other"] == 6.0
    assert len(f.get_concrete_function(tf.TensorSpec([])).graph.eqns) == 1


def test_thread_starts_eager_and_keras_context_is_per_thread():
    def probe():
        return CTX.top, list(CTX.tapes), list(CALL.training), CALL.spec_only

    with tf.GradientTape():
        from ember.keras.engine.call_context import push_training, pop_training
        push_training(True)
        try:
            assert in_thread(probe) == (None, [], [None], 0)
        finally:
            pop_training()
    assert not ACTIVE


def test_model_fast_path_steps_aside_for_training_in_any_mode():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.999)])
    x = np.ones((2, 4), "float32")
    np.testing.assert_array_equal(model(x).numpy(), x)  # inference: the fast path
    from ember.keras.engine.call_context import pop_training, push_training
    push_training(True)  # as inside an outer layer call with training=True
    try:
        assert ACTIVE
        out = model(x).numpy()
    finally:
        pop_training()
    assert (out == 0).mean() > 0.5  # dropout ran: the general path saw training=True
    assert not ACTIVE


def test_run_functions_eagerly_is_a_mode():
    tf.config.run_functions_eagerly(True)
    try:
        assert len(ACTIVE) == 1
        tf.config.run_functions_eagerly(True)  # set twice: one mode
        assert len(ACTIVE) == 1
    finally:
        tf.config.run_functions_eagerly(False)
    assert not ACTIVE


def test_isolated_restores_stacks():
    with tf.GradientTape() as tape:
        with context.isolated():
            assert CTX.top is None and not CTX.tapes
        assert CTX.top is tape
    assert not ACTIVE


def test_parallel_tapes_in_threads():
    """Each thread's tape sees only its thread's ops, run at the same time."""
    w = tf.Variable(np.arange(4.0, dtype="float32"))
    barrier = threading.Barrier(4)

    def step(k):
        with tf.GradientTape() as tape:
            barrier.wait()
            loss = tf.reduce_sum(w * float(k))
            for _ in range(20):
                loss = loss + tf.reduce_sum(w * 0.0)
        return tape.gradient(loss, w).numpy()

    out = {}
    threads = [threading.Thread(target=lambda k=k: out.__setitem__(k, step(k)))
               for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        np.testing.assert_array_equal(out[k], np.full(4, float(k), "float32"))
    assert not ACTIVE
