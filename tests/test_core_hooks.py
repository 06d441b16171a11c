"""The core's hooks for tools: listeners of compiled functions (core.context.add_listener,
what tf.summary.trace_on uses) and the executor's registry of live plans (swap_kernels,
what tf.profiler uses). Off, they leave nothing behind: no listener, ACTIVE empty, the
plans' generated code and kernels as compiled."""

import gc
import weakref

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.core import context, executor
from ember.core.context import ACTIVE, LISTENERS
from ember.core.registry import PRIMITIVES


class Events(context.Listener):
    def __init__(self):
        self.events = []

    def on_trace(self, cf):
        self.events.append(("trace", cf.name))

    def on_call(self, cf):
        self.events.append(("call", cf.name))


@pytest.fixture
def listener():
    events = Events()
    context.add_listener(events)
    try:
        yield events
    finally:
        context.remove_listener(events)
    assert not ACTIVE and not LISTENERS


def test_listener_sees_traces_and_calls(listener):
    assert len(ACTIVE) == 1 and LISTENERS == [listener]  # a mode while registered
    f = tf.function(lambda x: x * 2.0, name="double")
    f(tf.constant(1.0))
    f(tf.constant(2.0))
    f.get_concrete_function(tf.TensorSpec([3]))  # traced, not called
    assert listener.events == [("trace", "double"), ("call", "double"),
                               ("call", "double"), ("trace", "double")]


def test_listener_sees_calls_on_a_tape_and_inside_keras(listener):
    f = tf.function(lambda x: x * x, name="square")
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = f(x)
    assert float(tape.gradient(y, x)) == 6.0
    assert ("call", "square") in listener.events
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)], name="seq")
    model(np.ones((1, 2), "float32"))  # model(x): through the compiled graph function
    model.predict(np.ones((3, 2), "float32"), verbose=0)
    assert listener.events.count(("call", "seq")) == 2


def test_remove_listener_twice_and_unknown():
    events = Events()
    context.add_listener(events)
    context.remove_listener(events)
    context.remove_listener(events)  # not registered any more: nothing
    context.remove_listener(Events())
    assert not ACTIVE and not LISTENERS
    tf.function(lambda x: x + 1.0)(tf.constant(1.0))
    assert events.events == []


def test_live_plans_are_weak():
    cf = tf.function(lambda x: tf.exp(x)).get_concrete_function(tf.TensorSpec([2]))
    plan = weakref.ref(cf.plan)
    assert any(p is plan() for p in executor.live_plans())
    del cf
    gc.collect()
    assert plan() is None  # the registry keeps no plan alive


def test_profiler_swaps_plan_kernels_without_scanning_the_heap(tmp_path, monkeypatch):
    f = tf.function(lambda x: tf.reduce_sum(tf.exp(x)))
    cf = f.get_concrete_function(tf.TensorSpec([3]))
    plan = cf.plan
    source, kernels = plan.source, {k: plan._globals[k] for k in plan._kernels}
    monkeypatch.setattr(gc, "get_objects", lambda *a: pytest.fail("heap scanned"))
    tf.profiler.experimental.start(str(tmp_path))
    try:
        assert plan._globals["k0"].__wrapped__ is kernels["k0"]
        f(tf.ones([3]))
    finally:
        tf.profiler.experimental.stop()
    assert plan.source == source  # the generated code is never changed
    assert all(plan._globals[k] is v for k, v in kernels.items())
    assert kernels["k0"] is PRIMITIVES["exp"].kernel
