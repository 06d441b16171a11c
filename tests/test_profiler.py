"""tf.profiler.experimental: spans of the primitives that ran and of Trace blocks, saved as
a gzip Chrome trace at <logdir>/plugins/profile/<run>/<host>.trace.json.gz; TF's errors;
the kernels put back after stop; Keras' TensorBoard(profile_batch=...)."""

import gzip
import json
import os
import re
import socket
import threading

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.core.registry import PRIMITIVES

profiler = tf.profiler.experimental


@pytest.fixture(autouse=True)
def _no_profiler_left():
    yield
    try:
        profiler.stop(save=False)
    except tf.errors.UnavailableError:
        pass


def _trace_file(logdir):
    base = os.path.join(logdir, "plugins", "profile")
    (run,) = os.listdir(base)
    assert re.fullmatch(r"\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d", run)
    (name,) = os.listdir(os.path.join(base, run))
    assert name == socket.gethostname() + ".trace.json.gz"
    return os.path.join(base, run, name)


def _spans(logdir):
    with gzip.open(_trace_file(logdir), "rt", encoding="utf-8") as f:
        doc = json.load(f)
    return [e for e in doc["traceEvents"] if e["ph"] == "X"]


def test_spans_of_primitives_and_traces(tmp_path):
    profiler.start(str(tmp_path))
    assert os.path.isdir(tmp_path / "plugins" / "profile")  # made at start
    with profiler.Trace("my_step", step_num=7, _r=1):
        y = tf.nn.relu(tf.matmul(tf.ones([2, 3]), tf.ones([3, 4])))
    profiler.stop()
    assert y.shape == (2, 4)
    spans = _spans(tmp_path)
    names = [e["name"] for e in spans]
    assert {"matmul", "relu", "my_step"} <= set(names)
    (step,) = [e for e in spans if e["name"] == "my_step"]
    assert step["args"] == {"step_num": "7", "_r": "1"}
    (mm,) = [e for e in spans if e["name"] == "matmul"]
    # the op ran inside the Trace block, on the same thread
    assert step["ts"] <= mm["ts"] and mm["ts"] + mm["dur"] <= step["ts"] + step["dur"]
    assert mm["tid"] == step["tid"] == threading.get_ident()
    assert all(e["dur"] >= 0 for e in spans)


def test_kernels_restored_after_stop(tmp_path):
    before = {name: p.kernel for name, p in PRIMITIVES.items()}
    profiler.start(str(tmp_path))
    assert PRIMITIVES["matmul"].kernel is not before["matmul"]
    assert PRIMITIVES["matmul"].kernel.__wrapped__ is before["matmul"]
    profiler.stop()
    assert all(PRIMITIVES[name].kernel is k for name, k in before.items())


def test_compiled_functions_are_profiled_and_restored(tmp_path):
    w = tf.Variable(np.ones((3, 2), np.float32))

    @tf.function
    def f(x):
        return tf.reduce_sum(tf.matmul(x, w))

    cf = f.get_concrete_function(tf.TensorSpec([None, 3]))
    f(tf.ones([4, 3]))  # compiled before the profiler starts
    glob = cf.plan.call.__globals__
    kernels = dict(glob)
    profiler.start(str(tmp_path))
    f(tf.ones([4, 3]))

    @tf.function
    def g(x):  # compiled while profiling
        return tf.exp(x)
    g(tf.ones([2]))
    profiler.stop()
    names = [e["name"] for e in _spans(tmp_path)]
    assert {"matmul", "reduce_sum", "exp"} <= set(names)
    assert all(glob[k] is v for k, v in kernels.items())  # the plan's kernels back
    g_glob = g.get_concrete_function(tf.TensorSpec([2])).plan.call.__globals__
    assert not any(getattr(v, "__module__", "") == "ember.profiler._recorder"
                   for v in g_glob.values())
    assert float(f(tf.ones([4, 3]))) == 24.0


def test_errors_as_tf(tmp_path):
    with pytest.raises(tf.errors.UnavailableError,
                       match=r"^Cannot export profiling results\. No profiler is running\."):
        profiler.stop()
    profiler.start(str(tmp_path))
    with pytest.raises(tf.errors.AlreadyExistsError, match="^Another profiler is running"):
        profiler.start(str(tmp_path / "other"))
    profiler.stop(save=False)
    assert os.listdir(tmp_path / "plugins" / "profile") == []  # nothing saved
    assert issubclass(tf.errors.AlreadyExistsError, tf.errors.OpError)
    assert tf.errors.UnavailableError("x").error_code == 14
    with pytest.raises(TypeError, match="logdir must be a str"):
        profiler.start(3)
    with pytest.raises(TypeError, match="options must be a tf.profiler.experimental"):
        profiler.start(str(tmp_path), options={"host_tracer_level": 2})
    with pytest.raises(ValueError, match="host_tracer_level must be an int >= 0"):
        profiler.ProfilerOptions(host_tracer_level=-1)
    with pytest.raises(TypeError, match="name must be a str"):
        profiler.Trace(None)


def test_profile_context_and_options(tmp_path):
    options = profiler.ProfilerOptions(host_tracer_level=1, python_tracer_level=1,
                                       device_tracer_level=0)
    with profiler.Profile(str(tmp_path), options=options):
        with profiler.Trace("only_me"):
            tf.ones([2]) * 2.0
    assert [e["name"] for e in _spans(tmp_path)] == ["only_me"]  # level 1: no op spans
    delayed = tmp_path / "delayed"
    with profiler.Profile(str(delayed), options=profiler.ProfilerOptions(delay_ms=60_000)):
        tf.ones([2]) * 2.0
    assert _spans(delayed) == []


def test_trace_without_profiler_and_other_threads(tmp_path):
    with profiler.Trace("ignored"):
        tf.ones([2]) + 1.0
    profiler.start(str(tmp_path))

    def work():
        with profiler.Trace("worker"):
            tf.ones([2]) - 1.0
    t = threading.Thread(target=work, name="worker-thread")
    t.start()
    t.join()
    profiler.stop()
    spans = _spans(tmp_path)
    (worker,) = [e for e in spans if e["name"] == "worker"]
    assert worker["tid"] == t.ident
    assert "ignored" not in [e["name"] for e in spans]


def test_placement_log_and_profiler_together(tmp_path, capsys):
    before = {name: p.kernel for name, p in PRIMITIVES.items()}
    tf.debugging.set_log_device_placement(True)
    profiler.start(str(tmp_path))
    tf.debugging.set_log_device_placement(False)
    profiler.stop()
    assert all(PRIMITIVES[name].kernel is k for name, k in before.items())
    profiler.start(str(tmp_path / "2"))  # the other way round
    tf.debugging.set_log_device_placement(True)
    profiler.stop()
    tf.debugging.set_log_device_placement(False)
    assert all(PRIMITIVES[name].kernel is k for name, k in before.items())


def test_tensorboard_callback_profile_batch(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    x = np.random.default_rng(0).random((20, 3)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    cb = keras.callbacks.TensorBoard(str(tmp_path), profile_batch=(2, 3))
    model.fit(x, x[:, :1], epochs=2, batch_size=5, verbose=0, callbacks=[cb])
    names = [e["name"] for e in _spans(tmp_path / "train")]
    assert names.count("Profiled Step") == 2 and "matmul" in names
    acc = EventAccumulator(str(tmp_path / "train"), size_guidance={"tensors": 0})
    acc.Reload()
    assert acc.Tags()["tensors"] == ["batch_3"]  # the graphs run while profiling
    with pytest.raises(tf.errors.UnavailableError):
        profiler.stop()  # the callback stopped its profiler
