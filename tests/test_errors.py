"""Every bad input gets an ember exception with the op, what was expected and received,
and the fix: never a bare NumPy error from inside."""

import numpy as np
import pytest

import ember as tf
from ember.core import errors as E

X23 = tf.constant(np.zeros((2, 3), np.float32))
X4 = tf.constant(np.zeros(4, np.float32))

CASES = [
    # (callable, exception type, message regex)
    (lambda: X23 + X4, E.ShapeError, r"add: incompatible shapes float32\[2, 3\] and "
                                     r"float32\[4\]"),
    (lambda: tf.multiply(X23, tf.constant([1.0, 2.0])), E.ShapeError, r"multiply: .*\[2\]"),
    (lambda: tf.reduce_sum(X23, axis=2), E.InvalidArgumentError,
     r"reduce_sum: axis 2 is out of range.*rank 2.*\[-2, 2\)"),
    (lambda: tf.reduce_mean(X23, axis=[0, -2]), E.InvalidArgumentError, "repeats an axis"),
    (lambda: tf.argmax(X23, axis=-3), E.InvalidArgumentError, "argmax: axis -3"),
    (lambda: tf.math.cumsum(X23, axis=5), E.InvalidArgumentError, "cumsum: axis 5"),
    (lambda: X23 + tf.constant(np.zeros((2, 3))), E.DTypeError,
     r"mixed dtypes float32 and float64.*ember\.cast"),
    (lambda: tf.where(X23 > 0, X23, tf.constant(np.ones((2, 3)))), E.DTypeError,
     "where: mixed dtypes float32 and float64"),
    (lambda: tf.where(X23, X23, X23), E.DTypeError, "condition must be bool"),
    (lambda: tf.sqrt(tf.constant([4])), E.DTypeError,
     r"sqrt: unsupported dtype int32.*ember\.cast"),
    (lambda: tf.logical_and(tf.constant([1]), tf.constant([1])), E.DTypeError, "bool"),
    (lambda: tf.constant([[1, 2], [3]]), ValueError, "non-rectangular"),
    (lambda: tf.constant(["a", "b"]) + 1, TypeError, "strings"),
    (lambda: tf.constant([1, "a"]), TypeError, "non-numeric|strings"),
    (lambda: tf.constant({"a": 1}), TypeError, "non-numeric|mixed objects"),
    (lambda: tf.constant(np.array([1], "timedelta64[s]")), TypeError,
     r"timedelta64\[s\] is not supported"),
    (lambda: bool(X23), ValueError, r"float32\[2, 3\]"),
    (lambda: X23[2], E.InvalidArgumentError, r"index 2 is out of bounds for axis 0 with "
                                             r"size 2"),
    (lambda: X23[0, 0, 0], E.InvalidArgumentError, "has 3 dimensions.*rank 2"),
    (lambda: X23[..., ...], E.InvalidArgumentError, "single ellipsis"),
    (lambda: X23[::0], E.InvalidArgumentError, "step cannot be zero"),
    (lambda: X23[1.5], TypeError, "valid indices"),
    (lambda: X23["a"], TypeError, "valid indices"),
    (lambda: tf.constant([1]) // tf.constant([0]), E.InvalidArgumentError, "division by zero"),
    (lambda: tf.constant([2]) ** tf.constant([-1]), E.InvalidArgumentError,
     "negative integer powers"),
    (lambda: tf.cast(tf.constant([1.5]), "complex32"), TypeError, "Cannot convert"),
    (lambda: tf.convert_to_tensor(X23, dtype=tf.float64), TypeError,
     r"requested dtype float64.*ember\.cast"),
    (lambda: tf.constant([1.5], dtype=tf.int32), TypeError, "int32"),
    (lambda: tf.constant([300], dtype=tf.uint8), TypeError, "out of range"),
    (lambda: tf.constant([1.0, 2.0], shape=[3]), ValueError, "cannot take shape"),
]


@pytest.mark.parametrize("fn,exc,msg", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_bad_input_raises_ember_error(fn, exc, msg):
    with pytest.raises(exc, match=msg) as info:
        fn()
    # The error is ember's: raised from ember code, not a NumPy exception.
    assert type(info.value).__module__.startswith(("ember", "builtins"))
    assert not isinstance(info.value, np.exceptions.AxisError)
    tb = info.traceback
    assert "numpy" not in str(tb[-1].path), f"raised from inside NumPy: {tb[-1].path}"


def test_shape_error_is_also_value_error_and_invalid_argument():
    with pytest.raises(ValueError):
        X23 + X4
    with pytest.raises(tf.errors.InvalidArgumentError):
        X23 + X4


def test_dtype_error_is_type_error():
    with pytest.raises(TypeError):
        X23 + tf.constant(np.zeros((2, 3)))


def test_kernel_failure_has_no_numpy_context():
    try:
        tf.constant([1]) // tf.constant([0])
    except tf.errors.InvalidArgumentError as e:
        assert e.__cause__ is None and e.__suppress_context__
    else:
        pytest.fail("no error")
