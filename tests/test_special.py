"""tf.math special functions and the inverse trigonometric / hyperbolic ops: values against
SciPy and NumPy, gradients against finite differences, TF's edge values, the NumPy
fallbacks used without SciPy, and errors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sc

import ember as tf
from ember.backend.numpy import special as kspecial
from ember.core.errors import DTypeError


def _grad(f, *xs):
    ts = [tf.constant(np.asarray(x, np.float64)) for x in xs]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = tf.reduce_sum(f(*ts))
    return [None if g is None else g.numpy() for g in tape.gradient(y, ts)]


def _fd(f, xs, k, eps=1e-6):
    xs = [np.asarray(x, np.float64) for x in xs]
    out = np.zeros_like(xs[k])
    for idx in np.ndindex(xs[k].shape):
        hi = [x.copy() for x in xs]
        lo = [x.copy() for x in xs]
        hi[k][idx] += eps
        lo[k][idx] -= eps
        out[idx] = (np.sum(f(*map(tf.constant, hi)).numpy())
                    - np.sum(f(*map(tf.constant, lo)).numpy())) / (2 * eps)
    return out


X = np.array([0.3, 1.7, 4.2, 11.0])
U = np.array([-0.95, -0.3, 0.0, 0.4, 0.999])


@pytest.mark.parametrize("name,ref,x", [
    ("lgamma", sc.gammaln, np.array([0.3, 1.7, -2.5, 40.0])),
    ("digamma", sc.psi, np.array([0.3, 1.7, -2.5, 40.0])),
    ("erfinv", sc.erfinv, U), ("ndtri", sc.ndtri, np.array([1e-300, 0.01, 0.5, 0.93])),
    ("bessel_i0", sc.i0, X), ("bessel_i0e", sc.i0e, -X), ("bessel_i1", sc.i1, -X),
    ("bessel_i1e", sc.i1e, X), ("erfc", sc.erfc, np.array([-3.0, 0.0, 1.0, 10.0])),
    ("asin", np.arcsin, U), ("acos", np.arccos, U), ("atan", np.arctan, X),
    ("sinh", np.sinh, -X), ("cosh", np.cosh, X), ("asinh", np.arcsinh, -X),
    ("acosh", np.arccosh, X + 1), ("atanh", np.arctanh, U[:-1]),
])
def test_unary_values_and_dtypes(name, ref, x):
    fn = getattr(tf.math, name)
    np.testing.assert_allclose(fn(tf.constant(x)).numpy(), ref(x), rtol=1e-12, atol=1e-300)
    y32 = fn(tf.constant(x.astype(np.float32)))
    assert y32.dtype == tf.float32
    with pytest.raises(DTypeError, match=name):
        fn(tf.constant([1, 2]))


def test_tf_edge_values():
    m = tf.math
    assert m.lgamma(tf.constant(-np.inf)).numpy() == np.inf
    assert np.isnan(m.digamma(tf.constant([0.0, -2.0])).numpy()).all()
    assert np.isnan(m.igamma(0.0, 1.0).numpy()) and np.isnan(m.betainc(0.0, 1.0, 0.5).numpy())
    np.testing.assert_array_equal(m.ndtri(tf.constant([0.0, 1.0, 2.0])).numpy(),
                                  [-np.inf, np.inf, np.nan])
    np.testing.assert_array_equal(m.rint(tf.constant([0.5, 1.5, -2.5])).numpy(), [0, 2, -2])
    assert np.isnan(m.polygamma(1.5, 2.0).numpy())  # non-integer order


def test_binary_and_ternary_values():
    a = np.array([0.5, 2.0, 7.5])
    x = np.array([0.2, 3.0, 5.0])
    m = tf.math
    np.testing.assert_allclose(m.igamma(tf.constant(a), tf.constant(x)).numpy(),
                               sc.gammainc(a, x), rtol=1e-12)
    np.testing.assert_allclose(m.igammac(tf.constant(a), tf.constant(x)).numpy(),
                               sc.gammaincc(a, x), rtol=1e-12)
    np.testing.assert_allclose(m.betainc(tf.constant(a), 2.0, tf.constant(x / 6)).numpy(),
                               sc.betainc(a, 2.0, x / 6), rtol=1e-12)
    np.testing.assert_allclose(m.zeta(tf.constant(a + 1.5), tf.constant(x)).numpy(),
                               sc.zeta(a + 1.5, x), rtol=1e-12)
    n = np.array([0.0, 1.0, 3.0])
    np.testing.assert_allclose(m.polygamma(tf.constant(n), tf.constant(x)).numpy(),
                               sc.polygamma(n.astype(int), x), rtol=1e-12)
    np.testing.assert_allclose(m.atan2(y=tf.constant(x), x=tf.constant(-a)).numpy(),
                               np.arctan2(x, -a), rtol=1e-14)
    np.testing.assert_allclose(m.lbeta(tf.constant([[2.0, 3.0]], tf.float64)).numpy(),
                               [np.log(sc.beta(2.0, 3.0))], rtol=1e-12)
    np.testing.assert_allclose(m.erfcinv(tf.constant([0.1, 1.0, 1.7], tf.float64)).numpy(),
                               sc.erfcinv([0.1, 1.0, 1.7]), rtol=1e-12, atol=1e-15)
    assert m.nextafter(tf.constant(1.0, tf.float64), 2.0).numpy() == np.nextafter(1.0, 2.0)


@pytest.mark.parametrize("f,args,diff", [
    (tf.math.lgamma, (X,), [0]), (tf.math.digamma, (X,), [0]),
    (tf.math.erfinv, (U[1:-1],), [0]), (tf.math.ndtri, (np.array([0.1, 0.6]),), [0]),
    (tf.math.bessel_i0, (-X,), [0]), (tf.math.bessel_i0e, (-X,), [0]),
    (tf.math.bessel_i1, (np.array([-2.0, 0.0, 3.0]),), [0]),
    (tf.math.bessel_i1e, (np.array([-2.0, 0.0, 3.0]),), [0]),
    (tf.math.igamma, (X, X[::-1]), [0, 1]), (tf.math.igammac, (X, X[::-1]), [0, 1]),
    (lambda a, b, x: tf.math.betainc(a, b, x), (X, X[::-1], np.array([0.1, .4, .6, .9])), [2]),
    (tf.math.zeta, (X + 1.5, X), [1]), (tf.math.polygamma, (np.array([1.0, 2.0]),
                                                             np.array([0.7, 2.0])), [1]),
    (tf.math.asin, (U[1:-1],), [0]), (tf.math.acos, (U[1:-1],), [0]),
    (tf.math.acosh, (X + 1,), [0]), (tf.math.atanh, (U[1:-1],), [0]),
    (tf.math.asinh, (X,), [0]), (tf.math.erfc, (X,), [0]),
    (tf.math.atan2, (X, -X[::-1]), [0, 1]), (tf.math.lbeta, (X,), [0]),
])
def test_gradients_match_finite_differences(f, args, diff):
    grads = _grad(f, *args)
    for k in diff:
        np.testing.assert_allclose(grads[k], _fd(f, args, k), rtol=1e-6, atol=1e-8)


def test_no_gradient_where_tf_has_none():
    g = _grad(lambda a, b, x: tf.math.betainc(a, b, x), [2.0], [3.0], [0.5])
    assert g[0] is None and g[1] is None and g[2] is not None
    assert _grad(tf.math.zeta, [2.0], [1.5])[0] is None
    assert _grad(tf.math.polygamma, [1.0], [1.5])[0] is None


def test_second_order_lgamma_gradient():
    x = tf.constant([1.5, 3.0], tf.float64)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = tf.reduce_sum(tf.math.lgamma(x))
        g = t1.gradient(y, x)
    np.testing.assert_allclose(t2.gradient(g, x).numpy(), sc.polygamma(1, [1.5, 3.0]),
                               rtol=1e-12)


def test_inside_function():
    @tf.function
    def f(x):
        return tf.math.lgamma(x) + tf.math.bessel_i1e(x) + tf.math.asinh(x)
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(f(tf.constant(x)).numpy(),
                               sc.gammaln(x) + sc.i1e(x) + np.arcsinh(x), rtol=1e-12)


@pytest.fixture
def no_scipy(monkeypatch):
    monkeypatch.setattr(kspecial, "scipy_special", lambda: None)


@pytest.mark.parametrize("name,ref", [
    ("lgamma", sc.gammaln), ("digamma", sc.psi), ("erfinv", sc.erfinv),
    ("ndtri", sc.ndtri), ("bessel_i0", sc.i0), ("bessel_i0e", sc.i0e),
    ("bessel_i1", sc.i1), ("bessel_i1e", sc.i1e),
])
def test_numpy_fallbacks_match_scipy(no_scipy, name, ref):
    rng = np.random.default_rng(5)
    if name in ("erfinv",):
        x = np.concatenate([rng.uniform(-1, 1, 400), [-1 + 1e-12, 1e-20, 0.0, 1.0, -1.0, 2.0]])
    elif name == "ndtri":
        x = np.concatenate([rng.uniform(0, 1, 400), [1e-300, 1e-20, 1 - 1e-12, 0.0, 1.0, -1]])
    elif name.startswith("bessel"):
        x = np.concatenate([rng.uniform(-60, 60, 400), [0.0, 39.9, 40.1, 700.0, -720.0,
                                                        np.inf, np.nan]])
    else:
        x = np.concatenate([rng.uniform(-20, 60, 400), [1e-8, 0.5, 1.0, 2.0, -3.0, -0.5,
                                                        1e5, np.inf, np.nan]])
    got = getattr(kspecial, "KERNELS")[name](x)
    with np.errstate(all="ignore"):
        want = ref(x)
    if name == "digamma":
        want = np.where(x == 0, np.nan, want)
    if name in ("bessel_i0", "bessel_i1"):  # SciPy's nan at +-inf, as TF
        want = np.where(np.isinf(x), np.nan, want)
    # digamma's reflection for x < 0 is as accurate as tan(pi x) near the poles
    np.testing.assert_allclose(got, want, rtol=1e-12 if name == "digamma" else 1e-13,
                               atol=1e-300)
    # the public op goes through the same kernel
    np.testing.assert_allclose(getattr(tf.math, name)(tf.constant(x[:5])).numpy(), want[:5],
                               rtol=1e-13)


def test_without_scipy_other_ops_raise_import_error(no_scipy):
    for f, args in [(tf.math.igamma, (1.0, 2.0)), (tf.math.betainc, (1.0, 2.0, 0.5)),
                    (tf.math.zeta, (2.0, 1.0)), (tf.math.polygamma, (1.0, 1.0))]:
        with pytest.raises(ImportError, match=r"pip install ember\[special\]"):
            f(*args)
