"""tf.summary.trace_on / trace_off / trace_export and tf.summary.graph: the GraphDef of
ember.function graphs, read back with TensorBoard's own EventAccumulator; the Keras
TensorBoard callback's write_graph."""

import os
import sys

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.core.context import ACTIVE, LISTENERS
from ember.core.function import ConcreteFunction

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator)
from tensorboard.compat.proto import config_pb2, types_pb2  # noqa: E402


def _read(logdir):
    acc = EventAccumulator(str(logdir), size_guidance={"tensors": 0})
    acc.Reload()
    return acc


def _nodes(graph_def):
    return {n.name: (n.op, list(n.input)) for n in graph_def.node}


@pytest.fixture(autouse=True)
def _no_trace_left():
    yield
    tf.summary.trace_off()


@pytest.fixture
def writer(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    yield w
    w.close()


def _dense_fn():
    w = tf.Variable(np.ones((3, 2), np.float32), name="w")
    b = tf.Variable(np.zeros(2, np.float32), name="b")

    @tf.function
    def f(x):
        return tf.nn.relu(x @ w + b)
    return f


def test_graph_def_of_a_known_function(tmp_path, writer):
    f = _dense_fn()
    tf.summary.trace_on(graph=True, profiler=False)
    f(tf.ones([4, 3]))
    with writer.as_default():
        tf.summary.trace_export(name="dense_trace", step=0)
    writer.flush()
    acc = _read(tmp_path)
    nodes = _nodes(acc.Graph())
    assert nodes == {
        "f/x": ("Placeholder", []),
        "f/w/resource": ("Placeholder", []),
        "f/w/ReadVariableOp": ("ReadVariableOp", ["f/w/resource"]),
        "f/b/resource": ("Placeholder", []),
        "f/b/ReadVariableOp": ("ReadVariableOp", ["f/b/resource"]),
        "f/matmul": ("matmul", ["f/x", "f/w/ReadVariableOp"]),
        "f/add": ("add", ["f/matmul", "f/b/ReadVariableOp"]),
        "f/relu": ("relu", ["f/add"]),
        "f/Identity": ("Identity", ["f/relu"]),
    }
    by_name = {n.name: n for n in acc.Graph().node}
    assert by_name["f/x"].attr["dtype"].type == types_pb2.DT_FLOAT
    assert by_name["f/w/resource"].attr["dtype"].type == types_pb2.DT_RESOURCE
    assert by_name["f/matmul"].attr["T"].type == types_pb2.DT_FLOAT
    shape = by_name["f/matmul"].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shape.dim] == [4, 2]
    # TF's own form too: a tensor summary of a RunMetadata, one graph per function
    (event,) = acc.Tensors("dense_trace")
    assert event.step == 0
    run = config_pb2.RunMetadata.FromString(event.tensor_proto.string_val[0])
    (fg,) = run.function_graphs
    assert [n.name for n in fg.pre_optimization_graph.node][-4:] == [
        "matmul", "add", "relu", "Identity"]
    assert acc.summary_metadata["dense_trace"].plugin_data.plugin_name == \
        "graph_run_metadata_graph"


def test_tracing_hooks_are_removed_after_export_and_off(writer):
    """A trace is a listener of compiled functions and a mode of the dispatch context
    while on (no method is swapped); export and off leave nothing registered."""
    before = (ConcreteFunction.__dict__["__init__"],
              ConcreteFunction.__dict__["_call_tensors"])
    assert not ACTIVE and not LISTENERS
    tf.summary.trace_on()
    assert len(ACTIVE) == 1 and len(LISTENERS) == 1
    with writer.as_default(step=1):
        tf.summary.trace_export("t")
    assert (ConcreteFunction.__dict__["__init__"],
            ConcreteFunction.__dict__["_call_tensors"]) == before
    assert not ACTIVE and not LISTENERS
    tf.summary.trace_on()
    tf.summary.trace_off()
    assert ConcreteFunction.__dict__["_call_tensors"] is before[1]
    assert not ACTIVE and not LISTENERS
    tf.summary.trace_on(graph=False)  # records nothing: nothing to listen for
    assert not ACTIVE and not LISTENERS


def test_trace_leaves_no_mode_after_errors(tmp_path, writer):
    f = _dense_fn()
    tf.summary.trace_on()
    f(tf.ones([1, 3]))
    with writer.as_default():
        with pytest.raises(ValueError, match="no step set"):
            tf.summary.trace_export("no_step")
    assert len(ACTIVE) == 1  # the trace is still on, as TF
    tf.summary.trace_off()
    assert not ACTIVE and not LISTENERS
    tf.profiler.experimental.start(str(tmp_path / "busy"))
    try:
        with pytest.raises(tf.errors.AlreadyExistsError):
            tf.summary.trace_on(profiler=True, profiler_outdir=str(tmp_path / "p"))
        assert not ACTIVE and not LISTENERS
    finally:
        tf.profiler.experimental.stop(save=False)
    tf.summary.trace_on(profiler=True)  # no folder anywhere: the profile is dropped
    with writer.as_default(step=0):
        with pytest.warns(UserWarning, match="profile was discarded"):
            tf.summary.trace_export("dropped")
    assert not ACTIVE and not LISTENERS
    tf.summary.trace_on(profiler=True, profiler_outdir=str(tmp_path / "p"))
    tf.profiler.experimental.stop(save=False)  # the user stops the trace's profiler
    tf.summary.trace_off()
    assert not ACTIVE and not LISTENERS

    @tf.function
    def boom(x):
        raise RuntimeError("traced and failed")

    tf.summary.trace_on()
    with pytest.raises(RuntimeError, match="traced and failed"):
        boom(tf.constant(1.0))
    tf.summary.trace_off()
    assert not ACTIVE and not LISTENERS


def test_model_call_on_the_fast_path_is_recorded(tmp_path, writer):
    """model(x) on a built Sequential model skips the general path when no mode is on;
    a trace is a mode, so the call goes through the compiled function, and is seen."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="relu"),
                              keras.layers.Dense(1)])
    x = tf.Variable(np.ones((1, 3), np.float32))
    expected = model(x).numpy()  # compiled, and on the fast path from now on
    assert model._fast_plan()
    tf.summary.trace_on(graph=True)
    np.testing.assert_array_equal(model(x).numpy(), expected)
    with writer.as_default():
        tf.summary.trace_export("model_call", step=0)
    writer.flush()
    ops = [n.op for n in _read(tmp_path).Graph().node]
    assert ops.count("matmul") == 2 and "relu" in ops
    assert not ACTIVE and not LISTENERS
    np.testing.assert_array_equal(model(x).numpy(), expected)  # the fast path again


def test_trace_off_stops_recording(tmp_path, writer):
    @tf.function
    def first(x):
        return x + 1.0

    @tf.function
    def second(x):
        return x * 2.0

    tf.summary.trace_on(graph=True)
    first(tf.constant(1.0))
    tf.summary.trace_off()
    first(tf.constant(2.0))  # after trace_off: not recorded
    with pytest.raises(ValueError, match="Must enable trace before export"):
        tf.summary.trace_export("nothing", step=0)
    tf.summary.trace_on(graph=True)
    second(tf.constant(1.0))
    with writer.as_default():
        tf.summary.trace_export("second", step=3)
    writer.flush()
    names = set(_nodes(_read(tmp_path).Graph()))
    assert "second/multiply" in names
    assert not any(n.startswith("first/") for n in names)


def test_records_functions_traced_before_and_name_clashes(tmp_path, writer):
    @tf.function
    def g(x, y):
        return x - y

    g(tf.constant(1.0), tf.constant(2.0))  # traced before the trace starts
    h = tf.function(lambda x: tf.split(x, 2), name="g")  # same name: another scope
    tf.summary.trace_on()
    g(tf.constant(1.0), tf.constant(2.0))
    h.get_concrete_function(tf.TensorSpec([4]))  # traced during the trace
    with writer.as_default():
        tf.summary.trace_export("two", step=0)
    writer.flush()
    nodes = _nodes(_read(tmp_path).Graph())
    assert nodes["g/subtract"] == ("subtract", ["g/x", "g/y"])
    # a primitive with several results: its outputs are `node` and `node:1`
    assert nodes["g_1/Identity"] == ("Identity", ["g_1/split"])
    assert nodes["g_1/Identity_1"] == ("Identity", ["g_1/split:1"])
    for op, inputs in nodes.values():  # every edge points at a node
        assert all(i.split(":")[0] in nodes for i in inputs)


def test_constants_and_variable_updates(tmp_path, writer):
    v = tf.Variable(1.0, name="counter")

    @tf.function
    def step(x):
        v.assign_add(x)
        return v * tf.constant([1.0, 2.0])

    tf.summary.trace_on()
    step(tf.constant(1.0))
    with writer.as_default():
        tf.summary.trace_export("updates", step=0)
    writer.flush()
    graph = _read(tmp_path).Graph()
    nodes = _nodes(graph)
    consts = [n for n in graph.node if n.op == "Const"]
    assert consts and consts[0].attr["value"].tensor.tensor_shape.dim[0].size == 2
    assert np.frombuffer(consts[0].attr["value"].tensor.tensor_content,
                         np.float32).tolist() == [1.0, 2.0]
    (assign,) = [k for k, (op, _) in nodes.items() if op == "AssignVariableOp"]
    assert nodes[assign][1][0] == "step/counter/resource"


def test_export_without_writer_or_step(writer):
    f = _dense_fn()
    tf.summary.trace_on()
    f(tf.ones([1, 3]))
    tf.summary.trace_export("no_writer", step=0)  # no default writer: nothing, as TF
    with pytest.raises(ValueError, match="Must enable trace before export"):
        tf.summary.trace_export("again", step=0)
    tf.summary.trace_on()
    f(tf.ones([1, 3]))
    with writer.as_default():
        with pytest.raises(ValueError, match="no step set"):
            tf.summary.trace_export("no_step")
        tf.summary.trace_export("with_step", step=1)  # the trace was still on


def test_trace_on_warnings():
    tf.summary.trace_on()
    with pytest.warns(UserWarning, match="Trace already enabled"):
        tf.summary.trace_on()
    tf.summary.trace_off()

    @tf.function
    def f(x):
        tf.summary.trace_on()
        return x

    with pytest.warns(UserWarning, match="Cannot enable trace inside a tf.function"):
        f(tf.constant(1.0))
    with pytest.raises(TypeError, match="name must be a str"):
        tf.summary.trace_export(3, step=0)


def test_summary_graph(tmp_path, writer):
    cf = tf.function(lambda x: tf.nn.relu(x)).get_concrete_function(tf.TensorSpec([2]))
    assert tf.summary.graph(cf) is False  # no default writer
    with writer.as_default():
        assert tf.summary.graph(cf.graph) is True
        with pytest.raises(ValueError, match="graph_data must be a graph"):
            tf.summary.graph("not a graph")
    writer.flush()
    assert [n.op for n in _read(tmp_path).Graph().node] == ["Placeholder", "relu",
                                                             "Identity"]


def test_trace_with_profiler(tmp_path, writer):
    f = _dense_fn()
    prof = tmp_path / "prof"
    tf.summary.trace_on(graph=True, profiler=True, profiler_outdir=str(prof))
    f(tf.ones([2, 3]))
    with writer.as_default():
        tf.summary.trace_export("profiled", step=0)
    (run,) = os.listdir(prof / "plugins" / "profile")
    assert os.listdir(prof / "plugins" / "profile" / run)[0].endswith(".trace.json.gz")
    writer.flush()
    acc = _read(tmp_path)
    assert acc.summary_metadata["profiled"].plugin_data.plugin_name == "graph_run_metadata"
    # TF <= 2.15 style: the folder given to trace_export
    old = tmp_path / "old"
    tf.summary.trace_on(graph=True, profiler=True)
    f(tf.ones([2, 3]))
    with writer.as_default():
        tf.summary.trace_export("old_style", step=0, profiler_outdir=str(old))
    assert os.listdir(old / "plugins" / "profile")
    with pytest.raises(tf.errors.UnavailableError):
        tf.profiler.experimental.stop()  # the export stopped it


def test_missing_tensorboard_names_the_fix(monkeypatch):
    from ember.summary.graph_def import graph_def
    cf = tf.function(lambda x: x + 1).get_concrete_function(tf.TensorSpec([2]))
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        graph_def(cf.graph)


# -- keras.callbacks.TensorBoard(write_graph=...) ------------------------------------------
def _xy():
    x = np.random.default_rng(0).random((12, 3)).astype("float32")
    return x, x.sum(1, keepdims=True)


def test_tensorboard_callback_writes_the_model_graph(tmp_path):
    x, y = _xy()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(str(tmp_path / "on"))])
    graph = _read(tmp_path / "on" / "train").Graph()
    ops = [n.op for n in graph.node]
    assert ops.count("matmul") == 2 and "relu" in ops and ops[-1] == "Identity"
    assert _graph_events(tmp_path / "on" / "train") == 1
    model.fit(x, y, epochs=1, batch_size=4, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(str(tmp_path / "off"),
                                                     write_graph=False)])
    assert not _read(tmp_path / "off" / "train").Tags()["graph"]


def test_tensorboard_callback_graph_of_a_subclassed_model(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

    x, y = _xy()
    model = Net()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(str(tmp_path))])
    ops = {n.op for n in _read(tmp_path / "train").Graph().node}
    # no graph before the first step: the compiled train step's, after the first epoch
    assert {"matmul", "Placeholder", "ReadVariableOp", "AssignVariableOp"} <= ops
    assert _graph_events(tmp_path / "train") == 1  # once


def _graph_events(folder):
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    (name,) = os.listdir(folder)
    return sum(e.HasField("graph_def") for e in
               EventFileLoader(os.path.join(folder, name)).Load())
