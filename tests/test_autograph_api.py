"""AutoGraph: the tf.autograph API, Keras bodies, fallbacks and the errors it raises."""

import warnings

import numpy as np
import pytest

import ember as tf
from ember import keras


# -- tf.autograph API ----------------------------------------------------------------------

def relu_loop(x, n):
    i = 0
    while i < n:
        if x > 0:
            x = x - 1.0
        i += 1
    return x


def test_to_code_shows_the_converted_function():
    code = tf.autograph.to_code(relu_loop)
    assert code.startswith("def relu_loop(x, n):\n")
    for piece in ("ag__.while_stmt(", "ag__.if_stmt(", "def loop_body(", "def get_state",
                  "def set_state", "nonlocal"):
        assert piece in code, piece
    compile(code, "<to_code>", "exec")  # valid Python
    assert tf.autograph.to_code(tf.function(relu_loop)) == code


def test_to_graph_runs_python_values_as_python_and_tensors_as_graphs():
    g = tf.autograph.to_graph(relu_loop)
    assert g(3.0, 2) == relu_loop(3.0, 2)
    f = tf.function(g)
    assert float(f(tf.constant(3.0), tf.constant(2))) == 1.0


def test_autograph_false_and_do_not_convert_leave_python_alone():
    def f(x):
        if x > 0:
            x = -x
        return x
    with pytest.raises(TypeError, match="ember.cond"):
        tf.function(f, autograph=False)(tf.constant(1.0))
    g = tf.autograph.experimental.do_not_convert(lambda_free_copy(f))
    with pytest.raises(TypeError, match="ember.cond"):
        tf.function(g)(tf.constant(1.0))

    @tf.function
    def outer(x):
        return g(x)
    with pytest.raises(TypeError, match="ember.cond"):
        outer(tf.constant(1.0))
    tf.autograph.set_verbosity(3)  # a no-op


def lambda_free_copy(f):
    import types
    return types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__,
                              f.__closure__)


def test_called_user_functions_are_converted_recursively():
    def helper(x):
        if x > 1.0:
            return x / 2.0
        return x

    @tf.function
    def f(x):
        return helper(helper(x))
    assert float(f(tf.constant(8.0))) == 2.0 and float(f(tf.constant(0.5))) == 0.5


# -- sources that can't be read ------------------------------------------------------------

def test_function_without_source_is_traced_unconverted_and_warns_only_on_failure():
    ns = {"tf": tf}
    exec("def g(x):\n    return x * 2.0\n\ndef h(x):\n    if x > 0:\n        x = -x\n"
         "    return x\n", ns)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(tf.function(ns["g"])(tf.constant(2.0))) == 4.0
    with pytest.warns(UserWarning, match="AutoGraph could not convert h"):
        with pytest.raises(TypeError, match="ember.cond"):
            tf.function(ns["h"])(tf.constant(1.0))


def test_builtins_and_ember_ops_are_called_as_they_are():
    f = tf.function(abs)
    assert float(f(tf.constant(-2.0))) == 2.0
    g = tf.function(tf.nn.relu)
    assert float(g(tf.constant(-2.0))) == 0.0


# -- errors for what can't be converted ---------------------------------------------------

def test_generator_function_names_line_and_rewrite():
    def gen(x):
        for i in range(3):
            yield x * i
    with pytest.raises(ValueError, match=r"line \d+: `yield`.*TensorArray"):
        tf.function(gen)(tf.constant(1.0))


def test_try_around_tensor_control_flow_is_refused():
    @tf.function
    def f(x):
        try:
            if x > 0:
                x = x * 2.0
        except ValueError:
            x = x * 0.0
        return x
    with pytest.raises(ValueError, match=r"inside the `try` at line \d+"):
        f(tf.constant(1.0))


def test_try_around_python_control_flow_still_works():
    @tf.function
    def f(x, flag):
        try:
            if flag:
                x = x * 2.0
        except ValueError:
            pass
        return x
    assert float(f(tf.constant(1.0), True)) == 2.0


def test_loop_variable_changing_dtype_names_it_and_the_fix():
    @tf.function
    def f(n):
        total = 0
        i = 0
        while i < n:
            total = tf.cast(i, tf.float32) * 0.5
            i += 1
        return total
    with pytest.raises(ValueError, match=r"'total' enters the loop .* as int32 but the loop "
                                         r"body makes it float32.*ember.cast"):
        f(tf.constant(3))


def test_loop_variable_changing_shape_names_it_and_the_fix():
    @tf.function
    def f(n):
        x = tf.zeros([1])
        for i in tf.range(n):
            x = tf.concat([x, [1.0]], 0)
        return x
    with pytest.raises(ValueError, match=r"'x' has shape \(1,\) before the loop .*"
                                         r"set_loop_options\(shape_invariants"):
        f(tf.constant(3))


def test_variable_used_after_a_tensor_loop_must_be_defined_before():
    @tf.function
    def f(n):
        i = 0
        while i < n:
            last = i * 2
            i += 1
        return last
    with pytest.raises(ValueError, match=r"'last' must be defined before the loop"):
        f(tf.constant(3))


def test_python_if_reading_an_unassigned_variable_raises_pythons_error():
    @tf.function
    def f(x, flag):
        if flag:
            y = x
        return y
    with pytest.raises(UnboundLocalError, match="'y' referenced before assignment"):
        f(tf.constant(1.0), False)


# -- Keras ------------------------------------------------------------------------------------

class Clip(keras.layers.Layer):
    def call(self, x):
        if tf.reduce_max(x) > 10.0:
            x = x / 10.0
        return x


class Halving(keras.Model):
    def __init__(self):
        super().__init__()
        self.clip = Clip()
        self.dense = keras.layers.Dense(1)
        self.big_steps = tf.Variable(0, trainable=False)

    def call(self, x):
        return self.dense(self.clip(x))

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((self(x, training=True) - y) ** 2)
        grads = tape.gradient(loss, self.trainable_variables)
        if loss > 1.0:
            self.big_steps.assign_add(1)
            grads = [g * 0.5 for g in grads]
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return {"loss": loss}


def _fit(run_eagerly, x, y):
    keras.utils.set_random_seed(3)
    m = Halving()
    m.compile(optimizer="sgd", run_eagerly=run_eagerly)
    h = m.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    return h.history["loss"], int(m.big_steps), m.dense.kernel.numpy()


def test_train_step_and_layer_call_with_tensor_if_run_in_fit_as_eagerly():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32") * 3
    x[:4] *= 20  # batches whose max is above 10 take the Clip branch
    y = x.sum(1, keepdims=True) / 4
    eager = _fit(True, x, y)
    graph = _fit(False, x, y)
    np.testing.assert_allclose(graph[0], eager[0], rtol=1e-5)
    assert graph[1] == eager[1] > 0
    np.testing.assert_allclose(graph[2], eager[2], rtol=1e-5)


def test_variables_assigned_or_optimized_inside_a_tensor_loop():
    v = tf.Variable(0.0)

    @tf.function
    def count(n):
        for _ in tf.range(n):
            v.assign_add(1.0)
        return v.read_value()
    assert float(count(tf.constant(3))) == 3.0 and float(v) == 3.0
    assert float(count(tf.constant(2))) == 5.0

    x = np.random.default_rng(1).random((32, 3)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices((x, x.sum(1, keepdims=True))).batch(8)

    def make():
        keras.utils.set_random_seed(0)
        m = keras.Sequential([keras.layers.Dense(1)])
        m.build((None, 3))
        return m, keras.optimizers.SGD(0.1)

    def step(model, opt, a, b):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(a) - b) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    m, o = make()
    eager = [float(step(m, o, a, b)) for a, b in ds]
    m, o = make()

    @tf.function
    def train():
        losses = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        i = 0
        for a, b in ds:  # a graph loop over the dataset: the optimizer runs inside
            losses = losses.write(i, step(m, o, a, b))
            i += 1
        return losses.stack()
    np.testing.assert_allclose(train().numpy(), eager, rtol=1e-5)
