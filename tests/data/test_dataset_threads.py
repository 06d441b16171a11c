"""prefetch and map(num_parallel_calls) work in threads while the consumer works
(issue 12), and never leak into the consumer's tape or trace (issue 13's context)."""

import threading
import time

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.core.errors import InvalidArgumentError

WAIT = 10.0  # seconds: a handshake that needs the overlap fails (not hangs) without it


def _py_map(ds, fn, **kw):
    """ds.map with a Python side effect per element (py_function, as real programs do)."""
    return ds.map(lambda x: tf.py_function(fn, [x], tf.int64), **kw)


def ember_threads():
    return [t for t in threading.enumerate() if t.name.startswith("ember-data")]


def wait_no_threads():
    deadline = time.monotonic() + WAIT
    while ember_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    return ember_threads()


def test_prefetch_produces_ahead_of_the_consumer():
    produced = {i: threading.Event() for i in range(4)}
    names = []

    def work(x):
        names.append(threading.current_thread().name)
        produced[int(x)].set()
        return x

    ds = _py_map(tf.data.Dataset.range(4), work).prefetch(2)
    it = iter(ds)
    assert int(next(it)) == 0
    # the consumer holds element 0 and asks for nothing: element 1 is made anyway
    assert produced[1].wait(WAIT)
    assert [int(x) for x in it] == [1, 2, 3]
    assert set(names) == {"ember-data-prefetch"}
    assert wait_no_threads() == []


def test_parallel_map_keeps_calls_in_flight_between_next_calls():
    started = {i: threading.Event() for i in range(8)}
    barrier = threading.Barrier(3, timeout=WAIT)

    def work(x):
        started[int(x)].set()
        if int(x) < 3:
            barrier.wait()  # only passes if three calls run at the same time
        return x * 10

    ds = _py_map(tf.data.Dataset.range(8), work, num_parallel_calls=3)
    it = iter(ds)
    assert int(next(it)) == 0
    assert started[3].wait(WAIT)  # while the consumer holds element 0
    assert [int(x) for x in it] == [10, 20, 30, 40, 50, 60, 70]
    assert wait_no_threads() == []


def test_unordered_parallel_map_gives_every_element():
    def work(x):
        time.sleep(0.002 * (5 - int(x) % 5))
        return x

    ds = _py_map(tf.data.Dataset.range(20), work, num_parallel_calls=4, deterministic=False)
    assert sorted(int(x) for x in ds) == list(range(20))


@pytest.mark.parametrize("where", ["prefetch", "parallel"])
def test_errors_reach_the_consumer_at_their_element(where):
    def work(x):
        if int(x) == 3:
            raise ValueError("element three is bad")
        return x

    ds = _py_map(tf.data.Dataset.range(6), work,
                 num_parallel_calls=2 if where == "parallel" else None)
    if where == "prefetch":
        ds = ds.prefetch(1)
    got = []
    with pytest.raises(Exception, match="element three is bad"):
        for x in ds:
            got.append(int(x))
    assert got == [0, 1, 2]
    assert wait_no_threads() == []


def test_stopping_early_stops_the_threads():
    calls = []

    def work(x):
        calls.append(int(x))
        return x

    ds = _py_map(tf.data.Dataset.range(10_000), work).prefetch(4)
    for i, _ in enumerate(ds):
        if i == 2:
            break
    assert wait_no_threads() == []
    assert len(calls) < 100  # the producer stopped a few elements ahead


def test_prefetch_of_an_infinite_dataset_with_take():
    ds = tf.data.Dataset.range(3).repeat().prefetch(tf.data.AUTOTUNE).take(7)
    assert [int(x) for x in ds] == [0, 1, 2, 0, 1, 2, 0]
    assert wait_no_threads() == []


def test_prefetch_buffer_size_checks():
    assert [int(x) for x in tf.data.Dataset.range(3).prefetch(0)] == [0, 1, 2]
    with pytest.raises(InvalidArgumentError, match="prefetch: buffer_size"):
        tf.data.Dataset.range(3).prefetch(-5)


def test_tape_does_not_record_pipeline_work():
    """Ops the pipeline runs in its threads while a tape records in the main thread stay
    off that tape: the gradient is exact, and the tape holds only the step's own ops."""
    w = tf.Variable([1.0, 2.0])
    scale = tf.Variable(2.0)  # trainable, read by the pipeline: a shared tape would watch it
    ds = tf.data.Dataset.from_tensor_slices(np.arange(24.0, dtype="float32").reshape(12, 2))
    ds = ds.map(lambda x: x * scale + 1.0, num_parallel_calls=2).prefetch(2)
    it = iter(ds)
    for _ in range(6):
        with tf.GradientTape() as tape:
            x = next(it)  # the pipeline keeps working while the tape records
            time.sleep(0.005)
            loss = tf.reduce_sum(w * x)
            n_nodes = len(tape._nodes)
        assert tape.watched_variables() == (w,)
        np.testing.assert_allclose(tape.gradient(loss, w).numpy(), x.numpy())
        assert n_nodes == 3  # read w, multiply, reduce_sum: nothing from the pipeline


def test_fit_with_prefetch_and_parallel_map_matches_plain_pipeline():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")

    def run(fast):
        tf.keras.utils.set_random_seed(1)
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        ds = ds.map(lambda a, b: (a * 2.0, b), num_parallel_calls=3 if fast else None)
        ds = ds.batch(8)
        if fast:
            ds = ds.prefetch(tf.data.AUTOTUNE)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, "sigmoid")])
        model.compile("sgd", "binary_crossentropy")
        h = model.fit(ds, epochs=2, verbose=0)
        return h.history["loss"], [w.numpy() for w in model.weights]

    (loss_a, w_a), (loss_b, w_b) = run(False), run(True)
    np.testing.assert_allclose(loss_a, loss_b, rtol=1e-6)
    for a, b in zip(w_a, w_b):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert wait_no_threads() == []
