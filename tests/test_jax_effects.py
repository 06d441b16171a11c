"""tf.print, tf.debugging checks and tf.py_function / tf.numpy_function inside an
XLA-compiled function (`ember.function(..., jit_compile=True)`): each runs on the host
every time the compiled function runs (`ember/core/xla_effects.py`), and what the user sees
(the printed text, the exception's class and message, the function's results, the
Variables after a failed call) is what the NumPy backend gives.

Skipped where jax is not installed.

Example:
    >>> import sys, ember as tf
    >>> f = tf.function(lambda x: tf.print("x:", x, output_stream=sys.stdout),
    ...                 jit_compile=True)
    >>> f(tf.constant([1, 2]))  # doctest: +SKIP
    x: [1 2]
"""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import ember as tf  # noqa: E402
import ember.core.xla_effects as xla_effects  # noqa: E402 - registers the lowerings
from ember.core.xla import HOST_CALLS  # noqa: E402
from ember.errors import InvalidArgumentError  # noqa: E402
from ember.prims.effects import enforce  # noqa: E402


def both(fn):
    """`fn` as a NumPy-backend ember.function and as an XLA-compiled one."""
    return tf.function(fn), tf.function(fn, jit_compile=True)


def outcome(f, *args):
    """(exception class, message) of a call that must fail."""
    with pytest.raises(Exception) as info:
        f(*args)
    return type(info.value), str(info.value)


def test_the_three_effects_are_registered():
    assert {"debug_print", "debug_check", "py_func"} <= set(HOST_CALLS)


# -- tf.print -----------------------------------------------------------------------------------

def test_print_writes_on_every_call_the_text_of_the_numpy_backend(capsys):
    def show(x, n):
        tf.print("x =", x, "n:", n, {"sum": tf.reduce_sum(x)}, [n, "s"],
                 output_stream=sys.stdout)
        return x + 1.0

    ref, jit = both(show)
    calls = [(tf.constant([0.1, 2.0, 1e-8]), tf.constant(3)),
             (tf.constant([-1.5, 0.0, 7.25]), tf.constant(-4))]
    for x, n in calls:
        ref(x, n)
    expected = capsys.readouterr().out
    for x, n in calls:
        out = jit(x, n)
        assert out.numpy().tolist() == (x.numpy() + 1.0).tolist()
    assert capsys.readouterr().out == expected
    assert expected.count("\n") == 2 and expected.startswith("x = [0.1 2 1e-08] n: 3 ")


def test_print_formats_dtypes_summarize_sep_and_end_as_eager(capsys):
    values = [tf.constant(np.arange(24, dtype=np.int64).reshape(2, 3, 4)),
              tf.constant([True, False]), tf.constant(np.float64(1) / 3),
              tf.constant(np.linspace(0, 1, 9, dtype=np.float32))]
    tf.print(*values, summarize=2, sep=" | ", end="<\n", output_stream=sys.stdout)
    eager = capsys.readouterr().out

    @tf.function(jit_compile=True)
    def f(a, b, c, d):
        tf.print(a, b, c, d, summarize=2, sep=" | ", end="<\n", output_stream=sys.stdout)
        return c

    f(*values)
    assert capsys.readouterr().out == eager
    assert eager.endswith("<\n") and " ... " in eager


def test_prints_run_in_program_order_to_a_stream_and_to_stderr(capsys):
    stream = io.StringIO()

    @tf.function(jit_compile=True)
    def f(x):
        tf.print("first", x, output_stream=stream)
        y = x * 2
        tf.print("second", y, output_stream=stream)
        tf.print("to stderr", y)  # the default stream, as TF
        tf.print("third", y + 1, output_stream=stream)
        return y

    f(tf.constant(1))
    f(tf.constant(5))
    assert stream.getvalue().splitlines() == [
        "first 1", "second 2", "third 3", "first 5", "second 10", "third 11"]
    assert capsys.readouterr().err == "to stderr 2\nto stderr 10\n"


def test_print_to_a_file_path(tmp_path):
    path = tmp_path / "log.txt"

    @tf.function(jit_compile=True)
    def f(x):
        tf.print("value", x, output_stream=f"file://{path}")
        return x

    f(tf.constant(1.5))
    f(tf.constant(2.5))
    assert path.read_text() == "value 1.5\nvalue 2.5\n"


# -- checks -------------------------------------------------------------------------------------

# name: (check, arguments that pass, arguments that fail)
CHECKS = {
    "assert_positive": (lambda x, y: tf.debugging.assert_positive(x, message="x must be > 0"),
                        ([1.0, 2.0, 3.0], [0.0] * 3), ([1.0, -2.0, 3.0], [0.0] * 3)),
    "assert_equal": (lambda x, y: tf.debugging.assert_equal(x, y, summarize=2),
                     ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]), ([1.0, 2.0, 3.0], [1.0, 5.0, 4.0])),
    "assert_less": (lambda x, y: tf.debugging.assert_less(x, y),
                    ([1.0, 1.0, 1.0], [2.0] * 3), ([1.0, 9.0, 3.0], [2.0] * 3)),
    "assert_near": (lambda x, y: tf.debugging.assert_near(x, y, message="close?"),
                    ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]), ([1.0, 2.0, 3.0], [1.0, 2.5, 3.0])),
    "check_numerics": (lambda x, y: tf.debugging.check_numerics(x / y, "bad ratio"),
                       ([1.0, 2.0, 3.0], [1.0] * 3), ([1.0, 2.0, 3.0], [1.0, 0.0, 3.0])),
    "Assert": (lambda x, y: tf.debugging.Assert(tf.reduce_all(x < y), [x, y]),
               ([1.0, 2.0, 3.0], [5.0] * 3), ([1.0, 2.0, 3.0], [0.0, 5.0, 5.0])),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_failing_check_raises_the_numpy_backends_error(name):
    check, good, bad = CHECKS[name]

    def fn(x, y):
        check(x, y)
        return x * 2.0

    ref, jit = both(fn)
    good, bad = [tf.constant(a) for a in good], [tf.constant(a) for a in bad]
    assert jit(*good).numpy().tolist() == (good[0].numpy() * 2).tolist()
    expected = outcome(ref, *bad)
    assert expected[0] is InvalidArgumentError
    assert outcome(jit, *bad) == expected
    assert jit(*good).numpy().tolist() == (good[0].numpy() * 2).tolist()  # still works


def test_assert_equal_message_in_full():
    @tf.function(jit_compile=True)
    def f(x):
        tf.debugging.assert_equal(x, tf.constant([1, 2, 3]), message="mismatch")
        return x

    with pytest.raises(InvalidArgumentError) as info:
        f(tf.constant([1, 7, 3]))
    assert str(info.value).splitlines()[:5] == [
        "mismatch", "Condition x == y did not hold.", "Indices of first 1 different values:",
        "[[1]]", "Corresponding x values:"]
    assert "XLA" not in str(info.value) and "CpuCallback" not in str(info.value)


def test_a_check_with_another_error_class_keeps_its_class():
    def explain(ok, i):
        return tf.errors.OutOfRangeError(f"index {int(i)} is out of range")

    def fn(i):
        enforce(tf.less(i, 4), explain, (i,))
        return i + 1

    ref, jit = both(fn)
    assert int(jit(tf.constant(2))) == 3
    expected = outcome(ref, tf.constant(9))
    assert expected == (tf.errors.OutOfRangeError, "index 9 is out of range")
    assert outcome(jit, tf.constant(9)) == expected


def test_variables_are_unchanged_when_a_check_fails():
    v = tf.Variable([1.0, 2.0])
    steps = tf.Variable(0, dtype=tf.int64)

    @tf.function(jit_compile=True)
    def step(x):
        v.assign_add(x)
        steps.assign_add(1)
        tf.debugging.assert_non_negative(v, message="v went negative")
        return v.read_value()

    assert step(tf.constant([1.0, 1.0])).numpy().tolist() == [2.0, 3.0]
    with pytest.raises(InvalidArgumentError, match="^v went negative"):
        step(tf.constant([-5.0, 0.0]))
    assert v.numpy().tolist() == [2.0, 3.0] and int(steps.numpy()) == 1
    assert step(tf.constant([0.5, 0.5])).numpy().tolist() == [2.5, 3.5]
    assert int(steps.numpy()) == 2


def test_an_optimizer_step_is_not_applied_when_a_check_fails():
    w = tf.Variable([1.0, -1.0])
    opt = tf.keras.optimizers.SGD(0.5)

    @tf.function(jit_compile=True)
    def train(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * x)
        grads = tape.gradient(loss, [w])
        opt.apply_gradients(zip(grads, [w]))
        tf.debugging.check_numerics(loss, "loss")
        return loss

    train(tf.constant([1.0, 2.0]))
    assert w.numpy().tolist() == [0.5, -2.0]
    with pytest.raises(InvalidArgumentError, match="loss : Tensor had NaN values"):
        train(tf.constant([np.nan, 1.0]))
    assert w.numpy().tolist() == [0.5, -2.0]


def test_a_print_before_a_failing_check_prints_and_one_after_does_not(capsys):
    @tf.function(jit_compile=True)
    def f(x):
        tf.print("before", x, output_stream=sys.stdout)
        tf.debugging.assert_positive(x)
        tf.print("after", x, output_stream=sys.stdout)
        return x

    f(tf.constant(1))
    with pytest.raises(InvalidArgumentError):
        f(tf.constant(-1))
    assert capsys.readouterr().out == "before 1\nafter 1\nbefore -1\n"


def test_no_jax_traceback_is_logged_for_a_failing_check(capfd):
    f = tf.function(lambda x: tf.debugging.assert_positive(x), jit_compile=True)
    with pytest.raises(InvalidArgumentError):
        f(tf.constant(-1.0))
    assert "Traceback" not in capfd.readouterr().err


def test_reraise_pending_leaves_other_errors_alone():
    assert xla_effects.reraise_pending(RuntimeError("an XLA error")) is None
    assert xla_effects.reraise_pending(RuntimeError("[ember host call #999999999]")) is None


# -- py_function / numpy_function ---------------------------------------------------------------

def test_numpy_function_is_called_on_every_run_with_the_values():
    seen = []

    def top2(a):
        seen.append((type(a), a.tolist()))
        return np.sort(a)[::-1][:2].copy()

    @tf.function(jit_compile=True)
    def f(x):
        y = tf.numpy_function(top2, [x * 2], tf.TensorSpec([2], tf.int32))
        return y + 1

    assert f(tf.constant([3, 1, 2])).numpy().tolist() == [7, 5]
    assert f(tf.constant([9, 0, 4])).numpy().tolist() == [19, 9]
    assert seen == [(np.ndarray, [6, 2, 4]), (np.ndarray, [18, 0, 8])]


def test_py_function_gets_tensors_and_returns_several_outputs():
    def stats(a, scale):
        assert isinstance(a, tf.Tensor)
        return tf.reduce_mean(a) * scale, tf.shape(a, out_type=tf.int64), 7

    @tf.function(jit_compile=True)
    def f(x):
        mean, shape, seven = tf.py_function(
            stats, [x, tf.constant(10.0)],
            [tf.TensorSpec([], tf.float32), tf.TensorSpec([2], tf.int64),
             tf.TensorSpec([], tf.int32)])
        return mean + 1.0, shape, seven

    mean, shape, seven = f(tf.constant([[1.0, 2.0], [3.0, 6.0]]))
    assert float(mean) == 31.0 and shape.numpy().tolist() == [2, 2] and int(seven) == 7
    assert (mean.dtype, shape.dtype, seven.dtype) == (tf.float32, tf.int64, tf.int32)


@pytest.mark.parametrize("wrong", ["dtype", "shape", "count"])
def test_a_wrong_output_raises_the_numpy_backends_error(wrong):
    ret = {"dtype": lambda a: a.astype(np.float64), "shape": lambda a: a[:1],
           "count": lambda a: (a, a)}[wrong]
    ref, jit = both(lambda x: tf.numpy_function(ret, [x], tf.TensorSpec([2], tf.float32)))
    x = tf.constant([1.0, 2.0])
    expected = outcome(ref, x)
    assert expected[0] is InvalidArgumentError
    assert expected[1].startswith("numpy_function: ")
    assert outcome(jit, x) == expected


def test_an_exception_in_the_function_reaches_the_caller_as_it_is():
    class Oops(Exception):
        pass

    def fails(a):
        if a.sum() > 10:
            raise Oops(f"too big: {a.sum()}")
        return a

    f = tf.function(lambda x: tf.numpy_function(fails, [x], tf.TensorSpec([2], tf.int32)),
                    jit_compile=True)
    assert f(tf.constant([1, 2])).numpy().tolist() == [1, 2]
    with pytest.raises(Oops, match="^too big: 12$"):
        f(tf.constant([5, 7]))
    assert f(tf.constant([3, 4])).numpy().tolist() == [3, 4]


def test_the_function_may_write_into_its_argument():
    def bump(a):
        a += 1
        return a

    @tf.function(jit_compile=True)
    def f(x):
        return tf.numpy_function(bump, [x], tf.TensorSpec([2], tf.float32)), x

    y, x = f(tf.constant([1.0, 2.0]))
    assert y.numpy().tolist() == [2.0, 3.0] and x.numpy().tolist() == [1.0, 2.0]


def test_an_output_of_unknown_shape_is_a_clear_error():
    f = tf.function(lambda x: tf.numpy_function(np.unique, [x], tf.TensorSpec([None],
                                                                             tf.int32)),
                    jit_compile=True)
    with pytest.raises(NotImplementedError, match=r"numpy_function: output 0 has shape .*"
                                                  r"must be fully known"):
        f(tf.constant([1, 1, 2]))
    ref = tf.function(lambda x: tf.numpy_function(np.unique, [x], tf.TensorSpec([None],
                                                                               tf.int32)))
    assert ref(tf.constant([1, 1, 2])).numpy().tolist() == [1, 2]  # NumPy backend: fine


# -- inside cond and while_loop -----------------------------------------------------------------

def test_print_and_check_inside_cond_branches(capsys):
    @tf.function(jit_compile=True)
    def f(x):
        def pos():
            tf.print("positive", x, output_stream=sys.stdout)
            return x * 2

        def neg():
            tf.debugging.assert_greater(x, -10, message="far too negative")
            tf.print("negative", x, output_stream=sys.stdout)
            return -x
        return tf.cond(x > 0, pos, neg)

    assert int(f(tf.constant(3))) == 6
    assert int(f(tf.constant(-2))) == 2
    assert capsys.readouterr().out == "positive 3\nnegative -2\n"
    with pytest.raises(InvalidArgumentError, match="^far too negative\nCondition x > y"):
        f(tf.constant(-20))
    assert capsys.readouterr().out == ""


def test_print_check_and_py_function_inside_a_while_loop(capsys):
    calls = []

    def host_double(a):
        calls.append(int(a))
        return a * 2

    @tf.function(jit_compile=True)
    def f(n):
        def body(i, acc):
            tf.print("step", i, acc, output_stream=sys.stdout)
            tf.debugging.assert_less(acc, 100, message="overflow")
            acc = tf.numpy_function(host_double, [acc], tf.TensorSpec([], tf.int32))
            return i + 1, acc
        return tf.while_loop(lambda i, acc: i < n, body, (tf.constant(0), tf.constant(1)))

    i, acc = f(tf.constant(3))
    assert (int(i), int(acc)) == (3, 8) and calls == [1, 2, 4]
    assert capsys.readouterr().out == "step 0 1\nstep 1 2\nstep 2 4\n"
    with pytest.raises(InvalidArgumentError, match="^overflow"):
        f(tf.constant(10))
    assert capsys.readouterr().out.splitlines()[-1] == "step 7 128"
