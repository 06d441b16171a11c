"""ember.function: tracing, the executor, retracing, variables, tapes, errors."""


import numpy as np
import pytest

import ember as tf
from ember.core.registry import PRIMITIVES, bind
from ember.core.tensor import wrap
from tests.helpers import loss_gradients
from tests.op_specs import all_specs


def test_traces_once_per_signature_and_matches_eager():
    def f(x, y):
        return tf.reduce_sum(tf.nn.relu(x) * y, axis=-1) + 1.0
    g = tf.function(f)
    x = tf.constant(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32))
    y = tf.constant(np.ones((4, 3), np.float32))
    for _ in range(3):
        np.testing.assert_allclose(g(x, y).numpy(), f(x, y).numpy(), rtol=1e-6)
    assert g.experimental_get_tracing_count() == 1


def test_decorator_forms_and_methods():
    @tf.function
    def a(x):
        return x + 1

    @tf.function(jit_compile=True, reduce_retracing=True)
    def b(x):
        return x * 2

    class Model:
        def __init__(self):
            self.w = tf.Variable(3.0)

        @tf.function
        def __call__(self, x):
            return self.w * x

    assert float(a(tf.constant(1.0))) == 2.0 and float(b(tf.constant(1.0))) == 2.0
    assert float(Model()(tf.constant(2.0))) == 6.0


def test_batch_sizes_1_to_100_trace_at_most_twice():
    f = tf.function(lambda x: tf.reduce_mean(x * 2.0, axis=1))
    for n in range(1, 101):
        out = f(tf.ones([n, 4]))
        assert out.shape == (n,)
    assert f.experimental_get_tracing_count() <= 2


def test_excessive_retracing_warns_with_the_reason():
    f = tf.function(lambda x, n: x * n)
    with pytest.warns(UserWarning, match=r"triggered tracing.*Python"):
        for n in range(8):
            f(tf.constant(1.0), n)


def test_python_if_on_a_symbolic_tensor_names_cond():
    @tf.function(autograph=False)  # with AutoGraph (the default) the `if` becomes a cond
    def f(x):
        if x > 0:
            return x
        return -x
    with pytest.raises(TypeError, match=r"ember\.cond"):
        f(tf.constant(1.0))


def test_numpy_on_a_symbolic_tensor_raises_clearly():
    @tf.function
    def f(x):
        return x.numpy()
    with pytest.raises(tf.errors.SymbolicValueError, match="run_functions_eagerly"):
        f(tf.constant(1.0))


def test_python_control_flow_on_python_values_is_traced_through():
    @tf.function
    def power(x, n):
        y = x
        for _ in range(n - 1):
            y = y * x
        return y
    assert float(power(tf.constant(2.0), 5)) == 32.0
    assert float(power(tf.constant(2.0), 3)) == 8.0


def test_captured_variables_are_read_fresh_and_assign_works():
    v = tf.Variable(1.0)
    counter = tf.Variable(0)

    @tf.function
    def step(x):
        counter.assign_add(1)
        v.assign(v * x)
        return v + 0.0  # reads the value assigned above

    assert float(step(tf.constant(2.0))) == 2.0
    v.assign(10.0)  # changed outside: the next call sees it
    assert float(step(tf.constant(3.0))) == 30.0
    assert float(v) == 30.0 and int(counter) == 2
    assert step.experimental_get_tracing_count() == 1


def test_bad_assignment_inside_function_raises_at_trace_time():
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x):
        v.assign(x)
        return x
    with pytest.raises(ValueError, match="does not fit"):
        f(tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="float64"):
        f(tf.constant([1.0, 2.0], dtype=tf.float64))
    assert v.numpy().tolist() == [1.0, 2.0]


def test_input_signature():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(x):
        return tf.reduce_sum(x, axis=1)
    assert f(tf.ones([3, 2])).shape == (3,) and f(np.ones((5, 2), np.float32)).shape == (5,)
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(ValueError, match="does not match input_signature"):
        f(tf.ones([3, 3]))
    with pytest.raises(TypeError, match="does not match input_signature"):
        f(tf.ones([3, 2], dtype=tf.float64))
    cf = f.get_concrete_function()
    assert "a:f32[None, 2]" in str(cf.graph)


def test_run_functions_eagerly_runs_python_every_call():
    calls = []

    @tf.function
    def f(x):
        calls.append(1)
        return x + 1
    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert len(calls) == 1
    tf.config.run_functions_eagerly(True)
    try:
        f(tf.constant(1.0))
        f(tf.constant(2.0))
        assert len(calls) == 3 and tf.config.functions_run_eagerly()
    finally:
        tf.config.run_functions_eagerly(False)


def test_graph_printer_and_plan():
    @tf.function
    def f(x):
        unused = tf.exp(x)  # noqa: F841 - dead code, removed from the plan
        c = tf.constant([1.0, 2.0]) * 3.0  # computed at trace time: a constant
        return x + c
    cf = f.get_concrete_function(tf.TensorSpec([2]))
    text = str(cf.graph)
    assert text.startswith("{ lambda a:f32[2] .") and "exp" in text and "add" in text
    assert cf.plan.n_eqns == 1  # exp removed as dead code
    assert "k0(x0, c" in cf.plan.source


def test_nested_functions_are_inlined():
    inner = tf.function(lambda x: x * 2.0)
    outer = tf.function(lambda x: inner(x) + 1.0)
    assert float(outer(tf.constant(1.0))) == 3.0
    assert inner.experimental_get_tracing_count() == 0


def test_runtime_error_names_the_op():
    f = tf.function(lambda x, i: tf.gather(x, i))
    f(tf.constant([1.0, 2.0]), tf.constant([0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="gather"):
        f(tf.constant([1.0, 2.0]), tf.constant([5]))


def test_python_outputs_and_structures():
    @tf.function
    def f(d):
        return {"sum": d["a"] + d["b"], "tag": "ok", "pair": (d["a"], None)}
    out = f({"a": tf.constant(1.0), "b": tf.constant(2.0)})
    assert float(out["sum"]) == 3.0 and out["tag"] == "ok" and out["pair"][1] is None


def test_gradient_across_a_traced_function_equals_eager():
    w = tf.Variable([[1.0, -2.0], [0.5, 3.0]])

    def model(x):
        return tf.reduce_sum(tf.tanh(tf.matmul(x, w)) ** 2)
    traced = tf.function(model)
    x = tf.constant([[0.3, -0.7]])
    grads = []
    for fn in (model, traced):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        grads.append(tape.gradient(y, [x, w]))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_gradient_tape_inside_a_traced_function():
    w = tf.Variable([1.0, 2.0])

    @tf.function
    def train_step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((w * x - 1.0) ** 2)
        g = tape.gradient(loss, w)
        w.assign_sub(0.1 * g)
        return loss

    x = tf.constant([1.0, 1.0])
    losses = [float(train_step(x)) for _ in range(20)]
    assert losses[-1] < losses[0] * 0.01
    assert train_step.experimental_get_tracing_count() == 1
    np.testing.assert_allclose(w.numpy(), [1.0, 1.0], atol=0.02)


SPECS = all_specs()
CASES = [(n, i, c) for n, cs in sorted(SPECS.items()) for i, c in enumerate(cs)
         if c.compare_values]


@pytest.mark.parametrize("name,i,case", CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_traced_equals_eager_for_every_primitive(name, i, case):
    prim = PRIMITIVES[name]
    args = [wrap(np.array(a, copy=True)) for a in case.args]
    eager = bind(prim, *args, **case.params)
    traced = tf.function(lambda *xs: bind(prim, *xs, **case.params))(*args)
    for e, t in zip(eager if isinstance(eager, tuple) else (eager,),
                    traced if isinstance(traced, tuple) else (traced,)):
        assert e.dtype == t.dtype and e.shape == t.shape
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    diff = [k for k, a in enumerate(case.args) if np.asarray(a).dtype == np.float64
            and (case.diff_args is None or k in case.diff_args)]
    if not diff:
        return

    grads = loss_gradients(prim, case.params, diff)
    for ge, gt in zip(grads(*args), tf.function(grads)(*args)):
        assert (ge is None) == (gt is None)
        if ge is not None:
            np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=1e-12, atol=1e-12)


def test_random_ops_in_a_traced_function_draw_new_numbers_each_call():
    @tf.function
    def noise():
        return tf.random.uniform([4]), tf.random.normal([3], seed=11)
    a, b = noise(), noise()
    assert not np.array_equal(a[0].numpy(), b[0].numpy())
    assert not np.array_equal(a[1].numpy(), b[1].numpy())
    tf.random.set_seed(5)
    first = [noise()[0].numpy() for _ in range(2)]
    tf.random.set_seed(5)
    again = [noise()[0].numpy() for _ in range(2)]
    np.testing.assert_array_equal(first, again)
    assert noise.experimental_get_tracing_count() == 1
    tf.random.set_seed(None)


def test_generator_inside_a_function_raises_clearly():
    g = tf.random.Generator.from_seed(1)
    with pytest.raises(NotImplementedError, match="Generator"):
        tf.function(lambda: g.normal([2]))()


def test_traced_train_step_with_relaxed_batch_matches_eager():
    rng = np.random.default_rng(3)
    w1 = tf.Variable(rng.standard_normal((4, 8)).astype(np.float32))
    b1 = tf.Variable(np.zeros(8, np.float32))
    w2 = tf.Variable(rng.standard_normal((8, 3)).astype(np.float32))

    def grads(x, labels):
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(x, w1) + b1)
            logits = tf.matmul(h, w2)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels, logits)) + 0.01 * tf.reduce_mean(tf.square(tf.nn.softmax(logits)))
        return tape.gradient(loss, [w1, b1, w2])

    traced = tf.function(grads)
    for n in range(1, 10):
        x = tf.constant(rng.standard_normal((n, 4)).astype(np.float32))
        labels = tf.constant(rng.integers(0, 3, n).astype(np.int32))
        for a, b in zip(grads(x, labels), traced(x, labels)):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    assert traced.experimental_get_tracing_count() == 2


def test_shape_of_unknown_dims_is_read_at_run_time():
    f = tf.function(lambda x: (tf.shape(x), tf.reduce_mean(x)))
    for n in (2, 3, 7):
        s, m = f(tf.ones([n, 2]) * n)
        assert s.numpy().tolist() == [n, 2] and float(m) == n
    assert f.experimental_get_tracing_count() == 2


def test_sliced_assignment_inside_a_function():
    v = tf.Variable(np.zeros((2, 3), np.float32))

    @tf.function
    def f(x):
        v[0, :2].assign(x)
        v[1].assign(v[1] + 1.0)
        v[:, -1].assign(7.0)
        return tf.reduce_sum(v[0])
    assert float(f(tf.constant([1.0, 2.0]))) == 10.0
    np.testing.assert_array_equal(v.numpy(), [[1, 2, 7], [1, 1, 7]])
    f(tf.constant([3.0, 4.0]))
    np.testing.assert_array_equal(v.numpy(), [[3, 4, 7], [2, 2, 7]])
    assert f.experimental_get_tracing_count() == 1

    @tf.function
    def bad(x):
        v[0, :2].assign(x)
        return x
    with pytest.raises(TypeError, match="float64"):
        bad(tf.constant([1.0, 2.0], tf.float64))


def test_run_time_bad_update_changes_no_variable():
    v = tf.Variable([1.0, 2.0])
    count = tf.Variable(0)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        count.assign_add(1)
        v.assign(x)  # fits [None] at trace time; the size is checked at run time
        return x
    f(tf.constant([5.0, 6.0]))
    assert v.numpy().tolist() == [5.0, 6.0] and int(count) == 1
    with pytest.raises(ValueError, match="no variable was changed"):
        f(tf.constant([1.0, 2.0, 3.0]))
    assert v.numpy().tolist() == [5.0, 6.0] and int(count) == 1
