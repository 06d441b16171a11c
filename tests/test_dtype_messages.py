"""One dtype set and one message per primitive (issue 13, point 2): `primitive(...,
allowed=, same_dtype=)` builds the check, so eager dispatch, a traced graph and a
KerasTensor raise the same DTypeError text."""

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.core.errors import DTypeError

CASES = [
    ("sqrt", lambda x: tf.sqrt(x), [np.array([1, 4], np.int32)]),
    ("add", lambda x, y: tf.add(x, y), [np.array([True]), np.array([False])]),
    ("add mixed", lambda x, y: x + y, [np.array([1.0], np.float32), np.array([1], np.int32)]),
    ("matmul", lambda a, b: tf.matmul(a, b), [np.ones((2, 2), bool), np.ones((2, 2), bool)]),
    ("reduce_sum", lambda x: tf.reduce_sum(x), [np.array(["a", "b"], object)]),
    ("relu", lambda x: tf.nn.relu(x), [np.array([1 + 1j], np.complex64)]),
    ("sort", lambda x: tf.sort(x), [np.array([True, False])]),
    ("max_pool2d", lambda x: tf.nn.max_pool2d(x, 2, 1, "VALID"),
     [np.ones((1, 3, 3, 1), np.int32)]),
]


def _message(fn, *args):
    with pytest.raises(DTypeError) as info:
        fn(*args)
    return str(info.value)


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
def test_eager_graph_and_symbolic_raise_one_message(name, fn, arrays):
    tensors = [tf.constant(a) for a in arrays]
    eager = _message(fn, *tensors)
    sig = [tf.TensorSpec(a.shape, t.dtype) for a, t in zip(arrays, tensors)]
    graph = _message(tf.function(fn, input_signature=sig).get_concrete_function)
    assert graph == eager
    inputs = [keras.Input(batch_size=a.shape[0], shape=a.shape[1:], dtype=t.dtype)
              for a, t in zip(arrays, tensors)]
    assert _message(fn, *inputs) == eager
    assert eager.startswith(name.split()[0] + ":")  # the op the user called
    assert ("ember.cast" in eager or "ember.abs" in eager or "to_number" in eager)
