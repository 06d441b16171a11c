"""Helpers shared by several test modules. Import them from here, never from a test module.

Other shared test code lives next to what it serves:
- tests/gradcheck.py: gradient checks (nested tapes; a primitive's VJP vs finite
  differences),
- tests/op_specs/: the spec table of primitives (inputs, params, NumPy references),
- tests/programs/_data.py and tests/keras/dataset_files.py: data for the program and
  dataset tests,
- tests/conftest.py: fixtures (setup and teardown).
"""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.core.registry import bind

# -- numerics ----------------------------------------------------------------------------


def assert_close(got, want, tol):
    """`got` == `want` within `tol`, relative and absolute, compared as float64."""
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                               rtol=tol, atol=tol)


def numeric_gradient(f, x, eps=1e-6):
    """The gradient of the scalar function `f` at the float64 array `x`, by central
    differences, one element at a time."""
    g = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


# -- the spec table (tests/op_specs) -----------------------------------------------------


def diff_indices(case) -> list:
    """The float64 and complex128 inputs of a case to differentiate (restricted by `diff_args`)."""
    idx = [k for k, a in enumerate(case.args)
           if np.asarray(a).dtype in (np.float64, np.complex128)]
    if case.diff_args is not None:
        idx = [k for k in idx if k in case.diff_args]
    return idx


def loss_gradients(prim, params: dict, diff: list):
    """A function of the primitive's inputs: the gradients, at the inputs `diff`, of
    sum(1.5 * output) over its floating outputs (the registry walks' gradient check)."""
    def grads(*xs):
        with tf.GradientTape() as tape:
            for k in diff:
                tape.watch(xs[k])
            out = bind(prim, *xs, **params)
            outs = out if isinstance(out, tuple) else (out,)
            loss = tf.add_n([tf.reduce_sum(o * 1.5) for o in outs if o.dtype.is_floating]
                            or [tf.constant(0.0, tf.float64)])
        return tape.gradient(loss, [xs[k] for k in diff])
    return grads


def redraw_like(a: np.ndarray, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """New values of `a`'s kind and domain, in `shape`: drawn from `a`'s own values; floats
    are also scaled by up to 5% (breaking ties, keeping signs and zeros) unless `a` has
    repeated values on purpose (ties) or integer values (e.g. exponents of negative bases)."""
    pool = a.ravel()
    if pool.size == 0:  # nothing to draw from: normal floats, zero ints, False
        return (rng.standard_normal(shape) if a.dtype.kind == "f" else np.zeros(shape)
                ).astype(a.dtype)
    out = rng.choice(pool, size=shape)
    if a.dtype.kind == "f" and np.unique(pool).size == pool.size and \
            not np.all(np.mod(pool, 1) == 0):
        out = out * (1 + rng.uniform(-0.05, 0.05, shape))
    return np.asarray(out, dtype=a.dtype).reshape(shape)


# -- NumPy references of the conv2d variants (conv2d and pooling: tests/op_specs) --------


def _pad_before(n_out, n_in, k, s, d, padding):
    """TF's top/left pad of a conv2d from n_out (its input) to n_in (its output)."""
    if padding == "VALID":
        return 0
    return max((n_in - 1) * s + (k - 1) * d + 1 - n_out, 0) // 2


def ref_transpose(x, w, out_shape, s, padding, d=(1, 1)):
    """conv2d_transpose (NHWC): scatter each input pixel times the filter into the output
    (w: [kh, kw, O, C])."""
    n, h, wd, c = x.shape
    kh, kw, o, _ = w.shape
    y = np.zeros(out_shape, np.float64)
    pt = _pad_before(out_shape[1], h, kh, s[0], d[0], padding)
    pl = _pad_before(out_shape[2], wd, kw, s[1], d[1], padding)
    for i in range(h):
        for j in range(wd):
            for a in range(kh):
                for b in range(kw):
                    r, q = i * s[0] + a * d[0] - pt, j * s[1] + b * d[1] - pl
                    if 0 <= r < out_shape[1] and 0 <= q < out_shape[2]:
                        y[:, r, q, :] += x[:, i, j, :] @ w[a, b].T
    return y


def ref_depthwise(x, w, s, padding, d=(1, 1)):
    """depthwise_conv2d (NHWC), by a loop over output pixels:
    out[..., c * M + m] = sum x[window, c] * w[:, :, c, m]."""
    n, h, wd, c = x.shape
    kh, kw, _, m = w.shape
    dk = ((kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1)
    if padding == "SAME":
        oh, ow = -(-h // s[0]), -(-wd // s[1])
    else:
        oh, ow = (h - dk[0]) // s[0] + 1, (wd - dk[1]) // s[1] + 1
    pt = max((oh - 1) * s[0] + dk[0] - h, 0) // 2 if padding == "SAME" else 0
    pl = max((ow - 1) * s[1] + dk[1] - wd, 0) // 2 if padding == "SAME" else 0
    y = np.zeros((n, oh, ow, c * m))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    r, q = i * s[0] + a * d[0] - pt, j * s[1] + b * d[1] - pl
                    if 0 <= r < h and 0 <= q < wd:
                        y[:, i, j, :] += (x[:, r, q, :, None] * w[a, b]).reshape(n, c * m)
    return y


# -- keras.layers ------------------------------------------------------------------------

# One generator for every x32 call, whichever module makes it.
_X32_RNG = np.random.default_rng(7)


def x32(*shape, low=-3.0, high=3.0):
    """A float32 array of `shape`, uniform in [low, high)."""
    return _X32_RNG.uniform(low, high, shape).astype(np.float32)


def run_layer_test(cls, kwargs, inputs, expected, weights=None, tol=1e-5, call_kwargs=None):
    """Checks a layer the same way everywhere (values vs `expected` eagerly, in a
    functional model via predict, in ember.function; symbolic shape == eager shape;
    get_config/from_config and serialize/deserialize round trips); returns the eager
    output.

    `inputs`: one float32 array or a list of them; `expected`: the NumPy reference output;
    `weights`: values for set_weights after build (the same in every copy of the layer).
    """
    multi = isinstance(inputs, list)
    arrays = inputs if multi else [inputs]
    call_kwargs = call_kwargs or {}
    layer = cls(**kwargs)
    if weights is not None:
        layer.build([a.shape for a in arrays] if multi else arrays[0].shape)
        layer.set_weights(weights)
    # eager, on NumPy data and on Tensors
    out = layer(inputs, **call_kwargs)
    assert isinstance(out, tf.Tensor)
    assert_close(out.numpy(), expected, tol)
    tensors = [tf.constant(a) for a in arrays]
    assert_close(layer(tensors if multi else tensors[0], **call_kwargs).numpy(), expected,
                 tol)
    # symbolic: the shape of a call on keras.Input matches the eager shape
    kin = [keras.Input(a.shape[1:]) for a in arrays]
    sym = layer(kin if multi else kin[0], **call_kwargs)
    assert isinstance(sym, keras.KerasTensor)
    assert tuple(sym.shape) == (None,) + tuple(out.shape)[1:]
    assert sym.dtype == out.dtype
    if not call_kwargs:
        shapes = [(None,) + a.shape[1:] for a in arrays]
        assert tuple(layer.compute_output_shape(shapes if multi else shapes[0])) == \
            tuple(sym.shape)
    # a functional model, run by predict (traced once, batch dim None)
    model = keras.Model(kin if multi else kin[0], sym)
    assert_close(model.predict(inputs, verbose=0), expected, tol)
    # inside ember.function
    fn = tf.function(lambda *xs: layer(list(xs) if multi else xs[0], **call_kwargs))
    assert_close(fn(*tensors).numpy(), expected, tol)
    # config round trip: same config, same outputs given the same weights
    config = layer.get_config()
    clone = cls.from_config(config)
    assert clone.get_config() == config
    if layer.weights:
        clone.build([a.shape for a in arrays] if multi else arrays[0].shape)
        clone.set_weights(layer.get_weights())
    assert_close(clone(inputs, **call_kwargs).numpy(), expected, tol)
    again = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(again) is cls and again.get_config() == config
    return out


# -- keras.losses ------------------------------------------------------------------------


def check_loss_gradient(f, y_true, y_pred):
    """d f(y_true, y_pred) / d y_pred by GradientTape vs central differences, in float64
    (`f` a loss function or object; its value must be float64)."""
    y_pred = np.asarray(y_pred, np.float64)
    y_true = np.asarray(y_true, np.float64 if np.asarray(y_true).dtype.kind == "f" else None)
    x = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = f(y_true, x)
    assert value.dtype == tf.float64
    grad = tape.gradient(value, x).numpy()
    fd, h = np.zeros_like(y_pred), 1e-6
    for i in np.ndindex(fd.shape):
        step = np.zeros_like(y_pred)
        step[i] = h
        fd[i] = (float(f(y_true, y_pred + step)) - float(f(y_true, y_pred - step))) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-7)


# -- keras.metrics -----------------------------------------------------------------------

METRIC_EPS = 1e-7  # Keras' epsilon, as the metric formulas use it
METRIC_SAMPLES, METRIC_CLASSES = 10, 4  # the shape of metric_data()'s arrays


def batches(*arrays, parts=3):
    """Splits each array along axis 0 into `parts` batches; returns a list of tuples (None
    stays None in every batch)."""
    splits = [np.array_split(a, parts) if a is not None else [None] * parts for a in arrays]
    return list(zip(*splits))


def stream(metric, *arrays, parts=3):
    """Feeds (y_true, y_pred[, sample_weight]) to `metric.update_state` batch by batch;
    returns result() as NumPy."""
    for batch in batches(*arrays, parts=parts):
        metric.update_state(*batch[:2], sample_weight=batch[2] if len(batch) > 2 else None)
    return np.asarray(metric.result())


def wmean(values, w=None):
    """Keras' weighted mean of per-sample values: sum(v * w) / sum(w)."""
    values = np.asarray(values, np.float64)
    w = np.ones_like(values) if w is None else np.broadcast_to(
        np.asarray(w, np.float64).reshape(values.shape[:1] + (1,) * (values.ndim - 1)),
        values.shape)
    return (values * w).sum() / w.sum()


def metric_data():
    """The shared inputs of the metric tests (a new dict of new arrays on each call):
    binary labels "yb", probabilities "pb", class ids "yi", sample weights "w", and
    regression targets / predictions "reg_t" / "reg_p"."""
    n, c = METRIC_SAMPLES, METRIC_CLASSES
    rng = np.random.default_rng(7)
    return {
        "yb": (rng.random((n, c)) > 0.5).astype(np.float32),
        "pb": rng.random((n, c)).astype(np.float32),
        "yi": rng.integers(0, c, n),
        "w": rng.random(n).astype(np.float32),
        "reg_t": rng.normal(size=(n, 3)).astype(np.float32),
        "reg_p": rng.normal(size=(n, 3)).astype(np.float32),
    }


# -- keras training ----------------------------------------------------------------------


def assert_untouched(model, call, exc, match):
    """`call()` raises `exc` with a message matching `match`, and leaves `model` as it
    was: the same weights, and no optimizer step taken."""
    before = model.get_weights()
    with pytest.raises(exc, match=match):
        call()
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    if getattr(model, "optimizer", None) is not None:
        assert int(model.optimizer.iterations.numpy()) == 0
