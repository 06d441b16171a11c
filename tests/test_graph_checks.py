"""Every check an op makes eagerly holds inside ember.function too.

Each case runs an op on bad values eagerly and inside `ember.function` with an
`input_signature` (so the values are unknown while tracing and the check has to run in
the compiled plan), and expects the same exception class, naming the same op, with the
same content (the case's regex matches both messages). Cases where TF gives a value, not
an error (one_hot, in_top_k, the accuracy metrics on out-of-range labels), must give the
same value both ways. Add a case here for every new op with a value-dependent check.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.core.errors import (InvalidArgumentError, OutOfRangeError, ShapeError,
                               SymbolicValueError)


def i32(*v: int) -> np.ndarray:
    return np.array(v, np.int32)


P = np.arange(12, dtype=np.float32).reshape(4, 3)
UNIFORM3 = np.full((2, 3), 1 / 3, np.float32)
XENT = tf.nn.sparse_softmax_cross_entropy_with_logits
LABEL_7 = r"received a label value of 7 which is outside the valid range of \[0, 3\)"


def scce(y: Any, p: Any) -> Any:
    return keras.losses.sparse_categorical_crossentropy(y, p)


# (id, fn, args, exception class, regex both messages match)
ERRORS: list = [
    ("sparse_xent", XENT, [i32(0, 7), np.zeros((2, 3), np.float32)], InvalidArgumentError,
     rf"^sparse_softmax_cross_entropy_with_logits: {LABEL_7} \(labels\[1\] = 7.*class"),
    ("sparse_xent_negative", XENT, [i32(-1, 0), np.zeros((2, 3), np.float32)],
     InvalidArgumentError, r"label value of -1 which is outside the valid range of \[0, 3\)"),
    ("keras_scce", scce, [i32(0, 7), UNIFORM3], InvalidArgumentError, LABEL_7),
    ("keras_scce_logits",
     lambda y, p: keras.losses.sparse_categorical_crossentropy(y, p, from_logits=True),
     [i32(0, 7), np.zeros((2, 3), np.float32)], InvalidArgumentError, LABEL_7),
    ("keras_SparseCategoricalCrossentropy",
     lambda y, p: keras.losses.SparseCategoricalCrossentropy()(y, p), [i32(0, 7), UNIFORM3],
     InvalidArgumentError, LABEL_7),
    ("gather", lambda i: tf.gather(tf.constant(P), i), [i32(0, 5)], InvalidArgumentError,
     r"^gather: indices\[1\] = 5 is not in \[0, 4\)"),
    ("gather_negative", lambda i: tf.gather(tf.constant(P), i), [i32(-1)],
     InvalidArgumentError, r"^gather: indices\[0\] = -1 .*negative indices are not allowed"),
    ("gather_batch_dims", lambda i: tf.gather(tf.constant(P), i, axis=1, batch_dims=1),
     [np.array([[0], [3], [0], [1]], np.int32)], InvalidArgumentError,
     r"^gather: indices\[1,0\] = 3 is not in \[0, 3\)"),
    ("embedding", lambda i: keras.layers.Embedding(4, 2)(i), [i32(1, 4)],
     InvalidArgumentError, r"^gather: indices\[1\] = 4 is not in \[0, 4\)"),
    ("gather_nd", lambda i: tf.gather_nd(tf.constant(P), i), [np.array([[4, 0]], np.int32)],
     InvalidArgumentError, r"^gather_nd: indices\[0\] = \[4, 0\] does not index into"),
    ("tensor_scatter_nd_update",
     lambda i: tf.tensor_scatter_nd_update(tf.constant(P), i, tf.constant([[1., 1, 1]])),
     [np.array([[4]], np.int32)], InvalidArgumentError,
     r"^tensor_scatter_nd_update: indices\[0\] = \[4\] does not index into tensor shape"),
    ("tensor_scatter_nd_add",
     lambda i: tf.tensor_scatter_nd_add(tf.constant(P), i, tf.constant([1.])),
     [np.array([[0, 3]], np.int32)], InvalidArgumentError,
     r"^tensor_scatter_nd_add: indices\[0\] = \[0, 3\]"),
    ("scatter_nd", lambda i: tf.scatter_nd(i, tf.constant([1.]), [3]),
     [np.array([[3]], np.int32)], InvalidArgumentError, r"^scatter_nd: indices\[0\] = \[3\]"),
    ("bincount", lambda i: tf.math.bincount(i), [i32(0, -1)], InvalidArgumentError,
     r"^bincount: arr must be non-negative, found the value -1"),
    ("floordiv_by_zero", tf.math.floordiv, [i32(1, 2), i32(1, 0)], InvalidArgumentError,
     r"^floordiv: Integer division by zero"),
    ("floormod_by_zero", tf.math.floormod, [i32(1, 2), i32(1, 0)], InvalidArgumentError,
     r"^floormod: Integer division by zero"),
    ("pow_negative_int", tf.pow, [i32(2, 2), i32(1, -1)], InvalidArgumentError,
     r"^pow: Integers to negative integer powers are not allowed"),
    ("getitem", lambda i: tf.constant(P)[i], [np.int32(7)], InvalidArgumentError,
     r"^getitem: index 7 is out of bounds for axis 0 with size 4.*valid indices are -4\.\.3"),
    ("getitem_step_0", lambda s: tf.constant([1, 2, 3])[::s], [np.int32(0)],
     InvalidArgumentError, r"^getitem: slice step cannot be zero"),
    ("slice", lambda b: tf.slice(tf.constant(P), b, [2, 2]), [i32(3, 0)],
     InvalidArgumentError, r"^slice: begin=\[3, 0\], size=\[2, 2\] leaves axis 0 \(size 4\); "
                           r"need 0 <= begin and begin \+ size <= 4"),
    ("reshape", lambda s: tf.reshape(tf.constant(P), s), [i32(5, 5)], ShapeError,
     r"^reshape: cannot reshape float32\[4, 3\] \(12 elements\) into shape \[5, 5\]"),
    ("reshape_infer", lambda s: tf.reshape(tf.constant(P), s), [i32(5, -1)], ShapeError,
     r"^reshape: .*12 is not a multiple of 5"),
    ("reshape_below_minus_1", lambda s: tf.reshape(tf.constant(P), s), [i32(-2, 6)],
     InvalidArgumentError, r"^reshape: shape \[-2, 6\] has a dimension below -1"),
    ("broadcast_to", lambda s: tf.broadcast_to(tf.constant([1., 2, 3]), s), [i32(2, 4)],
     ShapeError, r"^broadcast_to: cannot broadcast float32\[3\] to shape \[2, 4\]"),
    ("zeros", lambda s: tf.zeros(s), [i32(2, -1)], InvalidArgumentError,
     r"^zeros: shape \[2, -1\] has a negative dimension"),
    ("fill", lambda s: tf.fill(s, 1.0), [i32(2, -1)], InvalidArgumentError,
     r"^fill: \w+ \[2, -1\] has a negative dimension"),
    ("random_normal", lambda s: tf.random.normal(s), [i32(2, -1)], InvalidArgumentError,
     r"^normal: shape dimensions must be >= 0, received \[2, -1\]"),
    ("random_uniform_int",
     lambda lo, hi: tf.random.uniform([3], lo, hi, dtype=tf.int32, seed=1),
     [np.int32(5), np.int32(5)], InvalidArgumentError,
     r"^uniform: need minval < maxval for an integer dtype .*minval=5, maxval=5"),
    ("stateless_uniform_int",
     lambda lo, hi: tf.random.stateless_uniform([3], [1, 2], lo, hi, dtype=tf.int32),
     [np.int32(5), np.int32(2)], InvalidArgumentError,
     r"^stateless_uniform: need minval < maxval .*minval=5, maxval=2"),
    ("tensor_array_read",
     lambda i: tf.TensorArray(tf.float32, size=2).write(0, 1.).write(1, 2.).read(i),
     [np.int32(5)], OutOfRangeError,
     r"^TensorArray\.read: tried to read index 5 but the array size is 2"),
    ("tensor_array_write", lambda i: tf.TensorArray(tf.float32, size=2).write(i, 1.).stack(),
     [np.int32(3)], OutOfRangeError,
     r"^TensorArray\.write: tried to write to index 3 .*not resizeable.*dynamic_size=True"),
    ("tensor_array_write_negative",
     lambda i: tf.TensorArray(tf.float32, size=2).write(i, 1.).stack(), [np.int32(-1)],
     OutOfRangeError, r"^TensorArray\.write: index must be >= 0, received -1"),
    ("assert_less", lambda x: tf.debugging.assert_less(x, 3), [i32(1, 5)],
     InvalidArgumentError, r"^Condition x < y did not hold"),
]

# (id, fn, args): TF gives a value here, not an error; eager and graph must agree.
VALUES: list = [
    ("one_hot_out_of_range", lambda i: tf.one_hot(i, 3), [i32(0, 5, -1)]),
    ("in_top_k_out_of_range", lambda t, p: tf.math.in_top_k(t, p, 1),
     [i32(0, 5), np.zeros((2, 3), np.float32)]),
    ("sparse_categorical_accuracy", keras.metrics.sparse_categorical_accuracy,
     [i32(0, 7), UNIFORM3]),
    ("sparse_top_k_accuracy",
     lambda y, p: keras.metrics.sparse_top_k_categorical_accuracy(y, p, k=2),
     [i32(0, 7), UNIFORM3]),
    ("scce_ignore_class",
     lambda y, p: keras.losses.SparseCategoricalCrossentropy(ignore_class=-1)(y, p),
     [i32(0, -1), UNIFORM3]),
    ("bincount_minlength", lambda i: tf.math.bincount(i, minlength=2), [i32(0, 3)]),
]

# (id, fn, args, regex): ops that need the value while tracing refuse a symbolic one then,
# naming the op and the argument, rather than running without their check. (Eagerly, each
# of these args is checked: all but the last two are bad values.)
TRACE_TIME: list = [
    ("tile", lambda m: tf.tile(tf.constant(P), m), [i32(1, -1)], r"^tile: multiples must be"),
    ("pad", lambda p: tf.pad(tf.constant(P), p), [np.array([[0, -5], [0, 0]], np.int32)],
     r"^pad: paddings must be"),
    ("top_k", lambda x, k: tf.math.top_k(x, k), [np.array([1., 2.], np.float32), np.int32(3)],
     r"^top_k: k must be"),
    ("split", lambda s: tf.split(tf.constant(P), s), [i32(1, 2)], r"^split: "),
    ("repeat", lambda r: tf.repeat(tf.constant([1, 2]), r), [i32(1, -1)],
     r"^repeat: repeats must be"),
    ("range", lambda d: tf.range(0, 5, d), [np.int32(0)], r"^range: delta must be"),
    ("linspace", lambda n: tf.linspace(0., 1., n), [np.int32(-1)], r"^linspace: num must be"),
    ("eye", lambda n: tf.eye(n), [np.int32(-2)], r"^eye: num_rows must be"),
    ("pad_constant_values", lambda c: tf.pad(tf.constant([1., 2.]), [[1, 1]],
                                             constant_values=c),
     [np.float32(3)], r"^pad: constant_values must be"),
    ("scatter_nd_shape", lambda s: tf.scatter_nd([[0]], [1.], s), [i32(3)],
     r"^scatter_nd: shape must be"),
]
BAD_EAGERLY = len(TRACE_TIME) - 2


def _signature(args: list) -> list:
    """Exact shapes and dtypes, unknown values: the checks must run in the plan."""
    return [tf.TensorSpec(list(np.shape(a)), tf.as_dtype(np.asarray(a).dtype.name))
            for a in args]


def _both(fn: Callable, args: list) -> tuple:
    eager = lambda: fn(*[tf.constant(a) for a in args])  # noqa: E731
    graph = tf.function(fn, input_signature=_signature(args))
    return eager, lambda: graph(*[tf.constant(a) for a in args])


def _op(message: str) -> str:
    return message.split(":", 1)[0]


@pytest.mark.parametrize("fn,args,exc,pattern", [c[1:] for c in ERRORS],
                         ids=[c[0] for c in ERRORS])
def test_eager_and_graph_raise_the_same_error(fn, args, exc, pattern):
    errors = []
    for run in _both(fn, args):
        with pytest.raises(exc) as info:
            run()
        assert type(info.value) is exc, f"{type(info.value).__name__}: {info.value}"
        assert re.search(pattern, str(info.value)), str(info.value)
        errors.append(str(info.value))
    eager, graph = errors
    assert _op(eager) == _op(graph), (eager, graph)


@pytest.mark.parametrize("fn,args", [c[1:] for c in VALUES], ids=[c[0] for c in VALUES])
def test_eager_and_graph_give_the_same_value(fn, args):
    eager, graph = (np.asarray(run()) for run in _both(fn, args))
    np.testing.assert_array_equal(eager, graph)


@pytest.mark.parametrize("k", range(len(TRACE_TIME)), ids=[c[0] for c in TRACE_TIME])
def test_values_needed_while_tracing_are_refused_naming_the_op(k):
    _, fn, args, pattern = TRACE_TIME[k]
    eager, graph = _both(fn, args)
    with pytest.raises(SymbolicValueError, match=pattern) as info:
        graph()
    assert "known when ember.function traces" in str(info.value)
    if k < BAD_EAGERLY:
        with pytest.raises(InvalidArgumentError):  # eagerly the value is checked
            eager()
    else:
        eager()


def test_a_failed_check_in_a_graph_changes_no_variable():
    v = tf.Variable([1.0, 2.0, 3.0])
    opt = keras.optimizers.SGD(0.1)

    @tf.function(input_signature=[tf.TensorSpec([2], tf.int32)])
    def step(labels):
        with tf.GradientTape() as tape:
            logits = tf.reshape(tf.tile(v, [2]), [2, 3])
            loss = tf.reduce_mean(XENT(labels, logits))
        opt.apply_gradients([(tape.gradient(loss, v), v)])
        return loss

    step(tf.constant(i32(0, 2)))
    before, iters = v.numpy().copy(), int(opt.iterations.numpy())
    with pytest.raises(InvalidArgumentError, match=LABEL_7):
        step(tf.constant(i32(0, 7)))
    np.testing.assert_array_equal(v.numpy(), before)
    assert int(opt.iterations.numpy()) == iters
