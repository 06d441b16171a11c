"""complex64 / complex128: the dtypes, conversion, printing, ops, casts, errors, and
gradients with TF's convention, checked against central finite differences.

TF's gradient convention (tensorflow.org, tf.GradientTape / the complex gradients in
math_grad.py): for a real loss L of z = x + iy, the gradient is dL/dx + i dL/dy (the
conjugate of 2 dL/dz, i.e. 2 dL/d(conj z)); for L = sum(|z|^2) it is 2z.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember.core.errors import DTypeError


# -- the dtypes ------------------------------------------------------------------------

def test_dtype_surface():
    assert tf.complex64.is_complex and tf.complex128.is_complex
    assert not tf.float32.is_complex and not tf.complex64.is_floating
    assert tf.complex64.real_dtype == tf.float32 and tf.complex128.real_dtype == tf.float64
    assert tf.float32.real_dtype == tf.float32
    assert tf.as_dtype("complex64") is tf.complex64
    assert tf.as_dtype(np.complex128) is tf.complex128 and tf.as_dtype(complex) is tf.complex128
    assert tf.complex64.as_numpy_dtype is np.complex64 and tf.complex128.size == 16
    assert repr(tf.complex64) == "tf.complex64" and str(tf.complex128) == "<dtype: 'complex128'>"
    assert tf.complex64.is_numeric and tf.dtypes.complex64 is tf.complex64
    with pytest.raises(TypeError):
        tf.complex64.max


def test_constant_variable_and_printing():
    z = tf.constant([5 + 4j, 6 + 1j])
    assert z.dtype == tf.complex128  # TF: a Python complex is complex128
    assert repr(z) == ("<tf.Tensor: shape=(2,), dtype=complex128, "
                       "numpy=array([5.+4.j, 6.+1.j])>")
    assert tf.constant(np.array([1j], np.complex64)).dtype == tf.complex64
    assert tf.constant(1.5, dtype=tf.complex64).numpy() == np.complex64(1.5)
    assert tf.constant([1, 2], dtype=tf.complex128).numpy().tolist() == [1, 2]
    v = tf.Variable([5 + 4j, 6 + 1j])
    assert repr(v) == ("<tf.Variable 'Variable:0' shape=(2,) dtype=complex128, "
                       "numpy=array([5.+4.j, 6.+1.j])>")
    re = tf.math.real(v)
    v.assign([1j, 2.0])
    assert v.numpy().tolist() == [1j, 2]
    assert re.numpy().tolist() == [5.0, 6.0]  # real() copied, no view of the buffer
    v.assign_add(tf.constant([1 + 0j, 1j]))
    assert v.numpy().tolist() == [1 + 1j, 2 + 1j]
    with pytest.raises(DTypeError):
        tf.constant(1 + 2j, dtype=tf.float32)  # TF: TypeError, values would change


def test_weak_python_scalars():
    z = tf.constant([1 + 2j], dtype=tf.complex64)
    assert (z * 2).dtype == tf.complex64 and (z + 1.5).dtype == tf.complex64
    assert (z * 1j).numpy().tolist() == [-2 + 1j]
    with pytest.raises(DTypeError):
        tf.constant(1.0) * 1j  # a float tensor does not become complex implicitly
    with pytest.raises(DTypeError):
        z + tf.constant([1.0])  # nor does it mix with a complex one


# -- ops ------------------------------------------------------------------------------

def test_complex_real_imag_conj_angle_abs():
    c = tf.complex(tf.constant([3.0, 0.0]), tf.constant([4.0, -1.0]))
    assert c.dtype == tf.complex64 and c.numpy().tolist() == [3 + 4j, -1j]
    assert tf.complex(tf.constant(1.0, tf.float64), 2.0).dtype == tf.complex128
    assert tf.math.real(c).dtype == tf.float32 and tf.math.real(c).numpy().tolist() == [3, 0]
    assert tf.math.imag(c).numpy().tolist() == [4, -1]
    assert tf.math.conj(c).numpy().tolist() == [3 - 4j, 1j]
    assert tf.abs(c).dtype == tf.float32 and tf.abs(c).numpy().tolist() == [5, 1]
    np.testing.assert_allclose(tf.math.angle(c).numpy(), [np.arctan2(4, 3), -np.pi / 2])
    x = tf.constant([-2.0, 3.0])  # real inputs, as TF
    assert tf.math.real(x) is x and tf.math.conj(x) is x
    assert tf.math.imag(x).numpy().tolist() == [0, 0]
    np.testing.assert_allclose(tf.math.angle(x).numpy(), [np.pi, 0])
    with pytest.raises(DTypeError, match="complex"):
        tf.complex(tf.constant([1.0]), tf.constant([1.0], tf.float64))
    with pytest.raises(DTypeError, match="complex"):
        tf.complex(tf.constant([1]), tf.constant([1]))


def test_arithmetic_and_functions_match_numpy():
    a = np.array([1 + 2j, -0.5 + 0.3j, 2 - 1j])
    b = np.array([0.3 - 1j, 2 + 0.5j, -1 + 1j])
    ta, tb = tf.constant(a), tf.constant(b)
    for got, want in [(ta + tb, a + b), (ta - tb, a - b), (ta * tb, a * b), (ta / tb, a / b),
                      (ta ** tb, a ** b), (ta ** 2, a ** 2), (-ta, -a), (tf.square(ta), a * a),
                      (tf.exp(ta), np.exp(a)), (tf.math.log(ta), np.log(a)),
                      (tf.sqrt(ta), np.sqrt(a)), (tf.sin(ta), np.sin(a)),
                      (tf.tanh(ta), np.tanh(a)), (tf.math.reciprocal(ta), 1 / a)]:
        assert got.dtype == tf.complex128
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    assert (ta == tf.constant(a)).numpy().all() and not (ta != ta).numpy().any()
    m = a.reshape(1, 3)
    np.testing.assert_allclose(tf.matmul(tf.constant(m), tf.constant(m), adjoint_b=True).numpy(),
                               m @ m.conj().T)
    np.testing.assert_allclose(tf.matmul(tf.constant(m.T), tf.constant(m)).numpy(), m.T @ m)
    np.testing.assert_allclose(tf.reduce_sum(ta).numpy(), a.sum())
    np.testing.assert_allclose(tf.reduce_mean(ta).numpy(), a.mean())
    np.testing.assert_allclose(tf.reduce_prod(ta).numpy(), a.prod())
    c64 = tf.constant(a.astype(np.complex64))
    assert (c64 * c64).dtype == tf.complex64 and tf.reduce_sum(c64).dtype == tf.complex64


def test_array_ops_variance_and_adjoint():
    x = np.array([[1 + 2j, 3 - 1j], [0.5j, 2]])
    t = tf.constant(x)
    v = tf.math.reduce_variance(t)
    assert v.dtype == tf.float64 and np.isclose(v.numpy(), np.var(x))  # real, as TF
    np.testing.assert_allclose(tf.math.reduce_std(t, axis=0).numpy(), np.std(x, axis=0))
    np.testing.assert_allclose(tf.linalg.adjoint(t).numpy(), x.conj().T)
    np.testing.assert_allclose(tf.linalg.matrix_transpose(t).numpy(), x.T)
    np.testing.assert_allclose(tf.einsum("ij,kj->ik", t, t).numpy(), x @ x.T)
    for got, want in [(tf.reshape(t, [4]), x.reshape(4)), (tf.concat([t, t], 0),
                      np.concatenate([x, x])), (tf.gather(t, [1, 0]), x[[1, 0]]),
                      (tf.zeros_like(t), np.zeros_like(x)), (t[:, 1], x[:, 1]),
                      (tf.tensor_scatter_nd_add(t, [[0, 0]], [1j]), x + [[1j, 0], [0, 0]])]:
        assert got.dtype == tf.complex128
        np.testing.assert_allclose(got.numpy(), want)
    assert tf.zeros([2], tf.complex64).dtype == tf.complex64
    with pytest.raises(DTypeError, match="tensor_scatter_nd_max"):
        tf.tensor_scatter_nd_max(t, [[0, 0]], [1j])


def test_cast_as_tf():
    z = tf.constant([1.7 + 2j, -1.7 - 0.5j, 0.0 + 1j])
    # complex -> real keeps the real part (TF's Cast); real -> complex: imaginary part 0
    assert tf.cast(z, tf.float32).numpy().tolist() == pytest.approx([1.7, -1.7, 0.0])
    assert tf.cast(z, tf.int32).numpy().tolist() == [1, -1, 0]
    assert tf.cast(z, tf.bool).numpy().tolist() == [True, True, True]
    assert tf.cast(z, tf.complex64).dtype == tf.complex64
    assert tf.cast(tf.constant([1.5]), tf.complex128).numpy().tolist() == [1.5 + 0j]
    assert tf.cast(tf.constant([2]), tf.complex64).numpy().tolist() == [2 + 0j]


@pytest.mark.parametrize("fn,op", [
    (lambda z: z < z, "less"), (lambda z: tf.nn.relu(z), "relu"),
    (lambda z: tf.reduce_max(z), "reduce_max"), (lambda z: tf.maximum(z, z), "maximum"),
    (lambda z: tf.math.floor(z), "floor"), (lambda z: tf.sort(z), "sort"),
    # NOTE: not sigmoid and sign: TF 2.21 computes both for complex inputs (see
    # test_tf_complex_ops_not_yet_in_ember below)
])
def test_ordering_ops_reject_complex(fn, op):
    with pytest.raises(DTypeError, match=f"^{op}: unsupported dtype complex128") as info:
        fn(tf.constant([1 + 1j, 2 - 1j]))
    assert "no order" in str(info.value)


def test_real_imag_conj_angle_of_real_inputs_as_tf():
    x = tf.constant([-1.5, 2.0])
    assert tf.math.real(x).numpy().tolist() == [-1.5, 2.0]
    assert tf.math.imag(x).numpy().tolist() == [0.0, 0.0] and tf.math.imag(x).dtype == tf.float32
    assert tf.math.conj(x).numpy().tolist() == [-1.5, 2.0]
    assert tf.math.conj(tf.constant([-1, 2])).dtype == tf.int32
    np.testing.assert_allclose(tf.math.angle(x).numpy(), [np.pi, 0.0], rtol=1e-6)
    assert tf.abs(tf.constant([3 + 4j], tf.complex64)).dtype == tf.float32  # TF's ComplexAbs


def test_tf_complex_rejects_mismatched_or_integer_parts():
    # TF: TypeError "The `real` and `imag` components have incorrect types"
    with pytest.raises(TypeError, match="complex"):
        tf.complex(tf.constant([1.0]), tf.constant([1.0], tf.float64))
    with pytest.raises(TypeError, match="complex"):
        tf.complex(tf.constant([1]), tf.constant([1]))
    z = tf.complex(tf.constant([1.0, 2.0]), tf.constant(3.0))  # broadcasting, as TF
    assert z.dtype == tf.complex64 and z.numpy().tolist() == [1 + 3j, 2 + 3j]


def test_complex_ops_tf_also_rejects():
    z = tf.constant([1 + 2j, 3 - 1j])
    for fn in (tf.math.is_nan, tf.math.is_finite, tf.math.softplus, tf.math.round,
               tf.nn.l2_loss, tf.math.reduce_logsumexp):
        with pytest.raises(TypeError):
            fn(z)


_Z = np.array([1 + 2j, -0.5 + 0.25j, 3 - 1j])


# What TF 2.21 computes for complex inputs (values pinned from TF's documented definitions).
@pytest.mark.parametrize("name", ["squared_difference", "transpose_conj", "sign", "sigmoid",
                                  "norm", "l2_normalize", "linspace"])
def test_tf_complex_ops_as_tf(name):
    _check_complex_case(name)


def test_complex_norm_l2_normalize_and_linspace_shapes_and_dtypes():
    z = tf.constant(Z.astype(np.complex64))
    n = tf.norm(z, axis=1, keepdims=True)
    assert n.dtype == tf.complex64 and n.shape == (2, 1)
    np.testing.assert_allclose(n.numpy(), np.linalg.norm(Z, axis=1, keepdims=True), rtol=1e-6)
    u = tf.math.l2_normalize(z, axis=0)
    assert u.dtype == tf.complex64
    np.testing.assert_allclose(u.numpy(), Z / np.linalg.norm(Z, axis=0), rtol=1e-6)
    assert tf.norm(z, ord=1).dtype == tf.complex64
    line = tf.linspace(tf.constant([0j, 1j], tf.complex64), tf.constant([2 + 0j, 1 + 1j],
                                                                      tf.complex64), 3, axis=-1)
    assert line.dtype == tf.complex64
    np.testing.assert_allclose(line.numpy(), [[0, 1, 2], [1j, 0.5 + 1j, 1 + 1j]])
    traced = tf.function(lambda t: (tf.sigmoid(t), tf.math.l2_normalize(t), tf.norm(t)))(z)
    eager = (tf.sigmoid(z), tf.math.l2_normalize(z), tf.norm(z))
    for a, b in zip(traced, eager):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def _check_complex_case(name):
    z = tf.constant(_Z)
    y = _Z[::-1].copy()
    got, want = {
        "sign": lambda: (tf.math.sign(z), _Z / np.abs(_Z)),
        "sigmoid": lambda: (tf.sigmoid(z), 1 / (1 + np.exp(-_Z))),
        # TF: (x - y) * conj(x - y), a complex |x - y|^2
        "squared_difference": lambda: (tf.math.squared_difference(z, tf.constant(y)),
                                       np.abs(_Z - y) ** 2 + 0j),
        "transpose_conj": lambda: (tf.transpose(tf.reshape(z, [1, 3]), conjugate=True),
                                   _Z.reshape(1, 3).conj().T),
        "norm": lambda: (tf.norm(z), np.sqrt(np.sum(np.abs(_Z) ** 2)) + 0j),
        "l2_normalize": lambda: (tf.math.l2_normalize(z), _Z / np.sqrt(np.sum(np.abs(_Z) ** 2))),
        "linspace": lambda: (tf.linspace(tf.constant(0j), tf.constant(1 + 1j), 3),
                             np.array([0, 0.5 + 0.5j, 1 + 1j])),
    }[name]()
    assert got.dtype == tf.complex128
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


def test_in_a_traced_function():
    @tf.function
    def f(z):
        return tf.abs(z * tf.math.conj(z)) + tf.math.real(tf.exp(z))

    z = np.array([1 + 2j, -0.5 + 0.3j])
    np.testing.assert_allclose(f(tf.constant(z)).numpy(), np.abs(z) ** 2 + np.exp(z).real)


# -- gradients: TF's convention, against finite differences ------------------------------

def _fd_grad(loss_np, z: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """dL/dx + i dL/dy by central differences on the real and imaginary parts."""
    g = np.zeros_like(z)
    for k in range(z.size):
        e = np.zeros_like(z)
        e.flat[k] = eps
        dx = (loss_np(z + e) - loss_np(z - e)) / (2 * eps)
        dy = (loss_np(z + 1j * e) - loss_np(z - 1j * e)) / (2 * eps)
        g.flat[k] = dx + 1j * dy
    return g


def _tape_grad(loss, z: np.ndarray) -> np.ndarray:
    v = tf.Variable(z)
    with tf.GradientTape() as tape:
        out = loss(v)
    assert out.dtype == tf.float64  # a real loss
    g = tape.gradient(out, v)
    assert g.dtype == tf.complex128
    return g.numpy()


def _loss_np(loss):
    return lambda z: float(loss(tf.constant(z)).numpy())


Z = np.array([[1 + 2j, -0.5 + 0.3j], [0.7 - 1.1j, -1.3 - 0.4j]])
W = np.array([[0.2 - 0.6j, 1.1 + 0.1j], [-0.9 + 0.8j, 0.4 + 0.3j]])

LOSSES = {
    "norm_squared": lambda z: tf.reduce_sum(tf.math.real(z * tf.math.conj(z))),
    "abs": lambda z: tf.reduce_sum(tf.abs(z)),
    "angle": lambda z: tf.reduce_sum(tf.math.angle(z)),
    "imag_of_square": lambda z: tf.reduce_sum(tf.math.imag(tf.square(z))),
    "exp_log_sqrt": lambda z: tf.reduce_sum(tf.abs(tf.exp(z) * tf.math.log(z) - tf.sqrt(z))),
    "divide_pow": lambda z: tf.reduce_sum(tf.math.real(z / (z + 3.0) + z ** 3 + 2.0 ** z)),
    "matmul": lambda z: tf.reduce_sum(tf.abs(tf.matmul(z, tf.constant(W)) + tf.matmul(
        tf.constant(W), z, adjoint_b=True))),
    "reduce": lambda z: tf.abs(tf.reduce_prod(z)) + tf.math.real(tf.reduce_mean(z * z)),
    "cast_to_real": lambda z: tf.reduce_sum(tf.square(tf.cast(z, tf.float64))),
    "rebuilt": lambda z: tf.reduce_sum(tf.abs(tf.complex(tf.math.imag(z), tf.math.real(z) ** 2))),
    "trig": lambda z: tf.reduce_sum(tf.math.real(tf.sin(z) + tf.tanh(z) * tf.cos(z))),
    "sigmoid": lambda z: tf.reduce_sum(tf.abs(tf.sigmoid(z)) + tf.math.imag(tf.sigmoid(z))),
    "norm": lambda z: tf.math.real(tf.norm(z) + tf.norm(z, ord=1, axis=0)[1]),
    "l2_normalize": lambda z: tf.reduce_sum(tf.math.real(
        tf.math.l2_normalize(z, axis=1) * tf.constant(W))),
}


_WC = tf.constant(W)


def _a(t):
    """A real, non-holomorphic loss of a complex tensor (both parts matter)."""
    return tf.reduce_sum(tf.math.real(t * tf.constant(0.3 - 0.7j)) + tf.abs(t))


def _while(z):
    _, r = tf.while_loop(lambda i, r: i < 3, lambda i, r: (i + 1, r * z),
                         [tf.constant(0), tf.ones_like(z)])
    return _a(r)


# the gradient through array ops, control flow and traced functions (each op's own rule)
LOSSES.update({
    "reshape": lambda z: _a(tf.reshape(z, [4])),
    "transpose": lambda z: _a(tf.transpose(z) * _WC),
    "concat_stack": lambda z: _a(tf.concat([z, z * _WC], 0)) + _a(tf.stack([z, _WC])),
    "slice": lambda z: _a(z[0, 1:]) + _a(z[:, ::-1] * _WC) + _a(z + z[0]),
    "gather": lambda z: _a(tf.gather(z, [1, 0, 1])) + _a(tf.gather_nd(z, [[0, 1], [1, 1]])),
    "tile_pad": lambda z: _a(tf.tile(z, [2, 1])) + _a(tf.pad(z, [[1, 0], [0, 1]])),
    "where": lambda z: _a(tf.where(tf.constant([[True, False], [False, True]]), z, _WC)),
    "broadcast_to": lambda z: _a(tf.broadcast_to(z[0], [3, 2])),
    "split_unstack": lambda z: _a(tf.split(z, 2, axis=1)[1]) + _a(tf.unstack(z)[0]),
    "reverse_squeeze": lambda z: _a(tf.squeeze(tf.expand_dims(tf.reverse(z, [0]), 0))),
    "cumsum_cumprod": lambda z: _a(tf.cumsum(z, axis=1)) + _a(tf.math.cumprod(z, axis=0)),
    "einsum_tensordot": lambda z: _a(tf.einsum("ij,jk->ik", z, _WC)) + _a(
        tf.tensordot(z, _WC, 1)),
    "matvec": lambda z: _a(tf.linalg.matvec(z, _WC[0])),
    "scatter": lambda z: _a(tf.tensor_scatter_nd_update(z, [[0, 0]], [z[1, 1] * 2])),
    "divide_no_nan": lambda z: _a(tf.math.divide_no_nan(z, _WC)),
    "reciprocal_sq_diff": lambda z: _a(tf.math.reciprocal(z)) + _a(
        tf.math.squared_difference(z, _WC)),
    "cond": lambda z: _a(tf.cond(tf.constant(True), lambda: z * _WC, lambda: z)),
    "while_loop": _while,
    "function_while": tf.function(_while),
})


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gradient_is_tf_convention_and_matches_finite_differences(name):
    loss = LOSSES[name]
    got = _tape_grad(loss, Z)
    want = _fd_grad(_loss_np(loss), Z)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_gradient_of_norm_squared_is_2z():
    np.testing.assert_allclose(_tape_grad(LOSSES["norm_squared"], Z), 2 * Z, rtol=1e-14)


def test_gradient_through_complex_from_real_parts():
    x = tf.Variable([1.0, -2.0], dtype=tf.float64)
    y = tf.Variable([0.5, 0.25], dtype=tf.float64)
    with tf.GradientTape() as tape:
        z = tf.complex(x, y)
        loss = tf.reduce_sum(tf.abs(z * z))  # |z|^2 = x^2 + y^2
    gx, gy = tape.gradient(loss, [x, y])
    assert gx.dtype == tf.float64
    np.testing.assert_allclose(gx.numpy(), [2.0, -4.0])
    np.testing.assert_allclose(gy.numpy(), [1.0, 0.5])
    # a real source cast to complex: the real part of the complex gradient
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.math.real(tf.cast(x, tf.complex128) * (1 + 2j)))
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), [1.0, 1.0])


def test_gradient_inside_a_traced_function():
    @tf.function
    def grad(z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            loss = tf.reduce_sum(tf.abs(tf.exp(z) * z))
        return tape.gradient(loss, z)

    loss = lambda z: tf.reduce_sum(tf.abs(tf.exp(z) * z))  # noqa: E731
    np.testing.assert_allclose(grad(tf.constant(Z)).numpy(), _fd_grad(_loss_np(loss), Z),
                               rtol=1e-6, atol=1e-7)


def test_symbolic_keras_tensor():
    x = tf.keras.Input((3,), dtype="complex64")
    y = tf.abs(x * tf.math.conj(x))
    assert y.dtype == tf.float32 and tuple(y.shape) == (None, 3)
