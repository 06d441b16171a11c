"""Introduction to graphs and tf.function.

Source: https://www.tensorflow.org/guide/intro_to_graphs
(tensorflow/docs site/en/guide/intro_to_graphs.ipynb)

Changes: imports (`import ember as tf`); `y_true` / `y_pred` are fixed int32 constants
instead of `tf.random.uniform(..., dtype=tf.int32)` draws, and the `power` matrix a seeded
NumPy draw; `timeit(..., number=1000)` -> `number=2`; the `as_graph_def()` print (a TF
protobuf) dropped; what the cells print is captured and returned so the number of
"Tracing!" / "Calculating MSE!" lines can be checked.
"""

import contextlib
import io
import timeit

import numpy as np

import ember as tf
from tests.programs._data import to_plain


def program():
    out = {}

    def a_regular_function(x, y, b):
        x = tf.matmul(x, y)
        x = x + b
        return x

    a_function_that_uses_a_graph = tf.function(a_regular_function)
    x1 = tf.constant([[1.0, 2.0]])
    y1 = tf.constant([[2.0], [3.0]])
    b1 = tf.constant(4.0)
    orig_value = a_regular_function(x1, y1, b1).numpy()
    tf_function_value = a_function_that_uses_a_graph(x1, y1, b1).numpy()
    assert(orig_value == tf_function_value)

    def inner_function(x, y, b):
        x = tf.matmul(x, y)
        x = x + b
        return x

    @tf.function
    def outer_function(x):
        y = tf.constant([[2.0], [3.0]])
        b = tf.constant(4.0)
        return inner_function(x, y, b)

    out["outer"] = outer_function(tf.constant([[1.0, 2.0]])).numpy()

    @tf.function
    def my_relu(x):
        return tf.maximum(0., x)

    out["my_relu"] = [my_relu(tf.constant(5.5)), my_relu([1, -1]),
                      my_relu(tf.constant([3., -3.])), my_relu(tf.constant(-2.5)),
                      my_relu(tf.constant([-1., 1.]))]

    y_true = tf.constant([6, 1, 9, 3, 7])
    y_pred = tf.constant([2, 8, 5, 3, 0])

    @tf.function
    def get_MSE(y_true, y_pred):
        sq_diff = tf.pow(y_true - y_pred, 2)
        return tf.reduce_mean(sq_diff)

    out["mse_graph"] = get_MSE(y_true, y_pred)
    tf.config.run_functions_eagerly(True)
    out["mse_eager"] = get_MSE(y_true, y_pred)
    tf.config.run_functions_eagerly(False)

    @tf.function
    def get_MSE(y_true, y_pred):
        print("Calculating MSE!")
        sq_diff = tf.pow(y_true - y_pred, 2)
        return tf.reduce_mean(sq_diff)

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        error = get_MSE(y_true, y_pred)
        error = get_MSE(y_true, y_pred)
        error = get_MSE(y_true, y_pred)
    out["prints_graph"] = buf.getvalue().count("Calculating MSE!")
    buf = io.StringIO()
    tf.config.run_functions_eagerly(True)
    try:
        with contextlib.redirect_stdout(buf):
            error = get_MSE(y_true, y_pred)
            error = get_MSE(y_true, y_pred)
            error = get_MSE(y_true, y_pred)
    finally:
        tf.config.run_functions_eagerly(False)
    out["prints_eager"] = buf.getvalue().count("Calculating MSE!")

    def unused_return_eager(x):
        tf.gather(x, [1])  # unused
        return x

    try:
        print(unused_return_eager(tf.constant([0.0])))
        out["unused_eager"] = "no error"
    except tf.errors.InvalidArgumentError as e:
        out["unused_eager"] = type(e).__name__

    x = tf.constant(np.random.default_rng(0).integers(-1, 2, size=(10, 10)), dtype=tf.int32)

    def power(x, y):
        result = tf.eye(10, dtype=tf.dtypes.int32)
        for _ in range(y):
            result = tf.matmul(x, result)
        return result

    timeit.timeit(lambda: power(x, 100), number=2)
    power_as_graph = tf.function(power)
    timeit.timeit(lambda: power_as_graph(x, 100), number=2)
    out["power_equal"] = bool(np.array_equal(power(x, 100), power_as_graph(x, 100)))

    @tf.function
    def a_function_with_python_side_effect(x):
        print("Tracing!")  # An eager-only side effect.
        return x * x + tf.constant(2)

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        out["side_effect"] = [a_function_with_python_side_effect(tf.constant(2)),
                              a_function_with_python_side_effect(tf.constant(3)),
                              a_function_with_python_side_effect(2),
                              a_function_with_python_side_effect(3)]
    out["tracing_prints"] = buf.getvalue().count("Tracing!")
    return to_plain(out)


def program_unused_in_graph():
    @tf.function
    def unused_return_graph(x):
        tf.gather(x, [1])  # unused
        return x

    return to_plain(unused_return_graph(tf.constant([0.0])))


def program_autograph():
    def simple_relu(x):
        if tf.greater(x, 0):
            return x
        else:
            return 0

    tf_simple_relu = tf.function(simple_relu)
    first = tf_simple_relu(tf.constant(1)).numpy()
    second = tf_simple_relu(tf.constant(-1)).numpy()
    code = tf.autograph.to_code(simple_relu)
    return to_plain([first, second]), "ag__.if_stmt" in code


def program_signatures():
    @tf.function
    def my_relu(x):
        return tf.maximum(0., x)

    my_relu(tf.constant(5.5))
    my_relu([1, -1])
    my_relu(tf.constant([3., -3.]))
    return my_relu.pretty_printed_concrete_signatures().count("Input Parameters:")


TF = {'outer': [[12.0]], 'my_relu': [5.5, [1.0, 0.0], [3.0, 0.0], 0.0, [0.0, 1.0]],
      'mse_graph': 26, 'mse_eager': 26, 'prints_graph': 1, 'prints_eager': 3,
      'unused_eager': 'InvalidArgumentError', 'power_equal': True,
      'side_effect': [6, 11, 6, 11], 'tracing_prints': 3}


def test_program():
    assert program() == TF


def test_unused_op_pruned():
    assert program_unused_in_graph() == [0.0]


def test_autograph():
    # TF 2.21's to_code names the converted function `tf__simple_relu`, ember's keeps
    # `simple_relu`; both convert the `if` to `ag__.if_stmt`
    assert program_autograph() == ([1, 0], True)


def test_signatures():
    assert program_signatures() == 3        # TF 2.21: three concrete signatures
