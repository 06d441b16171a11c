"""AutoGraph: Python control flow on tensors inside ember.function, against plain Python."""

import sys

import numpy as np
import pytest

import ember as tf


def _prims(fn, *args):
    """The primitive names of the traced graph (top level)."""
    g = fn.get_concrete_function(*args).graph
    return [e.prim.name for e in g.eqns]


def _same(fn, py, inputs, dtype=np.float32):
    """fn (an ember.function) on tensors equals py on NumPy scalars/arrays, for each input."""
    tf_fn = tf.function(fn)
    for x in inputs:
        got = tf_fn(tf.constant(x, dtype=tf.as_dtype(dtype)))
        want = py(np.asarray(x, dtype))
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6,
                                   err_msg=f"input {x}")
    return tf_fn


# -- if -----------------------------------------------------------------------------

def sign_scale(x):
    if x > 0:
        y = x * 2.0
    elif x < -5:
        y = x - 1.0
    else:
        y = -x
    return y + 1.0


def test_if_elif_else_both_branches_match_python():
    f = _same(sign_scale, sign_scale, [3.0, -2.0, -7.0, 0.0])
    assert "cond" in _prims(f, tf.TensorSpec([], tf.float32))
    assert f.experimental_get_tracing_count() == 1


def keep_if_small(x, y):
    z = y
    if tf.reduce_sum(x) < 10.0:
        z = y + x
    return z


def test_if_without_else_keeps_the_value_from_before():
    f = tf.function(keep_if_small)
    for x in ([1.0, 2.0], [20.0, 1.0]):
        np.testing.assert_allclose(f(tf.constant(x), tf.constant([1.0, 1.0])).numpy(),
                                   keep_if_small(np.array(x), np.array([1.0, 1.0])))


def test_python_condition_keeps_python_semantics_and_no_cond():
    @tf.function
    def f(x, flag):
        if flag:
            x = x + 1.0
        else:
            x = x - 1.0
        return x
    assert float(f(tf.constant(1.0), True)) == 2.0
    assert float(f(tf.constant(1.0), False)) == 0.0
    assert "cond" not in _prims(f, tf.TensorSpec([], tf.float32), True)


def test_variable_defined_in_one_branch_only_gets_tfs_error():
    @tf.function
    def f(x):
        if x > 0:
            y = x
        return y
    with pytest.raises(ValueError, match=r"'y' must also be initialized in the else branch"):
        f(tf.constant(1.0))


def test_variable_defined_in_one_branch_and_unused_is_fine():
    @tf.function
    def f(x):
        if x > 0:
            tmp = x * 3.0
            x = tmp
        return x
    assert float(f(tf.constant(2.0))) == 6.0 and float(f(tf.constant(-2.0))) == -2.0


def test_branch_dtype_mismatch_names_the_variable():
    @tf.function
    def f(x):
        y = tf.constant(0)
        if x > 0:
            y = x
        return y
    with pytest.raises(ValueError, match=r"'y' is float32 in the if branch but int32"):
        f(tf.constant(1.0))


def test_python_number_takes_the_tensor_dtype_of_the_other_branch():
    @tf.function
    def f(x):
        y = 0
        if x > 0:
            y = x * 2.0
        return y
    assert float(f(tf.constant(2.0))) == 4.0 and float(f(tf.constant(-2.0))) == 0.0


def early_return(x):
    if x > 3:
        return x * 10.0
    x = x + 1.0
    if x > 2:
        return x
    return -x


def test_return_inside_if_matches_python():
    _same(early_return, early_return, [5.0, 2.5, 0.0, -4.0])


def test_return_in_one_branch_only_is_tfs_error():
    @tf.function
    def f(x):
        if x > 0:
            return x
    with pytest.raises(ValueError, match="A value must also be returned from the else"):
        f(tf.constant(1.0))


def test_conditional_expression():
    def py(x):
        return x if x > 0 else -x * 2
    f = _same(lambda x: x if x > 0 else -x * 2, py, [2.0, -3.0])
    assert "cond" in _prims(f, tf.TensorSpec([], tf.float32))


# -- while ------------------------------------------------------------------------------

def count_to(n):
    i = 0
    total = 0
    while i < n:
        sq = i * i  # a body-local temporary: not a loop variable
        total += sq
        i += 1
    return total


def test_while_matches_python_including_zero_iterations():
    f = tf.function(count_to)
    for n in (0, 1, 5, -2):
        assert int(f(tf.constant(n))) == count_to(n)
    assert f.experimental_get_tracing_count() == 1
    assert "while_loop" in _prims(f, tf.TensorSpec([], tf.int32))


def test_while_on_python_values_is_unrolled():
    @tf.function
    def f(x):
        i = 0
        while i < 3:
            x = x * 2.0
            i += 1
        return x
    assert float(f(tf.constant(1.0))) == 8.0
    assert "while_loop" not in _prims(f, tf.TensorSpec([], tf.float32))


def collatz(n):
    steps = 0
    while n > 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def test_while_with_if_inside():
    f = tf.function(collatz)
    for n in (1, 6, 27):
        assert int(f(tf.constant(n))) == collatz(n)


def break_continue(n):
    i = 0
    acc = 0
    while i < n:
        i += 1
        if i % 3 == 0:
            continue
        if acc > 20:
            break
        acc += i
    return acc


def test_break_and_continue_in_while():
    f = tf.function(break_continue)
    for n in (0, 2, 5, 9, 30):
        assert int(f(tf.constant(n))) == break_continue(n)


def first_above(x, limit):
    i = 0
    while i < 100:
        if i * x > limit:
            return i
        i += 1
    return -1


def test_return_inside_while():
    f = tf.function(first_above)
    for x, lim in ((2, 7), (1, 3), (1, 500)):
        assert int(f(tf.constant(x), tf.constant(lim))) == first_above(x, lim)


def test_while_else():
    def f(n):
        i = 0
        while i < n:
            if i == 4:
                break
            i += 1
        else:
            i = i + 100
        return i
    g = tf.function(f)
    for n in (2, 7):
        assert int(g(tf.constant(n))) == f(n)


# -- for ----------------------------------------------------------------------------

def sum_positive(xs):
    total = 0.0
    for v in xs:
        if v < 0:
            continue
        if v > 10:
            break
        total += v
    return total


def test_for_over_a_tensor_with_break_and_continue():
    f = tf.function(sum_positive)
    for xs in ([1.0, -2.0, 3.0, 20.0, 5.0], [4.0, 5.0], [-1.0]):
        assert float(f(tf.constant(xs))) == sum_positive(xs)
    # a new length reuses the relaxed trace: the loop does not depend on the length
    f(tf.constant(np.zeros([7], np.float32)))
    assert f.experimental_get_tracing_count() == 2


def test_for_over_an_empty_tensor_runs_zero_times():
    f = tf.function(sum_positive)
    assert float(f(tf.constant(np.zeros([0], np.float32)))) == 0.0


def test_for_over_range_of_a_tensor_and_tf_range():
    @tf.function
    def f(n):
        s = 0
        for i in range(n):
            s += i
        for i in tf.range(1, n, 2):
            s += 100 * i
        return s
    for n in (0, 1, 6):
        assert int(f(tf.constant(n))) == sum(range(n)) + 100 * sum(range(1, n, 2))
    assert f.experimental_get_tracing_count() == 1


def test_for_over_python_list_stays_python():
    @tf.function
    def f(x):
        for k in [1.0, 2.0, 3.0]:
            x = x * k
        return x
    assert float(f(tf.constant(1.0))) == 6.0
    assert "while_loop" not in _prims(f, tf.TensorSpec([], tf.float32))


def test_return_inside_for_over_tensor():
    def f(xs):
        for v in xs:
            if v > 2.0:
                return v * 10.0
        return -1.0
    g = tf.function(f)
    for xs in ([1.0, 3.0, 5.0], [0.0, 1.0]):
        assert float(g(tf.constant(xs))) == f(np.array(xs, np.float32))


def test_tensor_array_write_in_a_tf_range_loop():
    @tf.function
    def squares(n):
        ta = tf.TensorArray(tf.float32, size=n)
        for i in tf.range(n):
            ta = ta.write(i, tf.cast(i * i, tf.float32))
        return ta.stack()
    np.testing.assert_array_equal(squares(tf.constant(4)).numpy(), [0.0, 1.0, 4.0, 9.0])


def test_for_over_a_dataset_iterates_when_the_graph_runs():
    ds = tf.data.Dataset.from_tensor_slices(np.arange(5, dtype=np.float32))

    @tf.function
    def total(scale):
        s = tf.constant(0.0)
        for v in ds:
            s += v * scale
        return s
    assert float(total(tf.constant(1.0))) == 10.0
    assert float(total(tf.constant(2.0))) == 20.0
    assert total.experimental_get_tracing_count() == 1


# -- and / or / not -------------------------------------------------------------------

def test_logical_operators_on_tensors_are_lazy():
    @tf.function
    def f(x, i):
        # x[i] would be out of range when i >= 3: `and` must not evaluate it then
        ok = i < 3 and x[tf.minimum(i, 2)] > 0
        return not ok or i == 0
    x = tf.constant([1.0, -1.0, 2.0])
    for i in range(5):
        xi = [1.0, -1.0, 2.0][min(i, 2)]
        want = (not (i < 3 and xi > 0)) or i == 0
        assert bool(f(x, tf.constant(i))) == want


def test_logical_operators_on_python_values_keep_python_semantics():
    @tf.function
    def f(x, opt):
        y = opt or 3.0
        z = opt and x
        return x * y, z
    a, b = f(tf.constant(2.0), None)
    assert float(a) == 6.0 and b is None


# -- scopes: methods, closures, nested functions, decorators, defaults ----------------

class Scaler:
    def __init__(self):
        self.factor = 3.0

    @tf.function
    def apply(self, x, offset=1.0):
        if x > 0:
            x = x * self.factor
        return x + offset


def test_method_with_self_and_default_argument():
    s = Scaler()
    assert float(s.apply(tf.constant(2.0))) == 7.0
    assert float(s.apply(tf.constant(-2.0))) == -1.0


def _twice(f):
    import functools

    @functools.wraps(f)
    def wrapper(*args):
        return f(*args) * 2.0
    return wrapper


def test_closure_nested_function_and_decorator():
    limit = tf.constant(1.0)

    def clip(v):
        if v > limit:
            v = limit
        return v

    @tf.function
    @_twice
    def f(x):
        def inner(y):
            while y > 10.0:
                y = y / 2.0
            return y
        return clip(inner(x)) + inner(x)
    for x in (0.5, 3.0, 50.0):
        y = x
        while y > 10.0:
            y /= 2.0
        assert float(f(tf.constant(x))) == pytest.approx(2 * (min(y, 1.0) + y))


def test_nonlocal_counter_updated_at_trace_time():
    calls = []

    @tf.function
    def f(x):
        calls.append(1)
        if x > 0:
            x = x + 1.0
        return x
    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert len(calls) == 1


# -- print, tf.print, retracing, the unchanged graph ---------------------------------------

def test_print_runs_at_trace_time_and_tf_print_at_run_time(capsys):
    @tf.function
    def f(x):
        print("tracing")
        if x > 0:
            tf.print("positive", x, output_stream=sys.stdout)
        return x
    f(tf.constant(1.0))
    f(tf.constant(2.0))
    f(tf.constant(-2.0))
    out = capsys.readouterr().out
    assert out.count("tracing") == 1 and out.count("positive") == 2


def plain(x, w):
    y = tf.matmul(x, w)
    for _ in range(2):
        y = tf.nn.relu(y) + 1.0
    return tf.reduce_sum(y, axis=1)


def test_graph_without_tensor_control_flow_is_unchanged():
    spec = (tf.TensorSpec([None, 3], tf.float32), tf.TensorSpec([3, 2], tf.float32))
    a = tf.function(plain).get_concrete_function(*spec).graph
    b = tf.function(plain, autograph=False).get_concrete_function(*spec).graph
    assert str(a) == str(b)


def test_conversion_is_cached_per_code_object():
    from ember.autograph import conversion
    fns = [tf.function(plain) for _ in range(3)]
    for f in fns:
        f(tf.ones([2, 3]), tf.ones([3, 2]))
    assert plain.__code__ in conversion._CODE


# -- gradients ---------------------------------------------------------------------------

def piecewise(x):
    y = x * x
    if tf.reduce_sum(x) > 0:
        y = tf.sin(y) * x
    else:
        y = tf.exp(x) - y
    i = 0
    while i < 3:
        y = y * x + 0.5
        i += 1
    return tf.reduce_sum(y)


def _fd(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for k in range(x.size):
        d = np.zeros_like(x)
        d.flat[k] = eps
        g.flat[k] = (float(f(tf.constant(x + d))) - float(f(tf.constant(x - d)))) / (2 * eps)
    return g


@pytest.mark.parametrize("x0", [[0.3, 0.7], [-0.4, -0.9]])
def test_gradients_through_converted_cond_and_while_match_finite_differences(x0):
    f = tf.function(piecewise)

    @tf.function
    def grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return tape.gradient(y, x)
    x = np.array(x0, np.float64)
    np.testing.assert_allclose(grad(tf.constant(x)).numpy(), _fd(f, x), rtol=1e-5)


def tensor_while_power(x, n):
    y = x
    while n > 1:
        y = y * x
        n -= 1
    return tf.reduce_sum(y)


def test_gradient_through_tensor_while_matches_finite_differences():
    f = tf.function(tensor_while_power)
    x = np.array([0.5, 1.5], np.float64)
    n = tf.constant(3)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = f(xt, n)
    got = tape.gradient(y, xt).numpy()
    np.testing.assert_allclose(got, _fd(lambda t: f(t, n), x), rtol=1e-5)
    np.testing.assert_allclose(got, 3 * x ** 2, rtol=1e-9)


def clipped_sum(xs, limit):
    total = 0.0
    for x in xs:
        if x < 0:
            continue
        total += x
        if total > limit:
            break
    return total


def test_break_flag_is_carried_by_the_graph_loop():
    f = tf.function(clipped_sum)
    rng = np.random.default_rng(0)
    for _ in range(8):
        xs = rng.normal(size=6).astype(np.float32) * 5
        got = float(f(tf.constant(xs), tf.constant(6.0)))
        assert got == pytest.approx(clipped_sum(xs.tolist(), 6.0), rel=1e-6)


def test_retracing_is_the_same_with_and_without_autograph():
    def f(x, k):
        for _ in range(k):
            x = x + 1.0
        return tf.reduce_sum(x)
    counts = []
    for ag in (True, False):
        g = tf.function(f, autograph=ag)
        for n in range(1, 6):
            g(tf.ones([n, 2]), 2)
        g(tf.ones([3, 2]), 3)
        counts.append(g.experimental_get_tracing_count())
    assert counts[0] == counts[1] == 3


def test_break_on_a_tensor_inside_a_python_loop_guards_the_rest():
    def f(x):
        for k in [1.0, 2.0, 3.0, 4.0]:
            if x > 5.0:
                break
            x = x * k
        return x
    g = tf.function(f)
    for x in (1.0, 2.0, 0.5):
        assert float(g(tf.constant(x))) == f(x)


def test_python_values_a_tensor_if_agrees_on_stay_python():
    @tf.function
    def f(x):
        if x > 0:
            mode, x = "same", x + 1.0
        else:
            mode, x = "same", x - 1.0
        return x, mode
    x, mode = f(tf.constant(1.0))
    assert float(x) == 2.0 and mode == "same"

    @tf.function
    def g(x):
        mode = "up" if False else "flat"
        if x > 0:
            mode = "up"
        return x, mode
    with pytest.raises(ValueError, match=r"'mode' is the Python value 'up' in the if branch"):
        g(tf.constant(1.0))
