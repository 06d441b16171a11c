"""The fused optimizer updates of the NumPy backend: the compiled loops (when built) give
the same bits as the NumPy passes, and every path falls back or fails clearly."""

import os
import subprocess
import sys

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.backend.numpy import fused

needs_c = pytest.mark.skipif(not fused.compiled_available(),
                             reason="ember's C extension is not built here")


def _state(rng, n, dtype):
    g = rng.standard_normal(n).astype(dtype)
    p = rng.standard_normal(n).astype(dtype)
    m = (0.1 * rng.standard_normal(n)).astype(dtype)
    v = np.abs(0.01 * rng.standard_normal(n)).astype(dtype)
    vhat = np.abs(0.01 * rng.standard_normal(n)).astype(dtype)
    return g, [p, m, v, vhat]


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("decay", [None, 0.996])
def test_compiled_adam_matches_numpy_passes_bit_for_bit(dtype, amsgrad, decay):
    rng = np.random.default_rng(7)
    n = 1037  # not a multiple of any vector width: the loop's tail runs too
    g, state = _state(rng, n, dtype)
    g[5] = np.nan  # NaN goes through both paths the same way (np.maximum keeps NaN)
    state[3][9] = np.nan
    a = [s.copy() for s in state]
    b = [s.copy() for s in state]
    alpha = np.asarray(3e-3, dtype)
    dec = None if decay is None else np.asarray(decay, dtype)
    for _ in range(3):
        fused.adam(g, a[0], a[1], a[2], a[3] if amsgrad else None, 0.9, 0.999, 1e-7, alpha,
                   dec)
        fused.adam_numpy(g, b[0], b[1], b[2], b[3] if amsgrad else None, 0.9, 0.999, 1e-7,
                         alpha, dec, np.empty(n, dtype))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], state[0])  # the weights did move


def _sgd_call(fn, g, st, variant, dtype):
    momentum, nesterov = {"plain": (0.0, False), "momentum": (0.9, False),
                          "nesterov": (0.9, True)}[variant]
    m = None if variant == "plain" else st[1]
    return lambda decay: fn(g, st[0], m, momentum, nesterov, np.asarray(0.05, dtype), decay,
                            *([np.empty_like(g)] if fn is fused.sgd_numpy else []))


def _rmsprop_call(fn, g, st, variant, dtype):
    mom = 0.9 if "momentum" in variant else 0.0
    m = st[1] if mom else None
    avg = st[3] if "centered" in variant else None
    # the centered denominator v - avg^2 must stay positive: v > avg^2 here
    return lambda decay: fn(g, st[0], st[2], m, avg, 0.9, mom, 1e-7, np.asarray(0.01, dtype),
                            decay, *([np.empty_like(g)] if fn is fused.rmsprop_numpy else []))


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("decay", [None, 0.996])
@pytest.mark.parametrize("kernel,variant", [
    ("sgd", "plain"), ("sgd", "momentum"), ("sgd", "nesterov"),
    ("rmsprop", "plain"), ("rmsprop", "momentum"), ("rmsprop", "centered"),
    ("rmsprop", "centered momentum")])
def test_compiled_sgd_rmsprop_match_numpy_passes_bit_for_bit(kernel, variant, dtype, decay):
    rng = np.random.default_rng(11)
    n = 517
    g, state = _state(rng, n, dtype)
    state[2] += np.square(state[3])  # v > avg^2 for centered RMSprop
    make = _sgd_call if kernel == "sgd" else _rmsprop_call
    a = [s.copy() for s in state]
    b = [s.copy() for s in state]
    dec = None if decay is None else np.asarray(decay, dtype)
    for _ in range(3):
        make(getattr(fused, kernel), g, a, variant, dtype)(dec)
        make(getattr(fused, kernel + "_numpy"), g, b, variant, dtype)(dec)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], state[0])


# kernel: (indices into `_state`'s [p, m, v, vhat] of its slots, its constants after the
# slots, the number of temporaries its NumPy passes take)
KERNELS = {
    "adagrad": ((2,), lambda dt: (1e-7, np.asarray(0.1, dt)), 1),
    "adadelta": ((2, 3), lambda dt: (0.95, 1e-7, np.asarray(1.0, dt)), 2),
    "adamax": ((1, 2), lambda dt: (0.9, 0.999, 1e-7, np.asarray(0.05, dt),
                                   np.asarray(0.19, dt)), 1),
    "nadam": ((1, 2), lambda dt: (0.9, 0.999, 1e-7, np.asarray(0.05, dt),
                                  np.asarray(0.47, dt), np.asarray(0.11, dt),
                                  np.asarray(0.002, dt)), 2),
    "lion": ((1,), lambda dt: (0.9, 0.99, np.asarray(0.01, dt)), 2),
}


def _step(kernel, compiled, g, st, dtype, decay):
    slots, consts, n_temps = KERNELS[kernel]
    args = (g, st[0], *[st[i] for i in slots], *consts(dtype), decay)
    if compiled:
        getattr(fused, kernel)(*args)
    else:
        getattr(fused, kernel + "_numpy")(*args, *[np.empty_like(g) for _ in range(n_temps)])


def _assert_same_bits(x, y):
    """Equal bits wherever x is a number (so +0 != -0), NaN at the same places."""
    nan = np.isnan(x)
    np.testing.assert_array_equal(nan, np.isnan(y))
    uint = np.uint32 if x.dtype == np.float32 else np.uint64
    np.testing.assert_array_equal(x[~nan].view(uint), y[~nan].view(uint))


@needs_c
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("decay", [None, 0.996])
@pytest.mark.parametrize("kernel", sorted(KERNELS))
def test_compiled_adagrad_to_lion_match_numpy_passes_bit_for_bit(kernel, dtype, decay):
    rng = np.random.default_rng(5)
    n = 1031  # odd: the vector loop's tail runs too
    g, state = _state(rng, n, dtype)
    g[5] = np.nan           # NaN through every pass (np.maximum, np.sign keep it)
    state[2][6] = np.nan    # a NaN slot (Adamax's norm: the NaN side of the maximum)
    g[7] = state[1][7] = 0.0    # Lion: sign(+0) = +0
    g[8] = state[1][8] = state[0][8] = -0.0   # Lion: sign(-0) = +0, so p stays -0
    g[9], state[2][9] = 0.0, -0.0   # Adamax: max(-0, +0) is np.maximum's second, +0
    g[10], state[2][10] = 0.5, 1e30  # Adamax: the norm wins the maximum
    a = [s.copy() for s in state]
    b = [s.copy() for s in state]
    dec = None if decay is None else np.asarray(decay, dtype)
    for _ in range(3):
        _step(kernel, True, g, a, dtype, dec)
        _step(kernel, False, g, b, dtype, dec)
    for x, y in zip(a, b):
        _assert_same_bits(x, y)
    assert not np.array_equal(a[0], state[0])  # the weights did move
    assert np.isfinite(a[0][11:]).all()


@pytest.mark.parametrize("kernel", sorted(KERNELS))
def test_adagrad_to_lion_fall_back_for_float16_and_strided_gradients(kernel):
    rng = np.random.default_rng(2)
    for dtype, transpose in ((np.float16, False), (np.float32, True)):
        g, state = _state(rng, 12, dtype)
        g = g.reshape(3, 4).T if transpose else g.reshape(4, 3)
        state = [s.reshape(4, 3) for s in state]
        a = [s.copy() for s in state]
        b = [s.copy() for s in state]
        _step(kernel, True, g, a, dtype, None)  # the wrapper: NumPy passes here
        _step(kernel, False, np.ascontiguousarray(g), b, dtype, None)
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
        assert not np.array_equal(a[0], state[0])


@needs_c
def test_compiled_adagrad_to_lion_reject_missing_slots_and_bad_calls():
    from ember.backend.numpy import _fused
    g, p = np.ones(4, np.float32), np.ones(4, np.float32)
    with pytest.raises(TypeError, match="_fused.lion: momentum is required"):
        _fused.lion(g, p, None, 0.9, 0.1, 0.99, 0.01, 0.1, None)
    with pytest.raises(TypeError, match="_fused.adagrad takes 6 arguments, got 5"):
        _fused.adagrad(g, p, np.zeros(4, np.float32), 1e-7, 0.1)
    with pytest.raises(ValueError, match="the gradient has 16 bytes"):
        _fused.adamax(g, p, np.zeros(4, np.float32), np.zeros(3, np.float32), 0.1, 0.999,
                      1e-7, 0.1, 0.1, None)
    with pytest.raises(TypeError, match="argument 8 must be a real number.*got str"):
        _fused.nadam(g, p, np.zeros(4, np.float32), np.zeros(4, np.float32), 0.1, 1e-3,
                     1e-7, "lr", 1.0, 0.1, 1e-3, None)
    np.testing.assert_array_equal(p, 1.0)


def test_numpy_passes_follow_keras_formula():
    rng = np.random.default_rng(3)
    g, (p, m, v, _) = _state(rng, 50, np.float64)
    p0, m0, v0 = p.copy(), m.copy(), v.copy()
    fused.adam_numpy(g, p, m, v, None, 0.9, 0.999, 1e-7, 0.01, None, np.empty(50))
    m1 = m0 + (g - m0) * 0.1
    v1 = v0 + (g * g - v0) * 0.001
    np.testing.assert_allclose(m, m1, rtol=1e-12)
    np.testing.assert_allclose(v, v1, rtol=1e-12)
    np.testing.assert_allclose(p, p0 - 0.01 * m1 / (np.sqrt(v1) + 1e-7), rtol=1e-12)


def _train(compiled: bool, make_optimizer) -> list:
    before = fused.use_compiled(compiled) if fused.compiled_available() else None
    try:
        tf.random.set_seed(1)
        rng = np.random.default_rng(0)
        x = rng.standard_normal((64, 5)).astype(np.float32)
        y = (x @ rng.standard_normal((5, 1))).astype(np.float32)
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1)])
        model.compile(optimizer=make_optimizer(), loss="mse")
        model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
        return model.get_weights()
    finally:
        if before is not None:
            fused.use_compiled(before)


@needs_c
@pytest.mark.parametrize("make", [
    lambda: keras.optimizers.Adam(0.01), lambda: keras.optimizers.Adam(0.01, amsgrad=True),
    lambda: keras.optimizers.AdamW(0.01), lambda: keras.optimizers.SGD(0.01),
    lambda: keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True),
    lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    lambda: keras.optimizers.Adagrad(0.1), lambda: keras.optimizers.Adadelta(1.0),
    lambda: keras.optimizers.Adamax(0.05, weight_decay=0.01),
    lambda: keras.optimizers.Nadam(0.05), lambda: keras.optimizers.Nadam(0.05, weight_decay=0.01),
    lambda: keras.optimizers.Lion(0.01, weight_decay=0.1)])
def test_fit_gives_the_same_weights_with_either_kernel(make):
    for a, b in zip(_train(True, make), _train(False, make)):
        np.testing.assert_array_equal(a, b)


def test_float16_and_strided_gradients_take_the_numpy_path():
    w16 = tf.Variable(np.ones(4, np.float16))
    opt = keras.optimizers.Adam(0.1)
    opt.apply_gradients([(tf.constant(np.array([1, -1, 2, 0], np.float16)), w16)])
    np.testing.assert_allclose(w16.numpy(), [0.9, 1.1, 0.9, 1.0], atol=3e-3)  # float16 rounding
    # a transposed (non-contiguous) gradient array gives the same step as a contiguous one
    rng = np.random.default_rng(0)
    g = rng.standard_normal((3, 4)).astype(np.float32)
    p1, m1, v1 = np.ones((4, 3), np.float32), np.zeros((4, 3), np.float32), \
        np.zeros((4, 3), np.float32)
    p2, m2, v2 = p1.copy(), m1.copy(), v1.copy()
    fused.adam(g.T, p1, m1, v1, None, 0.9, 0.999, 1e-7, 0.01, None)
    fused.adam_numpy(np.ascontiguousarray(g.T), p2, m2, v2, None, 0.9, 0.999, 1e-7, 0.01, None,
                     np.empty((4, 3), np.float32))
    np.testing.assert_array_equal(p1, p2)


@needs_c
def test_compiled_adam_rejects_bad_buffers_without_writing():
    from ember.backend.numpy import _fused
    p = np.ones(4, np.float32)
    m, v = np.zeros(4, np.float32), np.zeros(4, np.float32)
    with pytest.raises(TypeError, match="float32 or float64"):
        _fused.adam(np.ones(4, np.int32), p, m, v, None, 0.9, 0.999, 1e-7, 0.1, None)
    with pytest.raises(ValueError, match="the gradient has 16 bytes"):
        _fused.adam(np.ones(4, np.float32), p, np.zeros(5, np.float32), v, None, 0.9, 0.999,
                    1e-7, 0.1, None)
    ro = np.ones(4, np.float32)
    ro.flags.writeable = False
    with pytest.raises((BufferError, ValueError, TypeError)):
        _fused.adam(np.ones(4, np.float32), ro, m, v, None, 0.9, 0.999, 1e-7, 0.1, None)
    np.testing.assert_array_equal(p, 1.0)
    np.testing.assert_array_equal(m, 0.0)


def test_use_compiled_refuses_when_not_built(monkeypatch):
    monkeypatch.setattr(fused, "_compiled", None)
    with pytest.raises(RuntimeError, match="not built"):
        fused.use_compiled(True)
    assert fused.compiled_available() is False


def test_env_var_turns_the_compiled_kernels_off():
    code = ("from ember.backend.numpy import fused; "
            "print(fused.compiled_available(), fused._C is None)")
    env = dict(os.environ, EMBER_NO_C_KERNELS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
