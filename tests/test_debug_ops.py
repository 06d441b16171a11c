"""tf.debugging asserts, tf.Assert, tf.print and the small context managers: eagerly, and
inside ember.function where the checks and prints run each call."""

import io
import sys

import numpy as np
import pytest

import ember as tf
from ember.errors import InvalidArgumentError

ROWS = [tf.TensorSpec([None], tf.float32)]


@pytest.mark.parametrize("check,x,y,symbol", [
    (tf.debugging.assert_equal, [1, 2, 3], [1, 2, 4], "=="),
    (tf.debugging.assert_none_equal, [1, 2], [3, 2], "!="),
    (tf.debugging.assert_less, [1, 5, 3], [2, 2, 4], "<"),
    (tf.debugging.assert_less_equal, [1, 5], [1, 4], "<="),
    (tf.debugging.assert_greater, [3, 1], [2, 1], ">"),
    (tf.debugging.assert_greater_equal, [3, 0], [2, 1], ">="),
])
def test_comparison_asserts_hold_or_raise_tfs_message(check, x, y, symbol):
    x, y = np.array(x, np.int32), np.array(y, np.int32)
    with pytest.raises(InvalidArgumentError) as info:
        check(tf.constant(x), tf.constant(y), message="custom")
    text = str(info.value)
    bad = np.argwhere(~{"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                        ">": np.greater, ">=": np.greater_equal}[symbol](x, y))
    assert text.startswith(f"custom\nCondition x {symbol} y did not hold.")
    assert f"Indices of first {len(bad)} different values:\n{bad}" in text
    assert f"First {min(3, x.size)} elements of x:\n{x[:3]}" in text
    good_y = {"==": x, "!=": x + 1, "<": x + 1, "<=": x, ">": x - 1, ">=": x}[symbol]
    assert check(tf.constant(x), tf.constant(good_y)) is None


def test_sign_near_and_numerics_checks():
    tf.debugging.assert_positive(tf.constant([1.0, 2.0]))
    tf.debugging.assert_non_negative(tf.constant([0, 3]))
    with pytest.raises(InvalidArgumentError, match=r"Condition x < y did not hold"):
        tf.debugging.assert_negative(tf.constant([-1.0, 0.0]))
    tf.debugging.assert_near(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0 + 1e-6]))
    with pytest.raises(InvalidArgumentError, match="not equal to tolerance"):
        tf.debugging.assert_near(tf.constant([1.0]), tf.constant([1.1]), atol=0.01)
    t = tf.constant([1.0, 2.0])
    assert tf.debugging.check_numerics(t, "x") is t
    with pytest.raises(InvalidArgumentError, match="bad x : Tensor had NaN values"):
        tf.debugging.check_numerics(tf.constant([1.0, np.nan]), "bad x")
    with pytest.raises(InvalidArgumentError, match="Tensor had Inf values"):
        tf.debugging.assert_all_finite(tf.constant([np.inf]), "y")
    with pytest.raises(TypeError, match="float"):
        tf.debugging.check_numerics(tf.constant([1, 2]), "ints")


def test_assert_and_static_checks():
    assert tf.Assert(tf.constant(True), [tf.constant([1, 2])]) is None
    with pytest.raises(InvalidArgumentError, match="Summarized data: 1, 2"):
        tf.Assert(tf.constant(False), [tf.constant([1, 2])])
    with pytest.raises(ValueError, match="scalar bool"):
        tf.Assert(tf.constant([True]), [])
    with pytest.raises(ValueError, match=r"must have rank 3.  Received rank 2, shape \(2, 3\)"):
        tf.debugging.assert_rank(tf.zeros([2, 3]), 3)
    with pytest.raises(ValueError, match="at least 2"):
        tf.debugging.assert_rank_at_least(tf.zeros([2]), 2)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        tf.debugging.assert_rank_in(tf.zeros([2, 2]), [0, 1])
    with pytest.raises(TypeError, match="must be of type float64; got float32"):
        tf.debugging.assert_type(tf.constant(1.0), tf.float64)
    with pytest.raises(ValueError, match="Expected scalar shape"):
        tf.debugging.assert_scalar(tf.zeros([2]))
    assert tf.debugging.is_numeric_tensor(tf.constant(1)) and \
        not tf.debugging.is_numeric_tensor(tf.constant(True))


def test_traced_checks_run_on_every_call_and_stop_the_update():
    v = tf.Variable(0.0)

    @tf.function(input_signature=ROWS)
    def step(x):
        tf.debugging.assert_positive(x, message="step needs positive x")
        v.assign_add(tf.reduce_sum(x))  # not reached when the check fails
        return tf.debugging.check_numerics(x * 2.0, "doubled")

    np.testing.assert_allclose(step(np.array([1.0, 2.0], np.float32)).numpy(), [2.0, 4.0])
    assert float(v) == 3.0
    with pytest.raises(InvalidArgumentError, match="step needs positive x"):
        step(np.array([1.0, -2.0], np.float32))
    assert float(v) == 3.0  # all or nothing: the failed call changed no Variable
    step(np.array([4.0], np.float32))
    assert float(v) == 7.0
    names = [e.prim.name for e in step.get_concrete_function().graph.eqns]
    assert names.count("debug_check") == 2  # both kept, though nothing uses their outputs


def test_checks_on_values_known_while_tracing_run_at_trace_time():
    @tf.function
    def f():
        tf.debugging.assert_equal(tf.constant(1), tf.constant(2))
        return tf.constant(0)

    with pytest.raises(InvalidArgumentError, match="Condition x == y"):
        f()


def test_print_formats_as_tf_print():
    out = io.StringIO()
    tf.print(tf.constant([1.5, 2.0]), tf.constant(3.0), tf.constant(True),
             tf.constant([True, False]), tf.constant(123456789.0), tf.constant(1e-8),
             tf.constant(0.1), "hello", 5, [1, tf.constant(2)], output_stream=out)
    tf.print(tf.range(10), output_stream=out)
    tf.print(tf.reshape(tf.range(6), [2, 3]), output_stream=out)
    tf.print(tf.range(10), summarize=-1, output_stream=out)
    tf.print("a", "b", sep="|", end="!\n", output_stream=out)
    tf.print({"k": tf.constant(1)}, output_stream=out)
    # the lines real TensorFlow 2.21 printed for the same calls
    assert out.getvalue() == (
        "[1.5 2] 3 1 [1 0] 123456792 1e-08 0.1 hello 5 [1, 2]\n"
        "[0 1 2 ... 7 8 9]\n"
        "[[0 1 2]\n [3 4 5]]\n"
        "[0 1 2 3 4 5 6 7 8 9]\n"
        "a|b!\n"
        "{'k': 1}\n")
    rows = io.StringIO()
    tf.print(tf.reshape(tf.range(64), [8, 8]), output_stream=rows)
    assert rows.getvalue().splitlines()[:2] == ["[[0 1 2 ... 5 6 7]", " [8 9 10 ... 13 14 15]"]
    assert rows.getvalue().splitlines()[3] == " ..."


def test_print_inside_a_function_prints_each_call(capsys):
    @tf.function(input_signature=ROWS)
    def f(x):
        tf.print("sum:", tf.reduce_sum(x), output_stream=sys.stdout)
        return x + 1

    f(np.array([1.0, 2.0], np.float32))
    f(np.array([5.0], np.float32))
    assert capsys.readouterr().out == "sum: 3\nsum: 5\n"
    with pytest.raises(ValueError, match="output_stream"):
        tf.print(tf.constant(1), output_stream="stdout")


def test_print_to_a_file_url(tmp_path):
    path = tmp_path / "log.txt"
    tf.print(tf.constant([1, 2]), output_stream=f"file://{path}")
    tf.print("again", output_stream=f"file://{path}")
    assert path.read_text() == "[1 2]\nagain\n"


def test_context_managers_and_queries():
    assert tf.executing_eagerly()
    seen = []
    tf.function(lambda: seen.append(tf.executing_eagerly()) or tf.constant(0))()
    assert seen == [False]
    with tf.name_scope("outer") as a, tf.name_scope("inner") as b:
        assert (a, b) == ("outer/", "outer/inner/")
    with tf.name_scope("again") as c:
        assert c == "again/"
    with pytest.raises(TypeError, match="string"):
        tf.name_scope(3)
    with tf.device("/GPU:0"), tf.control_dependencies([tf.no_op()]):
        assert float(tf.constant(2.0) * 2) == 4.0
    with pytest.raises(TypeError, match="device string"):
        with tf.device(0):
            pass
    assert tf.group(tf.constant(1)) is None and tf.no_op() is None
