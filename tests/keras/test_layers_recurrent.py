"""keras.layers: LSTM, GRU and SimpleRNN against NumPy reference recurrences written here
(return_sequences / return_state / go_backwards / initial_state), through `run_layer_test`
(eager, predict, ember.function with an unknown batch, config), float64 central-difference
gradients, errors, and an LSTM model that learns a tiny sequence task with fit."""

from __future__ import annotations

import numpy as np
import pytest

import ember as tf
from ember import keras
from tests.helpers import run_layer_test

L = keras.layers
R = np.random.default_rng(11)


def x32(*shape, scale=1.0):
    return (scale * R.standard_normal(shape)).astype(np.float32)


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


# -- NumPy references: one step each, looped by `_ref` ---------------------------------

def _lstm_step(x, states, w, u, b):
    h, c = states
    z = x @ w + h @ u + (b if b is not None else 0.0)
    i, f, cc, o = np.split(z, 4, axis=-1)
    c = _sig(f) * c + _sig(i) * np.tanh(cc)
    return [_sig(o) * np.tanh(c), c]


def _gru_step(x, states, w, u, b, reset_after=True):
    (h,) = states
    n = u.shape[0]
    if reset_after:
        xb, rb = (b[0], b[1]) if b is not None else (0.0, 0.0)
        xz, xr, xh = np.split(x @ w + xb, 3, axis=-1)
        hz, hr, hh = np.split(h @ u + rb, 3, axis=-1)
        z, r = _sig(xz + hz), _sig(xr + hr)
        cand = np.tanh(xh + r * hh)
    else:
        xz, xr, xh = np.split(x @ w + (b if b is not None else 0.0), 3, axis=-1)
        z = _sig(xz + h @ u[:, :n])
        r = _sig(xr + h @ u[:, n:2 * n])
        cand = np.tanh(xh + (r * h) @ u[:, 2 * n:])
    return [z * h + (1 - z) * cand]


def _rnn_step(x, states, w, u, b):
    return [np.tanh(x @ w + states[0] @ u + (b if b is not None else 0.0))]


STEPS = {"LSTM": _lstm_step, "GRU": _gru_step, "SimpleRNN": _rnn_step}


def _ref(kind, x, weights, units, go_backwards=False, initial=None, **step_kw):
    """Returns (sequence of h, final states) in float64."""
    x = x.astype(np.float64)
    w, u = weights[0].astype(np.float64), weights[1].astype(np.float64)
    b = weights[2].astype(np.float64) if len(weights) > 2 else None
    n_states = 2 if kind == "LSTM" else 1
    states = [np.zeros((x.shape[0], units))] * n_states if initial is None else \
        [s.astype(np.float64) for s in initial]
    seq = []
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    for t in order:
        states = STEPS[kind](x[:, t], states, w, u, b, **step_kw)
        seq.append(states[0])
    return np.stack(seq, axis=1), states


def _weights(kind, features, units, use_bias=True, reset_after=True):
    gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[kind]
    ws = [x32(features, gates * units, scale=0.5), x32(units, gates * units, scale=0.5)]
    if use_bias:
        shape = (2, 3 * units) if kind == "GRU" and reset_after else (gates * units,)
        ws.append(x32(*shape, scale=0.5))
    return ws


CASES = [
    ({"units": 3}, (2, 5, 4)),
    ({"units": 2, "return_sequences": True}, (3, 4, 2)),
    ({"units": 4, "go_backwards": True, "return_sequences": True}, (2, 3, 3)),
    ({"units": 3, "use_bias": False, "go_backwards": True}, (1, 6, 2)),
]


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("kwargs, shape", CASES)
def test_layer_vs_numpy(kind, kwargs, shape):
    x = x32(*shape)
    ws = _weights(kind, shape[-1], kwargs["units"], kwargs.get("use_bias", True))
    seq, states = _ref(kind, x, ws, kwargs["units"], kwargs.get("go_backwards", False))
    want = seq if kwargs.get("return_sequences") else states[0]
    run_layer_test(getattr(L, kind), kwargs, x, want, weights=ws, tol=1e-5)


def test_gru_reset_before():
    x = x32(2, 4, 3)
    ws = _weights("GRU", 3, 2, reset_after=False)
    seq, _ = _ref("GRU", x, ws, 2, reset_after=False)
    run_layer_test(L.GRU, {"units": 2, "reset_after": False, "return_sequences": True}, x,
                   seq, weights=ws, tol=1e-5)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_return_state_and_initial_state(kind):
    units, x = 3, x32(2, 4, 5)
    n_states = 2 if kind == "LSTM" else 1
    init = [x32(2, units) for _ in range(n_states)]
    ws = _weights(kind, 5, units)
    layer = getattr(L, kind)(units, return_sequences=True, return_state=True)
    layer.build(x.shape)
    layer.set_weights(ws)
    seq, states = _ref(kind, x, ws, units, initial=init)
    out = layer(x, initial_state=init)
    assert isinstance(out, list) and len(out) == 1 + n_states
    for got, want in zip(out, [seq] + states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)
    # the same inside ember.function, with tensors as initial states
    fn = tf.function(lambda a, *s: layer(a, initial_state=list(s)))
    got = fn(tf.constant(x), *[tf.constant(s) for s in init])
    np.testing.assert_allclose(got[-1].numpy(), states[-1], rtol=1e-5, atol=1e-5)
    # zero initial states by default; a functional model with several outputs
    seq0, states0 = _ref(kind, x, ws, units)
    inp = keras.Input((4, 5))
    sym = layer(inp)
    assert [tuple(s.shape) for s in sym] == [(None, 4, units)] + [(None, units)] * n_states
    preds = keras.Model(inp, sym).predict(x, verbose=0)
    for got, want in zip(preds, [seq0] + states0):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    shapes = layer.compute_output_shape((None, 4, 5))
    assert [tuple(s) for s in shapes] == [(None, 4, units)] + [(None, units)] * n_states


def test_initial_state_as_model_input():
    enc_in, h_in, c_in = keras.Input((3, 2)), keras.Input((4,)), keras.Input((4,))
    lstm = L.LSTM(4)
    model = keras.Model([enc_in, h_in, c_in], lstm(enc_in, initial_state=[h_in, c_in]))
    x, h0, c0 = x32(2, 3, 2), x32(2, 4), x32(2, 4)
    _, states = _ref("LSTM", x, lstm.get_weights(), 4, initial=[h0, c0])
    np.testing.assert_allclose(model.predict([x, h0, c0], verbose=0), states[0],
                               rtol=1e-5, atol=1e-5)


def test_defaults_keras2():
    lstm = L.LSTM(3)
    lstm.build((None, 4, 2))
    assert [tuple(w.shape) for w in lstm.weights] == [(2, 12), (3, 12), (12,)]
    assert [w.name for w in lstm.weights] == [f"{lstm.name}/kernel:0",
                                               f"{lstm.name}/recurrent_kernel:0",
                                               f"{lstm.name}/bias:0"]
    np.testing.assert_array_equal(lstm.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    u = lstm.recurrent_kernel.numpy()
    np.testing.assert_allclose(u @ u.T, np.eye(3), atol=1e-5)  # orthogonal rows
    plain = L.LSTM(3, unit_forget_bias=False)
    plain.build((None, 4, 2))
    assert not plain.bias.numpy().any()
    gru = L.GRU(3)
    gru.build((None, 4, 2))
    assert tuple(gru.bias.shape) == (2, 9)
    cfg = gru.get_config()
    assert cfg["reset_after"] is True and cfg["recurrent_activation"] == "sigmoid"
    assert "recurrent_activation" not in L.SimpleRNN(2).get_config()
    assert L.LSTM(2).get_config()["unit_forget_bias"] is True


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_gradients_vs_central_differences(kind):
    units, x = 2, R.standard_normal((2, 3, 2))
    layer = getattr(L, kind)(units, return_sequences=True, dtype="float64")
    layer.build(x.shape)
    ws = [w.astype(np.float64) for w in _weights(kind, 2, units)]
    layer.set_weights(ws)
    proj = R.standard_normal((2, 3, units))

    def loss_np(xv, wv):
        seq, _ = _ref(kind, xv, wv, units)
        return float(np.sum(seq * proj))

    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt) * proj)
    grads = tape.gradient(loss, [xt] + layer.trainable_weights)
    np.testing.assert_allclose(loss.numpy(), loss_np(x, ws), rtol=1e-10)
    eps = 1e-6
    for k, (g, base) in enumerate(zip(grads, [x] + ws)):
        num = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            plus, minus = [a.copy() for a in [x] + ws], [a.copy() for a in [x] + ws]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            num[idx] = (loss_np(plus[0], plus[1:]) - loss_np(minus[0], minus[1:])) / (2 * eps)
        np.testing.assert_allclose(g.numpy(), num, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("kwargs", [{"return_sequences": True, "go_backwards": True},
                                    {"return_state": True}])
def test_unknown_time_dim_while_loop(kind, kwargs):
    """With an unknown number of steps the layer runs an ember.while_loop: same values and
    gradients as the unrolled loop."""
    units, x = 3, x32(2, 5, 4)
    ws = _weights(kind, 4, units)
    layer = getattr(L, kind)(units, **kwargs)
    layer.build(x.shape)
    layer.set_weights(ws)
    seq, states = _ref(kind, x, ws, units, kwargs.get("go_backwards", False))
    want = [seq if kwargs.get("return_sequences") else states[0]]
    if kwargs.get("return_state"):
        want += states
    inp = keras.Input((None, 4))
    sym = layer(inp)
    sym_list = sym if isinstance(sym, list) else [sym]
    assert tuple(sym_list[0].shape) == ((None, None, units) if kwargs.get("return_sequences")
                                        else (None, units))
    preds = keras.Model(inp, sym).predict(x, verbose=0)
    for got, w in zip(preds if isinstance(preds, list) else [preds], want):
        np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-5)
    proj = x32(*want[0].shape)

    def grads(xt):
        with tf.GradientTape() as tape:
            tape.watch(xt)
            out = layer(xt)
            loss = tf.reduce_sum((out[0] if isinstance(out, list) else out) * proj)
        return tape.gradient(loss, [xt] + layer.trainable_weights)

    dyn = tf.function(grads, input_signature=[tf.TensorSpec([None, None, 4], tf.float32)])
    for g_dyn, g_unrolled in zip(dyn(tf.constant(x)), grads(tf.constant(x))):
        np.testing.assert_allclose(g_dyn.numpy(), g_unrolled.numpy(), rtol=1e-5, atol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="ndim|rank|3"):
        L.LSTM(2)(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="units must be a positive int"):
        L.GRU(0)
    # dropout, recurrent_dropout and stateful=True are supported (tests/keras/
    # test_layers_rnn_cells.py); bad values are clear errors
    with pytest.raises(ValueError, match="dropout must be a float"):
        L.SimpleRNN(2, dropout=1.5)
    with pytest.raises(ValueError, match="recurrent_dropout must be a float"):
        L.GRU(2, recurrent_dropout="x")
    with pytest.raises(ValueError, match="stateful=True needs a fixed batch size"):
        L.LSTM(2, stateful=True).build((None, 3, 2))
    with pytest.raises(ValueError, match="initial_state must be a list of 2"):
        L.LSTM(2)(np.ones((1, 3, 2), np.float32), initial_state=[np.zeros((1, 2))])
    with pytest.raises(ValueError, match=r"shape \(batch, 2\)"):
        L.GRU(2)(np.ones((1, 3, 2), np.float32), initial_state=[np.zeros((1, 5))])
    with pytest.raises(TypeError, match="recurrent_activation"):
        L.SimpleRNN(2, recurrent_activation="sigmoid")
    layer = L.LSTM(2)
    layer(np.ones((1, 3, 2), np.float32))
    with pytest.raises(ValueError):
        layer(np.ones((1, 3, 4), np.float32))  # features differ from the built kernel


def test_lstm_learns_with_fit():
    # the label is whether the first element of the sequence is positive: needs memory
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 6, 1)).astype(np.float32)
    y = (x[:, 0, 0] > 0).astype(np.float32)[:, None]
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((6, 1)), L.LSTM(8), L.Dense(1, "sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.03), loss="binary_crossentropy")
    hist = model.fit(x, y, epochs=15, batch_size=16, verbose=0).history["loss"]
    assert hist[-1] < 0.6 * hist[0], hist


def test_gru_learns_with_unknown_length():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 5, 1)).astype(np.float32)
    y = x.sum(axis=1)
    model = keras.Sequential([keras.Input((None, 1)), L.GRU(6), L.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.03), loss="mse")
    hist = model.fit(x, y, epochs=10, batch_size=16, verbose=0).history["loss"]
    assert hist[-1] < 0.5 * hist[0], hist
