"""DLPack: ember Tensors and Variables export their NumPy buffer through `__dlpack__`
(NumPy, JAX and torch share the memory), and `tf.experimental.dlpack` converts to and from
capsules, as TensorFlow's."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf


def test_numpy_from_dlpack_shares_a_tensors_memory():
    t = tf.constant([1.0, 2.0, 3.0])
    assert t.__dlpack_device__() == (1, 0)  # the CPU
    view = np.from_dlpack(t)
    assert view.dtype == np.float32 and view.shape == (3,)
    view[0] = 10.0  # written through the DLPack view ...
    assert t.numpy()[0] == 10.0  # ... read back through ember


def test_numpy_from_dlpack_of_a_variable_shares_its_current_value():
    v = tf.Variable([[1, 2], [3, 4]])
    view = np.from_dlpack(v)
    np.testing.assert_array_equal(view, [[1, 2], [3, 4]])
    view[1, 1] = 40
    assert int(v[1, 1]) == 40
    v.assign([[0, 0], [0, 0]])  # an assignment gives the variable a new buffer
    assert view[1, 1] == 40


@pytest.mark.parametrize("dtype", ["float16", "float64", "int8", "uint16", "int64", "bool",
                                   "complex64"])
def test_dlpack_keeps_dtype_and_shape(dtype):
    t = tf.cast(tf.reshape(tf.range(6), [2, 3]), dtype)
    out = np.from_dlpack(t)
    assert out.dtype == np.dtype(dtype) and out.shape == (2, 3)
    np.testing.assert_array_equal(out, t.numpy())


def test_scalar_and_empty_tensors():
    assert np.from_dlpack(tf.constant(5)).shape == ()
    assert int(np.from_dlpack(tf.constant(5))) == 5
    assert np.from_dlpack(tf.zeros([0, 4])).shape == (0, 4)


def test_jax_shares_memory_with_an_ember_tensor():
    jnp = pytest.importorskip("jax.numpy")
    t = tf.constant([1.0, 2.0, 3.0, 4.0])
    j = jnp.from_dlpack(t)
    np.testing.assert_array_equal(np.asarray(j), [1, 2, 3, 4])
    if j.unsafe_buffer_pointer() != t._value.ctypes.data:
        pytest.skip("this JAX copies host buffers it does not find aligned")
    np.from_dlpack(t)[2] = 30.0  # a write through NumPy's view is seen by JAX
    assert float(j[2]) == 30.0


def test_from_jax_into_ember():
    jnp = pytest.importorskip("jax.numpy")
    j = jnp.arange(4.0, dtype=jnp.float32)
    t = tf.experimental.dlpack.from_dlpack(j)
    assert isinstance(t, tf.Tensor) and t.dtype == tf.float32
    np.testing.assert_array_equal(t.numpy(), [0, 1, 2, 3])
    assert (tf.reduce_sum(t) * 2).numpy() == 12.0


def test_experimental_to_and_from_dlpack_round_trip_without_a_copy():
    t = tf.constant([[1.0, 2.0]])
    capsule = tf.experimental.dlpack.to_dlpack(t)
    assert type(capsule).__name__ == "PyCapsule"
    back = tf.experimental.dlpack.from_dlpack(capsule)
    assert isinstance(back, tf.Tensor) and back.shape == (1, 2)
    np.testing.assert_array_equal(back.numpy(), [[1.0, 2.0]])
    np.from_dlpack(t)[0, 0] = 7.0
    assert back.numpy()[0, 0] == 7.0  # the same memory
    with pytest.raises(ValueError, match="already consumed"):
        tf.experimental.dlpack.from_dlpack(capsule)


def test_experimental_from_dlpack_takes_numpy_arrays():
    a = np.arange(3, dtype=np.int32)
    t = tf.experimental.dlpack.from_dlpack(a)
    a[1] = 100
    np.testing.assert_array_equal(t.numpy(), [0, 100, 2])


def test_bad_input_gives_clear_errors():
    with pytest.raises(TypeError, match="ember Tensor or Variable"):
        tf.experimental.dlpack.to_dlpack(np.ones(2))
    with pytest.raises(TypeError, match="DLPack capsule or an object with __dlpack__"):
        tf.experimental.dlpack.from_dlpack([1, 2])

    class OnGpu:
        def __dlpack__(self, **kwargs):
            raise AssertionError("not read")

        def __dlpack_device__(self):
            return (2, 0)  # kDLCUDA

    with pytest.raises(ValueError, match="not in host memory"):
        tf.experimental.dlpack.from_dlpack(OnGpu())


def test_torch_shares_memory_both_ways():
    torch = pytest.importorskip("torch")
    t = tf.constant([1.0, 2.0, 3.0])
    pt = torch.from_dlpack(t)
    pt[0] = 5.0
    assert t.numpy()[0] == 5.0
    as_t = torch.as_tensor(t)  # through __array__ (a read-only view: torch copies or warns)
    assert as_t.tolist() == [5.0, 2.0, 3.0]
    src = torch.arange(3, dtype=torch.float32)
    back = tf.experimental.dlpack.from_dlpack(torch.utils.dlpack.to_dlpack(src))
    src[1] = 9.0
    np.testing.assert_array_equal(back.numpy(), [0.0, 9.0, 2.0])
